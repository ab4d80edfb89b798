import { afterEach, describe, expect, test } from 'vitest';
import { maxLifetimeDays } from '../../../src/checks/automation/renewal.js';
import type { Report } from '../../../src/core/finding.js';
import { baseInventory, find, type Harness, harness, type Inv } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const renewalCodes = (r: Report) => r.findings.map((f) => f.code).filter((c) => c.startsWith('renewal.'));
const issued = (i: Inv, notBefore: string, notAfter: string) =>
  (i.certificates[0].issued = { serial: '0a1b', notBefore, notAfter });

describe('renewal schedule (runbook step 7)', () => {
  test('a healthy policy outside its window gives no renewal finding', async () => {
    h = await harness(baseInventory());
    expect(renewalCodes(await h.run())).toEqual([]);
  });

  test('inside the window with nothing happening is renewal.not_triggered; a scheduled renewal clears it', async () => {
    h = await harness(baseInventory((i) => issued(i, '2026-09-11T00:00:00Z', '2026-12-10T00:00:00Z')));
    let r = await h.run();
    expect(renewalCodes(r)).toEqual(['renewal.not_triggered']);
    expect(find(r, 'renewal.not_triggered').evidence).toMatchObject({ notAfter: '2026-12-10T00:00:00Z' });
    h.event({
      id: 'sched-1',
      type: 'renewal.scheduled',
      time: '2026-11-27T09:00:00.000Z',
      certificate: 'shop',
      data: { scheduledFor: '2026-11-28T03:00:00.000Z' },
    });
    expect(renewalCodes(await h.run())).toEqual([]);
    // The scheduled run is overdue by more than the grace period and no order followed.
    h.clock.set(Date.parse('2026-11-29T06:00:00Z'));
    r = await h.run();
    expect(renewalCodes(r)).toEqual(['renewal.not_triggered']);
    expect(find(r, 'renewal.not_triggered').detail).toContain('no order followed');
    h.event({
      id: 'order-1',
      type: 'order.status',
      time: '2026-11-29T05:00:00.000Z',
      certificate: 'shop',
      data: { status: 'pending', orderId: 'o-17' },
    });
    expect(renewalCodes(await h.run())).toEqual([]);
  });

  test('a certificate.issued event moves expiry out of the window', async () => {
    h = await harness(baseInventory((i) => issued(i, '2026-09-11T00:00:00Z', '2026-12-10T00:00:00Z')));
    h.event({
      id: 'iss-1',
      type: 'certificate.issued',
      time: '2026-11-27T08:00:00.000Z',
      certificate: 'shop.example.test',
      data: { serial: '0c0d', notBefore: '2026-11-27T07:00:00.000Z', notAfter: '2027-02-25T07:00:00.000Z' },
    });
    expect(renewalCodes(await h.run())).toEqual([]);
  });

  test('a 10-day window on a 200-day certificate is renewal.window_too_short, suggesting fractions', async () => {
    h = await harness(
      baseInventory((i) => {
        issued(i, '2026-11-01T00:00:00Z', '2027-05-20T00:00:00Z');
        i.certificates[0].renewal = { windowDays: 10, retries: { count: 2 }, schedule: { at: '03:00' } };
      }),
    );
    const r = await h.run();
    expect(renewalCodes(r)).toEqual(['renewal.window_too_short']);
    const f = find(r, 'renewal.window_too_short');
    expect(f.evidence).toMatchObject({ windowDays: 10, lifetimeDays: 200 });
    expect(f.fixes[0]).toContain('windowFraction: 0.33');
    expect(f.fixes[0]).toContain('47-day');
  });

  test('retries that outlast the window are renewal.window_too_short', async () => {
    h = await harness(
      baseInventory((i) => {
        i.certificates[0].renewal = {
          windowFraction: 0.33,
          retries: { count: 5, backoffMinutes: 1440, factor: 2 },
        };
      }),
    );
    const r = await h.run();
    expect(renewalCodes(r)).toEqual(['renewal.window_too_short']);
    expect(find(r, 'renewal.window_too_short').evidence).toMatchObject({ retrySpanDays: 31 });
  });

  test('a fixed 30-day window on a 6-day certificate is renewal.window_exceeds_lifetime', async () => {
    h = await harness(
      baseInventory((i) => {
        issued(i, '2026-11-26T00:00:00Z', '2026-12-02T00:00:00Z');
        i.certificates[0].renewal = { windowDays: 30, retries: { count: 2 } };
      }),
    );
    const r = await h.run();
    expect(renewalCodes(r)).toContain('renewal.window_exceeds_lifetime');
    expect(find(r, 'renewal.window_exceeds_lifetime').evidence).toMatchObject({ lifetimeDays: 6 });
  });

  test('a schedule in Europe/Berlin is renewal.schedule_timezone', async () => {
    h = await harness(
      baseInventory((i) => (i.certificates[0].renewal.schedule = { cron: '0 3 * * *', timezone: 'Europe/Berlin' })),
    );
    expect(renewalCodes(await h.run())).toEqual(['renewal.schedule_timezone']);
  });

  test('no retries, or zero, is renewal.no_retry', async () => {
    h = await harness(baseInventory((i) => delete i.certificates[0].renewal.retries));
    expect(renewalCodes(await h.run())).toEqual(['renewal.no_retry']);
    await h.close();
    h = await harness(baseInventory((i) => (i.certificates[0].renewal.retries = { count: 0 })));
    expect(renewalCodes(await h.run())).toEqual(['renewal.no_retry']);
  });

  test('maximum lifetimes follow ballot SC-081', () => {
    expect(maxLifetimeDays(Date.parse('2026-03-14T23:59:59Z'))).toBe(398);
    expect(maxLifetimeDays(Date.parse('2026-03-15T00:00:00Z'))).toBe(200);
    expect(maxLifetimeDays(Date.parse('2027-03-15T00:00:00Z'))).toBe(100);
    expect(maxLifetimeDays(Date.parse('2029-03-15T00:00:00Z'))).toBe(47);
  });
});
