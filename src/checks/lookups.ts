/** Stage-one lookups shared by the checks: the name's A and AAAA addresses, resolved once. */
import { isIP } from 'node:net';
import { type DnsClient, DnsError, type Resolution } from '../net/dns.js';

export type FamilyLookup = { resolution: Resolution; error?: undefined } | { error: DnsError; resolution?: undefined };

export interface AddressLookup {
  /** Every IPv4 and IPv6 address (IPv6 first, as CAs try it first), de-duplicated. */
  addresses: string[];
  source: 'dns' | 'given';
  v4?: FamilyLookup;
  v6?: FamilyLookup;
}

async function lookupFamily(dns: DnsClient, name: string, type: 'A' | 'AAAA'): Promise<FamilyLookup> {
  try {
    return { resolution: await dns.resolve(name, type) };
  } catch (err) {
    if (err instanceof DnsError) return { error: err };
    throw err;
  }
}

/** lookupAddresses resolves A and AAAA concurrently (or takes the given addresses as they are). */
export async function lookupAddresses(dns: DnsClient, name: string, given?: string[]): Promise<AddressLookup> {
  if (given && given.length > 0) {
    return { addresses: [...new Set(given)].sort((a, b) => isIP(b) - isIP(a)), source: 'given' };
  }
  const [v4, v6] = await Promise.all([lookupFamily(dns, name, 'A'), lookupFamily(dns, name, 'AAAA')]);
  const v6addrs = v6.resolution?.records.map((r) => r.data as string) ?? [];
  const v4addrs = v4.resolution?.records.map((r) => r.data as string) ?? [];
  return { addresses: [...new Set([...v6addrs, ...v4addrs])], source: 'dns', v4, v6 };
}
