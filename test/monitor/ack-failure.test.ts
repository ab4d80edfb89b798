/** The alert listeners when Slack's ack fails, through the real Bolt app (a receiver whose ack rejects). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FlakyReceiver, rawClick } from '../support/flaky-receiver.js';
import { type Harness, startHarness } from '../support/slack-app.js';

const receiver = new FlakyReceiver();
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ receiver, env: { CERTMEDIC_ALERT_CHANNEL: 'C0000001' } });
});
afterAll(() => h.close());

const click = (actionId: string, value: string) => rawClick(actionId, value, 'alert_actions');

describe('alert listeners when the ack fails', () => {
  test('Acknowledge: the failure is logged and the alert is not acknowledged', async () => {
    const monitor = h.services.monitor!;
    monitor.onInventoryEvent({
      id: 'ev-ack',
      type: 'deployment.failed',
      time: new Date().toISOString(),
      certificate: 'cert-ack',
      data: { deployment: 'web-1' },
    });
    const [alert] = monitor.alerts.open();
    h.logs.length = 0;
    await receiver.deliver(click('alert.ack', String(alert!.id)), true);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.logs.join('')).toContain('ack failed: connection closed');
    expect(monitor.alerts.get(alert!.id)?.ackedBy).toBeUndefined();
    await receiver.deliver(click('alert.ack', String(alert!.id)), false);
    expect(monitor.alerts.get(alert!.id)?.ackedBy).toBe('U0000001');
  });

  test('/cert watch: the failure is logged and the app keeps answering', async () => {
    h.logs.length = 0;
    const command = (text: string) => ({
      command: '/cert',
      text,
      user_id: 'U0000001',
      channel_id: 'C0000001',
      team_id: 'T0000001',
      api_app_id: 'A0000001',
      response_url: h.slack.responseUrl('w'),
      trigger_id: 't',
    });
    await receiver.deliver(command('watch flaky.example.test'), true);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.logs.join('')).toContain('ack failed: connection closed');
    await receiver.deliver(command('unwatch flaky.example.test'), false);
    expect(h.services.monitor!.watchlist().map((e) => e.key)).not.toContain('flaky.example.test:443');
  });
});
