/**
 * The bot's diagnosis service: runs `diagnose()` with server-side settings (resolver, trust
 * anchors, port map, timeout) under the bot's target policy, which refuses private, loopback,
 * link-local and reserved addresses unless CERTMEDIC_ALLOW_NETWORKS allows them. A refused address
 * is reported as `policy.address_refused`, never silently left out.
 */
import type { Check, DiagnoseRequest } from '../checks/context.js';
import { readTrustAnchors, resolversFrom } from '../cli/diagnose.js';
import type { Config } from '../config.js';
import { finding } from '../core/catalog.js';
import type { Clock } from '../core/clock.js';
import { CertmedicError, ConfigError } from '../core/errors.js';
import { makeReport, type Report } from '../core/finding.js';
import { diagnose } from '../diagnose.js';
import type { DnsServerAddr } from '../net/dns.js';
import { classifyAddress, TargetPolicy } from '../net/guard.js';
import type { PortMap } from '../net/portmap.js';

export interface DiagnosisSettings {
  resolvers: DnsServerAddr[];
  policy: TargetPolicy;
  trustAnchors: string[];
  timeoutMs: number;
  portMap?: PortMap;
  clock?: Clock;
  checks?: readonly Check[];
  /** Services the automation checks use (inventory), when configured. */
  services?: Record<string, unknown>;
}

/** diagnosisSettings derives the bot's settings from the config; bad settings are a ConfigError. */
export function diagnosisSettings(config: Config, overrides: Partial<DiagnosisSettings> = {}): DiagnosisSettings {
  try {
    return {
      resolvers: overrides.resolvers ?? resolversFrom(undefined, config),
      policy: overrides.policy ?? new TargetPolicy(false, config.allowNetworks),
      trustAnchors: overrides.trustAnchors ?? readTrustAnchors(config.trustAnchorFiles),
      timeoutMs: overrides.timeoutMs ?? config.file.defaults?.timeoutMs ?? 10_000,
      ...(overrides.portMap ? { portMap: overrides.portMap } : {}),
      ...(overrides.clock ? { clock: overrides.clock } : {}),
      ...(overrides.checks ? { checks: overrides.checks } : {}),
      ...(overrides.services ? { services: overrides.services } : {}),
    };
  } catch (err) {
    if (err instanceof CertmedicError && !(err instanceof ConfigError))
      throw new ConfigError(err.message, { cause: err });
    throw err;
  }
}

/** refusedFindings returns one `policy.address_refused` per address the policy refuses. */
export function refusedFindings(report: Report, policy: TargetPolicy) {
  const list = Array.isArray(report.facts['addresses']) ? (report.facts['addresses'] as { address?: unknown }[]) : [];
  return list
    .map((a) => String(a.address ?? ''))
    .filter((address) => address !== '' && !policy.permits(address))
    .map((address) =>
      finding(
        'policy.address_refused',
        `${report.target} resolves to ${address}, a ${classifyAddress(address)} address the bot does not probe`,
        { address, class: classifyAddress(address) },
      ),
    );
}

export class DiagnosisService {
  constructor(readonly settings: DiagnosisSettings) {}

  /** run diagnoses one request and returns its Report, refused addresses included as findings. */
  async run(req: DiagnoseRequest): Promise<Report> {
    const s = this.settings;
    const report = await diagnose(req, {
      resolvers: s.resolvers,
      policy: s.policy,
      trustAnchors: s.trustAnchors,
      timeoutMs: s.timeoutMs,
      ...(s.portMap ? { portMap: s.portMap } : {}),
      ...(s.clock ? { clock: s.clock } : {}),
      ...(s.checks ? { checks: s.checks } : {}),
      ...(s.services ? { services: s.services } : {}),
    });
    const refused = refusedFindings(report, s.policy);
    if (refused.length === 0) return report;
    return makeReport(report.target, [...report.findings, ...refused], report.checks, report.facts, report.durationMs);
  }
}
