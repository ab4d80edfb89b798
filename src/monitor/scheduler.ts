/**
 * The scheduler: scans every watched target periodically (interval plus random jitter, times in
 * UTC with luxon), at most `concurrency` at once with a deadline per target, feeds each report to
 * the alert rules and the alert state, queues the daily digest and drains the Slack outbox. The
 * schedule lives in the store: after a restart it resumes where it stopped, and alerts already
 * posted are not posted again. Time comes from the injected Clock, so tests drive it.
 */
import { DateTime } from 'luxon';
import type { Clock } from '../core/clock.js';
import { makeReport, type Report } from '../core/finding.js';
import type { Db } from '../store/db.js';
import { saveTargetRun, setNextRun, targetSchedule } from '../store/monitor.js';
import type { AlertService } from './alerts.js';
import { cycleDuration, daysLeft, scanDuration } from './metrics.js';
import type { Outbox } from './outbox.js';
import type { ScanPool } from './pool.js';
import { evaluate, servedLeaves } from './rules.js';
import { requestFor, type ScanJob, type ScanSettings } from './scan.js';
import type { WatchEntry } from './watchlist.js';

const DAY_MS = 86_400_000;

export interface SchedulerOptions {
  /** The current watchlist (config + inventory + `/cert watch`), read at every tick. */
  watchlist: () => WatchEntry[];
  settings: ScanSettings;
  pool: ScanPool;
  /** Time between two scans of a target (default 1 hour). */
  intervalMs?: number;
  /** Random delay added to each next run, spreading the load (default 10 % of the interval). */
  jitterMs?: number;
  /** Targets scanned at once (default 32). */
  concurrency?: number;
  /** Returns a number in [0, 1) (default Math.random; tests pass a fixed one). */
  random?: () => number;
  /** Extra main-thread checks of an entry (CAA for the configured CA, automation), merged in. */
  extra?: (entry: WatchEntry) => Promise<Report | undefined>;
  log?: (line: string) => void;
}

export interface TickResult {
  scanned: number;
  /** When the next target is due (epoch ms), or undefined with nothing to scan. */
  nextDueAt?: number;
}

/** limiter returns a function that runs tasks with at most `n` in flight. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

/** mergeReports returns one report with the findings and checks of both. */
function mergeReports(a: Report, b: Report | undefined): Report {
  if (!b) return a;
  return makeReport(a.target, [...a.findings, ...b.findings], [...a.checks, ...b.checks], a.facts, a.durationMs);
}

export class Scheduler {
  private readonly interval: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private running: Promise<TickResult> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly db: Db,
    private readonly alerts: AlertService,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly opts: SchedulerOptions,
  ) {
    this.interval = opts.intervalMs ?? 3_600_000;
    this.jitter = opts.jitterMs ?? Math.floor(this.interval / 10);
    this.random = opts.random ?? Math.random;
  }

  /** nextRunAfter returns when a target scanned at `t` runs next: interval plus jitter, in UTC. */
  nextRunAfter(t: number): number {
    return DateTime.fromMillis(t, { zone: 'utc' })
      .plus({ milliseconds: this.interval + Math.floor(this.random() * this.jitter) })
      .toMillis();
  }

  /** tick scans the due targets, applies the alert rules, queues the digest and drains the outbox. */
  tick(): Promise<TickResult> {
    this.running ??= this.tickNow().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async tickNow(): Promise<TickResult> {
    const started = performance.now();
    const now = this.clock.now();
    const entries = this.opts.watchlist();
    const schedule = targetSchedule(this.db);
    const due: WatchEntry[] = [];
    this.db.transaction(() => {
      for (const e of entries) {
        const row = schedule.get(e.key);
        if (!row) {
          // First sight: spread new targets over the jitter window instead of all at once.
          const at = now + Math.floor(this.random() * this.jitter);
          setNextRun(this.db, e.key, at);
          if (at <= now) due.push(e);
        } else if (row.next_run_at <= now) due.push(e);
      }
    })();
    const jobs: ScanJob[] = due.map((e, index) => ({ index, req: requestFor(e) }));
    const handled: Promise<void>[] = [];
    // The main-thread extra checks (CAA, automation) are bounded like the scans.
    const gate = limiter(this.opts.concurrency ?? 32);
    await this.opts.pool.scan(jobs, this.opts.settings, this.opts.concurrency ?? 32, (job, report) => {
      handled.push(gate(() => this.handle(due[job.index]!, report)));
    });
    await Promise.all(handled);
    this.alerts.digest();
    await this.outbox.drain();
    if (due.length > 0) cycleDuration.set((performance.now() - started) / 1000);
    const watched = new Set(entries.map((e) => e.key));
    const next = [...targetSchedule(this.db).values()]
      .filter((r) => watched.has(r.key))
      .reduce<number | undefined>(
        (min, r) => (min === undefined || r.next_run_at < min ? r.next_run_at : min),
        undefined,
      );
    return { scanned: due.length, ...(next !== undefined ? { nextDueAt: next } : {}) };
  }

  /** handle applies one target's report: rules, alerts, metrics, next run. */
  private async handle(entry: WatchEntry, scanned: Report): Promise<void> {
    let extra: Report | undefined;
    try {
      extra = await this.opts.extra?.(entry);
    } catch (err) {
      this.opts.log?.(`extra checks of ${entry.key} failed: ${(err as Error).message}`);
    }
    const report = mergeReports(scanned, extra);
    const now = this.clock.now();
    scanDuration.observe(report.durationMs / 1000);
    const leaves = servedLeaves(report);
    if (leaves.length > 0) {
      const worst = Math.min(...leaves.map((l) => l.notAfterMs));
      daysLeft.set({ target: entry.key }, Math.floor(((worst - now) / DAY_MS) * 10) / 10);
    }
    try {
      this.alerts.observe(
        {
          cert: entry.certificate ?? entry.key,
          // An inventory certificate's alerts cover all its endpoints: name the certificate.
          label: entry.certificate ? `${entry.name} (${entry.certificate})` : entry.key,
          ...(entry.channel ? { channel: entry.channel } : {}),
          source: entry.key,
        },
        evaluate(report, now, entry.thresholds),
      );
    } catch (err) {
      this.opts.log?.(`alerts for ${entry.key} failed: ${(err as Error).message}`);
    }
    saveTargetRun(this.db, {
      key: entry.key,
      next_run_at: this.nextRunAfter(now),
      last_run_at: now,
      last_status: report.status,
      last_duration_ms: report.durationMs,
    });
  }

  /** start runs ticks in the background until stop(): at the next due time, at least once a minute. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      let wait = 60_000;
      try {
        const r = await this.tick();
        const candidates = [r.nextDueAt, this.outbox.nextAttemptAt()].filter((t): t is number => t !== undefined);
        if (candidates.length > 0) wait = Math.min(wait, Math.max(1000, Math.min(...candidates) - this.clock.now()));
      } catch (err) {
        this.opts.log?.(`scheduler tick failed: ${(err as Error).message}`);
      }
      if (!this.stopped) {
        this.timer = setTimeout(loop, wait);
        this.timer.unref();
      }
    };
    this.timer = setTimeout(loop, 0);
    this.timer.unref();
  }

  /**
   * stop ends the background loop and waits for a running tick, at most `waitMs`: targets not
   * finished keep their stored schedule and run after the restart.
   */
  async stop(waitMs = 5000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.running.catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
