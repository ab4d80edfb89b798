/**
 * Alert messages (Block Kit), pure: the open alert (header, what was observed, fixes, state line,
 * Acknowledge / Snooze and, for a failed deployment, Retry / Escalate), its resolved form, thread
 * follow-ups and the daily digest. Outside text is escaped; limits are enforced by limits.ts.
 */
import { catalogEntry } from '../core/catalog.js';
import {
  type Block,
  type ButtonSpec,
  button,
  context,
  header,
  LIMITS,
  type MessagePayload,
  section,
  truncate,
} from '../slack/blocks/limits.js';
import { ACTION_ESCALATE, ACTION_RETRY } from '../slack/blocks/report.js';
import { escapeCode, escapeMrkdwn } from '../slack/escape.js';
import { PROBLEM_TITLES, type Problem, type ProblemKind } from './rules.js';

export const ACTION_ACK = 'alert.ack';
export const ACTION_SNOOZE = 'alert.snooze';
export const SNOOZE_CHOICES = [
  { value: '1d', label: 'Snooze 1 day' },
  { value: '1w', label: 'Snooze 1 week' },
  { value: 'renewed', label: 'Snooze until renewed' },
] as const;

/** AlertView is what the renderer needs of a stored alert. */
export interface AlertView {
  id: number;
  label: string;
  kind: ProblemKind;
  state: 'open' | 'resolved';
  problem: Problem;
  openedAt: number;
  updatedAt: number;
  resolvedAt?: number;
  ackedBy?: string;
  snoozedUntil?: number;
  snoozedBy?: string;
  snoozeUntilRenewed?: boolean;
  /** Stored report id for Retry / Escalate (failed deployments). */
  reportId?: string;
}

const EMOJI = { critical: ':red_circle:', warning: ':large_yellow_circle:' } as const;

function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** title returns `Certificate expiring: shop.example.com:443`. */
export function alertTitle(a: Pick<AlertView, 'kind' | 'label'>): string {
  return `${PROBLEM_TITLES[a.kind]}: ${a.label}`;
}

/** stateLine returns who acknowledged or snoozed the alert, for the context footer. */
function stateLine(a: AlertView): string | undefined {
  const parts: string[] = [];
  if (a.ackedBy) parts.push(`Acknowledged by <@${escapeMrkdwn(a.ackedBy)}>`);
  if (a.snoozeUntilRenewed)
    parts.push(`Snoozed until renewed${a.snoozedBy ? ` by <@${escapeMrkdwn(a.snoozedBy)}>` : ''}`);
  else if (a.snoozedUntil)
    parts.push(`Snoozed until ${utc(a.snoozedUntil)}${a.snoozedBy ? ` by <@${escapeMrkdwn(a.snoozedBy)}>` : ''}`);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/** fixesOf returns the fixes to show: the findings' own first, else the catalog's. */
function fixesOf(p: Problem): string[] {
  const fixes = p.findings.flatMap((f) => f.fixes);
  const all = fixes.length > 0 ? fixes : (catalogEntry(p.code)?.fixes ?? []);
  return [...new Set(all)].slice(0, 4);
}

/** alertMessage renders an alert in its current state. */
export function alertMessage(a: AlertView): MessagePayload {
  const p = a.problem;
  const title = alertTitle(a);
  if (a.state === 'resolved') {
    return {
      text: truncate(`Resolved: ${title}`, LIMITS.messageText),
      blocks: [
        header(`:white_check_mark: Resolved: ${title}`),
        section(`~${escapeMrkdwn(p.summary)}~`),
        context([
          `Opened ${utc(a.openedAt)} · resolved ${utc(a.resolvedAt ?? a.updatedAt)} · \`${escapeCode(p.code)}\``,
        ]),
      ],
    };
  }
  const blocks: Block[] = [
    header(`${EMOJI[p.severity]} ${p.severity.toUpperCase()}: ${title}`),
    section(`*${escapeMrkdwn(p.summary)}*`),
  ];
  const log = p.findings.filter((f) => f.code.startsWith('log.'));
  if (log.length > 0) {
    blocks.push(
      section(`*From the log:* ${log.map((f) => `\`${escapeCode(f.code)}\` ${escapeMrkdwn(f.detail)}`).join('\n')}`),
    );
  }
  const fixes = fixesOf(p);
  if (fixes.length > 0) blocks.push(section(`*Fix:*\n${fixes.map((f) => `• ${escapeMrkdwn(f)}`).join('\n')}`));
  const footer = [`\`${escapeCode(p.code)}\` · first seen ${utc(a.openedAt)} · last checked ${utc(a.updatedAt)}`];
  const st = stateLine(a);
  if (st) footer.push(st);
  blocks.push(context(footer));
  const buttons: ButtonSpec[] = [];
  if (a.reportId) {
    buttons.push({ label: 'Retry', actionId: ACTION_RETRY, value: a.reportId, style: 'primary' });
    buttons.push({ label: 'Escalate', actionId: ACTION_ESCALATE, value: a.reportId });
  }
  if (!a.ackedBy) buttons.push({ label: 'Acknowledge', actionId: ACTION_ACK, value: String(a.id) });
  blocks.push({
    type: 'actions',
    block_id: 'alert_actions',
    elements: [
      ...buttons.map(button),
      {
        type: 'static_select',
        action_id: ACTION_SNOOZE,
        placeholder: { type: 'plain_text', text: 'Snooze' },
        options: SNOOZE_CHOICES.map((c) => ({
          text: { type: 'plain_text', text: c.label },
          value: `${a.id}:${c.value}`,
        })),
      },
    ],
  });
  const text = `${p.severity.toUpperCase()}: ${title}: ${p.summary}`;
  return { text: truncate(escapeMrkdwn(text), LIMITS.messageText), blocks: blocks.slice(0, LIMITS.messageBlocks) };
}

/** followUp returns the thread reply for a change of an open alert, or a resolution. */
export function followUp(a: AlertView, change: 'severity' | 'reopened' | 'resolved' | 'changed'): MessagePayload {
  const p = a.problem;
  const text =
    change === 'resolved'
      ? `:white_check_mark: Resolved at ${utc(a.resolvedAt ?? a.updatedAt)}.`
      : change === 'severity'
        ? `${EMOJI[p.severity]} Now ${p.severity}: ${escapeMrkdwn(p.summary)}`
        : `${EMOJI[p.severity]} ${escapeMrkdwn(p.summary)}`;
  return { text: truncate(text, LIMITS.messageText), blocks: [section(text)] };
}

/** digestMessage renders the daily digest of the open alerts of one channel. */
export function digestMessage(day: string, alerts: AlertView[]): MessagePayload {
  const lines = alerts
    .slice(0, 40)
    .map(
      (a) =>
        `${EMOJI[a.problem.severity]} *${escapeMrkdwn(alertTitle(a))}*: ${escapeMrkdwn(a.problem.summary)}${a.ackedBy ? ' _(acknowledged)_' : ''}${a.snoozedUntil || a.snoozeUntilRenewed ? ' _(snoozed)_' : ''}`,
    );
  const more = alerts.length > 40 ? [`…and ${alerts.length - 40} more`] : [];
  const body = lines.length > 0 ? [...lines, ...more].join('\n') : 'No open certificate alerts.';
  const blocks: Block[] = [header(`Certificate digest for ${day}`)];
  // Split the lines over sections of at most 3000 characters.
  let chunk = '';
  for (const line of body.split('\n')) {
    if (chunk.length + line.length + 1 > LIMITS.sectionText) {
      blocks.push(section(chunk));
      chunk = '';
    }
    chunk = chunk ? `${chunk}\n${line}` : line;
  }
  if (chunk) blocks.push(section(chunk));
  return {
    text: `Certificate digest for ${day}: ${alerts.length} open alert(s)`,
    blocks: blocks.slice(0, LIMITS.messageBlocks),
  };
}
