/** Socket Mode end to end: apps.connections.open on the fake API, hello, envelopes and their acks. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeSlack } from '../support/fake-slack.js';
import { FakeSocketMode } from '../support/fake-socket-mode.js';
import { APP_TOKEN, type Harness, startHarness } from '../support/slack-app.js';

let h: Harness;
let socket: FakeSocketMode;
beforeAll(async () => {
  const slack = await startFakeSlack();
  socket = await new FakeSocketMode().start(slack);
  h = await startHarness({
    mode: 'socket',
    slack,
    world: { records: ['locked.example.test A 127.0.0.12', 'locked.example.test CAA 0 issue ";"'] },
  });
  await socket.waitForConnection();
});
afterAll(async () => {
  await h.close();
  await socket.close();
  await h.slack.close();
});

describe('Socket Mode', () => {
  test('connects with the app token through apps.connections.open on SLACK_API_URL', () => {
    const open = h.slack.callsOf('apps.connections.open');
    expect(open.length).toBeGreaterThanOrEqual(1);
    expect(open[0]!.token).toBe(APP_TOKEN);
    expect(socket.connections).toBeGreaterThanOrEqual(1);
  });

  test('a slash command envelope is acked, then the report is posted and updated', async () => {
    const ack = await socket.send('slash_commands', {
      command: '/cert',
      text: 'diagnose locked.example.test',
      user_id: 'U0000001',
      channel_id: 'C0000001',
      team_id: 'T0000001',
      api_app_id: 'A0000001',
      response_url: h.slack.responseUrl('s'),
      trigger_id: 't',
    });
    expect(ack.envelope_id).toMatch(/^env-/);
    const update = await h.slack.waitFor('chat.update');
    expect(JSON.stringify(update.args['blocks'])).toContain('caa.forbids_ca');
  });

  test('a usage error comes back as the ack payload', async () => {
    const ack = await socket.send('slash_commands', {
      command: '/cert',
      text: 'diagnose --resolver 1.1.1.1',
      user_id: 'U0000001',
      channel_id: 'C0000001',
      team_id: 'T0000001',
      response_url: h.slack.responseUrl('s2'),
      trigger_id: 't',
    });
    expect((ack.payload as { response_type: string }).response_type).toBe('ephemeral');
  });

  test('events are acked and handled (App Home)', async () => {
    const ack = await socket.send('events_api', {
      type: 'event_callback',
      team_id: 'T0000001',
      api_app_id: 'A0000001',
      event_id: 'Ev1',
      event_time: 1,
      event: { type: 'app_home_opened', user: 'U0000001', channel: 'D1', tab: 'home', event_ts: '1' },
    });
    expect(ack.envelope_id).toMatch(/^\S+$/);
    const pub = await h.slack.waitFor('views.publish');
    expect(JSON.stringify(pub.args['view'])).toContain('locked.example.test');
  });
});
