/**
 * Black-box contract tests of `certmedic classify-log` on real tool output: a live certbot run
 * against Debian's pebble on loopback (nothing listens on the validation port), and the real
 * certbot/nginx outputs captured earlier (test/fixtures/logs/real). The built CLI runs as a child
 * process; the JSON is one Report with `target` (the path or `-`) plus top-level `code` (the same
 * as findings[0].code), `category` and `matches` (at most 50, each {line, text, rule}).
 * The live part skips when pebble, certbot or openssl is missing; fails under CI=true.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Report } from '../../src/core/finding.js';
import { certbot, freePort, type Lab, startLab } from '../support/acme-lab.js';
import { type CliResult, runCli } from '../support/cli.js';
import { toolOrSkip } from '../support/tools.js';

// Each test runs the CLI as a child process, some several times: generous under heavy CPU load.
vi.setConfig({ testTimeout: 180_000 });

const REAL = fileURLToPath(new URL('../fixtures/logs/real/', import.meta.url));
const RANK = { critical: 0, warning: 1, info: 2 } as const;

interface LogReport extends Report {
  code: string;
  category: string;
  matches: { line: number; text: string; rule: string }[];
}

/** holds checks the classify-log JSON contract and returns the report. */
function holds(r: CliResult, target: string): LogReport {
  expect(r.stderr).toBe('');
  const report = JSON.parse(r.stdout) as LogReport;
  expect(report.target).toBe(target);
  expect(report.findings.length).toBeGreaterThan(0);
  expect(report.code).toBe(report.findings[0]!.code);
  expect(typeof report.category).toBe('string');
  expect(report.category.length).toBeGreaterThan(0);
  expect(Array.isArray(report.matches)).toBe(true);
  expect(report.matches.length).toBeLessThanOrEqual(50);
  for (const m of report.matches) {
    expect(Number.isInteger(m.line) && m.line > 0).toBe(true);
    expect(typeof m.text).toBe('string');
    expect(typeof m.rule).toBe('string');
  }
  const worst = Math.min(...report.findings.map((f) => RANK[f.severity]));
  expect(report.status).toBe(worst === 0 ? 'critical' : worst === 1 ? 'warning' : 'ok');
  expect(r.code).toBe(worst === 0 ? 1 : 0);
  if (report.code === 'log.unknown') expect(report.findings.map((f) => f.code)).toEqual(['log.unknown']);
  else expect(report.findings[0]!.severity).toBe('critical');
  return report;
}

const classify = (file: string, ...extra: string[]) =>
  runCli(['classify-log', file, '--format', 'json', ...extra], { timeoutMs: 60_000 });

describe.concurrent('classify-log on captured real output', () => {
  const expected: Record<string, string> = {
    'certbot-ca-unreachable.log': 'log.network_timeout',
    'certbot-pebble-connection-refused.log': 'log.dcv_failure',
    'certbot-pebble-unresolvable.log': 'log.dcv_failure',
    'certbot-pebble-wrong-content.log': 'log.dcv_failure',
    'certbot-pebble-eab-required.log': 'log.auth_failure',
    'nginx-t-syntax-error.log': 'log.restart_failure',
  };
  const files = readdirSync(REAL).filter((f) => f.endsWith('.log'));
  for (const file of files) {
    test(file, async () => {
      const path = join(REAL, file);
      const report = holds(await classify(path), path);
      if (expected[file]) expect(report.code).toBe(expected[file]);
    });
  }

  test('stdin: target is "-"; the same report as the file', async () => {
    const path = join(REAL, 'certbot-pebble-wrong-content.log');
    const r = await runCli(['classify-log', '-', '--format', 'json'], { stdin: readFileSync(path) });
    const report = holds(r, '-');
    expect(report.code).toBe('log.dcv_failure');
  });

  test('nothing recognisable is log.unknown, exit 0; binary garbage too', async () => {
    holds(await runCli(['classify-log', '-', '--format', 'json'], { stdin: 'all good here\nnothing to see\n' }), '-');
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const report = holds(await runCli(['classify-log', '-', '--format', 'json'], { stdin: garbage }), '-');
    expect(report.code).toBe('log.unknown');
  });

  test('more than 50 matching lines: matches capped at 50', async () => {
    const line =
      "Hook 'deploy-hook' ran with error output: nginx: configuration file /etc/nginx/nginx.conf test failed\n";
    const report = holds(await runCli(['classify-log', '-', '--format', 'json'], { stdin: line.repeat(200) }), '-');
    expect(report.matches).toHaveLength(50);
  });

  test.each([
    [['-'], ''],
    [['/nonexistent/x.log'], undefined],
    [['-', '--format', 'blocks'], 'x\n'],
    [['-', '--no-such-option'], 'x\n'],
  ] as [string[], string | undefined][])('%j: exit 2, nothing on stdout, one line on stderr', async (args, stdin) => {
    const r = await runCli(['classify-log', ...args], { ...(stdin !== undefined ? { stdin } : {}) });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

const pebble = toolOrSkip('pebble');
const certbotPath = toolOrSkip('certbot');
const openssl = toolOrSkip('openssl');
const missing = [
  ['pebble', pebble],
  ['certbot', certbotPath],
  ['openssl', openssl],
]
  .filter(([, p]) => !p)
  .map(([n]) => n);

describe.skipIf(missing.length > 0)(
  `classify-log on a live certbot run against pebble${missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`,
  () => {
    let lab: Lab;
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'certmedic-rw-logs-'));
      lab = await startLab({ pebble: pebble!, openssl: openssl!, records: ['shop.example.test A 127.0.0.1'] });
    }, 60_000);
    afterAll(async () => {
      await lab?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('nothing listens on the validation port: log.dcv_failure, exit 1', async () => {
      const out = await certbot(lab, certbotPath!, 'shop.example.test', [
        '--standalone',
        '--http-01-port',
        String(await freePort()),
      ]);
      expect(out.code).not.toBe(0);
      const path = join(dir, 'certbot.log');
      writeFileSync(path, out.output);
      const report = holds(await classify(path), path);
      expect(report.code).toBe('log.dcv_failure');
      expect(report.matches.some((m) => out.output.split('\n')[m.line - 1]?.includes(m.text.slice(0, 40)))).toBe(true);
    }, 180_000);
  },
);
