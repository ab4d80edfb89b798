/**
 * Alert state: one alert per (certificate, problem), kept in the store. An alert opens with one
 * message (through the outbox), is updated in place when what it says changes, gets thread
 * follow-ups when its severity changes, and a resolved message when it clears. Hysteresis keeps a
 * CDN that alternates two certificates from flapping: getting worse applies at once, getting
 * better (or clearing) only after `resolveAfter` consecutive scans agree. Acknowledge and Snooze
 * (1 day, 1 week, until the served certificate changes) are stored on the alert.
 */
import { DateTime } from 'luxon';
import type { Clock } from '../core/clock.js';
import type { Db } from '../store/db.js';
import {
  type AlertRow,
  alertById,
  alertByKey,
  kvGet,
  kvSet,
  openAlert,
  openAlerts,
  openCountsByKind,
  setAlert,
} from '../store/monitor.js';
import { type AlertView, alertMessage, digestMessage, followUp } from './alert-blocks.js';
import { alertEvents, alertsOpen } from './metrics.js';
import type { Outbox, OutboxKind, OutboxPayload } from './outbox.js';
import type { Evaluation, Problem, ProblemKind } from './rules.js';

/** AlertTarget is the certificate alerts are about and where they go. */
export interface AlertTarget {
  /** The certificate identity: the inventory id, else the target key `name:port`. */
  cert: string;
  /** What the message calls it (`shop.example.com:443`). */
  label: string;
  channel?: string;
  /** The endpoint that was scanned (`name:port`), when one certificate has several. */
  source?: string;
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

function stored(r: AlertRow): Stored {
  return JSON.parse(r.problem) as Stored;
}

function toView(r: AlertRow): AlertView {
  const s = stored(r);
  return {
    id: r.id,
    label: r.label,
    kind: r.kind as ProblemKind,
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
  /**
   * The endpoint that last reported each open alert's problem. A certificate watched on several
   * endpoints gets one alert; only the endpoint that saw the problem can see it clear, so a
   * healthy (or unreachable) other endpoint does not resolve it and make it flap.
   */
  private readonly lastSeenAt = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly opts: AlertOptions = {},
  ) {
    this.resolveAfter = Math.max(1, opts.resolveAfter ?? 2);
  }

  /** get returns an alert by its id (button values carry only the id). */
  get(id: number): AlertView | undefined {
    const r = alertById(this.db, id);
    return r ? toView(r) : undefined;
  }

  /** channelOf returns where an alert's messages go. */
  channelOf(id: number): string | undefined {
    return alertById(this.db, id)?.channel ?? undefined;
  }

  /** open returns the open alerts (of one channel, when given). */
  open(channel?: string): AlertView[] {
    return openAlerts(this.db, channel !== undefined ? { channel } : {}).map(toView);
  }

  private send(r: AlertRow, kind: OutboxKind, payload: OutboxPayload): void {
    if (!r.channel) {
      this.opts.log?.(`alert ${r.key}: no channel (set CERTMEDIC_ALERT_CHANNEL or the target's channel)`);
      return;
    }
    this.outbox.enqueue(r.msg_key, kind, r.channel, payload);
  }

  /** refresh re-reads the alert and queues an in-place update of its message. */
  private refresh(id: number): void {
    const r = alertById(this.db, id)!;
    this.send(r, 'update', alertMessage(toView(r)));
  }

  /** observe applies one evaluation of a certificate: opens, updates and resolves its alerts. */
  observe(target: AlertTarget, ev: Evaluation): void {
    this.db.transaction(() => {
      const present = new Set<ProblemKind>();
      for (const p of ev.problems) {
        present.add(p.kind);
        this.raise(target, p);
        if (target.source) this.lastSeenAt.set(`${target.cert}|${p.kind}`, target.source);
      }
      for (const r of openAlerts(this.db, { cert: target.cert })) {
        const kind = r.kind as ProblemKind;
        if (present.has(kind) || !ev.evaluated.has(kind)) continue;
        const seenAt = this.lastSeenAt.get(r.key);
        if (seenAt !== undefined && target.source !== undefined && seenAt !== target.source) continue;
        // Not seen by a scan that could judge it: enough such scans in a row resolve the alert.
        if (r.absent_count + 1 < this.resolveAfter) setAlert(this.db, r.id, { absent_count: r.absent_count + 1 });
        else this.resolve(r);
      }
    })();
    this.gauge();
  }

  /** raise records that a problem is present now (scan or webhook event). */
  raise(target: AlertTarget, p: Problem, extra: { reportId?: string } = {}): void {
    const now = this.clock.now();
    const key = `${target.cert}|${p.kind}`;
    const channel = target.channel ?? this.opts.defaultChannel ?? null;
    const r = alertByKey(this.db, key);
    if (!r || r.state === 'resolved') {
      const instance = (r?.instance ?? 0) + 1;
      const problem = JSON.stringify({ problem: p, ...extra } satisfies Stored);
      openAlert(
        this.db,
        {
          key,
          cert: target.cert,
          kind: p.kind,
          label: target.label,
          severity: p.severity,
          fingerprint: p.fingerprint,
          serial: p.serial ?? null,
          channel,
          msg_key: `${key}#${instance}`,
          instance,
          problem,
        },
        now,
      );
      const fresh = alertByKey(this.db, key)!;
      this.send(fresh, 'post', alertMessage(toView(fresh)));
      alertEvents.inc({ problem: p.kind, event: 'opened' });
      this.gauge();
      return;
    }
    setAlert(this.db, r.id, { absent_count: 0 });
    if (!r.channel && channel && !this.outbox.hasMessage(r.msg_key)) {
      // Opened while no channel was known (none configured yet): post it now that there is one.
      setAlert(this.db, r.id, { channel });
      const fresh = alertById(this.db, r.id)!;
      this.send(fresh, 'post', alertMessage(toView(fresh)));
    }
    const snoozeLifted = this.liftSnooze(r, p, now);
    const prev = stored(r);
    let apply = r.fingerprint !== p.fingerprint;
    if (apply && !worse(prev.problem, p) && !p.notify) {
      // Better or merely different: apply only once enough consecutive scans agree (no flapping).
      const count = r.pending_fingerprint === p.fingerprint ? r.better_count + 1 : 1;
      setAlert(this.db, r.id, { better_count: count, pending_fingerprint: p.fingerprint });
      apply = count >= this.resolveAfter;
    } else if (!apply) setAlert(this.db, r.id, { better_count: 0, pending_fingerprint: null });
    if (!apply) {
      if (snoozeLifted) this.refresh(r.id);
      return;
    }
    const reportId = extra.reportId ?? prev.reportId;
    setAlert(this.db, r.id, {
      severity: p.severity,
      fingerprint: p.fingerprint,
      serial: p.serial ?? null,
      problem: JSON.stringify({ problem: p, ...(reportId ? { reportId } : {}) } satisfies Stored),
      updated_at: now,
      label: target.label,
      better_count: 0,
      pending_fingerprint: null,
    });
    this.refresh(r.id);
    alertEvents.inc({ problem: p.kind, event: 'updated' });
    const updated = alertById(this.db, r.id)!;
    const snoozed = (updated.snoozed_until !== null && updated.snoozed_until > now) || updated.snooze_serial !== null;
    if ((p.severity !== prev.problem.severity || p.notify) && !snoozed) {
      const change = p.severity !== prev.problem.severity ? 'severity' : 'changed';
      this.send(updated, 'reply', followUp(toView(updated), change));
    }
  }

  /** liftSnooze ends a snooze whose time has passed or whose certificate was renewed. */
  private liftSnooze(r: AlertRow, p: Problem, now: number): boolean {
    const timeUp = r.snoozed_until !== null && r.snoozed_until <= now;
    const renewed = r.snooze_serial !== null && p.serial !== undefined && p.serial !== r.snooze_serial;
    if (!timeUp && !renewed) return false;
    setAlert(this.db, r.id, { snoozed_until: null, snooze_serial: null, snoozed_by: null });
    return true;
  }

  private resolve(r: AlertRow): void {
    const now = this.clock.now();
    setAlert(this.db, r.id, { state: 'resolved', resolved_at: now, updated_at: now, absent_count: 0 });
    const fresh = alertById(this.db, r.id)!;
    this.send(fresh, 'update', alertMessage(toView(fresh)));
    this.send(fresh, 'reply', followUp(toView(fresh), 'resolved'));
    alertEvents.inc({ problem: r.kind, event: 'resolved' });
  }

  /** clear resolves an open alert at once (e.g. a deployment.succeeded event). */
  clear(cert: string, kind: ProblemKind): void {
    const r = alertByKey(this.db, `${cert}|${kind}`);
    if (r && r.state === 'open') this.resolve(r);
    this.gauge();
  }

  /** acknowledge records who acknowledged an open alert and updates its message. */
  acknowledge(id: number, user: string): AlertView | undefined {
    const r = alertById(this.db, id);
    if (r?.state !== 'open') return undefined;
    if (!r.acked_by) {
      setAlert(this.db, id, { acked_by: user, acked_at: this.clock.now() });
      this.refresh(id);
    }
    return this.get(id);
  }

  /** snooze holds back an open alert's follow-ups for a day, a week, or until the certificate changes. */
  snooze(id: number, choice: SnoozeChoice, user: string): AlertView | undefined {
    const r = alertById(this.db, id);
    if (r?.state !== 'open') return undefined;
    setAlert(
      this.db,
      id,
      choice === 'renewed'
        ? { snooze_serial: r.serial ?? '', snoozed_until: null, snoozed_by: user }
        : { snoozed_until: this.clock.now() + SNOOZE_MS[choice], snooze_serial: null, snoozed_by: user },
    );
    this.refresh(id);
    return this.get(id);
  }

  /**
   * digest queues the daily digest of open alerts per channel once a day, at `digestHour` UTC;
   * returns the number of digests queued.
   */
  digest(): number {
    if (this.opts.digestHour === undefined) return 0;
    const now = DateTime.fromMillis(this.clock.now(), { zone: 'utc' });
    const day = now.toISODate()!;
    if (now.hour < this.opts.digestHour || kvGet(this.db, 'digest_day') === day) return 0;
    const byChannel = new Map<string, AlertView[]>();
    if (this.opts.defaultChannel) byChannel.set(this.opts.defaultChannel, []);
    for (const r of openAlerts(this.db)) {
      if (r.channel) byChannel.set(r.channel, [...(byChannel.get(r.channel) ?? []), toView(r)]);
    }
    for (const [channel, alerts] of byChannel) {
      const msgKey = `digest|${channel}|${day}`;
      if (!this.outbox.hasMessage(msgKey)) this.outbox.enqueue(msgKey, 'post', channel, digestMessage(day, alerts));
    }
    kvSet(this.db, 'digest_day', day);
    return byChannel.size;
  }

  private gauge(): void {
    alertsOpen.reset();
    for (const r of openCountsByKind(this.db)) alertsOpen.set({ problem: r.kind }, r.n);
  }
}
