/**
 * `certmedic scan --watchlist <file>`: DNS and the served certificate for every target of a
 * watchlist file, one Report per target in watchlist order; the exit code is the worst over all.
 */
import { availableParallelism } from 'node:os';
import type { Config } from '../config.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { exitCodeFor, type Report } from '../core/finding.js';
import { parseWatchlistText } from '../monitor/parse-file.js';
import { ScanPool } from '../monitor/pool.js';
import { inOrder, requestFor, type ScanJob, type ScanSettings } from '../monitor/scan.js';
import type { WatchEntry } from '../monitor/watchlist.js';
import { parsePortMap } from '../net/portmap.js';
import { renderJson, renderText } from '../render/text.js';
import { parseTimeout, readTrustAnchors, resolversFrom } from './diagnose.js';
import { parseFormat, readInputText, useColour } from './io.js';

export interface ScanOptions {
  watchlist?: string;
  resolver?: string;
  trustAnchor?: string[];
  portMap?: string;
  timeout?: string;
  concurrency?: string;
  format?: string;
}

/** Targets per worker thread below which the scan stays in the calling thread. */
const PER_THREAD = 32;

/** parseConcurrency validates `--concurrency <n>` (default 64). */
export function parseConcurrency(value: string | undefined): number {
  if (value === undefined) return 64;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > 10_000) {
    throw new UsageError(`invalid --concurrency ${JSON.stringify(value)}: expected a number between 1 and 10000`);
  }
  return Number(value);
}

/** runScan runs `certmedic scan` and returns the exit code (0 or 1). */
export async function runScan(o: ScanOptions, config: Config, write: (text: string) => Promise<void>): Promise<number> {
  const format = parseFormat(o.format, ['text', 'json']);
  if (!o.watchlist) throw new UsageError('--watchlist <file> is required');
  const concurrency = parseConcurrency(o.concurrency);
  const timeoutMs = parseTimeout(o.timeout, config.file.defaults?.timeoutMs ?? 10_000);
  const portMap = o.portMap !== undefined ? parsePortMap(o.portMap) : undefined;
  const text = readInputText(o.watchlist);
  let entries: WatchEntry[];
  try {
    entries = await parseWatchlistText(text, o.watchlist === '-' ? 'standard input' : o.watchlist);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const settings: ScanSettings = {
    resolvers: resolversFrom(o.resolver, config),
    ...(portMap ? { portMap: [...portMap] } : {}),
    timeoutMs,
    trustAnchors: readTrustAnchors([...config.trustAnchorFiles, ...(o.trustAnchor ?? [])]),
    allowNonPublic: true,
    allowNetworks: [],
  };
  const jobs: ScanJob[] = entries.map((e, index) => ({ index, req: requestFor(e) }));
  // Reports are written in watchlist order as soon as every earlier one is done (streamed: a
  // 10,000-target watchlist never holds all its reports in memory).
  let worst: 0 | 1 = 0;
  let output = Promise.resolve();
  const color = useColour();
  const emit = inOrder<Report>((index, report) => {
    if (exitCodeFor([report]) === 1) worst = 1;
    const chunk =
      format === 'json'
        ? `${index === 0 ? '[\n' : ',\n'}${renderJson(report).trimEnd()}`
        : `${index === 0 ? '' : '\n'}${renderText(report, { color })}`;
    output = output.then(() => write(chunk));
  });
  const pool = new ScanPool({
    threads: Math.min(jobs.length >= PER_THREAD ? Math.ceil(jobs.length / PER_THREAD) : 0, availableParallelism()),
  });
  try {
    await pool.scan(jobs, settings, concurrency, (job, report) => emit(job.index, report));
  } finally {
    await pool.close();
  }
  await output;
  if (format === 'json') await write(jobs.length === 0 ? '[]\n' : '\n]\n');
  return worst;
}
