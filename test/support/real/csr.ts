/**
 * CSRs made with `openssl req`, the way operators and provisioning bots make them: key type and
 * size, signature hash, subject and subjectAltName chosen per case. Files live in one directory.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export type CsrKey = 'rsa2048' | 'rsa1024' | 'p256' | 'p384' | 'p521' | 'ed25519';

export interface CsrOptions {
  key: CsrKey;
  /** `/CN=shop.example.com/O=...`; '' for an empty subject. */
  subject: string;
  /** DNS names for subjectAltName (none: no extension). */
  sans?: string[];
  md?: 'sha256' | 'sha1';
  der?: boolean;
}

const KEY_ARGS: Record<CsrKey, string[]> = {
  rsa2048: ['-newkey', 'rsa:2048'],
  rsa1024: ['-newkey', 'rsa:1024'],
  p256: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  p521: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ed25519: ['-newkey', 'ed25519'],
};

/** makeCsr writes `<dir>/<id>.csr` (PEM, or DER) with a fresh key and returns its path. */
export function makeCsr(openssl: string, dir: string, id: string, o: CsrOptions): string {
  const out = join(dir, `${id}.csr`);
  const args = [
    'req',
    '-new',
    ...KEY_ARGS[o.key],
    '-nodes',
    '-keyout',
    join(dir, `${id}.key`),
    '-subj',
    o.subject === '' ? '/' : o.subject,
    ...(o.sans && o.sans.length > 0 ? ['-addext', `subjectAltName=${o.sans.map((n) => `DNS:${n}`).join(',')}`] : []),
    ...(o.key === 'ed25519' ? [] : [`-${o.md ?? 'sha256'}`]),
    ...(o.der ? ['-outform', 'DER'] : []),
    '-out',
    out,
  ];
  execFileSync(openssl, args, { stdio: 'pipe' });
  return out;
}
