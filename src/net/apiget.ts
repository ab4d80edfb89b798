/**
 * apiGet: one verified HTTPS (or HTTP) GET of an API endpoint such as a CA connector's ACME
 * directory (RFC 8555 §7.1.1), on undici: the name resolved by the caller, every address asked
 * to the target policy before connecting, the certificate verified against the system roots plus
 * the configured trust anchors, no redirects followed, capped headers and body, one deadline.
 */
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Client } from 'undici';
import { type NetError, translateNetError } from './errors.js';
import type { TargetPolicy } from './guard.js';

export const API_BODY_CAP = 256 * 1024;

export interface ApiGetOptions {
  url: URL;
  /** Addresses of the URL's host (IP literal hosts: that address). */
  addresses: string[];
  policy: TargetPolicy;
  signal?: AbortSignal;
  timeoutMs: number;
  trustAnchors?: readonly string[];
  bodyCap?: number;
}

export interface ApiResponse {
  address: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
  ms: number;
}

/** ApiGetError is a GET that got no response from any address; `net` says why in users' words. */
export class ApiGetError extends Error {
  constructor(
    readonly net: NetError,
    readonly address?: string,
  ) {
    super(net.message);
  }
}

function originOf(url: URL, address: string): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.protocol}//${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
}

/** getOnce sends the GET to one address; the socket is destroyed on every path. */
async function getOnce(opts: ApiGetOptions, address: string, signal: AbortSignal): Promise<ApiResponse> {
  const started = performance.now();
  const host = opts.url.hostname.replace(/^\[|\]$/g, '');
  const cap = opts.bodyCap ?? API_BODY_CAP;
  const client = new Client(originOf(opts.url, address), {
    connect: {
      timeout: opts.timeoutMs,
      rejectUnauthorized: true,
      ca: [...rootCertificates, ...(opts.trustAnchors ?? [])],
      ...(isIP(host) === 0 ? { servername: host } : {}),
    },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    maxHeaderSize: 16 * 1024,
    pipelining: 0,
  });
  try {
    const res = await client.request({
      method: 'GET',
      path: `${opts.url.pathname}${opts.url.search}`,
      headers: { host: opts.url.host, accept: 'application/json', 'user-agent': 'certmedic (connector probe)' },
      signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const room = cap - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
    if (truncated) res.body.destroy();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
    return {
      address,
      status: res.statusCode,
      headers,
      body: Buffer.concat(chunks),
      truncated,
      ms: performance.now() - started,
    };
  } finally {
    client.destroy().catch(() => {});
  }
}

/**
 * apiGet asks each permitted address in turn until one answers; it returns the first response
 * (whatever its status) or throws ApiGetError with the last address's translated error.
 */
export async function apiGet(opts: ApiGetOptions): Promise<ApiResponse> {
  const permitted = opts.addresses.filter((a) => opts.policy.permits(a));
  if (permitted.length === 0) {
    const first = opts.addresses[0];
    throw new ApiGetError(
      first
        ? { kind: 'policy', message: `Refused by the target policy: ${first} is not a public address` }
        : { kind: 'unreachable', message: `${opts.url.hostname} has no address` },
      first,
    );
  }
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  let last: ApiGetError | undefined;
  for (const address of permitted) {
    if (signal.aborted) break;
    try {
      return await getOnce(opts, address, signal);
    } catch (err) {
      last = new ApiGetError(translateNetError(err), address);
    }
  }
  throw last ?? new ApiGetError({ kind: 'timeout', message: 'Timeout (no answer in time)' }, permitted[0]);
}
