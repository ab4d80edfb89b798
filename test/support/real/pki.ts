/**
 * Certificates made with the openssl CLI, the way an operator makes them: a root CA, an
 * intermediate, and leaves issued with `openssl ca` (which, unlike `openssl x509` in OpenSSL 3.0,
 * takes any start and end date, so expired and not-yet-valid leaves are real). Self-signed leaves
 * come from `openssl req -x509`. Every file lives in one temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type KeySpec = 'rsa2048' | 'rsa1024' | 'p256' | 'p384' | 'ed25519';

export interface Issued {
  key: string;
  cert: string;
  /** Leaf followed by the intermediate (what a server should send). */
  fullchain: string;
}

export interface LeafOptions {
  names: string[];
  key?: KeySpec;
  /** `YYYYMMDDHHMMSSZ`; default one hour ago. */
  start?: string;
  /** `YYYYMMDDHHMMSSZ`; default in 60 days. */
  end?: string;
  md?: 'sha256' | 'sha1';
  /** The issuing CA: an id given to `intermediate()` (default the standing intermediate). */
  issuer?: string;
}

/** stamp returns an openssl ca date (`YYYYMMDDHHMMSSZ`) `days` from now (negative: in the past). */
export function stamp(days: number): string {
  return `${new Date(Date.now() + days * 86_400_000)
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, '')}Z`;
}

function keyArgs(spec: KeySpec): string[] {
  switch (spec) {
    case 'rsa2048':
      return ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
    case 'rsa1024':
      return ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'];
    case 'p256':
      return ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    case 'p384':
      return ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'];
    case 'ed25519':
      return ['-algorithm', 'ED25519'];
  }
}

/** Pki is a root and an intermediate CA on disk, issuing leaves with `openssl ca`. */
export class Pki {
  readonly rootCert: string;
  readonly interCert: string;
  private serial = 0x1000;

  constructor(
    private readonly openssl: string,
    private readonly dir: string,
  ) {
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
    this.rootCert = join(dir, 'root.pem');
    this.interCert = join(dir, 'inter.pem');
    const rootKey = this.key('root', 'rsa2048');
    this.run([
      'req',
      '-x509',
      '-new',
      '-key',
      rootKey,
      '-subj',
      '/O=certmedic realworld/CN=Realworld Test Root',
      '-days',
      '30',
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      this.rootCert,
    ]);
    const interKey = this.key('inter', 'rsa2048');
    const csr = join(dir, 'inter.csr');
    this.run(['req', '-new', '-key', interKey, '-subj', '/O=certmedic realworld/CN=Realworld Test R1', '-out', csr]);
    this.sign('root', csr, this.interCert, { ca: true, start: stamp(-1), end: stamp(25) });
  }

  private run(args: string[]): void {
    execFileSync(this.openssl, args, { stdio: 'pipe', cwd: this.dir });
  }

  /** key generates a private key file and returns its path. */
  key(name: string, spec: KeySpec): string {
    const path = join(this.dir, `${name}.key`);
    this.run(['genpkey', ...keyArgs(spec), '-out', path]);
    return path;
  }

  private sign(
    by: string,
    csr: string,
    out: string,
    o: { ca?: boolean; names?: string[]; start: string; end: string; md?: string },
  ): void {
    const ext = o.ca
      ? 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n'
      : `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${o.names!.map((n) => `DNS:${n}`).join(',')}\n`;
    const conf = join(this.dir, `ca-${this.serial}.cnf`);
    writeFileSync(
      conf,
      `[ca]\ndefault_ca=CA\n[CA]\ndir=${this.dir}\ndatabase=${this.dir}/index.txt\nnew_certs_dir=${this.dir}\nserial=${this.dir}/serial\npolicy=any\nemail_in_dn=no\ncopy_extensions=none\nx509_extensions=ext\n[any]\ncommonName=optional\norganizationName=optional\n[ext]\n${ext}`,
    );
    writeFileSync(join(this.dir, 'serial'), `${(this.serial++).toString(16).toUpperCase().padStart(4, '0')}\n`);
    const caCert = join(this.dir, `${by}.pem`);
    const caKey = join(this.dir, `${by}.key`);
    this.run([
      'ca',
      '-batch',
      '-config',
      conf,
      '-cert',
      caCert,
      '-keyfile',
      caKey,
      '-in',
      csr,
      '-out',
      out,
      '-notext',
      '-md',
      o.md ?? 'sha256',
      '-startdate',
      o.start,
      '-enddate',
      o.end,
    ]);
  }

  /** intermediate makes another intermediate under the root, valid from `start` to `end`; returns its id. */
  intermediate(id: string, start: string, end: string): string {
    const key = this.key(id, 'rsa2048');
    const csr = join(this.dir, `${id}.csr`);
    this.run(['req', '-new', '-key', key, '-subj', `/O=certmedic realworld/CN=Realworld Test ${id}`, '-out', csr]);
    this.sign('root', csr, join(this.dir, `${id}.pem`), { ca: true, start, end });
    return id;
  }

  /** leaf issues a leaf for `names` from the intermediate and writes cert, key and full chain. */
  leaf(id: string, o: LeafOptions): Issued {
    const key = this.key(id, o.key ?? 'rsa2048');
    const csr = join(this.dir, `${id}.csr`);
    this.run(['req', '-new', '-key', key, '-subj', `/CN=${o.names[0]}`, '-out', csr]);
    const cert = join(this.dir, `${id}.pem`);
    const issuer = o.issuer ?? 'inter';
    this.sign(issuer, csr, cert, {
      names: o.names,
      start: o.start ?? stamp(-1 / 24),
      end: o.end ?? stamp(60),
      ...(o.md ? { md: o.md } : {}),
    });
    const fullchain = join(this.dir, `${id}.chain.pem`);
    writeFileSync(fullchain, readFileSync(cert, 'utf8') + readFileSync(join(this.dir, `${issuer}.pem`), 'utf8'));
    return { key, cert, fullchain };
  }

  /**
   * acmeChallenge makes the TLS-ALPN-01 challenge certificate (RFC 8737 §3): self-signed, the name
   * as the only SAN, and the critical acmeIdentifier extension holding SHA-256 of the key authorization.
   */
  acmeChallenge(id: string, name: string, keyAuthorization: string): Issued {
    const key = this.key(id, 'p256');
    const cert = join(this.dir, `${id}.pem`);
    const digest = createHash('sha256').update(keyAuthorization).digest('hex');
    this.run([
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-subj',
      `/CN=${name}`,
      '-days',
      '7',
      '-addext',
      `subjectAltName=DNS:${name}`,
      '-addext',
      `1.3.6.1.5.5.7.1.31=critical,DER:0420${digest}`,
      '-out',
      cert,
    ]);
    return { key, cert, fullchain: cert };
  }

  /** selfSigned makes a self-signed leaf for `names` (`openssl req -x509`). */
  selfSigned(id: string, names: string[]): Issued {
    const key = this.key(id, 'p256');
    const cert = join(this.dir, `${id}.pem`);
    this.run([
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-subj',
      `/CN=${names[0]}`,
      '-days',
      '30',
      '-addext',
      `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
      '-out',
      cert,
    ]);
    return { key, cert, fullchain: cert };
  }
}
