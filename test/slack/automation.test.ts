import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { signWebhook, webhookRoute } from '../../src/inventory/webhook.js';
import { type Listening, type RecordedRequest, startPlatformApi } from '../support/automation.js';
import { type Harness, startHarness } from '../support/slack-app.js';
import { blockAction, send, slashCommand } from '../support/slack-requests.js';

const WEBHOOK_SECRET = 'whsec-slack-test';
let h: Harness;
let api: Listening & { requests: RecordedRequest[] };
let dir: string;

beforeAll(async () => {
  api = await startPlatformApi(202, '{"job":"j-42"}');
  dir = mkdtempSync(join(tmpdir(), 'certmedic-slack-auto-'));
  writeFileSync(
    join(dir, 'certmedic.yml'),
    `inventory:
  certificates:
    - id: shop
      names: [shop.example.test]
      template: web-dv
      bot: bot-1
      connector: acme-prod
      deployments: [k8s-shop]
      renewal: { windowFraction: 0.33, schedule: { at: '03:00' }, retries: { count: 3 } }
  bots:
    - { id: bot-1, status: stopped, lastHeartbeat: '2030-01-01T00:00:00Z' }
  connectors:
    - { id: acme-prod, ca: letsencrypt, templates: {} }
  deployments:
    - { id: k8s-shop, type: k8s-secret, namespace: shop, secretName: shop-tls, credentialsRef: kube }
actions:
  - id: redeploy
    kind: redeploy
    allow: { users: [U0000001], groups: [S0PLATFORM] }
    http: { url: "${api.url}/deployments/{{deployment.id}}/run", body: { certificate: "{{certificate.id}}" } }
`,
  );
  h = await startHarness({
    world: { records: ['shop.example.test A 127.0.0.1', 'plain.example.test A 127.0.0.1'] },
    env: { CERTMEDIC_CONFIG: join(dir, 'certmedic.yml'), CERTMEDIC_WEBHOOK_SECRET: WEBHOOK_SECRET },
  });
  h.http.addRoute(webhookRoute(h.services.automation!.webhook));
});
afterAll(async () => {
  await h.close();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  h.slack.reset();
  api.requests.length = 0;
});

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON
const texts = (blocks: any): string => JSON.stringify(blocks);
// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON
const buttonsOf = (blocks: any[]): any[] => blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements);

/** diagnose runs /cert diagnose and returns the final report message (blocks and ts). */
async function diagnose(name: string) {
  await send(h.eventsUrl, slashCommand(`diagnose ${name} --method none`));
  const update = await h.slack.waitFor('chat.update', (c) => texts(c.args['blocks']).includes('report.retry'));
  h.slack.reset();
  return { blocks: update.args['blocks'], ts: String(update.args['ts']) };
}

describe('/cert status', () => {
  test('shows the chain with the failing link highlighted', async () => {
    await send(h.eventsUrl, slashCommand('status shop.example.test'));
    const post = await h.slack.waitFor('chat.postMessage', (c) => String(c.args['text']).includes('Automation of'));
    const t = texts(post.args['blocks']);
    expect(t).toContain(':x: *bot bot-1*');
    expect(t).toContain('breaks at the *bot*');
    expect(t).toContain('bot.inactive');
    expect(t).toContain('connector.template_unmapped');
    expect(buttonsOf(post.args['blocks']).map((b) => b.action_id)).toEqual(['automation_run:0']);
  });

  test('a name not in the inventory gets an ephemeral answer', async () => {
    const r = await send(h.eventsUrl, slashCommand('status plain.example.test'));
    expect(r.status).toBe(200);
    expect(r.text).toContain('not in the inventory');
  });
});

describe('/cert diagnose with the inventory', () => {
  test('includes the automation findings and an action button with a confirm dialog', async () => {
    const { blocks } = await diagnose('shop.example.test');
    expect(texts(blocks)).toContain('bot.inactive');
    const run = buttonsOf(blocks).find((b) => String(b.action_id).startsWith('automation_run:'));
    expect(run.confirm.confirm.text).toBe('Run it');
    expect(run.value.length).toBeLessThan(40);
  });

  test('a name outside the inventory gets no action button', async () => {
    const { blocks } = await diagnose('plain.example.test');
    expect(buttonsOf(blocks).map((b) => b.action_id)).toEqual(['report.retry', 'report.escalate']);
  });

  test('Escalate is prefilled from the inventory, recent events included', async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const body = JSON.stringify({
      id: 'slack-evt-1',
      type: 'deployment.failed',
      time: new Date().toISOString(),
      certificate: 'shop',
      data: { deployment: 'k8s-shop', error: 'secrets "shop-tls" is forbidden' },
    });
    const res = await fetch(`${h.url}/events`, {
      method: 'POST',
      body,
      headers: { 'x-certmedic-timestamp': ts, 'x-certmedic-signature': signWebhook(WEBHOOK_SECRET, ts, body) },
    });
    expect(res.status).toBe(200);
    const { blocks, ts: msgTs } = await diagnose('shop.example.test');
    const id = buttonsOf(blocks).find((b) => b.action_id === 'report.escalate').value;
    await send(h.eventsUrl, blockAction('report.escalate', id, { messageTs: msgTs }));
    const view = (await h.slack.waitFor('views.open')).args['view'];
    const t = texts(view);
    expect(t).toContain('bot-1 (stopped)');
    expect(t).toContain('acme-prod (letsencrypt)');
    expect(t).toContain('deployment k8s-shop failed');
    expect(t).toContain('forbidden');
  });
});

describe('action buttons', () => {
  test('an authorized click runs the action and posts the result in the thread', async () => {
    const { blocks, ts } = await diagnose('shop.example.test');
    const run = buttonsOf(blocks).find((b) => String(b.action_id).startsWith('automation_run:'));
    await send(h.eventsUrl, blockAction(run.action_id, run.value, { messageTs: ts }));
    const post = await h.slack.waitFor('chat.postMessage', (c) => String(c.args['text']).includes('succeeded'));
    expect(post.args['thread_ts']).toBe(ts);
    expect(texts(post.args['blocks'])).toContain('HTTP 202');
    expect(api.requests.map((r) => r.url)).toEqual(['/deployments/k8s-shop/run']);
    expect(h.services.automation!.actions.store.auditLog('shop')[0]).toMatchObject({
      userId: 'U0000001',
      outcome: 'succeeded',
    });
  });

  test('an unauthorized click is refused privately, audited, and runs nothing', async () => {
    const { blocks, ts } = await diagnose('shop.example.test');
    const run = buttonsOf(blocks).find((b) => String(b.action_id).startsWith('automation_run:'));
    await send(
      h.eventsUrl,
      blockAction(run.action_id, run.value, { messageTs: ts, user: 'U0000002', responseUrl: h.slack.responseUrl('x') }),
    );
    const told = await h.slack.waitFor('response_url');
    expect(told.args['text']).toContain('not allowed');
    // The group was asked about, server-side.
    expect(h.slack.callsOf('usergroups.users.list').map((c) => c.args['usergroup'])).toEqual(['S0PLATFORM']);
    expect(api.requests).toEqual([]);
    expect(h.services.automation!.actions.store.auditLog('shop')[0]).toMatchObject({
      userId: 'U0000002',
      outcome: 'refused',
    });
    expect(h.slack.callsOf('chat.postMessage')).toEqual([]);
  });

  test('a forged button value is refused and audited', async () => {
    await send(h.eventsUrl, blockAction('automation_run:0', 'a-forged-id', { responseUrl: h.slack.responseUrl('y') }));
    const told = await h.slack.waitFor('response_url');
    expect(told.args['text']).toContain('unknown or expired action');
    expect(api.requests).toEqual([]);
  });
});

describe('/cert status after an order failed', () => {
  test('the order link shows the order error', async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const body = JSON.stringify({
      id: 'slack-evt-order',
      type: 'order.status',
      time: new Date().toISOString(),
      certificate: 'shop.example.test',
      data: { status: 'invalid', orderId: 'o-9', error: 'CAA record forbids issuance' },
    });
    const res = await fetch(`${h.url}/events`, {
      method: 'POST',
      body,
      headers: { 'x-certmedic-timestamp': ts, 'x-certmedic-signature': signWebhook(WEBHOOK_SECRET, ts, body) },
    });
    expect(res.status).toBe(200);
    await send(h.eventsUrl, slashCommand('status shop.example.test'));
    const post = await h.slack.waitFor('chat.postMessage', (c) => String(c.args['text']).includes('Automation of'));
    const t = texts(post.args['blocks']);
    expect(t).toContain(':x: *order o-9: invalid*');
    expect(t).toContain('CAA record forbids issuance');
  });
});
