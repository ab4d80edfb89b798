import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../src/core/finding.js';
import { chainPem, leafOf, pki } from '../support/certs.js';
import { json, runCli } from '../support/cli.js';
import {
  answers404,
  type Fixture,
  neverAnswers,
  redirectsToPort8081,
  servesChallenge,
  startOnOnePort,
  type WebServers,
} from '../support/http-servers.js';
import { startWorld, type World } from '../support/world.js';

const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
const KEYAUTH = `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;
const TXT = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0';

let world: World;
let http: WebServers;
let tls: WebServers;
let anchor: string;

beforeAll(async () => {
  // A publicly-shaped chain on 443 (trusted through --trust-anchor), so the served-certificate
  // check is healthy; it offers h2/http1.1 only, like a TLS-terminating proxy: no acme-tls/1.
  const ca = await pki('Validation Test');
  const leaf = await leafOf(ca, ['ok.example.test', 'half.example.test']);
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-validation-'));
  anchor = join(dir, 'root.pem');
  writeFileSync(anchor, ca.root.pem);
  const proxy: Fixture = {
    kind: 'tls',
    key: leaf.key.privatePem,
    cert: chainPem(leaf, ca.intermediate),
    alpn: ['h2', 'http/1.1'],
  };
  http = await startOnOnePort([
    { host: '127.0.0.40', fixture: servesChallenge(TOKEN, KEYAUTH) },
    { host: '127.0.0.41', fixture: servesChallenge(TOKEN, KEYAUTH) },
    { host: '127.0.0.42', fixture: answers404() },
    { host: '127.0.0.43', fixture: redirectsToPort8081('redirect.example.test') },
    { host: '127.0.0.44', fixture: neverAnswers() },
  ]);
  tls = await startOnOnePort([
    { host: '127.0.0.40', fixture: proxy },
    { host: '127.0.0.41', fixture: proxy },
  ]);
  world = await startWorld({
    records: [
      'ok.example.test A 127.0.0.40',
      'ok.example.test A 127.0.0.41',
      'half.example.test A 127.0.0.40',
      'half.example.test A 127.0.0.42',
      'redirect.example.test A 127.0.0.43',
      'silent.example.test A 127.0.0.44',
      `_acme-challenge.ok.example.test TXT "${TXT}"`,
    ],
  });
});
afterAll(async () => {
  await Promise.all([world?.close(), http?.close(), tls?.close()]);
});

function diag(name: string, ...extra: string[]) {
  return runCli([
    'diagnose',
    name,
    '--resolver',
    world.resolver.resolverArg,
    '--port-map',
    `80=${http.port},443=${tls.port},${world.portMapArg}`,
    '--trust-anchor',
    anchor,
    '--format',
    'json',
    ...extra,
  ]);
}

const codesOf = (r: Awaited<ReturnType<typeof runCli>>) => json<Report>(r).findings.map((f) => f.code);
const token = ['--http-token', TOKEN, '--key-authorization', KEYAUTH];

describe('certmedic diagnose: validation methods', () => {
  test('http-01 served on every address exits 0 and lists each address', async () => {
    const r = await diag('ok.example.test', ...token);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(codesOf(r).filter((c) => c.startsWith('http01'))).toEqual([]);
    const report = json<Report>(r);
    expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['dns', 'caa', 'risk', 'http01']));
    const addrs = report.facts['addresses'] as { address: string; http01?: { status: number } }[];
    expect(addrs.map((a) => [a.address, a.http01?.status])).toEqual([
      ['127.0.0.40', 200],
      ['127.0.0.41', 200],
    ]);
  });

  test('the text report has one line per address', async () => {
    const r = await runCli([
      'diagnose',
      'ok.example.test',
      '--resolver',
      world.resolver.resolverArg,
      '--port-map',
      `80=${http.port},443=${tls.port}`,
      '--trust-anchor',
      anchor,
      ...token,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/127\.0\.0\.40: .*http01 200, content matches/);
  });

  test('one address answering 404 exits 1 with http01.not_found for that address', async () => {
    const r = await diag('half.example.test', ...token);
    expect(r.code).toBe(1);
    const f = json<Report>(r).findings.filter((x) => x.code.startsWith('http01'));
    expect(f.map((x) => [x.code, x.evidence['address']])).toEqual([['http01.not_found', '127.0.0.42']]);
  });

  test('a redirect to :8081 exits 1 with http01.bad_redirect', async () => {
    const r = await diag('redirect.example.test');
    expect(r.code).toBe(1);
    expect(codesOf(r)).toContain('http01.bad_redirect');
  });

  test('a silent server exits 1 with http01.timeout within the --timeout', async () => {
    const started = Date.now();
    const r = await diag('silent.example.test', '--timeout', '1500');
    expect(r.code).toBe(1);
    expect(codesOf(r)).toContain('http01.timeout');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('file validation: a path outside pki-validation exits 2, a missing file exits 1 (http01.not_found)', async () => {
    const r = await diag(
      'ok.example.test',
      '--file-path',
      `/.well-known/acme-challenge/${TOKEN}`,
      '--file-content',
      'x',
    );
    expect(r.code).toBe(2); // only /.well-known/pki-validation/ paths are file validation
    const r2 = await diag(
      'half.example.test',
      '--file-path',
      '/.well-known/pki-validation/f.txt',
      '--file-content',
      'x',
    );
    expect(r2.code).toBe(1);
    expect(codesOf(r2)).toContain('http01.not_found');
  });

  test('a wildcard with --method http-01 exits 1 with http01.wildcard_unsupported', async () => {
    const r = await diag('*.ok.example.test', '--method', 'http-01');
    expect(r.code).toBe(1);
    expect(codesOf(r)).toContain('http01.wildcard_unsupported');
  });

  test('dns-01 with the right --txt exits 0, with another value exits 1 with dns01.record_mismatch', async () => {
    const ok = await diag('ok.example.test', '--method', 'dns-01', '--txt', TXT);
    expect(ok.code).toBe(0);
    expect(json<Report>(ok).checks.find((c) => c.name === 'http01')?.state).toBe('skipped');
    const bad = await diag('ok.example.test', '--method', 'dns-01', '--txt', 'other');
    expect(bad.code).toBe(1);
    expect(codesOf(bad)).toContain('dns01.record_mismatch');
    const wild = await diag('*.half.example.test');
    expect(wild.code).toBe(1);
    expect(codesOf(wild)).toContain('dns01.record_missing');
  });

  test('tls-alpn-01 behind a TLS-terminating proxy exits 1 with tlsalpn01.alpn_not_supported', async () => {
    const r = await diag('half.example.test', '--method', 'tls-alpn-01');
    expect(r.code).toBe(1);
    const f = json<Report>(r).findings.filter((x) => x.code.startsWith('tlsalpn01'));
    expect(f.map((x) => [x.code, x.evidence['address']])).toEqual([
      ['tlsalpn01.alpn_not_supported', '127.0.0.40'],
      ['tlsalpn01.connection_failed', '127.0.0.42'],
    ]);
  });

  test('--error with a rate limit gives acme.rate_limited (a warning: exit 0)', async () => {
    const r = await diag(
      'ok.example.test',
      '--method',
      'none',
      '--error',
      'urn:ietf:params:acme:error:rateLimited: too many new orders recently',
    );
    expect(r.code).toBe(0);
    expect(codesOf(r)).toContain('acme.rate_limited');
  });

  test('--error saying issued while the order is pending gives order.status_sync_delay (info)', async () => {
    const r = await diag(
      'ok.example.test',
      '--method',
      'none',
      '--error',
      'Certificate issued by the CA but the order status is still Pending',
    );
    expect(r.code).toBe(0);
    const f = json<Report>(r).findings.find((x) => x.code === 'order.status_sync_delay');
    expect(f?.severity).toBe('info');
  });

  test('risk.keywords from the config file drive the manual-review heuristic', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certmedic-risk-'));
    const file = join(dir, 'certmedic.yml');
    writeFileSync(file, 'risk:\n  keywords: [ok]\n');
    const r = await runCli(
      [
        'diagnose',
        'ok.example.test',
        '--resolver',
        world.resolver.resolverArg,
        '--port-map',
        `443=${tls.port}`,
        '--trust-anchor',
        anchor,
        '--method',
        'none',
        '--format',
        'json',
      ],
      { env: { CERTMEDIC_CONFIG: file } },
    );
    expect(r.code).toBe(0);
    expect(codesOf(r)).toContain('risk.manual_review_likely');
  });

  test.each([
    [['--txt', TXT]],
    [['--http-token', TOKEN]],
    [['--method', 'dns-01', '--http-token', TOKEN, '--key-authorization', KEYAUTH]],
    [['--file-path', '/.well-known/pki-validation/x.txt']],
  ])('bad combinations exit 2: %j', async (extra) => {
    const r = await diag('ok.example.test', ...extra);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
