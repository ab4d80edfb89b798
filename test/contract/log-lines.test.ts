/**
 * DESIGN.md "Output": `classify-log` reports `matches: [{line, text, rule}]`. `line` is the line
 * number in the log, whatever the chunk sizes it arrived in: an over-long line (minified JSON,
 * binary) read in pieces is still one line, and the lines after it keep their numbers.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { classifyLog, classifyLogText, type LogReport } from '../../src/checks/automation/logs.js';
import { json, runCli } from '../support/cli.js';

const LONG = 'x'.repeat(1_000_000);
const LOG = `${LONG}\nError: connection timed out\n`;

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe('classify-log line numbers do not depend on chunking', () => {
  test.each([1 << 12, 1 << 16, 100_000, 1 << 20])('chunks of %i characters', async (size) => {
    const r = await classifyLog(chunks(LOG, size));
    expect(r.matches.map((m) => [m.line, m.rule.length > 0])).toEqual([[2, true]]);
    expect(r.code).toBe('log.network_timeout');
    expect(r.facts['lines']).toBe(2);
  });

  test('a log that is one over-long line without a newline is one line', () => {
    expect(classifyLogText('y'.repeat(64 * 1024 * 2)).facts['lines']).toBe(1);
  });

  test('the CLI gives the same line from a file and from stdin', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'certmedic-longline-')), 'long.log');
    writeFileSync(file, LOG);
    const fromFile = json<LogReport>(await runCli(['classify-log', file, '--format', 'json']));
    const fromStdin = json<LogReport>(
      await runCli(['classify-log', '-', '--format', 'json'], { stdin: readFileSync(file) }),
    );
    expect(fromFile.matches.map((m) => m.line)).toEqual([2]);
    expect(fromStdin.matches.map((m) => m.line)).toEqual([2]);
  });
});
