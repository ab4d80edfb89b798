/**
 * DNS-01 as CAs check it (RFC 8555 §8.4): the TXT record at `_acme-challenge.<name>` (the base
 * name for wildcards), CNAME delegation followed (acme-dns and cloud zones), through the resolver
 * and at every authoritative server of the zone that holds the record, asked directly.
 */
import { finding } from '../core/catalog.js';
import type { Finding } from '../core/finding.js';
import { DnsError, type Resolution } from '../net/dns.js';
import { mapPort } from '../net/portmap.js';
import type { Check, ScanContext } from './context.js';
import { describeChain, dnsErrorFinding } from './dns.js';

const SHOWN = 5;

/** challengeName returns the DNS-01 owner name for a (base) name: `_acme-challenge.<name>`. */
export function challengeName(name: string): string {
  return `_acme-challenge.${name}`;
}

/** quoteValues returns the values quoted, cut after five ("and 3 more") as CAs do. */
export function quoteValues(values: readonly string[]): string {
  const shown = values.slice(0, SHOWN).map((v) => JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}…` : v));
  return `${shown.join(', ')}${values.length > SHOWN ? ` (and ${values.length - SHOWN} more)` : ''}`;
}

interface ServerTxt {
  ns: string;
  address: string;
  values?: string[];
  serial?: number;
  problem?: string;
}

/** askServer asks one authoritative server directly (no recursion) for the TXT set and the SOA serial. */
async function askServer(ctx: ScanContext, zone: string, owner: string, ns: string, address: string) {
  const server = { host: address, port: mapPort(ctx.portMap, 53) };
  try {
    const [txt, soa] = await Promise.all([
      ctx.dns.query(owner, 'TXT', { server, rd: false }),
      ctx.dns.query(zone, 'SOA', { server, rd: false }).catch(() => undefined),
    ]);
    if (txt.rcode !== 'NOERROR' && txt.rcode !== 'NXDOMAIN') return { ns, address, problem: `answered ${txt.rcode}` };
    const soaRec = soa?.answers.find((r) => r.type === 'SOA');
    return {
      ns,
      address,
      values: txt.answers.filter((r) => r.type === 'TXT' && r.name === owner).map((r) => String(r.data)),
      ...(soaRec?.type === 'SOA' ? { serial: soaRec.data.serial } : {}),
    };
  } catch (err) {
    return { ns, address, problem: `did not answer (${(err as Error).message})` };
  }
}

/**
 * laggingServers returns the servers that do not have the record yet: without the expected value
 * when one is given; otherwise those with an older SOA serial, else those that differ from the
 * majority, else those lacking a value others have.
 */
export function laggingServers(answers: ServerTxt[], expected?: string): ServerTxt[] {
  const answered = answers.filter((a) => a.values !== undefined);
  if (expected !== undefined) {
    const holders = answered.filter((a) => a.values!.includes(expected));
    return holders.length > 0 ? answered.filter((a) => !a.values!.includes(expected)) : [];
  }
  const sig = (a: ServerTxt) => [...a.values!].sort().join('\n');
  if (new Set(answered.map(sig)).size <= 1) return [];
  const serials = answered.map((a) => a.serial).filter((s): s is number => s !== undefined);
  if (serials.length === answered.length && new Set(serials).size > 1) {
    const newest = Math.max(...serials);
    return answered.filter((a) => a.serial! < newest);
  }
  const counts = new Map<string, number>();
  for (const a of answered) counts.set(sig(a), (counts.get(sig(a)) ?? 0) + 1);
  const [top, second] = [...counts.entries()].sort((x, y) => y[1] - x[1]);
  if (top && (!second || top[1] > second[1])) return answered.filter((a) => sig(a) !== top[0]);
  const union = new Set(answered.flatMap((a) => a.values!));
  return answered.filter((a) => [...union].some((v) => !a.values!.includes(v)));
}

/** authorityFindings compares the TXT set at every authoritative server of the owner's zone. */
async function authorityFindings(ctx: ScanContext, owner: string): Promise<{ findings: Finding[]; have: string[] }> {
  let authority: Awaited<ReturnType<typeof ctx.dns.authoritative>>;
  try {
    authority = await ctx.dns.authoritative(owner);
  } catch (err) {
    ctx.facts['dns01Authority'] = { error: (err as Error).message };
    return { findings: [], have: [] };
  }
  const jobs = authority.nameservers.flatMap((ns) =>
    ns.addresses.map((address) => askServer(ctx, authority.zone, owner, ns.name, address)),
  );
  const answers: ServerTxt[] = await Promise.all(jobs);
  ctx.facts['dns01Authority'] = { zone: authority.zone, name: owner, nameservers: answers };
  const lagging = laggingServers(answers, ctx.req.txt);
  const have = answers.filter((a) => (a.values?.length ?? 0) > 0).map((a) => `${a.ns} (${a.address})`);
  if (lagging.length === 0) return { findings: [], have };
  const list = lagging.map(
    (a) =>
      `${a.ns} (${a.address})${a.serial !== undefined ? ` serial ${a.serial}` : ''}: ${a.values!.length ? quoteValues(a.values!) : 'no TXT record'}`,
  );
  const finding_ = finding(
    'dns01.nameservers_disagree',
    `Not every authoritative server of ${authority.zone} has the TXT record at ${owner} yet; lagging: ${list.join('; ')}`,
    {
      zone: authority.zone,
      name: owner,
      lagging: lagging.map((a) => ({ nameserver: a.ns, address: a.address, serial: a.serial, values: a.values })),
      answers: answers.map((a) => ({ nameserver: a.ns, address: a.address, serial: a.serial, values: a.values })),
    },
    {
      fixes: [
        `Check zone transfers to ${lagging.map((a) => a.ns).join(', ')} (compare \`dig @<ns> ${authority.zone} SOA\`), then retry once they serve the record.`,
      ],
    },
  );
  return { findings: [finding_], have };
}

/** resolverFindings judges the answer the resolver gives for the challenge name. */
function resolverFindings(name: string, r: Resolution, values: string[], expected?: string): Finding[] {
  const chain = describeChain(r);
  if (r.loop) {
    return [
      finding('dns01.cname_delegation_broken', `The CNAME delegation of ${name} loops: ${chain}`, {
        name,
        chain: r.cnames,
      }),
    ];
  }
  if (values.length === 0 && r.cnames.length > 0) {
    const state =
      r.rcode === 'NXDOMAIN'
        ? 'does not exist (NXDOMAIN)'
        : r.rcode !== 'NOERROR'
          ? `answers ${r.rcode}`
          : 'has no TXT record';
    return [
      finding(
        'dns01.cname_delegation_broken',
        `${name} is delegated by CNAME to ${r.canonical}, which ${state} (${chain})`,
        { name, target: r.canonical, rcode: r.rcode, chain: r.cnames },
        { fixes: [`Check that the service behind ${r.canonical} (acme-dns, a cloud DNS zone) holds the record.`] },
      ),
    ];
  }
  if (values.length === 0 && r.rcode !== 'NOERROR' && r.rcode !== 'NXDOMAIN') {
    return [
      finding('dns.servfail', `The resolver answered ${r.rcode} for ${name} TXT`, {
        name,
        rcode: r.rcode,
        type: 'TXT',
      }),
    ];
  }
  if (values.length === 0) {
    return [
      finding(
        'dns01.record_missing',
        `No TXT record at ${name} (${r.rcode})`,
        { name, rcode: r.rcode },
        { fixes: expected ? [`Publish \`${name}. TXT "${expected}"\`.`] : [] },
      ),
    ];
  }
  if (expected !== undefined && !values.includes(expected)) {
    return [
      finding(
        'dns01.record_mismatch',
        `The TXT records at ${r.canonical} are ${quoteValues(values)}, not ${JSON.stringify(expected)}`,
        { name, owner: r.canonical, values, expected },
        { fixes: [`Publish \`${r.canonical}. TXT "${expected}"\` (and remove stale values).`] },
      ),
    ];
  }
  return [];
}

export const dns01Check: Check = {
  name: 'dns01',
  skipReason(req) {
    return req.method !== 'dns-01' ? `the validation method is ${req.method}` : undefined;
  },
  async run(ctx) {
    const name = challengeName(ctx.req.name);
    let r: Resolution;
    try {
      r = await ctx.dns.resolve(name, 'TXT');
    } catch (err) {
      if (err instanceof DnsError) return [dnsErrorFinding(err, `Looking up the TXT record at ${name}`)];
      throw err;
    }
    const values = r.records.filter((x) => x.type === 'TXT').map((x) => String(x.data));
    ctx.facts['dns01'] = {
      name,
      rcode: r.rcode,
      values,
      ...(r.cnames.length > 0 ? { cnames: r.cnames, canonical: r.canonical } : {}),
    };
    const out = resolverFindings(name, r, values, ctx.req.txt);
    if (r.loop) return out;
    const authority = await authorityFindings(ctx, r.canonical);
    const missing = out.find((f) => f.code === 'dns01.record_missing');
    if (missing && authority.have.length > 0) {
      missing.detail += `, although ${authority.have.join(', ')} ha${authority.have.length > 1 ? 've' : 's'} it (the resolver may still cache an earlier negative answer)`;
    }
    return [...out, ...authority.findings];
  },
};
