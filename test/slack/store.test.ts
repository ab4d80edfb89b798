import { describe, expect, test } from 'vitest';
import { finding } from '../../src/core/catalog.js';
import { ManualClock } from '../../src/core/clock.js';
import { makeReport } from '../../src/core/finding.js';
import { openStore } from '../../src/store/db.js';
import { SlackStore } from '../../src/store/slack.js';

function setup() {
  const clock = new ManualClock(Date.parse('2026-11-27T10:00:00Z'));
  return { clock, store: new SlackStore(openStore(':memory:'), clock) };
}
const req = { name: 'a.example.test', wildcard: false, method: 'http-01' as const };

describe('SlackStore', () => {
  test('reports, runs and the run claim (double clicks, stale claims)', () => {
    const { clock, store } = setup();
    const id = store.createReport({ target: 'a.example.test', request: req, channelId: 'C1', requestedBy: 'U1' });
    expect(store.get(id)?.report).toBeUndefined();
    expect(store.claimRun(id)).toBe(false);
    const r1 = makeReport('a.example.test', [finding('dns.timeout', 'x')], [], {}, 1);
    expect(store.finishRun(id, r1, 'U1')).toEqual({ previous: [], run: 1 });
    expect(store.claimRun(id)).toBe(true);
    expect(store.claimRun(id)).toBe(false);
    clock.advance(121_000);
    expect(store.claimRun(id)).toBe(true);
    const r2 = makeReport('a.example.test', [], [], {}, 1);
    expect(store.finishRun(id, r2, 'U2')).toEqual({ previous: ['dns.timeout'], run: 2 });
    expect(store.get(id)).toMatchObject({ status: 'ok', runs: 2, codes: [] });
    expect(store.get('../x')).toBeUndefined();
  });

  test('rate limit: N per window per user', () => {
    const { clock, store } = setup();
    expect(store.takeRateToken('U1', 2, 60_000)).toBe(0);
    clock.advance(10_000);
    expect(store.takeRateToken('U1', 2, 60_000)).toBe(0);
    expect(store.takeRateToken('U1', 2, 60_000)).toBe(50_000);
    expect(store.takeRateToken('U2', 2, 60_000)).toBe(0);
    clock.advance(50_001);
    expect(store.takeRateToken('U1', 2, 60_000)).toBe(0);
  });

  test('escalations are recorded once per view; open incidents follow the latest run per name', () => {
    const { clock, store } = setup();
    const id = store.createReport({ target: 'a.example.test', request: req, teamId: 'T1', requestedBy: 'U1' });
    store.finishRun(id, makeReport('a.example.test', [finding('dns.timeout', 'x')], [], {}, 1), 'U1');
    expect(store.recordEscalation({ viewId: 'V1', reportId: id, userId: 'U1', channelId: 'C9', changes: '' })).toBe(
      true,
    );
    expect(store.recordEscalation({ viewId: 'V1', reportId: id, userId: 'U1', channelId: 'C9', changes: '' })).toBe(
      false,
    );
    expect(store.openIncidents('T1').map((r) => r.id)).toEqual([id]);
    clock.advance(1000);
    const later = store.createReport({ target: 'a.example.test', request: req, teamId: 'T1', requestedBy: 'U1' });
    store.finishRun(later, makeReport('a.example.test', [], [], {}, 1), 'U1');
    expect(store.openIncidents('T1')).toEqual([]);
    expect(store.recent('T1').map((r) => r.id)).toEqual([later, id]);
    expect(store.recent('T2')).toEqual([]);
  });
});
