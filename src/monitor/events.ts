/**
 * Inventory webhook events that raise or clear alerts at once, without waiting for a scan:
 * `deployment.failed` opens (or updates, with a follow-up in the thread) the certificate's
 * "deployment failed" alert, quoting the error and the classified log with its fixes, and offers
 * Retry / Escalate; `deployment.succeeded` resolves it.
 */
import { finding } from '../core/catalog.js';
import type { Finding } from '../core/finding.js';
import type { InventoryEvent } from '../inventory/events.js';
import type { AlertService, AlertTarget } from './alerts.js';
import type { Problem } from './rules.js';

/** ClassifiedLog is what the log classifier says about a failed deployment's log. */
export interface ClassifiedLog {
  code: string;
  category?: string;
  line?: string;
  fixes: string[];
}

export interface EventDeps {
  alerts: AlertService;
  /** Resolves the event's certificate (inventory id or name) to the alert target. */
  target: (certificate: string) => AlertTarget;
  classifyLog?: (log: string) => ClassifiedLog | undefined;
  /** Stores a report for the Retry / Escalate buttons; returns its id. */
  storeReport?: (target: AlertTarget, findings: Finding[]) => string | undefined;
}

type Failed = Extract<InventoryEvent, { type: 'deployment.failed' }>;

/** deploymentFailedProblem returns the alert problem of a deployment.failed event. */
export function deploymentFailedProblem(e: Failed, classify?: EventDeps['classifyLog']): Problem {
  const d = e.data;
  const c = d.log ? classify?.(d.log) : undefined;
  const summary = `Deployment ${d.deployment} of ${e.certificate} failed at ${e.time}${d.error ? `: ${d.error}` : ''}${
    c?.line ? ` (log: ${c.line})` : ''
  }`;
  const findings: Finding[] = [
    finding(
      'deploy.failed',
      summary,
      {
        deployment: d.deployment,
        runId: d.runId ?? null,
        event: e.id,
        error: d.error ?? null,
        ...(c ? { logCode: c.code, logCategory: c.category ?? null, logLine: c.line ?? null } : {}),
      },
      { fixes: c?.fixes ?? [] },
    ),
  ];
  return {
    kind: 'deploy_failed',
    severity: 'critical',
    code: 'deploy.failed',
    summary,
    findings,
    fingerprint: `failed|${d.deployment}|${d.runId ?? e.id}`,
    notify: true,
  };
}

/** handleInventoryEvent applies one stored webhook event to the alerts. */
export function handleInventoryEvent(e: InventoryEvent, deps: EventDeps): void {
  if (!e.certificate) return;
  if (e.type === 'deployment.failed') {
    const target = deps.target(e.certificate);
    const problem = deploymentFailedProblem(e, deps.classifyLog);
    const reportId = deps.storeReport?.(target, problem.findings);
    deps.alerts.raise(target, problem, reportId ? { reportId } : {});
  } else if (e.type === 'deployment.succeeded') {
    deps.alerts.clear(deps.target(e.certificate).cert, 'deploy_failed');
  }
}
