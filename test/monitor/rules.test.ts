import { describe, expect, test } from 'vitest';
import { finding } from '../../src/core/catalog.js';
import { makeReport } from '../../src/core/finding.js';
import { evaluate, expiryProblem, policyFor, type ServedLeaf } from '../../src/monitor/rules.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-27T12:00:00Z');

/** leaf returns a served leaf of `lifetime` days with `left` days remaining. */
function leaf(lifetime: number, left: number, serial = '01', address = '127.0.0.1'): ServedLeaf {
  const notAfterMs = NOW + left * DAY;
  return { address, serial, notBeforeMs: notAfterMs - lifetime * DAY, notAfterMs };
}

describe('expiry thresholds: days left AND fraction of lifetime', () => {
  test.each([
    // lifetime, days left, expected severity (undefined: no alert)
    [90, 31, undefined],
    [90, 29, 'warning'],
    [90, 8, 'warning'],
    [90, 6, 'critical'],
    [47, 16, undefined],
    [47, 15, 'warning'],
    [47, 4.5, 'critical'],
    [6, 2.1, undefined],
    [6, 1.9, 'warning'],
    [6, 0.5, 'critical'],
    [365, 29, 'warning'],
  ])('%i-day certificate with %f days left -> %s', (lifetime, left, severity) => {
    expect(expiryProblem([leaf(lifetime, left)], NOW)?.severity).toBe(severity);
  });

  test('expired is critical tls.expired', () => {
    expect(expiryProblem([leaf(90, -1)], NOW)).toMatchObject({ severity: 'critical', code: 'tls.expired' });
  });

  test('per-target overrides replace the defaults', () => {
    expect(expiryProblem([leaf(90, 40)], NOW, { warnDays: 45, warnFraction: 0.5 })?.severity).toBe('warning');
    expect(expiryProblem([leaf(90, 20)], NOW, { warnDays: 10 })).toBeUndefined();
    expect(policyFor({ criticalDays: 3 }).criticalMaxMs).toBe(3 * DAY);
  });

  test('the worst address decides; the fingerprint changes with the days left', () => {
    const a = expiryProblem([leaf(90, 60, 'aa', '127.0.0.1'), leaf(90, 10, 'bb', '127.0.0.2')], NOW)!;
    expect(a).toMatchObject({ serial: 'bb', daysLeft: 10 });
    expect(a.summary).toContain('127.0.0.2');
    const b = expiryProblem([leaf(90, 9, 'bb')], NOW)!;
    expect(b.fingerprint).not.toBe(a.fingerprint);
  });
});

describe('evaluate', () => {
  const leafFacts = (left: number) => ({
    addresses: [
      {
        address: '127.0.0.1',
        tls: {
          serial: '0a',
          notBefore: new Date(NOW + (left - 90) * DAY).toISOString(),
          notAfter: new Date(NOW + left * DAY).toISOString(),
        },
      },
    ],
  });

  test('problems come from findings of checks that ran; unevaluated problems are left alone', () => {
    const report = makeReport(
      'shop.example.test:443',
      [
        finding('tls.incomplete_chain', 'no intermediate', { address: '127.0.0.1' }),
        finding('caa.forbids_ca', 'CAA at example.test forbids letsencrypt.org'),
      ],
      [
        { name: 'dns', state: 'ran' },
        { name: 'endpoint', state: 'ran' },
        { name: 'caa', state: 'ran' },
      ],
      leafFacts(5),
      10,
    );
    const ev = evaluate(report, NOW);
    expect(ev.problems.map((p) => [p.kind, p.severity]).sort()).toEqual([
      ['caa_forbids', 'critical'],
      ['chain', 'critical'],
      ['expiry', 'critical'],
    ]);
    expect(ev.evaluated.has('deploy_stuck')).toBe(false);
  });

  test('a target that did not complete a handshake judges no certificate problem', () => {
    const report = makeReport(
      'down.example.test:443',
      [finding('tls.connect_failed', 'refused', { address: '127.0.0.1' })],
      [{ name: 'endpoint', state: 'ran' }],
      { addresses: [{ address: '127.0.0.1' }] },
      10,
    );
    const ev = evaluate(report, NOW);
    expect(ev.problems).toEqual([]);
    expect(ev.evaluated.has('expiry')).toBe(false);
    expect(ev.evaluated.has('chain')).toBe(false);
  });
});
