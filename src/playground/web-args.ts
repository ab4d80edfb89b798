/**
 * Argument handling for the local Web API: Slack's error answer, argument readers, and the
 * validation of a message's text/blocks/attachments/metadata (Block Kit limits via limits.ts),
 * giving blocks and elements the ids Slack adds when a payload leaves them out.
 */
import { checkBlocks, checkMessageText } from './limits.js';
import type { Json, Message } from './workspace.js';

/** SlackApiError is a `{ok: false, error}` answer (and Slack's explanation lines, if any). */
export class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly messages: string[] = [],
  ) {
    super(error);
  }
}

/** str returns a string argument (numbers as text), or undefined when absent or empty. */
export function str(args: Json, key: string): string | undefined {
  const v = args[key];
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** required returns a string argument or throws `error` (Slack's code for the method). */
export function required(args: Json, key: string, error = `invalid_arguments`): string {
  const v = str(args, key);
  if (v === undefined) throw new SlackApiError(error, [`[ERROR] missing required field: ${key}`]);
  return v;
}

/** bool reads a boolean argument as Slack does (true, "true", "1", 1). */
export function bool(args: Json, key: string): boolean {
  const v = args[key];
  return v === true || v === 'true' || v === '1' || v === 1;
}

/**
 * withIds gives every block a block_id and every interactive element an action_id where the
 * payload left them out, as Slack does (interaction payloads always carry both).
 */
export function withIds(blocks: unknown[], nextId: () => string): unknown[] {
  const element = (e: unknown) =>
    typeof e === 'object' && e !== null && !('action_id' in e) && (e as Json)['type'] !== 'image'
      ? { ...(e as Json), action_id: nextId() }
      : e;
  return blocks.map((b) => {
    if (typeof b !== 'object' || b === null) return b;
    const block: Json = { ...(b as Json) };
    block['block_id'] ??= nextId();
    if (block['type'] === 'actions' && Array.isArray(block['elements']))
      block['elements'] = (block['elements'] as unknown[]).map(element);
    if (block['accessory']) block['accessory'] = element(block['accessory']);
    if (block['type'] === 'input' && block['element']) block['element'] = element(block['element']);
    return block;
  });
}

/** content validates and returns the text/blocks/attachments/metadata of a message call. */
export function content(args: Json, requireSome: boolean, nextId: () => string): Partial<Message> {
  const out: Partial<Message> = {};
  const text = str(args, 'text');
  if (text !== undefined) {
    const tooLong = checkMessageText(text);
    if (tooLong) throw new SlackApiError(tooLong);
    out.text = text;
  }
  if (args['blocks'] !== undefined) {
    const problems = checkBlocks(args['blocks'], 'message');
    if (problems.length > 0) throw new SlackApiError('invalid_blocks', problems);
    out.blocks = withIds(args['blocks'] as unknown[], nextId);
  }
  if (args['attachments'] !== undefined) {
    if (!Array.isArray(args['attachments'])) throw new SlackApiError('invalid_attachments');
    for (const a of args['attachments'] as Json[]) {
      const problems = a && a['blocks'] !== undefined ? checkBlocks(a['blocks'], 'message') : [];
      if (problems.length > 0) throw new SlackApiError('invalid_blocks', problems);
    }
    out.attachments = (args['attachments'] as Json[]).map((a) =>
      a && Array.isArray(a['blocks']) ? { ...a, blocks: withIds(a['blocks'] as unknown[], nextId) } : a,
    );
  }
  if (args['metadata'] !== undefined) {
    const m = args['metadata'] as Json;
    if (typeof m !== 'object' || m === null || typeof m['event_type'] !== 'string')
      throw new SlackApiError('invalid_metadata_format');
    out.metadata = m;
  }
  if (requireSome && out.text === undefined && out.blocks === undefined && out.attachments === undefined)
    throw new SlackApiError('no_text');
  return out;
}
