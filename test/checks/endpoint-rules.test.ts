import { describe, expect, test } from 'vitest';
import { DEFAULT_EXPIRY, expiryState, expiryThresholds } from '../../src/core/expiry.js';
import { certificateCovers, namePatternMatches } from '../../src/core/hostname.js';
import { parseCertificate, signatureAlgorithmOid } from '../../src/core/x509.js';
import { mint } from '../support/certs.js';

const DAY = 86_400_000;

describe('expiry thresholds (DESIGN.md: min(lifetime/3, 30 d) and min(lifetime/10, 7 d))', () => {
  test.each([
    [90, 30, 7],
    [47, 47 / 3, 4.7],
    [6, 2, 0.6],
    [398, 30, 7],
  ])('a %d-day certificate warns at %d days and is critical at %d', (lifetime, warn, crit) => {
    const t = expiryThresholds(lifetime * DAY);
    expect(t.warningMs / DAY).toBeCloseTo(warn, 5);
    expect(t.criticalMs / DAY).toBeCloseTo(crit, 5);
  });

  test('states across the validity window', () => {
    const nb = 0;
    const na = 90 * DAY;
    expect(expiryState(nb, na, -1)).toBe('not_yet_valid');
    expect(expiryState(nb, na, 10 * DAY)).toBe('ok');
    expect(expiryState(nb, na, 61 * DAY)).toBe('warning');
    expect(expiryState(nb, na, 84 * DAY)).toBe('critical');
    expect(expiryState(nb, na, na + 1)).toBe('expired');
    expect(DEFAULT_EXPIRY.warnMaxMs).toBe(30 * DAY);
  });
});

describe('host names (RFC 6125 §6.4)', () => {
  test.each([
    ['www.example.com', 'www.example.com', true],
    ['WWW.Example.COM', 'www.example.com', true],
    ['*.example.com', 'www.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['*.com', 'example.com', false],
    ['w*.example.com', 'www.example.com', false],
    ['www.example.com', 'example.com', false],
  ])('%s covers %s: %s', (pattern, host, ok) => {
    expect(namePatternMatches(pattern, host)).toBe(ok);
  });

  test('SANs win over the CN; a wildcard request needs *.name itself', () => {
    expect(certificateCovers({ sans: ['a.example.com'], commonName: 'b.example.com' }, 'b.example.com')).toBe(false);
    expect(certificateCovers({ sans: [], commonName: 'b.example.com' }, 'b.example.com')).toBe(true);
    expect(certificateCovers({ sans: ['*.example.com'] }, 'example.com', true)).toBe(true);
    expect(certificateCovers({ sans: ['www.example.com'] }, 'example.com', true)).toBe(false);
  });
});

describe('certificate facts', () => {
  test('serial, fingerprint, signature algorithm and key of minted certificates', async () => {
    const rsa = await mint({ cn: 'rsa.example.test', serial: '00ff01', hash: 'sha1', key: 'rsa1024' });
    const c = parseCertificate(rsa.pem);
    expect(c).toMatchObject({ serial: 'ff01', sha256: rsa.sha256, keyType: 'rsa', keyBits: 1024 });
    expect(c.signatureAlgorithm).toBe('sha1WithRSAEncryption');
    expect(c.selfSigned).toBe(true);
    const ec = parseCertificate((await mint({ cn: 'ec.example.test', key: 'ec384' })).der);
    expect(ec).toMatchObject({ keyType: 'ec', keyBits: 384, signatureAlgorithm: 'ecdsa-with-SHA256' });
    const ed = parseCertificate((await mint({ cn: 'ed.example.test', key: 'ed25519' })).der);
    expect(ed).toMatchObject({ keyType: 'ed25519', signatureAlgorithm: 'Ed25519', signatureHash: 'intrinsic' });
  });

  test('the DER walk refuses garbage instead of throwing', () => {
    expect(signatureAlgorithmOid(Buffer.from([0x30, 0x82]))).toBeUndefined();
    expect(signatureAlgorithmOid(Buffer.alloc(0))).toBeUndefined();
    expect(signatureAlgorithmOid(Buffer.from('not a certificate'))).toBeUndefined();
  });
});
