/**
 * Certificate templates: what a platform's CA connector expects a CSR to look like (key type and
 * size, names, subject fields, validation level). Read from `--template file.yml` or from the
 * inventory, validated with zod; `templateMismatches` reports each field that differs.
 */
import { z } from 'zod';
import { finding } from '../../core/catalog.js';
import type { Finding } from '../../core/finding.js';
import type { ParsedCsr } from './parse.js';

const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]);

export const KEY_TYPES = ['rsa', 'ecdsa', 'ed25519'] as const;
export const CURVES = ['P-256', 'P-384', 'P-521'] as const;
export const VALIDATION_LEVELS = ['dv', 'ov', 'ev'] as const;
export type ValidationLevel = (typeof VALIDATION_LEVELS)[number];

export const CsrTemplateSchema = z.strictObject({
  name: z.string().optional(),
  /** The validation level the template orders (used when `--validation` is not given). */
  validation: z.enum(VALIDATION_LEVELS).optional(),
  /** The CA the template's connector orders from (used when `--ca` is not given). */
  ca: z.string().optional(),
  key: z
    .strictObject({
      type: oneOrMany(z.enum(KEY_TYPES)).optional(),
      /** Exact RSA sizes the template allows. */
      bits: oneOrMany(z.number().int().positive()).optional(),
      minBits: z.number().int().positive().optional(),
      curve: oneOrMany(z.enum(CURVES)).optional(),
    })
    .optional(),
  names: z
    .strictObject({
      /** Names the CSR must contain (as subjectAltNames). */
      required: z.array(z.string().min(1)).optional(),
      /** Every name must be one of these domains or below one of them. */
      domains: z.array(z.string().min(1)).optional(),
      max: z.number().int().positive().optional(),
      wildcard: z.boolean().optional(),
    })
    .optional(),
  /** Subject fields the CSR must carry with exactly these values (CN, O, OU, L, ST, C, ...). */
  subject: z.record(z.string(), z.string()).optional(),
});
export type CsrTemplate = z.infer<typeof CsrTemplateSchema>;

const list = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

function mismatch(field: string, expected: unknown, actual: unknown, detail: string): Finding {
  return finding('csr.template_mismatch', `${field}: ${detail}`, { field, expected, actual });
}

/** describeKey returns "RSA 2048", "ECDSA P-256", "Ed25519". */
export function describeKey(key: ParsedCsr['key']): string {
  if (key.type === 'rsa' || key.type === 'rsa-pss') return `${key.type.toUpperCase()} ${key.bits ?? '?'}`;
  if (key.type === 'ecdsa') return `ECDSA ${key.curve ?? '?'}`;
  if (key.type === 'ed25519') return 'Ed25519';
  if (key.type === 'ed448') return 'Ed448';
  return key.type.toUpperCase();
}

/** underDomain returns true when name is the domain or a name below it (a wildcard counts as below). */
function underDomain(name: string, domain: string): boolean {
  const n = name.toLowerCase().replace(/^\*\./, '');
  const d = domain.toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
  return n === d || n.endsWith(`.${d}`);
}

/** templateMismatches returns one `csr.template_mismatch` finding per template field the CSR does not meet. */
export function templateMismatches(csr: ParsedCsr, t: CsrTemplate): Finding[] {
  const out: Finding[] = [];
  const key = csr.key;
  const keyType = key.type === 'rsa-pss' ? 'rsa' : key.type;
  const types = list(t.key?.type);
  if (types && !types.includes(keyType as (typeof KEY_TYPES)[number]))
    out.push(
      mismatch(
        'key.type',
        types,
        keyType,
        `the template expects ${types.join(' or ')}, the CSR has ${describeKey(key)}`,
      ),
    );
  if (keyType === 'rsa') {
    const bits = list(t.key?.bits);
    if (bits && key.bits !== undefined && !bits.includes(key.bits))
      out.push(
        mismatch(
          'key.bits',
          bits,
          key.bits,
          `the template expects RSA ${bits.join(' or ')}, the CSR has RSA ${key.bits}`,
        ),
      );
    if (t.key?.minBits !== undefined && key.bits !== undefined && key.bits < t.key.minBits)
      out.push(
        mismatch(
          'key.minBits',
          t.key.minBits,
          key.bits,
          `the template needs at least ${t.key.minBits} bits, the CSR has ${key.bits}`,
        ),
      );
  }
  const curves = list(t.key?.curve);
  if (curves && keyType === 'ecdsa' && !curves.includes(key.curve as (typeof CURVES)[number]))
    out.push(
      mismatch('key.curve', curves, key.curve, `the template expects ${curves.join(' or ')}, the CSR has ${key.curve}`),
    );

  const names = csr.dnsNames.map((n) => n.toLowerCase());
  const all = new Set([...names, ...csr.ipAddresses]);
  const missing = (t.names?.required ?? []).filter((n) => !all.has(n.toLowerCase()));
  if (missing.length > 0)
    out.push(
      mismatch(
        'names.required',
        t.names?.required,
        [...all],
        `required names missing from the subjectAltNames: ${missing.join(', ')}`,
      ),
    );
  const domains = t.names?.domains;
  if (domains) {
    const outside = names.filter((n) => !domains.some((d) => underDomain(n, d)));
    if (outside.length > 0)
      out.push(
        mismatch(
          'names.domains',
          domains,
          outside,
          `names outside the template's domains (${domains.join(', ')}): ${outside.join(', ')}`,
        ),
      );
  }
  if (t.names?.max !== undefined && all.size > t.names.max)
    out.push(mismatch('names.max', t.names.max, all.size, `${all.size} names, the template allows ${t.names.max}`));
  if (t.names?.wildcard === false) {
    const wild = names.filter((n) => n.startsWith('*'));
    if (wild.length > 0)
      out.push(mismatch('names.wildcard', false, wild, `the template does not allow wildcards: ${wild.join(', ')}`));
  }
  for (const [field, expected] of Object.entries(t.subject ?? {})) {
    const values = csr.subject.filter((a) => a.type.toLowerCase() === field.toLowerCase()).map((a) => a.value);
    if (!values.includes(expected))
      out.push(
        mismatch(
          `subject.${field}`,
          expected,
          values,
          values.length === 0
            ? `the template expects ${field}=${expected}, the CSR has no ${field}`
            : `the template expects ${field}=${expected}, the CSR has ${field}=${values.join(', ')}`,
        ),
      );
  }
  return out;
}
