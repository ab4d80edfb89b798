import { afterEach, describe, expect, test } from 'vitest';
import { automationCheck } from '../../../src/checks/automation/index.js';
import { CHECKS, diagnose } from '../../../src/diagnose.js';
import { request } from '../../support/world.js';
import { baseInventory, type Harness, harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the automation check', () => {
  test('is registered in CHECKS', () => {
    expect(CHECKS).toContain(automationCheck);
  });

  test('a healthy inventory entry gives no finding and an all-ok chain', async () => {
    h = await harness(baseInventory());
    const r = await h.run();
    expect(r.findings).toEqual([]);
    expect(r.checks).toEqual([expect.objectContaining({ name: 'automation', state: 'ran' })]);
    const chain = (r.facts['automation'] as { chain: { link: string; state: string }[] }).chain;
    expect(chain.map((l) => [l.link, l.state])).toEqual([
      ['bot', 'ok'],
      ['connector', 'ok'],
      ['order', 'unknown'],
      ['deployment', 'ok'],
      ['renewal', 'ok'],
    ]);
  });

  test('the failing link is marked in the chain', async () => {
    h = await harness(baseInventory((i) => (i.connectors[0].active = false)));
    const r = await h.run();
    const chain = (r.facts['automation'] as { chain: { link: string; state: string; codes: string[] }[] }).chain;
    expect(chain.find((l) => l.link === 'connector')).toMatchObject({
      state: 'failing',
      codes: ['connector.inactive'],
    });
  });

  test('a name not in the inventory is skipped with the reason', async () => {
    h = await harness(baseInventory(), ['other.example.test A 127.0.0.1'], 'other.example.test');
    const r = await h.run();
    expect(r.checks).toEqual([
      expect.objectContaining({
        name: 'automation',
        state: 'skipped',
        reason: 'other.example.test is not in the inventory',
      }),
    ]);
  });

  test('a wildcard certificate is found by its base name with --wildcard', async () => {
    h = await harness(baseInventory((i) => (i.certificates[0].names = ['*.example.test'])));
    const r = await diagnose(request('example.test', { wildcard: true }), {
      resolvers: [h.world.resolver.address],
      clock: h.clock,
      checks: [automationCheck],
      services: { inventory: h.store },
    });
    expect(r.checks[0]).toMatchObject({ state: 'ran' });
  });

  test('without an inventory the check is skipped, never ok', async () => {
    h = await harness(baseInventory());
    const r = await diagnose(request('shop.example.test'), {
      resolvers: [h.world.resolver.address],
      checks: [automationCheck],
    });
    expect(r.checks).toEqual([
      expect.objectContaining({ name: 'automation', state: 'skipped', reason: 'no inventory is configured' }),
    ]);
  });
});
