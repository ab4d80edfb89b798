/**
 * servedNames: the CN and subjectAltNames (RFC 5280 §4.2.1.6) of the certificates a diagnosis saw
 * served (`facts.addresses[].tls`, written by the endpoint check), for the escalation summary.
 */
import type { Report } from '../core/finding.js';

/** commonName returns the CN of a one-line subject (`C=US, O=Example, CN=shop.example.com`). */
export function commonName(subject: string): string | undefined {
  return /(?:^|,\s*)CN=([^,]+)/.exec(subject)?.[1]?.trim();
}

/** servedNames returns CN first, then the SANs, each once, over every probed address. */
export function servedNames(report: Report): string[] {
  const names: string[] = [];
  const list = Array.isArray(report.facts['addresses']) ? (report.facts['addresses'] as Record<string, unknown>[]) : [];
  for (const a of list) {
    const tls = a['tls'] as { subject?: unknown; sans?: unknown } | undefined;
    if (!tls) continue;
    const cn = typeof tls.subject === 'string' ? commonName(tls.subject) : undefined;
    if (cn) names.push(cn);
    if (Array.isArray(tls.sans)) names.push(...tls.sans.filter((s): s is string => typeof s === 'string'));
  }
  return [...new Set(names)].slice(0, 100);
}
