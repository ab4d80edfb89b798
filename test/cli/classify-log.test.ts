import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import type { LogReport } from '../../src/checks/automation/logs.js';
import { json, runCli } from '../support/cli.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/logs/', import.meta.url));
const fx = (name: string) => join(FIXTURES, name);
const dir = mkdtempSync(join(tmpdir(), 'classify-log-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('certmedic classify-log', () => {
  test('a failing log exits 1 with code, category and matches at the top level', async () => {
    const r = await runCli(['classify-log', fx('certbot-caa.log'), '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = json<LogReport>(r);
    expect(report.target).toBe(fx('certbot-caa.log'));
    expect(report.code).toBe('log.caa_blocked');
    expect(report.category).toBe('caa_blocked');
    expect(report.findings[0]!.code).toBe(report.code);
    expect(report.findings.map((f) => [f.code, f.severity])).toEqual([
      ['log.caa_blocked', 'critical'],
      ['log.dcv_failure', 'warning'],
    ]);
    expect(report.matches).toContainEqual({
      line: 7,
      text: 'Detail: CAA record for shop.example.com prevents issuance',
      rule: 'acme.caa_detail',
    });
  });

  test('a log with nothing recognisable is log.unknown and exits 0', async () => {
    const r = await runCli(['classify-log', fx('nothing-wrong.log'), '--format', 'json']);
    expect(r.code).toBe(0);
    const report = json<LogReport>(r);
    expect([report.code, report.category, report.status, report.matches]).toEqual(['log.unknown', 'unknown', 'ok', []]);
  });

  test('reads stdin with - and names it as the target', async () => {
    const r = await runCli(['classify-log', '-', '--format', 'json'], { stdin: readFileSync(fx('winrm.log')) });
    expect(r.code).toBe(1);
    const report = json<LogReport>(r);
    expect([report.target, report.code]).toEqual(['-', 'log.auth_failure']);
  });

  test('text output quotes the matched lines with their numbers and rules', async () => {
    const r = await runCli(['classify-log', fx('haproxy.log')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[log.keystore_write_failure]');
    expect(r.stdout).toMatch(/Matched lines:\n {2}2 {2}\[ALERT\].*\[server\.cert_load\]/);
  });

  test('missing, empty, directory or empty stdin is exit 2 with one line on stderr', async () => {
    const empty = join(dir, 'empty.log');
    writeFileSync(empty, '');
    for (const args of [
      ['classify-log', join(dir, 'nope.log')],
      ['classify-log', empty],
      ['classify-log', dir],
    ]) {
      const r = await runCli(args);
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const stdin = await runCli(['classify-log', '-'], { stdin: '' });
    expect([stdin.code, stdin.stdout, stdin.stderr]).toEqual([2, '', 'certmedic: standard input is empty\n']);
  });

  test('binary input is read and classified as log.unknown (exit 0)', async () => {
    const bin = join(dir, 'binary.log');
    writeFileSync(bin, Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31 + 3) % 256)));
    const r = await runCli(['classify-log', bin, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(json<LogReport>(r).code).toBe('log.unknown');
  });

  test('rules from the config file (logRules) are applied first; a bad rule is exit 2 naming the line', async () => {
    const cfg = join(dir, 'certmedic.yml');
    writeFileSync(
      cfg,
      [
        'logRules:',
        '  - id: vault.sealed',
        '    pattern: "Vault is sealed"',
        '    category: connector_error',
        '    explanation: The secrets store is sealed, so the bot cannot read the CA credentials.',
        '    fixes: ["Unseal Vault, then re-run the job."]',
        '',
      ].join('\n'),
    );
    const log = join(dir, 'vault.log');
    writeFileSync(
      log,
      '2026-11-27T09:00:00Z job 12: reading CA API key\n2026-11-27T09:00:01Z job 12: Vault is sealed\n',
    );
    const r = await runCli(['classify-log', log, '--format', 'json'], { env: { CERTMEDIC_CONFIG: cfg } });
    expect(r.code).toBe(1);
    const report = json<LogReport>(r);
    expect(report.code).toBe('log.connector_error');
    expect(report.matches).toEqual([
      { line: 2, text: '2026-11-27T09:00:01Z job 12: Vault is sealed', rule: 'vault.sealed' },
    ]);
    expect(report.findings[0]!.fixes[0]).toBe('Unseal Vault, then re-run the job.');
    const without = await runCli(['classify-log', log, '--format', 'json']);
    expect([without.code, json<LogReport>(without).code]).toEqual([0, 'log.unknown']);

    const bad = join(dir, 'bad.yml');
    writeFileSync(
      bad,
      'logRules:\n  - id: broken\n    pattern: "(unclosed"\n    category: auth_failure\n    explanation: x\n',
    );
    const b = await runCli(['classify-log', log], { env: { CERTMEDIC_CONFIG: bad } });
    expect([b.code, b.stdout]).toEqual([2, '']);
    expect(b.stderr).toMatch(/bad\.yml:3: logRules\[0\]\.pattern: invalid regular expression/);
  });
});
