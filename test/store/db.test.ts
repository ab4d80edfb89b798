import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { migrate, openStore } from '../../src/store/db.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

test('migrations apply once per owner and survive a reopen', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-db-'));
  dirs.push(dir);
  const path = join(dir, 'nested', 'certmedic.db');
  const db = openStore(path);
  migrate(db, 'a', ['CREATE TABLE a1 (x INTEGER)']);
  migrate(db, 'b', ['CREATE TABLE b1 (x INTEGER)']);
  db.prepare('INSERT INTO a1 VALUES (1)').run();
  db.close();
  const again = openStore(path);
  migrate(again, 'a', ['CREATE TABLE a1 (x INTEGER)', 'CREATE TABLE a2 (y INTEGER)']);
  expect(again.prepare('SELECT COUNT(*) AS n FROM a1').get()).toEqual({ n: 1 });
  expect(again.prepare('SELECT owner, version FROM migrations ORDER BY owner, version').all()).toEqual([
    { owner: 'a', version: 1 },
    { owner: 'a', version: 2 },
    { owner: 'b', version: 1 },
  ]);
  again.close();
});

test('a failing migration leaves nothing half-applied', () => {
  const db = openStore(':memory:');
  expect(() => migrate(db, 'c', ['CREATE TABLE c1 (x INTEGER); CREATE TABLE c1 (x INTEGER)'])).toThrow();
  expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'c1'").all()).toEqual([]);
});
