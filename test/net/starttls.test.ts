import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { endpointCheck } from '../../src/checks/endpoint.js';
import { diagnose } from '../../src/diagnose.js';
import { defaultStarttls } from '../../src/net/starttls.js';
import { probeTls } from '../../src/net/tls.js';
import { leafOf, type Minted, type Pki, pki } from '../support/certs.js';
import { type StarttlsServe, starttlsServer } from '../support/tls-servers.js';
import { codes, request, startWorld, type World } from '../support/world.js';

let ca: Pki;
let leaf: Minted;
const ports: Partial<Record<StarttlsServe, number>> = {};
const servers: Server[] = [];

beforeAll(async () => {
  ca = await pki('Mail');
  leaf = await leafOf(ca, ['mail.example.test']);
  const kinds: StarttlsServe[] = ['smtp', 'imap', 'pop3', 'ldap', 'postgres', 'smtpWithoutStarttls', 'postgresNoSsl'];
  for (const kind of kinds) {
    const s = starttlsServer(kind, [leaf, ca.intermediate]);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    ports[kind] = (s.address() as { port: number }).port;
  }
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('STARTTLS', () => {
  test('the protocol is chosen by port', () => {
    expect([25, 587, 143, 110, 389, 5432, 443, 993].map(defaultStarttls)).toEqual([
      'smtp',
      'smtp',
      'imap',
      'pop3',
      'ldap',
      'postgres',
      'none',
      'none',
    ]);
  });

  for (const [port, kind] of [
    [25, 'smtp'],
    [143, 'imap'],
    [110, 'pop3'],
    [389, 'ldap'],
    [5432, 'postgres'],
  ] as const) {
    test(`${kind} on port ${port}: upgrades and returns the served chain`, async () => {
      const r = await probeTls({
        address: '127.0.0.1',
        port,
        servername: 'mail.example.test',
        portMap: new Map([[port, ports[kind]!]]),
      });
      expect(r.error).toBeUndefined();
      expect(r).toMatchObject({ ok: true, starttls: kind });
      expect(r.certs.map((c) => c.serial)).toEqual([leaf.serial, ca.intermediate.serial]);
      expect(r.starttlsMs).toBeGreaterThanOrEqual(0);
    });
  }

  test('an SMTP server that does not offer STARTTLS fails at the starttls stage', async () => {
    const r = await probeTls({
      address: '127.0.0.1',
      port: 587,
      portMap: new Map([[587, ports.smtpWithoutStarttls!]]),
    });
    expect(r).toMatchObject({ ok: false, stage: 'starttls', error: { kind: 'protocol' } });
    expect(r.error!.message).toContain('does not offer STARTTLS');
  });

  test('a PostgreSQL server that refuses SSL fails at the starttls stage', async () => {
    const r = await probeTls({ address: '127.0.0.1', port: 5432, portMap: new Map([[5432, ports.postgresNoSsl!]]) });
    expect(r).toMatchObject({ ok: false, stage: 'starttls' });
  });

  test('--starttls overrides the port: IMAP spoken on a non-standard port', async () => {
    const r = await probeTls({ address: '127.0.0.1', port: ports.imap!, starttls: 'imap' });
    expect(r.ok).toBe(true);
  });

  test('a hostile SMTP server that never ends its reply is cut off at the size cap', async () => {
    const hostile = createServer((s) => {
      s.on('error', () => {});
      const line = `220-${'x'.repeat(1000)}\r\n`;
      const pump = () => {
        while (s.writable && s.write(line)) {}
      };
      s.on('drain', pump);
      pump();
    });
    servers.push(hostile);
    await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', () => r()));
    const port = (hostile.address() as { port: number }).port;
    const r = await probeTls({ address: '127.0.0.1', port: 25, portMap: new Map([[25, port]]), timeoutMs: 3000 });
    expect(r).toMatchObject({ ok: false, stage: 'starttls' });
    expect(r.error!.message).toContain('larger than');
  });

  test('speaking SMTP to an IMAP server fails cleanly within the timeout', async () => {
    const r = await probeTls({
      address: '127.0.0.1',
      port: 25,
      portMap: new Map([[25, ports.imap!]]),
      timeoutMs: 500,
    });
    expect(r).toMatchObject({ ok: false, stage: 'starttls' });
    expect(r.error!.message).toContain('not an SMTP answer');
  });
});

describe('endpoint check with STARTTLS', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ records: ['mail.example.test A 127.0.0.1'] });
  });
  afterAll(() => world.close());

  const diag = (port: number, target: number, extra = {}) =>
    diagnose(request('mail.example.test', { port, ...extra }), {
      resolvers: [world.resolver.address],
      portMap: new Map([[port, target]]),
      timeoutMs: 3000,
      trustAnchors: [ca.root.pem],
      checks: [endpointCheck],
    });

  test('mail.example.test:25 speaks SMTP STARTTLS and finds nothing wrong', async () => {
    const r = await diag(25, ports.smtp!);
    expect(codes(r)).toEqual([]);
    const tls = (r.facts['addresses'] as { tls: Record<string, unknown> }[])[0]!.tls;
    expect(tls).toMatchObject({ starttls: 'smtp', serial: leaf.serial, port: 25 });
  });

  test('mail.example.test:143 speaks IMAP STARTTLS', async () => {
    expect(codes(await diag(143, ports.imap!))).toEqual([]);
  });

  test('no STARTTLS offered is tls.handshake_failed', async () => {
    const r = await diag(587, ports.smtpWithoutStarttls!);
    expect(codes(r)).toEqual(['tls.handshake_failed']);
    expect(r.findings[0]!.evidence['stage']).toBe('starttls');
  });

  test('--starttls none on port 25 tries TLS directly and fails the handshake', async () => {
    expect(codes(await diag(25, ports.smtp!, { starttls: 'none' }))).toEqual(['tls.handshake_failed']);
  });
});
