/**
 * Foundation benchmarks: the median in-process time of a DNS + CAA diagnosis against the local
 * DNS server (target < 15 ms), and the CLI cold start `certmedic --version` (target < 300 ms).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { caaCheck } from '../src/checks/caa.js';
import { dnsCheck } from '../src/checks/dns.js';
import { resolveCa } from '../src/core/cas.js';
import { diagnose } from '../src/diagnose.js';
import { startWorld } from '../test/support/world.js';
import { type BenchLine, median, round } from './types.js';

export default async function bench(): Promise<BenchLine[]> {
  const world = await startWorld({
    records: [
      'shop.example.test A 203.0.114.10',
      'shop.example.test AAAA 2001:4860::10',
      'example.test CAA 0 issue "letsencrypt.org"',
    ],
    authorities: [{}, {}],
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      const report = await diagnose(
        { name: 'shop.example.test', wildcard: false, method: 'none', ca: resolveCa('letsencrypt') },
        { resolvers: [world.resolver.address], portMap: world.portMap, checks: [dnsCheck, caaCheck] },
      );
      if (i >= 20) times.push(performance.now() - started);
      if (report.status !== 'ok') throw new Error(`unexpected status ${report.status}`);
    }
  } finally {
    await world.close();
  }
  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  const starts: number[] = [];
  for (let i = 0; i < 15; i++) {
    const started = performance.now();
    execFileSync(process.execPath, [cli, '--version'], { stdio: 'pipe' });
    starts.push(performance.now() - started);
  }
  const d = median(times);
  const c = median(starts.slice(2));
  return [
    {
      name: 'DNS+CAA diagnosis, in-process median (2 authoritative servers)',
      value: round(d),
      unit: 'ms',
      target: '< 15 ms',
      ok: d < 15,
    },
    {
      name: 'CLI cold start `certmedic --version`, median',
      value: round(c, 1),
      unit: 'ms',
      target: '< 300 ms',
      ok: c < 300,
    },
  ];
}
