/**
 * Parsing of PKCS#10 certificate requests (RFC 2986) in PEM or DER, with RSA, ECDSA, Ed25519 and
 * Ed448 keys, through @peculiar/x509. The signature is verified with node:crypto over the DER
 * CertificationRequestInfo, which also handles MD5/SHA-1 signatures that WebCrypto refuses.
 */
import { createPublicKey, constants as cryptoConstants, type KeyObject, verify } from 'node:crypto';
import { Pkcs10CertificateRequest } from '@peculiar/x509';
import { CsrParseError, parseAltNames, parseName, type RequestParts, splitRequest } from './der.js';

export { CsrParseError } from './der.js';

export type KeyType = 'rsa' | 'rsa-pss' | 'ecdsa' | 'ed25519' | 'ed448' | 'dsa' | 'other';

export interface CsrKey {
  type: KeyType;
  /** RSA modulus length in bits (also set for DSA). */
  bits?: number;
  /** RSA public exponent. */
  exponent?: number;
  /** ECDSA named curve: P-256, P-384, P-521, or the OID of another curve. */
  curve?: string;
  /** The DER SubjectPublicKeyInfo. */
  spkiDer: Buffer;
}

export interface CsrSignature {
  /** e.g. sha256WithRSAEncryption, ecdsa-with-SHA384, Ed25519. */
  name: string;
  /** The hash: MD5, SHA-1, SHA-256, ...; undefined for Ed25519/Ed448. */
  hash?: string;
  valid: boolean;
  /** Why verification could not run, when it could not. */
  error?: string;
}

export interface SubjectAttr {
  /** Short name (CN, O, OU, L, ST, C, E, ...) or the OID. */
  type: string;
  value: string;
}

export interface ParsedCsr {
  key: CsrKey;
  signature: CsrSignature;
  subject: SubjectAttr[];
  /** Subject as text, RFC 4514 style. */
  subjectText: string;
  dnsNames: string[];
  ipAddresses: string[];
  /** SAN entries that are neither DNS names nor IP addresses (email, URI, ...), as `type:value`. */
  otherNames: string[];
  format: 'pem' | 'der';
}

const PEM_BLOCK = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (NEW )?CERTIFICATE REQUEST-----/;

const SIG_OIDS: Record<string, { name: string; hash?: string; node?: string }> = {
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'MD5', node: 'md5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'SHA-1', node: 'sha1' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'SHA-256', node: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'SHA-384', node: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'SHA-512', node: 'sha512' },
  '1.2.840.113549.1.1.10': { name: 'RSASSA-PSS' },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'SHA-1', node: 'sha1' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'SHA-256', node: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'SHA-384', node: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'SHA-512', node: 'sha512' },
  '1.3.101.112': { name: 'Ed25519' },
  '1.3.101.113': { name: 'Ed448' },
};

/** describeNonCsr names what a PEM block that is not a CSR holds, for the error message. */
function describeNonCsr(text: string): string | undefined {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text);
  if (!m) return undefined;
  if (/PRIVATE KEY/.test(m[1]!)) return `a ${m[1]!.toLowerCase()}, not a CSR (never paste private keys anywhere)`;
  return `a ${m[1]!.toLowerCase()}, not a CSR`;
}

/** decodeInput returns the DER bytes of the request from PEM text or raw DER. */
function decodeInput(input: Buffer | string): { der: Buffer; format: 'pem' | 'der' } {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (buf.length > 0 && buf[0] === 0x30) return { der: buf, format: 'der' };
  const text = buf.toString('latin1');
  const m = PEM_BLOCK.exec(text);
  if (!m) {
    if (/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(text))
      throw new CsrParseError('the PEM block is truncated: no END CERTIFICATE REQUEST line');
    const other = describeNonCsr(text);
    if (other) throw new CsrParseError(`the input is ${other}`);
    throw new CsrParseError('no "-----BEGIN CERTIFICATE REQUEST-----" block and not DER either');
  }
  const body = m[2]!.replace(/[\s\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new CsrParseError('the PEM body is not valid base64');
  const der = Buffer.from(body, 'base64');
  if (der.length === 0) throw new CsrParseError('the PEM block is empty');
  return { der, format: 'pem' };
}

/** rsaKeyFacts reads bits and exponent from the node KeyObject (works for RSA and RSA-PSS). */
function keyFacts(key: KeyObject, spkiDer: Buffer): CsrKey {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return {
        type: key.asymmetricKeyType,
        ...(d.modulusLength !== undefined ? { bits: d.modulusLength } : {}),
        ...(d.publicExponent !== undefined ? { exponent: Number(d.publicExponent) } : {}),
        spkiDer,
      };
    case 'ec': {
      const curve = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }[d.namedCurve ?? ''];
      return { type: 'ecdsa', curve: curve ?? d.namedCurve ?? 'unknown', spkiDer };
    }
    case 'ed25519':
    case 'ed448':
      return { type: key.asymmetricKeyType, spkiDer };
    case 'dsa':
      return { type: 'dsa', ...(d.modulusLength !== undefined ? { bits: d.modulusLength } : {}), spkiDer };
    default:
      return { type: 'other', spkiDer };
  }
}

/** verifySignature checks the request's self-signature (RFC 2986 §4.2, proof of possession). */
function verifySignature(csr: Pkcs10CertificateRequest, parts: RequestParts, key: KeyObject | undefined): CsrSignature {
  const { tbs, signature: sig, sigOid } = parts;
  const known = SIG_OIDS[sigOid];
  const name = known?.name ?? sigOid;
  const base = { name, ...(known?.hash ? { hash: known.hash } : {}) };
  if (!key) return { ...base, valid: false, error: 'the public key could not be loaded' };
  try {
    if (name === 'Ed25519' || name === 'Ed448') return { ...base, valid: verify(null, tbs, key, sig) };
    if (name === 'RSASSA-PSS') {
      const alg = csr.signatureAlgorithm as { hash?: { name?: string }; saltLength?: number };
      const hash = (alg.hash?.name ?? 'SHA-1').replace('-', '').toLowerCase();
      const ok = verify(
        hash,
        tbs,
        { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength ?? 20 },
        sig,
      );
      return { ...base, hash: alg.hash?.name ?? 'SHA-1', valid: ok };
    }
    if (!known?.node) return { ...base, valid: false, error: `unknown signature algorithm ${sigOid}` };
    return { ...base, valid: verify(known.node, tbs, key, sig) };
  } catch (err) {
    return { ...base, valid: false, error: (err as Error).message.split('\n')[0]! };
  }
}

/**
 * parseCsr decodes a PEM or DER PKCS#10 request (RFC 2986) and returns its key, signature
 * (verified), subject and subjectAltNames. Throws CsrParseError for anything that is not one.
 */
export function parseCsr(input: Buffer | string): ParsedCsr {
  const { der, format } = decodeInput(input);
  let csr: Pkcs10CertificateRequest;
  try {
    csr = new Pkcs10CertificateRequest(der);
  } catch (err) {
    throw new CsrParseError(`not a valid PKCS#10 request (${(err as Error).message.split('\n')[0]})`);
  }
  let parts: RequestParts;
  let subject: SubjectAttr[];
  let sans: ReturnType<typeof parseAltNames>;
  try {
    parts = splitRequest(der);
    subject = parseName(der, parts.subject);
    sans = parseAltNames(der, parts.info);
  } catch (err) {
    if (err instanceof CsrParseError) throw err;
    throw new CsrParseError(`the request is malformed (${(err as Error).message.split('\n')[0]})`);
  }
  const spkiDer = parts.spki;
  let key: KeyObject | undefined;
  try {
    key = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } catch {
    key = undefined;
  }
  const keyInfo: CsrKey = key ? keyFacts(key, spkiDer) : { type: 'other', spkiDer };
  return {
    key: keyInfo,
    signature: verifySignature(csr, parts, key),
    subject,
    subjectText: subject.map((a) => `${a.type}=${a.value}`).join(', '),
    dnsNames: sans.dns,
    ipAddresses: sans.ip,
    otherNames: sans.other,
    format,
  };
}
