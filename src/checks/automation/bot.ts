/**
 * Runbook step 1, the provisioning bot: active, seen recently, token valid, registered for
 * provisioning, and available when the renewal is scheduled to run.
 */
import { finding } from '../../core/catalog.js';
import type { Finding } from '../../core/finding.js';
import { describeSchedule, isAvailable, nextRuns } from '../../inventory/schedule.js';
import type { CertificateView } from '../../inventory/store.js';

const DAY = 86_400_000;
/** A token expiring within this many days is flagged. */
export const TOKEN_WARN_DAYS = 14;
/** A bot is stale after this many missed heartbeat intervals. */
export const STALE_INTERVALS = 3;

function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** botFindings returns the findings about the certificate's provisioning bot at `now`. */
export function botFindings(view: CertificateView, now: number): Finding[] {
  const bot = view.bot;
  if (!bot) return [];
  const out: Finding[] = [];
  const ev = { bot: bot.id };
  if (bot.status !== 'active') {
    out.push(
      finding('bot.inactive', `Bot ${bot.id} is ${bot.status}; certificate ${view.cert.id} depends on it`, {
        ...ev,
        status: bot.status,
      }),
    );
  }
  if (bot.purpose !== 'provisioning') {
    out.push(
      finding(
        'bot.wrong_purpose',
        `Bot ${bot.id} is registered for ${bot.purpose}, not provisioning, so it never requests or deploys ${view.cert.id}`,
        { ...ev, purpose: bot.purpose },
      ),
    );
  }
  const limitMs = bot.heartbeatIntervalMinutes * STALE_INTERVALS * 60_000;
  if (!bot.lastHeartbeat) {
    out.push(
      finding('bot.heartbeat_stale', `No heartbeat has ever been recorded for bot ${bot.id}`, {
        ...ev,
        lastHeartbeat: null,
      }),
    );
  } else if (now - Date.parse(bot.lastHeartbeat) > limitMs) {
    const mins = Math.round((now - Date.parse(bot.lastHeartbeat)) / 60_000);
    out.push(
      finding(
        'bot.heartbeat_stale',
        `Bot ${bot.id} last checked in ${formatMinutes(mins)} ago (${bot.lastHeartbeat}); it reports every ${bot.heartbeatIntervalMinutes} min`,
        { ...ev, lastHeartbeat: bot.lastHeartbeat, minutesSince: mins },
        { fixes: bot.host ? [`Check the agent on ${bot.host} and its network path to the platform.`] : [] },
      ),
    );
  }
  if (bot.tokenExpiresAt) {
    const left = Date.parse(bot.tokenExpiresAt) - now;
    if (left <= 0) {
      out.push(
        finding('bot.token_expired', `The token of bot ${bot.id} expired at ${bot.tokenExpiresAt}`, {
          ...ev,
          tokenExpiresAt: bot.tokenExpiresAt,
        }),
      );
    } else if (left < TOKEN_WARN_DAYS * DAY) {
      out.push(
        finding(
          'bot.token_expiring',
          `The token of bot ${bot.id} expires at ${bot.tokenExpiresAt} (in ${(left / DAY).toFixed(1)} days)`,
          { ...ev, tokenExpiresAt: bot.tokenExpiresAt, daysLeft: Number((left / DAY).toFixed(1)) },
        ),
      );
    }
  }
  const schedule = view.cert.renewal?.schedule;
  if (schedule && bot.availability && bot.availability.length > 0) {
    const runs = nextRuns(schedule, now, 200, 14);
    const outside = runs.filter((t) => !isAvailable(bot.availability, t));
    if (outside.length > 0) {
      const windows = bot.availability.map((w) => `${w.days.join(',')} ${w.from}-${w.to} ${w.timezone}`).join('; ');
      out.push(
        finding(
          'bot.unavailable_at_schedule',
          `${outside.length} of the next ${runs.length} renewal runs (${describeSchedule(schedule)}) fall outside the availability of bot ${bot.id} (${windows}), first at ${utc(outside[0]!)}`,
          { ...ev, schedule, availability: bot.availability, outside: outside.slice(0, 5).map(utc) },
        ),
      );
    }
  }
  return out;
}

function formatMinutes(m: number): string {
  if (m < 120) return `${m} min`;
  if (m < 48 * 60) return `${(m / 60).toFixed(1)} h`;
  return `${(m / 1440).toFixed(1)} days`;
}
