/**
 * The one error translator: turns socket, TLS and undici errors into a kind and the words users
 * see ("Timeout during connect (likely firewall problem)"). Probes and the log classifier use it.
 */

export type NetErrorKind =
  | 'refused'
  | 'timeout'
  | 'reset'
  | 'unreachable'
  | 'tls_alert'
  | 'not_tls'
  | 'certificate'
  | 'too_large'
  | 'protocol'
  | 'policy'
  | 'aborted'
  | 'other';

export interface NetError {
  kind: NetErrorKind;
  /** A short sentence for the report. */
  message: string;
  /** The raw code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ERR_SSL_...), when there is one. */
  code?: string;
}

interface Row {
  test: RegExp;
  kind: NetErrorKind;
  message: string;
}

/** Rows are tried in order against the error code, then against the message. */
export const NET_ERROR_TABLE: readonly Row[] = [
  { test: /ECONNREFUSED/i, kind: 'refused', message: 'Connection refused' },
  {
    test: /ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|connect timeout/i,
    kind: 'timeout',
    message: 'Timeout during connect (likely firewall problem)',
  },
  {
    test: /UND_ERR_HEADERS_TIMEOUT|headers timeout/i,
    kind: 'timeout',
    message: 'Timeout waiting for the response headers',
  },
  { test: /UND_ERR_BODY_TIMEOUT|body timeout/i, kind: 'timeout', message: 'Timeout while reading the response body' },
  { test: /ESOCKETTIMEDOUT|TimeoutError|timed? ?out/i, kind: 'timeout', message: 'Timeout (no answer in time)' },
  {
    test: /ECONNRESET|UND_ERR_SOCKET|socket hang up|other side closed/i,
    kind: 'reset',
    message: 'Connection reset by peer',
  },
  { test: /EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|EAFNOSUPPORT/i, kind: 'unreachable', message: 'Network unreachable' },
  {
    test: /UND_ERR_HEADERS_OVERFLOW|HPE_HEADER_OVERFLOW|header.*too large|Headers Overflow/i,
    kind: 'too_large',
    message: 'Response headers too large',
  },
  { test: /UND_ERR_RES_EXCEEDED_MAX_SIZE|max.*size|too large/i, kind: 'too_large', message: 'Response too large' },
  {
    test: /NO_APPLICATION_PROTOCOL|no application protocol/i,
    kind: 'tls_alert',
    message: 'The server refused every offered ALPN protocol (no_application_protocol alert)',
  },
  {
    test: /WRONG_VERSION_NUMBER|wrong version number|packet length too long|unknown protocol|http request/i,
    kind: 'not_tls',
    message: 'The server did not answer with TLS (plain HTTP on a TLS port?)',
  },
  {
    test: /alert|SSLV3_ALERT|TLSV1_ALERT|handshake failure|no shared cipher|unsupported protocol|ERR_SSL/i,
    kind: 'tls_alert',
    message: 'TLS handshake failed',
  },
  {
    test: /CERT_|certificate|self[- ]signed|UNABLE_TO_VERIFY|DEPTH_ZERO/i,
    kind: 'certificate',
    message: 'Certificate verification failed',
  },
  {
    test: /HPE_|UND_ERR_INFO|invalid (?:header|status|response)|Parse Error/i,
    kind: 'protocol',
    message: 'Invalid HTTP response',
  },
  { test: /refusing to probe/i, kind: 'policy', message: 'Refused by the target policy' },
  { test: /AbortError|aborted|ABORT_ERR/i, kind: 'aborted', message: 'Aborted at the deadline' },
];

function codeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR' && code !== 'ERR_GENERIC') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function messagesOf(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e; depth++) {
    if (e instanceof Error) {
      parts.push(`${e.name}: ${e.message}`);
      e = (e as { cause?: unknown }).cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(' <- ');
}

/** translateNetError returns the kind and user-facing words for any network error. */
export function translateNetError(err: unknown): NetError {
  const code = codeOf(err);
  const text = messagesOf(err);
  for (const row of NET_ERROR_TABLE) {
    if ((code && row.test.test(code)) || row.test.test(text)) {
      const raw = code ? ` (${code})` : '';
      return { kind: row.kind, message: `${row.message}${raw}`, ...(code ? { code } : {}) };
    }
  }
  return { kind: 'other', message: text.slice(0, 300), ...(code ? { code } : {}) };
}
