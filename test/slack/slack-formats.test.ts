/**
 * Requests shaped exactly as Slack sends them (every documented field, Slack's escaping, retries,
 * ssl_check, DM channels, enterprise fields) driving the real app over HTTP.
 */
import { stringify } from 'node:querystring';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { finding } from '../../src/core/catalog.js';
import { makeReport } from '../../src/core/finding.js';
import { reportMessage } from '../../src/slack/blocks/report.js';
import { BOT, blockKitErrors } from '../support/fake-slack.js';
import { type Harness, startHarness } from '../support/slack-app.js';
import { blockAction, eventCallback, send, slashCommand } from '../support/slack-requests.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    world: { records: ['ok.example.test A 127.0.0.10', 'example.test CAA 0 issue ";"'] },
  });
});
afterAll(() => h.close());
beforeEach(() => h.slack.reset());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON
const texts = (blocks: any): string => JSON.stringify(blocks);

/** realCommand is a slash command with every field Slack posts (enterprise grid, DM channel). */
function realCommand(text: string, extra: Record<string, string> = {}) {
  return {
    contentType: 'application/x-www-form-urlencoded',
    body: stringify({
      token: 'gIkuvaNzQIHg97ATvDxqgjtO',
      team_id: BOT.teamId,
      team_domain: 'example',
      enterprise_id: 'E0001',
      enterprise_name: 'Globular Construct Inc',
      channel_id: 'D0000009',
      channel_name: 'directmessage',
      user_id: 'U2147483697',
      user_name: 'Steve',
      command: '/cert',
      text,
      api_app_id: BOT.appId,
      is_enterprise_install: 'false',
      response_url: h.slack.responseUrl('real'),
      trigger_id: '13345224609.738474920.8088930838d88f008e0',
      ...extra,
    }),
  };
}

describe('slash commands as Slack posts them', () => {
  test.each([
    ['diagnose <http://ok.example.test|ok.example.test>'],
    ['  DIAGNOSE   OK.EXAMPLE.TEST  '],
    ['diagnose ok.example.test.'],
    ['diagnose <http://ok.example.test>'],
  ])('%j in a DM is diagnosed there', async (text) => {
    const r = await send(h.eventsUrl, realCommand(text));
    expect(r.status).toBe(200);
    const posted = await h.slack.waitFor('chat.postMessage');
    expect(posted.args['channel']).toBe('D0000009');
    const update = await h.slack.waitFor('chat.update');
    expect(update.args['blocks'][0].text.text).toContain('ok.example.test');
    expect(update.args['blocks'][0].text.text).not.toContain('ok.example.test.');
    expect(typeof update.args['text']).toBe('string');
  });

  test('an escaped option value (&amp;) reaches the check unescaped, and is escaped again in output', async () => {
    const r = await send(
      h.eventsUrl,
      realCommand('diagnose ok.example.test --method dns-01 --txt a&amp;b&lt;!channel&gt;'),
    );
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    const update = await h.slack.waitFor('chat.update');
    const all = texts(update.args);
    expect(all).not.toContain('<!channel>');
  });

  test.each([
    ['<!here>'],
    ['&lt;!channel&gt; x'],
    ['<@U0000002|bob>'],
    ['status <!subteam^S123|@team>'],
    ['watch <#C0000002|general>'],
    ['diagnose <mailto:a@b.example|a@b.example>'],
  ])('%j: the ephemeral answer mentions nobody', async (text) => {
    const r = await send(h.eventsUrl, realCommand(text));
    expect(r.status).toBe(200);
    expect(r.text).not.toMatch(/<[!@#]/);
  });

  test('/cert diagnose with no name, and empty text, answer the usage in the ack', async () => {
    for (const text of ['', 'diagnose', 'diagnose   ']) {
      const r = await send(h.eventsUrl, realCommand(text));
      expect(r.status).toBe(200);
      expect((r.json as { response_type: string }).response_type).toBe('ephemeral');
    }
    await sleep(50);
    expect(h.slack.callsOf('chat.postMessage')).toEqual([]);
  });

  test('ssl_check=1 is answered 200 and runs nothing', async () => {
    const r = await send(h.eventsUrl, {
      contentType: 'application/x-www-form-urlencoded',
      body: stringify({ ssl_check: '1', token: 'gIkuvaNzQIHg97ATvDxqgjtO' }),
    });
    expect(r.status).toBe(200);
    await sleep(50);
    expect(h.slack.calls).toEqual([]);
  });

  test('a body over the limit is refused, and the app still answers afterwards', async () => {
    const r = await send(h.eventsUrl, slashCommand(`diagnose ${'a'.repeat(2 * 1024 * 1024)}`));
    expect(r.status).toBe(413);
    const ok = await send(h.eventsUrl, slashCommand('help'));
    expect(ok.status).toBe(200);
  });
});

describe('Events API as Slack sends it', () => {
  test('a retried app_mention (X-Slack-Retry-Num) is not processed twice', async () => {
    const req = eventCallback({
      type: 'app_mention',
      user: 'U0000001',
      text: '<@UBOT0001> diagnose ok.example.test',
      ts: '1699999999.000300',
      channel: 'C0000001',
      event_ts: '1699999999.000300',
    });
    expect((await send(h.eventsUrl, req)).status).toBe(200);
    const retry = await send(h.eventsUrl, req, {
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    await h.slack.waitFor('chat.update');
    await sleep(200);
    expect(h.slack.callsOf('chat.postMessage')).toHaveLength(1);
  });

  test('a retry whose first delivery never arrived (connection_failed) is processed', async () => {
    const req = eventCallback({
      type: 'app_mention',
      user: 'U0000003',
      text: '<@UBOT0001> diagnose ok.example.test',
      ts: '1699999999.000600',
      channel: 'C0000001',
      event_ts: '1699999999.000600',
    });
    const retry = await send(h.eventsUrl, req, {
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'connection_failed' },
    });
    expect(retry.status).toBe(200);
    await h.slack.waitFor('chat.update');
    await send(h.eventsUrl, req, { headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' } });
    await sleep(200);
    expect(h.slack.callsOf('chat.postMessage')).toHaveLength(1);
  });

  test('a mention in a thread answers in that thread; a mention mid-sentence works too', async () => {
    await send(
      h.eventsUrl,
      eventCallback({
        type: 'app_mention',
        user: 'U0000001',
        text: 'hey <@UBOT0001> diagnose ok.example.test',
        ts: '1699999999.000500',
        thread_ts: '1699999999.000400',
        channel: 'C0000001',
        event_ts: '1699999999.000500',
      }),
    );
    const posted = await h.slack.waitFor('chat.postMessage');
    expect(posted.args['thread_ts']).toBe('1699999999.000400');
  });
});

describe('what Slack would refuse (the fake answers invalid_blocks like Slack)', () => {
  test('the fake refuses over-limit messages and views', () => {
    const section = { type: 'section', text: { type: 'mrkdwn', text: 'x' } };
    expect(blockKitErrors('chat.postMessage', { blocks: Array(51).fill(section) })).not.toEqual([]);
    expect(
      blockKitErrors('chat.update', { text: 'x', blocks: [{ type: 'header', text: { text: 'h'.repeat(151) } }] }),
    ).not.toEqual([]);
    expect(
      blockKitErrors('views.open', { view: { type: 'modal', title: { text: 't'.repeat(25) }, blocks: [] } }),
    ).not.toEqual([]);
    expect(blockKitErrors('chat.postMessage', {})).toEqual(['no_text']);
  });

  test('a huge report (60 findings, 4,000-character details, 200 addresses) is accepted, with a text fallback', () => {
    const findings = Array.from({ length: 60 }, (_, i) =>
      finding('tls.expired', `${'d'.repeat(4000)} <!here> ${i}`, {}, { fixes: ['<@U999> & <!channel>'] }),
    );
    const addresses = Array.from({ length: 200 }, (_, i) => ({ address: `2001:db8::${i.toString(16)}` }));
    const m = reportMessage(makeReport('shop.example.com', findings, [], { addresses }, 1), { reportId: 'abc1234567' });
    expect(blockKitErrors('chat.update', m as never)).toEqual([]);
    expect(m.text.length).toBeGreaterThan(0);
    const all = JSON.stringify(m);
    for (const bad of ['<!here>', '<!channel>', '<@U999>']) expect(all).not.toContain(bad);
  });
});

describe('block_actions as Slack sends them', () => {
  test('a click no listener knows (an old message version) is acknowledged 200, not 404', async () => {
    const r = await send(h.eventsUrl, blockAction('legacy.unknown_button', 'x'));
    expect(r.status).toBe(200);
    expect(h.slack.calls).toEqual([]);
  });

  test('Escalate whose modal cannot open (expired_trigger_id) tells the clicker instead of nothing', async () => {
    await send(h.eventsUrl, slashCommand('diagnose ok.example.test', { user: 'U0000005' }));
    const update = await h.slack.waitFor('chat.update');
    const id = update.args['blocks'].find((b: { type: string }) => b.type === 'actions').elements[0].value;
    h.slack.reset();
    h.slack.fail('views.open', { error: 'expired_trigger_id' });
    const r = await send(
      h.eventsUrl,
      blockAction('report.escalate', id, { user: 'U0000005', responseUrl: h.slack.responseUrl('esc') }),
    );
    expect(r.status).toBe(200);
    const told = await h.slack.waitFor('response_url');
    expect(told.args['response_type']).toBe('ephemeral');
    expect(told.args['text']).toContain('expired_trigger_id');
  });
});

describe('when the report message is gone', () => {
  test('chat.update message_not_found: the report is posted anew and remembered for Retry', async () => {
    h.slack.fail('chat.update', { error: 'message_not_found' });
    await send(h.eventsUrl, slashCommand('diagnose ok.example.test', { user: 'U0000006' }));
    const again = await h.slack.waitFor('chat.postMessage', (c) => !String(c.args['text']).includes('Diagnosing'));
    const actions = again.args['blocks'].find((b: { type: string }) => b.type === 'actions');
    const id = actions.elements[0].value;
    const posted = h.slack.callsOf('chat.postMessage');
    expect(posted).toHaveLength(2);
    const newTs = h.slack.messages.find((m) => m.blocks === again.args['blocks'])?.ts;
    expect(h.services.slackStore.get(id)?.messageTs).toBe(newTs);
    expect(newTs).toBeDefined();
  });
});
