import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BOT_TOKEN, type Harness, startHarness } from '../support/slack-app.js';
import { blockAction, send, slashCommand } from '../support/slack-requests.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    world: {
      records: [
        'ok.example.test A 127.0.0.10',
        'shop.example.test A 127.0.0.11',
        'example.test CAA 0 issue "letsencrypt.org"',
        'locked.example.test A 127.0.0.12',
        'locked.example.test CAA 0 issue ";"',
      ],
    },
  });
});
afterAll(() => h.close());
beforeEach(() => h.slack.reset());

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON
const texts = (blocks: any[]): string => JSON.stringify(blocks);

describe('/cert diagnose over HTTP', () => {
  test('acks, posts "Diagnosing", then updates the same message with the report', async () => {
    const r = await send(h.eventsUrl, slashCommand('diagnose locked.example.test'));
    expect(r.status).toBe(200);
    const posted = await h.slack.waitFor('chat.postMessage');
    expect(posted.token).toBe(BOT_TOKEN);
    expect(posted.args['channel']).toBe('C0000001');
    expect(posted.args['text']).toContain('Diagnosing locked.example.test');
    const update = await h.slack.waitFor('chat.update');
    expect(update.args['channel']).toBe('C0000001');
    expect(update.args['ts']).toBe('1700000000.000001');
    const blocks = update.args['blocks'];
    expect(blocks[0].type).toBe('header');
    expect(blocks[0].text.text).toContain(':red_circle:');
    expect(blocks[0].text.text).toContain('locked.example.test');
    expect(texts(blocks)).toContain('`caa.forbids_ca`');
    expect(texts(blocks)).toContain('Likely cause:');
    const actions = blocks.find((b: { type: string }) => b.type === 'actions');
    expect(actions.elements.map((e: { action_id: string }) => e.action_id)).toEqual([
      'report.retry',
      'report.escalate',
    ]);
    const id = actions.elements[0].value;
    expect(id).toMatch(/^[a-z0-9]{10}$/);
    expect(h.services.slackStore.get(id)?.codes).toContain('caa.forbids_ca');
  });
});

describe('/cert usage and refusals (ephemeral, in the ack)', () => {
  test.each([
    ['help', undefined],
    ['', undefined],
    ['frobnicate shop.example.test', "don't know"],
    ['diagnose', 'which name'],
    ['diagnose not_a_name!', 'invalid'],
    ['diagnose 127.0.0.1', ''],
    ['diagnose shop.example.test --resolver 127.0.0.1', '--resolver is not an option'],
    ['diagnose shop.example.test --port-map 53=5353', '--port-map is not an option'],
    ['diagnose shop.example.test --ca nosuchca', 'nosuchca'],
    ['diagnose a.example.test b.example.test', 'one name at a time'],
  ])('%j -> ephemeral usage', async (text, problem) => {
    const r = await send(h.eventsUrl, slashCommand(text));
    expect(r.status).toBe(200);
    const body = r.json as { response_type: string; text: string; blocks: unknown[] };
    expect(body.response_type).toBe('ephemeral');
    expect(JSON.stringify(body.blocks)).toContain('/cert diagnose');
    if (problem) expect(body.text).toContain(problem);
    if (problem === undefined) expect(body.text).toBe('certmedic usage');
    await new Promise((r) => setTimeout(r, 50));
    expect(h.slack.callsOf('chat.postMessage')).toEqual([]);
  });

  test('hostile text in a bad name is escaped in the usage message', async () => {
    const r = await send(h.eventsUrl, slashCommand('diagnose <!channel>&<@U999>'));
    const body = r.json as { text: string; blocks: unknown[] };
    const all = JSON.stringify(body);
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<@U999>');
  });

  test('Slack-linked names (<http://x|x>) are unwrapped', async () => {
    await send(h.eventsUrl, slashCommand('diagnose <http://ok.example.test|ok.example.test>'));
    const update = await h.slack.waitFor('chat.update');
    expect(update.args['blocks'][0].text.text).toContain('ok.example.test');
  });
});

describe('signatures', () => {
  test('a forged signature is rejected with 401 and nothing runs', async () => {
    const r = await send(h.eventsUrl, slashCommand('diagnose ok.example.test'), { secret: 'wrong-secret' });
    expect(r.status).toBe(401);
    const r2 = await send(h.eventsUrl, slashCommand('diagnose ok.example.test'), { signature: 'v0=00' });
    expect(r2.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.slack.calls).toEqual([]);
  });

  test('a stale timestamp (over 5 minutes) is rejected with 401', async () => {
    const r = await send(h.eventsUrl, slashCommand('diagnose ok.example.test'), {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(r.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.slack.calls).toEqual([]);
  });

  test('Events API URL verification is answered with the challenge (signed)', async () => {
    const body = JSON.stringify({ token: 't', challenge: 'chal-123', type: 'url_verification' });
    const r = await send(h.eventsUrl, { body, contentType: 'application/json' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ challenge: 'chal-123' });
    const forged = await send(h.eventsUrl, { body, contentType: 'application/json' }, { secret: 'nope' });
    expect(forged.status).toBe(401);
  });

  test('no secrets in the logs', () => {
    const logs = h.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(BOT_TOKEN);
    expect(logs).not.toContain('test-signing-secret');
  });
});

describe('delivery', () => {
  test('not_in_channel: the report goes through the response_url instead', async () => {
    h.slack.fail('chat.postMessage', { error: 'not_in_channel' });
    await send(
      h.eventsUrl,
      slashCommand('diagnose shop.example.test --ca digicert', { responseUrl: h.slack.responseUrl('c1') }),
    );
    const first = await h.slack.waitFor('response_url', (c) => String(c.args['text']).includes('Diagnosing'));
    expect(first.args['response_type']).toBe('in_channel');
    const final = await h.slack.waitFor('response_url', (c) => c.args['replace_original'] === true);
    expect(texts(final.args['blocks'])).toContain('caa.forbids_ca');
    expect(h.slack.callsOf('chat.update')).toEqual([]);

    // Retry on such a message updates it through the click's response_url too.
    const id = final.args['blocks'].find((b: { type: string }) => b.type === 'actions').elements[0].value;
    h.slack.reset();
    await send(h.eventsUrl, blockAction('report.retry', id, { responseUrl: h.slack.responseUrl('r1') }));
    const retried = await h.slack.waitFor('response_url', (c) =>
      texts(c.args['blocks']).includes('Since the last run'),
    );
    expect(retried.args['replace_original']).toBe(true);
    expect(h.slack.callsOf('chat.update')).toEqual([]);
  });

  test('a 429 from chat.postMessage is retried after Retry-After', async () => {
    h.slack.fail('chat.postMessage', { status: 429, retryAfter: 1 });
    await send(h.eventsUrl, slashCommand('diagnose ok.example.test'));
    await h.slack.waitFor('chat.update');
    expect(h.slack.callsOf('chat.postMessage')).toHaveLength(2);
  });

  test('another posting error is told to the user, not swallowed', async () => {
    h.slack.fail('chat.postMessage', { error: 'is_archived' });
    await send(h.eventsUrl, slashCommand('diagnose ok.example.test', { responseUrl: h.slack.responseUrl('c2') }));
    const told = await h.slack.waitFor('response_url');
    expect(told.args['response_type']).toBe('ephemeral');
    expect(told.args['text']).toContain('is_archived');
  });
});
