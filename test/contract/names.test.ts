/**
 * DESIGN.md "Names": LDH labels of 1–63, at most 253 in all, a trailing dot ignored; anything else
 * (spaces, empty labels, IP literals, a bare `*`) is exit 2 with nothing on stdout and one line
 * on stderr. The command-line argument is taken as given: a space around the name is a space.
 */
import { describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.js';

const label63 = 'a'.repeat(63);
const name253 = `${label63}.${label63}.${label63}.${'b'.repeat(61)}`;

describe('certmedic diagnose: invalid names are exit 2 with one line on stderr', () => {
  test.each([
    [' example.test'],
    ['example.test '],
    ['example.test\n'],
    ['exa mple.test'],
    ['*'],
    ['127.0.0.1'],
    ['[::1]'],
    ['::1'],
    [`${'a'.repeat(64)}.example.test`],
    [`${name253}c`],
    ['a..example.test'],
    [''],
  ])('%j', async (name) => {
    const r = await runCli(['diagnose', name, '--resolver', '127.0.0.1:9', '--timeout', '200']);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^certmedic: invalid name/);
  });

  test('a 253-character name with a trailing dot is valid (not exit 2)', async () => {
    expect(name253).toHaveLength(253);
    const r = await runCli(['diagnose', `${name253}.`, '--resolver', '127.0.0.1:9', '--timeout', '200']);
    expect(r.code).not.toBe(2);
  });
});
