/**
 * DESIGN.md "Exit codes": a missing, unreadable or empty file or stdin is exit 2 with nothing on
 * stdout and one line on stderr. Input with nothing but whitespace (`echo | certmedic lint-csr -`,
 * a here-string `<<< ""`) is empty too, not a CSR or a log that could not be understood.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Report } from '../../src/core/finding.js';
import { json, runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'certmedic-empty-'));
const blankFile = join(dir, 'blank.txt');
writeFileSync(blankFile, '\n  \r\n\t\n');

describe('blank input is empty input: exit 2, one line on stderr', () => {
  test.each([
    ['lint-csr', 'stdin'],
    ['lint-csr', 'file'],
    ['classify-log', 'stdin'],
    ['classify-log', 'file'],
  ])('%s from %s', async (command, source) => {
    const r =
      source === 'stdin'
        ? await runCli([command, '-', '--format', 'json'], { stdin: '\n' })
        : await runCli([command, blankFile, '--format', 'json']);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/is empty/);
  });

  test('a log with text after blank lines is still classified (log.unknown, exit 0)', async () => {
    const r = await runCli(['classify-log', '-', '--format', 'json'], { stdin: '\n\n   \nhello world\n' });
    expect(r.code).toBe(0);
    expect(json<Report & { code: string }>(r).code).toBe('log.unknown');
  });

  test('a CSR paste that is only a word is still csr.unparseable (exit 1)', async () => {
    const r = await runCli(['lint-csr', '-', '--format', 'json'], { stdin: '\n garbage \n' });
    expect(r.code).toBe(1);
    expect(json<Report>(r).findings.map((f) => f.code)).toEqual(['csr.unparseable']);
  });
});
