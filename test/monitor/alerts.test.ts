import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { registry } from '../../src/core/metrics.js';
import { type Pki, pki } from '../support/certs.js';
import { type Call, type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import {
  CHANNEL,
  chainExpiringIn,
  DAY,
  entry,
  type Monitor,
  startMonitor,
  startSwitchable,
  tempDbPath,
} from './support.js';

const NAME = 'shop.example.test';
const HOUR = 3_600_000;

let ca: Pki;
let fake: FakeSlack;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ca = await pki('Monitor Test', 'ec256');
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
  fake.reset();
});

async function setup(
  host: string,
  left: number,
  opts: { dbPath?: string; digestHour?: number; clock?: ManualClock } = {},
) {
  const server = await startSwitchable(host, await chainExpiringIn(ca, NAME, left));
  const monitor = startMonitor({
    fake,
    entries: () => [entry(NAME, host)],
    port: server.port,
    trustAnchors: [ca.root.pem],
    ...opts,
  });
  cleanup.push(
    () => server.close(),
    () => monitor.close(),
  );
  return { server, monitor };
}

const posts = () => fake.callsOf('chat.postMessage').filter((c) => !c.args['thread_ts']);
const replies = () => fake.callsOf('chat.postMessage').filter((c) => c.args['thread_ts']);
const updates = () => fake.callsOf('chat.update');
const actionIds = (c: Call) =>
  (c.args['blocks'] as { type: string; elements?: { action_id: string }[] }[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements!.map((e) => e.action_id));

/** step advances the clock and runs one scheduler tick. */
async function step(m: Monitor, ms: number) {
  m.clock.advance(ms);
  return m.scheduler.tick();
}

describe('expiry alerts through the scheduler', () => {
  test('an expiring certificate alerts once, is updated as days pass, and resolves after renewal', async () => {
    const { server, monitor: m } = await setup('127.0.0.61', 20.5);
    expect((await m.scheduler.tick()).scanned).toBe(1);
    expect(posts()).toHaveLength(1);
    const post = posts()[0]!;
    expect(post.args['channel']).toBe(CHANNEL);
    expect(post.args['metadata']).toMatchObject({
      event_type: 'certmedic_alert',
      event_payload: { alert_key: `${NAME}:443|expiry#1` },
    });
    expect(actionIds(post)).toEqual(['alert.ack', 'alert.snooze']);
    expect(post.args['text']).toContain('WARNING');
    const ts = fake.messages[0]!.ts;

    // Not due yet: nothing scanned. Due again an hour later: same days left, nothing sent.
    expect((await step(m, 10 * 60_000)).scanned).toBe(0);
    expect((await step(m, HOUR)).scanned).toBe(1);
    expect(posts()).toHaveLength(1);
    expect(updates()).toHaveLength(0);

    // A day later the message is updated in place.
    await step(m, DAY);
    expect(updates()).toHaveLength(1);
    expect(updates()[0]!.args['ts']).toBe(ts);
    expect(replies()).toHaveLength(0);

    // Past the critical threshold (7 days for a 90-day certificate): update plus a thread follow-up.
    await step(m, 13 * DAY);
    expect(updates()).toHaveLength(2);
    expect(updates()[1]!.args['text']).toContain('CRITICAL');
    expect(replies()).toHaveLength(1);
    expect(replies()[0]!.args['thread_ts']).toBe(ts);

    // Renewed: the first clean scan does not resolve yet (hysteresis), the second does.
    server.serve(await chainExpiringIn(ca, NAME, 89 + 14));
    await step(m, HOUR + 60_000);
    expect(updates()).toHaveLength(2);
    await step(m, HOUR + 60_000);
    expect(updates()).toHaveLength(3);
    expect(updates()[2]!.args['text']).toMatch(/^Resolved/);
    expect(replies()).toHaveLength(2);
    expect(replies()[1]!.args['text']).toContain('Resolved');
    expect(posts()).toHaveLength(1);
    expect(m.outbox.pending()).toBe(0);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/certmedic_certificate_days_left\{target="shop\.example\.test:443",app="certmedic"\} \d+/);
    expect(metrics).toMatch(/certmedic_alerts_total\{problem="expiry",event="resolved",app="certmedic"\} [1-9]/);
    expect(metrics).toContain('certmedic_scan_duration_seconds_count');
  });

  test('a CDN alternating an expiring and a fresh certificate does not flap', async () => {
    const { server, monitor: m } = await setup('127.0.0.62', 10.5);
    server.serve(await chainExpiringIn(ca, NAME, 10.5), await chainExpiringIn(ca, NAME, 80));
    for (let i = 0; i < 6; i++) await step(m, i === 0 ? 0 : HOUR + 60_000);
    expect(posts()).toHaveLength(1);
    expect(updates()).toHaveLength(0);
    expect(replies()).toHaveLength(0);
  });

  test('an unreachable server neither opens nor resolves an alert', async () => {
    const { server, monitor: m } = await setup('127.0.0.63', 5.5);
    await m.scheduler.tick();
    expect(posts()).toHaveLength(1);
    await server.close();
    for (let i = 0; i < 3; i++) await step(m, HOUR + 60_000);
    expect(updates()).toHaveLength(0);
    expect(m.alerts.open()).toHaveLength(1);
  });
});

describe('restart', () => {
  test('a restart resumes the schedule from the store and does not re-alert', async () => {
    const dbPath = tempDbPath();
    const first = await setup('127.0.0.64', 20.5, { dbPath });
    await first.monitor.scheduler.tick();
    expect(posts()).toHaveLength(1);
    const at = first.monitor.clock.now();
    await first.monitor.close();

    const m = startMonitor({
      fake,
      entries: () => [entry(NAME, '127.0.0.64')],
      port: first.server.port,
      trustAnchors: [ca.root.pem],
      dbPath,
    });
    cleanup.push(() => m.close());
    m.clock.set(at + 5 * 60_000);
    expect((await m.scheduler.tick()).scanned).toBe(0);
    expect((await step(m, HOUR)).scanned).toBe(1);
    expect(posts()).toHaveLength(1);
    expect(updates()).toHaveLength(0);
    await step(m, DAY);
    expect(posts()).toHaveLength(1);
    expect(updates()).toHaveLength(1);
  });
});

describe('Slack outages delay but never lose or duplicate alerts', () => {
  test('a 500 after the message was posted: found by its metadata, not posted again', async () => {
    const { monitor: m } = await setup('127.0.0.65', 20.5);
    fake.fail('chat.postMessage', { status: 500, after: true });
    await m.scheduler.tick();
    expect(fake.messages).toHaveLength(1);
    expect(m.outbox.pending()).toBe(1);
    m.clock.advance(5000);
    await m.outbox.drain();
    expect(fake.callsOf('conversations.history')[0]!.args['include_all_metadata']).toBe('true');
    expect(fake.callsOf('chat.postMessage')).toHaveLength(1);
    expect(fake.messages).toHaveLength(1);
    expect(m.outbox.pending()).toBe(0);
    // Updates find the message's ts.
    await step(m, DAY);
    expect(updates()[0]!.args['ts']).toBe(fake.messages[0]!.ts);
  });

  test('a timeout after Slack posted the message: found by its metadata, not posted again', async () => {
    const { monitor: m } = await setup('127.0.0.71', 20.5);
    fake.fail('chat.postMessage', { hangMs: 4000 });
    await m.scheduler.tick();
    expect(fake.messages).toHaveLength(1);
    expect(m.outbox.pending()).toBe(1);
    m.clock.advance(5000);
    await m.outbox.drain();
    expect(fake.callsOf('conversations.history')).toHaveLength(1);
    expect(fake.callsOf('chat.postMessage')).toHaveLength(1);
    expect(m.outbox.pending()).toBe(0);
    expect(await registry.metrics()).toMatch(
      /certmedic_slack_delivery_failures_total\{reason="ECONNABORTED",app="certmedic"\} [1-9]/,
    );
  });

  test('429 with Retry-After, 500 and dropped connections: delivered later, exactly once', async () => {
    const { monitor: m } = await setup('127.0.0.66', 20.5);
    fake.fail('chat.postMessage', { status: 429, retryAfter: 30 });
    await m.scheduler.tick();
    expect(fake.messages).toHaveLength(0);
    m.clock.advance(10_000);
    await m.outbox.drain();
    expect(fake.callsOf('chat.postMessage')).toHaveLength(1);
    fake.fail('chat.postMessage', { drop: true });
    m.clock.advance(25_000);
    await m.outbox.drain();
    expect(fake.messages).toHaveLength(0);
    fake.fail('chat.postMessage', { status: 500 });
    m.clock.advance(60_000);
    await m.outbox.drain();
    expect(fake.messages).toHaveLength(0);
    m.clock.advance(60_000);
    await m.outbox.drain();
    expect(fake.messages).toHaveLength(1);
    expect(m.outbox.pending()).toBe(0);
    expect(await registry.metrics()).toMatch(
      /certmedic_slack_delivery_failures_total\{reason="rate_limited",app="certmedic"\} [1-9]/,
    );
    // Updates during an outage are coalesced and delivered when Slack is back.
    fake.fail('chat.update', { status: 503, times: 3 });
    await step(m, DAY);
    await step(m, DAY);
    for (let i = 0; i < 4; i++) {
      m.clock.advance(60_000);
      await m.outbox.drain();
    }
    expect(m.outbox.pending()).toBe(0);
    const delivered = updates().length - 3;
    expect(delivered).toBeGreaterThanOrEqual(1);
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0]!.text).toContain('18');
  });

  test('when Slack refuses the lookup (missing history scope) the alert is posted rather than lost', async () => {
    const { monitor: m } = await setup('127.0.0.70', 20.5);
    fake.fail('chat.postMessage', { status: 502 });
    fake.fail('conversations.history', { error: 'missing_scope' });
    await m.scheduler.tick();
    m.clock.advance(5000);
    await m.outbox.drain();
    expect(fake.callsOf('conversations.history')).toHaveLength(1);
    expect(fake.messages).toHaveLength(1);
    expect(m.outbox.pending()).toBe(0);
  });

  test('a dropped thread reply is looked up in the thread before it is posted again', async () => {
    const { monitor: m } = await setup('127.0.0.67', 8.5);
    await m.scheduler.tick();
    fake.fail('chat.postMessage', { drop: true, after: true });
    await step(m, 2 * DAY);
    expect(replies()).toHaveLength(1);
    m.clock.advance(5000);
    await m.outbox.drain();
    expect(fake.callsOf('conversations.replies')).toHaveLength(1);
    expect(replies()).toHaveLength(1);
    expect(fake.messages.filter((x) => x.thread_ts)).toHaveLength(1);
    expect(m.outbox.pending()).toBe(0);
  });
});

describe('acknowledge and snooze', () => {
  test('acknowledge updates the message; snooze until renewed holds follow-ups back', async () => {
    const { monitor: m } = await setup('127.0.0.68', 8.5);
    await m.scheduler.tick();
    const [alert] = m.alerts.open();
    m.alerts.acknowledge(alert!.id, 'U123');
    await m.outbox.drain();
    expect(updates()).toHaveLength(1);
    expect(actionIds(updates()[0]!)).toEqual(['alert.snooze']);
    expect(JSON.stringify(updates()[0]!.args['blocks'])).toContain('Acknowledged by <@U123>');
    m.alerts.snooze(alert!.id, 'renewed', 'U123');
    await step(m, 2 * DAY);
    expect(replies()).toHaveLength(0);
    expect(m.alerts.get(alert!.id)).toMatchObject({ snoozeUntilRenewed: true, snoozedBy: 'U123' });
  });
});

describe('daily digest', () => {
  test('once a day at the configured UTC hour, listing the open alerts of the channel', async () => {
    const clock = new ManualClock(Date.parse('2026-11-27T06:30:00Z'));
    const { monitor: m } = await setup('127.0.0.69', 20.5, { digestHour: 8, clock });
    await m.scheduler.tick();
    expect(posts()).toHaveLength(1);
    await step(m, HOUR);
    expect(posts()).toHaveLength(1);
    await step(m, HOUR);
    expect(posts()).toHaveLength(2);
    const digest = posts()[1]!;
    expect(digest.args['text']).toContain('Certificate digest for 2026-11-27: 1 open alert');
    expect(JSON.stringify(digest.args['blocks'])).toContain('shop.example.test:443');
    await step(m, HOUR + 60_000);
    expect(posts()).toHaveLength(2);
    await step(m, DAY);
    expect(posts()).toHaveLength(3);
    expect(posts()[2]!.args['text']).toContain('2026-11-28');
  });
});
