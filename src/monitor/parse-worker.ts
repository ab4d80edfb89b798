/**
 * A short-lived worker that parses and validates a large watchlist file: the YAML document of a
 * 10,000-target list takes ~80 MB of heap while it is built, and a worker's heap is returned to
 * the system when it ends, so the scan that follows does not carry it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../core/errors.js';
import { parseWatchlistFile } from './watchlist.js';

const { text, label } = workerData as { text: string; label: string };
try {
  parentPort?.postMessage({ entries: parseWatchlistFile(text, label) });
} catch (err) {
  parentPort?.postMessage({ error: (err as Error).message, config: err instanceof ConfigError });
}
