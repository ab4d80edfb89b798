import { afterEach, describe, expect, test } from 'vitest';
import { caaCheck, parseIssueValue } from '../../src/checks/caa.js';
import { resolveCa } from '../../src/core/cas.js';
import { codes, request, run, startWorld, type World } from '../support/world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function caa(
  records: string[],
  req = request('shop.example.test'),
  rules = [] as Parameters<typeof startWorld>[0]['rules'],
) {
  world = await startWorld({ records: ['shop.example.test A 203.0.114.10', ...records], rules: rules ?? [] });
  return run(world, req, [caaCheck]);
}

describe('relevant set selection (RFC 8659 §3, erratum 5065)', () => {
  test('no CAA anywhere permits every CA', async () => {
    const report = await caa([]);
    expect(codes(report)).toEqual(['caa.permits']);
    expect(report.findings[0]!.evidence).toMatchObject({ issuers: [] });
    expect(report.status).toBe('ok');
  });

  test('a parent set applies and names its zone; the CA it lists is permitted', async () => {
    const report = await caa(
      ['example.test CAA 0 issue "letsencrypt.org"'],
      request('shop.example.test', { ca: resolveCa('letsencrypt') }),
    );
    expect(codes(report)).toEqual(['caa.permits']);
    expect(report.findings[0]!.evidence).toMatchObject({ foundAt: 'example.test', issuers: ['letsencrypt.org'] });
  });

  test('a parent set that excludes the CA gives caa.forbids_ca with the exact record to add', async () => {
    const report = await caa(
      ['example.test CAA 0 issue "digicert.com"'],
      request('shop.example.test', { ca: resolveCa('letsencrypt') }),
    );
    expect(codes(report)).toEqual(['caa.forbids_ca']);
    const f = report.findings[0]!;
    expect(f.detail).toContain('example.test');
    expect(f.detail).toContain('0 issue "digicert.com"');
    expect(f.fixes.join('\n')).toContain('example.test. CAA 0 issue "letsencrypt.org"');
    expect(f.fixes.join('\n')).toContain('shop.example.test. CAA 0 issue "letsencrypt.org"');
  });

  test('the set at the name itself wins over the parent', async () => {
    const report = await caa(
      ['example.test CAA 0 issue "digicert.com"', 'shop.example.test CAA 0 issue "letsencrypt.org"'],
      request('shop.example.test', { ca: resolveCa('letsencrypt') }),
    );
    expect(codes(report)).toEqual(['caa.permits']);
    expect(report.findings[0]!.evidence).toMatchObject({ foundAt: 'shop.example.test' });
  });

  test("a CNAME to a hosting platform takes the target's set, with hosting advice", async () => {
    world = await startWorld({
      records: [
        'blog.example.test CNAME sites.platform.test',
        'sites.platform.test A 203.0.114.20',
        'sites.platform.test CAA 0 issue "digicert.com"',
        'example.test CAA 0 issue "letsencrypt.org"',
      ],
    });
    const report = await run(world, request('blog.example.test', { ca: resolveCa('letsencrypt') }), [caaCheck]);
    expect(codes(report)).toEqual(['caa.forbids_ca']);
    const f = report.findings[0]!;
    expect(f.detail).toContain('CNAME to sites.platform.test');
    expect(f.fixes[0]).toContain('pause');
  });

  test("a CNAME target's parents are not consulted: the climb goes on from the original name", async () => {
    world = await startWorld({
      records: [
        'blog.example.test CNAME sites.platform.test',
        'sites.platform.test A 203.0.114.20',
        'platform.test CAA 0 issue "digicert.com"',
        'example.test CAA 0 issue "letsencrypt.org"',
      ],
    });
    const report = await run(world, request('blog.example.test', { ca: resolveCa('letsencrypt') }), [caaCheck]);
    expect(codes(report)).toEqual(['caa.permits']);
    expect(report.findings[0]!.evidence).toMatchObject({ foundAt: 'example.test' });
  });

  test('SERVFAIL at a parent before any set gives caa.lookup_failed', async () => {
    const report = await caa(['test CAA 0 issue "letsencrypt.org"'], request('shop.example.test'), [
      { name: 'example.test', type: 'CAA', action: 'servfail' },
    ]);
    expect(codes(report)).toEqual(['caa.lookup_failed']);
    expect(report.findings[0]!.detail).toContain('example.test');
    expect(report.status).toBe('critical');
  });

  test('a failure above the set that was found does not matter', async () => {
    const report = await caa(['shop.example.test CAA 0 issue "letsencrypt.org"'], request('shop.example.test'), [
      { name: 'example.test', type: 'CAA', action: 'servfail' },
    ]);
    expect(codes(report)).toEqual(['caa.permits']);
  });

  test('a CAA query that times out gives caa.lookup_failed', async () => {
    world = await startWorld({
      records: ['shop.example.test A 203.0.114.10'],
      rules: [{ name: 'shop.example.test', type: 'CAA', action: 'drop' }],
    });
    const report = await run(world, request('shop.example.test'), [caaCheck], 1500);
    expect(codes(report)).toEqual(['caa.lookup_failed']);
  });
});

describe('matching the CA (RFC 8659 §4, RFC 8657)', () => {
  test('issue ";" forbids every CA even without --ca', async () => {
    const report = await caa(['example.test CAA 0 issue ";"']);
    expect(codes(report)).toEqual(['caa.forbids_ca']);
  });

  test('without --ca the effective issuers are listed', async () => {
    const report = await caa([
      'example.test CAA 0 issue "letsencrypt.org"',
      'example.test CAA 0 issue "pki.goog; cansignhttpexchanges=yes"',
    ]);
    expect(codes(report)).toEqual(['caa.permits']);
    expect(report.findings[0]!.evidence['issuers']).toEqual(['letsencrypt.org', 'pki.goog']);
  });

  test('tags and issuer domains are case-insensitive', async () => {
    const report = await caa(
      ['example.test CAA 0 ISSUE "LetsEncrypt.org"'],
      request('shop.example.test', { ca: resolveCa('letsencrypt') }),
    );
    expect(codes(report)).toEqual(['caa.permits']);
  });

  test('ZeroSSL is matched by sectigo.com, DigiCert by its brand domains', async () => {
    expect(
      codes(
        await caa(
          ['example.test CAA 0 issue "sectigo.com"'],
          request('shop.example.test', { ca: resolveCa('zerossl') }),
        ),
      ),
    ).toEqual(['caa.permits']);
    await world?.close();
    expect(
      codes(
        await caa(
          ['example.test CAA 0 issue "rapidssl.com"'],
          request('shop.example.test', { ca: resolveCa('digicert') }),
        ),
      ),
    ).toEqual(['caa.permits']);
  });

  test('a raw CAA domain as --ca', async () => {
    const report = await caa(
      ['example.test CAA 0 issue "ca.internal.test"'],
      request('shop.example.test', { ca: resolveCa('ca.internal.test') }),
    );
    expect(codes(report)).toEqual(['caa.permits']);
  });

  test('issuewild overrides issue for wildcard names', async () => {
    const records = ['example.test CAA 0 issue "letsencrypt.org"', 'example.test CAA 0 issuewild "digicert.com"'];
    const wild = await caa(
      records,
      request('example.test', { wildcard: true, method: 'dns-01', ca: resolveCa('letsencrypt') }),
    );
    expect(codes(wild)).toEqual(['caa.forbids_wildcard']);
    expect(wild.findings[0]!.fixes.join('\n')).toContain('CAA 0 issuewild "letsencrypt.org"');
    await world?.close();
    const plain = await caa(records, request('example.test', { ca: resolveCa('letsencrypt') }));
    expect(codes(plain)).toEqual(['caa.permits']);
  });

  test('issuewild ";" forbids wildcards but not the base name', async () => {
    const report = await caa(
      ['example.test CAA 0 issuewild ";"'],
      request('example.test', { wildcard: true, method: 'dns-01' }),
    );
    expect(codes(report)).toEqual(['caa.forbids_wildcard']);
  });

  test('an unknown tag with the critical flag blocks issuance', async () => {
    const report = await caa(
      ['example.test CAA 0 issue "letsencrypt.org"', 'example.test CAA 128 tbs "unknown"'],
      request('shop.example.test', { ca: resolveCa('letsencrypt') }),
    );
    expect(codes(report)).toEqual(['caa.unknown_critical']);
    expect(report.findings[0]!.detail).toContain('128 tbs "unknown"');
  });

  test('a known tag with the critical flag is fine', async () => {
    const report = await caa(
      ['example.test CAA 128 issue "letsencrypt.org"'],
      request('shop.example.test', { ca: resolveCa('letsencrypt') }),
    );
    expect(codes(report)).toEqual(['caa.permits']);
  });

  test('accounturi without --account-uri is caa.account_restricted', async () => {
    const rec =
      'example.test CAA 0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1234"';
    const report = await caa([rec], request('shop.example.test', { ca: resolveCa('letsencrypt') }));
    expect(codes(report)).toEqual(['caa.account_restricted', 'caa.permits']);
    expect(report.status).toBe('warning');
  });

  test('accounturi naming another account forbids the CA', async () => {
    const rec =
      'example.test CAA 0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1234"';
    const report = await caa(
      [rec],
      request('shop.example.test', {
        ca: resolveCa('letsencrypt'),
        accountUri: 'https://acme-v02.api.letsencrypt.org/acme/acct/999',
      }),
    );
    expect(codes(report)).toEqual(['caa.forbids_ca']);
    const ok = report.findings[0]!;
    expect(ok.detail).toContain('acct/1234');
    await world?.close();
    const match = await caa(
      [rec],
      request('shop.example.test', {
        ca: resolveCa('letsencrypt'),
        accountUri: 'https://acme-v02.api.letsencrypt.org/acme/acct/1234',
      }),
    );
    expect(codes(match)).toEqual(['caa.permits']);
  });

  test('validationmethods excluding the method gives caa.method_restricted', async () => {
    const rec = 'example.test CAA 0 issue "letsencrypt.org; validationmethods=dns-01"';
    const report = await caa([rec], request('shop.example.test', { ca: resolveCa('letsencrypt'), method: 'http-01' }));
    expect(codes(report)).toEqual(['caa.method_restricted']);
    await world?.close();
    expect(
      codes(await caa([rec], request('shop.example.test', { ca: resolveCa('letsencrypt'), method: 'dns-01' }))),
    ).toEqual(['caa.permits']);
  });

  test('a malformed record is caa.malformed and does not authorize', async () => {
    const report = await caa(
      ['example.test CAA 0 issue "letsencrypt.org; novalue"'],
      request('shop.example.test', { ca: resolveCa('letsencrypt') }),
    );
    expect(codes(report)).toEqual(['caa.forbids_ca', 'caa.malformed']);
  });
});

describe('parseIssueValue', () => {
  test('parses domains and parameters', () => {
    expect(parseIssueValue(' letsencrypt.org ; accounturi=https://x/1 ; validationmethods=dns-01,http-01')).toEqual({
      domain: 'letsencrypt.org',
      params: { accounturi: 'https://x/1', validationmethods: 'dns-01,http-01' },
    });
    expect(parseIssueValue(';')).toEqual({ domain: '', params: {} });
    expect(parseIssueValue('letsencrypt.org;')).toEqual({ domain: 'letsencrypt.org', params: {} });
  });

  test('rejects values outside the grammar', () => {
    expect(parseIssueValue('lets encrypt')).toHaveProperty('error');
    expect(parseIssueValue('letsencrypt.org; a b=c')).toHaveProperty('error');
    expect(parseIssueValue('letsencrypt.org; a=b c')).toHaveProperty('error');
  });
});
