/**
 * Without --ca, CAA still judges what was given: an --account-uri that no record allows is
 * caa.forbids_ca (DESIGN.md, RFC 8657 §3), and a set whose validationmethods exclude the method is
 * caa.method_restricted without a contradicting caa.permits.
 */
import { afterEach, expect, test } from 'vitest';
import { caaCheck } from '../../src/checks/caa.js';
import { codes, request, run, startWorld, type World } from '../support/world.js';

const ACCT = 'https://acme-v02.api.letsencrypt.org/acme/acct/4242';
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function caa(record: string, extra: Parameters<typeof request>[1]) {
  world = await startWorld({ records: [`example.test CAA ${record}`, 'shop.example.test A 203.0.114.1'] });
  return run(world, request('shop.example.test', extra), [caaCheck]);
}

test('--account-uri of another account, no --ca: caa.forbids_ca', async () => {
  const r = await caa(`0 issue "letsencrypt.org; accounturi=${ACCT}"`, {
    accountUri: 'https://acme-v02.api.letsencrypt.org/acme/acct/1',
  });
  expect(codes(r)).toEqual(['caa.forbids_ca']);
});

test('--account-uri of the allowed account, no --ca: permitted without a restriction warning', async () => {
  const r = await caa(`0 issue "letsencrypt.org; accounturi=${ACCT}"`, { accountUri: ACCT });
  expect(codes(r)).toEqual(['caa.permits']);
});

test('validationmethods excluding the method, no --ca: caa.method_restricted and no caa.permits', async () => {
  const r = await caa('0 issue "letsencrypt.org; validationmethods=dns-01"', { method: 'http-01' });
  expect(codes(r)).toEqual(['caa.method_restricted']);
});
