/**
 * Report -> terminal text (colours only when asked, i.e. on a TTY) and markdown. The same words
 * as the Block Kit renderer: title, detail, likely cause, fixes, footer.
 */
import { catalogEntry } from '../core/catalog.js';
import type { Finding, Report, Severity, Status } from '../core/finding.js';

export interface TextOptions {
  color?: boolean;
  /** Show info findings' evidence and every check run. */
  verbose?: boolean;
}

const CODES = { red: 31, yellow: 33, green: 32, cyan: 36, dim: 2, bold: 1 } as const;
type Colour = keyof typeof CODES;

export const STATUS_LABEL: Record<Status, string> = { ok: 'OK', warning: 'WARNING', critical: 'CRITICAL' };
export const SEVERITY_LABEL: Record<Severity, string> = { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' };
const SEVERITY_MARK: Record<Severity, string> = { critical: '✖', warning: '▲', info: 'ℹ' };
const SEVERITY_COLOUR: Record<Severity, Colour> = { critical: 'red', warning: 'yellow', info: 'cyan' };
const STATUS_COLOUR: Record<Status, Colour> = { ok: 'green', warning: 'yellow', critical: 'red' };

/** likelyCause returns the catalog's plain-language cause for a finding. */
export function likelyCause(f: Finding): string | undefined {
  return catalogEntry(f.code)?.why;
}

/** summaryLine returns e.g. "CRITICAL: 2 critical, 1 warning". */
export function summaryLine(report: Report): string {
  const counts = (['critical', 'warning', 'info'] as Severity[])
    .map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s === 'info' ? 'info' : s}${n > 1 && s !== 'info' ? 's' : ''}`);
  return `${STATUS_LABEL[report.status]}${counts.length ? `: ${counts.join(', ')}` : ': no problems found'}`;
}

/** footerLine returns the context line: resolver, duration and the UTC time. */
export function footerLine(report: Report): string {
  const parts: string[] = [];
  if (report.facts['resolver']) parts.push(`resolver ${String(report.facts['resolver'])}`);
  parts.push(`${report.durationMs} ms`);
  const at = typeof report.facts['startedAt'] === 'string' ? report.facts['startedAt'] : undefined;
  if (at)
    parts.push(
      `${at
        .replace('T', ' ')
        .replace(/\.\d+Z$/, '')
        .replace(/Z$/, '')} UTC`,
    );
  return parts.join(' · ');
}

/** addressLines returns one compact line per probed address (`127.0.0.2: http01 404, tls ok`). */
export function addressLines(report: Report): string[] {
  const list = Array.isArray(report.facts['addresses']) ? (report.facts['addresses'] as Record<string, unknown>[]) : [];
  return list.map((a) => {
    const rest = Object.entries(a)
      .filter(([k]) => k !== 'address' && k !== 'family')
      .map(
        ([k, v]) =>
          `${k} ${typeof v === 'object' && v !== null ? String((v as Record<string, unknown>)['summary'] ?? JSON.stringify(v)) : String(v)}`,
      );
    return `${String(a['address'])}${rest.length ? `: ${rest.join(', ')}` : ''}`;
  });
}

/** renderText returns the report as terminal text. */
export function renderText(report: Report, options: TextOptions = {}): string {
  const c = (colour: Colour, s: string) => (options.color ? `\x1b[${CODES[colour]}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  lines.push(`${c('bold', `certmedic · ${report.target}`)}  ${c(STATUS_COLOUR[report.status], summaryLine(report))}`);
  lines.push('');
  for (const f of report.findings) {
    lines.push(
      `${c(SEVERITY_COLOUR[f.severity], `${SEVERITY_MARK[f.severity]} ${SEVERITY_LABEL[f.severity]}`)}  ${c('bold', f.title)}  ${c('dim', `[${f.code}]`)}`,
    );
    lines.push(`  ${f.detail}`);
    const why = likelyCause(f);
    if (why && f.severity !== 'info') lines.push(`  ${c('dim', 'Likely cause:')} ${why}`);
    if (f.fixes.length > 0 && f.severity !== 'info') {
      lines.push(`  ${c('dim', 'Fix:')}`);
      for (const fix of f.fixes) lines.push(`    • ${fix}`);
    }
    lines.push('');
  }
  const addrs = addressLines(report);
  if (addrs.length > 0) {
    lines.push(c('dim', 'Addresses:'));
    for (const a of addrs) lines.push(`  ${a}`);
  }
  const checks = report.checks
    .filter((r) => options.verbose || r.state !== 'skipped' || r.reason)
    .map((r) => (r.state === 'ran' ? r.name : `${r.name} ${r.state}${r.reason ? ` (${r.reason})` : ''}`));
  lines.push(c('dim', `Checks: ${checks.join(' · ')}`));
  lines.push(c('dim', footerLine(report)));
  return `${lines.join('\n')}\n`;
}

/** renderJson returns the report as one JSON document. */
export function renderJson(report: Report | Report[]): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
