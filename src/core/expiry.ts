/**
 * Expiry thresholds, as fractions of a certificate's lifetime capped by days: renewal software
 * renews at about a third of the lifetime remaining (certbot, Caddy; RFC 9773 ARI windows), so a
 * fixed "30 days before expiry" rule is wrong for 6-day and 47-day certificates (CA/B Forum SC-081).
 * The endpoint check and the proactive alerts share these numbers.
 */

const DAY_MS = 86_400_000;

export interface ExpiryPolicy {
  /** Warn when less than this fraction of the lifetime remains ... */
  warnFraction: number;
  /** ... or less than this many ms, whichever is smaller. */
  warnMaxMs: number;
  /** Critical when less than this fraction of the lifetime remains ... */
  criticalFraction: number;
  /** ... or less than this many ms, whichever is smaller. */
  criticalMaxMs: number;
}

/** DEFAULT_EXPIRY: warning below min(lifetime/3, 30 days), critical below min(lifetime/10, 7 days). */
export const DEFAULT_EXPIRY: ExpiryPolicy = {
  warnFraction: 1 / 3,
  warnMaxMs: 30 * DAY_MS,
  criticalFraction: 1 / 10,
  criticalMaxMs: 7 * DAY_MS,
};

export type ExpiryState = 'not_yet_valid' | 'expired' | 'critical' | 'warning' | 'ok';

export interface ExpiryThresholds {
  warningMs: number;
  criticalMs: number;
}

/**
 * expiryThresholds returns the remaining-time thresholds for a certificate of the given lifetime
 * (notAfter − notBefore): a 90-day certificate warns at 30 days and is critical at 7; a 47-day one
 * at 15.7 and 4.7; a 6-day one at 2 and 0.6.
 */
export function expiryThresholds(lifetimeMs: number, policy: ExpiryPolicy = DEFAULT_EXPIRY): ExpiryThresholds {
  const lifetime = Math.max(0, lifetimeMs);
  return {
    warningMs: Math.min(lifetime * policy.warnFraction, policy.warnMaxMs),
    criticalMs: Math.min(lifetime * policy.criticalFraction, policy.criticalMaxMs),
  };
}

/** expiryState returns where `now` falls in the validity window [notBefore, notAfter] (RFC 5280 §4.1.2.5). */
export function expiryState(
  notBeforeMs: number,
  notAfterMs: number,
  nowMs: number,
  policy: ExpiryPolicy = DEFAULT_EXPIRY,
): ExpiryState {
  if (nowMs < notBeforeMs) return 'not_yet_valid';
  if (nowMs > notAfterMs) return 'expired';
  const t = expiryThresholds(notAfterMs - notBeforeMs, policy);
  const remaining = notAfterMs - nowMs;
  if (remaining < t.criticalMs) return 'critical';
  if (remaining < t.warningMs) return 'warning';
  return 'ok';
}

/** formatRemaining returns "5.2 days" / "3.0 hours" for a duration in ms. */
export function formatRemaining(ms: number): string {
  const days = ms / DAY_MS;
  if (Math.abs(days) >= 1) return `${days.toFixed(1)} days`;
  return `${(ms / 3_600_000).toFixed(1)} hours`;
}
