/**
 * Black-box contract tests of `certmedic diagnose` against real third-party servers on loopback,
 * driven the way scripts and outside judges drive it: the built CLI as a child process, JSON out,
 * exit codes. unbound (recursive) in front of NSD (two authoritative servers, one lagging), nginx
 * serving challenge files, redirects and TLS with openssl-made chains (see support/real/lab.ts).
 * Every report is also held to the DESIGN.md contract as a whole (status, ordering, exit code,
 * severities, per-address evidence, facts.addresses).
 * Skips, naming the missing tool, when nsd, unbound, nginx or openssl is missing; fails under CI=true.
 */

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Finding, Report } from '../../src/core/finding.js';
import { type CliResult, runCli } from '../support/cli.js';
import {
  ACCOUNT,
  ALPN,
  DEAD,
  FILE_CONTENT,
  FILE_PATH,
  KEYAUTH,
  type Lab,
  NO_ALPN,
  startLab,
  TLS_ON_80,
  TOKEN,
  WEB,
  WEB2,
} from '../support/real/lab.js';
import { MAIL_MODULE } from '../support/real/nginx.js';
import { toolOrSkip } from '../support/tools.js';

// Each test runs the CLI as a child process, some several times: generous under heavy CPU load.
vi.setConfig({ testTimeout: 180_000 });

const tools = {
  nsd: toolOrSkip('nsd'),
  unbound: toolOrSkip('unbound'),
  nginx: toolOrSkip('nginx'),
  openssl: toolOrSkip('openssl'),
};
const missing = Object.entries(tools)
  .filter(([, path]) => !path)
  .map(([name]) => name);
/** nginx's mail proxy (libnginx-mod-mail): real SMTP/IMAP/POP3 servers with STARTTLS. */
const mailModule = existsSync(MAIL_MODULE);
if (!mailModule && process.env['CI'] === 'true')
  throw new Error(`${MAIL_MODULE} (libnginx-mod-mail) is required under CI=true but is not installed`);
const skipReason = missing.length > 0 ? ` (skipped: ${missing.join(', ')} not installed)` : '';

/** Default severities from DESIGN.md's code table (tls.expiring_soon may be either). */
const DESIGN_SEVERITY: Record<string, Finding['severity'][]> = {
  'dns.nxdomain': ['critical'],
  'dns.no_address': ['critical'],
  'dns.servfail': ['critical'],
  'dns.timeout': ['critical'],
  'dns.cname_loop': ['critical'],
  'dns.private_address': ['warning'],
  'dns.nameservers_disagree': ['warning'],
  'dns.lame_delegation': ['warning'],
  'caa.forbids_ca': ['critical'],
  'caa.forbids_wildcard': ['critical'],
  'caa.lookup_failed': ['critical'],
  'caa.unknown_critical': ['critical'],
  'caa.method_restricted': ['critical'],
  'caa.malformed': ['warning'],
  'caa.account_restricted': ['warning'],
  'caa.permits': ['info'],
  'http01.connection_refused': ['critical'],
  'http01.timeout': ['critical'],
  'http01.not_found': ['critical'],
  'http01.forbidden': ['critical'],
  'http01.wrong_content': ['critical'],
  'http01.bad_redirect': ['critical'],
  'http01.server_error': ['critical'],
  'http01.wildcard_unsupported': ['critical'],
  'http01.ipv6_broken': ['warning'],
  'dns01.record_missing': ['critical'],
  'dns01.record_mismatch': ['critical'],
  'dns01.cname_delegation_broken': ['critical'],
  'dns01.nameservers_disagree': ['warning'],
  'tlsalpn01.connection_failed': ['critical'],
  'tlsalpn01.alpn_not_supported': ['critical'],
  'tls.connect_failed': ['critical'],
  'tls.handshake_failed': ['critical'],
  'tls.expired': ['critical'],
  'tls.not_yet_valid': ['critical'],
  'tls.hostname_mismatch': ['critical'],
  'tls.self_signed': ['critical'],
  'tls.incomplete_chain': ['critical'],
  'tls.untrusted_root': ['critical'],
  'tls.weak_key': ['critical'],
  'tls.weak_signature': ['critical'],
  'tls.stale_certificate': ['critical'],
  'tls.inconsistent_backends': ['warning'],
  'tls.intermediate_expiring': ['warning'],
  'tls.expiring_soon': ['warning', 'critical'],
  'risk.manual_review_likely': ['warning'],
  'check.failed': ['warning'],
};

/** Codes of per-address checks: one finding per code and address, the address in detail and evidence. */
const PER_ADDRESS = /^(http01\.(?!wildcard_unsupported)|tlsalpn01\.|tls\.(?!inconsistent_backends))/;
const RANK = { critical: 0, warning: 1, info: 2 } as const;
const CHECK_NAMES = ['dns', 'caa', 'risk', 'http01', 'dns01', 'tlsalpn01', 'endpoint', 'automation'];

interface Run {
  exit: number | null;
  report: Report;
  codes: string[];
  raw: CliResult;
}

/**
 * holdsContract checks what DESIGN.md promises of every `--format json` diagnose run and returns
 * the parsed report.
 */
function holdsContract(r: CliResult, target: string): Run {
  expect(r.stderr, 'stderr is empty without --verbose').toBe('');
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${r.code}):\n${r.stdout.slice(0, 2000)}`);
  }
  expect(report.target).toBe(target);
  const worst = Math.min(...report.findings.map((f) => RANK[f.severity]), 2);
  expect(report.status).toBe(worst === 0 ? 'critical' : worst === 1 ? 'warning' : 'ok');
  expect(r.code).toBe(worst === 0 ? 1 : 0);
  const ranks = report.findings.map((f) => RANK[f.severity]);
  expect(ranks, 'findings are ordered worst first').toEqual([...ranks].sort((a, b) => a - b));
  const probed = new Set(((report.facts['addresses'] ?? []) as { address: string }[]).map((a) => a.address));
  const seen = new Set<string>();
  for (const f of report.findings) {
    expect(typeof f.code).toBe('string');
    expect(typeof f.detail).toBe('string');
    const allowed = DESIGN_SEVERITY[f.code];
    if (allowed) expect(allowed, `severity of ${f.code}`).toContain(f.severity);
    if (PER_ADDRESS.test(f.code)) {
      const address = f.evidence['address'];
      expect(typeof address, `${f.code} has evidence.address`).toBe('string');
      expect(f.detail, `${f.code} names its address`).toContain(address as string);
      expect(probed.has(address as string), `facts.addresses lists ${address}`).toBe(true);
      const key = `${f.code}|${address}`;
      expect(seen.has(key), `one ${f.code} per address`).toBe(false);
      seen.add(key);
    }
  }
  expect(report.checks.map((c) => c.name)).toEqual(CHECK_NAMES);
  for (const c of report.checks) expect(['ran', 'skipped', 'error']).toContain(c.state);
  // A broken check never yields a silent ok: every error state comes with check.failed.
  for (const c of report.checks.filter((x) => x.state === 'error')) {
    expect(report.findings.some((f) => f.code === 'check.failed' && f.detail.includes(c.name))).toBe(true);
  }
  return { exit: r.code, report, codes: report.findings.map((f) => f.code), raw: r };
}

function find(run: Run, code: string, address?: string): Finding | undefined {
  return run.report.findings.find(
    (f) => f.code === code && (address === undefined || f.evidence['address'] === address),
  );
}

function state(run: Run, check: string): string | undefined {
  return run.report.checks.find((c) => c.name === check)?.state;
}

const HTTP01 = ['--http-token', TOKEN, '--key-authorization', KEYAUTH];

let lab: Lab | undefined;
/** diag runs `certmedic diagnose <name> ...` against the lab and holds the report to the contract. */
async function diag(name: string, ...args: string[]): Promise<Run> {
  const target = name.replace(/^\*\./, '');
  const r = await lab!.diag(name, ...args);
  return holdsContract(r, name.startsWith('*.') || args.includes('--wildcard') ? `*.${target}` : target);
}

describe.skipIf(missing.length > 0)(`diagnose against nsd + unbound + nginx + openssl chains${skipReason}`, () => {
  beforeAll(async () => {
    lab = await startLab(tools as { nsd: string; unbound: string; nginx: string; openssl: string }, {
      mail: mailModule,
    });
  }, 180_000);
  afterAll(async () => {
    await lab?.close();
  });

  describe.concurrent('a healthy name', () => {
    test('exits 0: HTTP-01 served by nginx, CAA permits the CA, a trusted chain on 443', async () => {
      const run = await diag('shop.example.test', ...HTTP01, '--ca', 'letsencrypt');
      expect(run.exit).toBe(0);
      expect(run.codes.filter((c) => c !== 'dns.private_address' && c !== 'caa.permits')).toEqual([]);
      expect(find(run, 'caa.permits')?.severity).toBe('info');
      for (const c of ['dns', 'caa', 'http01', 'endpoint']) expect(state(run, c)).toBe('ran');
      const addr = (run.report.facts['addresses'] as Record<string, unknown>[]).find((a) => a['address'] === WEB);
      expect(addr?.['http01']).toBeDefined();
      expect(addr?.['tls']).toBeDefined();
    });

    test('a CNAME to it resolves through unbound and passes too', async () => {
      const run = await diag('www.example.test', ...HTTP01);
      expect(run.exit).toBe(0);
      expect(run.codes).not.toContain('dns.nameservers_disagree');
    });

    test('names are normalised: upper case and a trailing dot; Unicode becomes the A-label', async () => {
      const upper = await lab!.diag('SHOP.Example.TEST.', ...HTTP01);
      expect(holdsContract(upper, 'shop.example.test').exit).toBe(0);
      const idn = holdsContract(
        await lab!.diag('bücher.example.test', '--method', 'none'),
        'xn--bcher-kva.example.test',
      );
      expect(idn.exit).toBe(0);
      expect(idn.codes).not.toContain('dns.nxdomain');
    });

    test('name:port checks only DNS and the served certificate (443 mapped)', async () => {
      const run = await diag('shop.example.test:443');
      expect(run.exit).toBe(0);
      for (const c of ['caa', 'risk', 'http01', 'dns01', 'tlsalpn01']) expect(state(run, c)).toBe('skipped');
      expect(state(run, 'endpoint')).toBe('ran');
    });

    test('an ECDSA P-256 chain, and a P-384 chain sent with its root, are fine', async () => {
      for (const name of ['ecdsa.example.test', 'fullroot.example.test']) {
        const run = await diag(name, '--method', 'none');
        expect(run.exit).toBe(0);
        expect(run.codes.filter((c) => c.startsWith('tls.'))).toEqual([]);
      }
    });

    test('--expect-serial with colons and leading zeros matches what nginx serves', async () => {
      const served = (
        (await diag('shop.example.test', '--method', 'none')).report.facts['addresses'] as {
          tls?: { serial?: string; leaf?: { serial?: string } };
        }[]
      )[0]?.tls;
      const serial = served?.serial ?? served?.leaf?.serial;
      expect(serial).toMatch(/^[0-9a-f]+$/i);
      const colons = `00${serial!}`.match(/../g)!.join(':');
      expect((await diag('shop.example.test', '--method', 'none', '--expect-serial', colons)).exit).toBe(0);
      const stale = await diag('shop.example.test', '--method', 'none', '--expect-serial', 'ff:ee');
      expect(stale.exit).toBe(1);
      expect(find(stale, 'tls.stale_certificate', WEB)).toBeDefined();
    });

    test('CA file validation (--file-path/--file-content) against the file nginx serves', async () => {
      const ok = await diag('shop.example.test', '--file-path', FILE_PATH, '--file-content', FILE_CONTENT);
      expect(ok.exit).toBe(0);
      const wrong = await diag('shop.example.test', '--file-path', FILE_PATH, '--file-content', 'something-else');
      expect(find(wrong, 'http01.wrong_content', WEB)).toBeDefined();
    });
  });

  describe.concurrent('DNS through unbound, authorities asked directly with --port-map 53=', () => {
    test('NXDOMAIN from NSD', async () => {
      const run = await diag('nope.example.test');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('dns.nxdomain');
    });

    test('a name without addresses', async () => {
      const run = await diag('noaddr.example.test');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('dns.no_address');
    });

    test("a CNAME loop behind unbound's SERVFAIL; CAA cannot be looked up either", async () => {
      const run = await diag('loop1.example.test');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('dns.cname_loop');
      expect(run.codes).toContain('caa.lookup_failed');
    });

    test('a zone whose server refuses it: SERVFAIL from unbound, CAA lookup failed (CAs refuse)', async () => {
      const run = await diag('www.broken.test');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('dns.servfail');
      expect(run.codes).toContain('caa.lookup_failed');
    });

    test('the lagging secondary answers an old address: dns.nameservers_disagree names both serials', async () => {
      const run = await diag('drift.example.test', '--method', 'none');
      const f = find(run, 'dns.nameservers_disagree');
      expect(f?.severity).toBe('warning');
      expect(f?.detail).toContain('127.0.0.2');
      expect(f?.detail).toContain('127.0.0.3');
      expect(f?.detail).toContain('2026112701');
      expect(f?.detail).toContain(WEB2);
      expect(run.exit).toBe(0);
    });

    test('a name server that does not serve the zone (REFUSED) is a lame delegation', async () => {
      const run = await diag('host.lame.test', '--method', 'none');
      const f = find(run, 'dns.lame_delegation');
      expect(f?.severity).toBe('warning');
      expect(f?.detail).toContain('127.0.0.3');
      expect(run.exit).toBe(0);
    });

    test('without 53= the authorities cannot be asked: a note in facts, no finding', async () => {
      const run = await diag('shop.example.test', '--method', 'none', '--port-map', `443=${lab!.tlsPort}`);
      expect(run.exit).toBe(0);
      expect(run.codes.filter((c) => c !== 'dns.private_address' && c !== 'caa.permits')).toEqual([]);
      expect((run.report.facts['authority'] as { note?: string }).note).toMatch(/port-map 53=/);
    });

    test('a name server whose name does not resolve is a lame delegation', async () => {
      const run = await diag('host.ghostns.test', '--method', 'none');
      expect(find(run, 'dns.lame_delegation')?.detail).toContain('ghost.example.test');
      expect(run.exit).toBe(0);
    });

    test('a CNAME into a zone only the primary also serves is not a disagreement', async () => {
      const run = await diag('cdn.example.test', '--method', 'none');
      expect(run.codes).not.toContain('dns.nameservers_disagree');
    });
  });

  describe.concurrent('CAA from NSD zone data (RFC 8659, RFC 8657)', () => {
    test('the parent set applies to a name two labels down', async () => {
      const run = await diag('deep.sub.example.test', '--method', 'none', '--ca', 'letsencrypt');
      expect(run.exit).toBe(0);
      expect(find(run, 'caa.permits')?.evidence['foundAt']).toBe('example.test');
    });

    test('another CA is forbidden by the parent set', async () => {
      const run = await diag('shop.example.test', '--method', 'none', '--ca', 'digicert');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('caa.forbids_ca');
      expect(run.codes).not.toContain('caa.permits');
    });

    test("a CNAME to a platform takes the platform's set", async () => {
      const run = await diag('cdn.example.test', '--method', 'none', '--ca', 'letsencrypt');
      expect(run.exit).toBe(1);
      expect(find(run, 'caa.forbids_ca')?.detail).toContain('edge.platform.test');
      const ok = await diag('cdn.example.test', '--method', 'none', '--ca', 'digicert');
      expect(ok.codes).toContain('caa.permits');
    });

    test("a CNAME target without CAA: the target's parents do not count, the original name's do (erratum 5065)", async () => {
      const run = await diag('cdn2.example.test', '--method', 'none', '--ca', 'letsencrypt');
      expect(run.codes).toContain('caa.permits');
      expect(run.codes).not.toContain('caa.forbids_ca');
      expect(find(run, 'caa.permits')?.evidence['foundAt']).toBe('example.test');
    });

    test('issuewild alone does not restrict a non-wildcard name', async () => {
      const run = await diag('open.example.test', '--method', 'none', '--ca', 'digicert');
      expect(run.codes).toContain('caa.permits');
      expect(run.exit).toBe(0);
    });

    test('issue ";" forbids every CA, with or without --ca', async () => {
      for (const extra of [[], ['--ca', 'letsencrypt']]) {
        const run = await diag('locked.example.test', '--method', 'none', ...extra);
        expect(run.exit).toBe(1);
        expect(run.codes).toContain('caa.forbids_ca');
      }
    });

    test('issuewild ";" at the apex forbids wildcards below it; a closer issuewild permits', async () => {
      const forbidden = await diag('*.shop.example.test');
      expect(forbidden.exit).toBe(1);
      expect(forbidden.codes).toContain('caa.forbids_wildcard');
      const flag = await diag('shop.example.test', '--wildcard', '--method', 'dns-01');
      expect(flag.codes).toContain('caa.forbids_wildcard');
      const open = await diag('*.open.example.test', '--txt', 'open-wildcard-value', '--ca', 'letsencrypt');
      expect(open.exit).toBe(0);
      expect(open.codes).toContain('caa.permits');
      expect(state(open, 'dns01')).toBe('ran');
      expect(state(open, 'http01')).toBe('skipped');
    });

    test('accounturi: restricted without --account-uri, permitted for the account, forbidden for another', async () => {
      const bare = await diag('acct.example.test', '--method', 'none');
      expect(find(bare, 'caa.account_restricted')?.severity).toBe('warning');
      expect(bare.exit).toBe(0);
      const mine = await diag('acct.example.test', '--method', 'none', '--ca', 'letsencrypt', '--account-uri', ACCOUNT);
      expect(mine.exit).toBe(0);
      expect(mine.codes).toContain('caa.permits');
      expect(mine.codes).not.toContain('caa.account_restricted');
      const other = await diag(
        'acct.example.test',
        '--method',
        'none',
        '--ca',
        'letsencrypt',
        '--account-uri',
        'https://acme-v02.api.letsencrypt.org/acme/acct/1',
      );
      expect(other.exit).toBe(1);
      expect(other.codes).toContain('caa.forbids_ca');
      const noCa = await diag(
        'acct.example.test',
        '--method',
        'none',
        '--account-uri',
        'https://acme-v02.api.letsencrypt.org/acme/acct/1',
      );
      expect(noCa.exit).toBe(1);
      expect(noCa.codes).toContain('caa.forbids_ca');
    });

    test('validationmethods=dns-01 restricts http-01 but not dns-01', async () => {
      for (const extra of [['--ca', 'letsencrypt'], []]) {
        const http = await diag('methods.example.test', ...HTTP01, ...extra);
        expect(http.exit).toBe(1);
        expect(http.codes).toContain('caa.method_restricted');
        expect(http.codes).not.toContain('caa.permits');
      }
      const dns = await diag('methods.example.test', '--method', 'dns-01', '--ca', 'letsencrypt');
      expect(dns.codes).not.toContain('caa.method_restricted');
      expect(dns.codes).toContain('caa.permits');
    });

    test('an unknown tag with the critical flag blocks issuance and nothing "permits"', async () => {
      const run = await diag('crit.example.test', '--method', 'none', '--ca', 'letsencrypt');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('caa.unknown_critical');
      expect(run.codes).not.toContain('caa.permits');
    });

    test('tags are case-insensitive: ISSUE "digicert.com" forbids Let\'s Encrypt', async () => {
      const run = await diag('upper.example.test', '--method', 'none', '--ca', 'letsencrypt');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('caa.forbids_ca');
    });

    test('an issuer domain with a trailing dot authorizes nobody (Boulder compares exactly)', async () => {
      const run = await diag('dotted.example.test', '--method', 'none', '--ca', 'letsencrypt');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('caa.malformed');
      expect(run.codes).toContain('caa.forbids_ca');
    });

    test('a malformed issue value authorizes nobody and is named', async () => {
      const run = await diag('bad.example.test', '--method', 'none', '--ca', 'letsencrypt');
      expect(run.codes).toContain('caa.malformed');
      expect(run.codes).toContain('caa.forbids_ca');
    });
  });

  describe.concurrent('HTTP-01 against nginx (one finding per code and address)', () => {
    const cases: [string, string][] = [
      ['notfound.example.test', 'http01.not_found'],
      ['forbidden.example.test', 'http01.forbidden'],
      ['wrongcontent.example.test', 'http01.wrong_content'],
      ['broken500.example.test', 'http01.server_error'],
      ['login.example.test', 'http01.forbidden'],
      ['redirip.example.test', 'http01.bad_redirect'],
      // Boulder reads at most 127 bytes: the key authorization plus 60 spaces fails there.
      ['padded.example.test', 'http01.wrong_content'],
      // A 4 MB answer: read up to the cap, never held whole.
      ['huge.example.test', 'http01.wrong_content'],
      ['redirloop.example.test', 'http01.bad_redirect'],
      // Every hop adds a path segment: the eleventh redirect is one too many.
      ['redirmany.example.test', 'http01.bad_redirect'],
    ];
    for (const [name, code] of cases) {
      test(`${name.split('.')[0]}: ${code}`, async () => {
        const run = await diag(name, ...HTTP01);
        expect(run.exit).toBe(1);
        expect(find(run, code, WEB)?.severity).toBe('critical');
      });
    }

    test('port 80 speaking TLS: nginx answers 400, and the finding says why', async () => {
      const run = await diag('tlson80.example.test', ...HTTP01);
      expect(run.exit).toBe(1);
      const f = find(run, 'http01.server_error', TLS_ON_80);
      expect(f?.detail).toContain('400');
      expect(f?.fixes[0]).toMatch(/speaks TLS/);
    });

    test('a redirect to :8081 is judged as :8081 although 8081 is mapped to a port that serves the file', async () => {
      const run = await diag('redir8081.example.test', ...HTTP01);
      expect(run.exit).toBe(1);
      expect(find(run, 'http01.bad_redirect', WEB)?.detail).toContain('8081');
    });

    test('a redirect to https is followed to the mapped 443 and passes', async () => {
      const run = await diag('redirhttps.example.test', ...HTTP01);
      expect(run.codes.filter((c) => c.startsWith('http01.'))).toEqual([]);
      expect(run.exit).toBe(0);
      const hops = (run.report.facts['addresses'] as { http01?: { hops: { url: string; port: number }[] } }[])[0]
        ?.http01?.hops;
      expect(hops?.map((h) => new URL(h.url).protocol)).toEqual(['http:', 'https:']);
      expect(hops?.[1]?.port).toBe(lab!.tlsPort);
    });

    test('the HTTPS hop of a redirect is not certificate-checked (an expired certificate there passes)', async () => {
      const run = await diag('redirexpired.example.test', ...HTTP01);
      expect(run.codes.filter((c) => c.startsWith('http01.'))).toEqual([]);
      const hops = (run.report.facts['addresses'] as { http01?: { hops: { url: string; status?: number }[] } }[])[0]
        ?.http01?.hops;
      expect(hops?.at(-1)).toMatchObject({ status: 200 });
      expect(hops?.at(-1)?.url).toMatch(/^https:\/\/expired\.example\.test\//);
    });

    test('a redirect to another name is followed there', async () => {
      const run = await diag('redirother.example.test', ...HTTP01);
      expect(run.codes.filter((c) => c.startsWith('http01.'))).toEqual([]);
    });

    test('two backends: only the one without the file fails, the other is in facts too', async () => {
      const run = await diag('pool.example.test', ...HTTP01);
      expect(run.exit).toBe(1);
      expect(find(run, 'http01.not_found', WEB2)).toBeDefined();
      expect(find(run, 'http01.not_found', WEB)).toBeUndefined();
      expect((run.report.facts['addresses'] as { address: string }[]).map((a) => a.address).sort()).toEqual([
        WEB,
        WEB2,
      ]);
      expect(find(run, 'tls.inconsistent_backends')?.severity).toBe('warning');
    });

    test('a dead address: refused on 80 and 443, per address; the live one passes', async () => {
      const run = await diag('halfdead.example.test', ...HTTP01);
      expect(run.exit).toBe(1);
      expect(find(run, 'http01.connection_refused', DEAD)).toBeDefined();
      expect(find(run, 'tls.connect_failed', DEAD)).toBeDefined();
      expect(run.report.findings.filter((f) => f.evidence['address'] === WEB)).toEqual([]);
    });

    test('IPv6 refused while IPv4 works: http01.ipv6_broken, not a failure of the name', async () => {
      const run = await diag('v6broken.example.test', ...HTTP01);
      expect(find(run, 'http01.ipv6_broken', '::1')?.severity).toBe('warning');
      expect(find(run, 'http01.connection_refused', '::1')).toBeUndefined();
    });

    test('--wildcard with http-01 is refused by the CA rules', async () => {
      const run = await diag('shop.example.test', '--wildcard', '--method', 'http-01');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('http01.wildcard_unsupported');
    });

    test('TLS-ALPN-01 against openssl s_server answering acme-tls/1 with the challenge certificate', async () => {
      const run = await diag('alpn.example.test', '--method', 'tls-alpn-01');
      expect(state(run, 'tlsalpn01')).toBe('ran');
      expect(run.codes.filter((c) => c.startsWith('tlsalpn01.'))).toEqual([]);
      const fact = (run.report.facts['addresses'] as Record<string, unknown>[]).find((a) => a['address'] === ALPN);
      expect(JSON.stringify(fact)).toContain('acmeIdentifier');
    });

    test('TLS-ALPN-01 against a TLS server that ignores ALPN', async () => {
      const run = await diag('noalpn.example.test', '--method', 'tls-alpn-01');
      expect(run.exit).toBe(1);
      expect(find(run, 'tlsalpn01.alpn_not_supported', NO_ALPN)).toBeDefined();
    });

    test('TLS-ALPN-01 against nginx, which does not speak acme-tls/1', async () => {
      const run = await diag('shop.example.test', '--method', 'tls-alpn-01');
      expect(run.exit).toBe(1);
      expect(find(run, 'tlsalpn01.alpn_not_supported', WEB)).toBeDefined();
    });
  });

  describe.concurrent('DNS-01 against NSD', () => {
    test('the expected TXT value passes; another value is a mismatch', async () => {
      expect((await diag('shop.example.test', '--method', 'dns-01', '--txt', 'shop-dns01-value')).exit).toBe(0);
      const run = await diag('shop.example.test', '--method', 'dns-01', '--txt', 'other');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('dns01.record_mismatch');
    });

    test('41 TXT values (stale ones left behind): the answer is truncated over UDP and read over TCP', async () => {
      const ok = await diag('big.example.test', '--method', 'dns-01', '--txt', 'big-fresh-value');
      expect(ok.exit).toBe(0);
      expect(ok.codes.filter((c) => c.startsWith('dns01.'))).toEqual([]);
      const wrong = await diag('big.example.test', '--method', 'dns-01', '--txt', 'other-value');
      const f = find(wrong, 'dns01.record_mismatch');
      expect(f?.detail).toMatch(/and \d+ more/);
    });

    test('a CNAME-delegated challenge (acme-dns style) is followed', async () => {
      const run = await diag('deleg.example.test', '--method', 'dns-01', '--txt', 'delegated-dns01-value');
      expect(run.exit).toBe(0);
      expect(run.codes.filter((c) => c.startsWith('dns01.'))).toEqual([]);
    });

    test('a CNAME delegation to a name that does not exist', async () => {
      const run = await diag('brokendeleg.example.test', '--method', 'dns-01');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('dns01.cname_delegation_broken');
    });

    test('no TXT record at all', async () => {
      const run = await diag('missing.example.test', '--method', 'dns-01');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('dns01.record_missing');
    });

    test('the secondary has not got the record yet: dns01.nameservers_disagree names it', async () => {
      const run = await diag('lag.example.test', '--method', 'dns-01', '--txt', 'lag-fresh-value');
      const f = find(run, 'dns01.nameservers_disagree');
      expect(f?.severity).toBe('warning');
      expect(f?.detail).toContain('127.0.0.3');
      expect(run.exit).toBe(0);
    });
  });

  describe.concurrent('served certificate from nginx (openssl-made)', () => {
    const cases: [string, string][] = [
      ['expired.example.test', 'tls.expired'],
      ['future.example.test', 'tls.not_yet_valid'],
      ['wrongname.example.test', 'tls.hostname_mismatch'],
      ['selfsigned.example.test', 'tls.self_signed'],
      ['leafonly.example.test', 'tls.incomplete_chain'],
      ['untrusted.example.test', 'tls.untrusted_root'],
      ['weakkey.example.test', 'tls.weak_key'],
      ['sha1.example.test', 'tls.weak_signature'],
      // The only path runs through an intermediate that expired: clients reject the chain.
      ['oldinter.example.test', 'tls.expired'],
    ];
    for (const [name, code] of cases) {
      test(`${name.split('.')[0]}: ${code}`, async () => {
        const run = await diag(name, '--method', 'none');
        expect(run.exit).toBe(1);
        expect(find(run, code, WEB)?.severity).toBe('critical');
      });
    }

    test('an intermediate with 2 days left of 90 is tls.intermediate_expiring (warning)', async () => {
      const run = await diag('interexpiring.example.test', '--method', 'none');
      expect(find(run, 'tls.intermediate_expiring', WEB)?.severity).toBe('warning');
      expect(run.exit).toBe(0);
    });

    test('5 days left of a 90-day certificate is critical', async () => {
      const run = await diag('soon.example.test', '--method', 'none');
      expect(run.exit).toBe(1);
      expect(find(run, 'tls.expiring_soon', WEB)?.severity).toBe('critical');
    });
  });

  describe.skipIf(!mailModule)(
    `STARTTLS against nginx's mail proxy${mailModule ? '' : ' (skipped: libnginx-mod-mail not installed)'}`,
    () => {
      const tlsFact = (run: Run) =>
        (run.report.facts['addresses'] as { address: string; tls?: Record<string, unknown> }[]).find(
          (a) => a.address === WEB,
        )?.tls;

      test.each([
        ['25', 'smtp'],
        ['587', 'smtp'],
        ['143', 'imap'],
        ['110', 'pop3'],
      ])('port %s speaks %s first (by port), then serves the certificate', async (port, proto) => {
        const run = await diag(`mail.example.test:${port}`);
        expect(run.exit).toBe(0);
        expect(run.codes.filter((c) => c.startsWith('tls.'))).toEqual([]);
        expect(tlsFact(run)?.['starttls']).toBe(proto);
        expect(tlsFact(run)?.['port']).toBe(Number(port));
      });

      test('465 is implicit TLS: no STARTTLS', async () => {
        const run = await diag('mail.example.test:465');
        expect(run.exit).toBe(0);
        expect(tlsFact(run)?.['starttls']).toBeUndefined();
      });

      test('an SMTP server without STARTTLS: tls.handshake_failed at that address', async () => {
        const run = await diag('mail.example.test:2525', '--starttls', 'smtp');
        expect(run.exit).toBe(1);
        expect(find(run, 'tls.handshake_failed', WEB)?.evidence['stage']).toBe('starttls');
      });

      test('--starttls none against an SMTP port: the plain-text greeting is not TLS', async () => {
        const run = await diag('mail.example.test:25', '--starttls', 'none');
        expect(run.exit).toBe(1);
        expect(find(run, 'tls.handshake_failed', WEB)).toBeDefined();
      });
    },
  );

  describe.concurrent('output formats', () => {
    test('text: the same exit code, the codes on stdout, nothing on stderr', async () => {
      const r = await runCli(['diagnose', 'expired.example.test', '--method', 'none', ...lab!.base], {
        timeoutMs: 60_000,
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('[tls.expired]');
      expect(r.stdout).toContain(WEB);
      expect(r.stderr).toBe('');
    });

    test('blocks: the Block Kit payload, the same exit code', async () => {
      const r = await runCli(
        ['diagnose', 'expired.example.test', '--method', 'none', '--format', 'blocks', ...lab!.base],
        { timeoutMs: 60_000 },
      );
      expect(r.code).toBe(1);
      const payload = JSON.parse(r.stdout) as { blocks: { type: string }[] };
      expect(payload.blocks.length).toBeGreaterThan(0);
      expect(payload.blocks.length).toBeLessThanOrEqual(50);
      expect(r.stdout).toContain('tls.expired');
    });

    test('--verbose: each probe on stderr, stdout still one JSON report', async () => {
      const r = await lab!.diag('shop.example.test', ...HTTP01, '--verbose');
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as Report).target).toBe('shop.example.test');
      expect(r.stderr).toMatch(/^dns shop\.example\.test A @/m);
      expect(r.stderr).toMatch(/\(direct\)/);
      expect(r.stderr).toMatch(/^http 127\.0\.0\.10 /m);
      expect(r.stderr).toMatch(/^tls 127\.0\.0\.10:443->/m);
    });
  });

  describe.concurrent('scan: DNS and the served certificate per watchlist target', () => {
    test('one Report per target in watchlist order; the exit code is the worst', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'certmedic-rw-scan-'));
      const file = join(dir, 'watchlist.yml');
      writeFileSync(
        file,
        [
          'targets:',
          '  - name: shop.example.test',
          '  - name: expired.example.test',
          '  - name: nope.example.test',
          '  - name: pool.example.test',
          `  - name: wrongname.example.test\n    address: ${WEB2}`,
          // The same name pinned to each backend: one report per entry, none merged away.
          `  - name: pool.example.test\n    address: ${WEB2}`,
          '  - name: ecdsa.example.test\n    port: 443',
          '',
        ].join('\n'),
      );
      const r = await runCli(['scan', '--watchlist', file, ...lab!.base, '--format', 'json'], { timeoutMs: 120_000 });
      rmSync(dir, { recursive: true, force: true });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const reports = JSON.parse(r.stdout) as Report[];
      expect(reports.map((x) => x.target.replace(/:443$/, ''))).toEqual([
        'shop.example.test',
        'expired.example.test',
        'nope.example.test',
        'pool.example.test',
        'wrongname.example.test',
        'pool.example.test',
        'ecdsa.example.test',
      ]);
      const codesOf = (i: number) => reports[i]!.findings.map((f) => f.code);
      expect(codesOf(0).filter((c) => c !== 'dns.private_address')).toEqual([]);
      expect(codesOf(1)).toContain('tls.expired');
      expect(codesOf(2)).toContain('dns.nxdomain');
      expect(codesOf(3)).toContain('tls.inconsistent_backends');
      // address: skips DNS, keeps the name as SNI: 127.0.0.11 serves pool's certificate.
      expect(reports[4]!.findings.find((f) => f.code === 'tls.hostname_mismatch')?.evidence['address']).toBe(WEB2);
      expect(codesOf(5).filter((c) => c.startsWith('tls.'))).toEqual([]);
      expect(codesOf(6).filter((c) => c.startsWith('tls.'))).toEqual([]);
      for (const rep of reports) {
        for (const c of rep.checks) {
          if (!['dns', 'endpoint'].includes(c.name)) expect(c.state, `${rep.target} ${c.name}`).toBe('skipped');
        }
      }
    });
  });

  describe.concurrent('exit 2: nothing on stdout, one line on stderr', () => {
    const cases: string[][] = [
      ['shop.example.test', '--ca', 'nosuchca'],
      ['bad name.test'],
      ['127.0.0.10'],
      ['*'],
      ['shop..example.test'],
      ['shop.example.test', '--port-map', '53=abc'],
      ['shop.example.test', '--port-map', '53=70000'],
      ['shop.example.test', '--txt', 'x'],
      ['shop.example.test', '--http-token', TOKEN],
      ['shop.example.test', '--method', 'http-02'],
      ['shop.example.test', '--timeout', 'soon'],
      ['shop.example.test', '--trust-anchor', '/nonexistent.pem'],
      ['shop.example.test', '--no-such-option'],
      ['shop.example.test:443', '--wildcard'],
    ];
    for (const args of cases) {
      test(args.join(' '), async () => {
        const r = await lab!.diag(args[0]!, ...args.slice(1));
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      });
    }
  });
});
