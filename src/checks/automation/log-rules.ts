/**
 * The provisioning-log rule table: one row per recognisable failure line (pattern, category code,
 * explanation, case-specific fixes). Rows are tried in order and the first match names the line,
 * so specific rows (ACME problem details, which say more than their type) come before generic
 * ones (the network words of src/net/errors.ts come last). Operators add rows from the config file
 * (`logRules:`); theirs are tried first.
 */
import { NET_ERROR_TABLE } from '../../net/errors.js';
import { requiredKeywords, splitAlternatives } from './log-prefilter.js';

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

const ACME = 'urn:ietf:params:acme:error:';

/** ACME problem details (RFC 8555 §6.7) as Boulder and other CAs word them: more specific than the type. */
const ACME_DETAILS: LogRule[] = [
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
      /Error finalizing order.{0,200}(?:key|CSR|signature|names?)|(?:key too small|key size not supported|modulus too small)|(?:unsupported key type|unsupported elliptic curve|unsupported curve)|(?:CSR contains|CSR does not|CSR is invalid|CSR is malformed|CSR has|CSR must|invalid CSR)|Domain name (?:contains an invalid character|needs at least one dot|ends in a public suffix|is an IP address)|Cannot issue for .{1,255}: (?:Domain name|Invalid)/i,
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
const ACME_TYPES: LogRule[] = [
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

/** Output of ACME clients (certbot, cert-manager, acme.sh, Caddy, lego, win-acme). */
const CLIENTS: LogRule[] = [
  {
    id: 'certbot.auth_failed',
    code: 'log.dcv_failure',
    pattern:
      /Certbot failed to authenticate some domains|Some challenges have failed|Failed authorization procedure|Challenge failed for domain/i,
    explanation: 'certbot: the CA could not validate one or more names (the Type and Detail lines say why).',
    confidence: 'low',
  },
  {
    id: 'cert-manager.self_check',
    code: 'log.dcv_failure',
    pattern:
      /failed to perform self check GET request|DNS record for "[^"]+" not yet propagated|Waiting for (?:HTTP|DNS)-01 challenge propagation|propagation check failed/i,
    explanation:
      "cert-manager: its own pre-check of the challenge failed, so it has not asked the CA yet (the cluster can't see the challenge either).",
    fixes: [
      'Check the ingress/solver pod for the challenge path, or the DNS provider for the TXT record; `kubectl describe challenge` shows the state.',
    ],
  },
  {
    id: 'acme.sh.verify_error',
    code: 'log.dcv_failure',
    pattern: /Verify error:|Error add txt for domain|Please add the TXT records|Timeout validating/i,
    explanation: 'acme.sh: validation of the name failed (or the DNS API could not add the TXT record).',
  },
  {
    id: 'caddy.challenge_failed',
    code: 'log.dcv_failure',
    pattern: /"msg"\s*:\s*"challenge failed"|"msg"\s*:\s*"validating authorization".{0,200}"error"/i,
    explanation: 'Caddy: an ACME challenge failed (the `problem` field says why).',
  },
  {
    id: 'client.challenge_port_busy',
    code: 'log.dcv_failure',
    pattern:
      /Could not bind TCP port \d+|Problem binding to port \d+|listen tcp \S*:(?:80|443): bind: (?:address already in use|permission denied)/i,
    explanation:
      'The ACME client could not open the port to answer the challenge (another server holds it, or no privilege).',
    fixes: [
      'Use the webroot or the web server plugin instead of standalone mode, or stop the service holding the port during issuance.',
    ],
  },
  {
    id: 'client.manual_review',
    code: 'log.manual_review',
    pattern:
      /pending (?:manual )?review|requires? (?:manual|additional) (?:review|verification|approval)|held for (?:manual )?review|flagged for review|awaiting (?:CA )?(?:approval|verification)/i,
    explanation: 'The CA holds the order for human review.',
  },
  {
    id: 'certbot.unreachable_ca',
    code: 'log.network_timeout',
    pattern:
      /Max retries exceeded with url|NewConnectionError|Requesting \S+: (?:Connection refused|.{0,40}timed out|.{0,40}Name or service not known)|ConnectTimeoutError|Failed to establish a new connection|Could not get nonce|Can not init api|error getting ACME directory|Get "https:\/\/[^"]+\/directory"/i,
    explanation:
      'The client could not reach the CA (or the target): connection refused, timed out or name not resolved.',
    fixes: [
      'Test from the bot host: `curl -v <the URL in the line>`; check proxy settings (HTTPS_PROXY) and outbound firewall rules.',
    ],
  },
  {
    id: 'certbot.hook_failed',
    code: 'log.restart_failure',
    pattern:
      /Hook '?(?:--)?(?:deploy|post|renew)-hook'? (?:reported error code|ran with error output)|Error running (?:deploy|post|renew)[- ]hook/i,
    explanation: "certbot: the deploy/post hook (usually the server reload) failed; the hook's own output follows.",
    confidence: 'low',
  },
];

/** Deployment tools: SSH, WinRM, Ansible, systemd, web servers, keystores, IIS, CA REST APIs. */
const DEPLOY: LogRule[] = [
  {
    id: 'ssh.auth',
    code: 'log.auth_failure',
    pattern:
      /Permission denied \((?:publickey|password|keyboard-interactive|gssapi)|Host key verification failed|Authentication failed|Too many authentication failures|no matching host key type|Invalid (?:user|credentials)/i,
    explanation: 'The SSH login of the deployment was rejected (key, password or host key).',
    fixes: [
      "Check the deployment's SSH user and key on the target (`ssh -v user@host`), and the known host key if the server was rebuilt.",
    ],
  },
  {
    id: 'winrm.auth',
    code: 'log.auth_failure',
    pattern:
      /InvalidCredentialsError|credentials were rejected|Access is denied\.|Logon failure|The user name or password is incorrect|Kerberos.{0,80}(?:failed|error)|WinRM.{0,80}(?:unauthorized|authentication)/i,
    explanation: 'The WinRM login was rejected: wrong or expired credentials, or the account lacks the right.',
    fixes: [
      'Check the service account password/expiry and that it is in the Remote Management Users (or Administrators) group on the target.',
    ],
  },
  {
    id: 'api.token',
    code: 'log.auth_failure',
    pattern:
      /(?:token|api key|api_key|apikey|credentials|password) (?:has expired|is expired|expired|has been revoked|revoked|is invalid)|(?:invalid_api_key|invalid api key|invalid_token|invalid token|invalid_grant|invalid_client)|ExpiredToken|InvalidClientTokenId|SignatureDoesNotMatch|AccessDenied|is not authorized to perform|403 Forbidden.{0,80}api|Invalid request headers \(6003\)|authentication (?:error|failure)|(?:HTTP 401|HTTP\/1\.1 401|HTTP\/2 401|401 Unauthorized|status code: 401|status code 401|status: 401|status=401)\b|"status"\s*:\s*401\b/i,
    explanation: 'An API credential (CA, DNS provider, cloud) was refused: expired, revoked or lacking permission.',
    fixes: [
      'Rotate the credential named in the line and update it where the bot reads it; check its permissions (e.g. DNS zone edit).',
    ],
  },
  {
    id: 'file.write',
    code: 'log.keystore_write_failure',
    pattern:
      /No space left on device|ENOSPC|Disk quota exceeded|Read-only file system|EROFS|\[Errno 13\] Permission denied|open \S+: permission denied|EACCES|(?:cannot|could not|unable to|failed to) (?:write|create|open|save|copy|move)\b.{0,120}(?:permission|denied|no such file|exist)|scp: \S+: (?:Permission denied|No such file)|Access to the path .{1,200} is denied|mkdir \S+: permission denied/i,
    explanation: 'Writing the certificate or key file failed: path missing, no permission, read-only or full disk.',
    fixes: [
      'Check the directory exists and is writable by the deployment user, and that the disk has space (`df -h`).',
    ],
  },
  {
    id: 'keystore.password',
    code: 'log.keystore_write_failure',
    pattern:
      /Keystore was tampered with, or password was incorrect|keystore password was incorrect|Get Key failed|The specified network password is not correct|mac verify failure|bad decrypt|Invalid keystore format|Unrecognized keystore format|keytool error|alias_no_key_entry|Failed to establish chain from reply|Input not an X\.509 certificate|PKCS12 key store mac invalid/i,
    explanation:
      'The keystore (JKS/PKCS#12/PFX) could not be opened or updated: wrong password, wrong format, or a broken chain/alias.',
    fixes: [
      'Check the keystore password and type (JKS vs PKCS12) in the deployment configuration; import the full chain under the alias the server uses.',
    ],
  },
  {
    id: 'server.cert_load',
    code: 'log.keystore_write_failure',
    pattern:
      /cannot load certificate(?: key)?|SSL_CTX_use_(?:PrivateKey|certificate)|key values mismatch|SSLCertificate(?:Key)?File: file .{1,200} does not exist or is empty|unable to load SSL (?:certificate|private key)|Private key does not match/i,
    explanation:
      'The web server cannot load the certificate or key at its configured path: the deployment wrote it elsewhere, wrote a mismatched key, or an empty file.',
    fixes: [
      'Compare the paths the deployment writes with the ones in the server configuration; check the key matches the certificate.',
    ],
  },
  {
    id: 'iis.binding',
    code: 'log.restart_failure',
    pattern:
      /SSL Certificate add failed, Error: \d+|A specified logon session does not exist|New-WebBinding|Set-WebBinding|Cannot create a file when that file already exists|netsh http (?:add|update) sslcert.{0,80}(?:failed|error)/i,
    explanation:
      'IIS: updating the HTTPS binding failed (binding conflict, or the private key is not accessible to the system).',
    fixes: [
      'Import the PFX into LocalMachine\\My with the private key marked exportable/accessible, remove the stale binding, then bind again.',
    ],
  },
  {
    id: 'server.config_test',
    code: 'log.restart_failure',
    pattern:
      /\[emerg\]|nginx: configuration file .{1,200} test failed|AH\d{5}: Syntax error|Action '(?:configtest|graceful|restart)' failed|Fatal errors found in configuration|Configuration file is not valid|The Apache error log may have more information|\[ALERT\].{0,200}(?:Proxy|config|parsing)/i,
    explanation:
      "The web server's configuration test failed, so the reload was refused (or would take the server down).",
    fixes: [
      'Run the config test by hand (`nginx -t`, `apachectl configtest`, `haproxy -c -f <cfg>`) and fix the line it names before reloading.',
    ],
  },
  {
    id: 'service.restart',
    code: 'log.restart_failure',
    pattern:
      /Job for \S+\.service failed|Failed to (?:restart|reload|start) \S+|Unable to (?:restart|reload|start) service|Interactive authentication required|sudo: (?:a password is required|a terminal is required)|is not in the sudoers file|Reload error for|reload (?:failed|error)|restart (?:failed|error)|iisreset.{0,80}(?:failed|denied)|Restart-WebAppPool|Stop-WebSite|service .{1,80} (?:failed to|could not) (?:restart|start|stop)/i,
    explanation: 'Reloading or restarting the service failed, or the bot is not allowed to do it.',
    fixes: [
      'Run the reload by hand as the deployment user; grant it the permission (e.g. a sudoers rule for `systemctl reload nginx`) if that is what failed.',
    ],
  },
  {
    id: 'tomcat.connector',
    code: 'log.restart_failure',
    pattern:
      /Failed to initialize (?:component \[Connector|connector|end ?point)|Protocol handler (?:initialization|start) failed/i,
    explanation: 'Tomcat could not start its HTTPS connector (the cause, often the keystore, follows in the log).',
    confidence: 'low',
  },
  {
    id: 'ansible.unreachable',
    code: 'log.network_timeout',
    pattern:
      /UNREACHABLE!|Failed to connect to the host via ssh|ssh: connect to host \S+ port \d+:|Could not resolve hostname|WinRM cannot complete the operation|Connecting to remote server \S+ failed|No connection could be made because the target machine actively refused it|dial tcp \S+: (?:i\/o timeout|connect: connection refused)|Name or service not known|Temporary failure in name resolution|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|No route to host|Network is unreachable/i,
    explanation:
      'The bot could not reach the target server (connection refused, timed out, or the name did not resolve).',
    fixes: [
      'Test from the bot host: `nc -vz <host> <port>` (22 SSH, 5985/5986 WinRM); check firewalls and DNS for the host in the line.',
    ],
  },
  {
    id: 'api.server_error',
    code: 'log.connector_error',
    pattern:
      /(?:HTTP 50|HTTP\/1\.1 50|HTTP\/2 50)[0234]\b|\b(?:500 Internal Server Error|502 Bad Gateway|503 Service Unavailable|504 Gateway Timeout)\b|(?:status code: |status code |status: |status=)5\d\d\b|"status"\s*:\s*5\d\d/i,
    explanation: 'The CA API (or a proxy in front of it) answered with a server error.',
    fixes: ["Check the CA's status page; retry later with backoff."],
  },
  {
    id: 'api.client_error',
    code: 'log.connector_error',
    pattern:
      /(?:HTTP 40|HTTP\/1\.1 40|HTTP\/2 40)[049]\b|(?:HTTP 422|HTTP\/1\.1 422|HTTP\/2 422)\b|"status"\s*:\s*(?:400|404|409|422)\b|order (?:not found|was cancel(?:l)?ed|is in "?(?:errored|invalid)"? state)|(?:product code|product type) (?:is )?(?:invalid|not found)|profile .{1,80} not (?:found|mapped)/i,
    explanation: 'The CA API refused the request as malformed or unknown (order, product or profile).',
    fixes: ["Check the connector's product/profile mapping and the order id in the line."],
    confidence: 'medium',
  },
];

/**
 * NETWORK: the bot's own network errors, reusing the words of the one network-error translator
 * (src/net/errors.ts) for the kinds that mean "could not reach": refused, timeout, reset,
 * unreachable. They come last so that a CA's "Timeout during connect" (a DCV failure) is not
 * taken for the bot's network.
 */
/** distinctive: every alternative of the row has a keyword of 5+ characters (`timed? ?out` is left to net.words). */
function distinctive(re: RegExp): boolean {
  return splitAlternatives(re.source).every((alt) => requiredKeywords(alt).every((k) => k.trim().length >= 5));
}

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
