/**
 * DESIGN.md "Exit codes": a malformed option value is exit 2 with nothing on stdout and one line
 * on stderr. A `--port-map` that maps one port to two different ports is contradictory.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.js';

const watchlist = join(mkdtempSync(join(tmpdir(), 'certmedic-portmap-')), 'watch.yml');
writeFileSync(watchlist, 'targets:\n  - name: a.example.test\n');

describe('certmedic --port-map: malformed values are exit 2', () => {
  test.each([
    ['diagnose', '80=x'],
    ['diagnose', '80'],
    ['diagnose', '80=70000'],
    ['diagnose', '0=80'],
    ['diagnose', '80=18080,80=18081'],
    ['scan', '443=1,443=2'],
  ])('%s --port-map %s', async (command, value) => {
    const args =
      command === 'scan'
        ? ['scan', '--watchlist', watchlist, '--resolver', '127.0.0.1:9', '--timeout', '200', '--port-map', value]
        : ['diagnose', 'example.test', '--resolver', '127.0.0.1:9', '--timeout', '200', '--port-map', value];
    const r = await runCli(args);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^certmedic: invalid (--port-map|port)/);
  });

  test('the same mapping given twice is accepted', async () => {
    const r = await runCli([
      'diagnose',
      'example.test',
      '--resolver',
      '127.0.0.1:9',
      '--timeout',
      '200',
      '--port-map',
      '80=18080,80=18080',
    ]);
    expect(r.code).not.toBe(2);
  });
});
