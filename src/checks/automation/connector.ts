/**
 * Runbook step 2, the CA connector: active, credentials valid, the certificate's template mapped,
 * and the endpoint really reachable. An ACME connector's endpoint is its directory: a GET must
 * answer 200 with a JSON object holding the newNonce, newAccount and newOrder URLs (RFC 8555
 * §7.1.1); a REST connector's endpoint is up when it answers with any status below 500.
 */
import { isIP } from 'node:net';
import { finding } from '../../core/catalog.js';
import type { Finding } from '../../core/finding.js';
import type { ConnectorEntry } from '../../inventory/schema.js';
import type { CertificateView } from '../../inventory/store.js';
import { ApiGetError, type ApiResponse, apiGet } from '../../net/apiget.js';
import type { ScanContext } from '../context.js';
import { lookupAddresses } from '../lookups.js';

/** The URLs an ACME directory must list (RFC 8555 §7.1.1). */
export const ACME_DIRECTORY_KEYS = ['newNonce', 'newAccount', 'newOrder'] as const;
const PROBE_TIMEOUT_MS = 5000;

/** connectorConfigFindings returns the findings that need no network: active, credentials, template. */
export function connectorConfigFindings(view: CertificateView, now: number): Finding[] {
  const c = view.connector;
  if (!c) return [];
  const out: Finding[] = [];
  const ev = { connector: c.id, ca: c.ca };
  if (!c.active) out.push(finding('connector.inactive', `CA connector ${c.id} (${c.ca}) is not active`, ev));
  if (c.credentialsExpireAt && Date.parse(c.credentialsExpireAt) <= now) {
    out.push(
      finding(
        'connector.credentials_expired',
        `The credentials of CA connector ${c.id} (${c.ca}) expired at ${c.credentialsExpireAt}`,
        { ...ev, credentialsExpireAt: c.credentialsExpireAt },
      ),
    );
  }
  const template = view.cert.template;
  if (template !== undefined && !(template in c.templates)) {
    const mapped = Object.keys(c.templates);
    out.push(
      finding(
        'connector.template_unmapped',
        `Template ${template} of ${view.cert.id} is not mapped on CA connector ${c.id}${mapped.length ? ` (mapped: ${mapped.join(', ')})` : ' (no templates mapped)'}`,
        { ...ev, template, mapped },
        { fixes: [`Map template ${template} to a ${c.ca} product or profile on connector ${c.id}.`] },
      ),
    );
  }
  return out;
}

/** judgeDirectory returns why a response is not a usable ACME directory, or undefined when it is. */
export function judgeDirectory(res: ApiResponse): string | undefined {
  if (res.status !== 200) return `HTTP ${res.status}`;
  if (res.truncated) return 'the directory is larger than the size cap';
  let json: unknown;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    return `the answer is not JSON (content-type ${res.headers['content-type'] ?? 'none'})`;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'the answer is not a JSON object';
  const missing = ACME_DIRECTORY_KEYS.filter((k) => {
    const v = (json as Record<string, unknown>)[k];
    return typeof v !== 'string' || !/^https?:\/\//.test(v);
  });
  return missing.length ? `not an ACME directory: no ${missing.join(', ')} URL` : undefined;
}

/** endpointAddresses resolves the endpoint's host through the scan's resolver (IP literals as they are). */
async function endpointAddresses(ctx: ScanContext, url: URL): Promise<string[]> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return [host];
  return (await lookupAddresses(ctx.dns, host)).addresses;
}

/** probeConnector GETs the connector's endpoint and returns connector.unreachable when it fails. */
export async function probeConnector(ctx: ScanContext, c: ConnectorEntry): Promise<Finding[]> {
  if (!c.endpoint) return [];
  const url = new URL(c.endpoint);
  const ev: Record<string, unknown> = { connector: c.id, ca: c.ca, endpoint: c.endpoint };
  const unreachable = (why: string, extra: Record<string, unknown> = {}) =>
    finding('connector.unreachable', `GET ${c.endpoint} for CA connector ${c.id}: ${why}`, { ...ev, ...extra });
  const addresses = await endpointAddresses(ctx, url);
  if (addresses.length === 0) return [unreachable(`${url.hostname} does not resolve`)];
  const timeoutMs = Math.max(200, Math.min(PROBE_TIMEOUT_MS, ctx.deadline - ctx.clock.now() - 100));
  try {
    const res = await apiGet({
      url,
      addresses,
      policy: ctx.policy,
      signal: ctx.signal,
      timeoutMs,
      trustAnchors: ctx.trustAnchors,
    });
    ctx.log(`connector ${c.id} GET ${c.endpoint} @${res.address} -> ${res.status} ${res.ms.toFixed(1)}ms`);
    const problem = c.protocol === 'acme' ? judgeDirectory(res) : res.status >= 500 ? `HTTP ${res.status}` : undefined;
    ctx.facts['connectors'] = {
      ...((ctx.facts['connectors'] as object) ?? {}),
      [c.id]: { endpoint: c.endpoint, address: res.address, status: res.status, ok: !problem },
    };
    return problem ? [unreachable(problem, { address: res.address, status: res.status })] : [];
  } catch (err) {
    if (!(err instanceof ApiGetError)) throw err;
    ctx.log(`connector ${c.id} GET ${c.endpoint} -> ${err.net.message}`);
    const hint =
      err.net.kind === 'certificate'
        ? [
            `The endpoint's certificate is not trusted: ${err.net.message}. Add the CA's root to CERTMEDIC_TRUST_ANCHORS if it is a private CA.`,
          ]
        : err.net.kind === 'policy'
          ? ['Allow the endpoint address with CERTMEDIC_ALLOW_NETWORKS if the connector is internal.']
          : [];
    return [
      finding(
        'connector.unreachable',
        `GET ${c.endpoint} for CA connector ${c.id}${err.address ? ` (${err.address})` : ''}: ${err.net.message}`,
        { ...ev, ...(err.address ? { address: err.address } : {}), error: err.net.message, kind: err.net.kind },
        { fixes: hint },
      ),
    ];
  }
}
