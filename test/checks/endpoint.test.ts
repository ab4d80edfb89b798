import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { endpointCheck } from '../../src/checks/endpoint.js';
import type { Report } from '../../src/core/finding.js';
import { diagnose } from '../../src/diagnose.js';
import { leafOf, type Pki, pki } from '../support/certs.js';
import { freePort, type Servers, startServers } from '../support/tls-servers.js';
import { codes, request, startWorld, type World } from '../support/world.js';

let ca: Pki;
let servers: Servers;
let world: World;
let serials: Record<string, string>;

const HOSTS: Record<string, string> = {
  good: '127.0.0.2',
  expired: '127.0.0.3',
  future: '127.0.0.4',
  soonwarn: '127.0.0.5',
  sooncrit: '127.0.0.6',
  wrongname: '127.0.0.7',
  short: '127.0.0.8',
  wild: '127.0.0.9',
  plain: '127.0.0.10',
  twoa: '127.0.0.11',
  twob: '127.0.0.12',
};

beforeAll(async () => {
  ca = await pki('Endpoint');
  const leaf = (n: string, extra = {}) => leafOf(ca, [`${n}.example.test`], extra);
  const certs = {
    good: await leaf('good'),
    expired: await leaf('expired', { fromDays: -100, toDays: -10 }),
    future: await leaf('future', { fromDays: 5, toDays: 95 }),
    soonwarn: await leaf('soonwarn', { fromDays: -70, toDays: 20 }),
    sooncrit: await leaf('sooncrit', { fromDays: -85, toDays: 5 }),
    wrongname: await leafOf(ca, ['other.example.test']),
    // a 6-day certificate with 1.5 days left: a warning (below 2 days), not critical (below 0.6)
    short: await leaf('short', { fromDays: -4.5, toDays: 1.5 }),
    wild: await leafOf(ca, ['*.wild.example.test']),
    twoa: await leafOf(ca, ['two.example.test'], { serial: '0a0b0c01' }),
    twob: await leafOf(ca, ['two.example.test'], { serial: '0a0b0c02' }),
  };
  serials = Object.fromEntries(Object.entries(certs).map(([k, c]) => [k, c.serial]));
  const spec = Object.fromEntries(
    Object.entries(certs).map(([k, c]) => [HOSTS[k]!, { chain: [c, ca.intermediate] }]),
  ) as Parameters<typeof startServers>[0];
  spec[HOSTS['plain']!] = 'plainHttp';
  servers = await startServers(spec);
  world = await startWorld({
    records: [
      ...Object.entries(HOSTS)
        .filter(([k]) => !k.startsWith('two'))
        .map(([k, ip]) => `${k}.example.test A ${ip}`),
      `two.example.test A ${HOSTS['twoa']}`,
      `two.example.test A ${HOSTS['twob']}`,
      'down.example.test A 127.0.0.13',
    ],
  });
  world.portMap.set(443, servers.port);
});
afterAll(async () => {
  await servers?.close();
  await world?.close();
});

function diag(name: string, extra: Partial<Parameters<typeof request>[1]> = {}, timeoutMs = 5000): Promise<Report> {
  return diagnose(request(name, extra), {
    resolvers: [world.resolver.address],
    portMap: world.portMap,
    timeoutMs,
    trustAnchors: [ca.root.pem],
    checks: [endpointCheck],
  });
}

function only(report: Report, code: string) {
  const f = report.findings.filter((x) => x.code === code);
  expect(f).toHaveLength(1);
  return f[0]!;
}

describe('endpoint: validity and expiry', () => {
  test('a valid, complete, trusted chain has no findings and records the facts per address', async () => {
    const r = await diag('good.example.test');
    expect(codes(r)).toEqual([]);
    expect(r.checks).toEqual([expect.objectContaining({ name: 'endpoint', state: 'ran' })]);
    const facts = r.facts['addresses'] as { address: string; tls: Record<string, unknown> }[];
    expect(facts[0]!.address).toBe(HOSTS['good']);
    expect(facts[0]!.tls).toMatchObject({
      serial: serials['good'],
      subject: 'CN=good.example.test',
      sans: ['good.example.test'],
      issuer: 'CN=Endpoint Intermediate',
      protocol: 'TLSv1.3',
      trusted: true,
      port: 443,
    });
    expect(facts[0]!.tls['handshakeMs']).toBeGreaterThan(0);
    expect(facts[0]!.tls['summary']).toContain(serials['good']);
  });

  test('an expired certificate is tls.expired naming address, serial and date', async () => {
    const r = await diag('expired.example.test');
    expect(codes(r)).toEqual(['tls.expired']);
    const f = only(r, 'tls.expired');
    expect(f.severity).toBe('critical');
    expect(f.evidence['address']).toBe(HOSTS['expired']);
    expect(f.detail).toContain(HOSTS['expired']);
    expect(f.detail).toContain(serials['expired']);
    expect(f.evidence['sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a certificate valid only from next week is tls.not_yet_valid', async () => {
    expect(codes(await diag('future.example.test'))).toEqual(['tls.not_yet_valid']);
  });

  test('20 days left of 90 is an expiring_soon warning; 5 days left is critical', async () => {
    const warn = only(await diag('soonwarn.example.test'), 'tls.expiring_soon');
    expect(warn.severity).toBe('warning');
    const crit = await diag('sooncrit.example.test');
    expect(only(crit, 'tls.expiring_soon').severity).toBe('critical');
    expect(crit.status).toBe('critical');
  });

  test('a 6-day certificate with 1.5 days left is a warning by the lifetime fraction', async () => {
    const f = only(await diag('short.example.test'), 'tls.expiring_soon');
    expect(f.severity).toBe('warning');
    expect(f.evidence['warningMs']).toBe(2 * 86_400_000);
  });
});

describe('endpoint: names', () => {
  test('a certificate for another name is tls.hostname_mismatch', async () => {
    const f = only(await diag('wrongname.example.test'), 'tls.hostname_mismatch');
    expect(f.evidence['presented']).toEqual(['other.example.test']);
    expect(f.detail).toContain(HOSTS['wrongname']);
  });

  test('a wildcard request is checked as *.name; the bare name is not covered by *.name', async () => {
    expect(codes(await diag('wild.example.test', { wildcard: true, method: 'dns-01' }))).toEqual([]);
    expect(codes(await diag('wild.example.test'))).toEqual(['tls.hostname_mismatch']);
    const f = only(await diag('good.example.test', { wildcard: true, method: 'dns-01' }), 'tls.hostname_mismatch');
    expect(f.evidence['wanted']).toBe('*.good.example.test');
  });
});

describe('endpoint: several addresses and drift', () => {
  test('two addresses with different certificates give tls.inconsistent_backends listing both', async () => {
    const r = await diag('two.example.test');
    expect(codes(r)).toEqual(['tls.inconsistent_backends']);
    const f = only(r, 'tls.inconsistent_backends');
    expect(f.severity).toBe('warning');
    expect(f.detail).toContain(`${HOSTS['twoa']} serves serial a0b0c01`);
    expect(f.detail).toContain(`${HOSTS['twob']} serves serial a0b0c02`);
    const facts = r.facts['addresses'] as { tls: { serial: string } }[];
    expect(facts.map((a) => a.tls.serial).sort()).toEqual(['a0b0c01', 'a0b0c02']);
  });

  test('--expect-serial: the address still serving the old certificate is tls.stale_certificate', async () => {
    const r = await diag('two.example.test', { expectSerial: 'a0b0c02' });
    const f = only(r, 'tls.stale_certificate');
    expect(f.evidence['address']).toBe(HOSTS['twoa']);
    expect(f.detail).toContain('a0b0c01');
    expect(f.fixes.join(' ')).toContain('openssl s_client -connect 127.0.0.11:443 -servername two.example.test');
  });

  test('--expect-sha256 matching what is served gives no drift finding', async () => {
    const good = (await diag('good.example.test')).facts['addresses'] as { tls: { sha256: string } }[];
    const r = await diag('good.example.test', { expectSha256: good[0]!.tls.sha256 });
    expect(codes(r)).toEqual([]);
    const stale = await diag('good.example.test', { expectSha256: 'ab'.repeat(32) });
    expect(codes(stale)).toEqual(['tls.stale_certificate']);
  });
});

describe('endpoint: connection failures', () => {
  test('nothing listening is tls.connect_failed', async () => {
    const port = await freePort('127.0.0.13');
    const r = await diagnose(request('down.example.test', { port: 8443 }), {
      resolvers: [world.resolver.address],
      portMap: new Map([[8443, port]]),
      timeoutMs: 3000,
      checks: [endpointCheck],
    });
    const f = only(r, 'tls.connect_failed');
    expect(f.evidence['address']).toBe('127.0.0.13');
    expect(f.detail).toContain('Connection refused');
  });

  test('plain HTTP on the TLS port is tls.handshake_failed', async () => {
    const f = only(await diag('plain.example.test'), 'tls.handshake_failed');
    expect(f.evidence['errorKind']).toBe('not_tls');
  });

  test('a name without addresses skips the check', async () => {
    const r = await diag('nothing.example.test');
    expect(r.checks[0]).toMatchObject({ name: 'endpoint', state: 'skipped' });
  });
});
