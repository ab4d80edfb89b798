/** parseWatchlistText parses a watchlist file in a short-lived worker when it is large (see parse-worker.ts). */
import { Worker } from 'node:worker_threads';
import { CertmedicError, ConfigError } from '../core/errors.js';
import { workerModule } from './pool.js';
import { parseWatchlistFile, type WatchEntry } from './watchlist.js';

/** Files below this size are parsed in the calling thread. */
const WORKER_THRESHOLD = 256 * 1024;

/** parseWatchlistText returns the entries of a watchlist file; errors are ConfigError naming the line. */
export async function parseWatchlistText(text: string, label: string): Promise<WatchEntry[]> {
  const url = text.length >= WORKER_THRESHOLD ? workerModule('parse-worker.js') : undefined;
  if (!url) return parseWatchlistFile(text, label);
  const worker = new Worker(url, { workerData: { text, label } });
  try {
    const answer = await new Promise<{ entries?: WatchEntry[]; error?: string; config?: boolean }>(
      (resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new CertmedicError('input', `the watchlist parser exited with ${code}`)));
      },
    );
    if (answer.entries) return answer.entries;
    throw answer.config ? new ConfigError(answer.error ?? 'invalid watchlist') : new Error(answer.error);
  } finally {
    await worker.terminate();
  }
}
