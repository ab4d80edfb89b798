/**
 * Renewal schedules and bot availability windows: a small 5-field cron parser (minute hour
 * day-of-month month day-of-week, with `*`, lists, ranges and steps), or a time of day on some
 * weekdays, evaluated in the schedule's IANA time zone with luxon; instants are returned in UTC.
 */
import { DateTime } from 'luxon';
import type { Availability, Schedule } from './schema.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

interface CronFields {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  /** 1 = Monday ... 7 = Sunday (luxon's weekday). */
  dow: Set<number>;
  domAny: boolean;
  dowAny: boolean;
}

const DOW_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** parseField expands one cron field (`*`, `5`, `1-5`, `*\/15`, `mon-fri`, lists) into its values. */
function parseField(text: string, min: number, max: number, names?: Record<string, number>): Set<number> {
  const out = new Set<number>();
  const value = (t: string): number => {
    const named = names?.[t.toLowerCase()];
    const n = named ?? (/^\d+$/.test(t) ? Number(t) : Number.NaN);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`invalid value ${JSON.stringify(t)}`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`invalid step in ${JSON.stringify(part)}`);
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = min;
      hi = max;
    } else if (range?.includes('-')) {
      const [a, b] = range.split('-');
      lo = value(a ?? '');
      hi = value(b ?? '');
    } else {
      lo = value(range ?? '');
      hi = stepText === undefined ? lo : max;
    }
    if (lo > hi) throw new Error(`invalid range ${JSON.stringify(part)}`);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** parseCron parses a 5-field cron expression; it throws Error naming the bad field. */
export function parseCron(expr: string): CronFields {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected 5 fields (minute hour day month weekday), got ${fields.length}`);
  const [mi, h, dom, mon, dow] = fields as [string, string, string, string, string];
  const monthNames = Object.fromEntries(MONTH_NAMES.map((m, i) => [m, i + 1]));
  const dowRaw = parseField(dow, 0, 7, DOW_NAMES);
  return {
    minute: parseField(mi, 0, 59),
    hour: parseField(h, 0, 23),
    dom: parseField(dom, 1, 31),
    month: parseField(mon, 1, 12, monthNames),
    dow: new Set([...dowRaw].map((d) => (d === 0 ? 7 : d))),
    domAny: dom === '*',
    dowAny: dow === '*',
  };
}

/** scheduleError returns why a schedule cannot be evaluated (bad cron, unknown zone), or undefined. */
export function scheduleError(s: Schedule): string | undefined {
  if (!DateTime.now().setZone(s.timezone).isValid) return `unknown time zone ${JSON.stringify(s.timezone)}`;
  if (s.cron !== undefined) {
    try {
      parseCron(s.cron);
    } catch (err) {
      return `invalid cron ${JSON.stringify(s.cron)}: ${(err as Error).message}`;
    }
  }
  return undefined;
}

/** dayMatches applies cron's rule: when both day fields are restricted, either may match. */
function dayMatches(c: CronFields, t: DateTime): boolean {
  const dom = c.dom.has(t.day);
  const dow = c.dow.has(t.weekday);
  if (c.domAny && c.dowAny) return true;
  if (c.domAny) return dow;
  if (c.dowAny) return dom;
  return dom || dow;
}

/**
 * nextRuns returns up to `limit` run instants (epoch ms, UTC) of the schedule after `from`,
 * looking at most `horizonDays` ahead. Wall-clock times skipped by a DST change do not run.
 */
export function nextRuns(s: Schedule, from: number, limit: number, horizonDays = 14): number[] {
  if (scheduleError(s)) return [];
  const out: number[] = [];
  let t = DateTime.fromMillis(from, { zone: s.timezone }).startOf('minute').plus({ minutes: 1 });
  const end = from + horizonDays * 86_400_000;
  if (s.at !== undefined) {
    const [hh, mm] = s.at.split(':').map(Number) as [number, number];
    const days = new Set((s.days ?? WEEKDAYS).map((d) => WEEKDAYS.indexOf(d) + 1));
    for (let day = t.startOf('day'); day.toMillis() <= end && out.length < limit; day = day.plus({ days: 1 })) {
      const run = day.set({ hour: hh, minute: mm });
      if (run.hour !== hh || run.minute !== mm) continue; // skipped by DST
      if (days.has(run.weekday) && run.toMillis() > from && run.toMillis() <= end) out.push(run.toMillis());
    }
    return out;
  }
  const c = parseCron(s.cron!);
  while (t.toMillis() <= end && out.length < limit) {
    if (!c.month.has(t.month) || !dayMatches(c, t)) {
      t = t.plus({ days: 1 }).startOf('day');
      continue;
    }
    if (!c.hour.has(t.hour)) {
      t = t.plus({ hours: 1 }).startOf('hour');
      continue;
    }
    if (c.minute.has(t.minute)) out.push(t.toMillis());
    t = t.plus({ minutes: 1 });
  }
  return out;
}

/** isUtcZone returns true for zone names that mean UTC. */
export function isUtcZone(zone: string): boolean {
  return /^(utc|etc\/utc|etc\/uct|uct|z|zulu|etc\/zulu|gmt|etc\/gmt|etc\/gmt[+-]0|universal|etc\/universal)$/i.test(
    zone.trim(),
  );
}

/** minutesOf returns minutes since midnight of `HH:MM`. */
function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/**
 * isAvailable returns true when the instant falls in one of the windows (each in its own zone);
 * a window whose `to` is before `from` runs past midnight. No windows means always available.
 */
export function isAvailable(windows: readonly Availability[] | undefined, at: number): boolean {
  if (!windows || windows.length === 0) return true;
  return windows.some((w) => {
    const t = DateTime.fromMillis(at, { zone: w.timezone });
    if (!t.isValid) return false;
    const days = new Set(w.days.map((d) => WEEKDAYS.indexOf(d) + 1));
    const m = t.hour * 60 + t.minute;
    const from = minutesOf(w.from);
    const to = minutesOf(w.to);
    if (from <= to) return days.has(t.weekday) && m >= from && m < to;
    // Overnight window: the part after midnight belongs to the previous day's window.
    if (m >= from) return days.has(t.weekday);
    const prev = t.minus({ days: 1 }).weekday;
    return m < to && days.has(prev);
  });
}

/** describeSchedule returns e.g. `cron "0 3 * * *" (Europe/Berlin)` or `03:00 mon,wed (UTC)`. */
export function describeSchedule(s: Schedule): string {
  const what = s.cron !== undefined ? `cron "${s.cron}"` : `${s.at}${s.days ? ` ${s.days.join(',')}` : ' daily'}`;
  return `${what} (${s.timezone})`;
}
