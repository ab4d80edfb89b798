/**
 * Signed Slack requests for tests: slash commands, block actions, view submissions and events,
 * signed like Slack does (`v0=` + HMAC-SHA256(secret, `v0:<timestamp>:<body>`)), posted to a
 * receiver's /slack/events.
 */
import { createHmac } from 'node:crypto';
import { stringify } from 'node:querystring';
import { BOT } from './fake-slack.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export interface SignedRequest {
  body: string;
  contentType: string;
}

/** signature returns the `v0=<hex>` signature of a body at a timestamp. */
export function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  secret?: string;
  /** Unix seconds (default now). */
  timestamp?: number;
  /** Replace the computed signature (forgeries). */
  signature?: string;
  /** Extra headers (`X-Slack-Retry-Num`, ...). */
  headers?: Record<string, string>;
}

/** send posts a request to the URL signed with the secret; returns status and body text. */
export async function send(
  url: string,
  r: SignedRequest,
  opts: SendOptions = {},
): Promise<{ status: number; text: string; json?: unknown }> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': r.contentType,
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': opts.signature ?? signature(opts.secret ?? SIGNING_SECRET, ts, r.body),
      ...opts.headers,
    },
    body: r.body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: res.status, text, ...(json !== undefined ? { json } : {}) };
}

export interface Who {
  user?: string;
  userName?: string;
  channel?: string;
  team?: string;
}

/** slashCommand returns a `/cert <text>` request as Slack sends it (form-encoded). */
export function slashCommand(text: string, who: Who & { responseUrl?: string } = {}): SignedRequest {
  return {
    contentType: 'application/x-www-form-urlencoded',
    body: stringify({
      token: 'deprecated-verification-token',
      team_id: who.team ?? BOT.teamId,
      team_domain: 'fake',
      channel_id: who.channel ?? 'C0000001',
      channel_name: 'certs',
      user_id: who.user ?? 'U0000001',
      user_name: who.userName ?? 'alice',
      command: '/cert',
      text,
      api_app_id: BOT.appId,
      response_url: who.responseUrl ?? 'http://127.0.0.1:9/unused',
      trigger_id: `trigger.${Date.now()}`,
    }),
  };
}

function interaction(payload: Record<string, unknown>): SignedRequest {
  return {
    contentType: 'application/x-www-form-urlencoded',
    body: stringify({ payload: JSON.stringify(payload) }),
  };
}

/** actor returns the team, user, app and token fields every interaction payload carries. */
function actor(who: Who) {
  return {
    team: { id: who.team ?? BOT.teamId, domain: 'fake' },
    user: {
      id: who.user ?? 'U0000001',
      username: who.userName ?? 'alice',
      name: who.userName ?? 'alice',
      team_id: who.team ?? BOT.teamId,
    },
    api_app_id: BOT.appId,
    token: 'deprecated-verification-token',
  };
}

/** blockAction returns a button click on a message. */
export function blockAction(
  actionId: string,
  value: string,
  who: Who & { messageTs?: string; responseUrl?: string } = {},
): SignedRequest {
  const channel = who.channel ?? 'C0000001';
  return interaction({
    type: 'block_actions',
    ...actor(who),
    container: {
      type: 'message',
      message_ts: who.messageTs ?? '1700000000.000001',
      channel_id: channel,
      is_ephemeral: false,
    },
    trigger_id: `trigger.${Date.now()}`,
    channel: { id: channel, name: 'certs' },
    message: { ts: who.messageTs ?? '1700000000.000001', type: 'message', text: '' },
    response_url: who.responseUrl ?? 'http://127.0.0.1:9/unused',
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'report_actions',
        text: { type: 'plain_text', text: actionId },
        value,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  });
}

/** viewSubmission returns a modal submission with the given state values. */
export function viewSubmission(
  callbackId: string,
  privateMetadata: string,
  values: Record<string, Record<string, { type: string; value: string | null }>>,
  who: Who & { viewId?: string } = {},
): SignedRequest {
  return interaction({
    type: 'view_submission',
    ...actor(who),
    trigger_id: `trigger.${Date.now()}`,
    view: {
      id: who.viewId ?? 'V0000001',
      team_id: who.team ?? BOT.teamId,
      type: 'modal',
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values },
      hash: 'h',
      title: { type: 'plain_text', text: 'Escalate' },
      blocks: [],
      app_id: BOT.appId,
      bot_id: BOT.botId,
    },
    response_urls: [],
  });
}

/** eventCallback returns an Events API request carrying one event. */
export function eventCallback(event: Record<string, unknown>, team = BOT.teamId): SignedRequest {
  return {
    contentType: 'application/json',
    body: JSON.stringify({
      token: 'deprecated-verification-token',
      team_id: team,
      api_app_id: BOT.appId,
      event,
      type: 'event_callback',
      event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: team, user_id: BOT.userId, is_bot: true }],
    }),
  };
}
