/**
 * Runbook step 7, the renewal schedule: is the window open with nothing happening, is the window
 * long enough for the lifetime and the retries, is the schedule in UTC, are retries configured.
 * Lifetimes follow CA/Browser Forum ballot SC-081 (BR 6.3.2): at most 200 days from 2026-03-15,
 * 100 from 2027-03-15, 47 from 2029-03-15; renewal software renews at about a third remaining.
 */
import { finding } from '../../core/catalog.js';
import type { Finding } from '../../core/finding.js';
import { describeSchedule, isUtcZone } from '../../inventory/schedule.js';
import type { Renewal } from '../../inventory/schema.js';
import type { CertificateView } from '../../inventory/store.js';

const DAY = 86_400_000;

/** The maximum TLS server certificate lifetimes by date (BR 6.3.2 after ballot SC-081). */
export const LIFETIME_CAPS: readonly { from: string; days: number }[] = [
  { from: '2026-03-15', days: 200 },
  { from: '2027-03-15', days: 100 },
  { from: '2029-03-15', days: 47 },
];

/** maxLifetimeDays returns the maximum lifetime of a certificate issued at `at` (398 before 2026-03-15). */
export function maxLifetimeDays(at: number): number {
  let days = 398;
  for (const cap of LIFETIME_CAPS) if (at >= Date.parse(`${cap.from}T00:00:00Z`)) days = cap.days;
  return days;
}

/** lifetimeMs returns the certificate's lifetime: from the issued certificate, the config, or the cap. */
export function lifetimeMs(view: CertificateView, now: number): { ms: number; source: string } {
  const nb = view.issued?.notBefore;
  const na = view.issued?.notAfter;
  if (nb && na && Date.parse(na) > Date.parse(nb)) return { ms: Date.parse(na) - Date.parse(nb), source: 'issued' };
  if (view.cert.lifetimeDays) return { ms: view.cert.lifetimeDays * DAY, source: 'config' };
  return { ms: maxLifetimeDays(now) * DAY, source: 'maximum' };
}

/** windowMs returns the renewal window: the larger of windowDays and windowFraction × lifetime. */
export function windowMs(r: Pick<Renewal, 'windowDays' | 'windowFraction'> | undefined, lifetime: number): number {
  if (!r) return lifetime / 3;
  return Math.max((r.windowDays ?? 0) * DAY, (r.windowFraction ?? 0) * lifetime);
}

/** retrySpanMs returns how long all retries take: backoff × factor^n summed over the retries. */
export function retrySpanMs(r: Renewal): number {
  if (!r.retries) return 0;
  let total = 0;
  for (let i = 0; i < r.retries.count; i++) total += r.retries.backoffMinutes * r.retries.factor ** i * 60_000;
  return total;
}

const days = (ms: number) => Number((ms / DAY).toFixed(1));

/** fractionFix returns the suggested setting, with what it means for this lifetime and the next caps. */
function fractionFix(lifetime: number, now: number): string {
  const next = LIFETIME_CAPS.filter((c) => Date.parse(`${c.from}T00:00:00Z`) > now)
    .map((c) => `${c.days}-day certificates renew with ${days((c.days * DAY) / 3)} days left (from ${c.from})`)
    .join('; ');
  return `Set \`windowFraction: 0.33\`: this ${days(lifetime)}-day certificate then renews with ${days(lifetime / 3)} days left${next ? `; ${next}` : ''}.`;
}

/** windowFindings judges the window against the lifetime and the retry backoff. */
function windowFindings(view: CertificateView, r: Renewal, now: number): Finding[] {
  const life = lifetimeMs(view, now);
  const win = windowMs(r, life.ms);
  const span = retrySpanMs(r);
  const ev = { windowDays: days(win), lifetimeDays: days(life.ms), lifetimeSource: life.source };
  if (win >= life.ms) {
    return [
      finding(
        'renewal.window_exceeds_lifetime',
        `The renewal window (${days(win)} days) is as long as the ${days(life.ms)}-day lifetime of ${view.cert.id}: every run renews again`,
        ev,
        { fixes: [fractionFix(life.ms, now)] },
      ),
    ];
  }
  const minimum = Math.max(life.ms / 6, span + DAY);
  if (win < minimum) {
    const why =
      win < span + DAY
        ? `the ${r.retries!.count} retries take ${days(span)} days`
        : `that is ${Math.round((win / life.ms) * 100)}% of the ${days(life.ms)}-day lifetime (about a third is usual)`;
    return [
      finding(
        'renewal.window_too_short',
        `${view.cert.id} renews only ${days(win)} days before expiry; ${why}`,
        { ...ev, retrySpanDays: days(span) },
        { fixes: [fractionFix(life.ms, now)] },
      ),
    ];
  }
  return [];
}

/**
 * notTriggered returns renewal.not_triggered when the window opened more than `graceHours` ago
 * and no renewal was scheduled, no order moved and no certificate was issued since then (or a
 * scheduled renewal is overdue by the grace period).
 */
function notTriggered(view: CertificateView, r: Renewal | undefined, now: number): Finding[] {
  const notAfter = view.issued?.notAfter ? Date.parse(view.issued.notAfter) : undefined;
  if (notAfter === undefined) return [];
  const life = lifetimeMs(view, now);
  const opens = notAfter - windowMs(r, life.ms);
  const grace = (r?.graceHours ?? 24) * 3_600_000;
  if (now < opens + grace) return [];
  const since = (t: string | undefined) => t !== undefined && Date.parse(t) >= opens;
  if (since(view.order?.at)) return [];
  const scheduled = view.renewal;
  if (since(scheduled?.at)) {
    const due = scheduled?.scheduledFor ? Date.parse(scheduled.scheduledFor) : undefined;
    if (due === undefined || now < due + grace) return [];
  }
  const ev = {
    notAfter: view.issued!.notAfter,
    windowOpenedAt: new Date(opens).toISOString(),
    ...(scheduled ? { lastScheduled: scheduled } : {}),
  };
  const expired = now >= notAfter;
  const detail = `${view.cert.id} ${expired ? 'expired' : 'expires'} at ${view.issued!.notAfter}; its renewal window opened ${new Date(opens).toISOString()}${
    scheduled && since(scheduled.at)
      ? ` and a renewal was scheduled for ${scheduled.scheduledFor}, but no order followed`
      : ' and no renewal was scheduled, ordered or issued since'
  }`;
  return [finding('renewal.not_triggered', detail, ev)];
}

/** renewalFindings returns the findings about the certificate's renewal policy at `now`. */
export function renewalFindings(view: CertificateView, now: number): Finding[] {
  const r = view.cert.renewal;
  const out: Finding[] = [...notTriggered(view, r, now)];
  if (!r) return out;
  out.push(...windowFindings(view, r, now));
  const s = r.schedule;
  if (s && !isUtcZone(s.timezone)) {
    out.push(
      finding(
        'renewal.schedule_timezone',
        `The renewal schedule of ${view.cert.id} is ${describeSchedule(s)}, not UTC`,
        { schedule: s },
        { fixes: [`Convert the schedule to UTC and set \`timezone: UTC\`.`] },
      ),
    );
  }
  if (!r.retries || r.retries.count === 0) {
    out.push(
      finding(
        'renewal.no_retry',
        `${view.cert.id} has ${r.retries ? 'retries.count: 0' : 'no retries'} in its renewal policy`,
        { retries: r.retries ?? null },
        { fixes: ['Add `retries: { count: 3, backoffMinutes: 60, factor: 2 }` to the renewal policy.'] },
      ),
    );
  }
  return out;
}
