/**
 * Served-certificate benchmarks (issue 5). TLS servers (ECDSA P-256 chain) run in a child process
 * on 127.0.3.2-5; in this process, side by side in the same run and interleaved:
 *  - a bare `tls.connect` loop (connect, handshake, destroy) at concurrency 50: the practical limit;
 *  - `probeTls` at concurrency 50 (chain taken, parsed, built against the trust store);
 * and the median time of a full diagnosis (DNS through the local resolver and authoritative
 * servers, CAA, risk, served certificate on both addresses) of a name with two addresses.
 * Targets: the probe reaches >= 80 % of the bare loop; the diagnosis median is < 40 ms.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:tls';
import { trustStore } from '../src/core/chain.js';
import { diagnose } from '../src/diagnose.js';
import { probeTls } from '../src/net/tls.js';
import { chainPem, leafOf, pki } from '../test/support/certs.js';
import { startWorld } from '../test/support/world.js';
import { type BenchLine, median, round } from './types.js';

const HOSTS = ['127.0.3.2', '127.0.3.3', '127.0.3.4', '127.0.3.5'];
const CONCURRENCY = 50;
const WINDOW_MS = 1500;
const ROUNDS = 5;

const SERVER_SCRIPT = `
import { createServer } from 'node:tls';
const { key, cert, hosts } = JSON.parse(process.env.BENCH_TLS);
let port = 0;
for (const host of hosts) {
  const s = createServer({ key, cert }, (sock) => { sock.on('error', () => {}); sock.end(); });
  s.on('tlsClientError', () => {});
  await new Promise((r) => s.listen(port, host, r));
  port = s.address().port;
}
process.stdout.write(String(port) + '\\n');
`;

function startChild(key: string, cert: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER_SCRIPT], {
    env: { ...process.env, BENCH_TLS: JSON.stringify({ key, cert, hosts: HOSTS }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve({ port: Number(String(d).trim()), child }));
    child.once('exit', (code) => reject(new Error(`bench TLS servers exited with ${code}`)));
  });
}

/** cpuPerOp holds the client-side CPU µs per handshake of the last `rate` run. */
let cpuPerOp = 0;

/** rate runs `one` with CONCURRENCY workers for WINDOW_MS and returns completed operations per second. */
async function rate(one: (host: string) => Promise<boolean>): Promise<number> {
  const until = performance.now() + WINDOW_MS;
  let done = 0;
  let failed = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = 0; performance.now() < until; i++) {
        if (await one(HOSTS[(w + i) % HOSTS.length]!)) done++;
        else failed++;
      }
    }),
  );
  if (failed > done / 100) throw new Error(`${failed} handshakes failed`);
  const cpu = process.cpuUsage(cpu0);
  cpuPerOp = (cpu.user + cpu.system) / Math.max(1, done);
  return done / ((performance.now() - started) / 1000);
}

function bare(port: number): (host: string) => Promise<boolean> {
  return (host) =>
    new Promise((resolve) => {
      const s = connect({ host, port, servername: 'bench.example.test', rejectUnauthorized: false });
      s.once('secureConnect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => {
        s.destroy();
        resolve(false);
      });
    });
}

export default async function bench(): Promise<BenchLine[]> {
  const ca = await pki('Bench', 'ec256');
  const leaf = await leafOf(ca, ['bench.example.test'], { key: 'ec256' });
  const { port, child } = await startChild(leaf.key.privatePem, chainPem(leaf, ca.intermediate));
  const world = await startWorld({
    records: ['bench.example.test A 127.0.3.2', 'bench.example.test A 127.0.3.3'],
    authorities: [{}, {}],
  });
  try {
    const portMap = new Map([[443, port]]);
    const trust = trustStore([ca.root.pem]);
    const probe = async (host: string) => {
      const r = await probeTls({ address: host, port: 443, servername: 'bench.example.test', portMap, trust });
      return r.ok && r.chain!.trusted;
    };
    await rate(bare(port));
    await rate(probe);
    const bareRates: number[] = [];
    const probeRates: number[] = [];
    const bareCpu: number[] = [];
    const probeCpu: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      bareRates.push(await rate(bare(port)));
      bareCpu.push(cpuPerOp);
      probeRates.push(await rate(probe));
      probeCpu.push(cpuPerOp);
    }
    const b = median(bareRates);
    const p = median(probeRates);

    world.portMap.set(443, port);
    const times: number[] = [];
    for (let i = 0; i < 120; i++) {
      const started = performance.now();
      const report = await diagnose(
        { name: 'bench.example.test', wildcard: false, method: 'none' },
        { resolvers: [world.resolver.address], portMap: world.portMap, trustAnchors: [ca.root.pem] },
      );
      if (i >= 20) times.push(performance.now() - started);
      if (report.findings.some((f) => f.code.startsWith('tls.') || f.severity === 'critical')) {
        throw new Error(`unexpected findings: ${report.findings.map((f) => f.code).join(', ')}`);
      }
    }
    const d = median(times);
    return [
      { name: `bare tls.connect loop, concurrency ${CONCURRENCY}`, value: round(b, 0), unit: 'handshakes/s' },
      {
        name: `probeTls (chain parsed + validated), concurrency ${CONCURRENCY}`,
        value: round(p, 0),
        unit: 'handshakes/s',
        target: '>= 80 % of the bare loop',
        ok: p >= 0.8 * b,
      },
      { name: 'probeTls / bare tls.connect', value: round((100 * p) / b, 1), unit: '%' },
      { name: 'client CPU per handshake, bare tls.connect', value: round(median(bareCpu), 0), unit: 'µs' },
      { name: 'client CPU per handshake, probeTls', value: round(median(probeCpu), 0), unit: 'µs' },
      {
        name: 'full diagnosis of a name with two addresses, median',
        value: round(d),
        unit: 'ms',
        target: '< 40 ms',
        ok: d < 40,
      },
    ];
  } finally {
    child.kill();
    await world.close();
  }
}
