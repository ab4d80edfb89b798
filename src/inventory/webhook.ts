/**
 * POST /events: signed webhook events that update the inventory. The signature is
 * `X-Certmedic-Signature: v1=<hex HMAC-SHA256(secret, "v1:" + timestamp + ":" + body)>` with
 * `X-Certmedic-Timestamp: <unix seconds>`; older (or further in the future) than 5 minutes or a
 * bad signature is 401, a malformed event 400, a repeated id 200 — and nothing is stored unless
 * the event is signed, fresh, well-formed, about something in the inventory and new.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { type Route, sendJson } from '../server/http.js';
import { type InventoryEvent, parseEvent } from './events.js';
import { webhookEventsTotal } from './metrics.js';
import type { InventoryStore } from './store.js';

/** Bodies above this size are refused (413) before anything else is done with them. */
export const MAX_EVENT_BYTES = 64 * 1024;
/** The replay window (seconds), either side of now. */
export const MAX_SKEW_SECONDS = 300;

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

export type WebhookHeaders = Record<string, string | string[] | undefined>;
export type WebhookHandler = (rawBody: Buffer, headers: WebhookHeaders) => Promise<WebhookResponse>;

export interface WebhookOptions {
  /** CERTMEDIC_WEBHOOK_SECRET; without it every event is refused (503). */
  secret: string | undefined;
  store: InventoryStore;
  clock?: Clock;
  /** Called after an event was stored (alerts, metrics); errors in it do not fail the request. */
  onEvent?: (event: InventoryEvent) => void;
}

/** signWebhook returns the signature header value for a body (used by tests and the README's senders). */
export function signWebhook(secret: string, timestamp: string, body: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`v1:${timestamp}:`).update(body).digest('hex');
  return `v1=${mac}`;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : headers[key];
  return Array.isArray(v) ? v[0] : v;
}

/** verifySignature compares every `v1=` value of the header in constant time with the expected MAC. */
export function verifySignature(secret: string, timestamp: string, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body).slice(3), 'hex');
  let ok = false;
  for (const part of signature.split(/[\s,]+/)) {
    const m = /^v1=([0-9a-fA-F]{64})$/.exec(part);
    if (!m) continue;
    const given = Buffer.from(m[1]!, 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}

const reply = (status: number, body: Record<string, unknown>): WebhookResponse => ({ status, body });

/** refFailure returns why an event names something the inventory does not have, or undefined. */
function refFailure(store: InventoryStore, ev: InventoryEvent): string | undefined {
  if (ev.type === 'bot.heartbeat') {
    return store.baseline.bots.some((b) => b.id === ev.data.bot)
      ? undefined
      : `data.bot: unknown bot ${JSON.stringify(ev.data.bot)}`;
  }
  const cert = store.findCertificate(ev.certificate!);
  if (!cert) return `certificate: ${JSON.stringify(ev.certificate)} is not in the inventory`;
  if (ev.type.startsWith('deployment.')) {
    const dep = (ev.data as { deployment: string }).deployment;
    if (!cert.deployments.includes(dep))
      return `data.deployment: ${JSON.stringify(dep)} is not a deployment of certificate ${cert.id}`;
  }
  return undefined;
}

/** createWebhookHandler returns the POST /events handler: `(rawBody, headers) => {status, body}`. */
export function createWebhookHandler(opts: WebhookOptions): WebhookHandler {
  const handle = inner(opts);
  return async (rawBody, headers) => {
    const r = await handle(rawBody, headers);
    const outcome =
      r.status === 200
        ? r.body['duplicate']
          ? 'duplicate'
          : 'stored'
        : (({ 400: 'malformed', 401: 'unsigned', 413: 'too_large', 503: 'unconfigured' } as Record<number, string>)[
            r.status
          ] ?? 'error');
    webhookEventsTotal.inc({ outcome, type: typeof r.body['type'] === 'string' ? r.body['type'] : 'unknown' });
    return r;
  };
}

/** inner is the handler without metrics. */
function inner(opts: WebhookOptions): WebhookHandler {
  const clock = opts.clock ?? systemClock;
  return async (rawBody, headers) => {
    if (rawBody.length > MAX_EVENT_BYTES) return reply(413, { error: `body larger than ${MAX_EVENT_BYTES} bytes` });
    if (!opts.secret) return reply(503, { error: 'webhooks are not configured (CERTMEDIC_WEBHOOK_SECRET is not set)' });
    const ts = header(headers, 'x-certmedic-timestamp');
    const sig = header(headers, 'x-certmedic-signature');
    if (!ts || !sig) return reply(401, { error: 'missing X-Certmedic-Timestamp or X-Certmedic-Signature' });
    if (!/^\d{1,12}$/.test(ts.trim())) return reply(401, { error: 'X-Certmedic-Timestamp is not unix seconds' });
    const skew = Math.abs(clock.now() / 1000 - Number(ts.trim()));
    if (skew > MAX_SKEW_SECONDS)
      return reply(401, {
        error: `timestamp outside the ${MAX_SKEW_SECONDS / 60}-minute window (replayed or clock skew)`,
      });
    if (!verifySignature(opts.secret, ts.trim(), rawBody, sig)) return reply(401, { error: 'bad signature' });
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch (err) {
      return reply(400, { error: `malformed JSON: ${(err as Error).message}` });
    }
    const parsed = parseEvent(json);
    if ('error' in parsed) return reply(400, { error: parsed.error });
    const ev = parsed.event;
    if (Date.parse(ev.time) > clock.now() + MAX_SKEW_SECONDS * 1000)
      return reply(400, { error: `time: ${ev.time} is in the future (a future time would pin the state)` });
    if (opts.store.hasEvent(ev.id)) return reply(200, { ok: true, id: ev.id, type: ev.type, duplicate: true });
    const bad = refFailure(opts.store, ev);
    if (bad) return reply(400, { error: bad });
    const outcome = opts.store.record(ev);
    if (outcome === 'stored') {
      try {
        opts.onEvent?.(ev);
      } catch {
        // A listener's failure must not turn a stored event into an error the sender retries.
      }
    }
    return reply(200, { ok: true, id: ev.id, type: ev.type, duplicate: outcome === 'duplicate' });
  };
}

/** webhookRoute returns the `POST /events` route for the HTTP server's route table. */
export function webhookRoute(handler: WebhookHandler): Route {
  return {
    method: 'POST',
    path: '/events',
    bodyLimit: MAX_EVENT_BYTES,
    handler: async ({ req, res, body }) => {
      const r = await handler(body, req.headers);
      sendJson(res, r.status, r.body);
    },
  };
}
