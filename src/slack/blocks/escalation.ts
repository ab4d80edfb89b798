/**
 * Escalation renderers: the modal prefilled with the summary (with a field for recent
 * infrastructure changes), the message posted to the escalation channel (reads well when
 * forwarded: everything is in the message, nothing behind a button), and the plain-text copy.
 */
import { type EscalationSummary, escalationText, NOT_IN_INVENTORY } from '../../services/escalation.js';
import { escapeCode, escapeMrkdwn, plainText } from '../escape.js';
import {
  type Block,
  context,
  fieldsSection,
  header,
  LIMITS,
  type MessagePayload,
  plain,
  section,
  truncate,
} from './limits.js';
import { STATUS_EMOJI } from './report.js';

export const ESCALATE_VIEW = 'escalate.submit';
export const CHANGES_BLOCK = 'changes';
export const CHANGES_ACTION = 'changes_input';

/** summaryFields returns the name/bot/connector/schedule fields shared by modal and message. */
function summaryFields(s: EscalationSummary): Block {
  return fieldsSection([
    `*Names (CN/SAN)*\n${escapeMrkdwn(s.names.join(', '))}`,
    `*Status*\n${STATUS_EMOJI[s.status]} ${escapeMrkdwn(s.summary)}`,
    `*Provisioning bot*\n${escapeMrkdwn(s.bot ?? NOT_IN_INVENTORY)}`,
    `*CA connector*\n${escapeMrkdwn(s.connector ?? NOT_IN_INVENTORY)}`,
    `*Renewal schedule*\n${escapeMrkdwn(s.renewalSchedule ?? NOT_IN_INVENTORY)}`,
  ]);
}

function findingsText(s: EscalationSummary): string {
  if (s.findings.length === 0) return '*Findings*\nnone above info';
  return `*Findings*\n${s.findings.map((f) => `• \`${escapeCode(f.code)}\` ${escapeMrkdwn(f.detail)}`).join('\n')}`;
}

/** escalationModal returns the modal view; `metadata` (the report id) must fit private_metadata. */
export function escalationModal(s: EscalationSummary, metadata: string): Block {
  if (metadata.length > LIMITS.privateMetadata) throw new RangeError('private_metadata too long');
  return {
    type: 'modal',
    callback_id: ESCALATE_VIEW,
    private_metadata: metadata,
    title: plain('Escalate', LIMITS.modalTitle),
    submit: plain('Post escalation', LIMITS.modalButton),
    close: plain('Cancel', LIMITS.modalButton),
    blocks: [
      section(`*${escapeMrkdwn(s.target)}* will be escalated with this summary:`),
      summaryFields(s),
      section(`*Error*\n${escapeMrkdwn(s.error)}`),
      section(findingsText(s)),
      {
        type: 'input',
        block_id: CHANGES_BLOCK,
        optional: true,
        label: plain('Recent infrastructure changes', LIMITS.inputLabel),
        hint: plain('Firewall, DNS, load balancer, CDN, server or keystore changes; deployments; new hosts.', 2000),
        element: {
          type: 'plain_text_input',
          action_id: CHANGES_ACTION,
          multiline: true,
          max_length: 2500,
          ...(s.recentChanges?.length
            ? { initial_value: truncate(s.recentChanges.map((c) => `- ${c}`).join('\n'), 2500) }
            : {}),
          placeholder: plain('e.g. moved shop.example.com behind the CDN on Monday', 150),
        },
      },
      context([escapeMrkdwn(s.diagnosed)]),
    ],
  };
}

/** escalationMessage returns the message posted to the escalation channel. */
export function escalationMessage(s: EscalationSummary, changes: string, userId?: string): MessagePayload {
  const blocks: Block[] = [
    header(`:rotating_light: Certificate escalation: ${plainText(s.target)}`),
    summaryFields(s),
    section(`*Error*\n${escapeMrkdwn(s.error)}`),
    section(findingsText(s)),
    section(`*Recent infrastructure changes*\n${changes.trim() ? escapeMrkdwn(changes.trim()) : '_none reported_'}`),
    context([
      `${escapeMrkdwn(s.diagnosed)} · diagnosis \`${escapeCode(s.reportId)}\`${userId ? ` · escalated by <@${userId}>` : ''}`,
    ]),
  ];
  return {
    text: truncate(`Certificate escalation: ${escapeMrkdwn(s.target)} — ${escapeMrkdwn(s.error)}`, LIMITS.messageText),
    blocks,
  };
}

/** plainTextMessage returns the plain-text copy for a CA ticket, in a code block (thread reply). */
export function plainTextMessage(s: EscalationSummary, changes: string, by?: string): MessagePayload {
  const body = truncate(escapeMrkdwn(escalationText(s, changes, by)), LIMITS.sectionText - 40);
  return {
    text: 'Plain text for a CA ticket',
    blocks: [section(`Plain text for a CA ticket:\n\`\`\`${body}\`\`\``)],
  };
}
