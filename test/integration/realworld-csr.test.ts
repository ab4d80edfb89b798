/**
 * Black-box contract tests of `certmedic lint-csr` on CSRs made with the real `openssl req`:
 * key types and sizes, SHA-1, OU in the subject, 101 names, DER, stdin. The built CLI runs as a
 * child process; JSON out; `target` is the path or `-`; exit codes 0/1/2 as DESIGN.md says.
 * Skips when openssl is missing; fails under CI=true.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Report } from '../../src/core/finding.js';
import { type CliResult, runCli } from '../support/cli.js';
import { type CsrOptions, makeCsr } from '../support/real/csr.js';
import { toolOrSkip } from '../support/tools.js';

// Each test runs the CLI as a child process, some several times: generous under heavy CPU load.
vi.setConfig({ testTimeout: 180_000 });

const openssl = toolOrSkip('openssl');
const RANK = { critical: 0, warning: 1, info: 2 } as const;
let dir = '';

/** lint runs `certmedic lint-csr <file> --format json ...` and holds the report to the contract. */
async function lint(
  file: string,
  ...extra: string[]
): Promise<{ exit: number | null; report: Report; codes: string[] }> {
  const r: CliResult = await runCli(['lint-csr', file, '--format', 'json', ...extra], { timeoutMs: 60_000 });
  expect(r.stderr).toBe('');
  const report = JSON.parse(r.stdout) as Report;
  expect(report.target).toBe(file);
  const worst = Math.min(...report.findings.map((f) => RANK[f.severity]), 2);
  expect(report.status).toBe(worst === 0 ? 'critical' : worst === 1 ? 'warning' : 'ok');
  expect(r.code).toBe(worst === 0 ? 1 : 0);
  return { exit: r.code, report, codes: report.findings.map((f) => f.code) };
}

function csr(id: string, o: CsrOptions): string {
  return makeCsr(openssl!, dir, id, o);
}

const SHOP = '/CN=shop.example.com';

describe.skipIf(!openssl)(`lint-csr on openssl-made CSRs${openssl ? '' : ' (skipped: openssl not installed)'}`, () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'certmedic-rw-csr-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe.concurrent('keys and signatures', () => {
    test.each([
      ['rsa2048', 'RSA 2048'],
      ['p256', 'EC P-256'],
      ['p384', 'EC P-384'],
    ] as const)('%s is accepted (%s)', async (key, _label) => {
      const run = await lint(csr(`ok-${key}`, { key, subject: SHOP, sans: ['shop.example.com'] }));
      expect(run.exit).toBe(0);
      expect(run.codes).toEqual([]);
    });

    test.each([
      ['rsa1024', 'csr.weak_key'],
      ['p521', 'csr.unsupported_key'],
      ['ed25519', 'csr.unsupported_key'],
    ] as const)('%s: %s', async (key, code) => {
      const run = await lint(
        csr(`bad-${key}`, { key, subject: SHOP, sans: ['shop.example.com'] }),
        '--ca',
        'letsencrypt',
      );
      expect(run.exit).toBe(1);
      expect(run.codes).toContain(code);
    });

    test('SHA-1 signature: csr.weak_signature', async () => {
      const run = await lint(csr('sha1', { key: 'rsa2048', subject: SHOP, sans: ['shop.example.com'], md: 'sha1' }));
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('csr.weak_signature');
    });

    test('a tampered CSR (signature no longer verifies): csr.bad_signature', async () => {
      const file = csr('tamper', { key: 'p256', subject: SHOP, sans: ['shop.example.com'], der: true });
      const der = readFileSync(file);
      // Flip one byte inside the subject's CN value ("shop" -> "shoq"): still parses, no longer verifies.
      const at = der.indexOf(Buffer.from('shop.example.com'));
      der[at + 3] = 'q'.charCodeAt(0);
      writeFileSync(file, der);
      const run = await lint(file);
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('csr.bad_signature');
    });
  });

  describe.concurrent('names and subject', () => {
    test('OU in the subject: csr.subject_not_allowed (warning, exit 0)', async () => {
      const run = await lint(
        csr('ou', { key: 'rsa2048', subject: '/CN=shop.example.com/OU=IT Department', sans: ['shop.example.com'] }),
      );
      expect(run.report.findings.find((f) => f.code === 'csr.subject_not_allowed')?.severity).toBe('warning');
      expect(run.exit).toBe(0);
    });

    test('101 names: csr.too_many_names', async () => {
      const sans = Array.from({ length: 101 }, (_, i) => `n${i}.example.com`);
      const run = await lint(csr('many', { key: 'p256', subject: '/CN=n0.example.com', sans }), '--ca', 'letsencrypt');
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('csr.too_many_names');
    });

    test('internal names and a misplaced wildcard are critical', async () => {
      const internal = await lint(
        csr('internal', { key: 'rsa2048', subject: '/CN=intranet.local', sans: ['intranet.local', 'server1'] }),
      );
      expect(internal.codes).toContain('csr.internal_name');
      const wild = await lint(
        csr('wild', { key: 'rsa2048', subject: '/CN=*.example.com', sans: ['*.example.com', 'a.*.example.com'] }),
      );
      expect(wild.codes).toContain('csr.bad_wildcard');
    });

    test('the CN missing from the SANs is a warning', async () => {
      const run = await lint(
        csr('cn', { key: 'rsa2048', subject: '/CN=other.example.com', sans: ['shop.example.com'] }),
      );
      expect(run.codes).toContain('csr.cn_not_in_san');
      expect(run.exit).toBe(0);
    });

    test('EV without an organization in the subject: csr.subject_missing', async () => {
      const run = await lint(
        csr('ev', { key: 'rsa2048', subject: SHOP, sans: ['shop.example.com'] }),
        '--validation',
        'ev',
      );
      expect(run.exit).toBe(1);
      expect(run.codes).toContain('csr.subject_missing');
    });
  });

  describe.concurrent('input forms and exit 2', () => {
    test('DER is read like PEM', async () => {
      const run = await lint(csr('der', { key: 'p256', subject: SHOP, sans: ['shop.example.com'], der: true }));
      expect(run.exit).toBe(0);
    });

    test('stdin: target is "-"; garbage is csr.unparseable (exit 1), not a usage error', async () => {
      const pem = readFileSync(csr('stdin', { key: 'p256', subject: SHOP, sans: ['shop.example.com'] }));
      const ok = await runCli(['lint-csr', '-', '--format', 'json'], { stdin: pem });
      expect(ok.code).toBe(0);
      expect((JSON.parse(ok.stdout) as Report).target).toBe('-');
      const garbage = await runCli(['lint-csr', '-', '--format', 'json'], { stdin: 'hello world\n' });
      expect(garbage.code).toBe(1);
      const report = JSON.parse(garbage.stdout) as Report;
      expect(report.target).toBe('-');
      expect(report.findings.map((f) => f.code)).toEqual(['csr.unparseable']);
    });

    test.each([
      [['-'], ''],
      [['/nonexistent/x.csr'], undefined],
      [['CSR', '--ca', 'nosuchca'], undefined],
      [['CSR', '--validation', 'xv'], undefined],
      [['CSR', '--template', '/nonexistent/t.yml'], undefined],
      [['CSR', '--format', 'blocks'], undefined],
    ] as [string[], string | undefined][])('%j: exit 2, one line on stderr', async (args, stdin) => {
      const file = csr(`usage-${Math.random().toString(36).slice(2)}`, { key: 'p256', subject: SHOP });
      const r = await runCli(['lint-csr', ...args.map((a) => (a === 'CSR' ? file : a))], {
        ...(stdin !== undefined ? { stdin } : {}),
      });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  });
});
