import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { registry } from '../../src/core/metrics.js';
import { createWebhookHandler, signWebhook, webhookRoute } from '../../src/inventory/webhook.js';
import { HttpServer } from '../../src/server/http.js';
import { baseInventory } from '../checks/automation/helpers.js';
import { inventoryStore } from '../support/automation.js';

const SECRET = 'whsec-test-1';
let server: HttpServer | undefined;
let close: (() => void) | undefined;
afterEach(async () => {
  await server?.close(100);
  close?.();
  server = undefined;
});

/** start serves POST /events from the real HTTP server with a store at a fixed time. */
async function start(secret: string | null = SECRET) {
  const { store, clock, db } = inventoryStore(
    baseInventory((i) => {
      i.deployments.push({ id: 'other', type: 'k8s-secret', namespace: 'x', secretName: 'y', credentialsRef: 'z' });
    }),
  );
  close = () => db.close();
  server = new HttpServer({
    logger: pino({ level: 'silent' }),
    routes: [webhookRoute(createWebhookHandler({ secret: secret ?? undefined, store, clock }))],
  });
  const port = await server.listen(0, '127.0.0.1');
  const nowSec = () => Math.floor(clock.now() / 1000);
  const post = async (body: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}/events`, { method: 'POST', body, headers });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const signed = (body: string, opts: { ts?: number; secret?: string } = {}) => {
    const ts = String(opts.ts ?? nowSec());
    return post(body, {
      'content-type': 'application/json',
      'x-certmedic-timestamp': ts,
      'x-certmedic-signature': signWebhook(opts.secret ?? SECRET, ts, body),
    });
  };
  return { store, clock, port, post, signed, nowSec };
}

const ev = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'evt-1',
    type: 'deployment.failed',
    time: '2026-11-27T09:30:00Z',
    certificate: 'shop.example.test',
    data: { deployment: 'k8s-shop', error: 'Forbidden', log: 'Error from server (Forbidden)' },
    ...over,
  });

describe('POST /events: signature and replay window', () => {
  test('a signed, fresh, well-formed event is stored and updates the inventory', async () => {
    const s = await start();
    const r = await s.signed(ev());
    expect(r).toEqual({ status: 200, json: { ok: true, id: 'evt-1', type: 'deployment.failed', duplicate: false } });
    expect(s.store.eventCount()).toBe(1);
    const run = s.store.view('shop')!.deployments[0]!.runs.at(-1)!;
    expect(run).toMatchObject({ result: 'failed', error: 'Forbidden', finishedAt: '2026-11-27T09:30:00.000Z' });
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/certmedic_webhook_events_total\{[^}]*outcome="stored"[^}]*type="deployment.failed"/);
  });

  test.each([
    ['no signature headers', (s: Awaited<ReturnType<typeof start>>) => s.post(ev())],
    [
      'a signature made with another secret',
      (s: Awaited<ReturnType<typeof start>>) => s.signed(ev(), { secret: 'nope' }),
    ],
    [
      'a body changed after signing',
      (s: Awaited<ReturnType<typeof start>>) => {
        const ts = String(s.nowSec());
        return s.post(ev({ id: 'evt-2' }), {
          'x-certmedic-timestamp': ts,
          'x-certmedic-signature': signWebhook(SECRET, ts, ev()),
        });
      },
    ],
    [
      'a timestamp 6 minutes old (replay)',
      (s: Awaited<ReturnType<typeof start>>) => s.signed(ev(), { ts: s.nowSec() - 360 }),
    ],
    ['a timestamp 6 minutes ahead', (s: Awaited<ReturnType<typeof start>>) => s.signed(ev(), { ts: s.nowSec() + 360 })],
    [
      'a malformed signature header',
      (s: Awaited<ReturnType<typeof start>>) =>
        s.post(ev(), { 'x-certmedic-timestamp': String(s.nowSec()), 'x-certmedic-signature': 'v1=zz' }),
    ],
  ])('%s is 401 and nothing is stored', async (_name, send) => {
    const s = await start();
    const r = await send(s);
    expect(r.status).toBe(401);
    expect(typeof r.json['error']).toBe('string');
    expect(s.store.eventCount()).toBe(0);
    expect(s.store.view('shop')!.deployments[0]!.runs).toEqual([]);
  });

  test('a replayed id is 200 and idempotent: the second body changes nothing', async () => {
    const s = await start();
    await s.signed(ev());
    const again = await s.signed(ev({ data: { deployment: 'k8s-shop', error: 'something else' } }));
    expect(again).toEqual({ status: 200, json: { ok: true, id: 'evt-1', type: 'deployment.failed', duplicate: true } });
    expect(s.store.eventCount()).toBe(1);
    expect(s.store.view('shop')!.deployments[0]!.runs.at(-1)!.error).toBe('Forbidden');
  });

  test('several v1 signatures (secret rotation) are accepted when one matches', async () => {
    const s = await start();
    const body = ev();
    const ts = String(s.nowSec());
    const r = await s.post(body, {
      'x-certmedic-timestamp': ts,
      'x-certmedic-signature': `${signWebhook('old', ts, body)}, ${signWebhook(SECRET, ts, body)}`,
    });
    expect(r.status).toBe(200);
  });

  test('without CERTMEDIC_WEBHOOK_SECRET every event is 503', async () => {
    const s = await start(null);
    expect((await s.signed(ev())).status).toBe(503);
    expect(s.store.eventCount()).toBe(0);
  });

  test('a body over 64 KiB is 413', async () => {
    const s = await start();
    const r = await s.signed(ev({ data: { deployment: 'k8s-shop', log: 'x'.repeat(70_000) } }));
    expect(r.status).toBe(413);
    expect(s.store.eventCount()).toBe(0);
  });
});

describe('POST /events: malformed events are 400 with a clear message', () => {
  test.each([
    ['malformed JSON', '{"id": "x",', /malformed JSON/],
    ['a JSON array', '[1,2]', /expected object/i],
    ['an unknown type', ev({ type: 'deployment.exploded' }), /unknown event type "deployment.exploded"/],
    [
      'a missing id',
      JSON.stringify({ type: 'bot.heartbeat', time: '2026-11-27T09:00:00Z', data: { bot: 'bot-1' } }),
      /^id:/,
    ],
    ['a bad time', ev({ time: 'yesterday' }), /^time:/],
    ['a time in the future', ev({ time: '2027-01-01T00:00:00Z' }), /^time: .*in the future/],
    ['missing data fields', ev({ data: {} }), /^data\.deployment:/],
    ['an unexpected data field', ev({ data: { deployment: 'k8s-shop', extra: 1 } }), /^data:.*extra/],
    [
      'a non-hex serial',
      ev({ type: 'certificate.issued', data: { serial: 'xyz' } }),
      /^data\.serial: expected hexadecimal/,
    ],
    ['no certificate', ev({ certificate: undefined }), /^certificate: required/],
    ['an unknown certificate', ev({ certificate: 'nope.example.test' }), /not in the inventory/],
    [
      'a deployment of another certificate',
      ev({ data: { deployment: 'other' } }),
      /not a deployment of certificate shop/,
    ],
    [
      'an unknown bot',
      ev({ type: 'bot.heartbeat', certificate: undefined, data: { bot: 'ghost' } }),
      /unknown bot "ghost"/,
    ],
  ])('%s', async (_name, body, message) => {
    const s = await start();
    const r = await s.signed(body);
    expect(r.status).toBe(400);
    expect(String(r.json['error'])).toMatch(message);
    expect(s.store.eventCount()).toBe(0);
  });
});

describe('every event type updates the state', () => {
  test('heartbeat, deployment started/succeeded, issued, renewal scheduled, order status', async () => {
    const s = await start();
    const send = async (id: string, type: string, data: Record<string, unknown>, time = '2026-11-27T09:40:00Z') =>
      expect((await s.signed(JSON.stringify({ id, type, time, certificate: 'shop', data }))).status).toBe(200);
    await send('e1', 'bot.heartbeat', { bot: 'bot-1', status: 'inactive' }, '2026-11-27T09:58:00Z');
    await send('e2', 'deployment.started', { deployment: 'k8s-shop', runId: 'r9' }, '2026-11-27T09:41:00Z');
    await send('e3', 'deployment.succeeded', { deployment: 'k8s-shop', runId: 'r9' }, '2026-11-27T09:44:00+01:00');
    await send('e4', 'certificate.issued', { serial: '00:AB:CD', notAfter: '2027-02-25T00:00:00Z' });
    await send('e5', 'renewal.scheduled', { scheduledFor: '2027-01-20T03:00:00Z' });
    await send('e6', 'order.status', { status: 'invalid', orderId: 'o-1', error: 'CAA forbids' });
    const v = s.store.view('shop')!;
    expect(v.bot).toMatchObject({ status: 'inactive', lastHeartbeat: '2026-11-27T09:58:00.000Z' });
    expect(v.deployments[0]!.runs.at(-1)).toMatchObject({
      runId: 'r9',
      result: 'succeeded',
      startedAt: '2026-11-27T09:41:00.000Z',
      finishedAt: '2026-11-27T08:44:00.000Z',
    });
    expect(v.issued).toMatchObject({ serial: 'abcd' });
    expect(v.renewal).toMatchObject({ scheduledFor: '2027-01-20T03:00:00.000Z' });
    expect(v.order).toMatchObject({ status: 'invalid', error: 'CAA forbids' });
    expect(v.recent.map((e) => e.type)).toContain('order.status');
  });

  test('an older event does not overwrite newer state', async () => {
    const s = await start();
    const issued = (id: string, time: string, serial: string) =>
      s.signed(JSON.stringify({ id, type: 'certificate.issued', time, certificate: 'shop', data: { serial } }));
    await issued('n1', '2026-11-27T09:00:00Z', 'bb');
    await issued('n0', '2026-11-26T09:00:00Z', 'aa');
    expect(s.store.view('shop')!.issued).toMatchObject({ serial: 'bb' });
  });
});
