/**
 * TLS-ALPN-01 as CAs perform it (RFC 8737): a TLS connection to port 443 of every address, SNI
 * set to the name, offering only ALPN `acme-tls/1`. A server (or a CDN or TLS-terminating proxy in
 * front) that does not select `acme-tls/1` makes the challenge fail.
 */
import { isIP } from 'node:net';
import { finding } from '../core/catalog.js';
import { NotApplicable } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import { ACME_TLS_ALPN, AlpnProbeError, type AlpnProbeResult, alpnProbe } from '../net/alpn.js';
import type { NetError } from '../net/errors.js';
import { mapPort } from '../net/portmap.js';
import type { Check, ScanContext } from './context.js';
import { probeBudget } from './http01.js';

type Outcome = { address: string; result?: AlpnProbeResult; error?: NetError; refused?: string };

/** refusedAlpn returns true for a handshake that failed because no offered protocol was accepted. */
function refusedAlpn(err: NetError): boolean {
  return /NO_APPLICATION_PROTOCOL/i.test(err.code ?? '') || /no_application_protocol/i.test(err.message);
}

async function probe(ctx: ScanContext, address: string): Promise<Outcome> {
  try {
    ctx.policy.assert(address);
  } catch (err) {
    return { address, refused: (err as Error).message };
  }
  try {
    const result = await alpnProbe({
      address,
      port: mapPort(ctx.portMap, 443),
      servername: ctx.req.name,
      signal: ctx.signal,
      timeoutMs: probeBudget(ctx),
    });
    return { address, result };
  } catch (err) {
    if (err instanceof AlpnProbeError) return { address, error: err.net };
    throw err;
  }
}

/** outcomeFinding returns the finding of one address, or undefined when `acme-tls/1` was selected. */
export function outcomeFinding(o: Outcome, name: string, port: number): Finding | undefined {
  const where = `${isIP(o.address) === 6 ? `[${o.address}]` : o.address}:${port}`;
  if (o.error && refusedAlpn(o.error)) {
    return finding(
      'tlsalpn01.alpn_not_supported',
      `${o.address}: the TLS server at ${where} refused ALPN ${ACME_TLS_ALPN} for ${name} (${o.error.message})`,
      { address: o.address, error: o.error.message },
    );
  }
  if (o.error) {
    return finding(
      'tlsalpn01.connection_failed',
      `${o.address}: ${o.error.message} (${where}, SNI ${name}, ALPN ${ACME_TLS_ALPN})`,
      { address: o.address, error: o.error.message, kind: o.error.kind },
      {
        fixes:
          o.error.kind === 'not_tls'
            ? [`Something other than TLS answers on ${where}: serve TLS on port 443.`]
            : [
                `Test from outside your network: \`openssl s_client -connect ${where} -servername ${name} -alpn ${ACME_TLS_ALPN}\`.`,
              ],
      },
    );
  }
  if (o.result && o.result.protocol !== ACME_TLS_ALPN) {
    const got = o.result.protocol === false ? 'no ALPN protocol' : `ALPN ${o.result.protocol}`;
    return finding(
      'tlsalpn01.alpn_not_supported',
      `${o.address}: the TLS server at ${where} completed the handshake for ${name} with ${got} instead of ${ACME_TLS_ALPN}`,
      { address: o.address, protocol: o.result.protocol, subjectAltName: o.result.subjectAltName },
    );
  }
  return undefined;
}

function summaryOf(o: Outcome): string {
  if (o.refused) return `not probed (${o.refused})`;
  if (o.error) return o.error.message;
  const r = o.result!;
  if (r.protocol !== ACME_TLS_ALPN) return r.protocol === false ? 'no ALPN selected' : `selected ${r.protocol}`;
  return r.acmeIdentifier
    ? `${ACME_TLS_ALPN} selected, challenge certificate with acmeIdentifier`
    : `${ACME_TLS_ALPN} selected, but the certificate has no acmeIdentifier extension (no challenge pending?)`;
}

export const tlsAlpn01Check: Check = {
  name: 'tlsalpn01',
  skipReason(req) {
    return req.method !== 'tls-alpn-01' ? `the validation method is ${req.method}` : undefined;
  },
  async run(ctx) {
    if (ctx.req.wildcard) {
      return [
        finding(
          'tlsalpn01.wildcard_unsupported',
          `*.${ctx.req.name} can only be validated with DNS-01; TLS-ALPN-01 was requested`,
          { name: `*.${ctx.req.name}` },
          { fixes: [`Validate *.${ctx.req.name} with DNS-01 (TXT at _acme-challenge.${ctx.req.name}).`] },
        ),
      ];
    }
    const lookup = await ctx.lookups.addresses();
    if (lookup.addresses.length === 0) throw new NotApplicable('the name has no addresses to connect to');
    const outcomes = await Promise.all(lookup.addresses.map((a) => probe(ctx, a)));
    if (outcomes.every((o) => o.refused)) throw new NotApplicable('every address is refused by the target policy');
    const port = mapPort(ctx.portMap, 443);
    const out: Finding[] = [];
    for (const o of outcomes) {
      ctx.addressFacts(o.address)['tlsalpn01'] = {
        summary: summaryOf(o),
        ...(o.result ? { protocol: o.result.protocol, acmeIdentifier: o.result.acmeIdentifier } : {}),
      };
      ctx.log(`tls-alpn ${o.address}:${port} -> ${summaryOf(o)}`);
      const f = o.refused ? undefined : outcomeFinding(o, ctx.req.name, port);
      if (f) out.push(f);
    }
    return out;
  },
};
