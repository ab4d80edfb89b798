/**
 * The pool's worker thread: receives scan settings and jobs from pool.ts, runs each with
 * scanOne() (many in flight at once) and posts every Report back as soon as it is ready.
 */
import { parentPort } from 'node:worker_threads';
import type { Report } from '../core/finding.js';
import { type ScanJob, type ScanSettings, scanOne } from './scan.js';

type Inbound = { type: 'settings'; id: number; settings: ScanSettings } | { type: 'job'; id: number; job: ScanJob };

const settings = new Map<number, ScanSettings>();

/** cloneable returns the report as plain JSON data when structured clone would refuse it. */
function cloneable(report: Report): Report {
  try {
    structuredClone(report);
    return report;
  } catch {
    return JSON.parse(JSON.stringify(report)) as Report;
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
  void scanOne(m.job.req, s).then((report) => {
    parentPort?.postMessage({ type: 'report', index: m.job.index, report: cloneable(report) });
  });
});
