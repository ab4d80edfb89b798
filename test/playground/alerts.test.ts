/**
 * Proactive alerts in the playground: the monitor's outbox reaches Slack with the config's token
 * and API URL, which the playground points at its local Web API, so alerts land in #alerts,
 * are updated in place and get their follow-ups in the thread.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/core/clock.js';
import { Outbox, slackCaller } from '../../src/monitor/outbox.js';
import { type PlaygroundServer, playgroundConfig, startPlayground } from '../../src/playground/start.js';
import { createServices, type Services } from '../../src/services/index.js';
import { createLogger } from '../../src/slack/logger.js';
import { migrateMonitor } from '../../src/store/monitor.js';

let server: PlaygroundServer;
let services: Services;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certmedic-pg-alerts-'));
  writeFileSync(
    join(dir, 'certmedic.yml'),
    '# no watchlist: nothing here may probe the internet\ndefaults: { timeoutMs: 5000 }\n',
  );
  const config = playgroundConfig(
    loadConfig(
      {
        PORT: '0',
        CERTMEDIC_DB: join(dir, 'pg.db'),
        CERTMEDIC_CONFIG: join(dir, 'certmedic.yml'),
        CERTMEDIC_LOG_LEVEL: 'silent',
      },
      dir,
    ),
  );
  server = await startPlayground(config, createLogger('silent'));
  services = createServices(server.config);
  await server.startApp(services);
});
afterAll(async () => {
  await server?.close();
  services?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('proactive alerts in the playground', () => {
  test('the outbox posts to #alerts with metadata, updates in place, replies in the thread', async () => {
    const { config } = services;
    expect(config.slack.botToken).toBe(server.playground.token);
    migrateMonitor(services.db);
    const outbox = new Outbox(services.db, systemClock, slackCaller(config.slack.botToken!, config.slack.apiUrl));
    const blocks = (text: string) => [{ type: 'section', text: { type: 'mrkdwn', text } }];
    outbox.enqueue('shop:expiry', 'post', config.alertChannel!, {
      text: 'expires in 9 days',
      blocks: blocks(':warning: 9 days'),
    });
    expect(await outbox.drain()).toBe(1);
    const alerts = server.playground.workspace.findChannel('alerts')!;
    const posted = alerts.messages.at(-1)!;
    expect(posted).toMatchObject({ text: 'expires in 9 days', metadata: { event_type: 'certmedic_alert' } });

    outbox.enqueue('shop:expiry', 'update', config.alertChannel!, {
      text: 'expires in 5 days',
      blocks: blocks(':rotating_light: 5 days'),
    });
    outbox.enqueue('shop:expiry', 'reply', config.alertChannel!, { text: 'now critical' });
    expect(await outbox.drain()).toBe(2);
    expect(alerts.messages.filter((m) => !m.thread_ts)).toHaveLength(1);
    expect(alerts.messages.find((m) => m.ts === posted.ts)?.text).toBe('expires in 5 days');
    expect(alerts.messages.at(-1)).toMatchObject({ thread_ts: posted.ts, text: 'now critical' });
    expect(outbox.pending()).toBe(0);
  });
});
