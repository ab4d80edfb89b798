/**
 * The Slack surface's state: stored reports (what a button's short id points at), their runs,
 * who may act on them, per-user rate limits and escalations. Button values carry only the id;
 * every click is checked against what is stored here.
 */
import { randomBytes } from 'node:crypto';
import type { DiagnoseRequest } from '../checks/context.js';
import type { Clock } from '../core/clock.js';
import type { Report, Status } from '../core/finding.js';
import { type Db, migrate } from './db.js';

const MIGRATIONS = [
  `CREATE TABLE slack_reports (
     id TEXT PRIMARY KEY,
     target TEXT NOT NULL,
     request_json TEXT NOT NULL,
     report_json TEXT NOT NULL,
     status TEXT NOT NULL,
     codes_json TEXT NOT NULL,
     team_id TEXT,
     channel_id TEXT,
     message_ts TEXT,
     delivery TEXT NOT NULL DEFAULT 'chat',
     requested_by TEXT NOT NULL,
     runs INTEGER NOT NULL DEFAULT 1,
     running_since INTEGER,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL);
   CREATE INDEX slack_reports_updated ON slack_reports (updated_at);
   CREATE TABLE slack_runs (
     report_id TEXT NOT NULL REFERENCES slack_reports(id) ON DELETE CASCADE,
     run INTEGER NOT NULL,
     user_id TEXT NOT NULL,
     status TEXT NOT NULL,
     codes_json TEXT NOT NULL,
     duration_ms INTEGER NOT NULL,
     at TEXT NOT NULL,
     PRIMARY KEY (report_id, run));
   CREATE TABLE slack_rate_events (user_id TEXT NOT NULL, at INTEGER NOT NULL);
   CREATE INDEX slack_rate_events_user ON slack_rate_events (user_id, at);
   CREATE TABLE slack_escalations (
     view_id TEXT PRIMARY KEY,
     report_id TEXT NOT NULL REFERENCES slack_reports(id) ON DELETE CASCADE,
     user_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     message_ts TEXT,
     changes TEXT NOT NULL,
     at TEXT NOT NULL);`,
];

export type Delivery = 'chat' | 'response_url';

export interface StoredReport {
  id: string;
  target: string;
  request: DiagnoseRequest;
  /** Absent while the first run is in progress. */
  report?: Report;
  status: Status;
  codes: string[];
  teamId?: string;
  channelId?: string;
  messageTs?: string;
  delivery: Delivery;
  requestedBy: string;
  runs: number;
  runningSince?: number;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  target: string;
  request_json: string;
  report_json: string;
  status: Status;
  codes_json: string;
  team_id: string | null;
  channel_id: string | null;
  message_ts: string | null;
  delivery: Delivery;
  requested_by: string;
  runs: number;
  running_since: number | null;
  created_at: string;
  updated_at: string;
}

function fromRow(r: Row): StoredReport {
  return {
    id: r.id,
    target: r.target,
    request: JSON.parse(r.request_json) as DiagnoseRequest,
    ...(r.report_json !== 'null' ? { report: JSON.parse(r.report_json) as Report } : {}),
    status: r.status,
    codes: JSON.parse(r.codes_json) as string[],
    ...(r.team_id ? { teamId: r.team_id } : {}),
    ...(r.channel_id ? { channelId: r.channel_id } : {}),
    ...(r.message_ts ? { messageTs: r.message_ts } : {}),
    delivery: r.delivery,
    requestedBy: r.requested_by,
    runs: r.runs,
    ...(r.running_since !== null ? { runningSince: r.running_since } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** reportCodes returns the codes above info, each once, worst first (what "changed" compares). */
export function reportCodes(report: Report): string[] {
  return [...new Set(report.findings.filter((f) => f.severity !== 'info').map((f) => f.code))];
}

/** newId returns a short random id (10 base32 characters, 50 bits). */
export function newId(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return [...randomBytes(10)].map((b) => alphabet[b % 32]).join('');
}

export interface PlaceReport {
  target: string;
  request: DiagnoseRequest;
  teamId?: string;
  channelId?: string;
  requestedBy: string;
}

/** A run claim older than this is considered abandoned (the process died mid-run). */
const STALE_RUN_MS = 120_000;

export class SlackStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    migrate(db, 'slack', MIGRATIONS);
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** createReport stores a pending report (claimed as running) and returns its id. */
  createReport(p: PlaceReport): string {
    const id = newId();
    const now = this.iso();
    this.db
      .prepare(
        `INSERT INTO slack_reports (id, target, request_json, report_json, status, codes_json, team_id, channel_id,
           requested_by, runs, running_since, created_at, updated_at)
         VALUES (?, ?, ?, 'null', 'ok', '[]', ?, ?, ?, 0, ?, ?, ?)`,
      )
      .run(
        id,
        p.target,
        JSON.stringify(p.request),
        p.teamId ?? null,
        p.channelId ?? null,
        p.requestedBy,
        this.clock.now(),
        now,
        now,
      );
    return id;
  }

  /** setMessage records where the report's message lives. */
  setMessage(id: string, where: { channelId?: string; messageTs?: string; delivery: Delivery }): void {
    this.db
      .prepare(
        'UPDATE slack_reports SET channel_id = COALESCE(?, channel_id), message_ts = ?, delivery = ? WHERE id = ?',
      )
      .run(where.channelId ?? null, where.messageTs ?? null, where.delivery, id);
  }

  get(id: string): StoredReport | undefined {
    if (!/^[a-z0-9]{1,40}$/.test(id)) return undefined;
    const row = this.db.prepare('SELECT * FROM slack_reports WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /**
   * claimRun marks the report as running unless a run is in progress (double clicks): returns
   * false when someone else holds it. A claim older than two minutes is taken over.
   */
  claimRun(id: string): boolean {
    const now = this.clock.now();
    const r = this.db
      .prepare(
        'UPDATE slack_reports SET running_since = ? WHERE id = ? AND (running_since IS NULL OR running_since < ?)',
      )
      .run(now, id, now - STALE_RUN_MS);
    return r.changes === 1;
  }

  /** releaseRun drops a claim without recording a run (the run failed before finishing). */
  releaseRun(id: string): void {
    this.db.prepare('UPDATE slack_reports SET running_since = NULL WHERE id = ?').run(id);
  }

  /** finishRun stores a run's report and returns the codes of the run before it. */
  finishRun(id: string, report: Report, userId: string): { previous: string[]; run: number } {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT codes_json, runs FROM slack_reports WHERE id = ?').get(id) as
        | { codes_json: string; runs: number }
        | undefined;
      if (!row) throw new Error(`no report ${id}`);
      const codes = reportCodes(report);
      const run = row.runs + 1;
      const now = this.iso();
      this.db
        .prepare(
          `UPDATE slack_reports SET report_json = ?, status = ?, codes_json = ?, runs = ?, running_since = NULL,
             updated_at = ? WHERE id = ?`,
        )
        .run(JSON.stringify(report), report.status, JSON.stringify(codes), run, now, id);
      this.db
        .prepare(
          'INSERT INTO slack_runs (report_id, run, user_id, status, codes_json, duration_ms, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(id, run, userId, report.status, JSON.stringify(codes), report.durationMs, now);
      return { previous: JSON.parse(row.codes_json) as string[], run };
    })();
  }

  /** runsOf returns the recorded runs of a report, oldest first. */
  runsOf(id: string): { run: number; userId: string; status: Status; codes: string[]; at: string }[] {
    const rows = this.db
      .prepare('SELECT run, user_id, status, codes_json, at FROM slack_runs WHERE report_id = ? ORDER BY run')
      .all(id) as { run: number; user_id: string; status: Status; codes_json: string; at: string }[];
    return rows.map((r) => ({
      run: r.run,
      userId: r.user_id,
      status: r.status,
      codes: JSON.parse(r.codes_json),
      at: r.at,
    }));
  }

  /**
   * takeRateToken records one diagnosis for a user unless `limit` were recorded within `windowMs`:
   * returns 0 when allowed, else the milliseconds until the oldest one leaves the window.
   */
  takeRateToken(userId: string, limit: number, windowMs: number): number {
    const now = this.clock.now();
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM slack_rate_events WHERE at <= ?').run(now - windowMs);
      const rows = this.db.prepare('SELECT at FROM slack_rate_events WHERE user_id = ? ORDER BY at').all(userId) as {
        at: number;
      }[];
      if (rows.length >= limit) return Math.max(1, rows[rows.length - limit]!.at + windowMs - now);
      this.db.prepare('INSERT INTO slack_rate_events (user_id, at) VALUES (?, ?)').run(userId, now);
      return 0;
    })();
  }

  /**
   * recordEscalation stores an escalation once per modal submission (view id): returns false when
   * that view was already submitted (double submit), true for the first.
   */
  recordEscalation(e: {
    viewId: string;
    reportId: string;
    userId: string;
    channelId: string;
    changes: string;
  }): boolean {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO slack_escalations (view_id, report_id, user_id, channel_id, changes, at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(e.viewId, e.reportId, e.userId, e.channelId, e.changes, this.iso());
    return r.changes === 1;
  }

  setEscalationMessage(viewId: string, ts: string): void {
    this.db.prepare('UPDATE slack_escalations SET message_ts = ? WHERE view_id = ?').run(ts, viewId);
  }

  escalationsOf(reportId: string): { viewId: string; userId: string; channelId: string; messageTs?: string }[] {
    const rows = this.db
      .prepare('SELECT view_id, user_id, channel_id, message_ts FROM slack_escalations WHERE report_id = ? ORDER BY at')
      .all(reportId) as { view_id: string; user_id: string; channel_id: string; message_ts: string | null }[];
    return rows.map((r) => ({
      viewId: r.view_id,
      userId: r.user_id,
      channelId: r.channel_id,
      ...(r.message_ts ? { messageTs: r.message_ts } : {}),
    }));
  }

  /** recent returns the latest finished reports of a team, newest first. */
  recent(teamId: string | undefined, limit = 10): StoredReport[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM slack_reports WHERE runs > 0 AND (? IS NULL OR team_id = ? OR team_id IS NULL)
         ORDER BY updated_at DESC, rowid DESC LIMIT ?`,
      )
      .all(teamId ?? null, teamId ?? null, limit) as Row[];
    return rows.map(fromRow);
  }

  /**
   * openIncidents returns, per target, the latest report when it is still warning or critical
   * (an incident closes when the name's latest diagnosis is ok).
   */
  openIncidents(teamId: string | undefined, limit = 20): StoredReport[] {
    const rows = this.db
      .prepare(
        `SELECT r.* FROM slack_reports r
         JOIN (SELECT target, MAX(updated_at) AS latest FROM slack_reports
               WHERE runs > 0 AND (? IS NULL OR team_id = ? OR team_id IS NULL) GROUP BY target) l
           ON r.target = l.target AND r.updated_at = l.latest
         WHERE r.runs > 0 AND r.status != 'ok' AND (? IS NULL OR r.team_id = ? OR r.team_id IS NULL)
         ORDER BY CASE r.status WHEN 'critical' THEN 0 ELSE 1 END, r.updated_at DESC LIMIT ?`,
      )
      .all(teamId ?? null, teamId ?? null, teamId ?? null, teamId ?? null, limit) as Row[];
    return rows.map(fromRow);
  }
}
