/**
 * Alert rules: turn one scan Report of a watch entry into the problems that deserve an alert, one
 * per (certificate, problem). Expiry is judged on days left AND the fraction of the lifetime left
 * (src/core/expiry.ts, shared with the endpoint check; per-target overrides from the watchlist);
 * the other problems come from the findings of the checks that ran. `evaluated` lists the problems
 * the report could judge: a problem that was not evaluated (the server did not answer) is neither
 * opened nor resolved.
 */
import { DEFAULT_EXPIRY, type ExpiryPolicy, expiryState, formatRemaining } from '../core/expiry.js';
import type { Finding, Report } from '../core/finding.js';
import type { Thresholds } from './watchlist.js';

const DAY_MS = 86_400_000;

export type ProblemKind =
  | 'expiry'
  | 'chain'
  | 'mismatch'
  | 'not_deployed'
  | 'caa_forbids'
  | 'deploy_failed'
  | 'deploy_stuck'
  | 'renewal_not_triggered'
  | 'bot_unhealthy'
  | 'connector_unhealthy';

export const PROBLEM_TITLES: Record<ProblemKind, string> = {
  expiry: 'Certificate expiring',
  chain: 'Certificate chain problem',
  mismatch: 'Certificate does not match the name',
  not_deployed: 'Renewed certificate not deployed',
  caa_forbids: 'CAA forbids the configured CA',
  deploy_failed: 'Deployment failed',
  deploy_stuck: 'Deployment stuck',
  renewal_not_triggered: 'Renewal not triggered',
  bot_unhealthy: 'Provisioning bot unhealthy',
  connector_unhealthy: 'CA connector unhealthy',
};

/** Problem is one alertable condition of one certificate. */
export interface Problem {
  kind: ProblemKind;
  severity: 'warning' | 'critical';
  /** The finding code that best names it (tls.expiring_soon, deploy.failed, ...). */
  code: string;
  /** One line: what was observed (outside text, escaped by the renderer). */
  summary: string;
  findings: Finding[];
  /** Changes whenever the alert message should be updated (e.g. days left). */
  fingerprint: string;
  /** Post a thread follow-up whenever the fingerprint changes (event-driven problems). */
  notify?: boolean;
  /** The served certificate's serial (Snooze "until renewed" lifts when it changes). */
  serial?: string;
  daysLeft?: number;
}

export interface Evaluation {
  evaluated: Set<ProblemKind>;
  problems: Problem[];
}

/** Finding codes per problem, for the problems read straight from findings. */
const CODE_RULES: { kind: ProblemKind; match: (code: string) => boolean; checks: string[] }[] = [
  {
    kind: 'chain',
    match: (c) =>
      ['tls.incomplete_chain', 'tls.untrusted_root', 'tls.self_signed', 'tls.intermediate_expiring'].includes(c),
    checks: ['endpoint'],
  },
  { kind: 'mismatch', match: (c) => c === 'tls.hostname_mismatch', checks: ['endpoint'] },
  {
    kind: 'not_deployed',
    match: (c) => c === 'tls.stale_certificate' || c === 'deploy.not_deployed_after_renewal',
    checks: ['endpoint', 'automation'],
  },
  {
    kind: 'caa_forbids',
    match: (c) =>
      ['caa.forbids_ca', 'caa.forbids_wildcard', 'caa.method_restricted', 'caa.unknown_critical'].includes(c),
    checks: ['caa'],
  },
  { kind: 'deploy_failed', match: (c) => c === 'deploy.failed', checks: ['automation'] },
  { kind: 'deploy_stuck', match: (c) => c === 'deploy.stuck_pending', checks: ['automation'] },
  { kind: 'renewal_not_triggered', match: (c) => c === 'renewal.not_triggered', checks: ['automation'] },
  { kind: 'bot_unhealthy', match: (c) => c.startsWith('bot.'), checks: ['automation'] },
  { kind: 'connector_unhealthy', match: (c) => c.startsWith('connector.'), checks: ['automation'] },
];

/** policyFor returns the expiry policy of a target: the defaults with its overrides. */
export function policyFor(t: Thresholds | undefined): ExpiryPolicy {
  return {
    warnFraction: t?.warnFraction ?? DEFAULT_EXPIRY.warnFraction,
    warnMaxMs: t?.warnDays !== undefined ? t.warnDays * DAY_MS : DEFAULT_EXPIRY.warnMaxMs,
    criticalFraction: t?.criticalFraction ?? DEFAULT_EXPIRY.criticalFraction,
    criticalMaxMs: t?.criticalDays !== undefined ? t.criticalDays * DAY_MS : DEFAULT_EXPIRY.criticalMaxMs,
  };
}

/** ServedLeaf is the leaf certificate one address served. */
export interface ServedLeaf {
  address: string;
  serial: string;
  notBeforeMs: number;
  notAfterMs: number;
}

/** servedLeaves returns the leaf certificate of every address that completed a handshake. */
export function servedLeaves(report: Report): ServedLeaf[] {
  const addresses = (report.facts['addresses'] ?? []) as Record<string, unknown>[];
  const out: ServedLeaf[] = [];
  for (const a of addresses) {
    // The endpoint check's per-address facts (src/checks/served.ts servedFacts): the leaf's fields.
    const leaf = a['tls'] as Record<string, unknown> | undefined;
    if (!leaf || typeof leaf !== 'object') continue;
    const notBeforeMs = Date.parse(String(leaf['notBefore']));
    const notAfterMs = Date.parse(String(leaf['notAfter']));
    if (Number.isNaN(notBeforeMs) || Number.isNaN(notAfterMs)) continue;
    out.push({ address: String(a['address'] ?? ''), serial: String(leaf['serial'] ?? ''), notBeforeMs, notAfterMs });
  }
  return out;
}

const STATE_RANK = { expired: 0, not_yet_valid: 1, critical: 2, warning: 3, ok: 4 } as const;

/** expiryProblem judges the worst served leaf against the target's thresholds. */
export function expiryProblem(leaves: ServedLeaf[], now: number, thresholds?: Thresholds): Problem | undefined {
  const policy = policyFor(thresholds);
  const judged = leaves
    .map((l) => ({ l, state: expiryState(l.notBeforeMs, l.notAfterMs, now, policy) }))
    .sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state] || a.l.notAfterMs - b.l.notAfterMs);
  const worst = judged[0];
  if (!worst || worst.state === 'ok') return undefined;
  const { l, state } = worst;
  const remaining = l.notAfterMs - now;
  const daysLeft = Math.floor(remaining / DAY_MS);
  const addresses = judged.filter((j) => j.l.serial === l.serial).map((j) => j.l.address);
  const where = `served by ${addresses.join(', ')}`;
  const code =
    state === 'expired' ? 'tls.expired' : state === 'not_yet_valid' ? 'tls.not_yet_valid' : 'tls.expiring_soon';
  const summary =
    state === 'expired'
      ? `The certificate (serial ${l.serial}) expired ${formatRemaining(-remaining)} ago, ${where}`
      : state === 'not_yet_valid'
        ? `The certificate (serial ${l.serial}) is not valid yet, ${where}`
        : `The certificate (serial ${l.serial}) expires in ${formatRemaining(remaining)} (${new Date(l.notAfterMs).toISOString()}), ${where}`;
  return {
    kind: 'expiry',
    severity: state === 'warning' ? 'warning' : 'critical',
    code,
    summary,
    findings: [],
    fingerprint: `${state}|${l.serial}|${daysLeft}`,
    serial: l.serial,
    daysLeft,
  };
}

/** ran returns true when a check with that name ran in the report. */
function ran(report: Report, names: string[]): boolean {
  return report.checks.some((c) => names.includes(c.name) && c.state === 'ran');
}

/** evaluate returns the problems of one report and which problems it could judge. */
export function evaluate(report: Report, now: number, thresholds?: Thresholds): Evaluation {
  const evaluated = new Set<ProblemKind>();
  const problems: Problem[] = [];
  const leaves = servedLeaves(report);
  const handshook = leaves.length > 0;
  if (handshook) {
    evaluated.add('expiry');
    const p = expiryProblem(leaves, now, thresholds);
    if (p) problems.push(p);
  }
  for (const rule of CODE_RULES) {
    const fromEndpoint = rule.checks.includes('endpoint');
    const judged = fromEndpoint
      ? handshook ||
        ran(
          report,
          rule.checks.filter((c) => c !== 'endpoint'),
        )
      : ran(report, rule.checks);
    if (!judged) continue;
    evaluated.add(rule.kind);
    const found = report.findings.filter((f) => rule.match(f.code) && f.severity !== 'info');
    if (found.length === 0) continue;
    const codes = [...new Set(found.map((f) => f.code))].sort();
    const severity = found.some((f) => f.severity === 'critical') ? 'critical' : 'warning';
    problems.push({
      kind: rule.kind,
      severity,
      code: found[0]!.code,
      summary: found
        .map((f) => f.detail)
        .filter((d, i, all) => all.indexOf(d) === i)
        .slice(0, 3)
        .join('; '),
      findings: found,
      fingerprint: `${severity}|${codes.join(',')}`,
      ...(leaves[0] ? { serial: leaves[0].serial } : {}),
    });
  }
  return { evaluated, problems };
}
