/**
 * The CLI against a real recursive resolver (unbound) in front of our authoritative servers: what
 * the outside world runs. Skips when unbound is missing; fails under CI=true.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../src/core/finding.js';
import { json, runCli } from '../support/cli.js';
import { startServersOnOnePort, type TestDnsServer } from '../support/dns-server.js';
import { type ServedNames, startServedNames } from '../support/tls-servers.js';
import { toolOrSkip } from '../support/tools.js';
import { startUnbound, type Unbound } from '../support/unbound.js';

const bin = toolOrSkip('unbound');

const ZONE = [
  'test SOA ns1.example.test hostmaster.example.test 1',
  'example.test SOA ns1.example.test hostmaster.example.test 7',
  'example.test NS ns1.example.test',
  'example.test NS ns2.example.test',
  'ns1.example.test A 127.0.0.2',
  'ns2.example.test A 127.0.0.3',
  'example.test CAA 0 issue "letsencrypt.org"',
  'shop.example.test A 127.0.0.20',
  'www.example.test CNAME shop.example.test',
  'cdn.example.test CNAME edge.platform.example.test',
  'edge.platform.example.test A 127.0.0.21',
  'edge.platform.example.test CAA 0 issue "digicert.com"',
  'locked.example.test A 127.0.0.22',
  'locked.example.test CAA 0 issue ";"',
  'loop1.example.test CNAME loop2.example.test',
  'loop2.example.test CNAME loop1.example.test',
];

describe.skipIf(!bin)('against unbound', () => {
  let auth: TestDnsServer[];
  let unbound: Unbound;
  let served: ServedNames;
  beforeAll(async () => {
    served = await startServedNames(ZONE);
    auth = await startServersOnOnePort([
      { host: '127.0.0.2', records: ZONE, chase: false },
      {
        host: '127.0.0.3',
        records: ZONE.map((r) => (r.startsWith('shop.') ? 'shop.example.test A 127.0.0.99' : r)),
        chase: false,
      },
    ]);
    unbound = await startUnbound(bin!, [
      { zone: 'example.test', host: '127.0.0.2', port: auth[0]!.port },
      { zone: 'test', host: '127.0.0.2', port: auth[0]!.port },
    ]);
  });
  afterAll(async () => {
    await unbound?.close();
    await served?.close();
    await Promise.all((auth ?? []).map((s) => s.close()));
  });

  const diag = (name: string, ...extra: string[]) =>
    runCli([
      'diagnose',
      name,
      '--resolver',
      unbound.resolverArg,
      '--port-map',
      `53=${auth[0]!.port},443=${served.port}`,
      '--trust-anchor',
      served.anchorFile,
      '--method',
      'none',
      '--format',
      'json',
      ...extra,
    ]);

  test('a CNAME chain resolves through unbound; CAA at the parent permits the CA', async () => {
    const r = await diag('www.example.test', '--ca', 'letsencrypt');
    const report = json<Report>(r);
    expect(report.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['dns.private_address', 'caa.permits']));
    expect(report.findings.map((f) => f.code)).not.toContain('dns.nxdomain');
  });

  test("the CNAME target's CAA set applies", async () => {
    const r = await diag('cdn.example.test', '--ca', 'letsencrypt');
    expect(r.code).toBe(1);
    expect(json<Report>(r).findings.map((f) => f.code)).toContain('caa.forbids_ca');
  });

  test('issue ";" forbids every CA', async () => {
    const r = await diag('locked.example.test');
    expect(r.code).toBe(1);
    expect(json<Report>(r).findings.map((f) => f.code)).toContain('caa.forbids_ca');
  });

  test('NXDOMAIN from the authority through unbound', async () => {
    const r = await diag('nope.example.test');
    expect(r.code).toBe(1);
    expect(json<Report>(r).findings.map((f) => f.code)).toContain('dns.nxdomain');
  });

  test("a CNAME loop behind unbound's SERVFAIL is found and named", async () => {
    const r = await diag('loop1.example.test');
    expect(r.code).toBe(1);
    const report = json<Report>(r);
    expect(report.findings.map((f) => f.code)).toContain('dns.cname_loop');
    expect(report.findings.map((f) => f.code)).not.toContain('dns.servfail');
  });

  test('authoritative servers that disagree are named', async () => {
    const r = await diag('shop.example.test');
    const report = json<Report>(r);
    const f = report.findings.find((x) => x.code === 'dns.nameservers_disagree');
    expect(f?.detail).toContain('127.0.0.99');
    expect(r.code).toBe(0);
  });
});
