/**
 * Pure builders of the request bodies Slack sends to an app, for the playground's receiver:
 * slash commands, block_actions, view_submission/view_closed and Events API callbacks, in the
 * shapes documented at https://api.slack.com/interactivity/handling#payloads and
 * https://api.slack.com/apis/events-api#callback-field.
 */
import { BOT, type Channel, type Json, type Message, TEAM, type User, type View } from './workspace.js';

/** A raw input value from the page: text, one option value, several, or nothing. */
export type RawValue = string | string[] | null;
/** The page's form state: block_id -> action_id -> raw value. */
export type RawState = Record<string, Record<string, RawValue>>;

function options(el: Json): Json[] {
  const flat = Array.isArray(el['options']) ? (el['options'] as Json[]) : [];
  const groups = Array.isArray(el['option_groups']) ? (el['option_groups'] as Json[]) : [];
  return [...flat, ...groups.flatMap((g) => (Array.isArray(g['options']) ? (g['options'] as Json[]) : []))];
}

function option(el: Json, value: string | null | undefined): Json | null {
  if (value === null || value === undefined) return null;
  return options(el).find((o) => o['value'] === value) ?? null;
}

function list(raw: RawValue): string[] {
  return raw === null ? [] : Array.isArray(raw) ? raw : [raw];
}

function single(raw: RawValue): string | null {
  return Array.isArray(raw) ? (raw[0] ?? null) : raw;
}

/** elementState returns the typed state Slack reports for an element given the raw value. */
export function elementState(el: Json, raw: RawValue): Json {
  const type = String(el['type']);
  switch (type) {
    case 'static_select':
    case 'radio_buttons':
    case 'overflow':
    case 'external_select':
      return { type, selected_option: option(el, single(raw)) };
    case 'multi_static_select':
    case 'checkboxes':
      return { type, selected_options: list(raw).flatMap((v) => option(el, v) ?? []) };
    case 'datepicker':
      return { type, selected_date: single(raw) };
    case 'timepicker':
      return { type, selected_time: single(raw) };
    case 'conversations_select':
      return { type, selected_conversation: single(raw) };
    case 'channels_select':
      return { type, selected_channel: single(raw) };
    case 'users_select':
      return { type, selected_user: single(raw) };
    case 'multi_users_select':
      return { type, selected_users: list(raw) };
    case 'multi_conversations_select':
      return { type, selected_conversations: list(raw) };
    default:
      return { type, value: single(raw) };
  }
}

/** blocksOf returns every block of a message, including those inside attachments. */
export function blocksOf(m: { blocks?: unknown[]; attachments?: unknown[] }): Json[] {
  const own = (m.blocks ?? []) as Json[];
  const inAttachments = ((m.attachments ?? []) as Json[]).flatMap((a) =>
    a && Array.isArray(a['blocks']) ? (a['blocks'] as Json[]) : [],
  );
  return [...own, ...inAttachments];
}

/** findElement returns the interactive element `action_id` of block `block_id`, or undefined. */
export function findElement(blocks: Json[], blockId: string, actionId: string): Json | undefined {
  const block = blocks.find((b) => b && b['block_id'] === blockId);
  if (!block) return undefined;
  const candidates = [
    ...(Array.isArray(block['elements']) ? (block['elements'] as Json[]) : []),
    block['accessory'] as Json | undefined,
    block['element'] as Json | undefined,
  ];
  return candidates.find((e) => e && e['action_id'] === actionId);
}

/** viewState returns `state.values` for a view's input blocks from the page's raw values. */
export function viewState(view: View, raw: RawState): Json {
  const values: Json = {};
  for (const b of view.blocks as Json[]) {
    if (b?.['type'] !== 'input' || typeof b['element'] !== 'object') continue;
    const el = b['element'] as Json;
    const blockId = String(b['block_id']);
    const actionId = String(el['action_id']);
    values[blockId] = { [actionId]: elementState(el, raw[blockId]?.[actionId] ?? null) };
  }
  return values;
}

function userRef(user: User): Json {
  return { id: user.id, username: user.name, name: user.name, team_id: TEAM.id };
}

/** slashCommand returns the body of a slash command request. */
export function slashCommand(args: {
  command: string;
  text: string;
  channel: Channel;
  user: User;
  responseUrl: string;
  triggerId: string;
}): Json {
  return {
    token: 'playground',
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: args.channel.id,
    channel_name: args.channel.name,
    user_id: args.user.id,
    user_name: args.user.name,
    command: args.command,
    text: args.text,
    api_app_id: BOT.appId,
    is_enterprise_install: 'false',
    response_url: args.responseUrl,
    trigger_id: args.triggerId,
  };
}

/** blockActions returns the body of a click (or selection) in a message or a view. */
export function blockActions(args: {
  user: User;
  action: Json;
  triggerId: string;
  source:
    | { kind: 'message'; channel: Channel; message: Message; responseUrl: string; state: Json }
    | { kind: 'view'; view: View; state: Json };
}): Json {
  const common = {
    type: 'block_actions',
    user: userRef(args.user),
    api_app_id: BOT.appId,
    token: 'playground',
    trigger_id: args.triggerId,
    team: { id: TEAM.id, domain: TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    actions: [args.action],
  };
  const s = args.source;
  if (s.kind === 'view')
    return {
      ...common,
      container: { type: 'view', view_id: s.view.id },
      view: { ...s.view, team_id: TEAM.id, app_id: BOT.appId, bot_id: BOT.botId, state: { values: s.state } },
    };
  return {
    ...common,
    container: {
      type: 'message',
      message_ts: s.message.ts,
      channel_id: s.channel.id,
      is_ephemeral: Boolean(s.message.ephemeral),
    },
    channel: { id: s.channel.id, name: s.channel.name },
    ...(s.message.ephemeral ? {} : { message: s.message }),
    state: { values: s.state },
    response_url: s.responseUrl,
  };
}

/** viewPayload returns the body of a view_submission or view_closed. */
export function viewPayload(type: 'view_submission' | 'view_closed', user: User, view: View, state: Json): Json {
  return {
    type,
    team: { id: TEAM.id, domain: TEAM.domain },
    user: userRef(user),
    api_app_id: BOT.appId,
    token: 'playground',
    is_enterprise_install: false,
    enterprise: null,
    view: { ...view, team_id: TEAM.id, app_id: BOT.appId, bot_id: BOT.botId, state: { values: state } },
    ...(type === 'view_submission' ? { response_urls: [] } : { is_cleared: false }),
  };
}

/** eventCallback wraps an Events API event (app_mention, app_home_opened) in its envelope. */
export function eventCallback(event: Json, eventId: string, time: number): Json {
  return {
    token: 'playground',
    team_id: TEAM.id,
    api_app_id: BOT.appId,
    event: { ...event, event_ts: event['event_ts'] ?? `${Math.floor(time / 1000)}.000000` },
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(time / 1000),
    authorizations: [{ team_id: TEAM.id, user_id: BOT.userId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}
