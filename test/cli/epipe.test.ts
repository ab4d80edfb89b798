/**
 * A reader that stops early (`certmedic scan ... | head -c 100`) closes stdout: the CLI drops the
 * rest quietly and exits with its own code, never an EPIPE stack trace (DESIGN.md: one line on
 * stderr at most, never a stack trace).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CLI } from '../support/cli.js';
import { freePort } from '../support/tls-servers.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certmedic-epipe-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** runClosingEarly runs the CLI and closes its stdout after the first chunk. */
function runClosingEarly(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

test('scan whose reader closes stdout early: no stack trace, the scan exit code', async () => {
  const closed = await freePort();
  const file = join(dir, 'watchlist.yml');
  const targets = Array.from({ length: 60 }, (_, i) => `  - name: t${i}.example.test\n    address: 127.0.0.1`);
  writeFileSync(file, `targets:\n${targets.join('\n')}\n`);
  const r = await runClosingEarly([
    'scan',
    '--watchlist',
    file,
    '--resolver',
    '127.0.0.1:1',
    '--port-map',
    `443=${closed}`,
    '--timeout',
    '2000',
    '--format',
    'json',
  ]);
  expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
  expect(r.code).toBe(1);
}, 90_000);
