/**
 * TLS-ALPN-01 probe (RFC 8737): a TLS handshake with one IP address, SNI set to the name, offering
 * only the ALPN protocol `acme-tls/1`, as the CA's validator does. Reports what was negotiated and
 * whether the certificate carries the acmeIdentifier extension; the socket is always destroyed.
 */
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { type NetError, translateNetError } from './errors.js';

export const ACME_TLS_ALPN = 'acme-tls/1';
/** DER of the OID 1.3.6.1.5.5.7.1.31 (id-pe-acmeIdentifier, RFC 8737 §6.1). */
const ACME_IDENTIFIER_OID = Buffer.from([0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1f]);

export interface AlpnProbeOptions {
  address: string;
  /** The port really connected to (already mapped). */
  port: number;
  servername: string;
  signal?: AbortSignal;
  timeoutMs: number;
  protocols?: string[];
}

export interface AlpnProbeResult {
  /** The protocol the server selected, or false when it selected none. */
  protocol: string | false;
  tlsVersion: string | null;
  /** True when the presented certificate carries the acmeIdentifier extension. */
  acmeIdentifier: boolean;
  /** subjectAltName of the presented certificate, as Node prints it. */
  subjectAltName?: string;
  ms: number;
}

/** AlpnProbeError is a probe that failed before the handshake completed. */
export class AlpnProbeError extends Error {
  constructor(readonly net: NetError) {
    super(net.message);
  }
}

/** hasAcmeIdentifier returns true when a DER certificate contains the acmeIdentifier extension OID. */
export function hasAcmeIdentifier(der: Buffer | undefined): boolean {
  return der !== undefined && der.indexOf(ACME_IDENTIFIER_OID) !== -1;
}

/**
 * alpnProbe connects to one address offering `acme-tls/1` (RFC 8737 §3) and returns the
 * negotiated protocol and certificate facts. The certificate is not verified (the CA checks the
 * acmeIdentifier instead). Throws AlpnProbeError on refusal, timeout, reset or a failed handshake
 * (a server that refuses every offered protocol sends the no_application_protocol alert).
 */
export function alpnProbe(opts: AlpnProbeOptions): Promise<AlpnProbeResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let done = false;
    let socket: TLSSocket | undefined;
    const finish = (err: NetError | null, value?: AlpnProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket?.destroy();
      if (err) reject(new AlpnProbeError(err));
      else resolve(value!);
    };
    const onAbort = () =>
      finish({ kind: 'timeout', message: 'Timeout during the TLS handshake: the diagnosis deadline passed' });
    const timer = setTimeout(
      () => finish({ kind: 'timeout', message: `Timeout during connect or TLS handshake (${opts.timeoutMs} ms)` }),
      Math.max(1, opts.timeoutMs),
    );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket = connect({
      host: opts.address,
      port: opts.port,
      ...(isIP(opts.servername) === 0 ? { servername: opts.servername } : {}),
      ALPNProtocols: opts.protocols ?? [ACME_TLS_ALPN],
      rejectUnauthorized: false,
    });
    socket.on('error', (err) => finish(translateNetError(err)));
    socket.on('close', () => finish({ kind: 'reset', message: 'Connection closed during the TLS handshake' }));
    socket.once('secureConnect', () => {
      const s = socket!;
      const cert = s.getPeerCertificate(false);
      finish(null, {
        protocol: s.alpnProtocol ?? false,
        tlsVersion: s.getProtocol(),
        acmeIdentifier: hasAcmeIdentifier(cert?.raw),
        ...(cert?.subjectaltname ? { subjectAltName: cert.subjectaltname } : {}),
        ms: performance.now() - started,
      });
    });
  });
}
