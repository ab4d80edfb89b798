/** The shared language of certmedic: findings, check runs and reports (see DESIGN.md). */

export type Severity = 'critical' | 'warning' | 'info';
export type Status = 'ok' | 'warning' | 'critical';

export interface Finding {
  code: string;
  severity: Severity;
  title: string;
  detail: string;
  fixes: string[];
  evidence: Record<string, unknown>;
}

export type CheckState = 'ran' | 'skipped' | 'error';

export interface CheckRun {
  name: string;
  state: CheckState;
  reason?: string;
  durationMs?: number;
}

export interface Report {
  target: string;
  status: Status;
  findings: Finding[];
  checks: CheckRun[];
  facts: Record<string, unknown>;
  durationMs: number;
}

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** sortFindings returns the findings worst first; ties keep their original order. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i)
    .map((x) => x.f);
}

/** reportStatus returns the worst severity present, `ok` when nothing is above info. */
export function reportStatus(findings: readonly Finding[]): Status {
  if (findings.some((f) => f.severity === 'critical')) return 'critical';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return 'ok';
}

/** makeReport assembles a Report: findings sorted worst first and the status derived from them. */
export function makeReport(
  target: string,
  findings: readonly Finding[],
  checks: CheckRun[],
  facts: Record<string, unknown>,
  durationMs: number,
): Report {
  const sorted = sortFindings(findings);
  return { target, status: reportStatus(sorted), findings: sorted, checks, facts, durationMs: Math.round(durationMs) };
}

/** exitCodeFor returns the CLI exit code of one or more reports: 1 when any has a critical finding. */
export function exitCodeFor(reports: readonly Report[]): 0 | 1 {
  return reports.some((r) => r.findings.some((f) => f.severity === 'critical')) ? 1 : 0;
}
