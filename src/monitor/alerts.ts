/**
 * Alert state: one alert per (certificate, problem), kept in the store. An alert opens with one
 * message (through the outbox), is updated in place when what it says changes, gets thread
 * follow-ups when it gets worse, and a resolved message when it clears. Hysteresis keeps a CDN
 * that alternates two certificates from flapping: getting worse applies at once, getting better
 * (or clearing) only after `resolveAfter` consecutive scans agree. Acknowledge and Snooze
 * (1 day, 1 week, until the served certificate changes) are stored on the alert.
 */
import { DateTime } from 'luxon';
import type { Clock } from '../core/clock.js';
import type { Db } from '../store/db.js';
import { kvGet, kvSet } from '../store/monitor.js';
import { type AlertView, alertMessage, digestMessage, followUp } from './alert-blocks.js';
import { alertEvents, alertsOpen } from './metrics.js';
import type { Outbox } from './outbox.js';
import type { Evaluation, Problem, ProblemKind } from './rules.js';

/** AlertTarget is the certificate alerts are about and where they go. */
export interface AlertTarget {
  /** The certificate identity: the inventory id, else the target key `name:port`. */
  cert: string;
  /** What the message calls it (`shop.example.com:443`). */
  label: string;
  channel?: string;
}

export interface AlertOptions {
  /** CERTMEDIC_ALERT_CHANNEL: where alerts go when the target names no channel. */
  defaultChannel?: string;
  /** Consecutive scans that must agree before an alert clears or gets better (default 2). */
  resolveAfter?: number;
  /** Hour (UTC) of the daily digest; undefined: no digest. */
  digestHour?: number;
  log?: (line: string) => void;
}

interface Row {
  id: number;
  key: string;
  cert: string;
  kind: ProblemKind;
  label: string;
  state: 'open' | 'resolved';
  severity: string;
  fingerprint: string;
  serial: string | null;
  channel: string | null;
  msg_key: string;
  instance: number;
  problem: string;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
  absent_count: number;
  acked_by: string | null;
  snoozed_until: number | null;
  snooze_serial: string | null;
  snoozed_by: string | null;
  better_count: number;
  pending_fingerprint: string | null;
}

interface Stored {
  problem: Problem;
  reportId?: string;
}

const RANK = { critical: 2, warning: 1 } as const;
const SNOOZE_MS = { '1d': 86_400_000, '1w': 7 * 86_400_000 } as const;
export type SnoozeChoice = keyof typeof SNOOZE_MS | 'renewed';

/** worse returns true when `next` is worse than `prev`: higher severity, or fewer days left. */
export function worse(prev: Problem, next: Problem): boolean {
  if (RANK[next.severity] !== RANK[prev.severity]) return RANK[next.severity] > RANK[prev.severity];
  if (next.daysLeft !== undefined && prev.daysLeft !== undefined) return next.daysLeft < prev.daysLeft;
  return false;
}

function toView(r: Row): AlertView {
  const s = JSON.parse(r.problem) as Stored;
  return {
    id: r.id,
    label: r.label,
    kind: r.kind,
    state: r.state,
    problem: s.problem,
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
    ...(r.resolved_at !== null ? { resolvedAt: r.resolved_at } : {}),
    ...(r.acked_by ? { ackedBy: r.acked_by } : {}),
    ...(r.snoozed_until !== null ? { snoozedUntil: r.snoozed_until } : {}),
    ...(r.snooze_serial !== null ? { snoozeUntilRenewed: true } : {}),
    ...(r.snoozed_by ? { snoozedBy: r.snoozed_by } : {}),
    ...(s.reportId ? { reportId: s.reportId } : {}),
  };
}

export class AlertService {
  private readonly resolveAfter: number;

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly opts: AlertOptions = {},
  ) {
    this.resolveAfter = Math.max(1, opts.resolveAfter ?? 2);
  }

  private row(key: string): Row | undefined {
    return this.db.prepare('SELECT * FROM monitor_alerts WHERE key = ?').get(key) as Row | undefined;
  }

  /** get returns an alert by its id (button values carry only the id). */
  get(id: number): AlertView | undefined {
    const r = this.db.prepare('SELECT * FROM monitor_alerts WHERE id = ?').get(id) as Row | undefined;
    return r ? toView(r) : undefined;
  }

  /** channelOf returns where an alert's messages go. */
  channelOf(id: number): string | undefined {
    const r = this.db.prepare('SELECT channel FROM monitor_alerts WHERE id = ?').get(id) as
      | { channel: string | null }
      | undefined;
    return r?.channel ?? undefined;
  }

  /** open returns the open alerts (of one channel, when given). */
  open(channel?: string): AlertView[] {
    const rows = (
      channel === undefined
        ? this.db.prepare("SELECT * FROM monitor_alerts WHERE state = 'open' ORDER BY severity, opened_at").all()
        : this.db
            .prepare("SELECT * FROM monitor_alerts WHERE state = 'open' AND channel = ? ORDER BY opened_at")
            .all(channel)
    ) as Row[];
    return rows.map(toView);
  }

  private send(r: Row, kind: 'post' | 'update' | 'reply', payload: { text: string; blocks?: unknown[] }): void {
    if (!r.channel) {
      this.opts.log?.(`alert ${r.key}: no channel (set CERTMEDIC_ALERT_CHANNEL or the target's channel)`);
      return;
    }
    this.outbox.enqueue(r.msg_key, kind, r.channel, payload as { text: string });
  }

  /** render re-reads the alert and queues an in-place update of its message. */
  private refresh(key: string): void {
    const r = this.row(key)!;
    this.send(r, 'update', alertMessage(toView(r)));
  }

  /** observe applies one evaluation of a certificate: opens, updates and resolves its alerts. */
  observe(target: AlertTarget, ev: Evaluation): void {
    this.db.transaction(() => {
      const present = new Set<ProblemKind>();
      for (const p of ev.problems) {
        present.add(p.kind);
        this.raise(target, p);
      }
      const open = this.db
        .prepare("SELECT * FROM monitor_alerts WHERE cert = ? AND state = 'open'")
        .all(target.cert) as Row[];
      for (const r of open) {
        if (present.has(r.kind) || !ev.evaluated.has(r.kind)) continue;
        this.absent(r);
      }
    })();
    this.gauge();
  }

  /** raise records that a problem is present now (scan or webhook event). */
  raise(target: AlertTarget, p: Problem, extra: { reportId?: string } = {}): void {
    const now = this.clock.now();
    const key = `${target.cert}|${p.kind}`;
    const channel = target.channel ?? this.opts.defaultChannel ?? null;
    const stored = JSON.stringify({ problem: p, ...extra } satisfies Stored);
    const r = this.row(key);
    if (!r || r.state === 'resolved') {
      const instance = (r?.instance ?? 0) + 1;
      const msgKey = `${key}#${instance}`;
      this.db
        .prepare(
          `INSERT INTO monitor_alerts (key, cert, kind, label, state, severity, fingerprint, serial, channel, msg_key, instance,
             problem, opened_at, updated_at)
           VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET state = 'open', label = excluded.label, severity = excluded.severity,
             fingerprint = excluded.fingerprint, serial = excluded.serial, channel = excluded.channel,
             msg_key = excluded.msg_key, instance = excluded.instance, problem = excluded.problem,
             opened_at = excluded.opened_at, updated_at = excluded.updated_at, resolved_at = NULL, absent_count = 0,
             acked_by = NULL, acked_at = NULL, snoozed_until = NULL, snooze_serial = NULL, snoozed_by = NULL,
             better_count = 0, pending_fingerprint = NULL`,
        )
        .run(
          key,
          target.cert,
          p.kind,
          target.label,
          p.severity,
          p.fingerprint,
          p.serial ?? null,
          channel,
          msgKey,
          instance,
          stored,
          now,
          now,
        );
      const fresh = this.row(key)!;
      this.send(fresh, 'post', alertMessage(toView(fresh)));
      alertEvents.inc({ problem: p.kind, event: 'opened' });
      return;
    }
    this.db.prepare('UPDATE monitor_alerts SET absent_count = 0 WHERE id = ?').run(r.id);
    if (!r.channel && channel && !this.outbox.hasMessage(r.msg_key)) {
      // Opened while no channel was known (none configured yet): post it now that there is one.
      this.db.prepare('UPDATE monitor_alerts SET channel = ? WHERE id = ?').run(channel, r.id);
      const fresh = this.row(key)!;
      this.send(fresh, 'post', alertMessage(toView(fresh)));
    }
    const snoozeLifted = this.liftSnooze(r, p, now);
    if (r.fingerprint === p.fingerprint) {
      this.db.prepare('UPDATE monitor_alerts SET better_count = 0, pending_fingerprint = NULL WHERE id = ?').run(r.id);
      if (snoozeLifted) this.refresh(key);
      return;
    }
    const prev = (JSON.parse(r.problem) as Stored).problem;
    if (!worse(prev, p) && !p.notify) {
      // Better or merely different: apply only once enough consecutive scans agree (no flapping).
      const count = r.pending_fingerprint === p.fingerprint ? r.better_count + 1 : 1;
      this.db
        .prepare('UPDATE monitor_alerts SET better_count = ?, pending_fingerprint = ? WHERE id = ?')
        .run(count, p.fingerprint, r.id);
      if (count < this.resolveAfter) {
        if (snoozeLifted) this.refresh(key);
        return;
      }
    }
    const keepReport = (JSON.parse(r.problem) as Stored).reportId;
    this.db
      .prepare(
        `UPDATE monitor_alerts SET severity = ?, fingerprint = ?, serial = ?, problem = ?, updated_at = ?, label = ?,
           better_count = 0, pending_fingerprint = NULL WHERE id = ?`,
      )
      .run(
        p.severity,
        p.fingerprint,
        p.serial ?? null,
        JSON.stringify({
          problem: p,
          ...((extra.reportId ?? keepReport) ? { reportId: extra.reportId ?? keepReport } : {}),
        }),
        now,
        target.label,
        r.id,
      );
    this.refresh(key);
    alertEvents.inc({ problem: p.kind, event: 'updated' });
    const updated = this.row(key)!;
    if ((p.severity !== prev.severity || p.notify) && !this.snoozed(updated, now)) {
      this.send(updated, 'reply', followUp(toView(updated), p.severity !== prev.severity ? 'severity' : 'changed'));
    }
  }

  /** snoozed returns true while an alert's follow-ups are held back. */
  private snoozed(r: Row, now: number): boolean {
    return (r.snoozed_until !== null && r.snoozed_until > now) || r.snooze_serial !== null;
  }

  /** liftSnooze ends a snooze whose time has passed or whose certificate was renewed. */
  private liftSnooze(r: Row, p: Problem, now: number): boolean {
    const timeUp = r.snoozed_until !== null && r.snoozed_until <= now;
    const renewed = r.snooze_serial !== null && p.serial !== undefined && p.serial !== r.snooze_serial;
    if (!timeUp && !renewed) return false;
    this.db
      .prepare('UPDATE monitor_alerts SET snoozed_until = NULL, snooze_serial = NULL, snoozed_by = NULL WHERE id = ?')
      .run(r.id);
    return true;
  }

  /** absent counts a scan that did not see the problem; enough in a row resolve the alert. */
  private absent(r: Row): void {
    const count = r.absent_count + 1;
    if (count < this.resolveAfter) {
      this.db.prepare('UPDATE monitor_alerts SET absent_count = ? WHERE id = ?').run(count, r.id);
      return;
    }
    this.resolve(r);
  }

  private resolve(r: Row): void {
    const now = this.clock.now();
    this.db
      .prepare(
        "UPDATE monitor_alerts SET state = 'resolved', resolved_at = ?, updated_at = ?, absent_count = 0 WHERE id = ?",
      )
      .run(now, now, r.id);
    const fresh = this.row(r.key)!;
    this.send(fresh, 'update', alertMessage(toView(fresh)));
    this.send(fresh, 'reply', followUp(toView(fresh), 'resolved'));
    alertEvents.inc({ problem: r.kind, event: 'resolved' });
  }

  /** clear resolves an open alert at once (e.g. a deployment.succeeded event). */
  clear(cert: string, kind: ProblemKind): void {
    const r = this.row(`${cert}|${kind}`);
    if (r && r.state === 'open') this.resolve(r);
    this.gauge();
  }

  /** acknowledge records who acknowledged an open alert and updates its message. */
  acknowledge(id: number, user: string): AlertView | undefined {
    const r = this.db.prepare("SELECT * FROM monitor_alerts WHERE id = ? AND state = 'open'").get(id) as
      | Row
      | undefined;
    if (!r) return undefined;
    if (!r.acked_by) {
      this.db
        .prepare('UPDATE monitor_alerts SET acked_by = ?, acked_at = ? WHERE id = ?')
        .run(user, this.clock.now(), id);
      this.refresh(r.key);
    }
    return this.get(id);
  }

  /** snooze holds back an open alert's follow-ups for a day, a week, or until the certificate changes. */
  snooze(id: number, choice: SnoozeChoice, user: string): AlertView | undefined {
    const r = this.db.prepare("SELECT * FROM monitor_alerts WHERE id = ? AND state = 'open'").get(id) as
      | Row
      | undefined;
    if (!r) return undefined;
    if (choice === 'renewed') {
      this.db
        .prepare('UPDATE monitor_alerts SET snooze_serial = ?, snoozed_until = NULL, snoozed_by = ? WHERE id = ?')
        .run(r.serial ?? '', user, id);
    } else {
      this.db
        .prepare('UPDATE monitor_alerts SET snoozed_until = ?, snooze_serial = NULL, snoozed_by = ? WHERE id = ?')
        .run(this.clock.now() + SNOOZE_MS[choice], user, id);
    }
    this.refresh(r.key);
    return this.get(id);
  }

  /**
   * digest queues the daily digest of open alerts per channel once a day, at `digestHour` UTC;
   * returns the number of digests queued.
   */
  digest(): number {
    if (this.opts.digestHour === undefined) return 0;
    const now = DateTime.fromMillis(this.clock.now(), { zone: 'utc' });
    if (now.hour < this.opts.digestHour) return 0;
    const day = now.toISODate()!;
    if (kvGet(this.db, 'digest_day') === day) return 0;
    const byChannel = new Map<string, AlertView[]>();
    for (const r of this.db.prepare("SELECT * FROM monitor_alerts WHERE state = 'open'").all() as Row[]) {
      if (!r.channel) continue;
      byChannel.set(r.channel, [...(byChannel.get(r.channel) ?? []), toView(r)]);
    }
    if (this.opts.defaultChannel && !byChannel.has(this.opts.defaultChannel))
      byChannel.set(this.opts.defaultChannel, []);
    for (const [channel, alerts] of byChannel) {
      const msgKey = `digest|${channel}|${day}`;
      if (!this.outbox.hasMessage(msgKey)) this.outbox.enqueue(msgKey, 'post', channel, digestMessage(day, alerts));
    }
    kvSet(this.db, 'digest_day', day);
    return byChannel.size;
  }

  private gauge(): void {
    alertsOpen.reset();
    const rows = this.db
      .prepare("SELECT kind, COUNT(*) AS n FROM monitor_alerts WHERE state = 'open' GROUP BY kind")
      .all() as { kind: string; n: number }[];
    for (const r of rows) alertsOpen.set({ problem: r.kind }, r.n);
  }
}
