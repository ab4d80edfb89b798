/**
 * One certificate watched on two endpoints: the problem one endpoint reports must not be resolved
 * by the other endpoint's clean (or unreachable) scans, whatever order the scans finish in.
 */
import { expect, test } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AlertService } from '../../src/monitor/alerts.js';
import { Outbox } from '../../src/monitor/outbox.js';
import type { Evaluation, Problem } from '../../src/monitor/rules.js';
import { openStore } from '../../src/store/db.js';
import { migrateMonitor } from '../../src/store/monitor.js';

const stale: Problem = {
  kind: 'not_deployed',
  severity: 'critical',
  code: 'tls.stale_certificate',
  summary: '127.0.0.2 serves the old certificate',
  findings: [],
  fingerprint: 'old',
};
const seen: Evaluation = { evaluated: new Set(['not_deployed']), problems: [stale] };
const clean: Evaluation = { evaluated: new Set(['not_deployed']), problems: [] };

test('only the endpoint that saw a problem can clear it', () => {
  const db = openStore(':memory:');
  migrateMonitor(db);
  const clock = new ManualClock(Date.UTC(2026, 10, 27));
  const alerts = new AlertService(db, new Outbox(db, clock, undefined), clock, {
    resolveAfter: 2,
    defaultChannel: 'C1',
  });
  const at = (source: string) => ({ cert: 'shop-cert', label: 'shop (shop-cert)', source });
  alerts.observe(at('shop.example.test:8443'), seen);
  for (let i = 0; i < 3; i++) alerts.observe(at('shop.example.test:443'), clean);
  expect(alerts.open().map((a) => a.kind)).toEqual(['not_deployed']);
  alerts.observe(at('shop.example.test:8443'), clean);
  expect(alerts.open()).toHaveLength(1);
  alerts.observe(at('shop.example.test:8443'), clean);
  expect(alerts.open()).toHaveLength(0);
});

test('an alert channel given by name is updated by the id Slack answered with', async () => {
  const { startFakeSlack, channelIdOf } = await import('../support/fake-slack.js');
  const { slackCaller } = await import('../../src/monitor/slack-client.js');
  const fake = await startFakeSlack();
  try {
    const db = openStore(':memory:');
    migrateMonitor(db);
    const clock = new ManualClock(Date.UTC(2026, 10, 27));
    const outbox = new Outbox(db, clock, slackCaller('xoxb-test', fake.apiUrl, 2000), { baseBackoffMs: 1000 });
    const alerts = new AlertService(db, outbox, clock, { resolveAfter: 1, defaultChannel: '#alerts' });
    const target = { cert: 'shop-cert', label: 'shop (shop-cert)', source: 'shop.example.test:443' };
    alerts.observe(target, seen);
    await outbox.drain();
    alerts.observe(target, clean);
    await outbox.drain();
    expect(fake.callsOf('chat.postMessage')[0]!.args['channel']).toBe('#alerts');
    const update = fake.callsOf('chat.update')[0]!;
    expect(update.args['channel']).toBe(channelIdOf('#alerts'));
    expect(outbox.pending()).toBe(0);
  } finally {
    await fake.close();
  }
});
