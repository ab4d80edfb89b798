/**
 * Inventory state in SQLite: the config file is the baseline, signed webhook events update it.
 * Every event is kept once (deduplicated by its id) and applied in the same transaction;
 * `view(name)` merges the baseline with the stored state into what the automation checks read.
 */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { type Db, migrate } from '../store/db.js';
import { type InventoryEvent, summarize } from './events.js';
import type { BotEntry, CertificateEntry, ConnectorEntry, DeploymentEntry, Inventory, Issued } from './schema.js';

const MIGRATIONS = [
  `CREATE TABLE inventory_events (
     id TEXT PRIMARY KEY, type TEXT NOT NULL, time TEXT NOT NULL, certificate TEXT,
     data TEXT NOT NULL, received_at TEXT NOT NULL);
   CREATE INDEX inventory_events_cert ON inventory_events (certificate, time);
   CREATE TABLE inventory_bots (
     bot TEXT PRIMARY KEY, last_heartbeat TEXT, status TEXT, token_expires_at TEXT, updated_at TEXT NOT NULL);
   CREATE TABLE inventory_runs (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, deployment TEXT NOT NULL, certificate TEXT, run_id TEXT NOT NULL,
     started_at TEXT NOT NULL, finished_at TEXT, result TEXT NOT NULL, log TEXT, error TEXT,
     UNIQUE (deployment, run_id));
   CREATE TABLE inventory_certs (
     certificate TEXT PRIMARY KEY, issued TEXT, issued_time TEXT, renewal TEXT, renewal_time TEXT,
     ord TEXT, ord_time TEXT);`,
];

export interface RunView {
  runId?: string;
  startedAt: string;
  finishedAt?: string;
  result: 'succeeded' | 'failed' | 'running';
  log?: string;
  error?: string;
  source: 'config' | 'event';
}

export interface DeploymentView {
  entry: DeploymentEntry;
  /** Every known run, oldest first. */
  runs: RunView[];
}

export interface BotView extends BotEntry {}

export interface CertificateView {
  cert: CertificateEntry;
  bot?: BotView;
  connector?: ConnectorEntry;
  deployments: DeploymentView[];
  /** The latest issued certificate (an event wins over the config's `issued`). */
  issued?: Issued & { at?: string };
  renewal?: { scheduledFor?: string; reason?: string; at: string };
  order?: { status: string; orderId?: string; error?: string; at: string };
  /** The most recent events for this certificate, newest first. */
  recent: { id: string; type: string; time: string; summary: string }[];
}

interface RunRow {
  run_id: string;
  started_at: string;
  finished_at: string | null;
  result: RunView['result'];
  log: string | null;
  error: string | null;
}

/** InventoryStore is the inventory's live state: baseline + events. */
/** Events and old runs are kept this long (dedupe only needs the 5-minute replay window). */
export const RETENTION_DAYS = 90;
const PRUNE_EVERY = 500;

export class InventoryStore {
  private sincePrune = 0;
  constructor(
    private readonly db: Db,
    readonly baseline: Inventory,
    readonly clock: Clock = systemClock,
  ) {
    migrate(db, 'inventory', MIGRATIONS);
  }

  /** findCertificate returns the entry whose id or one of whose names (or covering wildcard) matches. */
  findCertificate(nameOrId: string): CertificateEntry | undefined {
    const q = nameOrId.trim().toLowerCase().replace(/\.$/, '');
    const byId = this.baseline.certificates.find((c) => c.id.toLowerCase() === q);
    if (byId) return byId;
    const exact = this.baseline.certificates.find((c) => c.names.includes(q));
    if (exact) return exact;
    const parent = q.includes('.') ? `*.${q.slice(q.indexOf('.') + 1)}` : '';
    return this.baseline.certificates.find((c) => c.names.includes(parent));
  }

  bot(id: string): BotView | undefined {
    const base = this.baseline.bots.find((b) => b.id === id);
    if (!base) return undefined;
    const row = this.db
      .prepare('SELECT last_heartbeat, status, token_expires_at FROM inventory_bots WHERE bot = ?')
      .get(id) as { last_heartbeat: string | null; status: string | null; token_expires_at: string | null } | undefined;
    if (!row) return { ...base };
    return {
      ...base,
      ...(row.last_heartbeat && newer(row.last_heartbeat, base.lastHeartbeat)
        ? { lastHeartbeat: row.last_heartbeat }
        : {}),
      ...(row.status ? { status: row.status as BotEntry['status'] } : {}),
      ...(row.token_expires_at ? { tokenExpiresAt: row.token_expires_at } : {}),
    };
  }

  deployment(id: string): DeploymentView | undefined {
    const entry = this.baseline.deployments.find((d) => d.id === id);
    if (!entry) return undefined;
    const rows = this.db
      .prepare(
        'SELECT run_id, started_at, finished_at, result, log, error FROM inventory_runs WHERE deployment = ? ORDER BY seq DESC LIMIT 200',
      )
      .all(id) as RunRow[];
    const runs: RunView[] = [
      ...entry.history.map((h) => ({ ...h, source: 'config' as const })),
      ...rows.reverse().map((r) => ({
        runId: r.run_id,
        startedAt: r.started_at,
        ...(r.finished_at ? { finishedAt: r.finished_at } : {}),
        result: r.result,
        ...(r.log ? { log: r.log } : {}),
        ...(r.error ? { error: r.error } : {}),
        source: 'event' as const,
      })),
    ].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    return { entry, runs };
  }

  /** view returns everything known about the certificate with this id or name, or undefined. */
  view(nameOrId: string): CertificateView | undefined {
    const cert = this.findCertificate(nameOrId);
    if (!cert) return undefined;
    const row = this.db.prepare('SELECT * FROM inventory_certs WHERE certificate = ?').get(cert.id) as
      | Record<string, string | null>
      | undefined;
    const issuedEvent = row?.issued ? (JSON.parse(row.issued) as Issued) : undefined;
    const issued = issuedEvent ? { ...issuedEvent, at: row!.issued_time! } : cert.issued;
    const recent = (
      this.db
        .prepare('SELECT id, type, time, data FROM inventory_events WHERE certificate = ? ORDER BY time DESC LIMIT 10')
        .all(cert.id) as { id: string; type: string; time: string; data: string }[]
    ).map((e) => ({ id: e.id, type: e.type, time: e.time, summary: summarize(e.type, JSON.parse(e.data)) }));
    const bot = cert.bot ? this.bot(cert.bot) : undefined;
    const connector = cert.connector ? this.baseline.connectors.find((c) => c.id === cert.connector) : undefined;
    return {
      cert,
      ...(bot ? { bot } : {}),
      ...(connector ? { connector } : {}),
      deployments: cert.deployments.map((d) => this.deployment(d)).filter((d): d is DeploymentView => !!d),
      ...(issued ? { issued } : {}),
      ...(row?.renewal ? { renewal: { ...JSON.parse(row.renewal), at: row.renewal_time! } } : {}),
      ...(row?.ord ? { order: { ...JSON.parse(row.ord), at: row.ord_time! } } : {}),
      recent,
    };
  }

  /** hasEvent returns true when an event with this id was already stored. */
  hasEvent(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM inventory_events WHERE id = ?').get(id) !== undefined;
  }

  /**
   * record stores a validated event and applies it, in one transaction; a repeated id changes
   * nothing and returns 'duplicate'. State fields only move forward in event time.
   */
  record(event: InventoryEvent): 'stored' | 'duplicate' {
    const certId = event.certificate !== undefined ? this.findCertificate(event.certificate)?.id : undefined;
    const ev = certId !== undefined ? { ...event, certificate: certId } : event;
    return this.db.transaction((): 'stored' | 'duplicate' => {
      const inserted = this.db
        .prepare(
          'INSERT OR IGNORE INTO inventory_events (id, type, time, certificate, data, received_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(ev.id, ev.type, ev.time, ev.certificate ?? null, JSON.stringify(ev.data), iso(this.clock.now()));
      if (inserted.changes === 0) return 'duplicate';
      this.apply(ev);
      if (++this.sincePrune >= PRUNE_EVERY) this.prune();
      return 'stored';
    })();
  }

  /**
   * prune deletes events and finished runs older than RETENTION_DAYS (received / started), keeping
   * the newest runs of each deployment for the stuck-job statistics.
   */
  prune(): void {
    this.sincePrune = 0;
    const cutoff = iso(this.clock.now() - RETENTION_DAYS * 86_400_000);
    this.db.prepare('DELETE FROM inventory_events WHERE received_at < ?').run(cutoff);
    this.db
      .prepare(
        `DELETE FROM inventory_runs WHERE started_at < ? AND result != 'running' AND seq NOT IN (
           SELECT seq FROM inventory_runs r2 WHERE r2.deployment = inventory_runs.deployment ORDER BY seq DESC LIMIT 50)`,
      )
      .run(cutoff);
  }

  private apply(ev: InventoryEvent): void {
    const now = iso(this.clock.now());
    switch (ev.type) {
      case 'bot.heartbeat': {
        const d = ev.data;
        this.db
          .prepare(
            `INSERT INTO inventory_bots (bot, last_heartbeat, status, token_expires_at, updated_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (bot) DO UPDATE SET
               last_heartbeat = CASE WHEN last_heartbeat IS NULL OR excluded.last_heartbeat > last_heartbeat THEN excluded.last_heartbeat ELSE last_heartbeat END,
               status = CASE WHEN last_heartbeat IS NULL OR excluded.last_heartbeat >= last_heartbeat THEN COALESCE(excluded.status, status) ELSE status END,
               token_expires_at = COALESCE(excluded.token_expires_at, token_expires_at),
               updated_at = excluded.updated_at`,
          )
          .run(d.bot, ev.time, d.status ?? null, d.tokenExpiresAt ?? null, now);
        return;
      }
      case 'deployment.started':
        this.db
          .prepare(
            `INSERT INTO inventory_runs (deployment, certificate, run_id, started_at, result) VALUES (?, ?, ?, ?, 'running')
             ON CONFLICT (deployment, run_id) DO UPDATE SET started_at = excluded.started_at`,
          )
          .run(ev.data.deployment, ev.certificate ?? null, ev.data.runId ?? ev.id, ev.time);
        return;
      case 'deployment.succeeded':
      case 'deployment.failed': {
        const d: { deployment: string; runId?: string; startedAt?: string; log?: string; error?: string } = ev.data;
        const result = ev.type === 'deployment.succeeded' ? 'succeeded' : 'failed';
        const running = (
          d.runId
            ? this.db
                .prepare('SELECT seq FROM inventory_runs WHERE deployment = ? AND run_id = ?')
                .get(d.deployment, d.runId)
            : this.db
                .prepare(
                  "SELECT seq FROM inventory_runs WHERE deployment = ? AND result = 'running' AND started_at <= ? ORDER BY started_at DESC LIMIT 1",
                )
                .get(d.deployment, ev.time)
        ) as { seq: number } | undefined;
        if (running) {
          this.db
            .prepare('UPDATE inventory_runs SET finished_at = ?, result = ?, log = ?, error = ? WHERE seq = ?')
            .run(ev.time, result, d.log ?? null, d.error ?? null, running.seq);
        } else {
          this.db
            .prepare(
              'INSERT INTO inventory_runs (deployment, certificate, run_id, started_at, finished_at, result, log, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            )
            .run(
              d.deployment,
              ev.certificate ?? null,
              d.runId ?? ev.id,
              d.startedAt ?? ev.time,
              ev.time,
              result,
              d.log ?? null,
              d.error ?? null,
            );
        }
        return;
      }
      case 'certificate.issued':
        this.upsertCert('issued', ev);
        return;
      case 'renewal.scheduled':
        this.upsertCert('renewal', ev);
        return;
      case 'order.status':
        this.upsertCert('ord', ev);
        return;
    }
  }

  /** upsertCert sets one JSON column of the certificate's row unless a newer event already did. */
  private upsertCert(column: 'issued' | 'renewal' | 'ord', ev: InventoryEvent): void {
    const t = `${column}_time`;
    this.db
      .prepare(
        `INSERT INTO inventory_certs (certificate, ${column}, ${t}) VALUES (?, ?, ?)
         ON CONFLICT (certificate) DO UPDATE SET
           ${column} = CASE WHEN ${t} IS NULL OR excluded.${t} >= ${t} THEN excluded.${column} ELSE ${column} END,
           ${t} = CASE WHEN ${t} IS NULL OR excluded.${t} >= ${t} THEN excluded.${t} ELSE ${t} END`,
      )
      .run(ev.certificate, JSON.stringify(ev.data), ev.time);
  }

  /** eventCount returns how many events are stored (for tests and metrics). */
  eventCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM inventory_events').get() as { n: number }).n;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** newer returns true when a is a later instant than b (or b is absent). */
function newer(a: string, b: string | undefined): boolean {
  return b === undefined || Date.parse(a) > Date.parse(b);
}
