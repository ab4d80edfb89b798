/**
 * `/cert csr` and `/cert log` end to end through the real Bolt app and the fake Slack Web API:
 * the command opens the modal, the submission posts the lint or classification result in the
 * channel or ephemerally; failures of Slack and of the ack are handled.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { FlakyReceiver } from '../support/flaky-receiver.js';
import { type Harness, startHarness } from '../support/slack-app.js';
import { send, slashCommand, viewSubmission } from '../support/slack-requests.js';

const CSR_DIR = fileURLToPath(new URL('../fixtures/csr/', import.meta.url));
const LOG_DIR = fileURLToPath(new URL('../fixtures/logs/', import.meta.url));
const csr = (name: string) => readFileSync(join(CSR_DIR, name), 'utf8');
const log = (name: string) => readFileSync(join(LOG_DIR, name), 'utf8');

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON
const texts = (blocks: any): string => JSON.stringify(blocks);

type Values = Parameters<typeof viewSubmission>[2];

function csrValues(pem: string, opts: { ca?: string; level?: string; delivery?: string } = {}): Values {
  return {
    paste: { paste_input: { type: 'plain_text_input', value: pem } },
    ca: { ca_select: { type: 'static_select', selected_option: { value: opts.ca ?? 'any' } } as never },
    validation: {
      validation_select: { type: 'static_select', selected_option: { value: opts.level ?? 'dv' } } as never,
    },
    delivery: {
      delivery_choice: { type: 'radio_buttons', selected_option: { value: opts.delivery ?? 'ephemeral' } } as never,
    },
  };
}

function logValues(text: string, delivery = 'ephemeral'): Values {
  return {
    paste: { paste_input: { type: 'plain_text_input', value: text } },
    delivery: { delivery_choice: { type: 'radio_buttons', selected_option: { value: delivery } } as never },
  };
}

let h: Harness;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paste-slack-'));
  const cfg = join(dir, 'certmedic.yml');
  writeFileSync(
    cfg,
    'logRules:\n  - id: vault.sealed\n    pattern: Vault is sealed\n    category: connector_error\n    explanation: The secrets store is sealed.\n',
  );
  h = await startHarness({ env: { CERTMEDIC_CONFIG: cfg } });
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => h.slack.reset());

/** openModal sends `/cert <sub>` and returns the view passed to views.open. */
async function openModal(sub: string) {
  const r = await send(h.eventsUrl, slashCommand(sub));
  expect(r.status).toBe(200);
  const open = await h.slack.waitFor('views.open');
  expect(open.args['trigger_id']).toMatch(/^trigger\./);
  return open.args['view'];
}

describe('/cert csr', () => {
  test('opens the modal: PEM, CA, validation level, audience; the channel rides in private_metadata', async () => {
    const view = await openModal('csr');
    expect(view.type).toBe('modal');
    expect(view.callback_id).toBe('csr.submit');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(JSON.parse(view.private_metadata)).toEqual({ channel: 'C0000001' });
    expect(
      view.blocks.filter((b: { type: string }) => b.type === 'input').map((b: { block_id: string }) => b.block_id),
    ).toEqual(['paste', 'ca', 'validation', 'delivery']);
    const input = view.blocks[0].element;
    expect([input.type, input.multiline, input.max_length]).toEqual(['plain_text_input', true, 3000]);
    expect(texts(view.blocks)).toContain("Let's Encrypt");
  });

  test('a weak CSR is reported to the user only by default', async () => {
    const meta = JSON.stringify({ channel: 'C0000001' });
    const r = await send(h.eventsUrl, viewSubmission('csr.submit', meta, csrValues(csr('rsa1024.csr'))));
    expect(r.status).toBe(200);
    const told = await h.slack.waitFor('chat.postEphemeral');
    expect([told.args['channel'], told.args['user']]).toEqual(['C0000001', 'U0000001']);
    expect(texts(told.args['blocks'])).toContain('csr.weak_key');
    expect(texts(told.args['blocks'])).toContain('CSR shop.example.com');
    expect(texts(told.args['blocks'])).toContain('Checked for <@U0000001>');
    expect(h.slack.callsOf('chat.postMessage')).toEqual([]);
  });

  test("posted in the channel with the CA chosen: P-521 at Let's Encrypt", async () => {
    const meta = JSON.stringify({ channel: 'C0000001' });
    await send(
      h.eventsUrl,
      viewSubmission('csr.submit', meta, csrValues(csr('ec-p521.csr'), { ca: 'letsencrypt', delivery: 'channel' })),
    );
    const posted = await h.slack.waitFor('chat.postMessage');
    expect(posted.args['channel']).toBe('C0000001');
    const all = texts(posted.args['blocks']);
    expect(all).toContain('csr.unsupported_key');
    expect(all).toContain('refuses P-521');
    expect(posted.args['blocks'].length).toBeLessThanOrEqual(50);
    expect(all).not.toContain('report.retry');
  });

  test('the validation level chosen applies (OV needs O, C and L or ST)', async () => {
    const meta = JSON.stringify({ channel: 'C0000001' });
    await send(h.eventsUrl, viewSubmission('csr.submit', meta, csrValues(csr('good-rsa2048.csr'), { level: 'ov' })));
    const told = await h.slack.waitFor('chat.postEphemeral');
    expect(texts(told.args['blocks'])).toContain('csr.subject_missing');
  });

  test('garbage is csr.unparseable, and pasted text cannot mention anyone', async () => {
    const meta = JSON.stringify({ channel: 'C0000001' });
    await send(h.eventsUrl, viewSubmission('csr.submit', meta, csrValues('<!channel> hello <@U999> not a csr')));
    const told = await h.slack.waitFor('chat.postEphemeral');
    const all = texts(told.args['blocks']);
    expect(all).toContain('csr.unparseable');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<@U999>');
  });

  test('a channel that refuses the bot gets the result ephemerally instead', async () => {
    h.slack.fail('chat.postMessage', { error: 'not_in_channel' });
    const meta = JSON.stringify({ channel: 'C0000002' });
    await send(
      h.eventsUrl,
      viewSubmission('csr.submit', meta, csrValues(csr('good-ec-p256.csr'), { delivery: 'channel' })),
    );
    const told = await h.slack.waitFor('chat.postEphemeral');
    expect(told.args['channel']).toBe('C0000002');
    expect(texts(told.args['blocks'])).toContain('no problems found');
  });

  test('when the modal cannot open, the user is told', async () => {
    h.slack.fail('views.open', { error: 'expired_trigger_id' });
    await send(h.eventsUrl, slashCommand('csr', { responseUrl: h.slack.responseUrl('csr') }));
    const told = await h.slack.waitFor('response_url');
    expect(told.args['response_type']).toBe('ephemeral');
    expect(told.args['text']).toContain('expired_trigger_id');
  });

  test('a forged private_metadata posts nothing', async () => {
    await send(h.eventsUrl, viewSubmission('csr.submit', '{"channel":"not a channel"}', csrValues(csr('rsa1024.csr'))));
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.callsOf('chat.postEphemeral')).toEqual([]);
    expect(h.slack.callsOf('chat.postMessage')).toEqual([]);
  });
});

describe('/cert log', () => {
  test('opens the modal and posts the classification with the matched lines in the channel', async () => {
    const view = await openModal('log');
    expect(view.callback_id).toBe('log.submit');
    await send(
      h.eventsUrl,
      viewSubmission('log.submit', view.private_metadata, logValues(log('certbot-caa.log'), 'channel')),
    );
    const posted = await h.slack.waitFor('chat.postMessage');
    expect(posted.args['channel']).toBe('C0000001');
    const all = texts(posted.args['blocks']);
    expect(all).toContain('log.caa_blocked');
    expect(all).toContain('Matched lines');
    expect(all).toContain('CAA record for shop.example.com prevents issuance');
    expect(all.indexOf('log.caa_blocked')).toBeLessThan(all.indexOf('log.dcv_failure'));
  });

  test('the config file rules apply; log text is escaped', async () => {
    const meta = JSON.stringify({ channel: 'C0000001' });
    const text = 'job 12 <!here> started\njob 12: Vault is sealed <@U0000099>\n';
    await send(h.eventsUrl, viewSubmission('log.submit', meta, logValues(text)));
    const told = await h.slack.waitFor('chat.postEphemeral');
    const all = texts(told.args['blocks']);
    expect(all).toContain('log.connector_error');
    expect(all).toContain('vault.sealed');
    expect(all).not.toContain('<@U0000099>');
  });

  test('nothing recognisable is log.unknown', async () => {
    const meta = JSON.stringify({ channel: 'C0000001' });
    await send(h.eventsUrl, viewSubmission('log.submit', meta, logValues(log('nothing-wrong.log'))));
    const told = await h.slack.waitFor('chat.postEphemeral');
    expect(texts(told.args['blocks'])).toContain('log.unknown');
  });

  test('/cert help lists both', async () => {
    const r = await send(h.eventsUrl, slashCommand('help'));
    expect(r.text).toContain('/cert csr');
    expect(r.text).toContain('/cert log');
  });
});

describe('ack failures', () => {
  const receiver = new FlakyReceiver();
  let f: Harness;
  beforeAll(async () => {
    f = await startHarness({ receiver });
  });
  afterAll(() => f.close());

  test.each([['csr'], ['log']])('/cert %s with a failing ack is logged and opens nothing', async (sub) => {
    f.logs.length = 0;
    await receiver.deliver(
      {
        command: '/cert',
        text: sub,
        user_id: 'U0000001',
        channel_id: 'C0000001',
        team_id: 'T0000001',
        api_app_id: 'A0000001',
        response_url: f.slack.responseUrl('r'),
        trigger_id: 't',
      },
      true,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(f.logs.join('')).toContain('ack failed: connection closed');
    expect(f.slack.callsOf('views.open')).toEqual([]);
  });

  test('a submission with a failing ack is logged and posts nothing', async () => {
    f.logs.length = 0;
    await receiver.deliver(
      {
        type: 'view_submission',
        team: { id: 'T0000001' },
        user: { id: 'U0000001' },
        view: {
          id: 'V1',
          callback_id: 'csr.submit',
          private_metadata: '{"channel":"C0000001"}',
          state: { values: csrValues(csr('rsa1024.csr')) },
        },
      },
      true,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(f.logs.join('')).toContain('ack failed: connection closed');
    expect(f.slack.callsOf('chat.postEphemeral')).toEqual([]);
  });
});
