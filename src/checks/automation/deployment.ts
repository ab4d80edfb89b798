/**
 * Runbook steps 5 and 6, deployments: is each target's configuration complete, did the last job
 * fail (and why, from its classified log), is a running job stuck compared with its own history,
 * does the target accept TLS on its ports, and does it serve the certificate that was issued?
 */
import { isIP } from 'node:net';
import { finding } from '../../core/catalog.js';
import type { Finding } from '../../core/finding.js';
import type { DeploymentEntry } from '../../inventory/schema.js';
import type { CertificateView, DeploymentView, RunView } from '../../inventory/store.js';
import { probeTls } from '../../net/tls.js';
import type { ScanContext } from '../context.js';
import { lookupAddresses } from '../lookups.js';

/** What a deployment job of each type needs (runbook step 5). */
export const REQUIRED_FIELDS: Record<DeploymentEntry['type'], (keyof DeploymentEntry)[]> = {
  nginx: ['host', 'ports', 'keystorePath', 'restartCommand', 'credentialsRef'],
  apache: ['host', 'ports', 'keystorePath', 'restartCommand', 'credentialsRef'],
  haproxy: ['host', 'ports', 'keystorePath', 'restartCommand', 'credentialsRef'],
  tomcat: ['host', 'ports', 'keystorePath', 'restartCommand', 'credentialsRef'],
  iis: ['host', 'ports', 'credentialsRef'],
  f5: ['host', 'ports', 'credentialsRef'],
  'k8s-secret': ['namespace', 'secretName', 'credentialsRef'],
};

/** Without enough history, a job running longer than this is stuck. */
export const DEFAULT_STUCK_MINUTES = 60;
/** Past durations needed before the history decides. */
export const MIN_HISTORY = 3;

/** ClassifiedLog is what the log classifier says about a failed job's log. */
export interface ClassifiedLog {
  code: string;
  category?: string;
  /** The first failing line. */
  line?: string;
  fixes: string[];
}
export type LogClassifier = (log: string) => ClassifiedLog | undefined;

/** configFindings returns deploy.config_invalid for each target missing what its type needs. */
export function configFindings(view: CertificateView): Finding[] {
  return view.deployments.flatMap(({ entry }) => {
    const missing = REQUIRED_FIELDS[entry.type].filter((k) => {
      const v = entry[k];
      return v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
    });
    if (missing.length === 0) return [];
    return [
      finding(
        'deploy.config_invalid',
        `Deployment ${entry.id} (${entry.type}) has no ${missing.join(', ')}`,
        { deployment: entry.id, type: entry.type, missing },
        { fixes: [`Set ${missing.join(', ')} for deployment ${entry.id} in the inventory / platform.`] },
      ),
    ];
  });
}

/** median returns the median of a non-empty list. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * stuckThresholdMs returns how long a run may take given past durations: the larger of twice the
 * median, the median plus 4 robust spreads (1.4826 × MAD) and the median plus 5 minutes.
 */
export function stuckThresholdMs(durations: number[]): { ms: number; median?: number; spread?: number } {
  if (durations.length < MIN_HISTORY) return { ms: DEFAULT_STUCK_MINUTES * 60_000 };
  const m = median(durations);
  const spread = 1.4826 * median(durations.map((d) => Math.abs(d - m)));
  return { ms: Math.max(2 * m, m + 4 * spread, m + 300_000), median: m, spread };
}

const mins = (ms: number) => Number((ms / 60_000).toFixed(1));

function latestRun(d: DeploymentView): RunView | undefined {
  return d.runs[d.runs.length - 1];
}

/** runFindings returns deploy.failed and deploy.stuck_pending from each target's latest run. */
export function runFindings(view: CertificateView, now: number, classify?: LogClassifier): Finding[] {
  const out: Finding[] = [];
  for (const d of view.deployments) {
    const run = latestRun(d);
    if (!run) continue;
    const ev = { deployment: d.entry.id, type: d.entry.type, startedAt: run.startedAt, runId: run.runId ?? null };
    if (run.result === 'failed') {
      const c = run.log ? classify?.(run.log) : undefined;
      const cause = c ? ` — ${c.category ?? c.code}${c.line ? `: ${c.line.trim().slice(0, 300)}` : ''}` : '';
      const error = run.error ? `: ${run.error.slice(0, 300)}` : '';
      out.push(
        finding(
          'deploy.failed',
          `Deployment ${d.entry.id} (${d.entry.type}${d.entry.host ? ` on ${d.entry.host}` : ''}) failed at ${run.finishedAt ?? run.startedAt}${error}${cause}`,
          {
            ...ev,
            finishedAt: run.finishedAt ?? null,
            error: run.error ?? null,
            ...(c ? { logCode: c.code, logCategory: c.category ?? null, logLine: c.line ?? null } : {}),
          },
          { fixes: c?.fixes ?? [] },
        ),
      );
    } else if (run.result === 'running') {
      const past = d.runs
        .filter((r) => r.result === 'succeeded' && r.finishedAt)
        .map((r) => Date.parse(r.finishedAt!) - Date.parse(r.startedAt))
        .filter((ms) => ms >= 0);
      const elapsed = now - Date.parse(run.startedAt);
      const t = stuckThresholdMs(past);
      if (elapsed > t.ms) {
        const history =
          t.median !== undefined
            ? `its last ${past.length} successful runs took a median of ${mins(t.median)} min (spread ${mins(t.spread!)} min)`
            : `with too little history, more than ${DEFAULT_STUCK_MINUTES} min counts as stuck`;
        out.push(
          finding(
            'deploy.stuck_pending',
            `Deployment ${d.entry.id} has been running for ${mins(elapsed)} min since ${run.startedAt}; ${history}`,
            {
              ...ev,
              elapsedMinutes: mins(elapsed),
              thresholdMinutes: mins(t.ms),
              ...(t.median !== undefined ? { medianMinutes: mins(t.median), spreadMinutes: mins(t.spread!) } : {}),
              pastRuns: past.length,
            },
          ),
        );
      }
    }
  }
  return out;
}

/** targetAddresses resolves a deployment host through the scan's resolver (IP literals as they are). */
async function targetAddresses(ctx: ScanContext, host: string): Promise<string[]> {
  const h = host.replace(/^\[|\]$/g, '');
  if (isIP(h)) return [h];
  return (await lookupAddresses(ctx.dns, h)).addresses;
}

const sameHex = (a: string, b: string) => a.replace(/^0+(?=.)/, '') === b.replace(/^0+(?=.)/, '');

/** probeFindings probes every address and TLS port of every target (k8s secrets have none). */
export async function probeFindings(ctx: ScanContext, view: CertificateView): Promise<Finding[]> {
  const issued = view.issued;
  const jobs: Promise<Finding[]>[] = [];
  for (const { entry } of view.deployments) {
    if (!entry.host || !entry.ports?.length) continue;
    const servername = entry.serverName ?? view.cert.names.find((n) => !n.startsWith('*.')) ?? view.cert.names[0]!;
    jobs.push(
      targetAddresses(ctx, entry.host).then(async (addresses) => {
        if (addresses.length === 0) {
          return [
            finding('deploy.port_not_listening', `Deployment ${entry.id}: ${entry.host} does not resolve`, {
              deployment: entry.id,
              host: entry.host,
            }),
          ];
        }
        const probes = addresses.flatMap((address) =>
          entry.ports!.map((port) =>
            probeTls({
              address,
              port,
              servername: servername.replace(/^\*\./, ''),
              policy: ctx.policy,
              portMap: ctx.portMap,
              signal: ctx.signal,
              timeoutMs: Math.max(200, Math.min(3000, ctx.deadline - ctx.clock.now() - 100)),
              starttls: 'none',
            }),
          ),
        );
        return (await Promise.all(probes)).flatMap((p): Finding[] => {
          const where = `${isIP(p.address) === 6 ? `[${p.address}]` : p.address}:${p.port}`;
          const ev = { deployment: entry.id, type: entry.type, host: entry.host, address: p.address, port: p.port };
          ctx.log(`deployment ${entry.id} tls ${where} -> ${p.ok ? `serial ${p.certs[0]?.serial}` : p.error?.message}`);
          if (!p.ok) {
            if (p.stage === 'policy') {
              return [
                finding(
                  'policy.address_refused',
                  `Deployment ${entry.id}: ${p.address} was not probed (${p.error?.message ?? 'refused'})`,
                  ev,
                ),
              ];
            }
            return [
              finding(
                'deploy.port_not_listening',
                `Deployment ${entry.id} (${entry.type}) at ${where}: ${p.error?.message ?? 'no TLS'}`,
                { ...ev, stage: p.stage ?? null, error: p.error?.message ?? null },
                { fixes: [`Check that ${entry.type} on ${entry.host} is running and bound to port ${p.port}.`] },
              ),
            ];
          }
          const leaf = p.certs[0];
          if (!leaf || !issued || (!issued.serial && !issued.sha256)) return [];
          const matches = issued.sha256 ? leaf.sha256 === issued.sha256 : sameHex(leaf.serial, issued.serial!);
          if (matches) return [];
          const what = issued.sha256 ? `SHA-256 ${issued.sha256}` : `serial ${issued.serial}`;
          return [
            finding(
              'deploy.not_deployed_after_renewal',
              `Deployment ${entry.id} at ${where} serves serial ${leaf.serial} (expires ${leaf.notAfter}), but the certificate issued${issued.at ? ` at ${issued.at}` : ''} has ${what}`,
              {
                ...ev,
                servedSerial: leaf.serial,
                servedSha256: leaf.sha256,
                servedNotAfter: leaf.notAfter,
                issuedSerial: issued.serial ?? null,
                issuedSha256: issued.sha256 ?? null,
              },
              {
                fixes: [
                  `Re-run deployment ${entry.id}${entry.restartCommand ? ` and check that \`${entry.restartCommand}\` ran` : ''}; verify with \`openssl s_client -connect ${where} -servername ${servername}\`.`,
                ],
              },
            ),
          ];
        });
      }),
    );
  }
  return (await Promise.all(jobs)).flat();
}
