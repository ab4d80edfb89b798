import { stringify } from 'node:querystring';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BOT } from '../support/fake-slack.js';
import { type Harness, startHarness } from '../support/slack-app.js';
import { blockAction, eventCallback, type SignedRequest, send, slashCommand } from '../support/slack-requests.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { CERTMEDIC_ALERT_CHANNEL: 'C0000001' } });
});
afterAll(() => h.close());
beforeEach(() => h.slack.reset());

const monitor = () => h.services.monitor!;

/** snoozeSelect returns a choice in the Snooze menu of an alert message. */
function snoozeSelect(value: string, channel = 'C0000001'): SignedRequest {
  const payload = {
    type: 'block_actions',
    team: { id: BOT.teamId, domain: 'fake' },
    user: { id: 'U0000003', username: 'carol', name: 'carol', team_id: BOT.teamId },
    api_app_id: BOT.appId,
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: '1700000000.000001', channel_id: channel, is_ephemeral: false },
    trigger_id: `trigger.${Date.now()}`,
    channel: { id: channel, name: 'certs' },
    message: { ts: '1700000000.000001', type: 'message', text: '' },
    response_url: 'http://127.0.0.1:9/unused',
    actions: [
      {
        type: 'static_select',
        action_id: 'alert.snooze',
        block_id: 'alert_actions',
        selected_option: { text: { type: 'plain_text', text: 'Snooze' }, value },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
  return { contentType: 'application/x-www-form-urlencoded', body: stringify({ payload: JSON.stringify(payload) }) };
}

/** openAlert raises a deployment-failed alert in C0000001 and waits for its message. */
async function openAlert(run: string): Promise<number> {
  monitor().onInventoryEvent({
    id: `ev-${run}`,
    type: 'deployment.failed',
    time: new Date().toISOString(),
    certificate: `cert-${run}`,
    data: { deployment: 'web-1', runId: run, error: 'reload failed' },
  });
  await h.slack.waitFor('chat.postMessage', (c) => String(c.args['text']).includes(`cert-${run}`));
  return monitor()
    .alerts.open()
    .find((a) => a.label === `cert-${run}`)!.id;
}

describe('/cert watch and /cert unwatch', () => {
  test('watch adds the name to the watchlist with this channel; unwatch removes it', async () => {
    const r = await send(h.eventsUrl, slashCommand('watch Shop.Example.TEST:8443', { channel: 'C0000042' }));
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.json)).toContain('Watching shop.example.test:8443');
    expect(monitor().watchlist()).toContainEqual(
      expect.objectContaining({ key: 'shop.example.test:8443', channel: 'C0000042', source: 'watch' }),
    );
    const again = await send(h.eventsUrl, slashCommand('watch shop.example.test:8443'));
    expect(JSON.stringify(again.json)).toContain('already watched');
    const gone = await send(h.eventsUrl, slashCommand('unwatch shop.example.test:8443'));
    expect(JSON.stringify(gone.json)).toContain('Stopped watching');
    expect(
      monitor()
        .watchlist()
        .map((e) => e.key),
    ).not.toContain('shop.example.test:8443');
  });

  test.each(['watch', 'watch a.example.test b.example.test', 'watch not_a_name!', 'unwatch *.example.test'])(
    '%j answers with the usage',
    async (text) => {
      const r = await send(h.eventsUrl, slashCommand(text));
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.json)).toContain('/cert watch');
      expect(monitor().watchlist()).toHaveLength(0);
    },
  );
});

describe('Acknowledge and Snooze buttons', () => {
  test('Acknowledge updates the alert with who acknowledged it', async () => {
    const id = await openAlert('a1');
    const r = await send(h.eventsUrl, blockAction('alert.ack', String(id), { user: 'U0000002' }));
    expect(r.status).toBe(200);
    const update = await h.slack.waitFor('chat.update');
    expect(JSON.stringify(update.args['blocks'])).toContain('Acknowledged by <@U0000002>');
    expect(monitor().alerts.get(id)?.ackedBy).toBe('U0000002');
  });

  test('Snooze one week is recorded and shown', async () => {
    const id = await openAlert('s1');
    await send(h.eventsUrl, snoozeSelect(`${id}:1w`));
    const update = await h.slack.waitFor('chat.update');
    expect(JSON.stringify(update.args['blocks'])).toContain('Snoozed until');
    expect(monitor().alerts.get(id)?.snoozedBy).toBe('U0000003');
  });

  test('a click from another channel or on an unknown alert is refused, from stored state', async () => {
    const id = await openAlert('x1');
    await send(h.eventsUrl, blockAction('alert.ack', String(id), { channel: 'C0000099' }));
    const refusal = await h.slack.waitFor('chat.postEphemeral');
    expect(String(refusal.args['text'])).toContain('another channel');
    await send(h.eventsUrl, blockAction('alert.ack', '99999'));
    await h.slack.waitFor('chat.postEphemeral', (c) => String(c.args['text']).includes('no longer exists'));
    await send(h.eventsUrl, snoozeSelect(`${id}:forever`));
    expect(h.slack.callsOf('chat.update')).toHaveLength(0);
    expect(monitor().alerts.get(id)?.ackedBy).toBeUndefined();
  });
});

describe('App Home', () => {
  test('lists the open alerts and the names watched from chat', async () => {
    await openAlert('h1');
    await send(h.eventsUrl, slashCommand('watch home.example.test'));
    await send(h.eventsUrl, eventCallback({ type: 'app_home_opened', user: 'U0000001', tab: 'home' }));
    const view = JSON.stringify((await h.slack.waitFor('views.publish')).args['view']);
    expect(view).toMatch(/Open alerts \(\d+\)/);
    expect(view).toContain('Deployment failed: cert-h1');
    expect(view).toContain('home.example.test:443');
    await send(h.eventsUrl, slashCommand('unwatch home.example.test'));
  });
});
