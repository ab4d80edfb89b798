import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ActionService, type GroupsOf } from '../../src/actions/service.js';
import { ActionStore } from '../../src/actions/store.js';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { InventoryStore } from '../../src/inventory/store.js';
import { openStore } from '../../src/store/db.js';
import { type Listening, startPlatformApi } from '../support/automation.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures');
let api:
  | (Listening & { requests: { method: string; url: string; headers: Record<string, unknown>; body: string }[] })
  | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await api?.close();
  api = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const INVENTORY = `
inventory:
  certificates:
    - id: shop
      names: [shop.example.test, www.shop.example.test]
      bot: bot-1
      deployments: [nginx-shop, k8s-shop]
  bots:
    - id: bot-1
  deployments:
    - id: nginx-shop
      type: nginx
      host: web1.example.test
      keystorePath: "/etc/ssl/a b;$(id)"
    - id: k8s-shop
      type: k8s-secret
      namespace: shop
      secretName: shop-tls
`;

/** setup writes a config file with the given actions, loads it like the bot does, and builds the service. */
function setup(actionsYaml: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-actions-'));
  dirs.push(dir);
  const path = join(dir, 'certmedic.yml');
  writeFileSync(path, `${INVENTORY}\nactions:\n${actionsYaml}`);
  const config = loadConfig({ CERTMEDIC_CONFIG: path, ...env }, dir, { ignoreSlack: true });
  const db = openStore(':memory:');
  const clock = new ManualClock(Date.parse('2026-11-27T10:00:00Z'));
  const inventory = new InventoryStore(db, config.file.inventory!, clock);
  const store = new ActionStore(db, clock);
  return { service: new ActionService(config.file.actions!, inventory, store, []), store };
}

const noGroups: GroupsOf = async () => [];

describe('HTTP adapter against a local platform API', () => {
  test('re-run deployment: URL and JSON body from inventory fields, secret header from the environment', async () => {
    api = await startPlatformApi(202);
    const { service, store } = setup(
      `  - id: redeploy
    kind: redeploy
    allow: { users: [U1] }
    http:
      url: ${api.url}/api/deployments/{{deployment.id}}/run?cert={{certificate.name}}
      headers: { Authorization: "Bearer \${CLM_TOKEN}" }
      body: { certificate: "{{certificate.id}}", names: "{{certificate.names}}", note: "by certmedic for {{deployment.host}}" }
`,
      { CLM_TOKEN: 's3cret' },
    );
    const offers = service.offer('shop.example.test', { channelId: 'C1' });
    // The body uses deployment.host, which only the nginx deployment has.
    expect(offers.map((o) => o.request.deployment)).toEqual(['nginx-shop']);
    const r = await service.execute(offers[0]!.request.id, { userId: 'U1', channelId: 'C1' }, noGroups);
    expect(r.outcome).toBe('succeeded');
    expect(r.text).toBe('HTTP 202');
    expect(api.requests).toHaveLength(1);
    const sent = api.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/api/deployments/nginx-shop/run?cert=shop.example.test');
    expect(sent.headers['authorization']).toBe('Bearer s3cret');
    expect(JSON.parse(sent.body)).toEqual({
      certificate: 'shop',
      names: ['shop.example.test', 'www.shop.example.test'],
      note: 'by certmedic for web1.example.test',
    });
    const audit = store.auditLog('shop');
    expect(audit).toEqual([
      expect.objectContaining({ userId: 'U1', action: 'redeploy', outcome: 'succeeded', deployment: 'nginx-shop' }),
    ]);
    expect(JSON.stringify(audit)).not.toContain('s3cret');
  });

  test('a platform error is a failed outcome, audited', async () => {
    api = await startPlatformApi(500, '{"error":"deployment locked"}');
    const { service, store } = setup(`  - id: renew
    kind: renew
    allow: { users: [U1] }
    http: { url: "${api.url}/api/certificates/{{certificate.id}}/renew" }
`);
    const [offer] = service.offer('shop');
    const r = await service.execute(offer!.request.id, { userId: 'U1' });
    expect(r.outcome).toBe('failed');
    expect(r.output).toContain('deployment locked');
    expect(store.auditLog()[0]).toMatchObject({ outcome: 'failed', detail: 'HTTP 500' });
  });

  test('an unset secret variable is a config error naming it', () => {
    expect(() =>
      setup(`  - id: renew
    kind: renew
    http: { url: "http://127.0.0.1:9/x", headers: { X-Key: "\${NOT_SET_ANYWHERE}" } }
`),
    ).toThrow(/NOT_SET_ANYWHERE/);
  });

  test('an unknown template field is a config error with the line', () => {
    expect(() =>
      setup(`  - id: renew
    kind: renew
    http: { url: "http://127.0.0.1:9/{{user.text}}" }
`),
    ).toThrow(/certmedic\.yml:\d+: .*unknown template field \{\{user\.text\}\}/);
  });
});

describe('authorization per click', () => {
  test('an unauthorized user is refused, audited, and nothing is called', async () => {
    api = await startPlatformApi(202);
    const { service, store } = setup(`  - id: renew
    kind: renew
    allow: { users: [U1], groups: [S1] }
    http: { url: "${api.url}/renew/{{certificate.id}}" }
`);
    const [offer] = service.offer('shop', { channelId: 'C1' });
    const r = await service.execute(offer!.request.id, { userId: 'U2', channelId: 'C1' }, noGroups);
    expect(r.outcome).toBe('refused');
    expect(api.requests).toHaveLength(0);
    expect(store.auditLog()[0]).toMatchObject({ userId: 'U2', outcome: 'refused' });
  });

  test('a member of an allowed user group may run it; a click from another channel may not', async () => {
    api = await startPlatformApi(202);
    const { service } = setup(`  - id: renew
    kind: renew
    allow: { groups: [S1] }
    http: { url: "${api.url}/renew/{{certificate.id}}" }
`);
    const groupsOf: GroupsOf = async (user, groups) => (user === 'U3' ? groups.filter((g) => g === 'S1') : []);
    const [offer] = service.offer('shop', { channelId: 'C1' });
    expect((await service.execute(offer!.request.id, { userId: 'U3', channelId: 'C2' }, groupsOf)).outcome).toBe(
      'refused',
    );
    expect((await service.execute(offer!.request.id, { userId: 'U3', channelId: 'C1' }, groupsOf)).outcome).toBe(
      'succeeded',
    );
    expect(api.requests).toHaveLength(1);
  });

  test('an unknown request id is refused and audited', async () => {
    const { service, store } = setup(`  - id: renew
    kind: renew
    allow: { users: [U1] }
    http: { url: "http://127.0.0.1:9/x" }
`);
    expect((await service.execute('a-forged', { userId: 'U1' })).outcome).toBe('refused');
    expect(store.auditLog()[0]).toMatchObject({ outcome: 'refused', userId: 'U1' });
  });
});

describe('allow-listed command adapter (execFile, no shell)', () => {
  test('arguments come from inventory fields, one argv entry each, shell characters inert', async () => {
    const { service, store } = setup(`  - id: redeploy-cmd
    kind: redeploy
    allow: { users: [U1] }
    command:
      path: ${FIXTURES}/action-args.sh
      args: ["--deployment", "{{deployment.id}}", "{{deployment.keystorePath}}"]
`);
    const offers = service.offer('shop');
    expect(offers.map((o) => o.request.deployment)).toEqual(['nginx-shop']);
    const r = await service.execute(offers[0]!.request.id, { userId: 'U1' });
    expect(r.outcome).toBe('succeeded');
    expect(r.output).toBe('[--deployment]\n[nginx-shop]\n[/etc/ssl/a b;$(id)]');
    expect(store.auditLog()[0]).toMatchObject({ outcome: 'succeeded', detail: 'exit 0' });
  });

  test('command env values resolve secrets from the environment; nothing else is inherited', async () => {
    const { service } = setup(
      `  - id: restart
    kind: restart_bot
    allow: { users: [U1] }
    command: { path: ${FIXTURES}/action-env.sh, env: { PLATFORM_TOKEN: "\${BOT_API_TOKEN}" } }
`,
      { BOT_API_TOKEN: 'tok-123' },
    );
    const r = await service.execute(service.offer('shop')[0]!.request.id, { userId: 'U1' });
    expect(r.output).toBe('[tok-123]\n[no-home]');
  });

  test('a failing command reports its exit code and stderr', async () => {
    const { service } = setup(`  - id: restart
    kind: restart_bot
    allow: { users: [U1] }
    command: { path: ${FIXTURES}/action-fail.sh, args: ["{{bot.id}}"] }
`);
    const r = await service.execute(service.offer('shop')[0]!.request.id, { userId: 'U1' });
    expect(r.outcome).toBe('failed');
    expect(r.text).toBe('exit 3');
    expect(r.output).toContain('restart failed');
  });

  test('a hanging command is killed at its timeout', async () => {
    const { service } = setup(`  - id: restart
    kind: restart_bot
    allow: { users: [U1] }
    command: { path: ${FIXTURES}/action-hang.sh, timeoutMs: 500 }
`);
    const started = Date.now();
    const r = await service.execute(service.offer('shop')[0]!.request.id, { userId: 'U1' });
    expect(r.outcome).toBe('failed');
    expect(r.text).toContain('timed out');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a relative command path is refused by the config', () => {
    expect(() =>
      setup(`  - id: restart
    kind: restart_bot
    command: { path: "restart-bot" }
`),
    ).toThrow(/absolute path/);
  });
});
