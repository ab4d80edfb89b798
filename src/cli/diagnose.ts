/** `certmedic diagnose`: turns command-line options into a DiagnoseRequest and its dependencies. */
import type { DiagnoseRequest, Method, StarttlsProto } from '../checks/context.js';
import { METHODS, STARTTLS_PROTOCOLS } from '../checks/context.js';
import type { Config } from '../config.js';
import { resolveCa } from '../core/cas.js';
import { UsageError } from '../core/errors.js';
import { exitCodeFor } from '../core/finding.js';
import { parseTarget } from '../core/names.js';
import { type DnsServerAddr, parseServerAddr, systemResolvers } from '../net/dns.js';
import { type PortMap, parsePortMap } from '../net/portmap.js';
import { renderJson, renderText } from '../render/text.js';
import { parseFormat, readInputText, useColour } from './io.js';

export interface DiagnoseOptions {
  ca?: string;
  accountUri?: string;
  method?: string;
  wildcard?: boolean;
  httpToken?: string;
  keyAuthorization?: string;
  filePath?: string;
  fileContent?: string;
  txt?: string;
  expectSerial?: string;
  expectSha256?: string;
  starttls?: string;
  trustAnchor?: string[];
  resolver?: string;
  portMap?: string;
  error?: string;
  timeout?: string;
  format?: string;
  verbose?: boolean;
}

/** The flags whose values may not be empty, as users type them. */
const FLAG = { keyAuthorization: '--key-authorization', fileContent: '--file-content', txt: '--txt' } as const;

/** normalizeHex strips colons, spaces and case; a serial also loses its leading zeros. */
export function normalizeHex(value: string, what: string, opts: { serial?: boolean; length?: number } = {}): string {
  let hex = value.replace(/[\s:]/g, '').toLowerCase();
  if (hex.startsWith('0x')) hex = hex.slice(2);
  if (hex === '' || !/^[0-9a-f]+$/.test(hex))
    throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: expected hexadecimal`);
  if (opts.length !== undefined && hex.length !== opts.length) {
    throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: expected ${opts.length / 2} bytes of hex`);
  }
  if (opts.serial) hex = hex.replace(/^0+(?=.)/, '');
  return hex;
}

/** parseTimeout validates `--timeout <ms>`. */
export function parseTimeout(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > 600_000) {
    throw new UsageError(`invalid --timeout ${JSON.stringify(value)}: expected milliseconds between 1 and 600000`);
  }
  return Number(value);
}

/** resolversFrom returns `--resolver`, else CERTMEDIC_RESOLVER, else /etc/resolv.conf. */
export function resolversFrom(option: string | undefined, config: Pick<Config, 'resolver'>): DnsServerAddr[] {
  const value = option ?? config.resolver;
  if (value === undefined) return systemResolvers();
  return value.split(',').map((v) => parseServerAddr(v));
}

/** readTrustAnchors reads PEM files; an unreadable or non-PEM file is exit 2. */
export function readTrustAnchors(files: readonly string[]): string[] {
  return files.map((file) => {
    const text = readInputText(file);
    if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`${file} is not a PEM certificate`);
    return text;
  });
}

export interface ParsedDiagnose {
  req: DiagnoseRequest;
  resolvers: DnsServerAddr[];
  portMap?: PortMap;
  timeoutMs: number;
  trustAnchors: string[];
}

/** parseDiagnose validates every option of `certmedic diagnose` (exit 2 on any mistake). */
export function parseDiagnose(target: string, o: DiagnoseOptions, config: Config): ParsedDiagnose {
  // A command-line argument is taken as given: surrounding spaces are spaces (DESIGN.md "Names").
  if (/\s/.test(target)) throw new UsageError(`invalid name ${JSON.stringify(target)}: empty or contains spaces`);
  const req = parseDiagnoseRequest(target, o, config);
  return {
    req,
    resolvers: resolversFrom(o.resolver, config),
    ...(o.portMap !== undefined ? { portMap: parsePortMap(o.portMap) } : {}),
    timeoutMs: parseTimeout(o.timeout, config.file.defaults?.timeoutMs ?? 10_000),
    trustAnchors: readTrustAnchors(o.trustAnchor ?? []),
  };
}

/**
 * parseDiagnoseRequest validates the options that describe what to diagnose (name, CA, method,
 * challenge values, expected certificate) into a DiagnoseRequest; shared with `/cert diagnose`.
 */
export function parseDiagnoseRequest(
  target: string,
  o: DiagnoseOptions,
  config: Pick<Config, 'file'>,
): DiagnoseRequest {
  const parsed = parseTarget(target);
  const wildcard = parsed.wildcard || Boolean(o.wildcard);
  if (parsed.port !== undefined && wildcard) throw new UsageError('a wildcard name cannot be combined with a port');
  const method = (o.method ?? (wildcard ? 'dns-01' : 'http-01')) as Method;
  if (!METHODS.includes(method))
    throw new UsageError(`invalid --method ${JSON.stringify(o.method)}: expected ${METHODS.join(', ')}`);
  if ((o.httpToken === undefined) !== (o.keyAuthorization === undefined)) {
    throw new UsageError('--http-token and --key-authorization go together: give both or neither');
  }
  if ((o.filePath === undefined) !== (o.fileContent === undefined)) {
    throw new UsageError('--file-path and --file-content go together: give both or neither');
  }
  if (o.filePath !== undefined && !/^\/\.well-known\/pki-validation\/[^/?#\s]+$/.test(o.filePath)) {
    throw new UsageError(
      `invalid --file-path ${JSON.stringify(o.filePath)}: expected /.well-known/pki-validation/<file>`,
    );
  }
  if (o.httpToken !== undefined && !/^[A-Za-z0-9_-]+$/.test(o.httpToken)) {
    throw new UsageError('invalid --http-token: an ACME token is base64url characters only');
  }
  if ((o.httpToken !== undefined || o.filePath !== undefined) && method !== 'http-01') {
    throw new UsageError('--http-token and --file-path need --method http-01');
  }
  if (o.txt !== undefined && method !== 'dns-01') throw new UsageError('--txt goes with --method dns-01 only');
  for (const key of ['keyAuthorization', 'fileContent', 'txt'] as const) {
    if (o[key] !== undefined && o[key]!.trim() === '') throw new UsageError(`invalid ${FLAG[key]}: empty value`);
  }
  if (o.expectSerial !== undefined && o.expectSha256 !== undefined) {
    throw new UsageError('give --expect-serial or --expect-sha256, not both');
  }
  const starttls = o.starttls as StarttlsProto | undefined;
  if (starttls !== undefined && !STARTTLS_PROTOCOLS.includes(starttls)) {
    throw new UsageError(`invalid --starttls ${JSON.stringify(o.starttls)}: expected ${STARTTLS_PROTOCOLS.join(', ')}`);
  }
  const caName = o.ca ?? config.file.defaults?.ca;
  const req: DiagnoseRequest = {
    name: parsed.name,
    ...(parsed.port !== undefined ? { port: parsed.port } : {}),
    wildcard,
    method,
    ...(caName !== undefined ? { ca: resolveCa(caName) } : {}),
    ...(o.accountUri !== undefined ? { accountUri: parseAccountUri(o.accountUri) } : {}),
    ...(o.httpToken !== undefined ? { httpToken: o.httpToken, keyAuthorization: o.keyAuthorization! } : {}),
    ...(o.filePath !== undefined ? { filePath: o.filePath, fileContent: o.fileContent! } : {}),
    ...(o.txt !== undefined ? { txt: o.txt } : {}),
    ...(o.expectSerial !== undefined
      ? { expectSerial: normalizeHex(o.expectSerial, '--expect-serial', { serial: true }) }
      : {}),
    ...(o.expectSha256 !== undefined
      ? { expectSha256: normalizeHex(o.expectSha256, '--expect-sha256', { length: 64 }) }
      : {}),
    ...(starttls !== undefined ? { starttls } : {}),
    ...(o.error !== undefined ? { error: o.error } : {}),
  };
  return req;
}

/** parseAccountUri validates an ACME account URL (RFC 8657 accounturi). */
function parseAccountUri(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
  } catch {
    throw new UsageError(
      `invalid --account-uri ${JSON.stringify(value)}: expected the account URL, e.g. https://acme-v02.api.letsencrypt.org/acme/acct/123`,
    );
  }
  return value;
}

/** runDiagnose runs `certmedic diagnose` and returns the exit code (0 or 1). */
export async function runDiagnose(
  target: string,
  o: DiagnoseOptions,
  config: Config,
  write: (text: string) => Promise<void>,
): Promise<number> {
  const format = parseFormat(o.format, ['text', 'json', 'blocks']);
  const p = parseDiagnose(target, o, config);
  const { diagnose } = await import('../diagnose.js');
  // The automation checks read the inventory (config baseline + stored webhook events).
  const automation = config.file.inventory
    ? (await import('../inventory/service.js')).openAutomation(config)
    : undefined;
  const report = await diagnose(p.req, {
    resolvers: p.resolvers,
    ...(p.portMap ? { portMap: p.portMap } : {}),
    timeoutMs: p.timeoutMs,
    trustAnchors: p.trustAnchors,
    ...(config.file.risk?.keywords ? { riskKeywords: config.file.risk.keywords } : {}),
    ...(o.verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
    ...(automation ? { services: automation.automation.checkServices } : {}),
  }).finally(() => automation?.close());
  if (format === 'blocks') {
    const { reportMessage } = await import('../slack/blocks/report.js');
    await write(`${JSON.stringify(reportMessage(report), null, 2)}\n`);
  } else await write(format === 'json' ? renderJson(report) : renderText(report, { color: useColour() }));
  return exitCodeFor([report]);
}
