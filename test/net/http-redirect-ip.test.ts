/**
 * Redirects to IP literals as Let's Encrypt judges them today (Boulder va/http.go
 * extractRequestTarget, since IP identifiers): a public address is followed, a reserved, private
 * or loopback one is refused. Only the judgement is tested: no test connects outside loopback.
 */
import { expect, test } from 'vitest';
import { redirectTarget } from '../../src/net/http.js';

const base = new URL('http://shop.example.test/.well-known/acme-challenge/t');

test.each([
  ['http://8.8.8.8/.well-known/acme-challenge/t', true],
  ['https://[2606:4700:4700::1111]/x', true],
  ['http://127.0.0.10/x', false],
  ['http://10.1.2.3/x', false],
  ['http://192.0.2.1/x', false],
  ['http://[::1]/x', false],
  ['http://[fe80::1]/x', false],
  ['http://8.8.8.8:8080/x', false],
])('%s followed: %s', (location, followed) => {
  const r = redirectTarget(location, base);
  expect('url' in r).toBe(followed);
  if (!followed && !location.includes(':8080')) expect((r as { reason: string }).reason).toMatch(/non-public/);
});
