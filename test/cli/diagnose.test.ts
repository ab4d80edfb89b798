import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../src/core/finding.js';
import { json, runCli } from '../support/cli.js';
import { type ServedNames, startServedNames } from '../support/tls-servers.js';
import { startWorld, type World } from '../support/world.js';

const RECORDS = [
  'ok.example.test A 127.0.0.10',
  'shop.example.test A 127.0.0.11',
  'example.test CAA 0 issue "letsencrypt.org"',
  'locked.example.test A 127.0.0.12',
  'locked.example.test CAA 0 issue ";"',
  'txt.example.test TXT "only text"',
  'loop1.example.test CNAME loop2.example.test',
  'loop2.example.test CNAME loop1.example.test',
  'split.example.test A 127.0.0.13',
  'lame.example.test A 127.0.0.14',
  'crit.example.test A 127.0.0.15',
  'crit.example.test CAA 128 tbs "x"',
  'methods.example.test A 127.0.0.16',
  'methods.example.test CAA 0 issue "letsencrypt.org; validationmethods=dns-01"',
  'acct.example.test A 127.0.0.17',
  'acct.example.test CAA 0 issue "letsencrypt.org; accounturi=https://acme.example/acct/1"',
  'mal.example.test A 127.0.0.18',
  'mal.example.test CAA 0 issue "letsencrypt.org"',
  'mal.example.test CAA 0 issue "digicert.com; oops"',
  'wild.example.test A 127.0.0.19',
  'wild.example.test CAA 0 issuewild "digicert.com"',
];

let world: World;
// Every address serves a valid *.example.test certificate on 443, so only DNS/CAA findings remain.
let served: ServedNames;
beforeAll(async () => {
  served = await startServedNames(RECORDS);
  world = await startWorld({
    records: RECORDS,
    rules: [
      { name: 'broken.example.test', action: 'servfail' },
      { name: 'garbage.example.test', action: 'malformed' },
      { name: 'silent.example.test', action: 'drop' },
      { name: 'caafail.example.test', type: 'CAA', action: 'servfail' },
    ],
    authorities: [
      {},
      {
        records: RECORDS.map((r) => (r.startsWith('split.') ? 'split.example.test A 127.0.0.99' : r)),
        rules: [{ name: 'lame.example.test', action: 'refused' }],
      },
    ],
  });
});
afterAll(async () => {
  await world.close();
  await served.close();
});

function diag(name: string, ...extra: string[]) {
  return runCli([
    'diagnose',
    name,
    '--resolver',
    world.resolver.resolverArg,
    '--port-map',
    `${world.portMapArg},443=${served.port}`,
    '--trust-anchor',
    served.anchorFile,
    '--method',
    'none',
    '--format',
    'json',
    ...extra,
  ]);
}

describe('certmedic diagnose (DNS and CAA)', () => {
  test('a healthy name on loopback exits 0 with the private-address warning only', async () => {
    const r = await diag('ok.example.test', '--ca', 'letsencrypt');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = json<Report>(r);
    expect(report.target).toBe('ok.example.test');
    expect(report.status).toBe('warning');
    expect(report.findings.map((f) => f.code)).toEqual(['dns.private_address', 'caa.permits']);
    expect(report.checks.map((c) => [c.name, c.state])).toEqual(
      expect.arrayContaining([
        ['dns', 'ran'],
        ['caa', 'ran'],
      ]),
    );
  });

  test.each([
    ['missing.example.test', [], 'dns.nxdomain'],
    ['txt.example.test', [], 'dns.no_address'],
    ['broken.example.test', [], 'dns.servfail'],
    ['garbage.example.test', [], 'dns.malformed_response'],
    ['loop1.example.test', [], 'dns.cname_loop'],
    ['shop.example.test', ['--ca', 'digicert'], 'caa.forbids_ca'],
    ['locked.example.test', [], 'caa.forbids_ca'],
    ['caafail.example.test', [], 'caa.lookup_failed'],
    ['crit.example.test', [], 'caa.unknown_critical'],
    ['methods.example.test', ['--ca', 'letsencrypt', '--method', 'http-01'], 'caa.method_restricted'],
    ['acct.example.test', ['--ca', 'letsencrypt', '--account-uri', 'https://acme.example/acct/2'], 'caa.forbids_ca'],
    ['*.wild.example.test', ['--ca', 'letsencrypt'], 'caa.forbids_wildcard'],
  ])('%s %j -> %s, exit 1', async (name, extra, code) => {
    const r = await diag(name, ...extra);
    expect(r.code).toBe(1);
    const report = json<Report>(r);
    expect(report.findings.map((f) => f.code)).toContain(code);
    expect(report.status).toBe('critical');
  });

  test.each([
    ['split.example.test', [], 'dns.nameservers_disagree'],
    ['lame.example.test', [], 'dns.lame_delegation'],
    ['acct.example.test', ['--ca', 'letsencrypt'], 'caa.account_restricted'],
    ['mal.example.test', ['--ca', 'letsencrypt'], 'caa.malformed'],
    ['ok.example.test', [], 'caa.permits'],
  ])('%s %j -> warning or info %s, exit 0', async (name, extra, code) => {
    const r = await diag(name, ...extra);
    expect(r.code).toBe(0);
    const report = json<Report>(r);
    expect(report.findings.map((f) => f.code)).toContain(code);
    expect(report.status).not.toBe('critical');
  });

  test('dns.timeout within --timeout', async () => {
    const started = Date.now();
    const r = await diag('silent.example.test', '--timeout', '1000');
    expect(r.code).toBe(1);
    expect(json<Report>(r).findings.map((f) => f.code)).toContain('dns.timeout');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('the wildcard form uses issuewild and dns-01', async () => {
    const r = await diag('*.example.test', '--ca', 'letsencrypt');
    expect(r.code).toBe(0);
    expect(json<Report>(r).target).toBe('*.example.test');
  });

  test('name:port runs only DNS and the served certificate', async () => {
    const r = await diag('ok.example.test:8443');
    const report = json<Report>(r);
    expect(report.target).toBe('ok.example.test:8443');
    expect(report.checks.find((c) => c.name === 'caa')).toMatchObject({ state: 'skipped' });
  });

  test('text output names the finding, its cause and the fix', async () => {
    const r = await runCli([
      'diagnose',
      'shop.example.test',
      '--resolver',
      world.resolver.resolverArg,
      '--ca',
      'digicert',
      '--method',
      'none',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('CAA records do not allow this CA to issue');
    expect(r.stdout).toContain('example.test. CAA 0 issue "digicert.com"');
    expect(r.stdout).toContain('[caa.forbids_ca]');
  });

  test('--verbose logs each probe on stderr, stdout stays JSON', async () => {
    const r = await diag('ok.example.test', '--verbose');
    expect(r.stderr).toMatch(/dns ok\.example\.test A @127\.0\.0\.1:\d+ -> NOERROR/);
    expect(json<Report>(r).target).toBe('ok.example.test');
  });
});

describe('certmedic usage errors exit 2 with one line on stderr', () => {
  test.each([
    [['diagnose', 'bad name']],
    [['diagnose', 'exa mple.com']],
    [['diagnose', '']],
    [['diagnose', '192.0.2.1']],
    [['diagnose', '*']],
    [['diagnose', 'a..example.com']],
    [['diagnose', `${'a'.repeat(64)}.example.com`]],
    [['diagnose', `${'abcdefghi.'.repeat(26)}com`]],
    [['diagnose', 'under_score.example.com']],
    [['diagnose', 'example.com', '--ca', 'nosuchca']],
    [['diagnose', 'example.com', '--method', 'http-02']],
    [['diagnose', 'example.com', '--resolver', 'not-an-ip']],
    [['diagnose', 'example.com', '--resolver', '127.0.0.1:99999']],
    [['diagnose', 'example.com', '--port-map', '80:8080']],
    [['diagnose', 'example.com', '--timeout', 'soon']],
    [['diagnose', 'example.com', '--format', 'xml']],
    [['diagnose', 'example.com', '--unknown-option']],
    [['diagnose', 'example.com', '--http-token', 'abc']],
    [['diagnose', 'example.com', '--account-uri', 'not a uri']],
    [['diagnose']],
    [['frobnicate']],
    [[]],
    [['diagnose', 'example.com', '--method', 'dns-01', '--txt', '']],
    [['diagnose', 'example.com', '--http-token', 'abc', '--key-authorization', ' ']],
  ])('%j', async (args) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\s+at\s/);
  });

  test('--version and --help exit 0', async () => {
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const h = await runCli(['diagnose', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('--port-map');
  });

  test('a Unicode name is converted to its A-label', async () => {
    const r = await runCli([
      'diagnose',
      'bücher.example.test',
      '--resolver',
      world.resolver.resolverArg,
      '--method',
      'none',
      '--format',
      'json',
    ]);
    expect(json<Report>(r).target).toBe('xn--bcher-kva.example.test');
  });
});
