/**
 * Web servers for the validation tests: node:http (and node:tls) servers on loopback addresses,
 * several addresses sharing one port (one `--port-map` for all). Each fixture misbehaves in exactly
 * one way and is named for it (`neverAnswers`, `sendsHugeBody`, `redirectsToPort8081`, ...).
 */
import { webcrypto } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A fixture answers HTTP requests, handles raw sockets, or speaks TLS. */
export type Fixture =
  | { kind: 'http'; handler: Handler }
  | { kind: 'raw'; onSocket: (s: Socket) => void }
  | { kind: 'tls'; key: string; cert: string; alpn?: string[]; onSocket?: (s: Socket) => void };

export interface Listener {
  host: string;
  port: number;
}

export interface WebServers {
  port: number;
  /** Requests seen: host header, path, the local address that took it. */
  requests: { host: string | undefined; path: string | undefined; local: string | undefined }[];
  close(): Promise<void>;
}

function serverFor(f: Fixture, sockets: Set<Socket>, requests: WebServers['requests']): Server {
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };
  if (f.kind === 'http') {
    const srv = createHttpServer((req, res) => {
      requests.push({ host: req.headers.host, path: req.url, local: req.socket.localAddress });
      res.on('error', () => {});
      f.handler(req, res);
    });
    srv.on('connection', track);
    srv.on('clientError', (_e, s) => s.destroy());
    return srv;
  }
  if (f.kind === 'raw') {
    return createNetServer((s) => {
      track(s);
      f.onSocket(s);
    });
  }
  const srv = createTlsServer({ key: f.key, cert: f.cert, ...(f.alpn ? { ALPNProtocols: f.alpn } : {}) }, (s) => {
    f.onSocket?.(s);
    if (!f.onSocket) s.end();
  });
  srv.on('connection', track);
  srv.on('tlsClientError', () => {});
  return srv;
}

function listen(srv: Server, host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    srv.once('error', () => resolve(undefined));
    srv.listen(port, host, () => resolve((srv.address() as { port: number }).port));
  });
}

/**
 * startOnOnePort starts one server per entry, all on the same port (picked at random, retried on
 * a clash), so that a single `--port-map 80=<port>` reaches every address of the name.
 */
export async function startOnOnePort(entries: { host: string; fixture: Fixture }[]): Promise<WebServers> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const sockets = new Set<Socket>();
    const requests: WebServers['requests'] = [];
    const servers: Server[] = [];
    let port = 0;
    let ok = true;
    for (const e of entries) {
      const srv = serverFor(e.fixture, sockets, requests);
      const got = await listen(srv, e.host, port);
      if (got === undefined) {
        ok = false;
        break;
      }
      servers.push(srv);
      port = got;
    }
    const close = async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    };
    if (ok) return { port, requests, close };
    await close();
  }
  throw new Error('could not start web servers on one port');
}

/** startWeb starts one fixture on every given host, sharing one port. */
export function startWeb(fixture: Fixture, hosts: string[] = ['127.0.0.1']): Promise<WebServers> {
  return startOnOnePort(hosts.map((host) => ({ host, fixture })));
}

const http = (handler: Handler): Fixture => ({ kind: 'http', handler });

/** servesFile answers `content` at `path` for Host `vhost` (any Host when omitted); 404 otherwise. */
export function servesFile(path: string, content: string, vhost?: string): Fixture {
  return http((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (req.url === path && (vhost === undefined || host === vhost)) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(content);
    } else {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>404 Not Found</h1>');
    }
  });
}

/** servesChallenge serves the key authorization of one token (a healthy ACME webroot). */
export function servesChallenge(token: string, keyAuthorization: string, vhost?: string): Fixture {
  return servesFile(`/.well-known/acme-challenge/${token}`, `${keyAuthorization}\n`, vhost);
}

/** answersStatus answers every request with one status, body and headers. */
export function answersStatus(status: number, body = '', headers: Record<string, string> = {}): Fixture {
  return http((_req, res) => {
    res.writeHead(status, headers).end(body);
  });
}

/** answers404 is a web server without the challenge file (the right vhost, wrong webroot). */
export const answers404 = (): Fixture => answersStatus(404, 'Not Found');
/** wafForbids is a WAF in front that blocks the validator with a 403. */
export const wafForbids = (): Fixture =>
  answersStatus(403, '<html><body>Access Denied</body></html>', { server: 'AkamaiGHost' });
/** fails500 is a server whose backend fails. */
export const fails500 = (): Fixture => answersStatus(500, 'Internal Server Error');

/** redirectsTo answers every request with a redirect to `location` (`{path}` is replaced by the path). */
export function redirectsTo(location: string, status = 301): Fixture {
  return http((req, res) => {
    res.writeHead(status, { location: location.replace('{path}', req.url ?? '/') }).end();
  });
}

/** redirectsToPort8081 redirects to the same name on port 8081, which CAs refuse. */
export const redirectsToPort8081 = (name: string): Fixture => redirectsTo(`http://${name}:8081{path}`);
/** redirectsToHttps redirects to https://<name>/<path> (followed to port 443). */
export const redirectsToHttps = (name: string): Fixture => redirectsTo(`https://${name}{path}`);
/** redirectsToItself answers every path with a redirect to the same path: a loop. */
export const redirectsToItself = (): Fixture => redirectsTo('{path}', 302);

/** redirectsForever redirects every URL to a new, longer one: never a loop, never an end. */
export function redirectsForever(): Fixture {
  return http((req, res) => {
    res.writeHead(302, { location: `${req.url ?? '/'}/x` }).end();
  });
}

/** redirectsToLoginPage sends everything to a sign-in form (an auth proxy in front of the site). */
export function redirectsToLoginPage(): Fixture {
  return http((req, res) => {
    if (req.url?.startsWith('/login')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<form><input type="password" name="pw"></form>');
    } else {
      res.writeHead(302, { location: `/login?next=${encodeURIComponent(req.url ?? '/')}` }).end();
    }
  });
}

/** neverAnswers accepts the connection and reads the request, but never answers. */
export function neverAnswers(): Fixture {
  return { kind: 'raw', onSocket: (s) => s.resume() };
}

/** tricklesBytes sends a status line, then one header byte every `everyMs`, forever. */
export function tricklesBytes(everyMs = 50): Fixture {
  return {
    kind: 'raw',
    onSocket: (s) => {
      s.resume();
      s.write('HTTP/1.1 200 OK\r\nX-Slow: ');
      const t = setInterval(() => {
        if (s.destroyed) clearInterval(t);
        else s.write('a');
      }, everyMs);
      s.on('close', () => clearInterval(t));
    },
  };
}

/** streamUntilClosed writes `total` bytes in chunks, respecting back-pressure, until the peer goes away. */
function streamUntilClosed(s: Socket | ServerResponse, total: number, chunk: Buffer, end: () => void): void {
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      if ((s as Socket).destroyed) return;
      sent += chunk.length;
      if (!s.write(chunk)) {
        s.once('drain', pump);
        return;
      }
    }
    end();
  };
  pump();
}

/** sendsHugeBody answers 200 with a body of `bytes` (10 MB by default). */
export function sendsHugeBody(bytes = 10 * 1024 * 1024): Fixture {
  return http((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(bytes) });
    streamUntilClosed(res, bytes, Buffer.alloc(64 * 1024, 'x'), () => res.end());
  });
}

/** sendsHugeHeaders answers with a status line and then `bytes` of header lines (10 MB by default). */
export function sendsHugeHeaders(bytes = 10 * 1024 * 1024): Fixture {
  return {
    kind: 'raw',
    onSocket: (s) => {
      s.resume();
      s.write('HTTP/1.1 200 OK\r\n');
      const line = Buffer.from(`X-Pad: ${'p'.repeat(1000)}\r\n`);
      streamUntilClosed(s, bytes, Buffer.concat(Array.from({ length: 64 }, () => line)), () => s.end('\r\nok'));
    },
  };
}

/** resetsConnection accepts and immediately resets every connection. */
export function resetsConnection(): Fixture {
  return { kind: 'raw', onSocket: (s) => s.resetAndDestroy() };
}

export interface TestCert {
  key: string;
  cert: string;
}

/**
 * selfSignedCert mints an ECDSA P-256 self-signed certificate for `name`; with `acmeIdentifier`
 * it carries the RFC 8737 acmeIdentifier extension like a TLS-ALPN-01 challenge certificate.
 */
export async function selfSignedCert(name: string, opts: { acmeIdentifier?: boolean } = {}): Promise<TestCert> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const extensions: x509.Extension[] = [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: name }])];
  if (opts.acmeIdentifier) {
    // critical, OCTET STRING of 32 zero bytes (a SHA-256 digest of the key authorization)
    const digest = new Uint8Array([0x04, 0x20, ...new Uint8Array(32)]);
    extensions.push(new x509.Extension('1.3.6.1.5.5.7.1.31', true, digest));
  }
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 86400_000),
    keys: keys as never,
    signingAlgorithm: alg,
    extensions,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', (keys as webcrypto.CryptoKeyPair).privateKey);
  const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim()}\n-----END PRIVATE KEY-----\n`;
  return { key, cert: cert.toString('pem') };
}

/** httpsServing wraps an HTTP fixture in TLS with the given certificate (a redirect target on 443). */
export function httpsServing(cert: TestCert, inner: Handler): Fixture {
  const srv = createHttpServer(inner);
  return {
    kind: 'tls',
    ...cert,
    alpn: ['http/1.1'],
    onSocket: (s) => {
      srv.emit('connection', s);
    },
  };
}

/** handlerOf returns the HTTP handler of an http fixture (to reuse it behind TLS). */
export function handlerOf(f: Fixture): Handler {
  if (f.kind !== 'http') throw new Error('not an http fixture');
  return f.handler;
}
