import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type Harness, startHarness } from '../support/slack-app.js';
import { blockAction, eventCallback, send, slashCommand, viewSubmission } from '../support/slack-requests.js';

const RECORDS = [
  'flip.example.test A 127.0.0.13',
  'slow.example.test A 127.0.0.14',
  'locked.example.test A 127.0.0.12',
  'locked.example.test CAA 0 issue ";"',
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    world: { records: RECORDS, rules: [{ name: 'slow.example.test', type: 'A', action: 'delay', delayMs: 800 }] },
    env: { CERTMEDIC_ESCALATION_CHANNEL: 'C0ESCAL01' },
  });
});
afterAll(() => h.close());
beforeEach(() => h.slack.reset());

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON
const texts = (blocks: any): string => JSON.stringify(blocks);

/** diagnoseAndGetId runs /cert diagnose and returns the report id and message ts. */
async function diagnoseAndGetId(name: string): Promise<{ id: string; ts: string }> {
  await send(h.eventsUrl, slashCommand(`diagnose ${name}`));
  const update = await h.slack.waitFor('chat.update', (c) => texts(c.args['blocks']).includes('report.retry'));
  const actions = update.args['blocks'].find((b: { type: string }) => b.type === 'actions');
  h.slack.reset();
  return { id: actions.elements[0].value, ts: update.args['ts'] };
}

describe('Retry', () => {
  test('re-runs and updates the same message, marking what changed', async () => {
    const { id, ts } = await diagnoseAndGetId('flip.example.test');
    h.world.resolver.addRecords(['flip.example.test CAA 0 issue ";"']);
    await send(h.eventsUrl, blockAction('report.retry', id, { messageTs: ts }));
    const progress = await h.slack.waitFor('chat.update', (c) => String(c.args['text']).includes('Re-checking'));
    expect(progress.args['ts']).toBe(ts);
    const final = await h.slack.waitFor('chat.update', (c) => texts(c.args['blocks']).includes('Since the last run'));
    expect(final.args['ts']).toBe(ts);
    expect(texts(final.args['blocks'])).toContain('new: `caa.forbids_ca`');

    h.slack.reset();
    h.world.resolver.setRecords(RECORDS);
    await send(h.eventsUrl, blockAction('report.retry', id, { messageTs: ts }));
    const fixed = await h.slack.waitFor('chat.update', (c) => texts(c.args['blocks']).includes('Since the last run'));
    expect(texts(fixed.args['blocks'])).toContain('fixed: `caa.forbids_ca`');
    expect(h.services.slackStore.runsOf(id).map((r) => r.run)).toEqual([1, 2, 3]);
  });

  test('a double click runs once; the second click is told it is already running', async () => {
    const { id, ts } = await diagnoseAndGetId('slow.example.test');
    const [a, b] = await Promise.all([
      send(h.eventsUrl, blockAction('report.retry', id, { messageTs: ts, responseUrl: h.slack.responseUrl('a1') })),
      send(h.eventsUrl, blockAction('report.retry', id, { messageTs: ts, responseUrl: h.slack.responseUrl('a2') })),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const told = await h.slack.waitFor('response_url');
    expect(told.args['response_type']).toBe('ephemeral');
    expect(told.args['text']).toContain('already being re-checked');
    await h.slack.waitFor('chat.update', (c) => texts(c.args['blocks']).includes('Since the last run'));
    expect(h.slack.callsOf('chat.update').filter((c) => String(c.args['text']).includes('Re-checking'))).toHaveLength(
      1,
    );
    expect(h.services.slackStore.runsOf(id)).toHaveLength(2);
  });

  test('a click from another channel is refused from stored state; nothing is updated', async () => {
    const { id } = await diagnoseAndGetId('flip.example.test');
    await send(
      h.eventsUrl,
      blockAction('report.retry', id, { channel: 'C0OTHER01', responseUrl: h.slack.responseUrl('a3') }),
    );
    const told = await h.slack.waitFor('response_url');
    expect(told.args['text']).toContain('another channel');
    expect(h.slack.callsOf('chat.update')).toEqual([]);
  });

  test('an unknown or forged id is answered (chat.postEphemeral when response_url fails), not crashed on', async () => {
    for (const value of ['zzzzzzzzzz', '../../etc', '']) {
      await send(h.eventsUrl, blockAction('report.retry', value));
    }
    await h.slack.waitFor('chat.postEphemeral');
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.callsOf('chat.postEphemeral')).toHaveLength(3);
    expect(h.slack.callsOf('chat.postEphemeral')[0]!.args['text']).toContain('no longer available');
  });
});

describe('Escalate', () => {
  test('opens a prefilled modal; submitting posts to the escalation channel with a plain-text copy, once', async () => {
    const { id, ts } = await diagnoseAndGetId('locked.example.test');
    await send(h.eventsUrl, blockAction('report.escalate', id, { messageTs: ts }));
    const open = await h.slack.waitFor('views.open');
    const view = open.args['view'];
    expect(open.args['trigger_id']).toMatch(/^trigger\./);
    expect(view.type).toBe('modal');
    expect(view.callback_id).toBe('escalate.submit');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(texts(view.blocks)).toContain('locked.example.test');
    expect(texts(view.blocks)).toContain('caa.forbids_ca');
    expect(texts(view.blocks)).toContain('Provisioning bot');
    expect(texts(view.blocks)).toContain('Recent infrastructure changes');
    const meta = JSON.parse(view.private_metadata);
    expect(meta.id).toBe(id);

    const values = {
      changes: { changes_input: { type: 'plain_text_input', value: 'Moved DNS to a new provider <!channel>' } },
    };
    const submit = viewSubmission('escalate.submit', view.private_metadata, values, { viewId: 'V0000042' });
    const r = await send(h.eventsUrl, submit);
    expect(r.status).toBe(200);
    const posted = await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['channel'] === 'C0ESCAL01' && !c.args['thread_ts'],
    );
    expect(posted.args['blocks'][0].text.text).toContain('Certificate escalation: locked.example.test');
    const all = texts(posted.args['blocks']);
    expect(all).toContain('Moved DNS to a new provider');
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('caa.forbids_ca');
    const copy = await h.slack.waitFor(
      'chat.postMessage',
      (c) => c.args['channel'] === 'C0ESCAL01' && !!c.args['thread_ts'],
    );
    expect(texts(copy.args['blocks'])).toContain('Names (CN/SAN): locked.example.test');
    expect(texts(copy.args['blocks'])).toContain('Recent infrastructure changes: Moved DNS to a new provider');
    const note = await h.slack.waitFor('chat.postMessage', (c) => c.args['channel'] === 'C0000001');
    expect(note.args['thread_ts']).toBe(ts);

    const before = h.slack.callsOf('chat.postMessage').length;
    await send(h.eventsUrl, submit);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.callsOf('chat.postMessage')).toHaveLength(before);
    expect(h.services.slackStore.escalationsOf(id)).toHaveLength(1);
  });
});

describe('Escalate when the escalation channel refuses the bot', () => {
  test('the user is told why, in the report channel', async () => {
    const { id } = await diagnoseAndGetId('locked.example.test');
    h.slack.fail('chat.postMessage', { error: 'not_in_channel', channel: 'C0ESCAL01' });
    const meta = JSON.stringify({ id, channel: 'C0000001' });
    await send(h.eventsUrl, viewSubmission('escalate.submit', meta, {}, { viewId: 'V0000099' }));
    const told = await h.slack.waitFor('chat.postEphemeral');
    expect(told.args['channel']).toBe('C0000001');
    expect(told.args['text']).toContain('not_in_channel');
  });
});

describe('events', () => {
  test('@certmedic diagnose <name> answers in the thread', async () => {
    await send(
      h.eventsUrl,
      eventCallback({
        type: 'app_mention',
        user: 'U0000001',
        text: '<@UBOT0001> diagnose <http://locked.example.test|locked.example.test>',
        ts: '1699999999.000100',
        channel: 'C0000001',
        event_ts: '1699999999.000100',
      }),
    );
    const posted = await h.slack.waitFor('chat.postMessage');
    expect(posted.args['thread_ts']).toBe('1699999999.000100');
    const update = await h.slack.waitFor('chat.update');
    expect(texts(update.args['blocks'])).toContain('caa.forbids_ca');
  });

  test('a mention without a usable command gets the usage, ephemerally', async () => {
    await send(
      h.eventsUrl,
      eventCallback({
        type: 'app_mention',
        user: 'U0000001',
        text: '<@UBOT0001> what is up',
        ts: '1699999999.000200',
        channel: 'C0000001',
        event_ts: '1699999999.000200',
      }),
    );
    const told = await h.slack.waitFor('chat.postEphemeral');
    expect(told.args['user']).toBe('U0000001');
    expect(texts(told.args['blocks'])).toContain('/cert diagnose');
  });

  test('App Home lists recent diagnoses and open incidents', async () => {
    await send(
      h.eventsUrl,
      eventCallback({ type: 'app_home_opened', user: 'U0000001', channel: 'D0000001', tab: 'home', event_ts: '1' }),
    );
    const pub = await h.slack.waitFor('views.publish');
    expect(pub.args['user_id']).toBe('U0000001');
    const view = pub.args['view'];
    expect(view.type).toBe('home');
    const all = texts(view.blocks);
    expect(all).toContain('Open incidents');
    expect(all).toContain('locked.example.test');
    expect(all).toContain('Recent diagnoses');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
  });
});
