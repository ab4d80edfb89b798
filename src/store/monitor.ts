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

/** AlertRow is one stored alert (one per certificate and problem). */
export interface AlertRow {
  id: number;
  key: string;
  cert: string;
  kind: string;
  label: string;
  state: 'open' | 'resolved';
  severity: string;
  fingerprint: string;
  serial: string | null;
  channel: string | null;
  msg_key: string;
  instance: number;
  /** JSON: the problem as last shown, and the report id of its buttons. */
  problem: string;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
  absent_count: number;
  acked_by: string | null;
  acked_at: number | null;
  snoozed_until: number | null;
  snooze_serial: string | null;
  snoozed_by: string | null;
  better_count: number;
  pending_fingerprint: string | null;
}

/** alertByKey returns the alert of `cert|problem`. */
export function alertByKey(db: Db, key: string): AlertRow | undefined {
  return db.prepare('SELECT * FROM monitor_alerts WHERE key = ?').get(key) as AlertRow | undefined;
}

/** alertById returns an alert by its id. */
export function alertById(db: Db, id: number): AlertRow | undefined {
  return db.prepare('SELECT * FROM monitor_alerts WHERE id = ?').get(id) as AlertRow | undefined;
}

/** openAlerts returns the open alerts, of one certificate or channel when given, oldest first. */
export function openAlerts(db: Db, where: { cert?: string; channel?: string } = {}): AlertRow[] {
  return db
    .prepare(
      `SELECT * FROM monitor_alerts WHERE state = 'open' AND (? IS NULL OR cert = ?) AND (? IS NULL OR channel = ?)
       ORDER BY opened_at, id`,
    )
    .all(where.cert ?? null, where.cert ?? null, where.channel ?? null, where.channel ?? null) as AlertRow[];
}

/** openCountsByKind returns the number of open alerts per problem. */
export function openCountsByKind(db: Db): { kind: string; n: number }[] {
  return db.prepare("SELECT kind, COUNT(*) AS n FROM monitor_alerts WHERE state = 'open' GROUP BY kind").all() as {
    kind: string;
    n: number;
  }[];
}

export type NewAlert = Pick<
  AlertRow,
  | 'key'
  | 'cert'
  | 'kind'
  | 'label'
  | 'severity'
  | 'fingerprint'
  | 'serial'
  | 'channel'
  | 'msg_key'
  | 'instance'
  | 'problem'
>;

/** openAlert stores a new alert, or reopens a resolved one as a new instance with fresh state. */
export function openAlert(db: Db, a: NewAlert, now: number): void {
  db.prepare(
    `INSERT INTO monitor_alerts (key, cert, kind, label, state, severity, fingerprint, serial, channel, msg_key, instance,
       problem, opened_at, updated_at)
     VALUES (@key, @cert, @kind, @label, 'open', @severity, @fingerprint, @serial, @channel, @msg_key, @instance,
       @problem, @now, @now)
     ON CONFLICT (key) DO UPDATE SET state = 'open', label = excluded.label, severity = excluded.severity,
       fingerprint = excluded.fingerprint, serial = excluded.serial, channel = excluded.channel,
       msg_key = excluded.msg_key, instance = excluded.instance, problem = excluded.problem,
       opened_at = excluded.opened_at, updated_at = excluded.updated_at, resolved_at = NULL, absent_count = 0,
       acked_by = NULL, acked_at = NULL, snoozed_until = NULL, snooze_serial = NULL, snoozed_by = NULL,
       better_count = 0, pending_fingerprint = NULL`,
  ).run({ ...a, now });
}

const ALERT_FIELDS = new Set<keyof AlertRow>([
  'label',
  'state',
  'severity',
  'fingerprint',
  'serial',
  'channel',
  'problem',
  'updated_at',
  'resolved_at',
  'absent_count',
  'acked_by',
  'acked_at',
  'snoozed_until',
  'snooze_serial',
  'snoozed_by',
  'better_count',
  'pending_fingerprint',
]);

/** setAlert updates some fields of an alert. */
export function setAlert(db: Db, id: number, fields: Partial<AlertRow>): void {
  const keys = (Object.keys(fields) as (keyof AlertRow)[]).filter((k) => ALERT_FIELDS.has(k));
  if (keys.length === 0) return;
  db.prepare(`UPDATE monitor_alerts SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run({
    ...Object.fromEntries(keys.map((k) => [k, fields[k] ?? null])),
    id,
  });
}
