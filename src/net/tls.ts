/**
 * TLS probe of one IP address (node:tls): connect with SNI (after STARTTLS when asked), take the
 * presented chain exactly as sent, the negotiated protocol, cipher and ALPN, and the connect and
 * handshake timings. Nothing is trusted blindly and nothing is refused: the handshake accepts any
 * certificate (security level 0, TLS 1.0+) so broken servers can be described, and validation is
 * done afterwards against the shared trust store (src/core/chain.ts). Built for fleet scans: one
 * SecureContext for every connection, parsed certificates cached by fingerprint, and the socket
 * destroyed on every path (success, error, timeout, abort).
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { createSecureContext, type SecureContext, type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { StarttlsProto } from '../checks/context.js';
import { buildChain, type ChainResult, type TrustStore } from '../core/chain.js';
import { type CertInfo, certInfo } from '../core/x509.js';
import { type NetError, translateNetError } from './errors.js';
import { permissivePolicy, type TargetPolicy } from './guard.js';
import { emptyPortMap, mapPort, type PortMap } from './portmap.js';
import { defaultStarttls, negotiateStarttls, StarttlsError } from './starttls.js';

export interface TlsProbeOptions {
  address: string;
  /** The logical port (443, 25, ...); the port map decides the port really used. */
  port: number;
  /** SNI host name; omitted for none (an IP literal is never sent as SNI, RFC 6066 §3). */
  servername?: string;
  /** Default: by port (25/587 smtp, 143 imap, 110 pop3, 389 ldap, 5432 postgres). */
  starttls?: StarttlsProto;
  signal?: AbortSignal;
  /** Per-probe timeout in ms (default 5000). */
  timeoutMs?: number;
  policy?: TargetPolicy;
  portMap?: PortMap;
  /** ALPN protocols to offer (default h2, http/1.1 on HTTPS ports 443 and 8443; none elsewhere). */
  alpn?: string[];
  /** When given, the chain is built and validated against this store (result.chain). */
  trust?: TrustStore;
  /** Epoch ms used to prefer currently valid issuers when building the chain (default Date.now()). */
  now?: number;
}

export type ProbeStage = 'policy' | 'connect' | 'starttls' | 'handshake';

export interface TlsProbeResult {
  address: string;
  port: number;
  /** The port connected to, after the port map. */
  connectPort: number;
  servername?: string;
  starttls: StarttlsProto;
  ok: boolean;
  /** Where a failed probe stopped. */
  stage?: ProbeStage;
  error?: NetError;
  protocol?: string;
  cipher?: string;
  alpn?: string;
  connectMs?: number;
  starttlsMs?: number;
  handshakeMs?: number;
  /** The presented certificates, leaf first, in the order the server sent them. */
  certs: CertInfo[];
  chain?: ChainResult;
}

let shared: SecureContext | undefined;

/**
 * sharedContext returns the one client SecureContext of every probe: no CA list (validation is
 * ours), security level 0 and TLS 1.0+ so weak keys, SHA-1 and old servers still handshake.
 */
export function sharedContext(): SecureContext {
  shared ??= createSecureContext({ ciphers: 'DEFAULT:@SECLEVEL=0', minVersion: 'TLSv1', ca: [] });
  return shared;
}

const DEFAULT_ALPN = ['h2', 'http/1.1'];
/**
 * Ports where HTTP ALPN is offered. Elsewhere none is: mail servers that enforce ALPN against
 * cross-protocol attacks (nginx mail since 1.21.4, RFC 7301 §3.2) refuse `http/1.1` on SMTPS,
 * IMAPS or POP3S with a no_application_protocol alert, and no HTTPS server requires ALPN.
 */
const HTTPS_PORTS = new Set([443, 8443]);
const MAX_CHAIN = 20;

/** presentedChain returns the peer's certificates in the order sent (leaf first). */
function presentedChain(socket: TLSSocket): CertInfo[] {
  const out: CertInfo[] = [];
  const seen = new Set<string>();
  let c = socket.getPeerX509Certificate();
  while (c && out.length < MAX_CHAIN) {
    const info = certInfo(c);
    if (seen.has(info.sha256) && info === out[out.length - 1]) break;
    seen.add(info.sha256);
    out.push(info);
    c = c.issuerCertificate;
  }
  return out;
}

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * probeTls connects to one address and returns what it serves; it never throws and never outlives
 * its timeout or signal. Failures come back as `ok: false` with the stage and translated error.
 */
export function probeTls(o: TlsProbeOptions): Promise<TlsProbeResult> {
  const starttls = o.starttls ?? defaultStarttls(o.port);
  const connectPort = mapPort(o.portMap ?? emptyPortMap, o.port);
  const servername = o.servername && isIP(o.servername) === 0 ? o.servername : undefined;
  const base = {
    address: o.address,
    port: o.port,
    connectPort,
    ...(servername ? { servername } : {}),
    starttls,
  };
  try {
    (o.policy ?? permissivePolicy).assert(o.address);
  } catch (err) {
    return Promise.resolve({ ...base, ok: false, stage: 'policy', error: translateNetError(err), certs: [] });
  }
  if (o.signal?.aborted) {
    return Promise.resolve({
      ...base,
      ok: false,
      stage: 'connect',
      error: translateNetError(codedError('aborted', 'ABORT_ERR')),
      certs: [],
    });
  }
  return new Promise((resolve) => {
    const started = performance.now();
    let stage: ProbeStage = 'connect';
    let done = false;
    let raw: Socket | undefined;
    let secure: TLSSocket | undefined;
    let connectedAt = 0;
    const times: { connectMs?: number; starttlsMs?: number } = {};
    const finish = (r: TlsProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      secure?.destroy();
      raw?.destroy();
      resolve(r);
    };
    const fail = (err: unknown) =>
      finish({ ...base, ...times, ok: false, stage, error: translateNetError(err), certs: [] });
    const timer = setTimeout(
      () =>
        fail(
          stage === 'connect'
            ? codedError('connect timed out', 'ETIMEDOUT')
            : codedError(`${stage === 'starttls' ? 'STARTTLS' : 'TLS handshake'} timed out`, 'ESOCKETTIMEDOUT'),
        ),
      o.timeoutMs ?? 5000,
    );
    const onAbort = () => fail(codedError('aborted at the deadline', 'ABORT_ERR'));
    o.signal?.addEventListener('abort', onAbort, { once: true });

    const onSecure = () => {
      const s = secure!;
      try {
        const certs = presentedChain(s);
        const cipher = s.getCipher();
        finish({
          ...base,
          ...times,
          ok: true,
          handshakeMs: round(performance.now() - connectedAt),
          protocol: s.getProtocol() ?? undefined,
          cipher: cipher?.standardName ?? cipher?.name,
          ...(s.alpnProtocol ? { alpn: s.alpnProtocol } : {}),
          certs,
          ...(o.trust ? { chain: buildChain(certs, o.trust, o.now ?? Date.now()) } : {}),
        } as TlsProbeResult);
      } catch (err) {
        stage = 'handshake';
        fail(err);
      }
    };
    const startTls = (socket?: Socket) => {
      stage = 'handshake';
      connectedAt = performance.now();
      secure = tlsConnect({
        ...(socket ? { socket } : { host: o.address, port: connectPort }),
        ...(servername ? { servername } : {}),
        secureContext: sharedContext(),
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
        ALPNProtocols: o.alpn ?? (starttls === 'none' && HTTPS_PORTS.has(o.port) ? DEFAULT_ALPN : []),
      });
      secure.once('secureConnect', onSecure);
      secure.on('error', fail);
      secure.once('close', () => {
        // After finish() this is our own destroy(): don't build an Error for nothing.
        if (!done) fail(codedError('the server closed the connection during the handshake', 'ECONNRESET'));
      });
    };

    if (starttls === 'none') {
      // One socket: TCP connect then the handshake; 'connect' marks the end of the TCP part.
      startTls();
      stage = 'connect';
      secure!.once('connect', () => {
        times.connectMs = round(performance.now() - started);
        connectedAt = performance.now();
        stage = 'handshake';
      });
      return;
    }
    raw = netConnect({ host: o.address, port: connectPort });
    raw.on('error', fail);
    raw.once('connect', () => {
      times.connectMs = round(performance.now() - started);
      stage = 'starttls';
      const t0 = performance.now();
      negotiateStarttls(raw!, starttls).then(
        () => {
          if (done) return;
          times.starttlsMs = round(performance.now() - t0);
          startTls(raw);
        },
        (err) =>
          err instanceof StarttlsError
            ? finish({ ...base, ...times, ok: false, stage, error: starttlsError(err), certs: [] })
            : fail(err),
      );
    });
  });
}

/** starttlsError keeps the dialogue's own words (what the server answered) for the report. */
function starttlsError(err: StarttlsError): NetError {
  return { kind: 'protocol', message: `STARTTLS failed: ${err.message}`, code: err.code };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
