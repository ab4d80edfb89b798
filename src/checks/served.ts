/**
 * What one address serves, judged: `analyzeServed` turns a TLS probe result into findings (expiry,
 * name, chain and trust, key and signature strength, drift from the expected certificate) and
 * `servedFacts` into the facts of the report. Pure functions: usable by diagnose, scan and the
 * automation checks alike.
 */

import { finding } from '../core/catalog.js';
import { buildChain, type ChainResult, type TrustStore } from '../core/chain.js';
import { DEFAULT_EXPIRY, type ExpiryPolicy, expiryState, expiryThresholds, formatRemaining } from '../core/expiry.js';
import type { Finding } from '../core/finding.js';
import { certificateCovers, presentedNames } from '../core/hostname.js';
import { type CertInfo, certIdentity, describeCert, summarizeCert } from '../core/x509.js';
import type { TlsProbeResult } from '../net/tls.js';

export interface ServedExpectations {
  /** The name the certificate must cover (SNI). */
  name: string;
  /** The certificate must carry `*.name`. */
  wildcard?: boolean;
  trust: TrustStore;
  now: number;
  /** Normalised: lower-case hex, no colons, no leading zeros. */
  expectSerial?: string;
  /** Normalised: lower-case hex, no colons. */
  expectSha256?: string;
  expiry?: ExpiryPolicy;
}

/** Weak by CA/Browser Forum BR 6.1.5 / 7.1.3: RSA/DSA under 2048 bits, EC under 256. */
function weakKey(c: CertInfo): boolean {
  if (c.keyType === 'rsa' || c.keyType === 'rsa-pss' || c.keyType === 'dsa') return (c.keyBits ?? 0) < 2048;
  if (c.keyType === 'ec') return (c.keyBits ?? 0) < 256;
  return false;
}

const WEAK_HASHES = new Set(['md2', 'md5', 'sha1']);

function where(r: TlsProbeResult): string {
  return `${r.address} port ${r.port}${r.connectPort !== r.port ? ` (connected to ${r.connectPort})` : ''}`;
}

function sClient(r: TlsProbeResult, name: string): string {
  const starttls = r.starttls !== 'none' ? ` -starttls ${r.starttls}` : '';
  const host = r.address.includes(':') ? `[${r.address}]` : r.address;
  return `Check with \`openssl s_client -connect ${host}:${r.port} -servername ${name}${starttls} -showcerts\`.`;
}

/** failureFinding returns tls.connect_failed or tls.handshake_failed for a probe that did not complete. */
function failureFinding(r: TlsProbeResult, name: string): Finding {
  const ev = { address: r.address, port: r.port, stage: r.stage, error: r.error?.message, errorKind: r.error?.kind };
  const message = r.error?.message ?? 'no certificate presented';
  if (r.stage === 'connect') {
    return finding('tls.connect_failed', `Could not connect to ${where(r)}: ${message}`, ev, {
      fixes: [`Check that the service listens on port ${r.port} at ${r.address} and that firewalls let clients in.`],
    });
  }
  const what = r.stage === 'starttls' ? `The STARTTLS (${r.starttls}) dialogue with` : 'The TLS handshake with';
  const fixes =
    r.error?.kind === 'not_tls'
      ? [`Port ${r.port} at ${r.address} answers in plain text: enable TLS on this listener (or use the right port).`]
      : r.stage === 'starttls'
        ? [`Enable STARTTLS in the ${r.starttls} server at ${r.address} (or pass the right \`--starttls\`).`]
        : [`Check that the server at ${r.address} has a certificate configured for ${name} (SNI) on port ${r.port}.`];
  return finding('tls.handshake_failed', `${what} ${where(r)} (SNI ${name}) failed: ${message}`, ev, {
    fixes: [...fixes, sClient(r, name)],
  });
}

function validityFindings(r: TlsProbeResult, leaf: CertInfo, x: ServedExpectations): Finding[] {
  const ev = { address: r.address, port: r.port, ...certIdentity(leaf) };
  const desc = describeCert(leaf);
  const state = expiryState(leaf.notBeforeMs, leaf.notAfterMs, x.now, x.expiry ?? DEFAULT_EXPIRY);
  if (state === 'not_yet_valid') {
    return [
      finding('tls.not_yet_valid', `${r.address} serves a certificate valid only from ${leaf.notBefore}: ${desc}`, ev),
    ];
  }
  if (state === 'expired') {
    return [
      finding(
        'tls.expired',
        `${r.address} serves a certificate that expired ${leaf.notAfter} (${formatRemaining(x.now - leaf.notAfterMs)} ago): ${desc}`,
        ev,
        {
          fixes: [
            `Deploy a renewed certificate for ${leaf.sans[0] ?? x.name} to ${r.address} and reload the server.`,
            sClient(r, x.name),
          ],
        },
      ),
    ];
  }
  if (state === 'warning' || state === 'critical') {
    const t = expiryThresholds(leaf.notAfterMs - leaf.notBeforeMs, x.expiry ?? DEFAULT_EXPIRY);
    const remaining = leaf.notAfterMs - x.now;
    return [
      finding(
        'tls.expiring_soon',
        `${r.address} serves a certificate that expires ${leaf.notAfter}, in ${formatRemaining(remaining)} (of a ${formatRemaining(leaf.notAfterMs - leaf.notBeforeMs)} lifetime; warning below ${formatRemaining(t.warningMs)}, critical below ${formatRemaining(t.criticalMs)}): ${desc}`,
        { ...ev, remainingMs: remaining, warningMs: Math.round(t.warningMs), criticalMs: Math.round(t.criticalMs) },
        { severity: state },
      ),
    ];
  }
  return [];
}

function nameFinding(r: TlsProbeResult, leaf: CertInfo, x: ServedExpectations): Finding[] {
  if (certificateCovers(leaf, x.name, x.wildcard)) return [];
  const wanted = x.wildcard ? `*.${x.name}` : x.name;
  const names = presentedNames(leaf);
  return [
    finding(
      'tls.hostname_mismatch',
      `${r.address} serves a certificate for ${names.join(', ') || '(no names)'}, which does not cover ${wanted}: ${describeCert(leaf)}`,
      { address: r.address, port: r.port, wanted, presented: names, ...certIdentity(leaf) },
      {
        fixes: [
          `Serve a certificate that lists ${wanted} in subjectAltName for SNI ${x.name} at ${r.address} (check the virtual host / server_name that answers).`,
          sClient(r, x.name),
        ],
      },
    ),
  ];
}

function trustFindings(r: TlsProbeResult, leaf: CertInfo, chain: ChainResult): Finding[] {
  if (chain.trusted) return [];
  const ev = { address: r.address, port: r.port, ...certIdentity(leaf), presented: r.certs.map((c) => c.subject) };
  if (leaf.selfSigned) {
    return [finding('tls.self_signed', `${r.address} serves a self-signed certificate: ${describeCert(leaf)}`, ev)];
  }
  const last = chain.path[chain.path.length - 1]!;
  if (last.selfSigned) {
    return [
      finding(
        'tls.untrusted_root',
        `The chain served by ${r.address} ends at ${last.subject}, a root that is not trusted (SHA-256 ${last.sha256})`,
        {
          ...ev,
          root: summarizeCert(last),
        },
      ),
    ];
  }
  if (chain.path.length === 1) {
    const url = leaf.aiaCaIssuers[0];
    return [
      finding(
        'tls.incomplete_chain',
        `${r.address} sends only the leaf certificate; the intermediate ${leaf.issuer} that issued it is missing${url ? ` (AIA caIssuers: ${url})` : ''}`,
        { ...ev, missingIssuer: leaf.issuer, aiaCaIssuers: leaf.aiaCaIssuers },
        {
          fixes: [
            `Add the intermediate certificate "${leaf.issuer}"${url ? ` (download it from ${url}; convert DER with \`openssl x509 -inform der\`)` : ''} after the leaf in the certificate file served at ${r.address}.`,
          ],
        },
      ),
    ];
  }
  return [
    finding(
      'tls.untrusted_root',
      `The chain served by ${r.address} ends at ${last.subject}, issued by ${chain.missingIssuer ?? last.issuer}, which is neither sent by the server nor a trusted root`,
      { ...ev, missingIssuer: chain.missingIssuer ?? last.issuer, aiaCaIssuers: last.aiaCaIssuers },
      {
        fixes: last.aiaCaIssuers[0]
          ? [
              `If "${last.issuer}" is an intermediate, add it (from ${last.aiaCaIssuers[0]}) to the chain served at ${r.address}.`,
            ]
          : [],
      },
    ),
  ];
}

/** strengthFindings flags weak keys and MD5/SHA-1 signatures on the leaf and intermediates (never on roots or anchors). */
function strengthFindings(r: TlsProbeResult, chain: ChainResult): Finding[] {
  // A root's own self-signature and a trust anchor's key are outside the server's chain; the leaf's key always counts.
  const judged = chain.path.filter((c) => c !== chain.anchor && !c.selfSigned);
  const out: Finding[] = [];
  const weakKeys = chain.path.filter((c, i) => (i === 0 || judged.includes(c)) && weakKey(c));
  if (weakKeys.length > 0) {
    const list = weakKeys
      .map((c) => `${c.subject} (${c.keyType} ${c.keyBits ?? '?'} bits, serial ${c.serial})`)
      .join('; ');
    out.push(
      finding('tls.weak_key', `${r.address} serves a chain with a weak key: ${list}`, {
        address: r.address,
        port: r.port,
        certificates: weakKeys.map(summarizeCert),
      }),
    );
  }
  const weakSigs = judged.filter((c) => WEAK_HASHES.has(c.signatureHash));
  if (weakSigs.length > 0) {
    const list = weakSigs.map((c) => `${c.subject} (${c.signatureAlgorithm}, serial ${c.serial})`).join('; ');
    out.push(
      finding('tls.weak_signature', `${r.address} serves a chain signed with a weak algorithm: ${list}`, {
        address: r.address,
        port: r.port,
        certificates: weakSigs.map(summarizeCert),
      }),
    );
  }
  return out;
}

/**
 * intermediateFindings judges the intermediates of the path that validates (an unused expired
 * cross-sign is ignored). An expired intermediate on that path means no valid path was offered:
 * clients reject the chain (RFC 5280 §6.1.3 checks every certificate's validity), so it is
 * tls.expired, merged into the leaf's own tls.expired when there is one; expired or close to its
 * end, it is also tls.intermediate_expiring (the code the chain alerts follow).
 */
function intermediateFindings(
  r: TlsProbeResult,
  chain: ChainResult,
  x: ServedExpectations,
  validity: Finding[],
): Finding[] {
  const intermediates = chain.path.slice(1).filter((c) => c !== chain.anchor && !c.selfSigned);
  const states = intermediates.map((c) => ({
    c,
    state: expiryState(c.notBeforeMs, c.notAfterMs, x.now, x.expiry ?? DEFAULT_EXPIRY),
  }));
  const expired = states.filter((e) => e.state === 'expired').map((e) => e.c);
  const out: Finding[] = [];
  if (expired.length > 0) {
    const list = expired.map((c) => `${c.subject} (serial ${c.serial}) expired ${c.notAfter}`).join('; ');
    const leafExpired = validity.find((f) => f.code === 'tls.expired');
    if (leafExpired) leafExpired.detail += `; the intermediate ${list} too`;
    else {
      out.push(
        finding(
          'tls.expired',
          `${r.address} serves a chain through an expired intermediate, which clients reject although the leaf is valid: ${list}`,
          { address: r.address, port: r.port, intermediates: expired.map(summarizeCert) },
          {
            fixes: [
              `Replace the intermediate ${expired[0]!.subject} in the chain file served at ${r.address} with the CA's current one (the chain your CA delivered with the certificate), then reload.`,
              sClient(r, x.name),
            ],
          },
        ),
      );
    }
  }
  // The expired ones stay listed here too: the chain alert (monitor) is raised from this code.
  const bad = states.filter((e) => e.state !== 'ok' && e.state !== 'not_yet_valid');
  if (bad.length === 0) return out;
  const list = bad
    .map(
      ({ c, state }) =>
        `${c.subject} (serial ${c.serial}) ${state === 'expired' ? 'expired' : 'expires'} ${c.notAfter}`,
    )
    .join('; ');
  return [
    ...out,
    finding('tls.intermediate_expiring', `${r.address} serves an intermediate that is expiring or expired: ${list}`, {
      address: r.address,
      port: r.port,
      certificates: bad.map(({ c }) => summarizeCert(c)),
    }),
  ];
}

function driftFindings(r: TlsProbeResult, leaf: CertInfo, x: ServedExpectations): Finding[] {
  const mismatch =
    (x.expectSerial !== undefined && leaf.serial !== x.expectSerial) ||
    (x.expectSha256 !== undefined && leaf.sha256 !== x.expectSha256);
  if (!mismatch) return [];
  const expected = x.expectSerial !== undefined ? `serial ${x.expectSerial}` : `SHA-256 ${x.expectSha256}`;
  return [
    finding(
      'tls.stale_certificate',
      `${r.address} serves ${describeCert(leaf)}; expected ${expected}`,
      { address: r.address, port: r.port, expected: x.expectSerial ?? x.expectSha256, ...certIdentity(leaf) },
      {
        fixes: [
          `${r.address} still serves serial ${leaf.serial}: reload it, or find the virtual host, keystore, load balancer or CDN that answers ${x.name} on port ${r.port} there.`,
          sClient(r, x.name),
        ],
      },
    ),
  ];
}

/** analyzeServed returns the findings about what one address serves (one finding per code). */
export function analyzeServed(r: TlsProbeResult, x: ServedExpectations): Finding[] {
  if (r.stage === 'policy') return [];
  const leaf = r.certs[0];
  if (!r.ok || !leaf) return [failureFinding(r, x.name)];
  const chain = r.chain ?? buildChain(r.certs, x.trust, x.now);
  const validity = validityFindings(r, leaf, x);
  return [
    ...validity,
    ...nameFinding(r, leaf, x),
    ...trustFindings(r, leaf, chain),
    ...strengthFindings(r, chain),
    ...intermediateFindings(r, chain, x, validity),
    ...driftFindings(r, leaf, x),
  ];
}

/** servedFacts returns the `tls` facts of one address: the leaf, the chain and the connection. */
export function servedFacts(r: TlsProbeResult, trust: TrustStore, now: number): Record<string, unknown> {
  const base = { port: r.port, ...(r.starttls !== 'none' ? { starttls: r.starttls } : {}), connectMs: r.connectMs };
  const leaf = r.certs[0];
  if (!r.ok || !leaf) {
    const error = r.error?.message ?? 'no certificate presented';
    return { ...base, summary: `${r.stage ?? 'handshake'} failed: ${error}`, stage: r.stage, error };
  }
  const chain = r.chain ?? buildChain(r.certs, trust, now);
  return {
    ...base,
    summary: `${leaf.subject || leaf.sans[0] || '(no subject)'}, serial ${leaf.serial}, expires ${leaf.notAfter}, issued by ${leaf.issuer}, ${r.protocol ?? '?'}`,
    ...summarizeCert(leaf),
    protocol: r.protocol,
    cipher: r.cipher,
    alpn: r.alpn ?? null,
    handshakeMs: r.handshakeMs,
    ...(r.starttlsMs !== undefined ? { starttlsMs: r.starttlsMs } : {}),
    trusted: chain.trusted,
    presented: r.certs.map((c) => ({ subject: c.subject, issuer: c.issuer, serial: c.serial, notAfter: c.notAfter })),
    path: chain.path.map((c) => c.subject),
  };
}
