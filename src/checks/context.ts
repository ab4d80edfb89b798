/**
 * The scan context every check receives: the request, the network clients (through which all
 * sockets are opened), the clock, the deadline, and the shared lookups cached as promises.
 */
import type { CaInfo } from '../core/cas.js';
import type { Clock } from '../core/clock.js';
import type { Finding } from '../core/finding.js';
import type { DnsClient, DnsServerAddr } from '../net/dns.js';
import type { TargetPolicy } from '../net/guard.js';
import type { PortMap } from '../net/portmap.js';
import type { AddressLookup } from './lookups.js';

export type Method = 'http-01' | 'dns-01' | 'tls-alpn-01' | 'none';
export const METHODS: readonly Method[] = ['http-01', 'dns-01', 'tls-alpn-01', 'none'];

export type StarttlsProto = 'smtp' | 'imap' | 'pop3' | 'ldap' | 'postgres' | 'none';
export const STARTTLS_PROTOCOLS: readonly StarttlsProto[] = ['smtp', 'imap', 'pop3', 'ldap', 'postgres', 'none'];

/** DiagnoseRequest is what to diagnose: one name, already validated and normalised. */
export interface DiagnoseRequest {
  /** A-label host name, without `*.` */
  name: string;
  /** Explicit port (`name:port`): only DNS and the served certificate run. */
  port?: number;
  wildcard: boolean;
  /** Addresses to use instead of DNS (watchlist `address:`); the name stays the SNI/Host. */
  addresses?: string[];
  ca?: CaInfo;
  accountUri?: string;
  method: Method;
  httpToken?: string;
  keyAuthorization?: string;
  filePath?: string;
  fileContent?: string;
  txt?: string;
  expectSerial?: string;
  expectSha256?: string;
  starttls?: StarttlsProto;
  /** A CA's error message, for the CA-side checks. */
  error?: string;
  /** Run only these checks (e.g. `scan`: dns + endpoint). */
  only?: string[];
}

/** targetLabel returns how a request is named in reports: `name`, `*.name` or `name:port`. */
export function targetLabel(req: Pick<DiagnoseRequest, 'name' | 'port' | 'wildcard'>): string {
  return `${req.wildcard ? '*.' : ''}${req.name}${req.port !== undefined ? `:${req.port}` : ''}`;
}

export interface ScanContext {
  req: DiagnoseRequest;
  dns: DnsClient;
  resolvers: DnsServerAddr[];
  portMap: PortMap;
  policy: TargetPolicy;
  clock: Clock;
  /** Aborted at the deadline: pass it to every network operation. */
  signal: AbortSignal;
  /** Epoch ms at which the diagnosis must be complete. */
  deadline: number;
  /** Extra trusted roots (PEM texts) for the served certificate. */
  trustAnchors: string[];
  /** Probe-level log lines (shown with --verbose). */
  log: (line: string) => void;
  /** Facts shared by the report; checks add their own keys. */
  facts: Record<string, unknown>;
  /** Stage-one lookups, shared by the checks (each runs once). */
  lookups: {
    addresses(): Promise<AddressLookup>;
  };
  /** addressFacts returns the facts entry of one probed address (created on first use). */
  addressFacts(address: string): Record<string, unknown>;
  /** Services the automation checks use; absent when no inventory is configured. */
  services?: Record<string, unknown>;
  /** Keywords of the manual-review heuristic (config `risk.keywords`); the built-in list when absent. */
  riskKeywords?: readonly string[];
}

/**
 * Check is one diagnostic step: it returns findings about the target, throws NotApplicable when
 * it does not apply (the run is `skipped`), and throws anything else only when it broke itself.
 */
export interface Check {
  name: string;
  /** skipReason returns why the check does not apply to this request, or undefined. */
  skipReason?(req: DiagnoseRequest, ctx: ScanContext): string | undefined;
  run(ctx: ScanContext): Promise<Finding[]>;
}
