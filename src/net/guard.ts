/**
 * Target policy (SSRF guard): which addresses certmedic may probe. The CLI probes anything; the
 * bot refuses private, loopback, link-local and reserved space unless CERTMEDIC_ALLOW_NETWORKS
 * allows it. Every probe in net/ asks the policy after DNS, before connecting.
 */
import { BlockList, isIP } from 'node:net';
import { PolicyError } from '../core/errors.js';

export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'reserved';

function list(entries: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const b = new BlockList();
  for (const [net, prefix, type] of entries) b.addSubnet(net, prefix, type);
  return b;
}

const LOOPBACK = list([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);
const LINK_LOCAL = list([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
]);
const PRIVATE = list([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
]);
// RFC 6890 special-purpose blocks that are not globally reachable.
const RESERVED = list([
  ['0.0.0.0', 8, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]);

/** unmapIPv4 returns the IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else the input. */
export function unmapIPv4(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}

/** classifyAddress returns which kind of address space an IP literal belongs to. */
export function classifyAddress(address: string): AddressClass {
  const ip = unmapIPv4(address);
  const family = isIP(ip);
  if (family === 0) return 'reserved';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (LOOPBACK.check(ip, type)) return 'loopback';
  if (LINK_LOCAL.check(ip, type)) return 'link-local';
  if (PRIVATE.check(ip, type)) return 'private';
  if (RESERVED.check(ip, type)) return 'reserved';
  return 'public';
}

/** parseCidr returns [network, prefix, family] for `a.b.c.d/n`, `v6/n` or a bare address. */
export function parseCidr(cidr: string): [string, number, 'ipv4' | 'ipv6'] {
  const [net, prefixText] = cidr.trim().split('/');
  const family = isIP(net ?? '');
  if (!net || family === 0) throw new PolicyError(`invalid network ${JSON.stringify(cidr)}`);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (prefixText !== undefined && !/^\d+$/.test(prefixText))
  ) {
    throw new PolicyError(`invalid prefix length in ${JSON.stringify(cidr)}`);
  }
  return [net, prefix, family === 4 ? 'ipv4' : 'ipv6'];
}

/** TargetPolicy decides whether an address may be probed. */
export class TargetPolicy {
  private readonly allowed: BlockList;
  constructor(
    /** true in the CLI: every address may be probed. */
    readonly allowNonPublic: boolean,
    readonly allowNetworks: readonly string[] = [],
  ) {
    this.allowed = list(allowNetworks.map(parseCidr));
  }

  /** permits returns true when the address may be probed. */
  permits(address: string): boolean {
    const ip = unmapIPv4(address);
    if (this.allowNonPublic) return true;
    if (classifyAddress(ip) === 'public') return true;
    const family = isIP(ip);
    return family !== 0 && this.allowed.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** assert throws PolicyError when the address may not be probed. */
  assert(address: string): void {
    if (!this.permits(address)) {
      throw new PolicyError(
        `refusing to probe ${address}: ${classifyAddress(address)} address (allow it with CERTMEDIC_ALLOW_NETWORKS)`,
      );
    }
  }
}

export const permissivePolicy = new TargetPolicy(true);
