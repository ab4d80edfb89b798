/**
 * platformRequest: one HTTP call to a certificate platform's API for a retry action (re-run a
 * deployment, renew, re-order, restart a bot), on undici: the certificate verified against the
 * system roots plus the configured trust anchors, no redirects, a timeout, the answer capped.
 * The URL comes from the config file (an operator's choice), so the target policy does not apply.
 */
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import { translateNetError } from './errors.js';

export const PLATFORM_BODY_CAP = 16 * 1024;

export interface PlatformRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  trustAnchors?: readonly string[];
}

export type PlatformResult =
  | { ok: true; status: number; body: string; truncated: boolean; ms: number }
  | { ok: false; error: string; ms: number };

/** platformRequest sends the request and returns the status and the first bytes of the answer; it never throws. */
export async function platformRequest(r: PlatformRequest): Promise<PlatformResult> {
  const started = performance.now();
  const dispatcher = new Agent({
    connect: { timeout: r.timeoutMs, ca: [...rootCertificates, ...(r.trustAnchors ?? [])] },
    headersTimeout: r.timeoutMs,
    bodyTimeout: r.timeoutMs,
  });
  try {
    const res = await request(r.url, {
      method: r.method as 'POST',
      headers: { 'user-agent': 'certmedic (retry action)', ...r.headers },
      ...(r.body !== undefined ? { body: r.body } : {}),
      dispatcher,
      signal: AbortSignal.timeout(r.timeoutMs),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (size + chunk.length > PLATFORM_BODY_CAP) {
        chunks.push(chunk.subarray(0, PLATFORM_BODY_CAP - size));
        truncated = true;
        res.body.destroy();
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
    return {
      ok: true,
      status: res.statusCode,
      body: Buffer.concat(chunks).toString('utf8'),
      truncated,
      ms: performance.now() - started,
    };
  } catch (err) {
    return { ok: false, error: translateNetError(err).message, ms: performance.now() - started };
  } finally {
    dispatcher.destroy().catch(() => {});
  }
}
