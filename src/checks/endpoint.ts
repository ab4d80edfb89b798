/**
 * Served-certificate check (`endpoint`): probe every A/AAAA address of the name on port 443 (or
 * the explicit port, with STARTTLS by port or `--starttls`), judge what each one serves, and
 * compare the addresses with each other — one bad backend or a renewed-but-not-deployed
 * certificate hides behind the others when only one address is probed.
 */

import { finding } from '../core/catalog.js';
import { trustStore } from '../core/chain.js';
import { NotApplicable } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import { defaultStarttls } from '../net/starttls.js';
import { probeTls, type TlsProbeResult } from '../net/tls.js';
import type { Check, ScanContext } from './context.js';
import { analyzeServed, servedFacts } from './served.js';

/** Time kept back from the deadline so a probe that times out still becomes a finding. */
const MARGIN_MS = 250;

/** inconsistentBackends returns tls.inconsistent_backends when addresses serve different leaf certificates. */
export function inconsistentBackends(name: string, results: readonly TlsProbeResult[]): Finding[] {
  const served = results.filter((r) => r.ok && r.certs[0]);
  const distinct = new Set(served.map((r) => r.certs[0]!.sha256));
  if (distinct.size < 2) return [];
  const servedBy = served.map((r) => {
    const c = r.certs[0]!;
    return { address: r.address, serial: c.serial, sha256: c.sha256, subject: c.subject, notAfter: c.notAfter };
  });
  const list = servedBy.map((s) => `${s.address} serves serial ${s.serial} (expires ${s.notAfter})`).join('; ');
  return [
    finding(
      'tls.inconsistent_backends',
      `The ${served.length} addresses of ${name} serve ${distinct.size} different certificates: ${list}`,
      { addresses: served.map((r) => r.address), servedBy },
      {
        fixes: [`Deploy the same (current) certificate to every address: ${served.map((r) => r.address).join(', ')}.`],
      },
    ),
  ];
}

export const endpointCheck: Check = {
  name: 'endpoint',
  async run(ctx: ScanContext): Promise<Finding[]> {
    const lookup = await ctx.lookups.addresses();
    if (lookup.addresses.length === 0) throw new NotApplicable('the name has no addresses');
    const { req } = ctx;
    const port = req.port ?? 443;
    const starttls = req.starttls ?? defaultStarttls(port);
    const trust = trustStore(ctx.trustAnchors);
    const now = ctx.clock.now();
    const timeoutMs = Math.max(100, ctx.deadline - now - MARGIN_MS);
    const results = await Promise.all(
      lookup.addresses.map((address) =>
        probeTls({
          address,
          port,
          servername: req.name,
          starttls,
          signal: ctx.signal,
          timeoutMs,
          policy: ctx.policy,
          portMap: ctx.portMap,
          trust,
          now,
        }),
      ),
    );
    const findings: Finding[] = [];
    for (const r of results) {
      ctx.log(
        `tls ${r.address}:${r.port}${r.connectPort !== r.port ? `->${r.connectPort}` : ''}${starttls !== 'none' ? ` starttls ${starttls}` : ''} -> ${
          r.ok
            ? `${r.protocol} serial ${r.certs[0]?.serial} ${r.handshakeMs}ms`
            : `${r.stage} failed: ${r.error?.message}`
        }`,
      );
      ctx.addressFacts(r.address)['tls'] =
        r.stage === 'policy'
          ? { port, summary: `not probed: ${r.error?.message}`, refused: true }
          : servedFacts(r, trust, now);
      findings.push(
        ...analyzeServed(r, {
          name: req.name,
          wildcard: req.wildcard,
          trust,
          now,
          ...(req.expectSerial !== undefined ? { expectSerial: req.expectSerial } : {}),
          ...(req.expectSha256 !== undefined ? { expectSha256: req.expectSha256 } : {}),
        }),
      );
    }
    if (results.every((r) => r.stage === 'policy')) {
      throw new NotApplicable(`every address is refused by the target policy (${results[0]?.error?.message ?? ''})`);
    }
    return [...findings, ...inconsistentBackends(req.name, results)];
  },
};
