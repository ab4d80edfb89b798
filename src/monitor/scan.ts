/**
 * One watchlist scan of one target: DNS and the served certificate (`diagnose()` with `only:
 * ['dns', 'endpoint']`), the entry's address instead of DNS when given. Runs in the main thread or
 * in a pool worker (pool-worker.ts); everything here is plain data so it crosses threads.
 */
import type { DiagnoseRequest } from '../checks/context.js';
import { finding } from '../core/catalog.js';
import { makeReport, type Report } from '../core/finding.js';
import type { DnsServerAddr } from '../net/dns.js';
import { TargetPolicy } from '../net/guard.js';
import type { WatchEntry } from './watchlist.js';

/** ScanSettings are the dependencies of a scan, as plain data (they are sent to workers). */
export interface ScanSettings {
  resolvers: DnsServerAddr[];
  portMap?: [number, number][];
  /** Deadline per target in ms. */
  timeoutMs: number;
  trustAnchors: string[];
  /** true in the CLI; the bot refuses non-public addresses unless allowNetworks allows them. */
  allowNonPublic: boolean;
  allowNetworks: string[];
}

/** ScanJob is one target to scan: `index` orders the results. */
export interface ScanJob {
  index: number;
  req: DiagnoseRequest;
}

/** The checks a watchlist scan runs (DESIGN.md: no CAA, no validation). */
export const SCAN_CHECKS = ['dns', 'endpoint'] as const;

/** requestFor returns the DiagnoseRequest of a watch entry (the name stays the SNI). */
export function requestFor(e: WatchEntry): DiagnoseRequest {
  return {
    name: e.name,
    port: e.port,
    wildcard: false,
    method: 'none',
    only: [...SCAN_CHECKS],
    ...(e.address !== undefined ? { addresses: [e.address] } : {}),
    ...(e.starttls !== undefined ? { starttls: e.starttls } : {}),
    ...(e.expectSerial !== undefined ? { expectSerial: e.expectSerial } : {}),
  };
}

let diagnoseModule: Promise<typeof import('../diagnose.js')> | undefined;

/**
 * scanOne diagnoses one request. A scan check that is not registered in the engine is reported as
 * `check.failed` (never a silent ok), and a failure of the engine itself becomes a report too.
 */
export async function scanOne(req: DiagnoseRequest, s: ScanSettings): Promise<Report> {
  diagnoseModule ??= import('../diagnose.js');
  const { diagnose, CHECKS } = await diagnoseModule;
  const started = performance.now();
  try {
    const report = await diagnose(req, {
      resolvers: s.resolvers,
      ...(s.portMap ? { portMap: new Map(s.portMap) } : {}),
      policy: policyFor(s),
      timeoutMs: s.timeoutMs,
      trustAnchors: s.trustAnchors,
    });
    const missing = (req.only ?? []).filter((name) => !CHECKS.some((c) => c.name === name));
    if (missing.length === 0) return report;
    const extra = missing.map((name) =>
      finding('check.failed', `The ${name} check is not available in this build`, { check: name }),
    );
    return makeReport(
      report.target,
      [...report.findings, ...extra],
      [...report.checks, ...missing.map((name) => ({ name, state: 'error' as const, reason: 'not available' }))],
      report.facts,
      report.durationMs,
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return makeReport(
      `${req.name}:${req.port ?? 443}`,
      [finding('check.failed', `The scan failed: ${message}`, { error: message })],
      [{ name: 'scan', state: 'error', reason: message }],
      {},
      performance.now() - started,
    );
  }
}

const policies = new Map<string, TargetPolicy>();

/** policyFor returns the (cached) target policy of the settings. */
function policyFor(s: ScanSettings): TargetPolicy {
  const key = `${s.allowNonPublic}|${s.allowNetworks.join(',')}`;
  let p = policies.get(key);
  if (!p) {
    p = new TargetPolicy(s.allowNonPublic, s.allowNetworks);
    policies.set(key, p);
  }
  return p;
}

/**
 * runLimited runs `work` over the items with at most `limit` in flight and calls `done` as each
 * finishes (in completion order).
 */
export async function runLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  done: (item: T, result: R) => void,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      done(item, await work(item));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

/**
 * inOrder returns a callback that takes results in completion order and hands them to `emit` in
 * index order as soon as every earlier one is there, so a long scan streams its output and holds
 * only the results that finished early.
 */
export function inOrder<R>(emit: (index: number, result: R) => void): (index: number, result: R) => void {
  const early = new Map<number, R>();
  let next = 0;
  return (index, result) => {
    early.set(index, result);
    while (early.has(next)) {
      const r = early.get(next)!;
      early.delete(next);
      emit(next++, r);
    }
  };
}
