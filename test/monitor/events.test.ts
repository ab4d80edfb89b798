import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { classifyDeploymentLog } from '../../src/checks/automation/classify.js';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/core/clock.js';
import type { InventoryEvent } from '../../src/inventory/events.js';
import { InventorySchema } from '../../src/inventory/schema.js';
import { InventoryStore } from '../../src/inventory/store.js';
import { createMonitor, type Monitor } from '../../src/monitor/service.js';
import { type Db, openStore } from '../../src/store/db.js';
import { SlackStore } from '../../src/store/slack.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

let fake: FakeSlack;
let db: Db;
let monitor: Monitor;
let slackStore: SlackStore;
const clock = new ManualClock(Date.parse('2026-11-27T10:00:00Z'));

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await monitor?.stop();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  db = openStore(':memory:');
  const config = loadConfig(
    {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: fake.apiUrl,
      CERTMEDIC_ALERT_CHANNEL: 'CDEFAULT',
      CERTMEDIC_RESOLVER: '127.0.0.1:1',
    },
    process.cwd(),
  );
  const inventory = new InventoryStore(
    db,
    InventorySchema.parse({
      certificates: [{ id: 'shop-cert', names: ['shop.example.test'], deployments: ['web-1'], owner: 'COWNERS1' }],
      deployments: [{ id: 'web-1', type: 'nginx', host: 'web-1.internal' }],
    }),
    clock,
  );
  slackStore = new SlackStore(db, clock);
  monitor = createMonitor({ config, db, clock, inventory, slackStore, classifyLog: classifyDeploymentLog });
});

function failed(id: string, runId: string): InventoryEvent {
  return {
    id,
    type: 'deployment.failed',
    time: new Date(clock.now()).toISOString(),
    certificate: 'shop-cert',
    data: { deployment: 'web-1', runId, error: 'nginx -s reload exited with 1' },
  };
}

const posts = () => fake.callsOf('chat.postMessage').filter((c) => !c.args['thread_ts']);
const replies = () => fake.callsOf('chat.postMessage').filter((c) => c.args['thread_ts']);

describe('deployment.failed events', () => {
  test('alert at once in the owner channel, with Retry / Escalate (a stored report) and Acknowledge / Snooze', async () => {
    monitor.onInventoryEvent(failed('ev-1', 'run-1'));
    await monitor.outbox.drain();
    expect(posts()).toHaveLength(1);
    const post = posts()[0]!;
    expect(post.args['channel']).toBe('COWNERS1');
    expect(post.args['text']).toContain('nginx -s reload exited with 1');
    const actions = (post.args['blocks'] as { type: string; elements?: { action_id: string; value?: string }[] }[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements!);
    expect(actions.map((a) => a.action_id)).toEqual(['report.retry', 'report.escalate', 'alert.ack', 'alert.snooze']);
    const stored = slackStore.get(actions[0]!.value!);
    expect(stored?.report?.findings.map((f) => f.code)).toEqual(['deploy.failed']);
    expect(stored?.channelId).toBe('COWNERS1');
  });

  test("the failed run's log is classified: its first failing line and fixes are in the alert", async () => {
    const event = failed('ev-log', 'run-log');
    if (event.type !== 'deployment.failed') throw new Error('unreachable');
    event.data.log = [
      '2026-11-27T09:59:58Z deploying certificate to web-1',
      '2026/11/27 09:59:59 [emerg] 1234#0: cannot load certificate "/etc/nginx/tls/shop.pem"',
      'nginx: configuration file /etc/nginx/nginx.conf test failed',
    ].join('\n');
    monitor.onInventoryEvent(event);
    await monitor.outbox.drain();
    const classified = classifyDeploymentLog(event.data.log)!;
    expect(classified.code).toMatch(/^log\./);
    const blocks = JSON.stringify(posts()[0]!.args['blocks']);
    expect(blocks).toContain('cannot load certificate');
    expect(blocks).toContain(JSON.stringify(classified.fixes[0]!).slice(1, 40));
    const [alert] = monitor.alerts.open();
    expect(alert!.problem.findings[0]!.evidence['logCode']).toBe(classified.code);
  });

  test('a second failure updates the alert and follows up in its thread; success resolves it', async () => {
    monitor.onInventoryEvent(failed('ev-1', 'run-1'));
    await monitor.outbox.drain();
    clock.advance(600_000);
    monitor.onInventoryEvent(failed('ev-2', 'run-2'));
    await monitor.outbox.drain();
    expect(posts()).toHaveLength(1);
    expect(fake.callsOf('chat.update')).toHaveLength(1);
    expect(replies()).toHaveLength(1);
    // The same event delivered twice changes nothing.
    monitor.onInventoryEvent(failed('ev-2', 'run-2'));
    await monitor.outbox.drain();
    expect(fake.callsOf('chat.update')).toHaveLength(1);
    monitor.onInventoryEvent({
      id: 'ev-3',
      type: 'deployment.succeeded',
      time: new Date(clock.now()).toISOString(),
      certificate: 'shop-cert',
      data: { deployment: 'web-1', runId: 'run-3' },
    });
    await monitor.outbox.drain();
    expect(fake.callsOf('chat.update')).toHaveLength(2);
    expect(fake.callsOf('chat.update')[1]!.args['text']).toMatch(/^Resolved/);
    expect(replies()).toHaveLength(2);
    expect(monitor.alerts.open()).toEqual([]);
  });

  test('clicks are checked against the stored alert: another channel is refused', async () => {
    monitor.onInventoryEvent(failed('ev-1', 'run-1'));
    const [alert] = monitor.alerts.open();
    expect(monitor.refusal(alert!.id, 'U1', 'COTHER')).toMatch(/another channel/);
    expect(monitor.refusal(alert!.id, 'U1', 'COWNERS1')).toBeUndefined();
    expect(monitor.refusal(999_999, 'U1', 'COWNERS1')).toMatch(/no longer exists/);
  });

  test('the watchlist holds the inventory names and /cert watch entries', () => {
    expect(monitor.watch('api.example.test', 8443, 'CWATCH', 'U1')).toBe(true);
    expect(monitor.watch('api.example.test', 8443, 'CWATCH', 'U1')).toBe(false);
    expect(monitor.watchlist().map((e) => [e.key, e.channel ?? null])).toEqual([
      ['shop.example.test:443', 'COWNERS1'],
      ['api.example.test:8443', 'CWATCH'],
    ]);
    expect(monitor.unwatch('api.example.test', 8443)).toBe(true);
    expect(monitor.watchlist()).toHaveLength(1);
  });
});
