/**
 * The playground receiver with a real Bolt App and small test listeners: the payload shapes Bolt
 * sees, ack semantics (once only; what a view_submission ack asks for), response_url limits, and
 * failing listeners that must not take the playground down.
 */
import type { Server } from 'node:http';
import { App, type BlockAction, LogLevel, type StaticSelectAction } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPlayground, type Playground, servePlayground } from '../../src/playground/index.js';

let pg: Playground;
let server: Server;
let app: App;
const seen: Record<string, unknown> = {};
const logged: unknown[] = [];

const modal = (title: string, callbackId: string) => ({
  type: 'modal' as const,
  callback_id: callbackId,
  title: { type: 'plain_text' as const, text: title },
  submit: { type: 'plain_text' as const, text: 'Save' },
  blocks: [
    {
      type: 'input',
      block_id: 'pick',
      label: { type: 'plain_text' as const, text: 'Pick' },
      element: {
        type: 'static_select',
        action_id: 'choice',
        options: [
          { text: { type: 'plain_text' as const, text: 'One day' }, value: '1d' },
          { text: { type: 'plain_text' as const, text: 'One week' }, value: '1w' },
        ],
      },
    },
  ],
});

beforeAll(async () => {
  pg = createPlayground({ logger: { error: (...m) => logged.push(m), warn: (...m) => logged.push(m) } });
  server = await servePlayground(pg);
  const quiet = {
    debug() {},
    info() {},
    warn() {},
    error() {},
    setLevel() {},
    getLevel: () => LogLevel.ERROR,
    setName() {},
  };
  app = new App({ token: pg.token, receiver: pg.receiver, clientOptions: pg.clientOptions(), logger: quiet });
  app.command('/test', async ({ ack, command, client, respond }) => {
    seen['command'] = command;
    if (command.text === 'twice') {
      await ack();
      try {
        await ack();
      } catch (err) {
        seen['secondAck'] = (err as { code?: string }).code;
      }
      return;
    }
    if (command.text === 'throw') throw new Error('listener broke before ack');
    if (command.text === 'respond') {
      await ack();
      for (let i = 0; i < 6; i++)
        seen[`respond${i}`] = await respond({ text: `reply ${i}` }).then(
          () => 'ok',
          () => 'refused',
        );
      return;
    }
    await ack();
    await client.chat.postMessage({
      channel: command.channel_id,
      text: 'pick one',
      blocks: [
        {
          type: 'actions',
          block_id: 'snooze',
          elements: [
            {
              type: 'static_select',
              action_id: 'snooze.pick',
              options: [{ text: { type: 'plain_text', text: 'One week' }, value: '1w' }],
            },
            { type: 'button', action_id: 'open', text: { type: 'plain_text', text: 'Open' }, value: 'v1' },
          ],
        },
      ],
    });
  });
  app.action<BlockAction<StaticSelectAction>>('snooze.pick', async ({ ack, body, action }) => {
    await ack();
    seen['select'] = { action, channel: body.channel?.id, container: body.container };
  });
  app.action('open', async ({ ack, body, client }) => {
    await ack();
    await client.views.open({ trigger_id: (body as BlockAction).trigger_id, view: modal('Snooze', 'snooze.modal') });
  });
  app.view('snooze.modal', async ({ ack, view }) => {
    const choice = view.state.values['pick']?.['choice']?.selected_option;
    seen['submitted'] = choice;
    if (choice?.value === '1d') await ack({ response_action: 'errors', errors: { pick: 'Too short' } });
    else await ack({ response_action: 'update', view: modal('Snoozed', 'done') });
  });
  await app.start();
});
afterAll(async () => {
  await app.stop();
  await new Promise<void>((r) => server.close(() => r()));
});

const general = () => pg.workspace.findChannel('general')!;

/** until polls for what a listener does after its ack, with a generous deadline. */
async function until<T>(what: string, fn: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PlaygroundReceiver with a real Bolt App', () => {
  test('a slash command arrives with Slack’s fields; selects and buttons carry typed payloads', async () => {
    expect(await pg.receiver.command('C0GENERAL0', '/test go')).toEqual({ ok: true });
    expect(seen['command']).toMatchObject({
      command: '/test',
      text: 'go',
      channel_id: 'C0GENERAL0',
      user_id: 'U0PLAYUSER',
      response_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/playground\/respond\?id=/),
      trigger_id: expect.any(String),
    });
    const msg = await until('the posted message', () => general().messages.find((m) => m.text === 'pick one'));
    expect(
      await pg.receiver.action({
        channel: 'C0GENERAL0',
        ts: msg.ts,
        blockId: 'snooze',
        actionId: 'snooze.pick',
        value: '1w',
      }),
    ).toEqual({ ok: true });
    await until('the selection', () => seen['select']);
    expect(seen['select']).toMatchObject({
      action: { type: 'static_select', selected_option: { value: '1w', text: { text: 'One week' } } },
      channel: 'C0GENERAL0',
      container: { type: 'message', message_ts: msg.ts },
    });
  });

  test('a view_submission ack with errors keeps the modal; update replaces it', async () => {
    const msg = general().messages.find((m) => m.text === 'pick one')!;
    await pg.receiver.action({ channel: 'C0GENERAL0', ts: msg.ts, blockId: 'snooze', actionId: 'open' });
    const view = await until('the modal', () => pg.workspace.topModal());
    expect(view['callback_id']).toBe('snooze.modal');
    expect(await pg.receiver.submit(view.id, { pick: { choice: '1d' } })).toEqual({
      ok: false,
      error: 'invalid_input',
      errors: { pick: 'Too short' },
    });
    expect(pg.workspace.topModal()?.id).toBe(view.id);
    expect(await pg.receiver.submit(view.id, { pick: { choice: '1w' } })).toEqual({ ok: true });
    expect(seen['submitted']).toMatchObject({ value: '1w' });
    expect(pg.workspace.topModal()).toMatchObject({ id: view.id, callback_id: 'done' });
    expect(await pg.receiver.close(view.id)).toEqual({ ok: true });
    expect(pg.workspace.modalStack).toEqual([]);
  });

  test('ack works once: a second ack throws ReceiverMultipleAckError', async () => {
    expect(await pg.receiver.command('C0GENERAL0', '/test twice')).toEqual({ ok: true });
    expect(seen['secondAck']).toBe('slack_bolt_receiver_ack_multiple_error');
  });

  test('a listener that throws before ack: operation_timeout for the user, logged, playground still up', async () => {
    expect(await pg.receiver.command('C0GENERAL0', '/test throw')).toEqual({ ok: false, error: 'operation_timeout' });
    expect(logged.length).toBeGreaterThan(0);
    expect((await fetch(`${pg.baseUrl()}/playground/state`)).status).toBe(200);
  });

  test('a response_url works five times, then is refused', async () => {
    await pg.receiver.command('C0GENERAL0', '/test respond');
    await until('six responses', () => seen['respond5']);
    expect([0, 1, 2, 3, 4, 5].map((i) => seen[`respond${i}`])).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'refused']);
    expect(general().messages.filter((m) => m.ephemeral && m.text.startsWith('reply '))).toHaveLength(5);
  });

  test('clicks on things that do not exist are refused without reaching the app', async () => {
    expect(await pg.receiver.action({ channel: 'C0GENERAL0', ts: '1.000001', blockId: 'x', actionId: 'y' })).toEqual({
      ok: false,
      error: 'element_not_found',
    });
    expect(await pg.receiver.submit('VNOPE', {})).toEqual({ ok: false, error: 'view_not_found' });
    expect(await pg.receiver.command('CNOPE', '/test go')).toEqual({ ok: false, error: 'channel_not_found' });
  });
});
