/**
 * Provisioning-log classification: `classifyLog()` reads a log (text, bytes or a stream, in flat
 * memory) line by line against the rule table (log-rules.ts) and returns a Report whose first
 * finding is the primary cause — the category of the first failing line, critical — followed by
 * the other categories found (warnings, by confidence), or `log.unknown` (info) when nothing is
 * recognisable. Used by `certmedic classify-log`, `/cert log` and the deployment-failure alerts.
 */
import { StringDecoder } from 'node:string_decoder';
import { finding } from '../../core/catalog.js';
import { type Finding, makeReport, type Report } from '../../core/finding.js';
import { prefilterSource } from './log-prefilter.js';
import { BUILTIN_RULES, type Confidence, type LogCode, type LogRule } from './log-rules.js';

export { BUILTIN_RULES, LOG_CODES, type LogCode, type LogRule } from './log-rules.js';

export interface LogMatch {
  /** 1-based line number. */
  line: number;
  /** The line, control characters removed, cut to 300 characters. */
  text: string;
  /** The id of the rule that matched. */
  rule: string;
}

export interface LogReport extends Report {
  /** The primary cause: the same as `findings[0].code`. */
  code: string;
  /** The code without `log.`: `dcv_failure`, ..., `unknown`. */
  category: string;
  /** Matched lines in log order, at most 50 (the first line of every category is always kept). */
  matches: LogMatch[];
}

export interface ClassifyOptions {
  /** The file path or `-`, as the report's target. */
  target?: string;
  /** Extra rules (from the config file), tried before the built-in ones. */
  rules?: readonly LogRule[];
}

export type LogInput = string | Buffer | AsyncIterable<string | Buffer> | Iterable<string | Buffer>;

export const MAX_MATCHES = 50;
const MAX_LINE = 64 * 1024;
const MAX_TEXT = 300;
const RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };

interface CategoryStats {
  code: LogCode;
  /** The first match at each confidence rank (1 low, 2 medium, 3 high) with its rule. */
  firsts: ({ match: LogMatch; rule: LogRule } | undefined)[];
  count: number;
  best: number;
  lines: number[];
}

/** representative returns the first line of the category's best confidence: the one to quote. */
function representative(c: CategoryStats): { match: LogMatch; rule: LogRule } {
  return c.firsts[c.best]!;
}

/** firstConfidentLine returns the first line matched by a medium- or high-confidence rule. */
function firstConfidentLine(c: CategoryStats): number {
  const none = Number.POSITIVE_INFINITY;
  return Math.min(c.firsts[2]?.match.line ?? none, c.firsts[3]?.match.line ?? none);
}

/** cleanLine strips ANSI colour codes and control characters and cuts the line for quoting. */
function cleanLine(line: string): string {
  const plain = line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, ' ');
  const trimmed = plain.trim();
  return trimmed.length > MAX_TEXT ? `${trimmed.slice(0, MAX_TEXT - 1)}…` : trimmed;
}

/**
 * LogClassifier is the streaming core: push() text as it arrives, end() for the report. It keeps
 * only the unfinished last line (at most 64 KiB), the per-category counts and the quoted matches.
 */
export class LogClassifier {
  private readonly rules: readonly LogRule[];
  /** Keywords of every rule (log-prefilter.ts): a superset test that skips most lines fast. */
  private readonly prefilter: RegExp;
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private lineNo = 0;
  private bytes = 0;
  private longLines = 0;
  /** Whether anything but whitespace was seen (a blank log is empty input to the CLI). */
  private sawText = false;
  /** Whether the last piece scanned was part of a long line still without its newline. */
  private inLongLine = false;
  private readonly categories = new Map<LogCode, CategoryStats>();
  private readonly matches: LogMatch[] = [];
  private readonly started = performance.now();

  constructor(private readonly options: ClassifyOptions = {}) {
    this.rules = [...(options.rules ?? []), ...BUILTIN_RULES];
    this.prefilter = new RegExp(prefilterSource(this.rules.map((r) => r.pattern)).source, 'gim');
  }

  /** push feeds the next piece of the log. */
  push(chunk: string | Buffer): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (!this.sawText && /\S/.test(text)) this.sawText = true;
    this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    let buf = this.pending + text;
    const lastNl = buf.lastIndexOf('\n');
    if (lastNl === -1) {
      this.pending = buf;
      if (this.pending.length > MAX_LINE) this.flushLongLine();
      return;
    }
    this.scan(buf, lastNl + 1);
    this.inLongLine = false;
    buf = buf.slice(lastNl + 1);
    this.pending = buf;
    if (this.pending.length > MAX_LINE) this.flushLongLine();
  }

  /**
   * flushLongLine scans an over-long unfinished line piece by piece (binary or minified input);
   * the pieces keep the line's number, so later lines keep theirs whatever the chunk sizes.
   */
  private flushLongLine(): void {
    this.longLines++;
    const line = this.pending;
    this.pending = '';
    this.scan(`${line}\n`, line.length + 1);
    this.lineNo--;
    this.inLongLine = true;
  }

  /**
   * scan runs the prefilter over text[0, end) (whole lines only); for each hit it finds the line,
   * classifies it with the rules in order and resumes at the next line.
   */
  private scan(text: string, end: number): void {
    const re = this.prefilter;
    let lineStart = 0;
    let lineNo = this.lineNo;
    re.lastIndex = 0;
    for (;;) {
      const m = re.exec(text);
      if (!m || m.index >= end) break;
      let s = text.lastIndexOf('\n', m.index - 1) + 1;
      if (m.index === 0) s = 0;
      for (let i = text.indexOf('\n', lineStart); i !== -1 && i < s; i = text.indexOf('\n', i + 1)) lineNo++;
      let e = text.indexOf('\n', m.index);
      if (e === -1 || e > end) e = end;
      this.classifyLine(text.slice(s, e), lineNo + 1);
      lineStart = s;
      re.lastIndex = e + 1;
      if (m[0].length === 0 && re.lastIndex <= m.index) re.lastIndex = m.index + 1;
    }
    for (let i = text.indexOf('\n', lineStart); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) lineNo++;
    this.lineNo = lineNo;
  }

  /** classifyLine applies the first matching rule to one line. */
  private classifyLine(raw: string, lineNo: number): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    for (const rule of this.rules) {
      if (!rule.pattern.test(line)) continue;
      const match: LogMatch = { line: lineNo, text: cleanLine(line), rule: rule.id };
      const rank = RANK[rule.confidence ?? 'high'];
      let stats = this.categories.get(rule.code);
      if (!stats) {
        stats = { code: rule.code, firsts: [], count: 0, best: rank, lines: [] };
        this.categories.set(rule.code, stats);
      }
      stats.count++;
      if (stats.lines.length < 10) stats.lines.push(lineNo);
      stats.best = Math.max(stats.best, rank);
      const isFirst = !stats.firsts[rank];
      if (isFirst) stats.firsts[rank] = { match, rule };
      if (this.matches.length < MAX_MATCHES || isFirst) this.matches.push(match);
      return;
    }
  }

  /** end finishes the log and returns the report. */
  end(): LogReport {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest !== '') this.scan(`${rest}\n`, rest.length + 1);
    else if (this.inLongLine) this.lineNo++;
    const target = this.options.target ?? '-';
    const cats = [...this.categories.values()];
    const facts = {
      lines: this.lineNo,
      bytes: this.bytes,
      rules: this.rules.length,
      ...(this.longLines ? { longLines: this.longLines } : {}),
      ...(this.sawText || /\S/.test(rest) ? {} : { blank: true }),
    };
    const checks = [{ name: 'log.classify', state: 'ran' as const }];
    if (cats.length === 0) {
      const f = finding(
        'log.unknown',
        `none of the ${this.rules.length} rules matched any of the ${this.lineNo} lines`,
        {
          lines: this.lineNo,
        },
      );
      const report = makeReport(target, [f], checks, facts, performance.now() - this.started);
      return { ...report, code: 'log.unknown', category: 'unknown', matches: [] };
    }
    const confident = cats.filter((c) => c.best > RANK.low);
    const line = (c: CategoryStats) => representative(c).match.line;
    const primary =
      confident.length > 0
        ? confident.reduce((a, b) => (firstConfidentLine(b) < firstConfidentLine(a) ? b : a))
        : cats.reduce((a, b) => (line(b) < line(a) ? b : a));
    const others = cats
      .filter((c) => c !== primary)
      .sort((a, b) => b.best - a.best || b.count - a.count || line(a) - line(b));
    const findings: Finding[] = [primary, ...others].map((c) => categoryFinding(c, c === primary));
    const report = makeReport(target, findings, checks, facts, performance.now() - this.started);
    return { ...report, code: primary.code, category: primary.code.slice(4), matches: this.keptMatches() };
  }

  /** keptMatches returns at most 50 matches in line order, always keeping each category's first line. */
  private keptMatches(): LogMatch[] {
    const firsts = new Set<LogMatch>();
    for (const c of this.categories.values()) for (const f of c.firsts) if (f) firsts.add(f.match);
    const kept: LogMatch[] = [...firsts];
    for (const m of this.matches) {
      if (kept.length >= MAX_MATCHES) break;
      if (!firsts.has(m)) kept.push(m);
    }
    return kept.slice(0, MAX_MATCHES).sort((a, b) => a.line - b.line);
  }
}

/** categoryFinding builds the finding of one category: the first line quoted, the rule's words and fixes. */
function categoryFinding(c: CategoryStats, primary: boolean): Finding {
  const { match, rule } = representative(c);
  const more = c.count > 1 ? ` (and ${c.count - 1} more line${c.count > 2 ? 's' : ''})` : '';
  return finding(
    c.code,
    `line ${match.line}: ${match.text}${more} — ${rule.explanation}`,
    {
      category: c.code.slice(4),
      rule: rule.id,
      line: match.line,
      text: match.text,
      count: c.count,
      lines: c.lines,
    },
    { severity: primary ? 'critical' : 'warning', ...(rule.fixes ? { fixes: rule.fixes } : {}) },
  );
}

function isAsyncIterable(x: unknown): x is AsyncIterable<string | Buffer> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

/** classifyLogText classifies a whole log held in memory (chat modals, webhook payloads). */
export function classifyLogText(text: string | Buffer, options: ClassifyOptions = {}): LogReport {
  const c = new LogClassifier(options);
  c.push(text);
  return c.end();
}

/**
 * classifyLog classifies a log given as text, bytes or a stream of chunks (a file read stream,
 * stdin), reading it once in flat memory.
 */
export async function classifyLog(input: LogInput, options: ClassifyOptions = {}): Promise<LogReport> {
  if (typeof input === 'string' || Buffer.isBuffer(input)) return classifyLogText(input, options);
  const c = new LogClassifier(options);
  if (isAsyncIterable(input)) {
    for await (const chunk of input) c.push(chunk);
  } else {
    for (const chunk of input) c.push(chunk);
  }
  return c.end();
}
