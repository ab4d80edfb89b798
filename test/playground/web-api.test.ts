import { request, type Server } from 'node:http';
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPlayground, type Playground, servePlayground } from '../../src/playground/index.js';

const { WebClient } = webApi;
/** quiet keeps the WebClient's warnings about the errors these tests provoke off the output. */
const quiet = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => webApi.LogLevel.ERROR,
  setName() {},
};
let pg: Playground;
let server: Server;
let client: InstanceType<typeof WebClient>;

beforeAll(async () => {
  pg = createPlayground({ logger: { error() {}, warn() {} } });
  server = await servePlayground(pg);
  client = new WebClient(pg.token, { ...pg.clientOptions(), retryConfig: { retries: 0 }, logger: quiet });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** slackError returns the Web API error code a call failed with. */
async function slackError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { data?: { error?: string } }).data?.error ?? String(err);
  }
  return 'no error';
}

describe('local Web API through the real WebClient', () => {
  test('auth.test answers with the bot identity; a wrong token is invalid_auth', async () => {
    const me = await client.auth.test();
    expect(me.user_id).toBe(pg.botUserId);
    expect(me.bot_id).toBe(pg.botId);
    const other = new WebClient('xoxb-wrong', { ...pg.clientOptions(), retryConfig: { retries: 0 }, logger: quiet });
    expect(await slackError(other.auth.test())).toBe('invalid_auth');
  });

  test('chat.postMessage stores blocks per channel (by id, name or #name) and chat.update edits in place', async () => {
    const posted = await client.chat.postMessage({
      channel: '#alerts',
      text: 'expiring',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*soon*' } }],
      metadata: { event_type: 'certmedic_alert', event_payload: { key: 'k1' } },
    });
    const alerts = pg.workspace.findChannel('alerts')!;
    expect(posted.channel).toBe(alerts.id);
    expect(alerts.messages.at(-1)?.blocks?.[0]).toMatchObject({ type: 'section', block_id: expect.any(String) });
    await client.chat.update({ channel: alerts.id, ts: posted.ts!, text: 'expired' });
    expect(alerts.messages.filter((m) => m.ts === posted.ts)).toHaveLength(1);
    expect(alerts.messages.at(-1)).toMatchObject({ text: 'expired', edited: expect.any(Object) });
    const history = await client.conversations.history({ channel: 'C0ALERTS00', include_all_metadata: true });
    expect(history.messages?.[0]).toMatchObject({ ts: posted.ts, metadata: { event_type: 'certmedic_alert' } });
    const bare = await client.conversations.history({ channel: 'C0ALERTS00' });
    expect(bare.messages?.[0]).not.toHaveProperty('metadata');
  });

  test('replies go into the thread; ephemeral messages stay out of history and cannot be updated', async () => {
    const parent = await client.chat.postMessage({ channel: 'general', text: 'parent' });
    await client.chat.postMessage({ channel: 'general', text: 'reply', thread_ts: parent.ts! });
    const eph = await client.chat.postEphemeral({ channel: 'general', user: 'U0PLAYUSER', text: 'psst' });
    const replies = await client.conversations.replies({ channel: 'C0GENERAL0', ts: parent.ts! });
    expect(replies.messages?.map((m) => m.text)).toEqual(['parent', 'reply']);
    const history = await client.conversations.history({ channel: 'C0GENERAL0' });
    expect(history.messages?.map((m) => m.text)).not.toContain('psst');
    expect(history.messages?.map((m) => m.text)).not.toContain('reply');
    expect(await slackError(client.chat.update({ channel: 'C0GENERAL0', ts: eph.message_ts!, text: 'x' }))).toBe(
      'message_not_found',
    );
  });

  test('Slack errors: unknown channel id, missing text, over-limit blocks, unknown method', async () => {
    expect(await slackError(client.chat.postMessage({ channel: 'C999NOPE', text: 'x' }))).toBe('channel_not_found');
    // Only chat.postMessage and chat.postEphemeral take channel names; the rest need the id.
    const posted = await client.chat.postMessage({ channel: '#general', text: 'by name' });
    expect(await slackError(client.chat.update({ channel: '#general', ts: posted.ts!, text: 'y' }))).toBe(
      'channel_not_found',
    );
    expect(await slackError(client.conversations.history({ channel: 'general' }))).toBe('channel_not_found');
    expect(await slackError(client.chat.postMessage({ channel: 'general' } as never))).toBe('no_text');
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(await slackError(client.chat.postMessage({ channel: 'general', text: 'x', blocks: tooMany }))).toBe(
      'invalid_blocks',
    );
    const longHeader = [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }];
    expect(await slackError(client.chat.postMessage({ channel: 'general', text: 'x', blocks: longHeader }))).toBe(
      'invalid_blocks',
    );
    // An unimplemented method is a 404, as Slack answers an unknown one.
    expect(await slackError(client.apiCall('chat.nonsense', {}))).toMatch(/404/);
  });

  test('a channel named in the config is created on first post (chat:write.public)', async () => {
    const r = await client.chat.postMessage({ channel: '#cert-escalations', text: 'escalated' });
    expect(pg.workspace.findChannel('cert-escalations')?.id).toBe(r.channel);
  });

  test('views.open needs a fresh trigger; views.push stacks up to three; views.update checks the hash', async () => {
    const modal = (title: string) => ({
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: title },
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }],
    });
    expect(await slackError(client.views.open({ trigger_id: 'made.up', view: modal('A') }))).toBe('invalid_trigger_id');
    const opened = await client.views.open({ trigger_id: pg.api.createTrigger(), view: modal('A') });
    await client.views.push({ trigger_id: pg.api.createTrigger(), view: modal('B') });
    await client.views.push({ trigger_id: pg.api.createTrigger(), view: modal('C') });
    expect(await slackError(client.views.push({ trigger_id: pg.api.createTrigger(), view: modal('D') }))).toBe(
      'push_limit_reached',
    );
    expect(pg.workspace.modalStack).toHaveLength(3);
    const id = opened.view!.id!;
    expect(await slackError(client.views.update({ view_id: id, hash: 'stale', view: modal('A2') }))).toBe(
      'hash_conflict',
    );
    await client.views.update({ view_id: id, hash: opened.view!.hash!, view: modal('A2') });
    expect(pg.workspace.views.get(id)?.['title']).toMatchObject({ text: 'A2' });
    expect(
      await slackError(
        client.views.open({ trigger_id: pg.api.createTrigger(), view: modal('a title that is over 24 characters') }),
      ),
    ).toBe('invalid_arguments');
  });

  test('views.publish sets the App Home view', async () => {
    await client.views.publish({
      user_id: 'U0PLAYUSER',
      view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'home' } }] },
    });
    expect(pg.workspace.homeViewId).toBeDefined();
  });
});

describe('playground HTTP routes', () => {
  test('serves the page, its scripts and the state; refuses huge bodies', async () => {
    const base = pg.baseUrl();
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('/playground/page.js');
    for (const js of ['page.js', 'render.js']) expect((await fetch(`${base}/playground/${js}`)).status).toBe(200);
    const state = (await (await fetch(`${base}/playground/state`)).json()) as { channels: { name: string }[] };
    expect(state.channels.map((c) => c.name)).toEqual(expect.arrayContaining(['general', 'alerts']));
    const huge = await fetch(`${base}/api/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pg.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'general', text: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    const json = { 'content-type': 'application/json' };
    const garbage = await fetch(`${base}/playground/command`, { method: 'POST', headers: json, body: '{not json' });
    expect(garbage.status).toBe(400);
    // Another site's form post (no JSON content type) cannot act on the page.
    const form = await fetch(`${base}/playground/command`, { method: 'POST', body: 'channel=C0GENERAL0&text=/cert' });
    expect(form.status).toBe(415);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  test('answers only to local host names (no DNS rebinding); response_urls are unguessable', async () => {
    const { port } = new URL(pg.baseUrl());
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/playground/state', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await status(`localhost:${port}`)).toBe(200);
    expect(await status(`evil.example:${port}`)).toBe(403);
    const a = pg.api.createResponseTarget('C0GENERAL0', 'U0PLAYUSER');
    const b = pg.api.createResponseTarget('C0GENERAL0', 'U0PLAYUSER');
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });
});
