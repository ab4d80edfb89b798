import { afterEach, describe, expect, test } from 'vitest';
import { errorFindings, nameRiskFindings, riskCheck, riskMatches } from '../../src/checks/risk.js';
import { diagnose } from '../../src/diagnose.js';
import { codes, request, startWorld, type World } from '../support/world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('risk: names CAs are likely to review', () => {
  test('a brand plus a phishing word is risk.manual_review_likely, worded as a likelihood', () => {
    const f = nameRiskFindings('paypal-login.example.com', ['paypal', 'login']);
    expect(f.map((x) => x.code)).toEqual(['risk.manual_review_likely']);
    expect(f[0]!.detail).toContain('likelihood');
    expect(f[0]!.fixes.join(' ')).toMatch(/OV or EV/);
  });

  test('look-alike spellings are caught and said so', () => {
    const m = riskMatches('secure-paypa1.example.com', ['paypal']);
    expect(m).toEqual([{ keyword: 'paypal', label: 'secure-paypa1', lookalike: true }]);
  });

  test('short keywords match whole tokens only', () => {
    expect(riskMatches('groups.example.com', ['ups'])).toEqual([]);
    expect(riskMatches('ups-tracking.example.com', ['ups'])).toHaveLength(1);
  });

  test('an ordinary name gives nothing; IDN labels and reviewed TLDs are flagged', () => {
    expect(nameRiskFindings('shop.example.com', ['paypal'])).toEqual([]);
    expect(nameRiskFindings('xn--pypal-4ve.example.com', [])).toHaveLength(1);
    expect(nameRiskFindings('shop.example.tk', [])).toHaveLength(1);
  });
});

describe('risk: what a pasted CA error says', () => {
  test("Let's Encrypt's rate-limit error gives acme.rate_limited with the retry time", () => {
    const err =
      'urn:ietf:params:acme:error:rateLimited: Error creating new order :: too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after 2026-11-28 10:00:00 UTC';
    const f = errorFindings(err, 'shop.example.com');
    expect(f.map((x) => x.code)).toEqual(['acme.rate_limited']);
    expect(f[0]!.evidence['retryAfter']).toBe('2026-11-28 10:00:00 UTC');
    expect(f[0]!.fixes[0]).toContain('2026-11-28');
  });

  test('failed-validation limits point at fixing validation first', () => {
    const f = errorFindings('too many failed authorizations recently', 'x.example.com');
    expect(f.map((x) => x.code)).toEqual(['acme.rate_limited']);
    expect(f[0]!.fixes.join(' ')).toContain('--method');
  });

  test('issued-but-pending gives order.status_sync_delay (info)', () => {
    const f = errorFindings('CA reports the certificate was issued but the order status is still pending', 'a.b.com');
    expect(f.map((x) => x.code)).toEqual(['order.status_sync_delay']);
    expect(f[0]!.severity).toBe('info');
  });

  test('a review message gives risk.manual_review_likely; an unrelated error gives nothing', () => {
    expect(
      errorFindings('Your order is pending manual review by our validation team', 'a.b.com').map((x) => x.code),
    ).toEqual(['risk.manual_review_likely']);
    expect(errorFindings('urn:ietf:params:acme:error:dns: NXDOMAIN looking up A for a.b.com', 'a.b.com')).toEqual([]);
  });
});

describe('risk check in a diagnosis', () => {
  test('runs with the configured keywords and the --error text', async () => {
    world = await startWorld({ records: [] });
    const r = await diagnose(
      request('acme-wallet.example.test', { error: 'HTTP 429: rate limit exceeded, Retry-After: 3600' }),
      { resolvers: [world.resolver.address], checks: [riskCheck], riskKeywords: ['wallet'] },
    );
    expect(codes(r).sort()).toEqual(['acme.rate_limited', 'risk.manual_review_likely']);
    expect(r.facts['caError']).toMatchObject({ recognised: ['acme.rate_limited'] });
    const plain = await diagnose(request('acme-wallet.example.test'), {
      resolvers: [world.resolver.address],
      checks: [riskCheck],
      riskKeywords: [],
    });
    expect(codes(plain)).toEqual([]);
    expect(plain.checks).toEqual([expect.objectContaining({ name: 'risk', state: 'ran' })]);
  });
});
