/**
 * The catalog: every finding code certmedic can emit, with its default severity, a plain-language
 * title, the likely cause ("why") and concrete fixes. Codes are a public contract: never rename one.
 * Checks add case-specific fixes (the exact record to publish, the address to look at) in front of these.
 */
import type { Severity } from './finding.js';

export interface CatalogEntry {
  severity: Severity;
  title: string;
  why: string;
  fixes: string[];
}

const VERIFY_SERVED = 'Verify what is served with `openssl s_client -connect <address>:443 -servername <name>`.';
const ALLOW_VALIDATORS =
  "Allow the CA's validation servers through firewalls, WAFs and geo-blocking: CAs validate from several regions and some publish their source addresses (for example Sectigo's 91.199.212.0/24).";

export const CATALOG = {
  // ---- DNS -----------------------------------------------------------------------------------
  'dns.nxdomain': {
    severity: 'critical',
    title: 'The name does not exist in DNS',
    why: 'The resolver answered NXDOMAIN: no record of any type exists at this name, so a CA cannot validate it and clients cannot reach it.',
    fixes: [
      'Check the spelling of the name.',
      'Create the A/AAAA (or CNAME) record in the zone that holds this name and wait for the TTL of the negative answer to pass.',
      'If the zone was just delegated, check that the parent zone has the NS records of the new zone.',
    ],
  },
  'dns.no_address': {
    severity: 'critical',
    title: 'The name has no A or AAAA record',
    why: 'The name exists but resolves to no IPv4 or IPv6 address, so HTTP-01, TLS-ALPN-01 and TLS clients have nothing to connect to.',
    fixes: [
      'Publish an A and/or AAAA record for the name (or a CNAME to a name that has them).',
      'If only DNS-01 validation is intended, use `--method dns-01`; addresses are still needed to serve the certificate.',
    ],
  },
  'dns.servfail': {
    severity: 'critical',
    title: 'DNS lookups for the name fail (SERVFAIL)',
    why: "The resolver could not get an answer from the name's authoritative servers: broken delegation, DNSSEC validation failure, or servers that do not answer. CAs treat such failures as fatal.",
    fixes: [
      'Query each authoritative server directly (`dig @<ns> <name> A`) and fix the ones that fail or refuse.',
      'If the zone is DNSSEC-signed, check the DS record in the parent and that signatures have not expired (`delv <name>`).',
      'Check that the NS records in the parent match the servers that actually serve the zone.',
    ],
  },
  'dns.timeout': {
    severity: 'critical',
    title: 'DNS lookups for the name time out',
    why: 'No answer arrived before the deadline. CAs give up after a few seconds and fail validation or CAA checking.',
    fixes: [
      'Check that the authoritative servers answer on UDP and TCP port 53 from the internet.',
      'Check firewalls or rate limits in front of the DNS servers.',
      'Retry with a longer `--timeout` to tell a slow server from a dead one.',
    ],
  },
  'dns.cname_loop': {
    severity: 'critical',
    title: 'The CNAME chain loops or is too long',
    why: 'Following the CNAME records leads back to a name already seen (or past the depth limit), so the name never resolves.',
    fixes: ['Break the loop: point the last CNAME of the chain at a name with A/AAAA records.'],
  },
  'dns.malformed_response': {
    severity: 'critical',
    title: 'A DNS server sent a malformed answer',
    why: 'The answer could not be decoded as a DNS message. CAs treat this like a lookup failure.',
    fixes: [
      'Check the DNS server software and any middlebox (firewall, load balancer) that rewrites DNS packets.',
      'Query the server directly with `dig` to see the raw answer.',
    ],
  },
  'dns.private_address': {
    severity: 'warning',
    title: 'The name resolves to private or reserved addresses',
    why: "A public CA validates from the internet and cannot reach private, loopback or reserved addresses, so HTTP-01 and TLS-ALPN-01 can't pass for this name.",
    fixes: [
      'Use DNS-01 validation for internal names, or an internal CA.',
      'If the name should be public, publish its public address (split-horizon DNS may be answering with the internal one).',
    ],
  },
  'dns.nameservers_disagree': {
    severity: 'warning',
    title: 'Authoritative name servers give different answers',
    why: 'The servers listed for the zone return different records: a change has not propagated to every server (a stale secondary, a failed zone transfer). CAs may ask any of them.',
    fixes: [
      'Compare the SOA serial on every server (`dig @<ns> <zone> SOA`) and fix zone transfers to the servers that lag.',
      'Wait for propagation before asking the CA to validate again.',
    ],
  },
  'dns.lame_delegation': {
    severity: 'warning',
    title: 'A listed name server does not serve the zone',
    why: 'A server named in the NS records refuses, times out or answers without authority for the zone. Resolvers (and CAs) that pick it get failures.',
    fixes: [
      'Remove the server from the NS records (in the zone and at the parent) or configure it to serve the zone.',
      'Check that the NS host names resolve to the right addresses.',
    ],
  },

  // ---- CAA -----------------------------------------------------------------------------------
  'caa.forbids_ca': {
    severity: 'critical',
    title: 'CAA records do not allow this CA to issue',
    why: 'The relevant CAA record set (RFC 8659) lists other CAs or forbids issuance entirely, so the CA must refuse the order.',
    fixes: [
      'Add an `issue` record for the CA at the zone where the CAA set was found (the exact record is given above).',
      'Or remove the CAA records that exclude it, if that was not intended.',
    ],
  },
  'caa.forbids_wildcard': {
    severity: 'critical',
    title: 'CAA `issuewild` records do not allow this CA to issue wildcard certificates',
    why: 'For a wildcard name, `issuewild` records replace `issue` (RFC 8659 §4.3); none of them names this CA.',
    fixes: [
      'Add an `issuewild` record for the CA at the zone where the CAA set was found, or remove the `issuewild` records.',
    ],
  },
  'caa.lookup_failed': {
    severity: 'critical',
    title: 'CAA lookup failed',
    why: "A CAA query for the name or one of its parents failed (SERVFAIL, timeout, refused) before a record set was found. CAs must treat this as a refusal (Let's Encrypt does).",
    fixes: [
      'Make the authoritative servers answer CAA queries: some old DNS servers and appliances fail on unknown record types.',
      'Check DNSSEC for the zone that failed.',
    ],
  },
  'caa.unknown_critical': {
    severity: 'critical',
    title: 'A CAA record has the critical flag and a tag the CA does not know',
    why: 'RFC 8659 §4.1: a CA must not issue when the relevant set holds an unknown property with the critical flag set (some CAs also treat flag value 1 as critical).',
    fixes: ['Remove the record or clear its critical flag (use flag 0).'],
  },
  'caa.method_restricted': {
    severity: 'critical',
    title: 'CAA `validationmethods` excludes the chosen validation method',
    why: 'The CA is allowed, but only with the methods listed in the `validationmethods` parameter (RFC 8657 §4).',
    fixes: ['Validate with one of the listed methods, or add the method to `validationmethods`.'],
  },
  'caa.malformed': {
    severity: 'warning',
    title: 'A CAA record is malformed',
    why: 'The record does not follow the RFC 8659 syntax. CAs ignore a malformed record or treat it as forbidding issuance.',
    fixes: ['Rewrite the record in the form `0 issue "ca.example"` or `0 issue "ca.example; accounturi=https://..."`.'],
  },
  'caa.account_restricted': {
    severity: 'warning',
    title: 'CAA restricts issuance to one ACME account',
    why: 'The record carries `accounturi` (RFC 8657 §3): only the named ACME account may order certificates. A new account, a new client or a new server gets refused.',
    fixes: [
      'Check that your ACME client uses the account named in the record (`--account-uri` verifies it).',
      'Update the `accounturi` parameter after moving to a new account.',
    ],
  },
  'caa.permits': {
    severity: 'info',
    title: 'CAA permits issuance',
    why: 'The relevant CAA set (or the absence of one) allows the listed issuers.',
    fixes: [],
  },

  // ---- HTTP-01 / file validation ------------------------------------------------------------
  'http01.connection_refused': {
    severity: 'critical',
    title: 'Port 80 refuses connections',
    why: 'The CA fetches the challenge over plain HTTP on port 80; nothing listens there, or a firewall rejects the connection.',
    fixes: [
      'Start a web server on port 80 (a redirect to HTTPS is fine) or open port 80 in the firewall.',
      'If port 80 cannot be opened, use DNS-01 validation.',
    ],
  },
  'http01.timeout': {
    severity: 'critical',
    title: 'Port 80 does not answer (timeout)',
    why: 'Connections or responses time out. This is usually a firewall silently dropping packets, geo-blocking, or a WAF that blocks the CA.',
    fixes: [
      ALLOW_VALIDATORS,
      'Test from outside your network: `curl -v http://<name>/.well-known/acme-challenge/test`.',
    ],
  },
  'http01.not_found': {
    severity: 'critical',
    title: 'The challenge file is not found (404)',
    why: 'The server answers, but not with the challenge file: the ACME client wrote it to another webroot, or another virtual host answers for the name.',
    fixes: [
      "Check that the ACME client's webroot is the document root of the virtual host that serves this name.",
      'Make sure `/.well-known/acme-challenge/` is not rewritten or proxied elsewhere.',
    ],
  },
  'http01.forbidden': {
    severity: 'critical',
    title: 'The challenge path is forbidden (401/403)',
    why: 'A WAF, authentication, IP allow-list or file permissions block the challenge path.',
    fixes: [
      'Exempt `/.well-known/acme-challenge/` (or `/.well-known/pki-validation/`) from authentication and WAF rules.',
      ALLOW_VALIDATORS,
      'Check file permissions in the webroot.',
    ],
  },
  'http01.wrong_content': {
    severity: 'critical',
    title: 'The challenge file has the wrong content',
    why: 'The path answers 200 but with a different body than the expected key authorization: an old token, a catch-all page, or another server.',
    fixes: [
      'Make sure the server returns exactly the key authorization (whitespace around it is ignored).',
      'Check that only one ACME client serves this name and that no CDN caches the challenge path.',
    ],
  },
  'http01.bad_redirect': {
    severity: 'critical',
    title: 'The challenge path redirects somewhere a CA will not follow',
    why: 'CAs follow at most 10 redirects, only 301/302/307/308, only to http/https on ports 80/443, and never in a loop.',
    fixes: [
      'Redirect only to http:// or https:// on the standard ports, without loops.',
      'Or serve `/.well-known/acme-challenge/` directly on port 80 without a redirect.',
    ],
  },
  'http01.server_error': {
    severity: 'critical',
    title: 'The server answers the challenge path with an error',
    why: 'A 5xx status or an unexpected answer means the web server or its backend failed while handling the challenge.',
    fixes: ['Check the web server and backend error logs for the challenge request.'],
  },
  'http01.wildcard_unsupported': {
    severity: 'critical',
    title: 'Wildcard certificates cannot use HTTP validation',
    why: 'CAs validate wildcard names only through DNS (RFC 8555 §7.1.3, CA/Browser Forum BR 3.2.2.4).',
    fixes: ['Use DNS-01 validation (`--method dns-01`).'],
  },
  'http01.ipv6_broken': {
    severity: 'warning',
    title: 'HTTP validation works over IPv4 but fails over IPv6',
    why: 'The name has an AAAA record, and CAs try IPv6 first: a broken IPv6 path makes validation fail or depend on fallback.',
    fixes: [
      'Fix the web server or firewall on the IPv6 address (listen on [::]:80).',
      'Or remove the AAAA record until IPv6 works.',
    ],
  },

  // ---- DNS-01 --------------------------------------------------------------------------------
  'dns01.record_missing': {
    severity: 'critical',
    title: 'The `_acme-challenge` TXT record is missing',
    why: 'The CA looks for a TXT record at `_acme-challenge.<name>` and finds none.',
    fixes: [
      'Check that the ACME client (or its DNS plugin) created the record in the right zone.',
      'Wait for propagation to every authoritative server before asking the CA to validate.',
    ],
  },
  'dns01.record_mismatch': {
    severity: 'critical',
    title: 'The `_acme-challenge` TXT record has the wrong value',
    why: 'TXT records exist but none matches the expected value: a stale record from an earlier attempt or another order.',
    fixes: ['Publish the value the CA expects (and remove stale values).', 'Wait for the old TTL to pass.'],
  },
  'dns01.cname_delegation_broken': {
    severity: 'critical',
    title: 'The `_acme-challenge` CNAME delegation is broken',
    why: 'The challenge name is delegated by CNAME (for example to acme-dns), but the target does not resolve or has no TXT record.',
    fixes: [
      'Check the CNAME target and that the delegated DNS service (acme-dns, a cloud zone) is up and holds the record.',
      "Re-register the delegation if the target's account was removed.",
    ],
  },
  'dns01.nameservers_disagree': {
    severity: 'warning',
    title: 'Authoritative servers disagree on the challenge TXT record',
    why: 'Some authoritative servers do not have the new TXT record yet. The CA may ask one that lags.',
    fixes: ['Wait until every server has the record (or add a propagation delay to the ACME client), then retry.'],
  },

  // ---- TLS-ALPN-01 ---------------------------------------------------------------------------
  'tlsalpn01.connection_failed': {
    severity: 'critical',
    title: 'Port 443 is not reachable for TLS-ALPN-01',
    why: 'The CA connects to port 443 with ALPN `acme-tls/1`; the connection or handshake failed.',
    fixes: ['Open port 443 to the CA.', ALLOW_VALIDATORS],
  },
  'tlsalpn01.alpn_not_supported': {
    severity: 'critical',
    title: 'The server on port 443 does not speak `acme-tls/1`',
    why: 'Something in front (a CDN, load balancer or TLS-terminating proxy) answers the handshake and does not pass ALPN `acme-tls/1` to the ACME client (RFC 8737).',
    fixes: [
      'Use HTTP-01 or DNS-01 validation behind a CDN or TLS-terminating proxy.',
      'Or let the ACME client (Caddy, Traefik, a TLS-ALPN-capable server) terminate TLS on port 443.',
    ],
  },
  'tlsalpn01.wildcard_unsupported': {
    severity: 'critical',
    title: 'Wildcard certificates cannot use TLS-ALPN-01',
    why: 'TLS-ALPN-01 proves control of one host name, not of every name below it (CA/Browser Forum BR 3.2.2.4.20), so CAs validate wildcard names through DNS only.',
    fixes: ['Use DNS-01 validation (`--method dns-01`).'],
  },

  // ---- Served certificate --------------------------------------------------------------------
  'tls.connect_failed': {
    severity: 'critical',
    title: 'Could not connect to the TLS port',
    why: 'The TCP connection was refused or timed out.',
    fixes: ['Check that the service listens on the port and that firewalls let clients in.'],
  },
  'tls.handshake_failed': {
    severity: 'critical',
    title: 'The TLS handshake failed',
    why: 'The server accepted the connection but the handshake failed: no certificate for this name (SNI), plain HTTP on a TLS port, or no shared protocol or cipher.',
    fixes: [
      'Check the server has a certificate configured for this name (SNI) and speaks TLS on this port.',
      VERIFY_SERVED,
    ],
  },
  'tls.expired': {
    severity: 'critical',
    title: 'The served certificate has expired',
    why: 'The certificate presented is past its notAfter date: renewal failed, or the renewed certificate was never deployed.',
    fixes: ['Renew the certificate, or deploy the already renewed one and reload the server.', VERIFY_SERVED],
  },
  'tls.not_yet_valid': {
    severity: 'critical',
    title: 'The served certificate is not valid yet',
    why: "The certificate's notBefore is in the future: it was issued with a wrong clock or deployed too early, or this machine's clock is wrong.",
    fixes: [
      'Check the clocks (NTP) on the server and on the issuing system.',
      'Deploy a certificate that is already valid.',
    ],
  },
  'tls.expiring_soon': {
    severity: 'warning',
    title: 'The served certificate expires soon',
    why: "Less of the certificate's lifetime remains than renewal software normally allows (a third of it, at most 30 days): renewal may be failing.",
    fixes: [
      'Check that automatic renewal runs and succeeds (`certbot renew --dry-run`, `cmctl status certificate`).',
      'If a renewed certificate exists, deploy it and reload the server.',
    ],
  },
  'tls.hostname_mismatch': {
    severity: 'critical',
    title: 'The certificate does not cover this name',
    why: 'None of the subjectAltName entries matches the name (RFC 6125; a wildcard covers exactly one label).',
    fixes: [
      'Issue a certificate that includes the name, or configure the server (SNI / virtual host) to present the right one.',
      VERIFY_SERVED,
    ],
  },
  'tls.self_signed': {
    severity: 'critical',
    title: 'The server presents a self-signed certificate',
    why: 'The certificate is signed by its own key and no trusted CA vouches for it: often a default or placeholder certificate.',
    fixes: ['Install the certificate issued by your CA, with its chain.', VERIFY_SERVED],
  },
  'tls.incomplete_chain': {
    severity: 'critical',
    title: 'The server does not send the intermediate certificate',
    why: 'The presented chain stops before a trusted root: the intermediate CA certificate is missing. Browsers may cope through caching; other clients fail.',
    fixes: [
      'Configure the full chain (leaf + intermediates): `fullchain.pem` with certbot, `ssl_certificate` pointing at the full chain in nginx.',
      'Download the missing intermediate from the AIA URL named above.',
    ],
  },
  'tls.untrusted_root': {
    severity: 'critical',
    title: 'The chain leads to an untrusted root',
    why: 'The chain ends at a CA that is not in the trust store: a private CA, a test CA, or an interception proxy.',
    fixes: [
      'Use a certificate from a publicly trusted CA for public services.',
      'For an internal PKI, pass the root with `--trust-anchor` (or CERTMEDIC_TRUST_ANCHORS).',
    ],
  },
  'tls.weak_key': {
    severity: 'critical',
    title: 'The certificate key is too weak',
    why: 'RSA keys below 2048 bits (or elliptic curves weaker than P-256) are refused by browsers and CAs.',
    fixes: ['Generate a new key (RSA 2048+ or ECDSA P-256) and reissue the certificate.'],
  },
  'tls.weak_signature': {
    severity: 'critical',
    title: 'The certificate is signed with a weak algorithm',
    why: 'MD5 or SHA-1 signatures are no longer accepted by clients.',
    fixes: ['Reissue the certificate with a SHA-256 (or stronger) signature.'],
  },
  'tls.stale_certificate': {
    severity: 'critical',
    title: 'The renewed certificate is not the one being served',
    why: 'The address serves a different certificate than the one expected: the server was not reloaded, the wrong virtual host or keystore was updated, or a load balancer or CDN still holds the old certificate.',
    fixes: [
      'Reload or restart the server after deploying (nginx -s reload, systemctl reload apache2, restart Tomcat/IIS bindings).',
      'Check the virtual host / keystore path that serves this name is the one that was updated.',
      'Update the certificate on load balancers and CDNs in front of the server.',
      VERIFY_SERVED,
    ],
  },
  'tls.inconsistent_backends': {
    severity: 'warning',
    title: 'Addresses behind the name serve different certificates',
    why: 'Not every backend got the same certificate: a deployment reached only some servers, or one node of a pool was missed.',
    fixes: ['Deploy the current certificate to every backend listed above.', VERIFY_SERVED],
  },
  'tls.intermediate_expiring': {
    severity: 'warning',
    title: 'An intermediate certificate in the chain expires soon or has expired',
    why: 'A CA certificate that clients use to build the chain is close to (or past) its end: the server sends an old chain.',
    fixes: ["Download the CA's current intermediate and update the chain file; then reload the server."],
  },

  // ---- CA side -------------------------------------------------------------------------------
  'risk.manual_review_likely': {
    severity: 'warning',
    title: 'The CA may hold this name for manual review',
    why: 'CAs hold names that look high-risk (well-known brands, phishing-prone words, some TLDs) for human review without saying why. This is a heuristic: no public list exists.',
    fixes: [
      'Wait: reviews usually finish within a few business days; ask the CA for the status.',
      'Use another name without the flagged word.',
      'Order an OV or EV certificate, where the organisation is verified.',
    ],
  },
  'acme.rate_limited': {
    severity: 'warning',
    title: 'The CA is rate-limiting this account or domain',
    why: "The CA's error says a rate limit was hit (certificates per registered domain, duplicate certificates, failed validations per hour, new orders).",
    fixes: [
      "Wait until the limit's window passes (the error or the CA's Retry-After says when); don't retry in a loop.",
      'Test against the staging environment; reuse existing certificates; group names into one certificate.',
    ],
  },
  'order.status_sync_delay': {
    severity: 'info',
    title: 'The CA may have issued although the order looks pending',
    why: 'Platforms sync order status from the CA with a delay: the certificate can be issued while the order page still says pending.',
    fixes: [
      'Check the CA mail, Certificate Transparency logs (crt.sh) or the served certificate before re-ordering.',
      'Trigger a status sync in the platform, or wait for the next one.',
    ],
  },

  // ---- CSR / template ------------------------------------------------------------------------
  'csr.unparseable': {
    severity: 'critical',
    title: 'The CSR cannot be parsed',
    why: 'The input is not a PEM or DER PKCS#10 certificate request (truncated, wrong file, or a certificate or key instead of a CSR).',
    fixes: ['Regenerate the CSR and paste the whole block from `-----BEGIN CERTIFICATE REQUEST-----` to the END line.'],
  },
  'csr.weak_key': {
    severity: 'critical',
    title: 'The CSR key is too weak',
    why: 'Public CAs require RSA keys of at least 2048 bits (a multiple of 8) or ECDSA P-256/P-384.',
    fixes: [
      'Generate a new key: `openssl req -new -newkey rsa:2048 ...` or `-newkey ec -pkeyopt ec_paramgen_curve:P-256`.',
    ],
  },
  'csr.unsupported_key': {
    severity: 'critical',
    title: 'The CA does not accept this key type',
    why: 'Most public CAs accept only RSA and ECDSA P-256/P-384 keys; P-521 and Ed25519 are refused by most.',
    fixes: ['Use an RSA 2048+/3072 or ECDSA P-256/P-384 key.'],
  },
  'csr.weak_signature': {
    severity: 'critical',
    title: 'The CSR is signed with a weak algorithm',
    why: 'CAs refuse CSRs signed with MD5 or SHA-1.',
    fixes: ['Regenerate the CSR with SHA-256 (`openssl req -sha256 ...`).'],
  },
  'csr.bad_signature': {
    severity: 'critical',
    title: 'The CSR signature does not verify',
    why: 'The CSR was modified after signing or is corrupt, so it does not prove possession of the key.',
    fixes: ['Regenerate the CSR from the private key.'],
  },
  'csr.invalid_name': {
    severity: 'critical',
    title: 'A name in the CSR is not a valid host name',
    why: 'Names must be LDH host names: labels of 1–63 letters, digits and hyphens, at most 253 characters, no underscores, valid IDN A-labels.',
    fixes: ['Correct or remove the invalid name and regenerate the CSR.'],
  },
  'csr.bad_wildcard': {
    severity: 'critical',
    title: 'A wildcard name is not allowed',
    why: 'A wildcard must be the whole left-most label (`*.example.com`) and may not sit directly on a public suffix (`*.com`, `*.co.uk`).',
    fixes: ['Use `*.<your registered domain>` or list the names explicitly.'],
  },
  'csr.internal_name': {
    severity: 'critical',
    title: 'The CSR contains an internal name or address',
    why: 'Public CAs may not issue for internal names, reserved TLDs (.local, .internal, .lan, ...) or private IP addresses (CA/Browser Forum BR 4.2.2).',
    fixes: ['Remove internal names from the CSR, or use an internal CA for them.'],
  },
  'csr.too_many_names': {
    severity: 'critical',
    title: 'The CSR has more names than the CA allows',
    why: "CAs cap the number of names per certificate (Let's Encrypt: 100).",
    fixes: ['Split the names over several certificates.'],
  },
  'csr.cn_too_long': {
    severity: 'critical',
    title: 'The Common Name is longer than 64 characters',
    why: 'X.509 limits the CN to 64 characters (RFC 5280 ub-common-name).',
    fixes: ['Leave the CN empty or use a shorter name; put long names only in subjectAltName.'],
  },
  'csr.subject_missing': {
    severity: 'critical',
    title: 'Subject fields required for this validation level are missing',
    why: 'OV and EV certificates need the organisation (O), country (C) and locality (L) or state (ST).',
    fixes: ['Regenerate the CSR with the missing subject fields, or order a DV certificate.'],
  },
  'csr.template_mismatch': {
    severity: 'critical',
    title: 'The CSR does not match the certificate template',
    why: 'The key, names or subject differ from what the template (and so the CA connector) expects; the platform or CA will reject the request.',
    fixes: ['Regenerate the CSR to match the template, or update the template if it is out of date.'],
  },
  'csr.cn_not_in_san': {
    severity: 'warning',
    title: 'The Common Name is not among the subjectAltNames',
    why: 'The CN must be one of the SANs (CA/Browser Forum BR 7.1.4.3); CAs either add it or refuse.',
    fixes: ['Add the CN to the SAN list, or leave the CN empty.'],
  },
  'csr.subject_not_allowed': {
    severity: 'warning',
    title: 'The subject has fields the CA will drop or refuse',
    why: 'DV certificates carry only the CN (and sometimes C); OU is no longer allowed in publicly trusted certificates (since 2022).',
    fixes: ['Remove the extra subject fields (OU, and O/L/ST for DV).'],
  },
  'csr.duplicate_name': {
    severity: 'warning',
    title: 'A name appears more than once',
    why: 'Duplicate SAN entries are redundant and some CA APIs refuse them.',
    fixes: ['List every name once.'],
  },
  'csr.rsa_exponent': {
    severity: 'warning',
    title: 'Unusual RSA public exponent',
    why: 'CAs expect the exponent 65537; other values are refused by some CAs and libraries.',
    fixes: ['Generate a new key with the default exponent 65537.'],
  },

  // ---- Automation: provisioning bots ---------------------------------------------------------
  'bot.inactive': {
    severity: 'critical',
    title: 'The provisioning bot is not active',
    why: 'The bot that requests and deploys this certificate is disabled, stopped or decommissioned, so nothing renews or deploys.',
    fixes: ['Start or re-enable the bot, or assign the certificate to an active bot.'],
  },
  'bot.heartbeat_stale': {
    severity: 'warning',
    title: 'The provisioning bot has not checked in recently',
    why: 'No heartbeat arrived within the expected interval: the host may be down, the agent crashed, or it cannot reach the platform.',
    fixes: [
      'Check the bot host and the agent service (logs, `systemctl status`), and its network path to the platform.',
    ],
  },
  'bot.token_expired': {
    severity: 'critical',
    title: "The provisioning bot's token has expired",
    why: 'The bot authenticates to the platform with a token that is no longer valid: every job it picks up fails with an authentication error.',
    fixes: ['Issue a new token for the bot and restart it.'],
  },
  'bot.token_expiring': {
    severity: 'warning',
    title: "The provisioning bot's token expires soon",
    why: 'When the token expires the bot stops working, possibly in the middle of a renewal window.',
    fixes: ['Rotate the token before it expires.'],
  },
  'bot.wrong_purpose': {
    severity: 'critical',
    title: 'The assigned bot is not a provisioning bot',
    why: 'The certificate is assigned to a bot registered for another purpose (discovery, monitoring), which never provisions certificates.',
    fixes: ['Assign a bot whose purpose is provisioning.'],
  },
  'bot.unavailable_at_schedule': {
    severity: 'warning',
    title: 'The bot is not available when renewal is scheduled',
    why: "The renewal runs at a time outside the bot's availability window (maintenance window, office hours), so the job waits or fails.",
    fixes: ["Move the renewal schedule into the bot's availability window, or widen the window."],
  },

  // ---- Automation: CA connectors -------------------------------------------------------------
  'connector.inactive': {
    severity: 'critical',
    title: 'The CA connector is not active',
    why: 'Orders for this certificate go through a connector that is disabled.',
    fixes: ['Re-enable the connector or map the template to an active connector.'],
  },
  'connector.unreachable': {
    severity: 'critical',
    title: "The CA connector's endpoint is unreachable",
    why: "The connector's CA endpoint (for example the ACME directory) does not answer correctly: network, proxy, TLS or CA outage.",
    fixes: [
      'Check the network path and proxy settings from the platform to the CA endpoint.',
      "Check the CA's status page.",
    ],
  },
  'connector.credentials_expired': {
    severity: 'critical',
    title: "The CA connector's credentials have expired",
    why: 'The API key, EAB key or client certificate the connector uses to authenticate to the CA is past its expiry.',
    fixes: ["Create new credentials in the CA's portal and update the connector."],
  },
  'connector.template_unmapped': {
    severity: 'critical',
    title: "The certificate's template is not mapped on the CA connector",
    why: 'The connector has no mapping for this template (profile / product), so the platform cannot place the order.',
    fixes: ['Map the template to a CA product or profile on the connector.'],
  },

  // ---- Automation: deployments ---------------------------------------------------------------
  'deploy.failed': {
    severity: 'critical',
    title: 'The last deployment failed',
    why: 'The deployment job reported failure; the classified log lines above say at which step.',
    fixes: ['Fix the cause named in the log, then re-run the deployment.'],
  },
  'deploy.stuck_pending': {
    severity: 'warning',
    title: 'The deployment has been pending far longer than usual',
    why: 'The running deployment takes much longer than its own history: the bot may be offline, waiting on credentials, or hung on a remote step.',
    fixes: [
      'Read the job logs and test connectivity from the bot to the target.',
      'Cancel the job and re-run it with a smaller scope.',
    ],
  },
  'deploy.config_invalid': {
    severity: 'critical',
    title: 'The deployment configuration is incomplete',
    why: 'The deployment target lacks something the job needs (keystore path, restart command, credentials reference, port binding).',
    fixes: ['Complete the deployment configuration in the inventory / platform.'],
  },
  'deploy.port_not_listening': {
    severity: 'critical',
    title: 'The deployment target does not accept TLS connections',
    why: "The target's TLS port refuses or drops connections, so the new certificate cannot be served (or verified).",
    fixes: [
      'Check the service is running and bound to the port; check the port bindings in the deployment configuration.',
    ],
  },
  'deploy.not_deployed_after_renewal': {
    severity: 'critical',
    title: 'The renewed certificate was issued but is not deployed',
    why: 'The inventory says a newer certificate was issued, but the target still serves another one.',
    fixes: [
      'Re-run the deployment; reload or restart the server afterwards.',
      'Check load balancers and CDNs in front of the target.',
      VERIFY_SERVED,
    ],
  },

  // ---- Automation: renewal -------------------------------------------------------------------
  'renewal.not_triggered': {
    severity: 'critical',
    title: 'Renewal has not been triggered although the window is open',
    why: 'The certificate is inside its renewal window and no renewal was scheduled or ran.',
    fixes: [
      'Trigger a manual renewal now, then find out why the schedule did not run (bot availability, schedule disabled).',
    ],
  },
  'renewal.window_too_short': {
    severity: 'warning',
    title: 'The renewal window is too short for the certificate lifetime',
    why: 'A fixed window leaves too little time to retry. Maximum lifetimes shrink to 200 days (2026), 100 (2027) and 47 (2029): renew at a fraction of the lifetime (about a third remaining) instead.',
    fixes: ['Set the renewal window to about a third of the certificate lifetime (at least several retry intervals).'],
  },
  'renewal.schedule_timezone': {
    severity: 'warning',
    title: 'The renewal schedule is not in UTC',
    why: 'Schedules in local time shift with daylight saving and differ between bot and platform.',
    fixes: ['Express renewal schedules in UTC.'],
  },
  'renewal.no_retry': {
    severity: 'warning',
    title: 'Renewal has no retry configured',
    why: 'A single failed attempt (CA outage, network blip) leaves the certificate unrenewed until someone notices.',
    fixes: ['Configure retries with backoff inside the renewal window.'],
  },
  'renewal.window_exceeds_lifetime': {
    severity: 'warning',
    title: 'The renewal window is as long as the certificate lifetime',
    why: 'A fixed window in days (say 30) that is longer than a short lifetime (6-day or 47-day certificates) keeps the certificate permanently "due": every run renews again and runs into CA rate limits.',
    fixes: ['Express the window as a fraction of the lifetime (about a third remaining) instead of fixed days.'],
  },

  // ---- Provisioning logs ---------------------------------------------------------------------
  'log.auth_failure': {
    severity: 'critical',
    title: 'Authentication failed',
    why: 'A credential was rejected: SSH/WinRM login, an API key or token (expired or revoked), or the ACME account.',
    fixes: ['Renew or correct the credential the log names, then retry.'],
  },
  'log.network_timeout': {
    severity: 'critical',
    title: 'The bot could not reach a server',
    why: 'A connection from the bot to the target server or the CA timed out or was refused.',
    fixes: ['Test connectivity from the bot host (firewall, proxy, DNS) to the host named in the log.'],
  },
  'log.keystore_write_failure': {
    severity: 'critical',
    title: 'Writing the certificate or keystore failed',
    why: 'The path does not exist, permissions are missing, the disk is full, or the keystore password/format is wrong.',
    fixes: ['Check the path, permissions and free space on the target; check the keystore password and type.'],
  },
  'log.restart_failure': {
    severity: 'critical',
    title: 'Reloading or restarting the service failed',
    why: 'The certificate was written but the service (nginx, Apache, IIS, Tomcat, HAProxy) did not reload: config error, missing permission, or the service is down.',
    fixes: [
      'Run the config test (`nginx -t`, `apachectl configtest`, `haproxy -c`) and the reload by hand; grant the bot the restart permission.',
    ],
  },
  'log.dcv_failure': {
    severity: 'critical',
    title: 'Domain validation failed',
    why: 'The CA could not validate control of the name (HTTP-01, DNS-01, TLS-ALPN-01 or email/file DCV).',
    fixes: ['Run `certmedic diagnose <name>` with the validation method to see why.'],
  },
  'log.caa_blocked': {
    severity: 'critical',
    title: 'CAA records blocked issuance',
    why: "The CA refused because the domain's CAA records do not authorize it.",
    fixes: ['Run `certmedic diagnose <name> --ca <ca>` to see the record and the exact fix.'],
  },
  'log.rate_limited': {
    severity: 'critical',
    title: 'The CA rate-limited the request',
    why: 'Too many certificates, orders or failed validations in the rate-limit window.',
    fixes: ['Wait for the window to pass (see Retry-After); stop retry loops; test against staging.'],
  },
  'log.csr_rejected': {
    severity: 'critical',
    title: 'The CA rejected the CSR',
    why: 'The key, signature, names or subject of the CSR are not acceptable to the CA.',
    fixes: ['Run `certmedic lint-csr` on the CSR to see what the CA objects to.'],
  },
  'log.connector_error': {
    severity: 'critical',
    title: 'The CA API returned an error',
    why: 'The CA or its API failed or refused the request for a reason other than validation (server error, malformed request, account issue).',
    fixes: ["Check the CA's status page and the connector configuration; retry later."],
  },
  'log.manual_review': {
    severity: 'critical',
    title: 'The order is held for manual review',
    why: 'The CA flagged the request for human review.',
    fixes: ['Contact the CA or wait; consider another name or OV/EV validation.'],
  },
  'log.unknown': {
    severity: 'info',
    title: 'No known failure pattern found in the log',
    why: 'None of the classifier rules matched.',
    fixes: ['Read the last lines before the failure; add a rule to the config file if this pattern recurs.'],
  },

  // ---- Internal ------------------------------------------------------------------------------
  'check.failed': {
    severity: 'warning',
    title: 'A check could not run',
    why: 'certmedic itself failed while running this check, so its result is unknown (not "ok").',
    fixes: ['Retry; if it persists, report it with the detail above.'],
  },
  'policy.address_refused': {
    severity: 'warning',
    title: 'The bot did not probe some addresses of this name',
    why: 'The name resolves to private, loopback, link-local or reserved addresses, which the bot refuses to connect to (protection against being used to scan internal networks); results for those addresses are missing, not "ok".',
    fixes: [
      'Run `certmedic diagnose <name>` from a machine inside that network (the CLI probes every address).',
      'Or let the bot probe the range: add it to CERTMEDIC_ALLOW_NETWORKS (a CIDR list) and restart the bot.',
    ],
  },
} as const satisfies Record<string, CatalogEntry>;

export type Code = keyof typeof CATALOG;

/** catalogEntry returns the entry for a code, or undefined for a code not in the catalog. */
export function catalogEntry(code: string): CatalogEntry | undefined {
  return (CATALOG as Record<string, CatalogEntry>)[code];
}

export interface FindingOptions {
  severity?: Severity;
  /** Case-specific fixes shown before the catalog's generic ones. */
  fixes?: string[];
  title?: string;
}

/**
 * finding builds a Finding for a catalog code: title, severity and fixes come from the catalog,
 * `detail` and `evidence` from the check that observed the problem.
 */
export function finding(
  code: Code,
  detail: string,
  evidence: Record<string, unknown> = {},
  options: FindingOptions = {},
): import('./finding.js').Finding {
  const entry: CatalogEntry = CATALOG[code];
  const fixes = [...(options.fixes ?? []), ...entry.fixes.filter((f) => !options.fixes?.includes(f))];
  return {
    code,
    severity: options.severity ?? entry.severity,
    title: options.title ?? entry.title,
    detail,
    fixes,
    evidence,
  };
}
