/** Rows for the output of ACME clients: certbot, cert-manager, acme.sh, Caddy. */
import type { LogRule } from '../log-rules.js';

/** Output of ACME clients (certbot, cert-manager, acme.sh, Caddy). */
export const CLIENTS: LogRule[] = [
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
