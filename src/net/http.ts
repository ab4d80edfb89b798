/**
 * HTTP probe on undici, the way ACME CAs fetch challenge files (RFC 8555 §8.3, Boulder va/http.go):
 * one GET to one IP address with the name in the Host header, no automatic redirects, a capped
 * body and capped headers, every connection destroyed afterwards. `fetchLikeCa` follows redirects
 * itself under the CA rules and records every hop.
 */
import { isIP } from 'node:net';
import { Client } from 'undici';
import { type NetError, translateNetError } from './errors.js';
import { classifyAddress, type TargetPolicy } from './guard.js';
import { mapPort, type PortMap } from './portmap.js';

/** What CAs read at most; more is cut off and flagged. */
export const BODY_CAP = 64 * 1024;
/** The largest response head accepted (undici's parser aborts beyond it). */
export const HEADER_CAP = 16 * 1024;
/** Redirects a CA follows at most (Boulder maxRedirect). */
export const MAX_REDIRECTS = 10;
const USER_AGENT = 'certmedic (ACME HTTP-01 diagnosis; compatible with CA validation)';

export interface HttpGetOptions {
  scheme: 'http' | 'https';
  /** The IP address to connect to. */
  address: string;
  /** The port really connected to (already mapped). */
  port: number;
  /** Host header (and SNI for https): the name, with `:port` when not the scheme's default. */
  host: string;
  /** Path and query, starting with `/`. */
  path: string;
  signal?: AbortSignal;
  /** Whole-request budget (connect, headers and body), ms. */
  timeoutMs: number;
  bodyCap?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** The body, at most `bodyCap` bytes. */
  body: Buffer;
  /** True when the server sent more than `bodyCap` bytes (the rest was not read). */
  truncated: boolean;
  ms: number;
}

/** HttpProbeError is a request that got no complete response; `net` says why in users' words. */
export class HttpProbeError extends Error {
  constructor(readonly net: NetError) {
    super(net.message);
  }
}

function flatHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** originOf returns `scheme://ip:port` with IPv6 literals bracketed. */
function originOf(scheme: string, address: string, port: number): string {
  return `${scheme}://${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
}

/**
 * httpGet sends one GET to one address and returns the status, headers and the first `bodyCap`
 * bytes of the body. Redirects are returned, not followed. HTTPS certificates are not checked
 * (CAs don't check them on validation requests). Throws HttpProbeError when no complete response
 * arrived within `timeoutMs` (or before `signal` aborted); the socket is destroyed on every path.
 */
export async function httpGet(opts: HttpGetOptions): Promise<HttpResponse> {
  const started = performance.now();
  const cap = opts.bodyCap ?? BODY_CAP;
  const timeoutMs = Math.max(1, Math.floor(opts.timeoutMs));
  const servername = opts.host.replace(/:\d+$/, '');
  const client = new Client(originOf(opts.scheme, opts.address, opts.port), {
    connect: {
      timeout: timeoutMs,
      rejectUnauthorized: false,
      ...(isIP(servername) === 0 ? { servername } : {}),
    },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    maxHeaderSize: HEADER_CAP,
    pipelining: 1,
  });
  let phase: 'connect' | 'headers' | 'body' = 'connect';
  client.on('connect', () => {
    if (phase === 'connect') phase = 'headers';
  });
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutMs);
  const onOuterAbort = () => abort.abort();
  if (opts.signal?.aborted) abort.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    const res = await client.request({
      method: 'GET',
      path: opts.path,
      headers: { host: opts.host, 'user-agent': USER_AGENT, accept: '*/*', connection: 'close' },
      signal: abort.signal,
    });
    phase = 'body';
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        const room = cap - size;
        if (chunk.length > room) {
          if (room > 0) chunks.push(chunk.subarray(0, room));
          size = cap;
          truncated = true;
          break;
        }
        chunks.push(chunk);
        size += chunk.length;
      }
    } finally {
      res.body.destroy();
    }
    return {
      status: res.statusCode,
      headers: flatHeaders(res.headers),
      body: Buffer.concat(chunks, size),
      truncated,
      ms: performance.now() - started,
    };
  } catch (err) {
    if (timedOut || (opts.signal?.aborted && abort.signal.aborted)) {
      const at = phase as 'connect' | 'headers' | 'body';
      const where =
        at === 'connect'
          ? 'Timeout during connect (likely firewall problem)'
          : at === 'headers'
            ? 'Timeout waiting for the response headers'
            : 'Timeout while reading the response body';
      const why = timedOut ? `no complete answer within ${timeoutMs} ms` : 'the diagnosis deadline passed';
      throw new HttpProbeError({ kind: 'timeout', message: `${where}: ${why}` });
    }
    throw new HttpProbeError(translateNetError(err));
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    client.destroy().catch(() => {});
  }
}

/** HttpHop is one request of a redirect chain, as recorded in the report. */
export interface HttpHop {
  url: string;
  address?: string;
  /** The port really connected to (after --port-map). */
  port?: number;
  status?: number;
  location?: string;
  ms?: number;
  error?: string;
}

export type FollowFailure =
  | { kind: 'net'; net: NetError }
  | { kind: 'redirect'; reason: string; url: string }
  | { kind: 'policy'; reason: string };

export interface FollowResult {
  hops: HttpHop[];
  /** The last response (a non-redirect, or a redirect the CA would not follow). */
  response?: HttpResponse;
  /** The URL of the last response. */
  finalUrl?: string;
  failure?: FollowFailure;
}

export interface FollowOptions {
  /** The validated name: Host of the first request. */
  name: string;
  /** The address of the name to probe first. */
  address: string;
  path: string;
  policy: TargetPolicy;
  portMap: PortMap;
  signal?: AbortSignal;
  /** Budget of the whole chain, ms. */
  timeoutMs: number;
  /** Addresses of another host a redirect points to (AAAA first). */
  resolve(host: string): Promise<string[]>;
  bodyCap?: number;
}

/**
 * redirectTarget applies the CA rules to a Location header (Boulder va/http.go
 * extractRequestTarget, CA/Browser Forum BR 3.2.2.4.19): http or https only, ports 80/443 only, a
 * host name or a public IP address (Boulder follows those since it validates IP identifiers, and
 * refuses reserved ones). Returns the URL to follow or the reason a CA refuses it.
 */
export function redirectTarget(location: string, current: URL): { url: URL } | { reason: string } {
  let url: URL;
  try {
    url = new URL(location, current);
  } catch {
    return { reason: `an unparseable Location ${JSON.stringify(location.slice(0, 200))}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { reason: `the scheme ${url.protocol.replace(':', '')} (only http and https are followed)` };
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (port !== 80 && port !== 443) return { reason: `port ${port} (only ports 80 and 443 are followed)` };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && classifyAddress(host) !== 'public')
    return { reason: `the ${classifyAddress(host)} address ${host} (CAs do not connect to non-public addresses)` };
  if (host === '') return { reason: 'a Location without a host' };
  return { url };
}

const FOLLOWED = new Set([301, 302, 307, 308]);

/** isRedirectStatus returns true for 3xx statuses that carry a Location to follow or judge. */
export function isRedirectStatus(status: number): boolean {
  return status >= 300 && status < 400;
}

/**
 * fetchLikeCa fetches `http://<name><path>` from one address on port 80 (mapped) and follows
 * redirects as CAs do (RFC 8555 §8.3, Boulder): only 301/302/307/308, only to http/https on ports
 * 80/443, at most 10, never to a URL already visited. Same-host hops stay on the probed address;
 * a public IP literal is connected to as it is; other hosts are resolved (the probed address's
 * family first). Every connection asks the target
 * policy first; the port map applies after the decision. Never throws for network reasons.
 */
export async function fetchLikeCa(opts: FollowOptions): Promise<FollowResult> {
  const started = performance.now();
  const hops: HttpHop[] = [];
  const family = isIP(opts.address);
  let url = new URL(`http://${opts.name}${opts.path}`);
  let address = opts.address;
  const seen = new Set<string>();
  for (let hop = 0; ; hop++) {
    seen.add(url.href);
    const logicalPort = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const port = mapPort(opts.portMap, logicalPort);
    const record: HttpHop = { url: url.href, address, port };
    hops.push(record);
    try {
      opts.policy.assert(address);
    } catch (err) {
      record.error = (err as Error).message;
      return { hops, failure: { kind: 'policy', reason: (err as Error).message } };
    }
    const remaining = opts.timeoutMs - (performance.now() - started);
    let res: HttpResponse;
    try {
      res = await httpGet({
        scheme: url.protocol === 'https:' ? 'https' : 'http',
        address,
        port,
        host: url.host,
        path: `${url.pathname}${url.search}`,
        timeoutMs: Math.max(1, remaining),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.bodyCap !== undefined ? { bodyCap: opts.bodyCap } : {}),
      });
    } catch (err) {
      const net = err instanceof HttpProbeError ? err.net : translateNetError(err);
      record.error = net.message;
      return { hops, failure: { kind: 'net', net } };
    }
    record.status = res.status;
    record.ms = Math.round(res.ms);
    const location = res.headers['location'];
    if (!isRedirectStatus(res.status)) return { hops, response: res, finalUrl: url.href };
    if (location !== undefined) record.location = location;
    const fail = (reason: string) => ({
      hops,
      response: res,
      finalUrl: url.href,
      failure: { kind: 'redirect' as const, reason, url: url.href },
    });
    if (!FOLLOWED.has(res.status)) return fail(`status ${res.status} (CAs follow only 301, 302, 307 and 308)`);
    if (location === undefined || location.trim() === '') return fail(`a ${res.status} without a Location header`);
    const target = redirectTarget(location.trim(), url);
    if ('reason' in target) return fail(`a redirect to ${location.trim().slice(0, 200)}: ${target.reason}`);
    if (seen.has(target.url.href)) return fail(`a redirect loop back to ${target.url.href}`);
    if (hop + 1 > MAX_REDIRECTS) return fail(`more than ${MAX_REDIRECTS} redirects`);
    const literal = target.url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0) address = literal;
    else if (target.url.hostname.toLowerCase() !== url.hostname.toLowerCase()) {
      let addrs: string[];
      try {
        addrs = await opts.resolve(target.url.hostname);
      } catch (err) {
        return fail(`a redirect to ${target.url.host}, which does not resolve (${(err as Error).message})`);
      }
      const preferred = addrs.find((a) => isIP(a) === family) ?? addrs[0];
      if (!preferred) return fail(`a redirect to ${target.url.host}, which has no address`);
      address = preferred;
    }
    url = target.url;
  }
}

/** bodyPreview returns the start of a body as printable text for reports (at most `max` chars). */
export function bodyPreview(body: Buffer, max = 120): string {
  const text = body
    .subarray(0, max * 4)
    .toString('utf8')
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
