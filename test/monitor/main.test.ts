/** The bot as a process (dist/main.js): the scheduler starts, alerts reach Slack, webhook events alert, /metrics. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signWebhook } from '../../src/inventory/webhook.js';
import { pki } from '../support/certs.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { SIGNING_SECRET } from '../support/slack-requests.js';
import { startWorld, type World } from '../support/world.js';
import { chainExpiringIn, type Switchable, startSwitchable } from './support.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const WEBHOOK_SECRET = 'webhook-secret-0123456789';

let world: World;
let slack: FakeSlack;
let server: Switchable;
let child: ChildProcess;
let stderr = '';
let port = 0;

beforeAll(async () => {
  const ca = await pki('Main Monitor', 'ec256');
  server = await startSwitchable('127.0.0.77', await chainExpiringIn(ca, 'shop.example.test', 5.5));
  world = await startWorld({ records: [] });
  slack = await startFakeSlack();
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-main-monitor-'));
  writeFileSync(join(dir, 'root.pem'), ca.root.pem);
  writeFileSync(
    join(dir, 'certmedic.yml'),
    [
      'watchlist:',
      '  - name: shop.example.test',
      `    port: ${server.port}`,
      '    address: 127.0.0.77',
      'monitor:',
      '  jitterMinutes: 0',
      'inventory:',
      '  certificates:',
      '    - id: shop-cert',
      '      names: [shop.example.test]',
      '      deployments: [web-1]',
      '  deployments:',
      '    - id: web-1',
      '      type: nginx',
      '',
    ].join('\n'),
  );
  child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env['PATH'] ?? '',
      CERTMEDIC_DB: join(dir, 'db.sqlite'),
      CERTMEDIC_CONFIG: join(dir, 'certmedic.yml'),
      CERTMEDIC_TRUST_ANCHORS: join(dir, 'root.pem'),
      CERTMEDIC_RESOLVER: world.resolver.resolverArg,
      CERTMEDIC_ALLOW_NETWORKS: '127.0.0.0/8',
      CERTMEDIC_ALERT_CHANNEL: 'C0ALERTS',
      CERTMEDIC_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = /listening on port (\d+)/.exec(stderr);
    if (m) {
      port = Number(m[1]);
      break;
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no port; stderr:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});
afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all([server.close(), world.close(), slack.close()]);
});

describe('npm start with a watchlist', () => {
  test('the scheduler scans at start and posts one expiry alert to the alert channel', async () => {
    const post = await slack.waitFor(
      'chat.postMessage',
      (c) =>
        c.args['metadata']?.event_type === 'certmedic_alert' && String(c.args['text']).includes('shop.example.test'),
    );
    expect(post.args['channel']).toBe('C0ALERTS');
    expect(String(post.args['text'])).toContain('CRITICAL');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain(`certmedic_certificate_days_left{target="shop.example.test:${server.port}@127.0.0.77"`);
    expect(metrics).toContain('certmedic_alerts_total{problem="expiry",event="opened"');
  });

  test('a signed deployment.failed webhook event alerts at once with Retry / Escalate', async () => {
    const body = JSON.stringify({
      id: 'evt-main-1',
      type: 'deployment.failed',
      time: new Date().toISOString(),
      certificate: 'shop-cert',
      data: { deployment: 'web-1', error: 'reload failed' },
    });
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`http://127.0.0.1:${port}/events`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-certmedic-timestamp': ts,
        'x-certmedic-signature': signWebhook(WEBHOOK_SECRET, ts, body),
      },
    });
    expect(res.status).toBeLessThan(300);
    const post = await slack.waitFor('chat.postMessage', (c) => String(c.args['text']).includes('Deployment web-1'));
    const ids = JSON.stringify(post.args['blocks']);
    expect(ids).toContain('report.retry');
    expect(ids).toContain('report.escalate');
  });

  test('SIGTERM stops the scheduler and exits 0', async () => {
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
  });
});
