/**
 * The actions' tables: offered action requests (a button carries only the request's short id)
 * and the audit log of every attempt — who, what, when, outcome — including refusals.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { type Db, migrate } from '../store/db.js';

const MIGRATIONS = [
  `CREATE TABLE action_requests (
     id TEXT PRIMARY KEY, action TEXT NOT NULL, certificate TEXT NOT NULL, deployment TEXT,
     team_id TEXT, channel_id TEXT, thread_ts TEXT, created_at TEXT NOT NULL);
   CREATE TABLE action_audit (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT, action TEXT NOT NULL, certificate TEXT NOT NULL,
     deployment TEXT, user_id TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL,
     started_at TEXT NOT NULL, finished_at TEXT NOT NULL);
   CREATE INDEX action_audit_cert ON action_audit (certificate, started_at);`,
];

export interface ActionRequest {
  id: string;
  action: string;
  certificate: string;
  deployment?: string;
  teamId?: string;
  channelId?: string;
  threadTs?: string;
  createdAt: string;
}

export type Outcome = 'succeeded' | 'failed' | 'refused' | 'error';

export interface AuditEntry {
  requestId?: string;
  action: string;
  certificate: string;
  deployment?: string;
  userId: string;
  outcome: Outcome;
  detail: string;
  startedAt: string;
  finishedAt: string;
}

export class ActionStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    migrate(db, 'actions', MIGRATIONS);
  }

  /** createRequest stores an offered action and returns it with its new id. */
  createRequest(r: Omit<ActionRequest, 'id' | 'createdAt'>): ActionRequest {
    const req: ActionRequest = { ...r, id: `a${randomBytes(9).toString('base64url')}`, createdAt: this.iso() };
    // Buttons older than 30 days no longer work (the audit log is kept).
    this.db
      .prepare('DELETE FROM action_requests WHERE created_at < ?')
      .run(new Date(this.clock.now() - 30 * 86_400_000).toISOString());
    this.db
      .prepare(
        'INSERT INTO action_requests (id, action, certificate, deployment, team_id, channel_id, thread_ts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        req.id,
        req.action,
        req.certificate,
        req.deployment ?? null,
        req.teamId ?? null,
        req.channelId ?? null,
        req.threadTs ?? null,
        req.createdAt,
      );
    return req;
  }

  /** setThread records where the request's result should be posted. */
  setThread(id: string, channelId: string, threadTs: string): void {
    this.db
      .prepare('UPDATE action_requests SET channel_id = ?, thread_ts = ? WHERE id = ?')
      .run(channelId, threadTs, id);
  }

  request(id: string): ActionRequest | undefined {
    const row = this.db.prepare('SELECT * FROM action_requests WHERE id = ?').get(id) as
      | Record<string, string | null>
      | undefined;
    if (!row) return undefined;
    return {
      id: row['id']!,
      action: row['action']!,
      certificate: row['certificate']!,
      ...(row['deployment'] ? { deployment: row['deployment'] } : {}),
      ...(row['team_id'] ? { teamId: row['team_id'] } : {}),
      ...(row['channel_id'] ? { channelId: row['channel_id'] } : {}),
      ...(row['thread_ts'] ? { threadTs: row['thread_ts'] } : {}),
      createdAt: row['created_at']!,
    };
  }

  /** audit appends one entry to the audit log. */
  audit(e: AuditEntry): void {
    this.db
      .prepare(
        'INSERT INTO action_audit (request_id, action, certificate, deployment, user_id, outcome, detail, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        e.requestId ?? null,
        e.action,
        e.certificate,
        e.deployment ?? null,
        e.userId,
        e.outcome,
        e.detail.slice(0, 4000),
        e.startedAt,
        e.finishedAt,
      );
  }

  /** auditLog returns the newest entries first (optionally for one certificate). */
  auditLog(certificate?: string, limit = 50): AuditEntry[] {
    const rows = (
      certificate
        ? this.db
            .prepare('SELECT * FROM action_audit WHERE certificate = ? ORDER BY seq DESC LIMIT ?')
            .all(certificate, limit)
        : this.db.prepare('SELECT * FROM action_audit ORDER BY seq DESC LIMIT ?').all(limit)
    ) as Record<string, string | null>[];
    return rows.map((r) => ({
      ...(r['request_id'] ? { requestId: r['request_id'] } : {}),
      action: r['action']!,
      certificate: r['certificate']!,
      ...(r['deployment'] ? { deployment: r['deployment'] } : {}),
      userId: r['user_id']!,
      outcome: r['outcome'] as Outcome,
      detail: r['detail']!,
      startedAt: r['started_at']!,
      finishedAt: r['finished_at']!,
    }));
  }

  iso(): string {
    return new Date(this.clock.now()).toISOString();
  }
}
