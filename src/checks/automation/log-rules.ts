/**
 * The provisioning-log rule table: one row per recognisable failure line (pattern, category code,
 * explanation, case-specific fixes). Rows are tried in order and the first match names the line,
 * so specific rows (ACME problem details, which say more than their type) come before generic
 * ones (the network words of src/net/errors.ts come last). Operators add rows from the config file
 * (`logRules:`); theirs are tried first.
 */
import { NET_ERROR_TABLE } from '../../net/errors.js';
import { requiredKeywords, splitAlternatives } from './log-prefilter.js';
import { ACME_DETAILS, ACME_TYPES } from './log-rules/acme.js';
import { CLIENTS } from './log-rules/clients.js';
import { DEPLOY } from './log-rules/deploy.js';

export const LOG_CODES = [
  'log.auth_failure',
  'log.network_timeout',
  'log.keystore_write_failure',
  'log.restart_failure',
  'log.dcv_failure',
  'log.caa_blocked',
  'log.rate_limited',
  'log.csr_rejected',
  'log.connector_error',
  'log.manual_review',
] as const;
export type LogCode = (typeof LOG_CODES)[number];
export type Confidence = 'high' | 'medium' | 'low';

export interface LogRule {
  /** Stable id quoted in `matches[].rule`, e.g. `acme.firewall_timeout`. */
  id: string;
  code: LogCode;
  pattern: RegExp;
  /** What the line means, in plain words. */
  explanation: string;
  /** Case-specific fixes, shown before the catalog's generic ones. */
  fixes?: string[];
  /** How sure a match makes us; low-confidence lines never become the primary cause over others. */
  confidence?: Confidence;
}

/** distinctive: every alternative of the row has a keyword of 5+ characters (`timed? ?out` is left to net.words). */
function distinctive(re: RegExp): boolean {
  return splitAlternatives(re.source).every((alt) => requiredKeywords(alt).every((k) => k.trim().length >= 5));
}

/**
 * NETWORK: the bot's own network errors, reusing the words of the one network-error translator
 * (src/net/errors.ts) for the kinds that mean "could not reach": refused, timeout, reset,
 * unreachable. They come last so that a CA's "Timeout during connect" (a DCV failure) is not
 * taken for the bot's network.
 */
const NETWORK: LogRule[] = (() => {
  const seen = new Map<string, number>();
  return NET_ERROR_TABLE.filter(
    (row) => ['refused', 'timeout', 'reset', 'unreachable'].includes(row.kind) && distinctive(row.test),
  ).map((row) => {
    const n = (seen.get(row.kind) ?? 0) + 1;
    seen.set(row.kind, n);
    return {
      id: `net.${row.kind}${n === 1 ? '' : `.${n}`}`,
      code: 'log.network_timeout' as const,
      pattern: new RegExp(row.test.source, row.test.flags.includes('i') ? row.test.flags : `${row.test.flags}i`),
      explanation: `${row.message}: the bot could not reach a server.`,
      confidence: /timed\? \?out/.test(row.test.source) ? ('low' as const) : ('medium' as const),
    };
  });
})();

/** BUILTIN_RULES: the default table, most specific first. */
const NETWORK_WORDS: LogRule = {
  id: 'net.words',
  code: 'log.network_timeout',
  pattern:
    /Connection (?:refused|timed out|reset by peer)|(?:timed out|TimeoutError|ESOCKETTIMEDOUT)|Operation timed out|Could not connect to|Unable to connect to the remote server|The operation has timed out/i,
  explanation: 'A connection from the bot was refused, reset or timed out.',
  confidence: 'medium',
};

export const BUILTIN_RULES: readonly LogRule[] = [
  ...ACME_DETAILS,
  ...CLIENTS,
  ...ACME_TYPES,
  ...DEPLOY,
  ...NETWORK,
  NETWORK_WORDS,
];
