/**
 * The monitor's tables: `/cert watch` entries, the per-target schedule, alert state and the Slack
 * outbox. All rows survive a restart, so the scheduler resumes where it stopped and alerts are
 * neither lost nor posted twice.
 */
import { type Db, migrate } from './db.js';

const MIGRATIONS = [
  `CREATE TABLE monitor_watches (
     name TEXT NOT NULL, port INTEGER NOT NULL, channel TEXT, added_by TEXT, added_at INTEGER NOT NULL,
     PRIMARY KEY (name, port));
   CREATE TABLE monitor_targets (
     key TEXT PRIMARY KEY, next_run_at INTEGER NOT NULL, last_run_at INTEGER, last_status TEXT,
     last_duration_ms INTEGER);
   CREATE TABLE monitor_alerts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     key TEXT NOT NULL UNIQUE, cert TEXT NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL,
     state TEXT NOT NULL, severity TEXT NOT NULL, fingerprint TEXT NOT NULL, serial TEXT,
     channel TEXT, msg_key TEXT NOT NULL, instance INTEGER NOT NULL DEFAULT 1, problem TEXT NOT NULL,
     opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, resolved_at INTEGER,
     absent_count INTEGER NOT NULL DEFAULT 0,
     acked_by TEXT, acked_at INTEGER, snoozed_until INTEGER, snooze_serial TEXT, snoozed_by TEXT,
     better_count INTEGER NOT NULL DEFAULT 0, pending_fingerprint TEXT);
   CREATE TABLE monitor_outbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     msg_key TEXT NOT NULL, kind TEXT NOT NULL, channel TEXT NOT NULL, payload TEXT NOT NULL,
     state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL, ambiguous INTEGER NOT NULL DEFAULT 0,
     last_error TEXT, result_ts TEXT, created_at INTEGER NOT NULL, sent_at INTEGER);
   CREATE INDEX monitor_outbox_pending ON monitor_outbox (state, next_attempt_at);
   CREATE TABLE monitor_posts (msg_key TEXT PRIMARY KEY, channel TEXT NOT NULL, ts TEXT NOT NULL);
   CREATE TABLE monitor_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

/** migrateMonitor creates or upgrades the monitor's tables. */
export function migrateMonitor(db: Db): void {
  migrate(db, 'monitor', MIGRATIONS);
}

export interface WatchRow {
  name: string;
  port: number;
  channel: string | null;
  added_by: string | null;
  added_at: number;
}

/** addWatch stores a `/cert watch` entry; returns false when it was already watched. */
export function addWatch(db: Db, w: Omit<WatchRow, 'added_at'>, now: number): boolean {
  const r = db
    .prepare('INSERT OR IGNORE INTO monitor_watches (name, port, channel, added_by, added_at) VALUES (?, ?, ?, ?, ?)')
    .run(w.name, w.port, w.channel, w.added_by, now);
  return r.changes > 0;
}

/** removeWatch deletes a `/cert unwatch` entry; returns false when it was not watched. */
export function removeWatch(db: Db, name: string, port: number): boolean {
  return db.prepare('DELETE FROM monitor_watches WHERE name = ? AND port = ?').run(name, port).changes > 0;
}

/** listWatches returns the `/cert watch` entries, oldest first. */
export function listWatches(db: Db): WatchRow[] {
  return db.prepare('SELECT * FROM monitor_watches ORDER BY added_at, name').all() as WatchRow[];
}

export interface TargetRow {
  key: string;
  next_run_at: number;
  last_run_at: number | null;
  last_status: string | null;
  last_duration_ms: number | null;
}

/** targetSchedule returns every stored schedule row by target key. */
export function targetSchedule(db: Db): Map<string, TargetRow> {
  const rows = db.prepare('SELECT * FROM monitor_targets').all() as TargetRow[];
  return new Map(rows.map((r) => [r.key, r]));
}

/** saveTargetRun records a finished scan of a target and when it runs next. */
export function saveTargetRun(db: Db, row: TargetRow): void {
  db.prepare(
    `INSERT INTO monitor_targets (key, next_run_at, last_run_at, last_status, last_duration_ms) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET next_run_at = excluded.next_run_at, last_run_at = excluded.last_run_at,
       last_status = excluded.last_status, last_duration_ms = excluded.last_duration_ms`,
  ).run(row.key, row.next_run_at, row.last_run_at, row.last_status, row.last_duration_ms);
}

/** setNextRun stores when a target runs next (first sight of a target). */
export function setNextRun(db: Db, key: string, at: number): void {
  db.prepare(
    'INSERT INTO monitor_targets (key, next_run_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET next_run_at = excluded.next_run_at',
  ).run(key, at);
}

/** kvGet returns a small stored value (e.g. the date of the last digest). */
export function kvGet(db: Db, key: string): string | undefined {
  const r = db.prepare('SELECT value FROM monitor_kv WHERE key = ?').get(key) as { value: string } | undefined;
  return r?.value;
}

/** kvSet stores a small value. */
export function kvSet(db: Db, key: string, value: string): void {
  db.prepare(
    'INSERT INTO monitor_kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}
