import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../src/core/finding.js';
import { leafOf, type Minted, mint, type Pki, pki } from '../support/certs.js';
import { json, runCli } from '../support/cli.js';
import { type Servers, type StarttlsServe, startServers, starttlsServer } from '../support/tls-servers.js';
import { startWorld, type World } from '../support/world.js';

let ca: Pki;
let servers: Servers;
let smtp: Server;
let smtpPort: number;
let world: World;
let anchorFile: string;
let good: Minted;
let blue: Minted;

const HOSTS = {
  good: '127.0.2.2',
  expired: '127.0.2.3',
  wrongname: '127.0.2.4',
  selfsigned: '127.0.2.5',
  leafonly: '127.0.2.6',
  blue: '127.0.2.7',
  green: '127.0.2.8',
  soon: '127.0.2.9',
} as const;

beforeAll(async () => {
  ca = await pki('CLI Endpoint');
  const leaf = (n: string, extra = {}) => leafOf(ca, [`${n}.example.test`], extra);
  good = await leaf('good');
  blue = await leafOf(ca, ['pool.example.test'], { serial: '01a2b3c4d5' });
  const green = await leafOf(ca, ['pool.example.test'], { serial: '01a2b3c4d6' });
  servers = await startServers({
    [HOSTS.good]: { chain: [good, ca.intermediate] },
    [HOSTS.expired]: { chain: [await leaf('expired', { fromDays: -100, toDays: -1 }), ca.intermediate] },
    [HOSTS.wrongname]: { chain: [await leafOf(ca, ['elsewhere.example.test']), ca.intermediate] },
    [HOSTS.selfsigned]: { chain: [await mint({ cn: 'selfsigned.example.test' })] },
    [HOSTS.leafonly]: { chain: [await leaf('leafonly')] },
    [HOSTS.blue]: { chain: [blue, ca.intermediate] },
    [HOSTS.green]: { chain: [green, ca.intermediate] },
    [HOSTS.soon]: { chain: [await leaf('soon', { fromDays: -70, toDays: 20 }), ca.intermediate] },
  });
  const mail = await leafOf(ca, ['mail.example.test']);
  smtp = starttlsServer('smtp' satisfies StarttlsServe, [mail, ca.intermediate]);
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.address() as { port: number }).port;
  world = await startWorld({
    records: [
      ...Object.entries(HOSTS)
        .filter(([k]) => k !== 'blue' && k !== 'green')
        .map(([k, ip]) => `${k}.example.test A ${ip}`),
      `pool.example.test A ${HOSTS.blue}`,
      `pool.example.test A ${HOSTS.green}`,
      'mail.example.test A 127.0.0.1',
    ],
  });
  anchorFile = join(mkdtempSync(join(tmpdir(), 'certmedic-cli-')), 'root.pem');
  writeFileSync(anchorFile, ca.root.pem);
});
afterAll(async () => {
  await servers?.close();
  await new Promise((r) => smtp?.close(r));
  await world?.close();
});

function diag(target: string, ...extra: string[]) {
  return runCli([
    'diagnose',
    target,
    '--resolver',
    world.resolver.resolverArg,
    '--port-map',
    `${world.portMapArg},443=${servers.port},25=${smtpPort}`,
    '--method',
    'none',
    '--format',
    'json',
    ...extra,
  ]);
}

const tlsCodes = (r: Report) => r.findings.map((f) => f.code).filter((c) => c.startsWith('tls.'));

describe('certmedic diagnose: the served certificate', () => {
  test('a healthy name with --trust-anchor exits 0 and lists the served certificate per address', async () => {
    const r = await diag('good.example.test', '--trust-anchor', anchorFile);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = json<Report>(r);
    expect(tlsCodes(report)).toEqual([]);
    expect(report.checks).toContainEqual(expect.objectContaining({ name: 'endpoint', state: 'ran' }));
    const addr = (report.facts['addresses'] as { address: string; tls: { serial: string } }[])[0]!;
    expect(addr).toMatchObject({ address: HOSTS.good, tls: { serial: good.serial } });
  });

  test('without the trust anchor the private chain is tls.untrusted_root, exit 1', async () => {
    const r = await diag('good.example.test');
    expect(r.code).toBe(1);
    expect(tlsCodes(json<Report>(r))).toEqual(['tls.untrusted_root']);
  });

  test.each([
    ['expired.example.test', 'tls.expired'],
    ['wrongname.example.test', 'tls.hostname_mismatch'],
    ['selfsigned.example.test', 'tls.self_signed'],
    ['leafonly.example.test', 'tls.incomplete_chain'],
  ])('%s -> %s, exit 1', async (name, code) => {
    const r = await diag(name, '--trust-anchor', anchorFile);
    expect(r.code).toBe(1);
    const report = json<Report>(r);
    expect(tlsCodes(report)).toEqual([code]);
    expect(report.findings.find((f) => f.code === code)!.evidence['address']).toMatch(/^127\.0\.2\./);
  });

  test('20 days left of 90 is a warning: exit 0', async () => {
    const r = await diag('soon.example.test', '--trust-anchor', anchorFile);
    expect(r.code).toBe(0);
    expect(tlsCodes(json<Report>(r))).toEqual(['tls.expiring_soon']);
  });

  test('two addresses serving different certificates: tls.inconsistent_backends (warning, exit 0)', async () => {
    const r = await diag('pool.example.test', '--trust-anchor', anchorFile);
    expect(r.code).toBe(0);
    const f = json<Report>(r).findings.find((x) => x.code === 'tls.inconsistent_backends')!;
    expect(f.detail).toContain(HOSTS.blue);
    expect(f.detail).toContain(HOSTS.green);
  });

  test('--expect-serial with colons, case and leading zeros: the other backend is tls.stale_certificate, exit 1', async () => {
    const r = await diag('pool.example.test', '--trust-anchor', anchorFile, '--expect-serial', '00:01:A2:B3:C4:D5');
    expect(r.code).toBe(1);
    const stale = json<Report>(r).findings.filter((f) => f.code === 'tls.stale_certificate');
    expect(stale.map((f) => f.evidence['address'])).toEqual([HOSTS.green]);
  });

  test('--expect-sha256 of the served certificate: no drift, exit 0', async () => {
    const r = await diag(
      'good.example.test',
      '--trust-anchor',
      anchorFile,
      '--expect-sha256',
      good.sha256.toUpperCase(),
    );
    expect(r.code).toBe(0);
    expect(tlsCodes(json<Report>(r))).toEqual([]);
  });

  test('mail.example.test:25 speaks SMTP STARTTLS; --starttls none fails the handshake', async () => {
    const ok = await diag('mail.example.test:25', '--trust-anchor', anchorFile);
    expect(ok.code).toBe(0);
    expect(tlsCodes(json<Report>(ok))).toEqual([]);
    const none = await diag('mail.example.test:25', '--trust-anchor', anchorFile, '--starttls', 'none');
    expect(none.code).toBe(1);
    expect(tlsCodes(json<Report>(none))).toEqual(['tls.handshake_failed']);
  });

  test('text output names the address, serial and fix', async () => {
    const r = await runCli([
      'diagnose',
      'expired.example.test',
      '--resolver',
      world.resolver.resolverArg,
      '--port-map',
      `${world.portMapArg},443=${servers.port}`,
      '--trust-anchor',
      anchorFile,
      '--method',
      'none',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[tls.expired]');
    expect(r.stdout).toContain(HOSTS.expired);
  });
});

describe('certmedic diagnose: served-certificate usage errors exit 2', () => {
  test.each([
    [['--starttls', 'smtps']],
    [['--trust-anchor', '/nonexistent/root.pem']],
    [['--expect-serial', 'xyz']],
    [['--expect-sha256', 'abcd']],
    [['--expect-serial', '01', '--expect-sha256', 'ab'.repeat(32)]],
  ])('%j', async (extra) => {
    const r = await runCli(['diagnose', 'good.example.test', ...extra]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('a trust anchor file that is not PEM exits 2', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'certmedic-cli-')), 'bad.pem');
    writeFileSync(file, 'not a certificate\n');
    const r = await runCli(['diagnose', 'good.example.test', '--trust-anchor', file]);
    expect(r.code).toBe(2);
  });
});
