/**
 * A listener whose ack fails, through the real Bolt app: a receiver (any receiver plugs into
 * createApp) hands the app events whose ack rejects, like a connection dropped before the ack.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlakyReceiver, rawClick } from '../support/flaky-receiver.js';
import { type Harness, startHarness } from '../support/slack-app.js';

const receiver = new FlakyReceiver();
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ world: { records: ['ok.example.test A 127.0.0.10'] }, receiver });
});
afterAll(() => h.close());

function command(text: string): Record<string, unknown> {
  return {
    command: '/cert',
    text,
    user_id: 'U0000001',
    channel_id: 'C0000001',
    team_id: 'T0000001',
    api_app_id: 'A0000001',
    response_url: h.slack.responseUrl('r'),
    trigger_id: 't',
  };
}

describe('ack failures', () => {
  test.each([['diagnose ok.example.test'], ['help'], ['frobnicate']])(
    '/cert %s: a failing ack is logged, nothing is posted, the app keeps working',
    async (text) => {
      h.slack.reset();
      h.logs.length = 0;
      await receiver.deliver(command(text), true);
      await new Promise((r) => setTimeout(r, 200));
      expect(h.logs.join('')).toContain('ack failed: connection closed');
      expect(h.slack.callsOf('chat.postMessage')).toEqual([]);

      const acks = await receiver.deliver(command('diagnose ok.example.test'), false);
      expect(acks).toHaveLength(1);
      await h.slack.waitFor('chat.update');
    },
  );

  test('a failing ack on a button click is logged and nothing else happens', async () => {
    h.slack.reset();
    h.logs.length = 0;
    await receiver.deliver(rawClick('report.retry', 'abc'), true);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.logs.join('')).toContain('ack failed');
    expect(h.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
  });
});
