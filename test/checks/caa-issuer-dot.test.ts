/**
 * An issuer domain with a trailing dot (`0 issue "letsencrypt.org."`, a common DNS-UI habit) is
 * outside the RFC 8659 §4.2 grammar and does not match at Let's Encrypt (Boulder compares the
 * issuer domain exactly): caa.malformed, and the CA is not authorized by it.
 */
import { afterEach, expect, test } from 'vitest';
import { caaCheck, parseIssueValue } from '../../src/checks/caa.js';
import { resolveCa } from '../../src/core/cas.js';
import { codes, request, run, startWorld, type World } from '../support/world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

test('parseIssueValue refuses a trailing dot', () => {
  expect(parseIssueValue('letsencrypt.org.')).toHaveProperty('error');
  expect(parseIssueValue('letsencrypt.org.; validationmethods=dns-01')).toHaveProperty('error');
  expect(parseIssueValue('letsencrypt.org')).toEqual({ domain: 'letsencrypt.org', params: {} });
});

test('a record for "letsencrypt.org." does not authorize Let\'s Encrypt', async () => {
  world = await startWorld({
    records: ['example.test CAA 0 issue "letsencrypt.org."', 'shop.example.test A 203.0.114.1'],
  });
  const report = await run(world, request('shop.example.test', { ca: resolveCa('letsencrypt') }), [caaCheck]);
  expect(codes(report).sort()).toEqual(['caa.forbids_ca', 'caa.malformed']);
});
