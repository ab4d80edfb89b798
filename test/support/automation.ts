/**
 * Local counterparts for the automation tests: a tiny certificate helper (node:crypto keys signed
 * with node-forge), an ACME directory server over HTTPS whose routes misbehave one way each, TLS
 * deployment targets that serve a given certificate, an HTTP stand-in for the platform API, and
 * an inventory store on an in-memory database.
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import forge from 'node-forge';
import { ManualClock } from '../../src/core/clock.js';
import { type Inventory, InventorySchema } from '../../src/inventory/schema.js';
import { InventoryStore } from '../../src/inventory/store.js';
import { openStore } from '../../src/store/db.js';

export interface TestCert {
  pem: string;
  keyPem: string;
  /** Lower-case hex without leading zeros. */
  serial: string;
  sha256: string;
  notAfter: string;
}

let sharedKey: { pub: string; priv: string } | undefined;

/** testCert returns a self-signed RSA certificate for `names` (one shared key, a fresh serial). */
export function testCert(names: string[], opts: { serial?: string; days?: number } = {}): TestCert {
  sharedKey ??= (() => {
    const k = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    return { pub: k.publicKey, priv: k.privateKey };
  })();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(sharedKey.pub);
  cert.serialNumber = opts.serial ?? `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + (opts.days ?? 90) * 86_400_000);
  const attrs = [{ name: 'commonName', value: names[0]! }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    {
      name: 'subjectAltName',
      altNames: names.map((n) => (/^[\d.]+$/.test(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(sharedKey.priv), forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  const x = new X509Certificate(pem);
  return {
    pem,
    keyPem: sharedKey.priv,
    serial: x.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''),
    sha256: x.fingerprint256.replace(/:/g, '').toLowerCase(),
    notAfter: new Date(x.validTo).toISOString(),
  };
}

export interface Listening {
  port: number;
  url: string;
  close(): Promise<void>;
}

function closer(server: Server | TlsServer): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      (server as Server).closeAllConnections?.();
      server.close(() => resolve());
    });
}

async function listen(server: Server | TlsServer, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

export type DirectoryMode = 'ok' | 'status500' | 'notJson' | 'notDirectory' | 'huge' | 'hang';

/** startAcmeDirectory serves GET /directory over HTTPS with the given certificate, misbehaving as told. */
export async function startAcmeDirectory(
  cert: TestCert,
  mode: DirectoryMode = 'ok',
  host = '127.0.0.1',
): Promise<Listening & { hits: number }> {
  const state = { hits: 0 };
  const server = createHttpsServer({ cert: cert.pem, key: cert.keyPem }, (req, res) => {
    state.hits++;
    const base = `https://${req.headers.host}`;
    if (mode === 'hang') return;
    if (req.url !== '/directory') return void res.writeHead(404).end('not found');
    if (mode === 'status500')
      return void res.writeHead(500).end('{"type":"urn:ietf:params:acme:error:serverInternal"}');
    if (mode === 'notJson')
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy login</html>');
    if (mode === 'notDirectory')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":1}');
    if (mode === 'huge') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let n = 0;
      const pump = () => {
        while (n++ < 64) if (!res.write(chunk)) return void res.once('drain', pump);
        res.end();
      };
      return pump();
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        newNonce: `${base}/acme/new-nonce`,
        newAccount: `${base}/acme/new-acct`,
        newOrder: `${base}/acme/new-order`,
        revokeCert: `${base}/acme/revoke-cert`,
        keyChange: `${base}/acme/key-change`,
        meta: { termsOfService: `${base}/terms` },
      }),
    );
  });
  const port = await listen(server, host);
  return {
    port,
    url: `https://${host}:${port}/directory`,
    close: closer(server),
    get hits() {
      return state.hits;
    },
  };
}

/** startTlsTarget is a deployment target serving `cert` on 127.0.0.x. */
export async function startTlsTarget(cert: TestCert, host = '127.0.0.1'): Promise<Listening> {
  const server = createTlsServer({ cert: cert.pem, key: cert.keyPem }, (socket) => socket.end());
  server.on('tlsClientError', () => {});
  const port = await listen(server, host);
  return { port, url: `tls://${host}:${port}`, close: closer(server) };
}

/** closedPort returns a port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createHttpServer();
  const port = await listen(server, '127.0.0.1');
  await closer(server)();
  return port;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** startPlatformApi stands in for a CLM's API: records each request, answers with the given status. */
export async function startPlatformApi(
  status = 202,
  answer = '{"queued":true}',
): Promise<Listening & { requests: RecordedRequest[] }> {
  const requests: RecordedRequest[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (status === 0) return; // hang
      res.writeHead(status, { 'content-type': 'application/json' }).end(answer);
    });
  });
  const port = await listen(server, '127.0.0.1');
  return { port, url: `http://127.0.0.1:${port}`, close: closer(server), requests };
}

/** inventoryStore parses an inventory (as in the config file) into a store on a fresh in-memory database. */
export function inventoryStore(inv: unknown, now = Date.parse('2026-11-27T10:00:00Z')) {
  const baseline: Inventory = InventorySchema.parse(inv);
  const db = openStore(':memory:');
  const clock = new ManualClock(now);
  return { db, clock, store: new InventoryStore(db, baseline, clock) };
}
