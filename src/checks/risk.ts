/**
 * CA-side causes no probe can see: names a CA is likely to hold for manual review (a heuristic
 * over an editable keyword list, overridable with `risk.keywords` in the config file), and what a
 * pasted CA error (`--error`) says: rate limits (`acme.rate_limited`), a review or policy refusal,
 * and "issued but the order still shows pending" (`order.status_sync_delay`).
 */
import { finding } from '../core/catalog.js';
import type { Finding } from '../core/finding.js';
import type { Check, ScanContext } from './context.js';

/**
 * DEFAULT_RISK_KEYWORDS: brands often impersonated and words common in phishing names. No public
 * list of what CAs flag exists; this is a starting point meant to be edited (config `risk.keywords`).
 */
export const DEFAULT_RISK_KEYWORDS: readonly string[] = [
  // brands
  'paypal',
  'apple',
  'icloud',
  'google',
  'gmail',
  'microsoft',
  'office365',
  'outlook',
  'amazon',
  'facebook',
  'instagram',
  'whatsapp',
  'netflix',
  'linkedin',
  'dropbox',
  'docusign',
  'adobe',
  'coinbase',
  'binance',
  'metamask',
  'blockchain',
  'chase',
  'wellsfargo',
  'bankofamerica',
  'citibank',
  'hsbc',
  'barclays',
  'santander',
  'americanexpress',
  'amex',
  'visa',
  'mastercard',
  'dhl',
  'fedex',
  'usps',
  'irs',
  'hmrc',
  // phishing-prone words
  'login',
  'signin',
  'logon',
  'verify',
  'verification',
  'secure',
  'banking',
  'wallet',
  'password',
  'recovery',
  'unlock',
  'billing',
  'webscr',
  'authenticate',
];
/** Top-level domains with a history of abuse that some CAs review more closely. */
const REVIEWED_TLDS = new Set(['tk', 'ml', 'ga', 'cf', 'gq', 'zip', 'mov']);
/** Digits and look-alike sequences mapped back to letters ("paypa1" -> "paypal", "rn" -> "m"). */
const LOOKALIKE: [RegExp, string][] = [
  [/0/g, 'o'],
  [/1/g, 'l'],
  [/3/g, 'e'],
  [/4/g, 'a'],
  [/5/g, 's'],
  [/7/g, 't'],
  [/vv/g, 'w'],
  [/rn/g, 'm'],
];

export interface RiskMatch {
  keyword: string;
  label: string;
  /** True when the keyword appears only after undoing look-alike characters. */
  lookalike: boolean;
}

function unLeet(label: string): string {
  return LOOKALIKE.reduce((s, [re, to]) => s.replace(re, to), label);
}

function contains(label: string, keyword: string): boolean {
  // Short keywords must be a whole hyphen-separated token ("ups" must not match "groups").
  if (keyword.length < 5) return label.split(/[-_]/).includes(keyword) || label === keyword;
  return label.includes(keyword);
}

/** riskMatches returns the keywords found in the labels of a name (the TLD excluded). */
export function riskMatches(name: string, keywords: readonly string[]): RiskMatch[] {
  const labels = name.toLowerCase().split('.').slice(0, -1);
  const out: RiskMatch[] = [];
  for (const label of labels) {
    const plain = label.replace(/^xn--/, '');
    for (const kw of keywords.map((k) => k.toLowerCase().trim()).filter((k) => k !== '')) {
      if (contains(plain, kw)) out.push({ keyword: kw, label, lookalike: false });
      else if (contains(unLeet(plain), kw)) out.push({ keyword: kw, label, lookalike: true });
    }
  }
  return out;
}

/** nameRiskFindings returns risk.manual_review_likely when the name looks like what CAs review. */
export function nameRiskFindings(name: string, keywords: readonly string[]): Finding[] {
  const matches = riskMatches(name, keywords);
  const tld = name.split('.').at(-1) ?? '';
  const idn = name.split('.').filter((l) => l.startsWith('xn--'));
  const reasons: string[] = [];
  if (matches.length > 0)
    reasons.push(
      matches
        .map((m) => `"${m.keyword}" in ${m.label}${m.lookalike ? ' (spelled with look-alike characters)' : ''}`)
        .join(', '),
    );
  if (idn.length > 0) reasons.push(`internationalised label ${idn.join(', ')} (possible homograph)`);
  if (REVIEWED_TLDS.has(tld)) reasons.push(`the .${tld} top-level domain`);
  if (reasons.length === 0) return [];
  const lookalike = matches.some((m) => m.lookalike);
  return [
    finding(
      'risk.manual_review_likely',
      `${name} may be held for manual review (a likelihood, not a certainty): ${reasons.join('; ')}`,
      { name, matches, idn, tld },
      {
        fixes: lookalike
          ? [
              'The name imitates a keyword with look-alike characters: CAs and browsers treat this as phishing; pick another name.',
            ]
          : [],
      },
    ),
  ];
}

const RATE_LIMIT =
  /rateLimited|rate[- ]?limit|too many (?:certificates|new orders|orders|failed authori[sz]ations|failed validations|requests|registrations|pending authori[sz]ations)|retry[- ]after/i;
const REVIEW =
  /manual review|under review|pending review|flagged for review|additional (?:verification|validation)|high[- ]risk|forbidden by policy|refuses to issue|rejectedIdentifier|blocklist|blacklist/i;
const ISSUED = /\b(?:issued|certificate (?:is )?(?:ready|available)|status[: ]+valid|completed)\b/i;
const PENDING = /\b(?:pending|processing|in progress|awaiting|not (?:yet )?(?:updated|synced))\b/i;

/** excerpt returns a one-line, length-capped quote of a pasted error. */
function excerpt(text: string, max = 240): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/** rateLimitFixes returns fixes for the kind of limit the error names (Let's Encrypt's limits as the model). */
function rateLimitFixes(text: string): string[] {
  if (/exact set|duplicate/i.test(text))
    return ['This exact set of names was issued recently: reuse that certificate, or change the set of names.'];
  if (/failed (?:authori[sz]ations|validations)/i.test(text))
    return [
      'Validation keeps failing: fix it first (run this diagnosis with the `--method` you use), then retry after the window (an hour at Let’s Encrypt).',
    ];
  if (/new orders|orders/i.test(text)) return ['Reuse pending orders instead of creating new ones on every retry.'];
  if (/registered domain|certificates already issued/i.test(text))
    return ['Group names into fewer certificates (several SANs per certificate) or wait for the weekly window.'];
  return [];
}

/** errorFindings reads a CA's error message for rate limits, reviews and order-status delays. */
export function errorFindings(error: string, name: string): Finding[] {
  const out: Finding[] = [];
  const quote = excerpt(error);
  if (RATE_LIMIT.test(error)) {
    const retry = /retry[- ]after:?\s*([0-9][0-9TZ:+\-. ]*(?:UTC)?)/i.exec(error)?.[1]?.trim();
    out.push(
      finding(
        'acme.rate_limited',
        `The CA's error reports a rate limit${retry ? ` (retry after ${retry})` : ''}: "${quote}"`,
        { error: quote, ...(retry ? { retryAfter: retry } : {}) },
        {
          fixes: [...(retry ? [`Do not retry before ${retry}.`] : []), ...rateLimitFixes(error)],
        },
      ),
    );
  }
  if (REVIEW.test(error)) {
    out.push(
      finding(
        'risk.manual_review_likely',
        `The CA's error points to a review or a policy refusal for ${name}: "${quote}"`,
        { name, error: quote },
      ),
    );
  }
  if ((ISSUED.test(error) && PENDING.test(error)) || /out of sync|status sync/i.test(error)) {
    out.push(
      finding(
        'order.status_sync_delay',
        `The message says the certificate was issued while the order still looks pending: "${quote}"`,
        { error: quote },
        {
          fixes: [
            `Look for the certificate in Certificate Transparency (https://crt.sh/?q=${name}) before ordering again.`,
          ],
        },
      ),
    );
  }
  return out;
}

/** riskKeywords returns the configured keyword list, or the default one. */
function riskKeywords(ctx: ScanContext): readonly string[] {
  return ctx.riskKeywords ?? DEFAULT_RISK_KEYWORDS;
}

export const riskCheck: Check = {
  name: 'risk',
  async run(ctx) {
    const { req } = ctx;
    const out = nameRiskFindings(req.name, riskKeywords(ctx));
    if (req.error !== undefined) {
      const fromError = errorFindings(req.error, req.name);
      ctx.facts['caError'] = { text: excerpt(req.error), recognised: fromError.map((f) => f.code) };
      // One risk finding: the CA's own words outweigh the keyword heuristic.
      if (fromError.some((f) => f.code === 'risk.manual_review_likely')) {
        return [...fromError, ...out.filter((f) => f.code !== 'risk.manual_review_likely')];
      }
      out.push(...fromError);
    }
    return out;
  },
};
