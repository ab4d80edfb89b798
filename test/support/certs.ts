/**
 * Certificate factory for tests: RSA certificates signed with node-forge, ECDSA/Ed25519 ones
 * (or any chain with such a key) with @peculiar/x509 on WebCrypto. Keys come from node:crypto
 * (fast, native) and are pooled. Everything is relative to the real clock, in days.
 */
import { generateKeyPairSync, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import forge from 'node-forge';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type KeySpec = 'rsa2048' | 'rsa1024' | 'ec256' | 'ec384' | 'ed25519';
export type Hash = 'sha256' | 'sha1' | 'md5';

export interface KeyPair {
  spec: KeySpec;
  publicPem: string;
  privatePem: string;
}

export interface Minted {
  cn: string;
  subject: string;
  pem: string;
  der: Buffer;
  key: KeyPair;
  /** Lower-case hex, no leading zeros. */
  serial: string;
  sha256: string;
  notBefore: Date;
  notAfter: Date;
}

export interface MintOptions {
  cn: string;
  /** DNS subjectAltNames; default [cn] for leaves, none for CAs. */
  sans?: string[];
  /** The signer; absent: self-signed. */
  issuer?: Minted;
  ca?: boolean;
  /** Validity in days relative to now (default -1 .. +89: a 90-day certificate). */
  fromDays?: number;
  toDays?: number;
  /** Hex serial (default random). */
  serial?: string;
  key?: KeySpec;
  /** Reuse this key (e.g. a cross-signed root with the same key as the self-signed one). */
  keyOf?: Minted;
  hash?: Hash;
  /** AIA caIssuers URL. */
  aia?: string;
}

const DAY = 86_400_000;
const pools = new Map<KeySpec, KeyPair[]>();
const cursor = new Map<KeySpec, number>();

function generate(spec: KeySpec): KeyPair {
  const enc = {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  } as const;
  type Pems = { publicKey: string; privateKey: string };
  const kp = (
    spec === 'rsa2048' || spec === 'rsa1024'
      ? generateKeyPairSync('rsa', { modulusLength: spec === 'rsa2048' ? 2048 : 1024, ...enc })
      : spec === 'ed25519'
        ? (generateKeyPairSync('ed25519', enc) as unknown as Pems)
        : generateKeyPairSync('ec', { namedCurve: spec === 'ec256' ? 'P-256' : 'P-384', ...enc })
  ) as Pems;
  return { spec, publicPem: kp.publicKey, privatePem: kp.privateKey };
}

/** newKey returns a key of the spec from a small round-robin pool (at most 8 generated per spec). */
export function newKey(spec: KeySpec): KeyPair {
  const pool = pools.get(spec) ?? [];
  pools.set(spec, pool);
  const i = cursor.get(spec) ?? 0;
  cursor.set(spec, i + 1);
  if (pool.length < 8) pool.push(generate(spec));
  return pool[i % pool.length]!;
}

function randomSerial(): string {
  const b = randomBytes(9);
  b[0] = (b[0]! & 0x3f) | 0x10;
  return b.toString('hex');
}

function normSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

function finish(pem: string, cn: string, key: KeyPair, notBefore: Date, notAfter: Date): Minted {
  const c = new X509Certificate(pem);
  return {
    cn,
    subject: c.subject,
    pem: c.toString(),
    der: c.raw,
    key,
    serial: normSerial(c.serialNumber),
    sha256: c.fingerprint256.replace(/:/g, '').toLowerCase(),
    notBefore,
    notAfter,
  };
}

/** aiaExtension returns the DER of AuthorityInfoAccess with one caIssuers URI (RFC 5280 §4.2.2.1). */
function aiaDer(url: string): string {
  const a = forge.asn1;
  const access = a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [
    a.create(a.Class.UNIVERSAL, a.Type.OID, false, a.oidToDer('1.3.6.1.5.5.7.48.2').getBytes()),
    a.create(a.Class.CONTEXT_SPECIFIC, 6, false, url),
  ]);
  return a.toDer(a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [access])).getBytes();
}

function mintForge(o: MintOptions, key: KeyPair, serial: string, nb: Date, na: Date, sans: string[]): Minted {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(key.publicPem);
  cert.serialNumber = serial;
  cert.validity.notBefore = nb;
  cert.validity.notAfter = na;
  cert.setSubject([{ name: 'commonName', value: o.cn }]);
  cert.setIssuer([{ name: 'commonName', value: o.issuer?.cn ?? o.cn }]);
  const ext: Record<string, unknown>[] = [{ name: 'basicConstraints', cA: Boolean(o.ca), critical: true }];
  ext.push(
    o.ca
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
  );
  if (sans.length > 0) ext.push({ name: 'subjectAltName', altNames: sans.map((value) => ({ type: 2, value })) });
  if (o.aia) ext.push({ id: '1.3.6.1.5.5.7.1.1', value: aiaDer(o.aia) });
  cert.setExtensions(ext);
  const signer = forge.pki.privateKeyFromPem((o.issuer?.key ?? key).privatePem) as forge.pki.rsa.PrivateKey;
  const md =
    o.hash === 'sha1' ? forge.md.sha1.create() : o.hash === 'md5' ? forge.md.md5.create() : forge.md.sha256.create();
  cert.sign(signer, md);
  return finish(forge.pki.certificateToPem(cert), o.cn, key, nb, na);
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function algorithmFor(spec: KeySpec, hash: Hash): { name: string; hash?: string; namedCurve?: string } {
  const h = hash === 'sha1' ? 'SHA-1' : 'SHA-256';
  if (spec.startsWith('rsa')) return { name: 'RSASSA-PKCS1-v1_5', hash: h };
  if (spec === 'ed25519') return { name: 'Ed25519' };
  return { name: 'ECDSA', namedCurve: spec === 'ec256' ? 'P-256' : 'P-384', hash: h };
}

async function mintPeculiar(
  o: MintOptions,
  key: KeyPair,
  serial: string,
  nb: Date,
  na: Date,
  sans: string[],
): Promise<Minted> {
  const subtle = webcrypto.subtle;
  const signerKey = o.issuer?.key ?? key;
  const signAlg = algorithmFor(signerKey.spec, o.hash ?? 'sha256');
  const pubAlg = algorithmFor(key.spec, 'sha256');
  const publicKey = await subtle.importKey('spki', pemBody(key.publicPem), pubAlg, true, ['verify']);
  const signingKey = await subtle.importKey('pkcs8', pemBody(signerKey.privatePem), signAlg, false, ['sign']);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(Boolean(o.ca), undefined, true),
    new x509.KeyUsagesExtension(
      o.ca
        ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature
        : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
  ];
  if (sans.length > 0)
    extensions.push(new x509.SubjectAlternativeNameExtension(sans.map((value) => ({ type: 'dns', value }))));
  if (o.aia)
    extensions.push(new x509.AuthorityInfoAccessExtension({ caIssuers: [new x509.GeneralName('url', o.aia)] }));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${o.cn}`,
    issuer: `CN=${o.issuer?.cn ?? o.cn}`,
    notBefore: nb,
    notAfter: na,
    signingAlgorithm: signAlg,
    publicKey: publicKey as unknown as x509.PublicKeyType,
    signingKey: signingKey as unknown as x509.X509CertificateCreateWithKeyParams['signingKey'],
    extensions,
  });
  return finish(cert.toString('pem'), o.cn, key, nb, na);
}

/** mint returns a certificate as described (RSA with forge, anything else with @peculiar/x509). */
export async function mint(o: MintOptions): Promise<Minted> {
  const key = o.keyOf?.key ?? newKey(o.key ?? 'rsa2048');
  const signer = o.issuer?.key ?? key;
  const now = Date.now();
  const nb = new Date(Math.floor((now + (o.fromDays ?? -1) * DAY) / 1000) * 1000);
  const na = new Date(Math.floor((now + (o.toDays ?? 89) * DAY) / 1000) * 1000);
  let serial = o.serial ?? randomSerial();
  if (serial.length % 2 === 1) serial = `0${serial}`;
  if (/^[89a-f]/i.test(serial)) serial = `00${serial}`;
  const sans = o.sans ?? (o.ca ? [] : [o.cn]);
  const rsa = key.spec.startsWith('rsa') && signer.spec.startsWith('rsa');
  return rsa ? mintForge(o, key, serial, nb, na, sans) : mintPeculiar(o, key, serial, nb, na, sans);
}

export interface Pki {
  root: Minted;
  intermediate: Minted;
}

/** pki returns a root CA and an intermediate CA under it (10-year root, 5-year intermediate). */
export async function pki(name = 'Certmedic Test', key: KeySpec = 'rsa2048'): Promise<Pki> {
  const root = await mint({ cn: `${name} Root`, ca: true, fromDays: -400, toDays: 3650, key });
  const intermediate = await mint({
    cn: `${name} Intermediate`,
    ca: true,
    issuer: root,
    fromDays: -300,
    toDays: 1800,
    key,
    aia: `http://ca.example.test/${encodeURIComponent(name)}-root.der`,
  });
  return { root, intermediate };
}

/** leafOf returns a leaf for `names` issued by the intermediate, with its AIA pointing at it. */
export function leafOf(p: Pki, names: string[], extra: Partial<MintOptions> = {}): Promise<Minted> {
  return mint({
    cn: names[0]!,
    sans: names,
    issuer: p.intermediate,
    aia: 'http://ca.example.test/intermediate.der',
    ...extra,
  });
}

/** chainPem returns the PEM concatenation a server sends (leaf first). */
export function chainPem(...certs: Minted[]): string {
  return certs.map((c) => c.pem).join('');
}
