import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../src/core/finding.js';
import { leafOf, pki } from '../support/certs.js';
import { json, runCli } from '../support/cli.js';
import { type Servers, startServers } from '../support/tls-servers.js';
import { startWorld, type World } from '../support/world.js';

let world: World;
let servers: Servers;
let dir: string;
let rootPem: string;

beforeAll(async () => {
  const ca = await pki('Scan', 'ec256');
  const good = await leafOf(ca, ['ok.example.test', 'byaddr.example.test'], { key: 'ec256' });
  const expired = await leafOf(ca, ['expired.example.test'], { fromDays: -100, toDays: -10, key: 'ec256' });
  servers = await startServers({
    '127.0.0.81': { chain: [good, ca.intermediate] },
    '127.0.0.82': { chain: [expired, ca.intermediate] },
  });
  world = await startWorld({
    records: ['ok.example.test A 127.0.0.81', 'expired.example.test A 127.0.0.82', 'down.example.test A 127.0.0.83'],
  });
  dir = mkdtempSync(join(tmpdir(), 'certmedic-scan-'));
  rootPem = join(dir, 'root.pem');
  writeFileSync(rootPem, ca.root.pem);
});
afterAll(async () => {
  await servers.close();
  await world.close();
});

function watchlist(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function scan(file: string, extra: string[] = [], env: Record<string, string> = {}) {
  return runCli(
    [
      'scan',
      '--watchlist',
      file,
      '--resolver',
      world.resolver.resolverArg,
      '--port-map',
      `443=${servers.port}`,
      '--timeout',
      '3000',
      ...extra,
    ],
    { env },
  );
}

const codes = (r: Report) => r.findings.map((f) => f.code);

describe('certmedic scan', () => {
  test('one report per target in watchlist order; the exit code is the worst', async () => {
    const file = watchlist(
      'mixed.yml',
      [
        'targets:',
        '  - name: ok.example.test',
        '  - name: expired.example.test',
        '  - name: missing.example.test',
        '  - name: byaddr.example.test',
        '    address: 127.0.0.81',
        '  - name: down.example.test',
        '',
      ].join('\n'),
    );
    const r = await scan(file, ['--trust-anchor', rootPem, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const reports = json<Report[]>(r);
    expect(reports.map((x) => x.target)).toEqual([
      'ok.example.test:443',
      'expired.example.test:443',
      'missing.example.test:443',
      'byaddr.example.test:443',
      'down.example.test:443',
    ]);
    const [ok, expired, missing, byaddr, down] = reports as [Report, Report, Report, Report, Report];
    expect(ok.findings.filter((f) => f.severity === 'critical')).toEqual([]);
    expect(ok.checks.map((c) => [c.name, c.state])).toEqual(
      expect.arrayContaining([
        ['dns', 'ran'],
        ['endpoint', 'ran'],
      ]),
    );
    expect(ok.checks.find((c) => c.name === 'caa')?.state).toBe('skipped');
    expect(codes(expired)).toContain('tls.expired');
    expect(codes(missing)).toEqual(['dns.nxdomain']);
    expect(byaddr.findings.filter((f) => f.severity === 'critical')).toEqual([]);
    expect(codes(down)).toContain('tls.connect_failed');
  });

  test('a healthy watchlist (key watchlist:, as in the config file) exits 0; text output names each target', async () => {
    const file = watchlist(
      'ok.yml',
      'watchlist:\n  - name: ok.example.test\n  - name: byaddr.example.test\n    address: 127.0.0.81\n',
    );
    const r = await scan(file, ['--trust-anchor', rootPem]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok.example.test:443');
    expect(r.stdout).toContain('byaddr.example.test:443');
  });

  test('CERTMEDIC_TRUST_ANCHORS applies to scan', async () => {
    const file = watchlist('one.yml', 'targets:\n  - name: ok.example.test\n');
    const without = json<Report[]>(await scan(file, ['--format', 'json']));
    expect(codes(without[0]!)).toContain('tls.untrusted_root');
    const withEnv = await scan(file, ['--format', 'json'], { CERTMEDIC_TRUST_ANCHORS: rootPem });
    expect(withEnv.code).toBe(0);
    expect(codes(json<Report[]>(withEnv)[0]!)).not.toContain('tls.untrusted_root');
  });

  test('many targets go through the worker pool with the same results, in order', async () => {
    const names = Array.from(
      { length: 40 },
      (_, i) => `  - name: byaddr.example.test\n    address: 127.0.0.${i % 2 ? 81 : 82}`,
    );
    const file = watchlist(
      'many.yml',
      `targets:\n${names.map((n, i) => n.replace('byaddr', `h${i}.byaddr`)).join('\n')}\n`,
    );
    const r = await scan(file, ['--trust-anchor', rootPem, '--format', 'json', '--concurrency', '8']);
    expect(r.code).toBe(1);
    const reports = json<Report[]>(r);
    expect(reports).toHaveLength(40);
    reports.forEach((rep, i) => {
      expect(rep.target).toBe(`h${i}.byaddr.example.test:443`);
      // 127.0.0.82 serves an expired certificate for another name; .81 the good one (name mismatch for h*).
      expect(codes(rep)).toContain(i % 2 ? 'tls.hostname_mismatch' : 'tls.expired');
    });
  });

  test.each([
    ['targets:\n  - name: ok.example.test\n  - nme: typo.example.test\n', /bad\.yml:3/],
    ['targets:\n  - name: ok.example.test\n    port: 0\n', /bad\.yml:3: targets\[0\]\.port/],
    ['targets:\n  - name: "not a name"\n', /bad\.yml:2: targets\[0\]\.name/],
    ['just text\n', /bad\.yml/],
  ])('a malformed watchlist is exit 2 naming the line: %j', async (text, message) => {
    const file = watchlist('bad.yml', text);
    const r = await scan(file, ['--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  test('a large watchlist is parsed in a worker; its errors still name the line', async () => {
    const lines = ['targets:'];
    for (let i = 0; i < 6000; i++) lines.push(`  - name: host-${i}.example.test`, '    address: 127.0.0.81');
    lines.push('  - name: last.example.test', '    port: 99999');
    const file = watchlist('large.yml', `${lines.join('\n')}\n`);
    const r = await scan(file, ['--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/large\.yml:12003: targets\[6000\]\.port/);
  });

  test.each([
    [['--watchlist', '/nonexistent/wl.yml'], /cannot read/],
    [['--watchlist', 'x.yml', '--concurrency', '0'], /--concurrency/],
    [['--watchlist', 'x.yml', '--timeout', 'soon'], /--timeout/],
    [['--watchlist', 'x.yml', '--format', 'blocks'], /format/],
    [[], /watchlist/],
  ])('bad usage %j is exit 2', async (args, message) => {
    const r = await runCli(['scan', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});
