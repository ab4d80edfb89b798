/**
 * Report -> Block Kit message: header with the status emoji and the name, one section per finding
 * (worst first: title, detail, likely cause, fixes), compact per-address results, a context footer
 * (resolver, duration, UTC time) and the Retry / Escalate buttons. The words are the text
 * renderer's (src/render/text.ts); limits are enforced and long reports end in "and N more findings".
 */
import type { Finding, Report, Severity, Status } from '../../core/finding.js';
import { addressLines, footerLine, likelyCause, STATUS_LABEL, summaryLine } from '../../render/text.js';
import { escapeCode, escapeMrkdwn } from '../escape.js';
import {
  actions,
  type Block,
  type ButtonSpec,
  context,
  header,
  LIMITS,
  type MessagePayload,
  plural,
  section,
  truncate,
} from './limits.js';

export const STATUS_EMOJI: Record<Status, string> = {
  ok: ':large_green_circle:',
  warning: ':large_yellow_circle:',
  critical: ':red_circle:',
};
export const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ':red_circle:',
  warning: ':large_yellow_circle:',
  info: ':information_source:',
};

export const ACTION_RETRY = 'report.retry';
export const ACTION_ESCALATE = 'report.escalate';

/** Changes is what a re-run changed: codes that went away and codes that appeared. */
export interface Changes {
  fixed: string[];
  added: string[];
}

export interface ReportMessageOptions {
  /** The stored report's short id: the only thing the buttons carry. Without it, no buttons. */
  reportId?: string;
  changes?: Changes;
  /** Which run this is (1 for the first diagnosis). */
  run?: number;
  /** Extra buttons (automation actions where the inventory allows them). */
  extraButtons?: ButtonSpec[];
  /** At most this many findings get their own section (default: as many as fit). */
  maxFindings?: number;
}

/** Overall budget for the message's text, well under what Slack accepts in one message. */
const TEXT_BUDGET = 16_000;
/** Blocks other than findings: header, summary, more-line, addresses, footer, actions. */
const FIXED_BLOCKS = 7;

/** diffCodes returns what changed between the codes of two runs (each code once). */
export function diffCodes(before: readonly string[], after: readonly string[]): Changes {
  const b = new Set(before);
  const a = new Set(after);
  return { fixed: [...b].filter((c) => !a.has(c)), added: [...a].filter((c) => !b.has(c)) };
}

/** changesLine returns "fixed: `caa.forbids_ca` · new: `dns.timeout`", or "nothing changed". */
export function changesLine(changes: Changes): string {
  const parts: string[] = [];
  if (changes.fixed.length) parts.push(`fixed: ${changes.fixed.map((c) => `\`${escapeCode(c)}\``).join(', ')}`);
  if (changes.added.length) parts.push(`new: ${changes.added.map((c) => `\`${escapeCode(c)}\``).join(', ')}`);
  return parts.length ? parts.join(' · ') : 'nothing changed';
}

/** findingText returns the mrkdwn of one finding: title, code, detail, likely cause and fixes. */
export function findingText(f: Finding): string {
  const lines = [
    `${SEVERITY_EMOJI[f.severity]} *${escapeMrkdwn(f.title)}*  \`${escapeCode(f.code)}\``,
    escapeMrkdwn(f.detail),
  ];
  if (f.severity !== 'info') {
    const why = likelyCause(f);
    if (why) lines.push(`*Likely cause:* ${escapeMrkdwn(why)}`);
    if (f.fixes.length) lines.push(`*Fix:*\n${f.fixes.map((x) => `• ${escapeMrkdwn(x)}`).join('\n')}`);
  }
  return truncate(lines.join('\n'), LIMITS.sectionText);
}

/** addressesText returns the compact per-address results, at most 10 lines and 3000 characters. */
export function addressesText(report: Report): string | undefined {
  const lines = addressLines(report);
  if (lines.length === 0) return undefined;
  const shown = lines.slice(0, 10).map((l) => `• ${escapeMrkdwn(l)}`);
  if (lines.length > shown.length)
    shown.push(`_and ${lines.length - shown.length} more address${lines.length - shown.length === 1 ? '' : 'es'}_`);
  return truncate(`*Addresses*\n${shown.join('\n')}`, LIMITS.sectionText);
}

/** checksNote returns the checks that were skipped or broke, for the footer. */
function checksNote(report: Report): string | undefined {
  const notable = report.checks.filter((c) => c.state === 'error' || (c.state === 'skipped' && c.reason));
  if (notable.length === 0) return undefined;
  return notable
    .map((c) => `${escapeMrkdwn(c.name)} ${c.state}${c.reason ? ` (${escapeMrkdwn(c.reason)})` : ''}`)
    .join(' · ');
}

/** fallbackText returns the message's top-level text (notifications, screen readers). */
export function fallbackText(report: Report): string {
  return truncate(`certmedic · ${escapeMrkdwn(report.target)}: ${summaryLine(report)}`, LIMITS.messageText);
}

/** reportMessage renders a Report as a Block Kit message within Slack's limits. */
export function reportMessage(report: Report, opts: ReportMessageOptions = {}): MessagePayload {
  const blocks: Block[] = [header(`${STATUS_EMOJI[report.status]} ${report.target} — ${STATUS_LABEL[report.status]}`)];
  const summary = [`*${summaryLine(report)}*`];
  if (opts.changes) summary.push(`Since the last run: ${changesLine(opts.changes)}`);
  if (opts.run && opts.run > 1) summary.push(`_run ${opts.run}_`);
  blocks.push(section(summary.join('\n')));

  const budgetBlocks = LIMITS.messageBlocks - FIXED_BLOCKS;
  const maxFindings = Math.min(opts.maxFindings ?? budgetBlocks, budgetBlocks);
  let used = 0;
  let shown = 0;
  for (const f of report.findings) {
    if (shown >= maxFindings) break;
    const text = findingText(f);
    if (used + text.length > TEXT_BUDGET) break;
    blocks.push(section(text));
    used += text.length;
    shown++;
  }
  const rest = report.findings.length - shown;
  if (rest > 0) {
    const worst = report.findings.slice(shown).map((f) => `\`${escapeCode(f.code)}\``);
    blocks.push(
      context([
        truncate(
          `…and ${plural(rest, 'more finding')}: ${worst.join(', ')} (run \`certmedic diagnose ${escapeCode(report.target)}\` for all)`,
          2000,
        ),
      ]),
    );
  }
  const addrs = addressesText(report);
  if (addrs) blocks.push(section(addrs));
  const footer = [escapeMrkdwn(footerLine(report))];
  const note = checksNote(report);
  if (note) footer.push(note);
  blocks.push(context(footer));
  if (opts.reportId) {
    const buttons: ButtonSpec[] = [
      { label: 'Retry', actionId: ACTION_RETRY, value: opts.reportId, style: 'primary' },
      { label: 'Escalate', actionId: ACTION_ESCALATE, value: opts.reportId },
      ...(opts.extraButtons ?? []),
    ];
    blocks.push(actions('report_actions', buttons));
  }
  return { text: fallbackText(report), blocks: blocks.slice(0, LIMITS.messageBlocks) };
}
