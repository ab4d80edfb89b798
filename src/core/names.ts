/** Host name parsing and validation shared by the CLI, the bot and the checks. */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { UsageError } from './errors.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * normalizeHostname returns the lower-case A-label form of a host name (trailing dot removed,
 * Unicode converted to punycode), or throws UsageError: LDH labels of 1–63 characters, at most
 * 253 in all; IP literals, empty labels and spaces are refused.
 */
export function normalizeHostname(input: string): string {
  const raw = input.trim();
  if (raw === '' || /\s/.test(raw))
    throw new UsageError(`invalid name ${JSON.stringify(input)}: empty or contains spaces`);
  let name = raw.endsWith('.') ? raw.slice(0, -1) : raw;
  if (name === '') throw new UsageError(`invalid name ${JSON.stringify(input)}`);
  if (isIP(name) || isIP(name.replace(/^\[|\]$/g, ''))) {
    throw new UsageError(`invalid name ${JSON.stringify(input)}: IP addresses are not host names`);
  }
  if (name.split('.').some((l) => l === '')) throw new UsageError(`invalid name ${JSON.stringify(input)}: empty label`);
  if (/[^\x00-\x7f]/.test(name)) {
    const ascii = domainToASCII(name);
    if (!ascii) throw new UsageError(`invalid name ${JSON.stringify(input)}: not a valid internationalized name`);
    name = ascii;
  }
  name = name.toLowerCase();
  if (name.length > 253) throw new UsageError(`invalid name ${JSON.stringify(input)}: longer than 253 characters`);
  for (const label of name.split('.')) {
    if (label.length > 63)
      throw new UsageError(
        `invalid name ${JSON.stringify(input)}: label "${label.slice(0, 20)}…" longer than 63 characters`,
      );
    if (!LABEL.test(label))
      throw new UsageError(
        `invalid name ${JSON.stringify(input)}: label "${label}" is not letters, digits and hyphens`,
      );
  }
  if (/^\d+$/.test(name.split('.').at(-1)!))
    throw new UsageError(`invalid name ${JSON.stringify(input)}: all-numeric top-level label`);
  return name;
}

export interface ParsedTarget {
  /** The base name, A-label, without `*.` */
  name: string;
  /** Explicit port from `name:port`, if given. */
  port?: number;
  wildcard: boolean;
}

/**
 * parseTarget parses `<name>[:port]` as the CLI and `/cert diagnose` take it; `*.name` means a
 * wildcard certificate for name. Throws UsageError on anything else.
 */
export function parseTarget(input: string): ParsedTarget {
  let s = input.trim();
  let port: number | undefined;
  const m = /^(.*):(\d{1,5})$/.exec(s);
  if (m && !s.startsWith('[')) {
    s = m[1]!;
    port = parsePort(m[2]!, input);
  }
  let wildcard = false;
  if (s.startsWith('*.')) {
    wildcard = true;
    s = s.slice(2);
  }
  if (s.includes('*'))
    throw new UsageError(`invalid name ${JSON.stringify(input)}: a wildcard must be the whole left-most label`);
  const name = normalizeHostname(s);
  return port === undefined ? { name, wildcard } : { name, port, wildcard };
}

/** parsePort returns a TCP port 1–65535 or throws UsageError naming the context. */
export function parsePort(value: string, context = value): number {
  if (!/^\d{1,5}$/.test(value)) throw new UsageError(`invalid port in ${JSON.stringify(context)}`);
  const n = Number(value);
  if (n < 1 || n > 65535) throw new UsageError(`invalid port ${n} in ${JSON.stringify(context)}: must be 1-65535`);
  return n;
}

/** parentNames returns the name and each parent toward the TLD: a.b.c -> [a.b.c, b.c, c]. */
export function parentNames(name: string): string[] {
  const labels = name.split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}
