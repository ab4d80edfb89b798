/** The monitor as the bot wires it (createMonitor): CAA for the configured CA and renewed-but-not-deployed. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { InventoryStore } from '../../src/inventory/store.js';
import { createMonitor, type Monitor } from '../../src/monitor/service.js';
import { openStore } from '../../src/store/db.js';
import { leafOf, type Minted, pki } from '../support/certs.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { startWorld, type World } from '../support/world.js';
import { type Switchable, startSwitchable } from './support.js';

let fake: FakeSlack;
let world: World;
let server: Switchable;
let monitor: Monitor;
let served: Minted;
const clock = new ManualClock(Date.now());

beforeAll(async () => {
  const ca = await pki('Service', 'ec256');
  served = await leafOf(ca, ['shop.example.test'], { key: 'ec256' });
  server = await startSwitchable('127.0.0.78', [served, ca.intermediate]);
  world = await startWorld({
    records: ['shop.example.test A 127.0.0.78', 'example.test CAA 0 issue "digicert.com"'],
  });
  fake = await startFakeSlack();
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-service-'));
  writeFileSync(join(dir, 'root.pem'), ca.root.pem);
  writeFileSync(
    join(dir, 'certmedic.yml'),
    [
      'watchlist:',
      '  - name: shop.example.test',
      `    port: ${server.port}`,
      '    ca: letsencrypt',
      '    channel: CSHOP',
      'inventory:',
      '  certificates:',
      '    - id: shop-cert',
      '      names: [shop.example.test]',
      '      issued: { serial: "0badc0ffee" }',
      '      bot: bot-1',
      '  bots:',
      '    - id: bot-1',
      '      status: stopped',
      '',
    ].join('\n'),
  );
  const config = loadConfig(
    {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: fake.apiUrl,
      CERTMEDIC_CONFIG: join(dir, 'certmedic.yml'),
      CERTMEDIC_TRUST_ANCHORS: join(dir, 'root.pem'),
      CERTMEDIC_RESOLVER: world.resolver.resolverArg,
      CERTMEDIC_ALLOW_NETWORKS: '127.0.0.0/8',
    },
    process.cwd(),
  );
  const db = openStore(':memory:');
  const inventory = new InventoryStore(db, config.file.inventory!, clock);
  monitor = createMonitor({ config, db, clock, inventory, automationServices: { inventory } });
});
afterAll(async () => {
  await monitor.stop();
  await Promise.all([server.close(), world.close(), fake.close()]);
});

describe('createMonitor', () => {
  test('CAA forbidding the configured CA, a renewed certificate not deployed and a stopped bot each alert once', async () => {
    // First sight spreads the targets over the jitter window (6 minutes of a 60-minute interval).
    await monitor.scheduler.tick();
    clock.advance(10 * 60_000);
    expect((await monitor.scheduler.tick()).scanned).toBe(2);
    await monitor.outbox.drain();
    const open = monitor.alerts.open().map((a) => [a.label, a.kind, a.problem.code]);
    expect(open).toContainEqual(['shop.example.test (shop-cert)', 'caa_forbids', 'caa.forbids_ca']);
    // The config entry is linked to the inventory certificate by name: it should serve serial 0badc0ffee.
    expect(open).toContainEqual(['shop.example.test (shop-cert)', 'not_deployed', 'tls.stale_certificate']);
    // The automation check runs for names in the inventory: the stopped bot is one more alert.
    expect(open).toContainEqual(['shop.example.test (shop-cert)', 'bot_unhealthy', 'bot.inactive']);
    expect(open).toHaveLength(3);
    const shop = fake.callsOf('chat.postMessage').filter((c) => c.args['channel'] === 'CSHOP');
    expect(shop.map((c) => String(c.args['text'])).sort()).toEqual([
      expect.stringContaining('CAA forbids the configured CA'),
      expect.stringContaining('Provisioning bot unhealthy'),
      expect.stringContaining('Renewed certificate not deployed'),
    ]);
    const before = fake.callsOf('chat.postMessage').length;
    clock.advance(2 * 3_600_000);
    await monitor.scheduler.tick();
    expect(fake.callsOf('chat.postMessage')).toHaveLength(before);
    expect(served.serial).not.toBe('badc0ffee');
  });
});
