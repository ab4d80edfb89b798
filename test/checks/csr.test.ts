import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { isPrivateIp, nameProblem } from '../../src/checks/csr/names.js';
import { parseCsr } from '../../src/checks/csr/parse.js';
import { type CsrTemplate, CsrTemplateSchema, lintCsr } from '../../src/checks/csr.js';
import { resolveCa } from '../../src/core/cas.js';
import { toolOrSkip } from '../support/tools.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/csr/', import.meta.url));
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

function lint(name: string, opts: Omit<Parameters<typeof lintCsr>[1], 'target'> = {}) {
  return lintCsr(fixture(name), { target: name, ...opts });
}
const codes = (name: string, opts: Omit<Parameters<typeof lintCsr>[1], 'target'> = {}) =>
  lint(name, opts).findings.map((f) => f.code);

describe('lintCsr: acceptable requests', () => {
  test.each([
    'good-rsa2048.csr',
    'good-rsa2048.der',
    'good-ec-p256.csr',
    'good-ec-p384.csr',
    'good-wildcard.csr',
    'idn-valid.csr',
    'sans-100.csr',
    'public-ip.csr',
  ])('%s has no findings', (name) => {
    const r = lint(name);
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('ok');
    expect(r.target).toBe(name);
    expect(r.checks.find((c) => c.name === 'csr.template')?.state).toBe('skipped');
  });

  test('the report states what was parsed', () => {
    const r = lint('good-rsa2048.der');
    expect(r.facts).toMatchObject({
      format: 'der',
      key: 'RSA 2048',
      exponent: 65537,
      signature: 'sha256WithRSAEncryption',
      signatureValid: true,
      dnsNames: ['shop.example.com', 'www.shop.example.com'],
      validation: 'dv',
    });
    expect(lint('good-ec-p384.csr').facts['key']).toBe('ECDSA P-384');
  });

  test('an OV request with O, C, L and ST is fine at --validation ov but not as DV', () => {
    expect(codes('ov-complete.csr', { validation: 'ov' })).toEqual([]);
    expect(codes('ov-complete.csr')).toEqual(['csr.subject_not_allowed']);
  });
});

describe('lintCsr: keys', () => {
  test('RSA 1024 and a size that is not a multiple of 8 are weak', () => {
    expect(codes('rsa1024.csr')).toEqual(['csr.weak_key']);
    expect(lint('rsa1024.csr').findings[0]!.evidence).toMatchObject({ bits: 1024 });
    expect(codes('rsa2050.csr')).toEqual(['csr.weak_key']);
  });

  test('exponent 3 is a warning', () => {
    const r = lint('rsa-exponent3.csr');
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['csr.rsa_exponent', 'warning']]);
    expect(r.status).toBe('warning');
  });

  test('P-521 and Ed25519 are unsupported, naming the CAs', () => {
    const p521 = lint('ec-p521.csr');
    expect(p521.findings.map((f) => f.code)).toEqual(['csr.unsupported_key']);
    expect(p521.findings[0]!.detail).toContain("Let's Encrypt");
    const le = lint('ec-p521.csr', { ca: resolveCa('letsencrypt') });
    expect(le.findings[0]!.detail).toMatch(/^ECDSA P-521: Let's Encrypt refuses/);
    expect(codes('ed25519.csr')).toEqual(['csr.unsupported_key']);
    expect(lint('ed25519.csr').findings[0]!.evidence).toMatchObject({ type: 'ed25519' });
    expect(codes('ec-secp256k1.csr')).toEqual(['csr.unsupported_key']);
  });

  test("RSA 8192 is fine in general but not at Let's Encrypt", () => {
    expect(codes('rsa8192.csr')).toEqual([]);
    expect(codes('rsa8192.csr', { ca: resolveCa('letsencrypt') })).toEqual(['csr.unsupported_key']);
  });
});

describe('lintCsr: signatures', () => {
  test('SHA-1 and MD5 signatures are weak (and still verify)', () => {
    expect(codes('sha1-signed.csr')).toEqual(['csr.weak_signature']);
    expect(codes('md5-signed.csr')).toEqual(['csr.weak_signature']);
    expect(lint('sha1-signed.csr').facts['signatureValid']).toBe(true);
  });

  test('a flipped signature byte is a bad signature', () => {
    const r = lint('tampered-signature.csr');
    expect(r.findings.map((f) => f.code)).toEqual(['csr.bad_signature']);
    expect(r.facts['signatureValid']).toBe(false);
  });

  test('Ed25519 and ECDSA signatures verify', () => {
    expect(parseCsr(fixture('ed25519.csr')).signature.valid).toBe(true);
    expect(parseCsr(fixture('good-ec-p256.csr')).signature.valid).toBe(true);
  });
});

describe('lintCsr: names', () => {
  test('internal names, reserved TLDs and private IPs', () => {
    const r = lint('internal-names.csr');
    expect(r.findings.map((f) => f.code)).toEqual(['csr.internal_name']);
    expect(r.findings[0]!.evidence['names']).toEqual([
      'server.local',
      'intranet',
      'db.corp',
      '10.0.0.5',
      '192.168.1.1',
    ]);
  });

  test('bad wildcards: not the whole left-most label, or on a public suffix', () => {
    expect(codes('bad-wildcards.csr')).toEqual(['csr.bad_wildcard']);
    expect(lint('bad-wildcards.csr').findings[0]!.evidence['names']).toEqual(['foo.*.example.com', 'f*.example.com']);
    const ps = lint('wildcard-public-suffix.csr');
    expect(ps.findings.map((f) => f.code)).toEqual(['csr.bad_wildcard']);
    expect(ps.findings[0]!.evidence['names']).toEqual(['*.co.uk', '*.com']);
  });

  test('underscores, long labels and bad punycode are invalid names', () => {
    expect(codes('underscore.csr')).toEqual(['csr.invalid_name']);
    expect(codes('long-label.csr')).toEqual(['csr.invalid_name']);
    expect(codes('idn-invalid.csr')).toEqual(['csr.invalid_name']);
    expect(lint('idn-invalid.csr').findings[0]!.evidence['names']).toEqual(['xn--zz.example.com']);
  });

  test('CN longer than 64, CN not in the SANs, no SAN at all', () => {
    expect(codes('long-cn.csr')).toEqual(['csr.cn_too_long']);
    expect(codes('cn-not-in-san.csr')).toEqual(['csr.cn_not_in_san']);
    expect(codes('no-san.csr')).toEqual(['csr.cn_not_in_san']);
  });

  test('duplicates are found case-insensitively', () => {
    const r = lint('duplicate-sans.csr');
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['csr.duplicate_name', 'warning']]);
    expect(r.findings[0]!.evidence['names']).toEqual(['shop.example.com (2×)', 'www.example.com (2×)']);
  });

  test('101 names are too many for the default and for the CA given; Sectigo allows 250', () => {
    expect(codes('sans-101.csr')).toEqual(['csr.too_many_names']);
    expect(codes('sans-100.csr')).toEqual([]);
    expect(codes('sans-101.csr', { ca: resolveCa('sectigo') })).toEqual([]);
    expect(codes('good-rsa2048.csr', { ca: resolveCa('buypass') })).toEqual([]);
    expect(codes('duplicate-sans.csr', { ca: resolveCa('buypass') })).toEqual(['csr.duplicate_name']);
  });

  test.each([
    ['shop.example.com', undefined],
    ['*.example.co.uk', undefined],
    ['xn--bcher-kva.example.com', undefined],
    ['a-b.example.com', undefined],
    ['*.co.uk', 'csr.bad_wildcard'],
    ['*.github.io', 'csr.bad_wildcard'],
    ['*', 'csr.bad_wildcard'],
    ['foo.*.example.com', 'csr.bad_wildcard'],
    ['my_host.example.com', 'csr.invalid_name'],
    ['-lead.example.com', 'csr.invalid_name'],
    ['trail-.example.com', 'csr.invalid_name'],
    ['a..example.com', 'csr.invalid_name'],
    ['shop.example.com.', 'csr.invalid_name'],
    ['10.0.0.1', 'csr.invalid_name'],
    ['bücher.example.com', 'csr.invalid_name'],
    ['host.123', 'csr.invalid_name'],
    ['co.uk', 'csr.invalid_name'],
    [
      `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.com`,
      'csr.invalid_name',
    ],
    ['printer.local', 'csr.internal_name'],
    ['nas.home.arpa', 'csr.internal_name'],
    ['fileserver', 'csr.internal_name'],
    ['app.internal', 'csr.internal_name'],
  ])('nameProblem(%s) is %s', (name, code) => {
    expect(nameProblem(name)?.code).toBe(code);
  });

  test.each([
    ['10.1.2.3', true],
    ['172.31.0.1', true],
    ['192.168.0.1', true],
    ['127.0.0.1', true],
    ['169.254.1.1', true],
    ['100.64.0.1', true],
    ['fd00::1', true],
    ['::1', true],
    ['8.8.8.8', false],
    ['2606:4700::1111', false],
  ])('isPrivateIp(%s) is %s', (ip, expected) => {
    expect(isPrivateIp(ip)).toBe(expected);
  });
});

describe('lintCsr: subject for the validation level', () => {
  test('OU is never allowed; O in a DV request is dropped', () => {
    const r = lint('subject-ou.csr');
    expect(r.findings.map((f) => f.code)).toEqual(['csr.subject_not_allowed']);
    expect(r.findings[0]!.evidence['fields']).toEqual(['L', 'O', 'OU']);
    expect(lint('subject-ou.csr', { validation: 'ov' }).findings[0]!.evidence['fields']).toEqual(['OU']);
    expect(codes('subject-dv-org.csr')).toEqual(['csr.subject_not_allowed']);
  });

  test('OV and EV need O, C and L or ST', () => {
    const r = lint('good-rsa2048.csr', { validation: 'ev' });
    expect(r.findings.map((f) => f.code)).toEqual(['csr.subject_missing']);
    expect(r.findings[0]!.evidence['missing']).toEqual(['O', 'C', 'L or ST']);
    expect(lint('subject-dv-org.csr', { validation: 'ov' }).findings[0]!.evidence['missing']).toEqual(['L or ST']);
  });

  test('C=UK is not a country code', () => {
    expect(codes('subject-bad-country.csr')).toEqual(['csr.subject_not_allowed']);
  });
});

describe('lintCsr: templates', () => {
  const template: CsrTemplate = CsrTemplateSchema.parse({
    name: 'web-ov',
    validation: 'ov',
    key: { type: 'rsa', bits: [2048, 3072] },
    names: {
      required: ['shop.example.com', 'www.shop.example.com'],
      domains: ['example.com'],
      max: 2,
      wildcard: false,
    },
    subject: { O: 'Example Shop Ltd', C: 'GB' },
  });

  test('a matching request passes', () => {
    const r = lint('ov-complete.csr', {
      template: { ...template, names: { required: ['shop.example.com'], domains: ['example.com'] } },
    });
    expect(r.findings).toEqual([]);
    expect(r.facts['validation']).toBe('ov');
    expect(r.checks.find((c) => c.name === 'csr.template')?.state).toBe('ran');
  });

  test('each mismatching field is its own finding', () => {
    const r = lint('good-ec-p256.csr', { template });
    const fields = r.findings.filter((f) => f.code === 'csr.template_mismatch').map((f) => f.evidence['field']);
    expect(fields).toEqual(['key.type', 'names.required', 'subject.O', 'subject.C']);
    expect(r.findings.map((f) => f.code)).toContain('csr.subject_missing');
  });

  test('names outside the domains, too many names, wildcards', () => {
    const t = CsrTemplateSchema.parse({ names: { domains: ['shop.example.com'], max: 1, wildcard: false } });
    const fields = lint('good-wildcard.csr', { template: t }).findings.map((f) => f.evidence['field']);
    expect(fields).toEqual(['names.domains', 'names.max', 'names.wildcard']);
  });
});

describe('lintCsr: input that is not a CSR', () => {
  test.each([
    ['garbage.csr', /no "-----BEGIN CERTIFICATE REQUEST-----" block/],
    ['binary.csr', /not DER either/],
    ['truncated.csr', /truncated/],
    ['corrupt-body.csr', /not a valid PKCS#10/],
    ['not-a-csr-certificate.pem', /a certificate, not a CSR/],
  ])('%s is csr.unparseable', (name, message) => {
    const r = lint(name);
    expect(r.findings.map((f) => f.code)).toEqual(['csr.unparseable']);
    expect(r.findings[0]!.detail).toMatch(message);
    expect(r.status).toBe('critical');
  });

  test('a private key is refused with a warning not to paste keys', () => {
    const r = lintCsr('-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n', { target: '-' });
    expect(r.findings.map((f) => f.code)).toEqual(['csr.unparseable']);
    expect(r.findings[0]!.detail).toMatch(/private key/);
  });

  test('DER-looking garbage does not throw', () => {
    for (const bytes of [[0x30], [0x30, 0x82, 0xff, 0xff, 0x00], [0x30, 0x03, 0x30, 0x01, 0x00], [0x30, 0x80, 0x00]]) {
      expect(lintCsr(Buffer.from(bytes), { target: '-' }).findings.map((f) => f.code)).toEqual(['csr.unparseable']);
    }
  });
});

describe('lintCsr with CSRs made by openssl now', () => {
  const openssl = toolOrSkip('openssl');
  test.skipIf(!openssl)('fresh RSA, ECDSA and Ed25519 CSRs lint as expected (openssl required)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'csr-live-'));
    try {
      const make = (name: string, keyArgs: string[], sans: string, digest: string[] = ['-sha256']) => {
        const key = join(dir, `${name}.key`);
        const out = join(dir, `${name}.csr`);
        execFileSync(openssl!, ['genpkey', ...keyArgs, '-out', key], { stdio: 'pipe' });
        execFileSync(
          openssl!,
          [
            'req',
            '-new',
            '-key',
            key,
            '-subj',
            '/CN=live.example.com',
            '-addext',
            `subjectAltName=${sans}`,
            ...digest,
            '-out',
            out,
          ],
          { stdio: 'pipe' },
        );
        last = lintCsr(readFileSync(out), { target: out });
        return last.findings.map((f) => f.code);
      };
      let last: ReturnType<typeof lintCsr> | undefined;
      expect(make('rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], 'DNS:live.example.com')).toEqual(
        [],
      );
      expect(
        make(
          'ec',
          ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
          'DNS:live.example.com,DNS:x_y.example.com',
        ),
      ).toEqual(['csr.invalid_name']);
      expect(make('ed', ['-algorithm', 'ed25519'], 'DNS:live.example.com', [])).toEqual(['csr.unsupported_key']);
      expect(
        make(
          'v6',
          ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
          'DNS:live.example.com,IP:fd00::1,IP:2606:4700::1111',
        ),
      ).toEqual(['csr.internal_name']);
      expect(last?.facts['ipAddresses']).toEqual(['fd00::1', '2606:4700::1111']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lintCsr speed', () => {
  test('linting one CSR takes well under the 2 ms target on average (generous bound)', () => {
    const pem = fixture('good-rsa2048.csr');
    for (let i = 0; i < 20; i++) lintCsr(pem, { target: 'x' });
    const started = performance.now();
    for (let i = 0; i < 100; i++) lintCsr(pem, { target: 'x' });
    expect((performance.now() - started) / 100).toBeLessThan(20);
  });
});
