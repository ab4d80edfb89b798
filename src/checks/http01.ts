/**
 * HTTP-01 and CA file validation, checked the way CAs do it (RFC 8555 §8.3, Boulder va/http.go,
 * CA/Browser Forum BR 3.2.2.4.18/19): GET the challenge path on port 80 of every A and AAAA address
 * separately, Host set, redirects followed under the CA rules; only a 200 whose body, trimmed,
 * equals the expected value passes. Without a token a random one is fetched and the answer judged:
 * a 404 from the web server is what an ACME-capable path gives; a login redirect or a 403 is not.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { type Code, finding } from '../core/catalog.js';
import { NotApplicable } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import { bodyPreview, type FollowResult, fetchLikeCa, type HttpHop } from '../net/http.js';
import type { Check, DiagnoseRequest, ScanContext } from './context.js';

/** What one probe of one path expects. */
export interface ProbeSpec {
  kind: 'acme' | 'file';
  path: string;
  /** The expected body; undefined for a random token (judge reachability only). */
  expected?: string;
  /** The key of this probe in `facts.addresses[]`. */
  factKey: 'http01' | 'fileValidation';
}

export type Verdict =
  | { ok: true; summary: string; skipped?: boolean }
  | { ok: false; code: Code; summary: string; detail: string; fixes: string[]; connection: boolean };

/**
 * The most of an HTTP-01 response Let's Encrypt accepts: Boulder reads 128 bytes and fails a body
 * of 128 or more (va/http.go maxResponseSize), so a key authorization (87 bytes) padded or followed
 * by other content fails there although it is present.
 */
export const ACME_BODY_MAX = 127;

/** URLs that look like a login or single-sign-on page. */
const LOGIN_URL =
  /\/(?:log-?in|sign-?in|sign_in|logon|auth|authorize|sso|saml2?|oauth2?|cas\/login|wp-login\.php|account\/login)(?:[/?.#]|$)|[?&](?:returnurl|return_to|redirect_uri|next|continue|service)=/i;
/** Response headers that name a WAF or CDN in front of the server. */
const WAF_HEADERS = ['server', 'x-sucuri-id', 'x-cdn', 'cf-ray', 'x-amz-cf-id', 'x-akamai-transformed', 'x-iinfo'];

/** randomToken returns a token shaped like an ACME token (32 random bytes, base64url, RFC 8555 §8.1). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** normalizeContent trims the value (RFC 8555 §8.3: whitespace around the key authorization is ignored). */
function normalizeContent(text: string): string {
  return text.replace(/\r\n/g, '\n').trim();
}

/** probeSpecs returns the paths to fetch for a request: the file, the token, or a random token. */
export function probeSpecs(req: DiagnoseRequest): ProbeSpec[] {
  const specs: ProbeSpec[] = [];
  if (req.filePath !== undefined)
    specs.push({ kind: 'file', path: req.filePath, expected: req.fileContent ?? '', factKey: 'fileValidation' });
  if (req.httpToken !== undefined)
    specs.push({
      kind: 'acme',
      path: `/.well-known/acme-challenge/${req.httpToken}`,
      expected: req.keyAuthorization ?? '',
      factKey: 'http01',
    });
  else if (req.filePath === undefined)
    specs.push({ kind: 'acme', path: `/.well-known/acme-challenge/${randomToken()}`, factKey: 'http01' });
  return specs;
}

function chain(hops: HttpHop[]): string {
  return hops.map((h) => `${h.url}${h.status !== undefined ? ` (${h.status})` : ''}`).join(' -> ');
}

function behind(headers: Record<string, string>): string {
  const seen = WAF_HEADERS.filter((h) => headers[h] !== undefined).map((h) => `${h}: ${headers[h]!.slice(0, 60)}`);
  return seen.length > 0 ? ` [${seen.join(', ')}]` : '';
}

/** judge turns one fetch of one probe spec into a verdict, with words for the finding. */
export function judge(spec: ProbeSpec, r: FollowResult, name: string, address: string): Verdict {
  const what = spec.kind === 'file' ? `the validation file ${spec.path}` : `${spec.path}`;
  const via = r.hops.length > 1 ? ` (redirects: ${chain(r.hops)})` : '';
  const curl = `curl -v --resolve ${name}:80:${isIP(address) === 6 ? `[${address}]` : address} http://${name}${spec.path}`;
  const bad = (code: Code, summary: string, detail: string, fixes: string[] = [], connection = false): Verdict => ({
    ok: false,
    code,
    summary,
    detail: `${address}: ${detail}`,
    fixes,
    connection,
  });
  const login = r.hops.find((h) => h.location !== undefined && LOGIN_URL.test(h.location));
  if (r.failure?.kind === 'policy') {
    if (r.hops.length === 1) return { ok: true, skipped: true, summary: `not probed (${r.failure.reason})` };
    const hop = r.hops.at(-1)!;
    return bad(
      'http01.bad_redirect',
      'redirect refused',
      `${what} redirects to ${hop.url} at ${hop.address}, which may not be probed (${r.failure.reason})${via}`,
    );
  }
  if (login && !(r.response?.status === 200 && spec.expected !== undefined && passes(spec, r))) {
    return bad(
      'http01.forbidden',
      `redirects to a login page`,
      `${what} redirects to a login page (${login.location})${via}`,
      [`Exempt ${spec.path.replace(/[^/]+$/, '')} from the authentication that redirects to ${login.location}.`],
    );
  }
  if (r.failure?.kind === 'redirect') {
    return bad('http01.bad_redirect', 'bad redirect', `${what} answers with ${r.failure.reason}${via}`, [
      `Fix the redirect at ${r.failure.url}: ${r.failure.reason}.`,
    ]);
  }
  if (r.failure?.kind === 'net') {
    const net = r.failure.net;
    const last = r.hops.at(-1)!;
    const where = r.hops.length > 1 ? ` at ${last.url} (after redirects: ${chain(r.hops.slice(0, -1))})` : '';
    const first = r.hops.length === 1;
    const port = last.port !== undefined ? ` port ${last.port}` : '';
    if (net.kind === 'refused' || net.kind === 'unreachable')
      return bad('http01.connection_refused', 'refused', `${net.message} on${port}${where}`, [], first);
    if (net.kind === 'timeout' || net.kind === 'aborted')
      return bad(
        'http01.timeout',
        'timeout',
        `${net.message}${where}`,
        [`Test from outside your network: ${curl}`],
        first,
      );
    return bad('http01.server_error', net.kind, `${net.message} while fetching ${what}${where}`);
  }
  const res = r.response!;
  const status = res.status;
  const from = behind(res.headers);
  if (status === 200) {
    if (spec.expected === undefined)
      return { ok: true, summary: '200 for a random token (a catch-all answers; the real file must take precedence)' };
    if (passes(spec, r)) return { ok: true, summary: `200, content matches${via}` };
    if (spec.kind === 'acme' && tooLong(res.body.length, res.truncated) && startsWithExpected(spec, r)) {
      const size = res.truncated ? `more than ${res.body.length}` : String(res.body.length);
      return bad(
        'http01.wrong_content',
        '200, too long',
        `${what} answers 200 with ${size} bytes: the key authorization followed by more content; Let's Encrypt reads at most ${ACME_BODY_MAX} bytes of a challenge response and fails longer ones${via}${from}`,
        [
          `Serve only the key authorization (${spec.expected.trim().length} bytes, a trailing newline is fine) at http://${name}${spec.path} on ${address}: no padding, footer or injected content.`,
        ],
      );
    }
    const got = res.truncated ? `more than ${res.body.length} bytes` : JSON.stringify(bodyPreview(res.body));
    return bad(
      'http01.wrong_content',
      '200, wrong content',
      `${what} answers 200 with ${got} instead of ${JSON.stringify(spec.expected.slice(0, 120))}${via}${from}`,
      [`Serve exactly ${JSON.stringify(spec.expected.slice(0, 120))} at http://${name}${spec.path} on ${address}.`],
    );
  }
  if (status === 404 || status === 410) {
    if (spec.expected === undefined) return { ok: true, summary: `${status} for a random token (the path is served)` };
    return bad('http01.not_found', String(status), `${what} answers ${status}${via}${from}`, [
      `Check that the virtual host for ${name} on ${address} serves ${spec.path} from the ACME client's webroot: ${curl}`,
    ]);
  }
  if (status === 401 || status === 403 || status === 407 || status === 429 || status === 451) {
    return bad('http01.forbidden', String(status), `${what} answers ${status}${via}${from}`, [
      `Find which layer answers ${status} (${from ? `the response names${from}` : 'web server, WAF, CDN'}) and exempt ${spec.path.replace(/[^/]+$/, '')} there.`,
    ]);
  }
  if (status >= 200 && status < 300) {
    return bad('http01.wrong_content', String(status), `${what} answers ${status}; CAs accept only 200${via}${from}`);
  }
  // The page often names the cause (nginx: "The plain HTTP request was sent to HTTPS port").
  const page = bodyPreview(Buffer.from(res.body.toString('utf8').replace(/<[^>]*>/g, ' ')), 100);
  const plainToTls = /plain HTTP request was sent to HTTPS port/i.test(page);
  return bad(
    'http01.server_error',
    String(status),
    `${what} answers ${status}${page ? ` (${JSON.stringify(page)})` : ''}${via}${from}`,
    plainToTls ? [`Port 80 at ${address} speaks TLS: serve plain HTTP there (CAs validate over http://).`] : [],
  );
}

function tooLong(length: number, truncated: boolean): boolean {
  return truncated || length > ACME_BODY_MAX;
}

/**
 * passes: for ACME, a 200 whose trimmed body is the key authorization and short enough for Boulder
 * (RFC 8555 §8.3); for CA file validation, a 200 whose body contains the value (BR 3.2.2.4.18:
 * "the presence of the Request Token or Random Value contained in the content of a file", so a
 * file with the CA's other lines around the value passes).
 */
function passes(spec: ProbeSpec, r: FollowResult): boolean {
  const res = r.response;
  if (res?.status !== 200 || res.truncated || spec.expected === undefined) return false;
  if (spec.kind === 'acme' && tooLong(res.body.length, res.truncated)) return false;
  const body = normalizeContent(res.body.toString('utf8'));
  const expected = normalizeContent(spec.expected);
  return spec.kind === 'file' && expected !== '' ? body.includes(expected) : body === expected;
}

function startsWithExpected(spec: ProbeSpec, r: FollowResult): boolean {
  const expected = normalizeContent(spec.expected ?? '');
  return expected !== '' && normalizeContent(r.response?.body.toString('utf8') ?? '').startsWith(expected);
}

/** probeBudget returns the time a probe may take: up to the deadline, minus time to report. */
export function probeBudget(ctx: ScanContext): number {
  return Math.max(100, ctx.deadline - ctx.clock.now() - 250);
}

/** redirectResolver returns a resolver of redirect target hosts through the scan's DNS client (AAAA first). */
export function redirectResolver(ctx: ScanContext): (host: string) => Promise<string[]> {
  return async (host) => {
    const [v6, v4] = await Promise.allSettled([ctx.dns.resolve(host, 'AAAA'), ctx.dns.resolve(host, 'A')]);
    const out = [v6, v4].flatMap((r) => (r.status === 'fulfilled' ? r.value.records.map((x) => String(x.data)) : []));
    if (out.length === 0 && v4.status === 'rejected') throw v4.reason;
    return out;
  };
}

interface AddressResult {
  address: string;
  verdicts: { spec: ProbeSpec; verdict: Verdict; result: FollowResult }[];
}

/** probeAddress fetches every probe path from one address and records the facts. */
async function probeAddress(ctx: ScanContext, address: string, specs: ProbeSpec[]): Promise<AddressResult> {
  const budget = probeBudget(ctx);
  const verdicts = await Promise.all(
    specs.map(async (spec) => {
      const result = await fetchLikeCa({
        name: ctx.req.name,
        address,
        path: spec.path,
        policy: ctx.policy,
        portMap: ctx.portMap,
        signal: ctx.signal,
        timeoutMs: budget,
        resolve: redirectResolver(ctx),
      });
      const verdict = judge(spec, result, ctx.req.name, address);
      const status = result.response?.status;
      ctx.log(`http ${address} ${spec.path} -> ${verdict.summary} (${chain(result.hops)})`);
      ctx.addressFacts(address)[spec.factKey] = {
        ...(status !== undefined ? { status } : {}),
        hops: result.hops,
        summary: verdict.summary,
      };
      return { spec, verdict, result };
    }),
  );
  return { address, verdicts };
}

/** validationFindings turns per-address results into findings: one per code and address. */
export function validationFindings(results: AddressResult[]): Finding[] {
  const failed = (r: AddressResult) => r.verdicts.some((v) => !v.verdict.ok);
  const probed = (r: AddressResult) => r.verdicts.every((v) => !(v.verdict.ok && v.verdict.skipped));
  const v4Works = results.some((r) => isIP(r.address) === 4 && probed(r) && !failed(r));
  const byKey = new Map<string, Finding>();
  const add = (f: Finding, address: string) => {
    const key = `${f.code}|${address}`;
    const prev = byKey.get(key);
    if (!prev) byKey.set(key, f);
    else prev.detail += `; ${f.detail.replace(`${address}: `, '')}`;
  };
  for (const r of results) {
    const bad = r.verdicts.filter((v) => !v.verdict.ok);
    const v6Fallback = isIP(r.address) === 6 && v4Works && bad.length > 0;
    for (const { spec, verdict, result } of bad) {
      if (verdict.ok) continue;
      const evidence = {
        address: r.address,
        path: spec.path,
        ...(result.response ? { status: result.response.status } : {}),
        hops: result.hops,
      };
      // CAs fall back to IPv4 when the IPv6 connection fails, not when IPv6 answers wrongly.
      if (v6Fallback && verdict.connection) continue;
      add(finding(verdict.code, verdict.detail, evidence, { fixes: verdict.fixes }), r.address);
    }
    if (v6Fallback) {
      const why = bad.map((v) => (v.verdict.ok ? '' : v.verdict.detail.replace(`${r.address}: `, ''))).join('; ');
      add(
        finding(
          'http01.ipv6_broken',
          `${r.address}: HTTP validation fails over IPv6 (${why}) while IPv4 works`,
          { address: r.address },
          {
            fixes: [`Make the web server answer on [${r.address}]:80 like it does on IPv4, or remove the AAAA record.`],
          },
        ),
        r.address,
      );
    }
  }
  return [...byKey.values()];
}

export const http01Check: Check = {
  name: 'http01',
  skipReason(req) {
    if (req.method !== 'http-01') return `the validation method is ${req.method}`;
    return undefined;
  },
  async run(ctx) {
    const { req } = ctx;
    if (req.wildcard) {
      return [
        finding(
          'http01.wildcard_unsupported',
          `*.${req.name} can only be validated with DNS-01; HTTP-01 was requested`,
          { name: `*.${req.name}` },
          { fixes: [`Validate *.${req.name} with DNS-01 (TXT at _acme-challenge.${req.name}).`] },
        ),
      ];
    }
    const lookup = await ctx.lookups.addresses();
    if (lookup.addresses.length === 0) throw new NotApplicable('the name has no addresses to fetch from');
    const specs = probeSpecs(req);
    const results = await Promise.all(lookup.addresses.map((a) => probeAddress(ctx, a, specs)));
    if (results.every((r) => r.verdicts.every((v) => v.verdict.ok && v.verdict.skipped))) {
      throw new NotApplicable('every address is refused by the target policy');
    }
    return validationFindings(results);
  },
};
