/** Rows for ACME problem documents (RFC 8555 §6.7): the detail texts of common CAs first, then the types. */
import type { LogCode, LogRule } from '../log-rules.js';

const ACME = 'urn:ietf:params:acme:error:';

/** ACME problem details (RFC 8555 §6.7) as Boulder and other CAs word them: more specific than the type. */
export const ACME_DETAILS: LogRule[] = [
  {
    id: 'acme.caa_detail',
    code: 'log.caa_blocked',
    pattern: /CAA record for .{1,253} prevents issuance|while processing CAA for|looking up CAA for/i,
    explanation:
      "The CA's CAA check refused or failed: the domain's CAA records do not authorise it, or the CAA lookup itself failed.",
    fixes: [
      'Add `CAA 0 issue "<ca domain>"` at the zone named in the line, or fix the DNS servers that fail CAA queries.',
    ],
  },
  {
    id: 'acme.firewall_timeout',
    code: 'log.dcv_failure',
    pattern:
      /Timeout during (?:connect|read) \(likely firewall problem\)|Timeout after connect \(your server may be slow or overloaded\)/i,
    explanation:
      "The CA's validation servers could not reach your server in time (the CA's words): a firewall, geo-blocking or a WAF drops them. This is the CA failing to connect, not the bot's network.",
    fixes: [
      "Open port 80 (HTTP-01) or 443 (TLS-ALPN-01) to the internet, including the CA's validators in other regions.",
    ],
  },
  {
    id: 'acme.fetch_failed',
    code: 'log.dcv_failure',
    pattern:
      /https?:\/\/[^\s"']+\/\.well-known\/(?:acme-challenge|pki-validation)\/|Invalid response from https?:\/\/|key authorization file from the server did not match/i,
    explanation: 'The CA fetched the challenge over HTTP and got an error, a wrong answer or no connection.',
    fixes: ['Run `certmedic diagnose <name> --method http-01` to see what the CA sees on port 80.'],
  },
  {
    id: 'acme.dns_problem',
    code: 'log.dcv_failure',
    pattern:
      /DNS problem: |No valid IP addresses found for|No TXT record found at _acme-challenge|Incorrect TXT record/i,
    explanation: "The CA's DNS lookups for the name or its `_acme-challenge` record failed or found the wrong value.",
    fixes: ['Run `certmedic diagnose <name> --method dns-01` to check the records on every authoritative server.'],
  },
  {
    id: 'acme.tls_alpn',
    code: 'log.dcv_failure',
    pattern: /acme-tls\/1|Cannot negotiate ALPN protocol|Incorrect validation certificate for tls-alpn-01/i,
    explanation: 'TLS-ALPN-01 validation failed: something in front of the server does not pass ALPN `acme-tls/1`.',
  },
  {
    id: 'acme.rate_limit_detail',
    code: 'log.rate_limited',
    pattern:
      /too many (?:certificates|failed authorizations|new orders|registrations|requests|pending authorizations)|(?:rate limit|ratelimit|rate-limit)(?:ed| exceeded| reached)|retry after \d{4}-\d\d-\d\d/i,
    explanation: 'The CA refused the request because a rate limit was hit.',
    fixes: [
      'Stop retry loops now; wait for the time the line gives, and test against the staging environment meanwhile.',
    ],
  },
  {
    id: 'acme.policy_forbidden',
    code: 'log.manual_review',
    pattern: /forbidden by policy|(?:high risk|high-risk) (?:domain|name)|is on a blocklist|policy forbids issuing/i,
    explanation:
      "The CA's policy blocks the name (high-risk or blocked names): it will not issue without human review or at all.",
    fixes: ["Ask the CA's support whether the name can be reviewed; otherwise use another name or an OV/EV order."],
  },
  {
    id: 'acme.csr_detail',
    code: 'log.csr_rejected',
    pattern:
      /Error finalizing order.{0,200}(?:key|CSR|signature|names?)|(?:key too small|key too large|key size not supported|modulus too small|Invalid key in certificate request|invalid public key in CSR)|(?:unsupported key type|unsupported elliptic curve|unsupported curve)|(?:CSR contains|CSR does not|CSR is invalid|CSR is malformed|CSR has|CSR must|invalid CSR)|Domain name (?:contains an invalid character|needs at least one dot|ends in a public suffix|is an IP address)|Cannot issue for .{1,255}: (?:Domain name|Invalid)/i,
    explanation: 'The CA refused the CSR: its key, signature or names are not acceptable.',
    fixes: ['Run `certmedic lint-csr <csr file>` to see exactly what the CA objects to.'],
  },
  {
    id: 'acme.account_detail',
    code: 'log.auth_failure',
    pattern:
      /(?:account does not exist|account is not valid|account has been deactivated|account not found|registration does not exist)|No Key ID in JWS header|(?:EAB |external account binding).{0,80}(?:invalid|required|failed|not found)|requires? external account binding|Unable to register an account with ACME server|JWS verification error/i,
    explanation: 'The ACME account or its external account binding (EAB) was not accepted by the CA.',
    fixes: [
      "Check the ACME account key and EAB key ID/HMAC from the CA's portal; register the account again if it was deactivated.",
    ],
  },
];

/** ACME problem types (RFC 8555 §6.7, RFC 9773): used when no detail row matched the line; medium confidence, since the detail line says more. */
export const ACME_TYPES: LogRule[] = [
  ['caa', 'log.caa_blocked', 'The CA refused because of CAA records (urn:...:caa).'],
  ['rateLimited', 'log.rate_limited', 'The CA rate-limited the request (urn:...:rateLimited).'],
  ['badCSR', 'log.csr_rejected', 'The CA refused the CSR (urn:...:badCSR).'],
  ['badPublicKey', 'log.csr_rejected', 'The CA refused the key (urn:...:badPublicKey).'],
  [
    'badSignatureAlgorithm',
    'log.csr_rejected',
    'The CA refused the signature algorithm (urn:...:badSignatureAlgorithm).',
  ],
  [
    'rejectedIdentifier',
    'log.csr_rejected',
    'The CA will not issue for a name in the order (urn:...:rejectedIdentifier).',
  ],
  [
    'unsupportedIdentifier',
    'log.csr_rejected',
    'The CA does not support a name type in the order (urn:...:unsupportedIdentifier).',
  ],
  ['connection', 'log.dcv_failure', 'The CA could not connect to the server to validate (urn:...:connection).'],
  ['dns', 'log.dcv_failure', "The CA's DNS lookups for validation failed (urn:...:dns)."],
  ['incorrectResponse', 'log.dcv_failure', 'The challenge answer was wrong (urn:...:incorrectResponse).'],
  ['tls', 'log.dcv_failure', 'The TLS connection for validation failed (urn:...:tls).'],
  ['unauthorized', 'log.dcv_failure', 'The CA found no proof of control of the name (urn:...:unauthorized).'],
  [
    'externalAccountRequired',
    'log.auth_failure',
    'The CA requires an external account binding (EAB) (urn:...:externalAccountRequired).',
  ],
  [
    'accountDoesNotExist',
    'log.auth_failure',
    'The ACME account does not exist at this CA (urn:...:accountDoesNotExist).',
  ],
  [
    'userActionRequired',
    'log.connector_error',
    'The CA needs a human action, e.g. accepting new terms (urn:...:userActionRequired).',
  ],
  ['serverInternal', 'log.connector_error', 'The CA had an internal error (urn:...:serverInternal).'],
  ['malformed', 'log.connector_error', 'The CA could not understand the request (urn:...:malformed).'],
  [
    'badNonce',
    'log.connector_error',
    'A stale anti-replay nonce (urn:...:badNonce); clients normally retry this themselves.',
  ],
  [
    'orderNotReady',
    'log.connector_error',
    'The order was finalized before its authorizations were valid (urn:...:orderNotReady).',
  ],
  ['invalidContact', 'log.connector_error', 'The account contact was refused (urn:...:invalidContact).'],
  [
    'unsupportedContact',
    'log.connector_error',
    'The account contact type is not supported (urn:...:unsupportedContact).',
  ],
  [
    'alreadyReplaced',
    'log.connector_error',
    'The certificate was already replaced (urn:...:alreadyReplaced, RFC 9773).',
  ],
  ['compound', 'log.connector_error', 'Several problems at once (urn:...:compound): see the subproblems.'],
].map(([type, code, explanation]) => ({
  id: `acme.${type}`,
  code: code as LogCode,
  pattern: new RegExp(`${ACME.replace(/\./g, '\\.')}${type}\\b|\\bType:\\s+${type}\\s*$`, 'i'),
  explanation: explanation!,
  confidence: 'medium' as const,
}));
