/**
 * DNS check: does the name resolve (through the resolver, CNAMEs followed), to what kind of
 * addresses, and do the zone's authoritative servers, asked directly, agree and answer at all?
 */
import { finding } from '../core/catalog.js';
import type { Finding } from '../core/finding.js';
import { type DnsError, type DnsResponse, formatServer, type Resolution } from '../net/dns.js';
import { classifyAddress } from '../net/guard.js';
import { mapPort } from '../net/portmap.js';
import type { Check, ScanContext } from './context.js';
import type { AddressLookup, FamilyLookup } from './lookups.js';

/** describeChain returns `a -> b -> c` for a CNAME chain, or '' when there is none. */
export function describeChain(r: Pick<Resolution, 'name' | 'cnames'>): string {
  return r.cnames.length === 0 ? '' : [r.name, ...r.cnames.map((c) => c.target)].join(' -> ');
}

/** dnsErrorFinding turns a query that got no usable answer into dns.timeout or dns.malformed_response. */
export function dnsErrorFinding(err: DnsError, what: string): Finding {
  const server = formatServer(err.server);
  if (err.kind === 'malformed') {
    return finding('dns.malformed_response', `${what}: ${err.message}`, { server, error: err.message });
  }
  return finding('dns.timeout', `${what}: no answer from ${server} (${err.message})`, { server, error: err.message });
}

/**
 * resolutionFindings returns the findings of the resolver's answers for A and AAAA. For a wildcard
 * certificate the base name needs no address of its own (DNS-01 validates it), so a name without
 * addresses is not a finding then.
 */
export function resolutionFindings(name: string, lookup: AddressLookup, wildcard = false): Finding[] {
  const fams = [lookup.v4, lookup.v6].filter((f): f is FamilyLookup => f !== undefined);
  const errors = fams.filter((f) => f.error).map((f) => f.error!);
  const resolutions = fams.filter((f) => f.resolution).map((f) => f.resolution!);
  const out: Finding[] = [];
  const loop = resolutions.find((r) => r.loop);
  if (loop) {
    out.push(
      finding('dns.cname_loop', `Following CNAMEs from ${name} never ends: ${describeChain(loop)}`, {
        chain: loop.cnames,
      }),
    );
    return out;
  }
  if (lookup.addresses.length > 0) return out;
  if (errors.length > 0) return [dnsErrorFinding(errors[0]!, `Looking up the addresses of ${name}`)];
  const nx = resolutions.find((r) => r.rcode === 'NXDOMAIN');
  if (nx) {
    const chain = describeChain(nx);
    const detail = chain
      ? `${name} is a CNAME whose target does not exist: ${chain} (NXDOMAIN for ${nx.canonical})`
      : `The resolver answered NXDOMAIN for ${name}`;
    return [finding('dns.nxdomain', detail, { name, canonical: nx.canonical, chain: nx.cnames })];
  }
  const failed = resolutions.find((r) => r.rcode !== 'NOERROR');
  if (failed) {
    return [
      finding('dns.servfail', `The resolver answered ${failed.rcode} for ${failed.canonical} ${failed.type}`, {
        name: failed.canonical,
        rcode: failed.rcode,
        type: failed.type,
      }),
    ];
  }
  if (wildcard) return [];
  const chain = resolutions.map(describeChain).find((c) => c !== '');
  return [
    finding('dns.no_address', `${name} exists but has no A or AAAA record${chain ? ` (CNAME chain ${chain})` : ''}`, {
      name,
      chain: resolutions[0]?.cnames ?? [],
    }),
  ];
}

/** privateAddressFindings flags addresses a public CA cannot reach. */
export function privateAddressFindings(name: string, addresses: string[]): Finding[] {
  const nonPublic = addresses
    .map((address) => ({ address, kind: classifyAddress(address) }))
    .filter((a) => a.kind !== 'public');
  if (nonPublic.length === 0) return [];
  const list = nonPublic.map((a) => `${a.address} (${a.kind})`).join(', ');
  const only = nonPublic.length === addresses.length;
  return [
    finding('dns.private_address', `${name} resolves ${only ? 'only ' : ''}to non-public addresses: ${list}`, {
      addresses: nonPublic,
    }),
  ];
}

interface ServerAnswer {
  ns: string;
  address: string;
  signature?: string;
  serial?: number;
  problem?: string;
}

/** inZone returns true when `owner` is `zone` or below it. */
function inZone(owner: string, zone: string): boolean {
  return zone === '' || owner === zone || owner.endsWith(`.${zone}`);
}

/**
 * signatureOf summarises a server's answers for comparison: the address and CNAME records owned
 * inside the zone. Records a server adds by following a CNAME into another zone it happens to
 * serve are left out, or a secondary that serves only this zone would seem to disagree.
 */
export function signatureOf(responses: DnsResponse[], zone: string): string {
  const parts = responses.flatMap((r) =>
    r.answers
      .filter((a) => (a.type === 'A' || a.type === 'AAAA' || a.type === 'CNAME') && inZone(a.name, zone))
      .map((a) => `${a.type} ${String(a.data)}`),
  );
  const rcodes = [...new Set(responses.map((r) => r.rcode))].join('/');
  return parts.length > 0 ? [...new Set(parts)].sort().join(', ') : `${rcodes} (no address)`;
}

async function askServer(ctx: ScanContext, zone: string, ns: string, address: string): Promise<ServerAnswer> {
  const server = { host: address, port: mapPort(ctx.portMap, 53) };
  const name = ctx.req.name;
  try {
    const [a, aaaa, soa] = await Promise.all([
      ctx.dns.query(name, 'A', { server, rd: false }),
      ctx.dns.query(name, 'AAAA', { server, rd: false }),
      ctx.dns.query(zone, 'SOA', { server, rd: false }),
    ]);
    const bad = [a, aaaa].find((r) => r.rcode !== 'NOERROR' && r.rcode !== 'NXDOMAIN');
    if (bad) return { ns, address, problem: `answered ${bad.rcode}` };
    if (!a.aa || !aaaa.aa) return { ns, address, problem: 'answered without authority (AA flag not set)' };
    const soaRec = soa.answers.find((r) => r.type === 'SOA');
    const serial = soaRec && soaRec.type === 'SOA' ? soaRec.data.serial : undefined;
    return { ns, address, signature: signatureOf([a, aaaa], zone), ...(serial !== undefined ? { serial } : {}) };
  } catch (err) {
    const e = err as DnsError;
    return {
      ns,
      address,
      problem: e.kind === 'malformed' ? 'sent a malformed answer' : `did not answer (${e.message})`,
    };
  }
}

/** authorityFindings asks every authoritative server of the zone directly and compares answers. */
async function authorityFindings(ctx: ScanContext, resolverAnswered: boolean): Promise<Finding[]> {
  const name = ctx.req.name;
  let authority: Awaited<ReturnType<typeof ctx.dns.authoritative>>;
  try {
    authority = await ctx.dns.authoritative(name);
  } catch (err) {
    ctx.facts['authority'] = { error: (err as Error).message };
    return [];
  }
  if (authority.nameservers.length === 0) {
    ctx.facts['authority'] = { zone: authority.zone, nameservers: [] };
    return [];
  }
  const out: Finding[] = [];
  const answers: ServerAnswer[] = [];
  const jobs: Promise<ServerAnswer>[] = [];
  const refused = authority.nameservers.flatMap((ns) =>
    (ns.refused ?? []).map((address) => ({ ns: ns.name, address })),
  );
  for (const ns of authority.nameservers) {
    if (ns.addresses.length === 0 && (ns.refused?.length ?? 0) > 0) continue;
    if (ns.addresses.length === 0) {
      answers.push({ ns: ns.name, address: '', problem: `has no address (${ns.error ?? 'no A/AAAA record'})` });
      continue;
    }
    for (const address of ns.addresses) jobs.push(askServer(ctx, authority.zone, ns.name, address));
  }
  answers.push(...(await Promise.all(jobs)));
  ctx.facts['authority'] = {
    zone: authority.zone,
    nameservers: answers.map((a) => ({
      name: a.ns,
      address: a.address,
      ...(a.signature ? { answer: a.signature } : {}),
      ...(a.serial !== undefined ? { serial: a.serial } : {}),
      ...(a.problem ? { problem: a.problem } : {}),
    })),
    ...(refused.length > 0 ? { refusedByPolicy: refused } : {}),
  };
  const silent = answers.filter((a) => a.problem?.startsWith('did not answer'));
  if (answers.length > 0 && silent.length === answers.length && resolverAnswered) {
    // The resolver got answers from these servers, so they work: we cannot reach them from here.
    (ctx.facts['authority'] as Record<string, unknown>)['note'] =
      'no authoritative server answered when asked directly (firewall, or a --port-map 53=... needed); consistency not checked';
    return [];
  }
  for (const lame of answers.filter((a) => a.problem)) {
    out.push(
      finding(
        'dns.lame_delegation',
        `Name server ${lame.ns}${lame.address ? ` (${lame.address})` : ''} for zone ${authority.zone} ${lame.problem}`,
        { zone: authority.zone, nameserver: lame.ns, address: lame.address, problem: lame.problem },
      ),
    );
  }
  const answered = answers.filter((a) => a.signature !== undefined);
  const distinct = new Set(answered.map((a) => a.signature));
  if (distinct.size > 1) {
    const lines = answered.map(
      (a) => `${a.ns} (${a.address})${a.serial !== undefined ? ` serial ${a.serial}` : ''}: ${a.signature}`,
    );
    out.push(
      finding(
        'dns.nameservers_disagree',
        `The authoritative servers of ${authority.zone} give different answers for ${name}: ${lines.join('; ')}`,
        {
          zone: authority.zone,
          answers: answered.map((a) => ({
            nameserver: a.ns,
            address: a.address,
            answer: a.signature,
            serial: a.serial,
          })),
        },
      ),
    );
  }
  return out;
}

/**
 * findHiddenLoop looks behind a resolver's SERVFAIL for a CNAME loop (recursive resolvers such as
 * unbound answer SERVFAIL instead of returning the looping chain).
 */
async function findHiddenLoop(ctx: ScanContext, lookup: AddressLookup): Promise<Finding[]> {
  const failed = [lookup.v4, lookup.v6].some((f) => f?.resolution?.rcode === 'SERVFAIL');
  if (!failed || lookup.addresses.length > 0) return [];
  try {
    const trace = await ctx.dns.traceCnames(ctx.req.name);
    if (!trace.loop) return [];
    const chain = describeChain({ name: ctx.req.name, cnames: trace.cnames });
    return [
      finding(
        'dns.cname_loop',
        `Following CNAMEs from ${ctx.req.name} never ends: ${chain} (the resolver answers SERVFAIL)`,
        { chain: trace.cnames },
      ),
    ];
  } catch {
    return [];
  }
}

export const dnsCheck: Check = {
  name: 'dns',
  async run(ctx) {
    const lookup = await ctx.lookups.addresses();
    const name = ctx.req.name;
    ctx.facts['resolution'] = {
      source: lookup.source,
      addresses: lookup.addresses,
      ...(lookup.v4?.resolution
        ? { cnames: lookup.v4.resolution.cnames, canonical: lookup.v4.resolution.canonical }
        : {}),
    };
    if (lookup.source === 'given') return privateAddressFindings(name, lookup.addresses);
    const answered = [lookup.v4, lookup.v6].every(
      (f) => f?.resolution && ['NOERROR', 'NXDOMAIN'].includes(f.resolution.rcode),
    );
    const [authority, loop] = await Promise.all([authorityFindings(ctx, answered), findHiddenLoop(ctx, lookup)]);
    return [
      ...(loop.length > 0 ? loop : resolutionFindings(name, lookup, ctx.req.wildcard)),
      ...privateAddressFindings(name, lookup.addresses),
      ...authority,
    ];
  },
};
