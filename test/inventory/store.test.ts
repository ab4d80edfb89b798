import { expect, test } from 'vitest';
import { baseInventory } from '../checks/automation/helpers.js';
import { inventoryStore } from '../support/automation.js';

test('old events and runs are pruned; the newest 50 runs of a deployment and running jobs stay', () => {
  const { store, clock, db } = inventoryStore(baseInventory());
  for (let i = 0; i < 60; i++) {
    const t = new Date(Date.parse('2026-01-01T00:00:00Z') + i * 3_600_000).toISOString();
    store.record({
      id: `s${i}`,
      type: 'deployment.started',
      time: t,
      certificate: 'shop',
      data: { deployment: 'k8s-shop', runId: `r${i}` },
    });
    if (i < 59)
      store.record({
        id: `d${i}`,
        type: 'deployment.succeeded',
        time: t,
        certificate: 'shop',
        data: { deployment: 'k8s-shop', runId: `r${i}` },
      });
  }
  expect(store.eventCount()).toBe(119);
  clock.advance(91 * 86_400_000);
  store.prune();
  expect(store.eventCount()).toBe(0);
  const runs = store.deployment('k8s-shop')!.runs;
  expect(runs).toHaveLength(50);
  expect(runs.at(-1)).toMatchObject({ runId: 'r59', result: 'running' });
  // A pruned id may come again later: it is a new event then, outside any replay window.
  expect(
    store.record({
      id: 'd0',
      type: 'renewal.scheduled',
      time: new Date(clock.now()).toISOString(),
      certificate: 'shop',
      data: { scheduledFor: '2027-01-01T00:00:00.000Z' },
    }),
  ).toBe('stored');
  db.close();
});
