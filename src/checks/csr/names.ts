/**
 * Name checks of the CSR lint: the Common Name and subjectAltNames judged the way public CAs
 * judge them (CA/Browser Forum Baseline Requirements 7.1.2.7.12 and 7.1.4.3, RFC 5280 §4.2.1.6,
 * RFC 5890/5891 for IDN A-labels).
 */
import { BlockList, isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { finding } from '../../core/catalog.js';
import type { Finding } from '../../core/finding.js';
import { isPublicSuffix, isReservedName } from './suffixes.js';

const LDH = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** RFC 1918, loopback, link-local, CGNAT, unique-local and documentation ranges (BR: reserved IPs). */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['2001:db8::', 32],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

/** isPrivateIp returns true for addresses a public CA may not certify (private, loopback, reserved). */
export function isPrivateIp(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return PRIVATE.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

export type NameProblem = { code: 'csr.invalid_name' | 'csr.bad_wildcard' | 'csr.internal_name'; reason: string };

/**
 * nameProblem returns why one dNSName (or CN) is unacceptable to a public CA, or undefined when it
 * is fine: LDH labels of 1–63, at most 253 characters, no underscores (BR 7.1.4.2.1 since 2019),
 * valid A-labels, a wildcard only as the whole left-most label and not on a public suffix, no
 * internal names or reserved TLDs.
 */
export function nameProblem(raw: string): NameProblem | undefined {
  if (raw === '') return { code: 'csr.invalid_name', reason: 'empty name' };
  if (/[^\x21-\x7e]/.test(raw)) {
    const ascii = /\s/.test(raw) ? '' : domainToASCII(raw);
    return {
      code: 'csr.invalid_name',
      reason: ascii
        ? `contains Unicode or control characters: write the A-label ${ascii}`
        : 'contains spaces, control or non-ASCII characters',
    };
  }
  if (raw.endsWith('.')) return { code: 'csr.invalid_name', reason: 'trailing dot' };
  const name = raw.toLowerCase();
  if (isIP(name) || isIP(name.replace(/^\[|\]$/g, '')))
    return { code: 'csr.invalid_name', reason: 'an IP address in a DNS name entry: put it in an iPAddress SAN' };
  let base = name;
  if (name.includes('*')) {
    if (name === '*') return { code: 'csr.bad_wildcard', reason: 'a bare "*"' };
    if (!name.startsWith('*.') || name.slice(2).includes('*'))
      return { code: 'csr.bad_wildcard', reason: 'the wildcard is not the whole left-most label' };
    base = name.slice(2);
  }
  if (name.length > 253) return { code: 'csr.invalid_name', reason: `${name.length} characters (at most 253)` };
  const labels = base.split('.');
  for (const label of labels) {
    if (label === '') return { code: 'csr.invalid_name', reason: 'empty label' };
    if (label.length > 63)
      return { code: 'csr.invalid_name', reason: `label of ${label.length} characters (at most 63)` };
    if (label.includes('_'))
      return { code: 'csr.invalid_name', reason: `underscore in "${label}" (not allowed since 2019, BR 7.1.4.2.1)` };
    if (!LDH.test(label))
      return { code: 'csr.invalid_name', reason: `label "${label}" is not letters, digits and inner hyphens` };
    if (label.startsWith('xn--')) {
      const unicode = domainToUnicode(label);
      if (unicode === '' || unicode === label || domainToASCII(unicode) !== label)
        return { code: 'csr.invalid_name', reason: `"${label}" is not a valid IDN A-label (bad punycode)` };
    }
  }
  if (/^\d+$/.test(labels.at(-1)!)) return { code: 'csr.invalid_name', reason: 'all-numeric top-level label' };
  if (base !== name && isPublicSuffix(base))
    return { code: 'csr.bad_wildcard', reason: `a wildcard directly on the public suffix ${base}` };
  if (isPublicSuffix(base)) return { code: 'csr.invalid_name', reason: 'the name is a public suffix itself' };
  if (labels.length === 1) return { code: 'csr.internal_name', reason: 'a single-label (internal) name' };
  if (isReservedName(base)) return { code: 'csr.internal_name', reason: `reserved or internal TLD .${labels.at(-1)}` };
  return undefined;
}

/** listNames returns up to `max` quoted names and "(and N more)", the way CAs cut long lists. */
export function listNames(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} (and ${items.length - max} more)` : shown;
}

export interface NameInput {
  cn: string[];
  dnsNames: string[];
  ipAddresses: string[];
  maxNames: number;
  /** "Let's Encrypt" or "most CAs", for the too-many-names wording. */
  caLabel: string;
}

/** checkNames returns the name findings of a CSR: one finding per code, naming every offender. */
export function checkNames(input: NameInput): Finding[] {
  const out: Finding[] = [];
  const byCode = new Map<NameProblem['code'], string[]>();
  const seen = new Set<string>();
  const candidates = [...input.dnsNames, ...input.cn.filter((c) => !isIP(c))];
  for (const n of candidates) {
    const key = n.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const p = nameProblem(n);
    if (p) byCode.set(p.code, [...(byCode.get(p.code) ?? []), `${n}: ${p.reason}`]);
  }
  for (const ip of [...input.ipAddresses, ...input.cn.filter((c) => isIP(c))]) {
    if (isPrivateIp(ip))
      byCode.set('csr.internal_name', [...(byCode.get('csr.internal_name') ?? []), `${ip}: private or reserved IP`]);
  }
  for (const [code, items] of byCode) {
    out.push(finding(code, listNames(items), { names: items.map((i) => i.split(': ')[0]), problems: items }));
  }

  const counts = new Map<string, number>();
  for (const n of [...input.dnsNames, ...input.ipAddresses])
    counts.set(n.toLowerCase(), (counts.get(n.toLowerCase()) ?? 0) + 1);
  const dups = [...counts].filter(([, c]) => c > 1).map(([n, c]) => `${n} (${c}×)`);
  if (dups.length > 0)
    out.push(finding('csr.duplicate_name', `listed more than once: ${listNames(dups)}`, { names: dups }));

  const unique = counts.size;
  if (unique > input.maxNames)
    out.push(
      finding(
        'csr.too_many_names',
        `${unique} names; ${input.caLabel} allows at most ${input.maxNames} per certificate`,
        { count: unique, max: input.maxNames },
        {
          fixes: [
            `Split the names into ${Math.ceil(unique / input.maxNames)} certificates of at most ${input.maxNames}.`,
          ],
        },
      ),
    );

  const sanSet = new Set([...input.dnsNames, ...input.ipAddresses].map((n) => n.toLowerCase()));
  for (const cn of input.cn) {
    if (cn.length > 64)
      out.push(
        finding('csr.cn_too_long', `the CN has ${cn.length} characters: ${cn.slice(0, 40)}…`, {
          cn,
          length: cn.length,
        }),
      );
    if (!sanSet.has(cn.toLowerCase()))
      out.push(
        finding(
          'csr.cn_not_in_san',
          sanSet.size === 0
            ? `the CSR has no subjectAltName extension; the CN ${cn} is its only name`
            : `the CN ${cn} is not among the ${sanSet.size} subjectAltNames`,
          { cn },
          { fixes: [`Add \`DNS:${cn}\` to the subjectAltName (\`-addext "subjectAltName=DNS:${cn},..."\`).`] },
        ),
      );
  }
  if (input.cn.length === 0 && sanSet.size === 0)
    out.push(finding('csr.invalid_name', 'the CSR names no host at all: no CN and no subjectAltName', { names: [] }));
  return out;
}
