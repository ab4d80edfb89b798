/**
 * The diagnosis engine: stage-one lookups, then every applicable check in parallel, all under one
 * deadline. A check that breaks becomes `check.failed`; one that does not apply is `skipped`; the
 * report is returned (partial if need be) by the deadline, never later.
 */
import { setMaxListeners } from 'node:events';
import { isIP } from 'node:net';
import { automationCheck } from './checks/automation/index.js';
import { caaCheck } from './checks/caa.js';
import type { Check, DiagnoseRequest, ScanContext } from './checks/context.js';
import { targetLabel } from './checks/context.js';
import { dnsCheck } from './checks/dns.js';
import { dns01Check } from './checks/dns01.js';
import { endpointCheck } from './checks/endpoint.js';
import { http01Check } from './checks/http01.js';
import { type AddressLookup, lookupAddresses } from './checks/lookups.js';
import { riskCheck } from './checks/risk.js';
import { tlsAlpn01Check } from './checks/tlsalpn01.js';
import { finding } from './core/catalog.js';
import { type Clock, systemClock } from './core/clock.js';
import { errorMessage, NotApplicable } from './core/errors.js';
import { type CheckRun, type Finding, makeReport, type Report } from './core/finding.js';
import { DnsClient, type DnsServerAddr, formatServer } from './net/dns.js';
import { permissivePolicy, type TargetPolicy } from './net/guard.js';
import { emptyPortMap, type PortMap } from './net/portmap.js';

export interface DiagnoseDeps {
  resolvers: DnsServerAddr[];
  portMap?: PortMap;
  policy?: TargetPolicy;
  clock?: Clock;
  /** Overall deadline in ms (default 10000). */
  timeoutMs?: number;
  trustAnchors?: string[];
  log?: (line: string) => void;
  /** The checks to choose from (default: every built check). */
  checks?: readonly Check[];
  services?: Record<string, unknown>;
  /** Keywords of the manual-review heuristic (config `risk.keywords`). */
  riskKeywords?: readonly string[];
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Time a check gets after the abort to turn its aborted probes into findings. */
const GRACE_MS = 150;

/** The checks, in the order their runs are listed in the report. */
export const CHECKS: readonly Check[] = [
  dnsCheck,
  caaCheck,
  riskCheck,
  http01Check,
  dns01Check,
  tlsAlpn01Check,
  endpointCheck,
  automationCheck,
];

/** Checks that run for `name:port` (and for watchlist scans): DNS and the served certificate. */
const PORT_CHECKS = new Set(['dns', 'endpoint']);

class DeadlineExceeded extends Error {}

/** The abort reason once a diagnosis is complete (its leftover probes are stopped). */
const COMPLETE = new Error('the diagnosis is complete');

function withCutoff<T>(p: Promise<T>, at: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineExceeded()), Math.max(0, at - performance.now()));
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** planReason returns why a check is left out for this request by the CLI contract, or undefined. */
function planReason(check: Check, req: DiagnoseRequest): string | undefined {
  if (req.only) return req.only.includes(check.name) ? undefined : 'not part of this scan';
  if (req.port !== undefined && !PORT_CHECKS.has(check.name))
    return `only DNS and the served certificate are checked for ${req.name}:${req.port}`;
  return undefined;
}

async function runCheck(
  check: Check,
  ctx: ScanContext,
  cutoff: number,
  timeoutMs: number,
): Promise<{ run: CheckRun; findings: Finding[] }> {
  const started = performance.now();
  const reason = check.skipReason?.(ctx.req, ctx);
  if (reason) return { run: { name: check.name, state: 'skipped', reason }, findings: [] };
  try {
    const findings = await withCutoff(check.run(ctx), cutoff);
    return { run: { name: check.name, state: 'ran', durationMs: Math.round(performance.now() - started) }, findings };
  } catch (err) {
    const durationMs = Math.round(performance.now() - started);
    if (err instanceof NotApplicable)
      return { run: { name: check.name, state: 'skipped', reason: err.message, durationMs }, findings: [] };
    const message =
      err instanceof DeadlineExceeded ? `did not finish within the ${timeoutMs} ms deadline` : errorMessage(err);
    return {
      run: { name: check.name, state: 'error', reason: message, durationMs },
      findings: [
        finding('check.failed', `The ${check.name} check failed: ${message}`, { check: check.name, error: message }),
      ],
    };
  }
}

/** diagnose runs the applicable checks for one request and returns its Report. */
export async function diagnose(req: DiagnoseRequest, deps: DiagnoseDeps): Promise<Report> {
  const started = performance.now();
  const clock = deps.clock ?? systemClock;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const abort = new AbortController();
  // Every in-flight probe listens on the deadline signal: many at once is normal, not a leak.
  setMaxListeners(0, abort.signal);
  const abortTimer = setTimeout(() => abort.abort(), timeoutMs);
  const log = deps.log ?? (() => {});
  const dns = new DnsClient({
    servers: deps.resolvers,
    signal: abort.signal,
    ...(deps.policy ? { policy: deps.policy } : {}),
    timeoutMs: Math.min(2000, Math.max(200, Math.floor(timeoutMs / 3))),
    onQuery: (q) =>
      log(
        `dns ${q.name} ${q.type} @${formatServer(q.server)}${q.rd ? '' : ' (direct)'} -> ${q.result} ${q.ms.toFixed(1)}ms`,
      ),
  });
  const addressFacts = new Map<string, Record<string, unknown>>();
  const factFor = (address: string) => {
    let f = addressFacts.get(address);
    if (!f) {
      f = { address, family: isIP(address) === 6 ? 6 : 4 };
      addressFacts.set(address, f);
    }
    return f;
  };
  let addresses: Promise<AddressLookup> | undefined;
  const facts: Record<string, unknown> = {
    resolver: deps.resolvers.map(formatServer).join(', '),
    startedAt: new Date(clock.now()).toISOString(),
    timeoutMs,
  };
  const ctx: ScanContext = {
    req,
    dns,
    resolvers: deps.resolvers,
    portMap: deps.portMap ?? emptyPortMap,
    policy: deps.policy ?? permissivePolicy,
    clock,
    signal: abort.signal,
    deadline: clock.now() + timeoutMs,
    trustAnchors: deps.trustAnchors ?? [],
    log,
    facts,
    lookups: {
      addresses() {
        addresses ??= lookupAddresses(dns, req.name, req.addresses).then((l) => {
          for (const a of l.addresses) factFor(a);
          return l;
        });
        return addresses;
      },
    },
    addressFacts: factFor,
    ...(deps.services ? { services: deps.services } : {}),
    ...(deps.riskKeywords ? { riskKeywords: deps.riskKeywords } : {}),
  };
  const cutoff = started + timeoutMs + GRACE_MS;
  const checks = deps.checks ?? CHECKS;
  const planned = checks.map((c) => ({ c, reason: planReason(c, req) }));
  try {
    if (planned.some((p) => !p.reason)) void ctx.lookups.addresses().catch(() => {});
    const results = await Promise.all(
      planned.map(({ c, reason }) =>
        reason
          ? Promise.resolve({ run: { name: c.name, state: 'skipped' as const, reason }, findings: [] as Finding[] })
          : runCheck(c, ctx, cutoff, timeoutMs),
      ),
    );
    facts['addresses'] = [...addressFacts.values()];
    return makeReport(
      targetLabel(req),
      results.flatMap((r) => r.findings),
      results.map((r) => r.run),
      facts,
      performance.now() - started,
    );
  } finally {
    clearTimeout(abortTimer);
    // Stop leftovers with a shared reason: a default AbortError (a DOMException with a stack)
    // costs more than the rest of a fleet scan's bookkeeping.
    abort.abort(COMPLETE);
  }
}
