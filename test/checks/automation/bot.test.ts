import { afterEach, describe, expect, test } from 'vitest';
import { codes } from '../../support/world.js';
import { baseInventory, find, type Harness, harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const botCodes = (r: { findings: { code: string }[] }) => codes(r as never).filter((c) => c.startsWith('bot.'));

describe('provisioning bot (runbook step 1)', () => {
  test('a healthy, recently seen provisioning bot gives no bot finding and the check runs', async () => {
    h = await harness(baseInventory());
    const r = await h.run();
    expect(r.checks).toEqual([expect.objectContaining({ name: 'automation', state: 'ran' })]);
    expect(botCodes(r)).toEqual([]);
  });

  test('a stopped bot is bot.inactive (critical)', async () => {
    h = await harness(baseInventory((i) => (i.bots[0].status = 'stopped')));
    const r = await h.run();
    expect(botCodes(r)).toEqual(['bot.inactive']);
    expect(find(r, 'bot.inactive').severity).toBe('critical');
  });

  test('a discovery bot is bot.wrong_purpose', async () => {
    h = await harness(baseInventory((i) => (i.bots[0].purpose = 'discovery')));
    expect(botCodes(await h.run())).toEqual(['bot.wrong_purpose']);
  });

  test('three missed heartbeat intervals is bot.heartbeat_stale; a signed heartbeat event clears it', async () => {
    h = await harness(baseInventory((i) => (i.bots[0].lastHeartbeat = '2026-11-27T09:00:00Z')));
    const r = await h.run();
    expect(botCodes(r)).toEqual(['bot.heartbeat_stale']);
    expect(find(r, 'bot.heartbeat_stale').evidence).toMatchObject({ bot: 'bot-1', minutesSince: 60 });
    h.event({ id: 'hb-1', type: 'bot.heartbeat', time: '2026-11-27T09:58:00.000Z', data: { bot: 'bot-1' } });
    expect(botCodes(await h.run())).toEqual([]);
  });

  test('a bot that never reported is bot.heartbeat_stale', async () => {
    h = await harness(baseInventory((i) => delete i.bots[0].lastHeartbeat));
    expect(botCodes(await h.run())).toEqual(['bot.heartbeat_stale']);
  });

  test('an expired token is bot.token_expired, one expiring within 14 days bot.token_expiring', async () => {
    h = await harness(baseInventory((i) => (i.bots[0].tokenExpiresAt = '2026-11-20T00:00:00Z')));
    expect(botCodes(await h.run())).toEqual(['bot.token_expired']);
    await h.close();
    h = await harness(baseInventory((i) => (i.bots[0].tokenExpiresAt = '2026-12-03T10:00:00Z')));
    const r = await h.run();
    expect(botCodes(r)).toEqual(['bot.token_expiring']);
    expect(r.findings.find((f) => f.code === 'bot.token_expiring')!.evidence).toMatchObject({ daysLeft: 6 });
  });

  test('a heartbeat event can carry a new token expiry', async () => {
    h = await harness(baseInventory((i) => (i.bots[0].tokenExpiresAt = '2026-11-20T00:00:00Z')));
    h.event({
      id: 'hb-2',
      type: 'bot.heartbeat',
      time: '2026-11-27T09:59:00.000Z',
      data: { bot: 'bot-1', tokenExpiresAt: '2027-11-20T00:00:00.000Z' },
    });
    expect(botCodes(await h.run())).toEqual([]);
  });

  test('a 03:00 Europe/Berlin schedule against a 08:00-18:00 UTC window is bot.unavailable_at_schedule', async () => {
    h = await harness(
      baseInventory((i) => {
        i.bots[0].availability = [{ from: '08:00', to: '18:00', timezone: 'UTC' }];
        i.certificates[0].renewal.schedule = { at: '03:00', timezone: 'UTC' };
      }),
    );
    const r = await h.run();
    expect(botCodes(r)).toEqual(['bot.unavailable_at_schedule']);
    expect((find(r, 'bot.unavailable_at_schedule').evidence as { outside: string[] }).outside[0]).toBe(
      '2026-11-28 03:00 UTC',
    );
  });

  test('a schedule inside an overnight window in another zone is fine', async () => {
    h = await harness(
      baseInventory((i) => {
        i.bots[0].availability = [{ from: '22:00', to: '06:00', timezone: 'Europe/Berlin' }];
        i.certificates[0].renewal.schedule = { cron: '30 2 * * *', timezone: 'UTC' };
      }),
    );
    expect(botCodes(await h.run())).toEqual([]);
  });

  test('weekday-only availability catches the weekend runs of a daily cron', async () => {
    h = await harness(
      baseInventory((i) => {
        i.bots[0].availability = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '00:00', to: '23:59' }];
      }),
    );
    const r = await h.run();
    expect(botCodes(r)).toEqual(['bot.unavailable_at_schedule']);
    expect((find(r, 'bot.unavailable_at_schedule').evidence as { outside: string[] }).outside[0]).toBe(
      '2026-11-28 03:00 UTC',
    );
  });
});
