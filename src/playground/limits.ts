/**
 * The Block Kit limits Slack enforces, checked by the local Web API so that a payload the
 * playground accepts is one Slack accepts too (https://api.slack.com/reference/block-kit/blocks).
 * Each function returns the list of problems in Slack's `invalid_blocks` wording, empty when valid.
 */
import type { Json } from './workspace.js';

const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  headerText: 150,
  fieldText: 2000,
  fields: 10,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  messageText: 40_000,
} as const;

function textOf(obj: unknown): string {
  return typeof obj === 'object' && obj !== null && typeof (obj as Json)['text'] === 'string'
    ? ((obj as Json)['text'] as string)
    : '';
}

function checkElement(el: Json, where: string, out: string[]): void {
  const actionId = el['action_id'];
  if (typeof actionId === 'string' && actionId.length > LIMITS.actionId)
    out.push(`${where}.action_id: must be at most ${LIMITS.actionId} characters`);
  if (el['type'] === 'button') {
    if (textOf(el['text']).length === 0) out.push(`${where}.text: required`);
    if (textOf(el['text']).length > LIMITS.buttonText)
      out.push(`${where}.text: must be at most ${LIMITS.buttonText} characters`);
    const value = el['value'];
    if (typeof value === 'string' && value.length > LIMITS.buttonValue)
      out.push(`${where}.value: must be at most ${LIMITS.buttonValue} characters`);
    const style = el['style'];
    if (style !== undefined && style !== 'primary' && style !== 'danger')
      out.push(`${where}.style: must be primary or danger`);
  }
}

/** checkBlock returns the problems of one block. */
function checkBlock(block: unknown, i: number, out: string[]): void {
  const where = `blocks[${i}]`;
  if (typeof block !== 'object' || block === null || typeof (block as Json)['type'] !== 'string') {
    out.push(`${where}: must be an object with a type`);
    return;
  }
  const b = block as Json;
  const blockId = b['block_id'];
  if (typeof blockId === 'string' && blockId.length > LIMITS.blockId)
    out.push(`${where}.block_id: must be at most ${LIMITS.blockId} characters`);
  switch (b['type']) {
    case 'header': {
      const t = textOf(b['text']);
      if (t.length === 0 || t.length > LIMITS.headerText)
        out.push(`${where}.text: must be 1 to ${LIMITS.headerText} characters`);
      break;
    }
    case 'section': {
      const fields = Array.isArray(b['fields']) ? (b['fields'] as unknown[]) : undefined;
      const t = textOf(b['text']);
      if (t.length > LIMITS.sectionText) out.push(`${where}.text: must be at most ${LIMITS.sectionText} characters`);
      if (!b['text'] && !fields) out.push(`${where}: must have text or fields`);
      if (fields && fields.length > LIMITS.fields) out.push(`${where}.fields: at most ${LIMITS.fields} items`);
      for (const [j, f] of (fields ?? []).entries())
        if (textOf(f).length > LIMITS.fieldText)
          out.push(`${where}.fields[${j}]: must be at most ${LIMITS.fieldText} characters`);
      if (b['accessory'] && typeof b['accessory'] === 'object')
        checkElement(b['accessory'] as Json, `${where}.accessory`, out);
      break;
    }
    case 'context': {
      const els = Array.isArray(b['elements']) ? (b['elements'] as unknown[]) : [];
      if (els.length === 0 || els.length > LIMITS.contextElements)
        out.push(`${where}.elements: must have 1 to ${LIMITS.contextElements} items`);
      break;
    }
    case 'actions': {
      const els = Array.isArray(b['elements']) ? (b['elements'] as Json[]) : [];
      if (els.length === 0 || els.length > LIMITS.actionsElements)
        out.push(`${where}.elements: must have 1 to ${LIMITS.actionsElements} items`);
      for (const [j, el] of els.entries()) checkElement(el, `${where}.elements[${j}]`, out);
      break;
    }
    case 'input':
      if (!b['label'] || !b['element']) out.push(`${where}: an input needs a label and an element`);
      else checkElement(b['element'] as Json, `${where}.element`, out);
      break;
    default:
      break;
  }
}

/** checkBlocks returns the problems of a message's or view's blocks. */
export function checkBlocks(blocks: unknown, kind: 'message' | 'view'): string[] {
  const out: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks: must be an array'];
  const max = kind === 'message' ? LIMITS.messageBlocks : LIMITS.viewBlocks;
  if (blocks.length > max) out.push(`blocks: must be at most ${max} items`);
  blocks.forEach((b, i) => {
    checkBlock(b, i, out);
  });
  return out;
}

/** checkMessageText returns the problem of an over-long message text, if any. */
export function checkMessageText(text: unknown): string | undefined {
  return typeof text === 'string' && text.length > LIMITS.messageText ? 'msg_too_long' : undefined;
}

/** checkView returns the problems of a modal or Home view (title, buttons, metadata, blocks). */
export function checkView(view: Json, kind: 'modal' | 'home'): string[] {
  const out: string[] = [];
  if (view['type'] !== kind) out.push(`view.type: must be ${kind}`);
  if (kind === 'modal') {
    const title = textOf(view['title']);
    if (title.length === 0 || title.length > LIMITS.modalTitle)
      out.push(`view.title: must be 1 to ${LIMITS.modalTitle} characters`);
    for (const key of ['submit', 'close'])
      if (view[key] && textOf(view[key]).length > LIMITS.modalButton)
        out.push(`view.${key}: must be at most ${LIMITS.modalButton} characters`);
    const hasInput =
      Array.isArray(view['blocks']) && (view['blocks'] as Json[]).some((b) => b && b['type'] === 'input');
    if (hasInput && !view['submit']) out.push('view.submit: required when the view has input blocks');
  }
  const meta = view['private_metadata'];
  if (typeof meta === 'string' && meta.length > LIMITS.privateMetadata)
    out.push(`view.private_metadata: must be at most ${LIMITS.privateMetadata} characters`);
  const cb = view['callback_id'];
  if (typeof cb === 'string' && cb.length > LIMITS.callbackId)
    out.push(`view.callback_id: must be at most ${LIMITS.callbackId} characters`);
  out.push(...checkBlocks(view['blocks'] ?? [], 'view').map((p) => `view.${p}`));
  return out;
}
