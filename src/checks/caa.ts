/**
 * CAA check, as CAs apply it: RFC 8659 (with erratum 5065) and RFC 8657. A chain of small steps:
 * look up every label in parallel -> select the relevant set -> filter by tag -> parse -> match.
 */
import { finding } from '../core/catalog.js';
import type { Finding } from '../core/finding.js';
import { parentNames } from '../core/names.js';
import { type CaaRecord, DnsError, type Resolution } from '../net/dns.js';
import type { Check, DiagnoseRequest, ScanContext } from './context.js';

/** Property tags a CA understands (RFC 8659 §4, CA/Browser Forum BR 3.2.2.8, RFC 9495). */
const KNOWN_TAGS = new Set(['issue', 'issuewild', 'iodef', 'contactemail', 'contactphone', 'issuemail', 'issuevmc']);

interface LabelLookup {
  name: string;
  resolution?: Resolution;
  error?: string;
}

/** RelevantSet is the CAA set that governs issuance (RFC 8659 §3) and where it was found. */
export interface RelevantSet {
  /** The label of the original name where the set applies (example.com). */
  foundAt: string;
  /** The name that really holds the records, when reached through CNAME (platform.example.net). */
  via?: string;
  records: CaaRecord[];
}

type Selection = { set?: RelevantSet; failure?: { name: string; reason: string } };

/**
 * lookupCaa queries CAA at the name and every parent label, in parallel (Boulder does the same);
 * the resolver follows CNAMEs at each label and returns the target's own set (erratum 5065).
 */
async function lookupCaa(ctx: ScanContext, name: string): Promise<LabelLookup[]> {
  return Promise.all(
    parentNames(name).map(async (label): Promise<LabelLookup> => {
      try {
        return { name: label, resolution: await ctx.dns.resolve(label, 'CAA') };
      } catch (err) {
        if (err instanceof DnsError) return { name: label, error: err.message };
        throw err;
      }
    }),
  );
}

/**
 * selectRelevant returns the first non-empty set climbing from the name toward the TLD. A lookup
 * failure (SERVFAIL, REFUSED, timeout, a CNAME loop) before a set is found fails the whole check:
 * records might hide behind it, so CAs refuse (RFC 8659 §3, Boulder's selectCAA).
 */
function selectRelevant(lookups: LabelLookup[]): Selection {
  for (const l of lookups) {
    if (l.error) return { failure: { name: l.name, reason: l.error } };
    const r = l.resolution!;
    if (r.loop)
      return {
        failure: { name: l.name, reason: `CNAME loop (${[r.name, ...r.cnames.map((c) => c.target)].join(' -> ')})` },
      };
    if (r.rcode !== 'NOERROR' && r.rcode !== 'NXDOMAIN')
      return { failure: { name: l.name, reason: `the resolver answered ${r.rcode}` } };
    const records = r.records.filter((x) => x.type === 'CAA').map((x) => x.data as CaaRecord);
    if (records.length > 0) {
      return { set: { foundAt: l.name, ...(r.canonical !== l.name ? { via: r.canonical } : {}), records } };
    }
  }
  return {};
}

export interface IssueValue {
  /** The issuer domain, lower-case; '' means "no CA" (`;`). */
  domain: string;
  params: Record<string, string>;
}

const ISSUER_DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/**
 * parseIssueValue parses an issue/issuewild value (RFC 8659 §4.2): `[domain] [; tag=value ...]`.
 * Returns an error text for a value that does not follow the grammar (CAs skip such a record, so
 * it authorizes nobody).
 */
export function parseIssueValue(value: string): IssueValue | { error: string } {
  const parts = value.split(';');
  const raw = parts[0]!.trim();
  // The grammar has no trailing dot, and Boulder compares the issuer domain exactly: a record for
  // "letsencrypt.org." authorizes nobody there.
  if (raw.length > 1 && raw.endsWith('.'))
    return {
      error: `issuer ${JSON.stringify(raw)} ends with a dot, which the grammar does not allow (write ${raw.slice(0, -1)})`,
    };
  const domain = raw.toLowerCase();
  if (domain !== '' && !ISSUER_DOMAIN.test(domain))
    return { error: `issuer ${JSON.stringify(parts[0]!.trim())} is not a domain name` };
  const params: Record<string, string> = {};
  const rest = parts.slice(1);
  if (rest.length === 1 && rest[0]!.trim() === '') return { domain, params };
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) return { error: `parameter ${JSON.stringify(p.trim())} is not tag=value` };
    const tag = p.slice(0, eq).trim();
    const val = p.slice(eq + 1).trim();
    if (!/^[a-z0-9]+(?:-+[a-z0-9]+)*$/i.test(tag))
      return { error: `parameter tag ${JSON.stringify(tag)} is not letters and digits` };
    if (!/^[\x21-\x3a\x3c-\x7e]*$/.test(val))
      return { error: `parameter value ${JSON.stringify(val)} has spaces or control characters` };
    params[tag.toLowerCase()] = val;
  }
  return { domain, params };
}

/** formatRecord returns a record as a zone file shows it: `0 issue "letsencrypt.org"`. */
export function formatRecord(r: CaaRecord): string {
  return `${r.flags} ${r.tag} "${r.value}"`;
}

function isCritical(r: CaaRecord): boolean {
  // 128 is the critical flag; Boulder also honours bit 1, which many publishers set by mistake.
  return (r.flags & 0x81) !== 0;
}

interface Candidate {
  record: CaaRecord;
  value: IssueValue;
}

/** methodAllowed applies RFC 8657 §4: `validationmethods` lists the only methods the CA may use. */
function methodAllowed(v: IssueValue, method: string): boolean {
  const list = v.params['validationmethods'];
  if (list === undefined || method === 'none') return true;
  return list
    .split(',')
    .map((m) => m.trim().toLowerCase())
    .includes(method);
}

/** accountAllowed applies RFC 8657 §3: with `accounturi`, only that ACME account may order. */
function accountAllowed(v: IssueValue, accountUri: string | undefined): boolean {
  const uri = v.params['accounturi'];
  return uri === undefined || accountUri === undefined || uri === accountUri;
}

function recordLine(owner: string, tag: string, issuer: string): string {
  return `${owner}. CAA 0 ${tag} "${issuer}"`;
}

/**
 * evaluateSet judges the relevant set for the request and returns the findings. An unknown
 * critical property blocks issuance whatever else the set says (RFC 8659 §4.1), so the set then
 * never "permits".
 */
export function evaluateSet(req: DiagnoseRequest, set: RelevantSet): Finding[] {
  const out = judgeSet(req, set);
  return out.some((f) => f.code === 'caa.unknown_critical') ? out.filter((f) => f.code !== 'caa.permits') : out;
}

function judgeSet(req: DiagnoseRequest, set: RelevantSet): Finding[] {
  const out: Finding[] = [];
  const where = set.via ? `${set.foundAt} (CNAME to ${set.via}, whose set applies)` : set.foundAt;
  const evidenceBase = { foundAt: set.foundAt, via: set.via, records: set.records.map(formatRecord) };
  const critical = set.records.filter((r) => isCritical(r) && !KNOWN_TAGS.has(r.tag.toLowerCase()));
  for (const r of critical) {
    out.push(
      finding(
        'caa.unknown_critical',
        `CAA record at ${where}: \`${formatRecord(r)}\` has the critical flag and the unknown tag "${r.tag}"`,
        {
          ...evidenceBase,
          record: formatRecord(r),
        },
      ),
    );
  }

  const tagged = (tag: string) => set.records.filter((r) => r.tag.toLowerCase() === tag);
  const useWild = req.wildcard && tagged('issuewild').length > 0;
  const tag = useWild ? 'issuewild' : 'issue';
  const relevant = tagged(tag);
  const parsed: Candidate[] = [];
  // Every issue/issuewild record is parsed; malformed ones are reported whichever tag decides,
  // and only well-formed records of the deciding tag can authorize.
  for (const record of set.records.filter((r) => ['issue', 'issuewild'].includes(r.tag.toLowerCase()))) {
    const value = parseIssueValue(record.value);
    if ('error' in value) {
      out.push(
        finding('caa.malformed', `CAA record at ${where}: \`${formatRecord(record)}\`: ${value.error}`, {
          ...evidenceBase,
          record: formatRecord(record),
        }),
      );
    } else if (record.tag.toLowerCase() === tag) parsed.push({ record, value });
  }

  const issuers = [...new Set(parsed.map((c) => c.value.domain).filter((d) => d !== ''))];
  const evidence = { ...evidenceBase, tag, issuers };
  if (relevant.length === 0) {
    // A set without issue (or, for wildcards, issue/issuewild) properties does not restrict issuance.
    out.push(finding('caa.permits', `CAA at ${where} has no ${tag} property: any CA may issue`, evidence));
    return out;
  }

  const ca = req.ca;
  const nameLabel = `${req.wildcard ? '*.' : ''}${req.name}`;
  const forbidCode = useWild ? 'caa.forbids_wildcard' : 'caa.forbids_ca';
  const owner = set.via ? req.name : set.foundAt;
  const hostingAdvice = set.via
    ? [
        `${req.name} is a CNAME to ${set.via}, so the CAA set of ${set.via} applies and no CAA record can be added at ${req.name}: remove (pause) the CNAME while the certificate is issued, or have the platform publish a CAA record for the CA at ${set.via}.`,
      ]
    : [];
  const parentAdvice = (issuer: string) =>
    !set.via && set.foundAt !== req.name
      ? [
          `The set comes from the parent ${set.foundAt}, not from ${req.name} itself: either add \`${recordLine(set.foundAt, tag, issuer)}\` there, or give ${req.name} its own set with \`${recordLine(req.name, tag, issuer)}\` (which then replaces the parent's for this name).`,
        ]
      : [`Add \`${recordLine(owner, tag, issuer)}\` next to the existing records.`];

  if (!ca) {
    const usable = parsed.filter((c) => c.value.domain !== '');
    if (usable.length === 0) {
      out.push(
        finding(
          forbidCode,
          `CAA at ${where} forbids every CA for ${nameLabel}: ${relevant.map(formatRecord).join(', ')}`,
          evidence,
          {
            fixes: [...hostingAdvice, ...parentAdvice('<your CA>')],
          },
        ),
      );
      return out;
    }
    // With --account-uri, only records for that account (or for any account) can authorize (RFC 8657 §3).
    const accountOk = usable.filter((c) => accountAllowed(c.value, req.accountUri));
    if (accountOk.length === 0) {
      const uris = [...new Set(usable.map((c) => c.value.params['accounturi']))].join(', ');
      out.push(
        finding(
          forbidCode,
          `CAA at ${where} allows issuance for ${nameLabel} only to the ACME account ${uris}, not ${req.accountUri}`,
          { ...evidence, accounturi: uris, accountUri: req.accountUri },
          { fixes: [`Order with the account ${uris}, or change the record's accounturi to ${req.accountUri}.`] },
        ),
      );
      return out;
    }
    const methodOk = accountOk.filter((c) => methodAllowed(c.value, req.method));
    if (methodOk.length === 0) {
      out.push(
        finding(
          'caa.method_restricted',
          `CAA at ${where} allows only other validation methods than ${req.method}: ${accountOk.map((c) => formatRecord(c.record)).join(', ')}`,
          evidence,
        ),
      );
      return out;
    }
    for (const c of usable.filter((x) => x.value.params['accounturi'] !== undefined && req.accountUri === undefined)) {
      out.push(
        finding(
          'caa.account_restricted',
          `CAA at ${where}: \`${formatRecord(c.record)}\` allows only the ACME account ${c.value.params['accounturi']}`,
          { ...evidence, accounturi: c.value.params['accounturi'] },
        ),
      );
    }
    out.push(finding('caa.permits', `CAA at ${where} permits ${issuers.join(', ')} for ${nameLabel}`, evidence));
    return out;
  }

  const domains = new Set(ca.caaDomains.map((d) => d.toLowerCase()));
  const mine = parsed.filter((c) => domains.has(c.value.domain));
  const accountOk = mine.filter((c) => accountAllowed(c.value, req.accountUri));
  const authorizing = accountOk.filter((c) => methodAllowed(c.value, req.method));
  const caIssuer = ca.caaDomains[0]!;
  if (mine.length === 0) {
    const listed = issuers.length > 0 ? `only ${issuers.join(', ')}` : 'no CA at all';
    out.push(
      finding(
        forbidCode,
        `CAA at ${where} allows ${listed} for ${nameLabel}; ${ca.display} (${ca.caaDomains.join(', ')}) is not listed: ${relevant.map(formatRecord).join(', ')}`,
        { ...evidence, ca: ca.id, caDomains: ca.caaDomains },
        { fixes: [...hostingAdvice, ...parentAdvice(caIssuer)] },
      ),
    );
    return out;
  }
  if (accountOk.length === 0) {
    const uris = [...new Set(mine.map((c) => c.value.params['accounturi']))].join(', ');
    out.push(
      finding(
        forbidCode,
        `CAA at ${where} allows ${ca.display} only for the ACME account ${uris}, not ${req.accountUri}`,
        { ...evidence, ca: ca.id, accounturi: uris, accountUri: req.accountUri },
        { fixes: [`Order with the account ${uris}, or change the record's accounturi to ${req.accountUri}.`] },
      ),
    );
    return out;
  }
  if (authorizing.length === 0) {
    const methods = [...new Set(accountOk.map((c) => c.value.params['validationmethods']))].join('; ');
    out.push(
      finding(
        'caa.method_restricted',
        `CAA at ${where} allows ${ca.display} only with validationmethods=${methods}, not ${req.method}`,
        { ...evidence, ca: ca.id, validationmethods: methods, method: req.method },
        { fixes: [`Validate with ${methods}, or add ${req.method} to validationmethods.`] },
      ),
    );
    return out;
  }
  for (const c of authorizing.filter(
    (x) => x.value.params['accounturi'] !== undefined && req.accountUri === undefined,
  )) {
    out.push(
      finding(
        'caa.account_restricted',
        `CAA at ${where}: \`${formatRecord(c.record)}\` allows ${ca.display} only for the ACME account ${c.value.params['accounturi']}`,
        { ...evidence, ca: ca.id, accounturi: c.value.params['accounturi'] },
      ),
    );
  }
  out.push(
    finding(
      'caa.permits',
      `CAA at ${where} permits ${ca.display} for ${nameLabel}: ${authorizing.map((c) => formatRecord(c.record)).join(', ')}`,
      { ...evidence, ca: ca.id },
    ),
  );
  return out;
}

export const caaCheck: Check = {
  name: 'caa',
  skipReason(req) {
    return req.port !== undefined ? 'CAA is checked for issuance, not for name:port diagnoses' : undefined;
  },
  async run(ctx) {
    const req = ctx.req;
    const lookups = await lookupCaa(ctx, req.name);
    const sel = selectRelevant(lookups);
    ctx.facts['caa'] = {
      lookups: lookups.map((l) => ({
        name: l.name,
        ...(l.error ? { error: l.error } : { rcode: l.resolution!.rcode, records: l.resolution!.records.length }),
        ...(l.resolution && l.resolution.cnames.length > 0 ? { cname: l.resolution.canonical } : {}),
      })),
      ...(sel.set ? { foundAt: sel.set.foundAt, via: sel.set.via, records: sel.set.records.map(formatRecord) } : {}),
    };
    if (sel.failure) {
      return [
        finding('caa.lookup_failed', `CAA lookup for ${sel.failure.name} failed: ${sel.failure.reason}`, {
          name: sel.failure.name,
          error: sel.failure.reason,
        }),
      ];
    }
    if (!sel.set) {
      const names = parentNames(req.name);
      return [
        finding('caa.permits', `No CAA records at ${names.join(', ')}: any CA may issue`, {
          foundAt: null,
          issuers: [],
          checked: names,
        }),
      ];
    }
    return evaluateSet(req, sel.set);
  },
};
