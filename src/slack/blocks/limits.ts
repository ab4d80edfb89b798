/**
 * Block Kit limits (https://docs.slack.dev/reference/block-kit) and the small builders that
 * enforce them: every renderer goes through these so no message is rejected for size.
 */

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  header: 150,
  buttonLabel: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  inputLabel: 2000,
  inputInitialValue: 3000,
  /** Top-level `text` of a message (notifications, fallback). Slack truncates at 40000. */
  messageText: 3000,
} as const;

// biome-ignore lint/suspicious/noExplicitAny: Block Kit objects are plain JSON
export type Block = Record<string, any>;

export interface MessagePayload {
  text: string;
  blocks: Block[];
}

/**
 * truncate returns text cut to at most `max` characters, ending with `…` when cut. It never splits
 * an HTML entity (`&amp;`) or a surrogate pair, so escaped text stays valid after the cut.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';') && cut.length - amp < 8) cut = cut.slice(0, amp);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** mrkdwn returns a mrkdwn text object cut to `max` characters (section text by default). */
export function mrkdwn(text: string, max: number = LIMITS.sectionText): Block {
  return { type: 'mrkdwn', text: truncate(text, max) };
}

/** plain returns a plain_text object (emoji shortcodes allowed) cut to `max` characters. */
export function plain(text: string, max: number): Block {
  return { type: 'plain_text', text: truncate(text, max), emoji: true };
}

/** section returns a section block with mrkdwn text (at most 3000 characters). */
export function section(text: string, extra: Block = {}): Block {
  return { type: 'section', text: mrkdwn(text), ...extra };
}

/** header returns a header block (plain text, at most 150 characters). */
export function header(text: string): Block {
  return { type: 'header', text: plain(text, LIMITS.header) };
}

/** context returns a context block of mrkdwn elements (at most 10). */
export function context(texts: string[]): Block {
  return { type: 'context', elements: texts.slice(0, LIMITS.contextElements).map((t) => mrkdwn(t, 2000)) };
}

/** fields returns a section of mrkdwn fields (at most 10, 2000 characters each). */
export function fieldsSection(texts: string[]): Block {
  return { type: 'section', fields: texts.slice(0, LIMITS.fields).map((t) => mrkdwn(t, LIMITS.fieldText)) };
}

export interface ButtonSpec {
  label: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
  /** A confirmation dialog Slack shows before the click is sent (title 100, text 300, buttons 30). */
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

/** button returns a button element; an action_id or value over the limit is a programming error. */
export function button(spec: ButtonSpec): Block {
  if (spec.actionId.length > LIMITS.actionId) throw new RangeError(`action_id too long: ${spec.actionId.length}`);
  if (spec.value.length > LIMITS.buttonValue) throw new RangeError(`button value too long: ${spec.value.length}`);
  return {
    type: 'button',
    text: plain(spec.label, LIMITS.buttonLabel),
    action_id: spec.actionId,
    value: spec.value,
    ...(spec.style ? { style: spec.style } : {}),
    ...(spec.confirm
      ? {
          confirm: {
            title: plain(spec.confirm.title, 100),
            text: plain(spec.confirm.text, 300),
            confirm: plain(spec.confirm.confirm, 30),
            deny: plain(spec.confirm.deny, 30),
          },
        }
      : {}),
  };
}

/** actions returns an actions block of buttons (at most 25 elements). */
export function actions(blockId: string, buttons: ButtonSpec[]): Block {
  return { type: 'actions', block_id: blockId, elements: buttons.slice(0, LIMITS.actionsElements).map(button) };
}

/** plural returns `1 finding` / `7 findings`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
