/**
 * TLS servers for the served-certificate tests: node:tls servers on loopback addresses sharing
 * one port (one `--port-map 443=<port>` for all), servers that misbehave in one way (plain HTTP on
 * the TLS port, close at once, never answer), and small STARTTLS servers (SMTP, IMAP, POP3, LDAP,
 * PostgreSQL) that upgrade the connection after their dialogue.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, createServer as createTlsServer, type SecureContext, TLSSocket } from 'node:tls';
import { leafOf, type Minted, pki } from './certs.js';

/** What one address serves: a certificate chain (leaf first) with the leaf's key, or a misbehaviour. */
export type Serve = { chain: Minted[]; key?: Minted } | 'plainHttp' | 'closesAtOnce' | 'neverAnswers';

export interface Servers {
  port: number;
  hosts: string[];
  close(): Promise<void>;
}

/** serverOptions returns the TLS options for a chain; security level 0 so weak test certificates load. */
export function serverOptions(chain: Minted[], key: Minted = chain[0]!) {
  return {
    key: key.key.privatePem,
    cert: chain.map((c) => c.pem).join(''),
    ciphers: 'DEFAULT:@SECLEVEL=0',
    minVersion: 'TLSv1.2' as const,
  };
}

/** contextFor returns a server SecureContext for a chain (for sockets upgraded after STARTTLS). */
export function contextFor(chain: Minted[], key: Minted = chain[0]!): SecureContext {
  return createSecureContext(serverOptions(chain, key));
}

function track(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

function serverFor(serve: Serve): Server {
  if (serve === 'plainHttp') {
    return createNetServer((s) => {
      s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    });
  }
  if (serve === 'closesAtOnce') return createNetServer((s) => s.destroy());
  if (serve === 'neverAnswers') return createNetServer(() => {});
  const server = createTlsServer({ ...serverOptions(serve.chain, serve.key), ALPNProtocols: ['http/1.1'] });
  server.on('tlsClientError', () => {});
  server.on('secureConnection', (s) => {
    s.on('error', () => {});
    s.end();
  });
  return server;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/**
 * startServers starts one server per host (127.0.0.x), all on the same port; a clash on that port
 * at another address is retried with a fresh port.
 */
export async function startServers(
  spec: Record<string, Serve>,
  make: (s: Serve) => Server = serverFor,
): Promise<Servers> {
  const hosts = Object.keys(spec);
  for (let attempt = 0; ; attempt++) {
    const closers: (() => Promise<void>)[] = [];
    try {
      let port = 0;
      for (const host of hosts) {
        const server = make(spec[host]!);
        closers.push(track(server));
        port = await listen(server, host, port);
      }
      return { port, hosts, close: async () => void (await Promise.all(closers.map((c) => c()))) };
    } catch (err) {
      await Promise.all(closers.map((c) => c().catch(() => {})));
      if (attempt >= 5) throw err;
    }
  }
}

/** freePort returns a port on the host where nothing listens (bound, then closed). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const s = createNetServer();
  const port = await listen(s, host, 0);
  await new Promise((r) => s.close(r));
  return port;
}

export type StarttlsServe = 'smtp' | 'imap' | 'pop3' | 'ldap' | 'postgres' | 'smtpWithoutStarttls' | 'postgresNoSsl';

/** upgrade wraps the raw socket in server-side TLS once the dialogue agreed to it. */
function upgrade(socket: Socket, ctx: SecureContext): void {
  socket.removeAllListeners('data');
  const tls = new TLSSocket(socket, { isServer: true, secureContext: ctx });
  tls.on('error', () => {});
  tls.on('secure', () => tls.end());
}

/** lines calls `onLine` for each CRLF line the client sends. */
function lines(socket: Socket, onLine: (line: string) => void): void {
  let buf = '';
  socket.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      onLine(line);
    }
  });
}

/** starttlsServer returns a server that speaks the protocol's STARTTLS dialogue, then serves the chain. */
export function starttlsServer(kind: StarttlsServe, chain: Minted[]): Server {
  const ctx = contextFor(chain);
  return createNetServer((s) => {
    s.on('error', () => {});
    switch (kind) {
      case 'smtp':
      case 'smtpWithoutStarttls':
        s.write('220-mail.example.test ESMTP certmedic test\r\n220 ready\r\n');
        lines(s, (l) => {
          if (/^EHLO /i.test(l))
            s.write(
              `250-mail.example.test\r\n250-PIPELINING\r\n${kind === 'smtp' ? '250-STARTTLS\r\n' : ''}250 8BITMIME\r\n`,
            );
          else if (/^STARTTLS$/i.test(l)) {
            s.write('220 2.0.0 Ready to start TLS\r\n');
            upgrade(s, ctx);
          } else s.write('502 5.5.2 Error: command not recognized\r\n');
        });
        return;
      case 'imap':
        s.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n');
        lines(s, (l) => {
          const [tag, cmd] = l.split(' ');
          if (cmd?.toUpperCase() === 'STARTTLS') {
            s.write(`${tag} OK Begin TLS negotiation now\r\n`);
            upgrade(s, ctx);
          } else s.write(`${tag} BAD unknown\r\n`);
        });
        return;
      case 'pop3':
        s.write('+OK POP3 ready\r\n');
        lines(s, (l) => {
          if (l.toUpperCase() === 'STLS') {
            s.write('+OK Begin TLS\r\n');
            upgrade(s, ctx);
          } else s.write('-ERR unknown\r\n');
        });
        return;
      case 'ldap':
        s.once('data', () => {
          // ExtendedResponse, messageID 1, resultCode success (RFC 4511 §4.14.2)
          s.write(Buffer.from([0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]));
          upgrade(s, ctx);
        });
        return;
      case 'postgres':
      case 'postgresNoSsl':
        s.once('data', () => {
          s.write(kind === 'postgres' ? 'S' : 'N');
          if (kind === 'postgres') upgrade(s, ctx);
          else s.end();
        });
        return;
    }
  });
}

export interface ServedNames {
  port: number;
  anchorFile: string;
  close(): Promise<void>;
}

/** startServedNames serves a trusted `*.example.test` chain on every IPv4 address named by an A record. */
export async function startServedNames(records: readonly string[], zone = 'example.test'): Promise<ServedNames> {
  const ca = await pki('CLI');
  const leaf = await leafOf(ca, [`*.${zone}`, zone]);
  const addresses = [
    ...new Set(records.map((r) => / A (\d+\.\d+\.\d+\.\d+)$/.exec(r)?.[1]).filter(Boolean)),
  ] as string[];
  const spec: Record<string, Serve> = Object.fromEntries(addresses.map((a) => [a, { chain: [leaf, ca.intermediate] }]));
  const servers = await startServers(spec);
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-anchor-'));
  const anchorFile = join(dir, 'root.pem');
  writeFileSync(anchorFile, ca.root.pem);
  return { port: servers.port, anchorFile, close: () => servers.close() };
}
