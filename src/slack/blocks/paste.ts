/**
 * The paste modals of `/cert csr` and `/cert log` (a text area, options, and where to post the
 * result) and the result messages: the lint or classification Report through the report renderer,
 * with the quoted log lines in a code block and who asked in the footer.
 */
import type { LogReport } from '../../checks/automation/logs.js';
import { knownCaNames, resolveCa } from '../../core/cas.js';
import type { Report } from '../../core/finding.js';
import { escapeCode } from '../escape.js';
import { type Block, context, LIMITS, type MessagePayload, plain, section, truncate } from './limits.js';
import { reportMessage } from './report.js';

export const CSR_VIEW = 'csr.submit';
export const LOG_VIEW = 'log.submit';
export const TEXT_BLOCK = 'paste';
export const TEXT_ACTION = 'paste_input';
export const CA_BLOCK = 'ca';
export const CA_ACTION = 'ca_select';
export const LEVEL_BLOCK = 'validation';
export const LEVEL_ACTION = 'validation_select';
export const DELIVERY_BLOCK = 'delivery';
export const DELIVERY_ACTION = 'delivery_choice';
/** Slack's limit for a plain_text_input. */
export const PASTE_MAX = 3000;

export type Delivery = 'ephemeral' | 'channel';

/** PasteMetadata is what the modal carries in private_metadata: where the command was typed. */
export interface PasteMetadata {
  channel: string;
}

function option(value: string, text: string): Block {
  return { text: plain(text, 75), value };
}

function textInput(label: string, placeholder: string): Block {
  return {
    type: 'input',
    block_id: TEXT_BLOCK,
    label: plain(label, LIMITS.inputLabel),
    element: {
      type: 'plain_text_input',
      action_id: TEXT_ACTION,
      multiline: true,
      max_length: PASTE_MAX,
      placeholder: plain(placeholder, 150),
    },
  };
}

function deliveryInput(): Block {
  const only = option('ephemeral', 'Only me');
  return {
    type: 'input',
    block_id: DELIVERY_BLOCK,
    label: plain('Show the result to', LIMITS.inputLabel),
    element: {
      type: 'radio_buttons',
      action_id: DELIVERY_ACTION,
      initial_option: only,
      options: [only, option('channel', 'Everyone in the channel')],
    },
  };
}

function modal(callbackId: string, title: string, metadata: PasteMetadata, blocks: Block[]): Block {
  const meta = JSON.stringify(metadata);
  if (meta.length > LIMITS.privateMetadata) throw new RangeError('private_metadata too long');
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: meta,
    title: plain(title, LIMITS.modalTitle),
    submit: plain('Check', LIMITS.modalButton),
    close: plain('Cancel', LIMITS.modalButton),
    blocks,
  };
}

/** csrModal returns the `/cert csr` modal: the PEM, the CA, the validation level and the audience. */
export function csrModal(metadata: PasteMetadata, defaultCa?: string): Block {
  const cas = [option('any', 'Any public CA'), ...knownCaNames().map((id) => option(id, resolveCa(id).display))];
  const initialCa = cas.find((o) => o.value === defaultCa) ?? cas[0]!;
  const dv = option('dv', 'DV (domain validated)');
  return modal(CSR_VIEW, 'Check a CSR', metadata, [
    textInput('CSR (PEM)', '-----BEGIN CERTIFICATE REQUEST-----\n…\n-----END CERTIFICATE REQUEST-----'),
    {
      type: 'input',
      block_id: CA_BLOCK,
      label: plain('CA', LIMITS.inputLabel),
      element: { type: 'static_select', action_id: CA_ACTION, initial_option: initialCa, options: cas.slice(0, 100) },
    },
    {
      type: 'input',
      block_id: LEVEL_BLOCK,
      label: plain('Validation level', LIMITS.inputLabel),
      element: {
        type: 'static_select',
        action_id: LEVEL_ACTION,
        initial_option: dv,
        options: [dv, option('ov', 'OV (organisation validated)'), option('ev', 'EV (extended validation)')],
      },
    },
    deliveryInput(),
    context([
      'Paste the request only, never the private key. Checked like public CAs do: key, signature, names, subject.',
    ]),
  ]);
}

/** logModal returns the `/cert log` modal: the log excerpt and the audience. */
export function logModal(metadata: PasteMetadata): Block {
  return modal(LOG_VIEW, 'Classify a log', metadata, [
    textInput('Provisioning or deployment log', 'Paste the lines around the failure (up to 3000 characters)'),
    deliveryInput(),
    context([
      'certbot, cert-manager, acme.sh, Caddy, SSH/WinRM deployments, keytool, IIS, web server reloads, CA APIs.',
    ]),
  ]);
}

/** withNote inserts blocks and a "checked for" line before the report's own footer (its last context block). */
function withNote(msg: MessagePayload, extra: Block[], userId: string): MessagePayload {
  const blocks = [...msg.blocks];
  let at = blocks.length;
  for (let i = blocks.length - 1; i >= 0; i--)
    if (blocks[i]!.type === 'context') {
      at = i;
      break;
    }
  blocks.splice(at, 0, ...extra, context([`Checked for <@${userId}>`]));
  return { text: msg.text, blocks: blocks.slice(0, LIMITS.messageBlocks) };
}

/** csrResultMessage renders a lint Report for Slack. */
export function csrResultMessage(report: Report, userId: string): MessagePayload {
  return withNote(reportMessage(report), [], userId);
}

/** logResultMessage renders a classification Report for Slack, with the matched lines quoted. */
export function logResultMessage(report: LogReport, userId: string): MessagePayload {
  const extra: Block[] = [];
  if (report.matches.length > 0) {
    const width = String(report.matches.at(-1)!.line).length;
    const lines = report.matches
      .slice(0, 15)
      .map((m) => `${String(m.line).padStart(width)}  ${truncate(escapeCode(m.text), 150)}  [${escapeCode(m.rule)}]`);
    const more = report.matches.length > 15 ? `\n_and ${report.matches.length - 15} more matched lines_` : '';
    extra.push(section(truncate(`*Matched lines*\n\`\`\`${lines.join('\n')}\`\`\`${more}`, LIMITS.sectionText)));
  }
  return withNote(reportMessage(report), extra, userId);
}

/** csrTarget returns the report target for a pasted CSR: its first name, when it has one. */
export function csrTarget(names: readonly unknown[] | undefined): string {
  const first = names?.find((n) => typeof n === 'string');
  return typeof first === 'string' ? `CSR ${first}` : 'pasted CSR';
}
