/**
 * The playground driving the real Bolt app (createApp, the production listeners) through its
 * receiver and local Web API, against a local DNS world: slash commands, Retry, Escalate and the
 * modal, mentions, App Home, and what happens when the app does not acknowledge.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type PlaygroundServer, playgroundConfig, startPlayground } from '../../src/playground/start.js';
import type { Message } from '../../src/playground/workspace.js';
import { createServices, type Services } from '../../src/services/index.js';
import { createLogger } from '../../src/slack/logger.js';
import { startWorld, type World } from '../support/world.js';

let world: World;
let server: PlaygroundServer;
let services: Services;
let dir: string;

beforeAll(async () => {
  world = await startWorld({
    records: ['shop.example.test A 127.0.0.10', 'example.test CAA 0 issue "letsencrypt.org"'],
  });
  dir = mkdtempSync(join(tmpdir(), 'certmedic-pg-'));
  // No watchlist and only local names: nothing here may probe the internet.
  writeFileSync(
    join(dir, 'certmedic.yml'),
    `defaults: { timeoutMs: 5000 }
inventory:
  certificates:
    - { id: shop, names: [shop.example.test], bot: bot-eu-1, deployments: [shop-nginx] }
  bots:
    - { id: bot-eu-1, lastHeartbeat: '2026-01-01T00:00:00Z' }
  deployments:
    - { id: shop-nginx, type: nginx, host: shop.example.test, ports: [443], keystorePath: /etc/nginx/shop.pem }
`,
  );
  const config = playgroundConfig(
    loadConfig(
      {
        PORT: '0',
        CERTMEDIC_DB: join(dir, 'pg.db'),
        CERTMEDIC_CONFIG: join(dir, 'certmedic.yml'),
        CERTMEDIC_RESOLVER: world.resolver.resolverArg,
        CERTMEDIC_ALLOW_NETWORKS: '127.0.0.0/8',
        CERTMEDIC_LOG_LEVEL: 'silent',
      },
      dir,
    ),
  );
  server = await startPlayground(config, createLogger('silent'));
  services = createServices(server.config, { diagnosis: { portMap: world.portMap, timeoutMs: 3000 } });
  await server.startApp(services);
});
afterAll(async () => {
  await server?.close();
  services?.db.close();
  await world?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<{ ok: boolean; error?: string; errors?: unknown }> {
  const res = await fetch(`${server.url}/playground/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { ok: boolean };
}

/** until polls a condition (the app works after ack) with a generous deadline. */
async function until<T>(what: string, fn: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const general = () => server.playground.workspace.findChannel('general')!;
const blockText = (m: Message) => JSON.stringify(m.blocks ?? []);
const calls = (method: string) => server.playground.api.calls.filter((c) => c.method === method);

describe('the playground drives the production Bolt app', () => {
  test('without CERTMEDIC_CONFIG the sample config is used; alerts go to #alerts unless configured', () => {
    const sample = playgroundConfig(loadConfig({ CERTMEDIC_DB: join(dir, 'other.db') }, dir));
    expect(sample.configPath).toMatch(/examples\/playground\.yml$/);
    expect(sample.file.watchlist?.length).toBeGreaterThan(0);
    expect(sample.file.inventory?.certificates.length).toBeGreaterThan(0);
    expect(sample.alertChannel).toBe(server.playground.workspace.findChannel('alerts')?.id);
    expect(services.config.configPath).toBe(join(dir, 'certmedic.yml'));
    const routed = playgroundConfig(loadConfig({ CERTMEDIC_ALERT_CHANNEL: '#ops' }, dir));
    expect(routed.alertChannel).toBe('#ops');
  });

  test('/cert diagnose posts a placeholder and updates it in place with the report', async () => {
    const before = general().messages.length;
    expect(await post('command', { channel: 'C0GENERAL0', text: '/cert diagnose shop.example.test' })).toEqual({
      ok: true,
    });
    const report = await until('the report', () =>
      general()
        .messages.slice(before)
        .find((m) => blockText(m).includes('report.retry')),
    );
    expect(general().messages.length).toBe(before + 1);
    expect(calls('chat.postMessage').length).toBeGreaterThan(0);
    expect(calls('chat.update').length).toBeGreaterThan(0);
    expect(blockText(report)).toContain('shop.example.test');
    expect(blockText(report)).toContain('dns.private_address');
  });

  test('Retry re-runs and updates the same message; Escalate opens the modal; submitting posts it', async () => {
    const report = general().messages.find((m) => blockText(m).includes('report.retry'))!;
    const updatesBefore = calls('chat.update').length;
    expect(
      await post('action', {
        channel: 'C0GENERAL0',
        ts: report.ts,
        block_id: 'report_actions',
        action_id: 'report.retry',
      }),
    ).toEqual({ ok: true });
    await until(
      'the retried report',
      () => calls('chat.update').length > updatesBefore && blockText(report).includes('run 2'),
    );

    expect(
      await post('action', {
        channel: 'C0GENERAL0',
        ts: report.ts,
        block_id: 'report_actions',
        action_id: 'report.escalate',
      }),
    ).toEqual({ ok: true });
    const ws = server.playground.workspace;
    const modal = await until('the escalation modal', () => ws.topModal());
    expect(modal['callback_id']).toBe('escalate.submit');
    const out = await post('submit', {
      view_id: modal.id,
      state: { changes: { changes_input: 'moved the shop behind the CDN on Monday' } },
    });
    expect(out).toEqual({ ok: true });
    expect(ws.modalStack).toEqual([]);
    const escalation = await until('the escalation message', () =>
      general().messages.find((m) => blockText(m).includes('Certificate escalation')),
    );
    expect(blockText(escalation)).toContain('moved the shop behind the CDN on Monday');
    await until('the plain-text copy in its thread', () =>
      general().messages.find((m) => m.thread_ts === escalation.ts && m.text.includes('Plain text')),
    );
  });

  test('a bad command gets the ephemeral usage message from the ack', async () => {
    expect(await post('command', { channel: 'C0GENERAL0', text: '/cert frobnicate' })).toEqual({ ok: true });
    const last = general().messages.at(-1)!;
    expect(last.ephemeral).toBe(true);
    expect(JSON.stringify(last)).toMatch(/cert/);
  });

  test('@certmedic diagnose in a message is an app_mention handled by the same listeners', async () => {
    const before = calls('chat.postMessage').length;
    expect(await post('command', { channel: 'C0GENERAL0', text: '@certmedic diagnose shop.example.test' })).toEqual({
      ok: true,
    });
    await until('the mention report', () => calls('chat.postMessage').length > before);
  });

  test('/cert status shows the automation chain of an inventory certificate', async () => {
    const before = general().messages.length;
    expect(await post('command', { channel: 'C0GENERAL0', text: '/cert status shop.example.test' })).toEqual({
      ok: true,
    });
    const status = await until('the status message', () =>
      general()
        .messages.slice(before)
        .find((m) => blockText(m).includes('bot-eu-1')),
    );
    expect(status.ephemeral).toBeUndefined();
  });

  test('opening App Home publishes the home view', async () => {
    expect(await post('home', {})).toEqual({ ok: true });
    await until('the home view', () => server.playground.workspace.homeViewId);
  });

  test('a command no listener acknowledges fails like Slack (operation_timeout) without crashing', async () => {
    const out = await post('command', { channel: 'C0GENERAL0', text: '/nothing-here' });
    expect(out).toEqual({ ok: false, error: 'operation_timeout' });
    expect(general().messages.at(-1)).toMatchObject({ user: 'USLACKBOT', ephemeral: true });
  });
});
