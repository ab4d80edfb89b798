/**
 * The pool's worker thread: receives scan settings and jobs from pool.ts, runs each with
 * scanOne() (many in flight at once) and posts every Report back as soon as it is ready.
 */
import { parentPort } from 'node:worker_threads';
import type { Report } from '../core/finding.js';
import { type ScanJob, type ScanSettings, scanOne } from './scan.js';

type Inbound = { type: 'settings'; id: number; settings: ScanSettings } | { type: 'job'; id: number; job: ScanJob };

const settings = new Map<number, ScanSettings>();

/** send posts a report; one that structured clone refuses goes as plain JSON data instead. */
function send(index: number, report: Report): void {
  try {
    parentPort?.postMessage({ type: 'report', index, report });
  } catch {
    parentPort?.postMessage({ type: 'report', index, report: JSON.parse(JSON.stringify(report)) as Report });
  }
}

parentPort?.on('message', (m: Inbound) => {
  if (m.type === 'settings') {
    settings.clear();
    settings.set(m.id, m.settings);
    return;
  }
  const s = settings.get(m.id);
  if (!s) {
    parentPort?.postMessage({ type: 'error', index: m.job.index, error: 'no settings for this scan' });
    return;
  }
  void scanOne(m.job.req, s).then((report) => send(m.job.index, report));
});
