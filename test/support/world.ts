/**
 * A small DNS world for tests: a resolver (chasing CNAMEs, like a recursive server) on 127.0.0.1
 * and the zone's authoritative servers on 127.0.0.2, 127.0.0.3, ... sharing one port, reached with
 * the port map `53=<port>`. Each authoritative server can be given its own records and rules.
 */
import type { Check, DiagnoseRequest } from '../../src/checks/context.js';
import type { Report } from '../../src/core/finding.js';
import { diagnose } from '../../src/diagnose.js';
import { type Rule, startDnsServer, startServersOnOnePort, type TestDnsServer } from './dns-server.js';

export interface WorldOptions {
  /** Records the resolver knows (the zone as the world sees it). */
  records: string[];
  rules?: Rule[];
  /** The zone whose NS records point at the authoritative servers (default example.test). */
  zone?: string;
  /** One entry per authoritative server: its records (default: the resolver's) and rules. */
  authorities?: { records?: string[]; rules?: Rule[] }[];
}

export interface World {
  resolver: TestDnsServer;
  authorities: TestDnsServer[];
  portMap: Map<number, number>;
  portMapArg: string;
  close(): Promise<void>;
}

export async function startWorld(opts: WorldOptions): Promise<World> {
  const zone = opts.zone ?? 'example.test';
  const authSpecs = opts.authorities ?? [];
  const authorities =
    authSpecs.length > 0
      ? await startServersOnOnePort(
          authSpecs.map((a, i) => ({
            host: `127.0.0.${i + 2}`,
            records: [`${zone} SOA ns1.${zone} hostmaster.${zone} 1`, ...(a.records ?? opts.records)],
            rules: a.rules ?? [],
            chase: false,
          })),
        )
      : [];
  const nsRecords = authorities.flatMap((s, i) => [`${zone} NS ns${i + 1}.${zone}`, `ns${i + 1}.${zone} A ${s.host}`]);
  const resolver = await startDnsServer({
    records: [`${zone} SOA ns1.${zone} hostmaster.${zone} 1`, ...nsRecords, ...opts.records],
    rules: opts.rules ?? [],
  });
  const port = authorities[0]?.port ?? 53;
  return {
    resolver,
    authorities,
    portMap: new Map([[53, port]]),
    portMapArg: `53=${port}`,
    close: async () => {
      await Promise.all([resolver, ...authorities].map((s) => s.close()));
    },
  };
}

/** request returns a DiagnoseRequest with defaults for tests. */
export function request(name: string, extra: Partial<DiagnoseRequest> = {}): DiagnoseRequest {
  return { name, wildcard: false, method: 'http-01', ...extra };
}

/** run diagnoses with the world's resolver and port map, restricted to the given checks. */
export function run(world: World, req: DiagnoseRequest, checks: Check[], timeoutMs = 5000): Promise<Report> {
  return diagnose(req, { resolvers: [world.resolver.address], portMap: world.portMap, timeoutMs, checks });
}

/** codes returns the finding codes of a report. */
export function codes(report: Report): string[] {
  return report.findings.map((f) => f.code);
}
