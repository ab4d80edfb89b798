/**
 * The escalation summary: what a CA or platform team needs to act (DESIGN.md, runbook step
 * "escalate with"): CN/SAN, provisioning bot, CA connector, the error, the renewal schedule and
 * the recent infrastructure changes. Built from a stored Report plus the inventory when one exists
 * (issue 8 plugs in an EscalationContextProvider), and rendered as plain text for a CA ticket.
 */
import type { Report } from '../core/finding.js';
import { footerLine, summaryLine } from '../render/text.js';
import { servedNames } from './served-names.js';

/** EscalationContext is what the inventory knows about a certificate. */
export interface EscalationContext {
  /** CN first, then the SANs. */
  names?: string[];
  bot?: string;
  connector?: string;
  renewalSchedule?: string;
  /** The last error from the provisioning logs. */
  error?: string;
  /** Recent automation events (deployments, issuance, orders), newest first: prefill "recent changes". */
  recentChanges?: string[];
}

/** EscalationContextProvider looks a name up in the inventory (undefined: not in it). */
export type EscalationContextProvider = (name: string) => Promise<EscalationContext | undefined>;

export interface EscalationSummary {
  reportId: string;
  target: string;
  status: Report['status'];
  summary: string;
  names: string[];
  bot?: string;
  connector?: string;
  renewalSchedule?: string;
  recentChanges?: string[];
  error: string;
  findings: { code: string; severity: string; title: string; detail: string }[];
  diagnosed: string;
}

const NOT_IN_INVENTORY = 'unknown (not in the inventory)';

/** buildEscalation returns the summary of a stored report, enriched by the inventory context. */
export function buildEscalation(reportId: string, report: Report, ctx: EscalationContext = {}): EscalationSummary {
  const worst = report.findings.find((f) => f.severity !== 'info');
  const names = ctx.names?.length ? ctx.names : servedNames(report);
  return {
    reportId,
    target: report.target,
    status: report.status,
    summary: summaryLine(report),
    names: names.length ? names : [report.target],
    ...(ctx.bot ? { bot: ctx.bot } : {}),
    ...(ctx.connector ? { connector: ctx.connector } : {}),
    ...(ctx.renewalSchedule ? { renewalSchedule: ctx.renewalSchedule } : {}),
    ...(ctx.recentChanges?.length ? { recentChanges: ctx.recentChanges } : {}),
    error: ctx.error ?? (worst ? `${worst.code}: ${worst.detail}` : 'no error found by the diagnosis'),
    findings: report.findings
      .filter((f) => f.severity !== 'info')
      .slice(0, 10)
      .map((f) => ({ code: f.code, severity: f.severity, title: f.title, detail: f.detail })),
    diagnosed: footerLine(report),
  };
}

/** escalationText returns the plain-text version to paste into a CA or platform ticket. */
export function escalationText(s: EscalationSummary, changes: string, by?: string): string {
  const lines = [
    `Certificate escalation: ${s.target}`,
    `Status: ${s.summary}`,
    `Names (CN/SAN): ${s.names.join(', ')}`,
    `Provisioning bot: ${s.bot ?? NOT_IN_INVENTORY}`,
    `CA connector: ${s.connector ?? NOT_IN_INVENTORY}`,
    `Renewal schedule: ${s.renewalSchedule ?? NOT_IN_INVENTORY}`,
    `Error: ${s.error}`,
    `Recent infrastructure changes: ${changes.trim() || 'none reported'}`,
    '',
    'Findings:',
    ...(s.findings.length ? s.findings.map((f) => `- [${f.severity}] ${f.code}: ${f.detail}`) : ['- none']),
    '',
    `Diagnosed by certmedic (${s.diagnosed}), diagnosis ${s.reportId}${by ? `, escalated by ${by}` : ''}.`,
  ];
  return `${lines.join('\n')}\n`;
}

export { NOT_IN_INVENTORY };
