import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../src/core/finding.js';
import { ScanPool } from '../../src/monitor/pool.js';
import { type ScanJob, type ScanSettings, scanOne } from '../../src/monitor/scan.js';
import { leafOf, pki } from '../support/certs.js';
import { type Servers, startServers } from '../support/tls-servers.js';

let servers: Servers;
let settings: ScanSettings;

beforeAll(async () => {
  const ca = await pki('Pool', 'ec256');
  const leaf = await leafOf(ca, ['*.pool.example.test'], { key: 'ec256' });
  servers = await startServers({
    '127.0.0.91': { chain: [leaf, ca.intermediate] },
    '127.0.0.92': 'neverAnswers',
  });
  settings = {
    resolvers: [{ host: '127.0.0.1', port: 1 }],
    portMap: [[443, servers.port]],
    timeoutMs: 1500,
    trustAnchors: [ca.root.pem],
    allowNonPublic: true,
    allowNetworks: [],
  };
});
afterAll(() => servers.close());

/** jobs: h0 on the good server, h1 on a dead address, h2 on the black hole, repeated. */
function jobs(n: number): ScanJob[] {
  const addresses = ['127.0.0.91', '127.0.0.93', '127.0.0.92'];
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    req: {
      name: `h${i}.pool.example.test`,
      port: 443,
      wildcard: false,
      method: 'none' as const,
      only: ['dns', 'endpoint'],
      addresses: [addresses[i % 3]!],
    },
  }));
}

const critical = (r: Report) => r.findings.filter((f) => f.severity === 'critical').map((f) => f.code);

describe('ScanPool', () => {
  test('worker threads give the same verdicts as the calling thread, every job once', async () => {
    const pool = new ScanPool({ threads: 2 });
    expect(pool.threads).toBe(2);
    const list = jobs(30);
    const seen = new Map<number, Report>();
    const started = performance.now();
    try {
      await pool.scan(list, settings, 30, (job, report) => {
        expect(seen.has(job.index)).toBe(false);
        seen.set(job.index, report);
      });
    } finally {
      await pool.close();
    }
    // Ten black holes in flight at once cost one timeout, not ten.
    expect(performance.now() - started).toBeLessThan(settings.timeoutMs + 4000);
    expect(seen.size).toBe(30);
    for (const i of [0, 1, 2]) {
      const local = await scanOne(list[i]!.req, settings);
      expect(critical(seen.get(i)!)).toEqual(critical(local));
      expect(seen.get(i)!.target).toBe(`h${i}.pool.example.test:443`);
    }
    expect(critical(seen.get(0)!)).toEqual([]);
    expect(critical(seen.get(1)!)).toContain('tls.connect_failed');
    expect(critical(seen.get(2)!).length).toBeGreaterThan(0);
  });

  test('threads: 0 scans in the calling thread', async () => {
    const pool = new ScanPool({ threads: 0 });
    expect(pool.threads).toBe(0);
    const out: string[] = [];
    await pool.scan(jobs(3), settings, 3, (_j, r) => out.push(r.status));
    expect(out.sort()).toEqual(['critical', 'critical', 'warning']);
  });
});
