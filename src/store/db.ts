/**
 * The SQLite store (better-sqlite3): one database file, WAL mode, and per-module migrations.
 * Each module owns its tables and registers its migrations under its own name, so modules can
 * evolve independently: `migrate(db, 'slack', [sql1, sql2])` applies the ones not applied yet.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CertmedicError } from '../core/errors.js';

export type Db = Database.Database;

/** openStore opens (creating if needed) the database at `path`; `:memory:` for tests. */
export function openStore(path: string): Db {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.exec(`CREATE TABLE IF NOT EXISTS migrations (
      owner TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL,
      PRIMARY KEY (owner, version))`);
    return db;
  } catch (err) {
    throw new CertmedicError('store', `cannot open the database ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * migrate applies, in one transaction each, the statements of `owner` not applied yet. Version n
 * is statements[n-1]; never edit an applied statement, append a new one.
 */
export function migrate(db: Db, owner: string, statements: readonly string[]): void {
  const row = db.prepare('SELECT MAX(version) AS v FROM migrations WHERE owner = ?').get(owner) as { v: number | null };
  const current = row.v ?? 0;
  for (let i = current; i < statements.length; i++) {
    db.transaction(() => {
      db.exec(statements[i]!);
      db.prepare('INSERT INTO migrations (owner, version, applied_at) VALUES (?, ?, ?)').run(
        owner,
        i + 1,
        new Date().toISOString(),
      );
    })();
  }
}
