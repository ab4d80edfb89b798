/**
 * Certificate facts (RFC 5280) from node:crypto X509Certificate: serial, fingerprint, names,
 * dates, key, signature algorithm, AIA caIssuers, basicConstraints, self-signed. Parsed facts are
 * cached by SHA-256 fingerprint, so a fleet scan that sees the same leaf or intermediate again
 * pays nothing. (@peculiar/x509 parses the same fields but costs ~0.6 ms per certificate, more
 * than a handshake; the only field Node 20 lacks, the signature algorithm, is read from the DER.)
 */
import { X509Certificate } from 'node:crypto';

export type KeyType = 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'dsa' | 'unknown';

export interface CertInfo {
  /** Lower-case hex, no colons, no leading zeros. */
  serial: string;
  /** SHA-256 of the DER, lower-case hex without colons. */
  sha256: string;
  /** `CN=..., O=...` */
  subject: string;
  commonName?: string;
  /** dNSName subjectAltNames (RFC 5280 §4.2.1.6), lower-cased. */
  sans: string[];
  issuer: string;
  notBefore: string;
  notAfter: string;
  notBeforeMs: number;
  notAfterMs: number;
  keyType: KeyType;
  /** RSA/DSA modulus bits, EC curve bits, 256/448 for EdDSA. */
  keyBits?: number;
  curve?: string;
  signatureAlgorithm: string;
  /** The signature's hash: md5, sha1, sha256, ..., or `intrinsic` for EdDSA. */
  signatureHash: string;
  /** AIA caIssuers URLs (RFC 5280 §4.2.2.1): where the issuer certificate can be downloaded. */
  aiaCaIssuers: string[];
  /** basicConstraints cA (RFC 5280 §4.2.1.9). */
  isCA: boolean;
  /** Subject equals issuer and the certificate's own key verifies its signature. */
  selfSigned: boolean;
  der: Buffer;
  x509: X509Certificate;
}

/** Signature algorithm OIDs (RFC 3279, RFC 4055, RFC 5758, RFC 8410) -> [name, hash]. */
const SIG_ALGS: Record<string, [string, string]> = {
  '1.2.840.113549.1.1.2': ['md2WithRSAEncryption', 'md2'],
  '1.2.840.113549.1.1.4': ['md5WithRSAEncryption', 'md5'],
  '1.2.840.113549.1.1.5': ['sha1WithRSAEncryption', 'sha1'],
  '1.3.14.3.2.29': ['sha1WithRSASignature', 'sha1'],
  '1.2.840.113549.1.1.14': ['sha224WithRSAEncryption', 'sha224'],
  '1.2.840.113549.1.1.11': ['sha256WithRSAEncryption', 'sha256'],
  '1.2.840.113549.1.1.12': ['sha384WithRSAEncryption', 'sha384'],
  '1.2.840.113549.1.1.13': ['sha512WithRSAEncryption', 'sha512'],
  '1.2.840.113549.1.1.10': ['rsassa-pss', 'pss'],
  '1.2.840.10045.4.1': ['ecdsa-with-SHA1', 'sha1'],
  '1.2.840.10045.4.3.1': ['ecdsa-with-SHA224', 'sha224'],
  '1.2.840.10045.4.3.2': ['ecdsa-with-SHA256', 'sha256'],
  '1.2.840.10045.4.3.3': ['ecdsa-with-SHA384', 'sha384'],
  '1.2.840.10045.4.3.4': ['ecdsa-with-SHA512', 'sha512'],
  '1.2.840.10040.4.3': ['dsa-with-sha1', 'sha1'],
  '2.16.840.1.101.3.4.3.2': ['dsa-with-sha256', 'sha256'],
  '1.3.101.112': ['Ed25519', 'intrinsic'],
  '1.3.101.113': ['Ed448', 'intrinsic'],
};

const CURVE_BITS: Record<string, number> = {
  prime192v1: 192,
  secp192r1: 192,
  secp224r1: 224,
  prime256v1: 256,
  secp256r1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  brainpoolP256r1: 256,
  brainpoolP384r1: 384,
  brainpoolP512r1: 512,
};

/** derHeader returns [contentStart, contentLength] of the TLV at `off`, or undefined when malformed. */
function derHeader(der: Buffer, off: number): [number, number] | undefined {
  if (off + 2 > der.length) return undefined;
  const first = der[off + 1]!;
  if (first < 0x80) return [off + 2, first];
  const n = first & 0x7f;
  if (n === 0 || n > 4 || off + 2 + n > der.length) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[off + 2 + i]!;
  return [off + 2 + n, len];
}

/** decodeOid returns the dotted form of a DER OID body. */
function decodeOid(body: Buffer): string {
  const arcs: number[] = [];
  let v = 0;
  for (const b of body) {
    v = v * 128 + (b & 0x7f);
    if (b < 0x80) {
      if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}

/**
 * signatureAlgorithmOid returns the OID of Certificate.signatureAlgorithm (RFC 5280 §4.1.1.2):
 * the AlgorithmIdentifier that follows tbsCertificate in the outer SEQUENCE.
 */
export function signatureAlgorithmOid(der: Buffer): string | undefined {
  const outer = derHeader(der, 0);
  if (!outer || der[0] !== 0x30) return undefined;
  const tbs = derHeader(der, outer[0]);
  if (!tbs) return undefined;
  const algAt = tbs[0] + tbs[1];
  const alg = derHeader(der, algAt);
  if (!alg || der[algAt] !== 0x30 || der[alg[0]] !== 0x06) return undefined;
  const oid = derHeader(der, alg[0]);
  if (!oid) return undefined;
  return decodeOid(der.subarray(oid[0], oid[0] + oid[1]));
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

function parseDate(text: string): number {
  const t = Date.parse(text);
  return Number.isNaN(t) ? 0 : t;
}

const CACHE_LIMIT = 5000;
const cache = new Map<string, CertInfo>();

/** certInfo returns the facts of one certificate (cached by fingerprint; never throws for a parsed X509Certificate). */
export function certInfo(x509: X509Certificate): CertInfo {
  const sha256 = x509.fingerprint256.replace(/:/g, '').toLowerCase();
  const hit = cache.get(sha256);
  if (hit) return hit;
  const der = x509.raw;
  const oid = signatureAlgorithmOid(der) ?? 'unknown';
  const [signatureAlgorithm, signatureHash] = SIG_ALGS[oid] ?? [oid, 'unknown'];
  const key = x509.publicKey;
  const keyType = (key.asymmetricKeyType ?? 'unknown') as KeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const curve = details.namedCurve;
  const keyBits =
    details.modulusLength ??
    (curve ? (CURVE_BITS[curve] ?? Number(/(\d{3})/.exec(curve)?.[1] ?? 0)) : undefined) ??
    (keyType === 'ed25519' ? 256 : keyType === 'ed448' ? 448 : undefined);
  const subject = oneLine(x509.subject);
  const issuer = oneLine(x509.issuer);
  const sans = (x509.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).replace(/^"|"$/g, '').toLowerCase());
  const aiaCaIssuers = (x509.infoAccess ?? '')
    .split('\n')
    .filter((l) => l.startsWith('CA Issuers - URI:'))
    .map((l) => l.slice('CA Issuers - URI:'.length).trim());
  let selfSigned = false;
  if (subject === issuer) {
    try {
      // The signature alone decides: self-signed leaves often lack keyCertSign, which checkIssued() requires.
      selfSigned = x509.verify(key);
    } catch {
      selfSigned = false;
    }
  }
  const notBeforeMs = parseDate(x509.validFrom);
  const notAfterMs = parseDate(x509.validTo);
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(x509.subject)?.[1];
  const info: CertInfo = {
    serial: x509.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''),
    sha256,
    subject,
    ...(cn !== undefined ? { commonName: cn } : {}),
    sans,
    issuer,
    notBefore: new Date(notBeforeMs).toISOString(),
    notAfter: new Date(notAfterMs).toISOString(),
    notBeforeMs,
    notAfterMs,
    keyType,
    ...(keyBits ? { keyBits } : {}),
    ...(curve ? { curve } : {}),
    signatureAlgorithm,
    signatureHash,
    aiaCaIssuers,
    isCA: x509.ca,
    selfSigned,
    der,
    x509,
  };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(sha256, info);
  return info;
}

/** parseCertificate returns the facts of a DER or PEM certificate; throws when it cannot be parsed. */
export function parseCertificate(input: Buffer | string): CertInfo {
  return certInfo(new X509Certificate(input));
}

/** splitPem returns every `-----BEGIN CERTIFICATE-----` block of a PEM text. */
export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** certIdentity returns what names a certificate in findings: serial, fingerprint, names, issuer, dates. */
export function certIdentity(c: CertInfo): Record<string, unknown> {
  return {
    serial: c.serial,
    sha256: c.sha256,
    subject: c.subject,
    sans: c.sans,
    issuer: c.issuer,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
  };
}

/** summarizeCert returns the JSON-friendly facts of a certificate (no DER, no objects). */
export function summarizeCert(c: CertInfo): Record<string, unknown> {
  return {
    ...certIdentity(c),
    key: `${c.keyType}${c.keyBits ? ` ${c.keyBits}` : ''}${c.curve ? ` ${c.curve}` : ''}`,
    signatureAlgorithm: c.signatureAlgorithm,
    ...(c.aiaCaIssuers.length > 0 ? { aiaCaIssuers: c.aiaCaIssuers } : {}),
    ...(c.isCA ? { ca: true } : {}),
    ...(c.selfSigned ? { selfSigned: true } : {}),
  };
}

/** describeCert returns one line naming a certificate: serial, fingerprint, subject, SANs, issuer, dates. */
export function describeCert(c: CertInfo): string {
  const sans =
    c.sans.length > 6 ? `${c.sans.slice(0, 6).join(', ')} (and ${c.sans.length - 6} more)` : c.sans.join(', ');
  return `serial ${c.serial}, SHA-256 ${c.sha256}, subject ${c.subject || '(empty)'}, SANs ${sans || '(none)'}, issuer ${c.issuer}, valid ${c.notBefore} to ${c.notAfter}`;
}
