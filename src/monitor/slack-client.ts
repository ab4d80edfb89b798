/**
 * The Web API client of the outbox (no retries of its own: the outbox retries) and the one place
 * that decides, from a Web API error, whether and when a delivery is retried and whether Slack
 * may already have acted on it (an ambiguous failure).
 */
import { webApi } from '@slack/bolt';

/** SlackCaller is the part of the Web API client the outbox uses. */
export interface SlackCaller {
  apiCall(method: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** slackCaller returns a Web API client without its own retries: the outbox retries. */
export function slackCaller(token: string, apiUrl?: string, timeoutMs = 10_000): SlackCaller {
  return new webApi.WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    logLevel: webApi.LogLevel.ERROR,
  }) as unknown as SlackCaller;
}

/** Failure is how a delivery failed: retry when, and whether Slack may have acted on it. */
export interface Failure {
  retry: boolean;
  ambiguous: boolean;
  retryAfterMs?: number;
  reason: string;
}

const PERMANENT = new Set([
  'invalid_blocks',
  'invalid_arguments',
  'msg_too_long',
  'no_text',
  'invalid_metadata_format',
  'invalid_metadata_schema',
  'cant_update_message',
  'message_not_found',
  'is_archived',
]);

/** classifyFailure maps a Web API error to a retry decision. */
export function classifyFailure(err: unknown): Failure {
  const e = err as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    data?: { error?: string };
    original?: { code?: string; message?: string };
  };
  if (e.code === webApi.ErrorCode.RateLimitedError) {
    return {
      retry: true,
      ambiguous: false,
      retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000,
      reason: 'rate_limited',
    };
  }
  if (e.code === webApi.ErrorCode.HTTPError) {
    const status = e.statusCode ?? 0;
    return { retry: status >= 500 || status === 408, ambiguous: status >= 500, reason: `http_${status}` };
  }
  if (e.code === webApi.ErrorCode.PlatformError) {
    const code = e.data?.error ?? 'unknown';
    if (code === 'ratelimited') return { retry: true, ambiguous: false, retryAfterMs: 30_000, reason: code };
    return { retry: !PERMANENT.has(code), ambiguous: false, reason: code };
  }
  const net = e.original?.code ?? e.code ?? '';
  // A refused or unresolvable connection never reached Slack; anything else may have.
  const unsent = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(net);
  return { retry: true, ambiguous: !unsent, reason: net || 'network' };
}
