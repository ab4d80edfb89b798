/**
 * ScanPool spreads scans over worker threads (node:worker_threads) so TLS handshakes use every
 * core: jobs are handed out one at a time to the least busy worker, at most `concurrency` in
 * flight over all workers, so a black-holed address holds one slot until its timeout and nothing
 * else. With `threads: 0` the scans run in the calling thread (same results).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { finding } from '../core/catalog.js';
import { makeReport, type Report } from '../core/finding.js';
import { runLimited, type ScanJob, type ScanSettings, scanOne } from './scan.js';

export interface PoolOptions {
  /** Worker threads (default: one per core); 0 scans in the calling thread. */
  threads?: number;
  /** The compiled worker module (default: pool-worker.js beside this file, else in dist/). */
  workerUrl?: URL;
}

/** workerModule returns a compiled worker module: beside this module, or in dist/ when running from sources. */
export function workerModule(file = 'pool-worker.js'): URL | undefined {
  const beside = new URL(`./${file}`, import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const dist = new URL(`../../dist/monitor/${file}`, import.meta.url);
  return existsSync(fileURLToPath(dist)) ? dist : undefined;
}

/**
 * Heap limits of a worker: a small young generation keeps RSS low on long scans (a 10,000-target
 * scan stays under 200 MB with two workers); a worker over the old-generation limit exits and its
 * jobs are reported as failed scans, never lost.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 48 };

const MAX_RESPAWNS = 20;

interface Slot {
  worker: Worker;
  busy: number;
  inFlight: Set<number>;
}

type Outbound = { type: 'report'; index: number; report: Report } | { type: 'error'; index: number; error: string };

export class ScanPool {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, (r: Report | string) => void>();
  private settingsId = 0;
  private running: Promise<void> = Promise.resolve();

  private readonly wanted: number;
  private readonly url: URL | undefined;
  private started = false;
  private closing = false;
  private respawns = 0;
  private current: { id: number; settings: ScanSettings } | undefined;

  /** The workers start with the first scan (a pool that never scans costs nothing). */
  constructor(opts: PoolOptions = {}) {
    this.wanted = opts.threads ?? availableParallelism();
    this.url = this.wanted > 0 ? (opts.workerUrl ?? workerModule()) : undefined;
  }

  private startWorkers(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.wanted && this.url; i++) this.spawn(this.url);
  }

  /** spawn starts one worker (with the current scan's settings, when a scan is running). */
  private spawn(url: URL): void {
    const worker = new Worker(url, { resourceLimits: WORKER_LIMITS });
    // Idle workers do not keep the process alive; a running scan does (see scanNow).
    if (!this.current) worker.unref();
    const slot: Slot = { worker, busy: 0, inFlight: new Set() };
    worker.on('message', (m: Outbound) => this.receive(m));
    worker.on('error', () => {});
    worker.on('exit', () => this.lost(slot));
    if (this.current) worker.postMessage({ type: 'settings', ...this.current });
    this.slots.push(slot);
  }

  /** threads returns the number of worker threads (0: scans run in the calling thread). */
  get threads(): number {
    return this.url ? this.wanted : 0;
  }

  private receive(m: Outbound): void {
    const resolve = this.waiting.get(m.index);
    if (!resolve) return;
    this.waiting.delete(m.index);
    resolve(m.type === 'report' ? m.report : m.error);
  }

  /** lost fails the jobs of a worker that exited and takes it out of the pool. */
  private lost(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    for (const index of slot.inFlight) {
      const resolve = this.waiting.get(index);
      this.waiting.delete(index);
      resolve?.('the scan worker exited');
    }
    // A worker that died (e.g. over its heap limit) is replaced, a bounded number of times.
    if (!this.closing && this.url && this.respawns++ < MAX_RESPAWNS) this.spawn(this.url);
  }

  /**
   * scan runs every job with at most `concurrency` in flight and calls `onReport` as each
   * finishes. Scans of one pool run one after the other.
   */
  scan(
    jobs: readonly ScanJob[],
    settings: ScanSettings,
    concurrency: number,
    onReport: (job: ScanJob, report: Report) => void,
  ): Promise<void> {
    const run = this.running.then(() => this.scanNow(jobs, settings, concurrency, onReport));
    this.running = run.catch(() => {});
    return run;
  }

  private async scanNow(
    jobs: readonly ScanJob[],
    settings: ScanSettings,
    concurrency: number,
    onReport: (job: ScanJob, report: Report) => void,
  ): Promise<void> {
    this.startWorkers();
    if (this.slots.length === 0) {
      await runLimited(jobs, concurrency, (j) => scanOne(j.req, settings), onReport);
      return;
    }
    const id = ++this.settingsId;
    this.current = { id, settings };
    for (const s of this.slots) {
      s.worker.ref();
      s.worker.postMessage({ type: 'settings', id, settings });
    }
    try {
      await this.dispatch(jobs, id, settings, concurrency, onReport);
    } finally {
      this.current = undefined;
      for (const s of this.slots) s.worker.unref();
    }
  }

  private async dispatch(
    jobs: readonly ScanJob[],
    id: number,
    settings: ScanSettings,
    concurrency: number,
    onReport: (job: ScanJob, report: Report) => void,
  ): Promise<void> {
    await runLimited(
      jobs,
      concurrency,
      (job) => {
        if (this.slots.length === 0) return scanOne(job.req, settings);
        return new Promise<Report>((resolve) => {
          const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
          slot.busy++;
          slot.inFlight.add(job.index);
          this.waiting.set(job.index, (r) => {
            slot.busy--;
            slot.inFlight.delete(job.index);
            resolve(typeof r === 'string' ? failedReport(job, r) : r);
          });
          slot.worker.postMessage({ type: 'job', id, job });
        });
      },
      onReport,
    );
  }

  /** close stops the workers. */
  async close(): Promise<void> {
    this.closing = true;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

/** failedReport is the report of a job whose worker failed: `check.failed`, never a silent ok. */
function failedReport(job: ScanJob, error: string): Report {
  return makeReport(
    `${job.req.name}:${job.req.port ?? 443}`,
    [finding('check.failed', `The scan failed: ${error}`, { error })],
    [{ name: 'scan', state: 'error', reason: error }],
    {},
    0,
  );
}
