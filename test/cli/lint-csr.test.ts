import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import type { Report } from '../../src/core/finding.js';
import { json, runCli } from '../support/cli.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/csr/', import.meta.url));
const fx = (name: string) => join(FIXTURES, name);
const dir = mkdtempSync(join(tmpdir(), 'lint-csr-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const codes = (r: Report) => r.findings.map((f) => f.code);

describe('certmedic lint-csr', () => {
  test('a good CSR exits 0 with the file as target', async () => {
    const r = await runCli(['lint-csr', fx('good-ec-p256.csr'), '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = json<Report>(r);
    expect(report.target).toBe(fx('good-ec-p256.csr'));
    expect(report.status).toBe('ok');
    expect(codes(report)).toEqual([]);
  });

  test('a critical finding exits 1; a warning exits 0', async () => {
    const weak = await runCli(['lint-csr', fx('rsa1024.csr'), '--format', 'json']);
    expect(weak.code).toBe(1);
    expect(codes(json<Report>(weak))).toEqual(['csr.weak_key']);
    const warn = await runCli(['lint-csr', fx('rsa-exponent3.csr'), '--format', 'json']);
    expect(warn.code).toBe(0);
    expect(codes(json<Report>(warn))).toEqual(['csr.rsa_exponent']);
  });

  test('reads stdin with -, PEM or DER', async () => {
    const pem = await runCli(['lint-csr', '-', '--format', 'json'], { stdin: readFileSync(fx('sans-101.csr')) });
    expect(pem.code).toBe(1);
    const report = json<Report>(pem);
    expect(report.target).toBe('-');
    expect(codes(report)).toEqual(['csr.too_many_names']);
    const der = await runCli(['lint-csr', '-', '--format', 'json'], { stdin: readFileSync(fx('good-rsa2048.der')) });
    expect(der.code).toBe(0);
    expect(json<Report>(der).facts['format']).toBe('der');
  });

  test('--ca changes the limits and key policy; an unknown CA is exit 2', async () => {
    const le = await runCli(['lint-csr', fx('ec-p521.csr'), '--ca', 'letsencrypt', '--format', 'json']);
    expect(le.code).toBe(1);
    expect(json<Report>(le).findings[0]!.detail).toMatch(/Let's Encrypt refuses P-521/);
    const sectigo = await runCli(['lint-csr', fx('sans-101.csr'), '--ca', 'sectigo', '--format', 'json']);
    expect(sectigo.code).toBe(0);
    const bad = await runCli(['lint-csr', fx('sans-101.csr'), '--ca', 'nosuchca']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^certmedic: unknown CA "nosuchca"/);
  });

  test('--validation ov needs O, C and L or ST; a bad level is exit 2', async () => {
    const ov = await runCli(['lint-csr', fx('good-rsa2048.csr'), '--validation', 'ov', '--format', 'json']);
    expect(ov.code).toBe(1);
    expect(codes(json<Report>(ov))).toEqual(['csr.subject_missing']);
    const ok = await runCli(['lint-csr', fx('ov-complete.csr'), '--validation', 'ov', '--format', 'json']);
    expect(ok.code).toBe(0);
    const bad = await runCli(['lint-csr', fx('ov-complete.csr'), '--validation', 'xv']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('--template reports each mismatch; a broken template is exit 2 naming the line', async () => {
    const t = join(dir, 'web.yml');
    writeFileSync(
      t,
      [
        'name: web-ov',
        'validation: ov',
        'key:',
        '  type: ecdsa',
        '  curve: P-384',
        'names:',
        '  required: [shop.example.com, api.example.com]',
        'subject:',
        '  O: Example Shop Ltd',
        '',
      ].join('\n'),
    );
    const r = await runCli(['lint-csr', fx('ov-complete.csr'), '--template', t, '--format', 'json']);
    expect(r.code).toBe(1);
    const report = json<Report>(r);
    expect(report.facts['template']).toBe('web-ov');
    expect(report.findings.filter((f) => f.code === 'csr.template_mismatch').map((f) => f.evidence['field'])).toEqual([
      'key.type',
      'names.required',
    ]);
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, 'name: x\nkey:\n  type: dsa\n');
    const b = await runCli(['lint-csr', fx('ov-complete.csr'), '--template', broken]);
    expect(b.code).toBe(2);
    expect(b.stdout).toBe('');
    expect(b.stderr).toMatch(/broken\.yml:3: key\.type/);
    const missing = await runCli(['lint-csr', fx('ov-complete.csr'), '--template', join(dir, 'nope.yml')]);
    expect(missing.code).toBe(2);
  });

  test('garbage is csr.unparseable (exit 1); missing, empty or unreadable input is exit 2', async () => {
    const garbage = await runCli(['lint-csr', fx('garbage.csr'), '--format', 'json']);
    expect(garbage.code).toBe(1);
    expect(codes(json<Report>(garbage))).toEqual(['csr.unparseable']);
    const missing = await runCli(['lint-csr', join(dir, 'missing.csr')]);
    expect([missing.code, missing.stdout]).toEqual([2, '']);
    expect(missing.stderr).toMatch(/no such file/);
    const emptyFile = join(dir, 'empty.csr');
    writeFileSync(emptyFile, '');
    const empty = await runCli(['lint-csr', emptyFile]);
    expect([empty.code, empty.stdout]).toEqual([2, '']);
    const stdin = await runCli(['lint-csr', '-'], { stdin: '' });
    expect([stdin.code, stdin.stdout]).toEqual([2, '']);
    const isDir = await runCli(['lint-csr', dir]);
    expect([isDir.code, isDir.stdout]).toEqual([2, '']);
  });

  test('text output names the codes and the fixes', async () => {
    const r = await runCli(['lint-csr', fx('underscore.csr')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[csr.invalid_name]');
    expect(r.stdout).toContain('my_host.example.com');
    expect(r.stdout).toContain('Key: RSA 2048 (e=65537)');
    expect(r.stdout).toContain('Names: shop.example.com, my_host.example.com');
  });
});
