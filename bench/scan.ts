/**
 * Watchlist scan benchmark (issue 9): several hundred local TLS endpoints spread over 127.0.x.y
 * (live ones, dead ones that refuse, black holes that accept TCP and never answer the ClientHello),
 * scanned side by side in the same run by `certmedic`'s scan pool (DNS skipped with `address:`,
 * full served-certificate analysis per endpoint) and by a bare multi-threaded `tls.connect` loop
 * over the same endpoints (the practical limit). The servers run in a child process.
 * Figures: endpoints/second of both (target: the scan reaches 85 % of the loop), the wall time
 * of the set with black holes (target: within the timeout plus 1 s), and the peak RSS of a
 * 10,000-target scan (target: < 200 MB).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as x509 from '@peculiar/x509';
import type { Report } from '../src/core/finding.js';
import { ScanPool } from '../src/monitor/pool.js';
import { inOrder, requestFor, type ScanJob, type ScanSettings } from '../src/monitor/scan.js';
import type { WatchEntry } from '../src/monitor/watchlist.js';
import { type BenchLine, median, round } from './types.js';

const LIVE = 400;
const DEAD = 40;
const HOLES = 40;
const TIMEOUT_MS = 2000;
const CONCURRENCY = 128;
const ROUNDS = 3;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** mintPki returns an ECDSA P-256 root and a leaf for *.bench.test signed by it. */
async function mintPki(): Promise<{ root: string; leaf: string; key: string }> {
  x509.cryptoProvider.set(webcrypto as never);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const rootKeys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const leafKeys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Bench Root',
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 3650 * 86_400_000),
    keys: rootKeys,
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '0a',
    subject: 'CN=bench.test',
    issuer: root.subject,
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 60 * 86_400_000),
    publicKey: leafKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: '*.bench.test' }])],
  });
  const key = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey));
  return { root: root.toString('pem'), leaf: leaf.toString('pem'), key };
}

const SERVER_SCRIPT = `
import { createServer as tlsServer } from 'node:tls';
import { createServer as netServer } from 'node:net';
const { key, cert, live, holes } = JSON.parse(process.env.BENCH_SERVERS);
let port = 0;
const listen = (srv, host) => new Promise((ok, fail) => { srv.once('error', fail); srv.listen(port, host, () => { port = srv.address().port; ok(); }); });
for (const host of live) {
  const s = tlsServer({ key, cert });
  s.on('secureConnection', (c) => { c.on('error', () => {}); c.end(); });
  s.on('tlsClientError', () => {});
  await listen(s, host);
}
for (const host of holes) {
  const s = netServer((c) => { c.on('error', () => {}); });
  await listen(s, host);
}
process.stdout.write(String(port) + '\\n');
`;

/** startServers starts the live servers and black holes in a child process; returns their port. */
async function startServers(live: string[], holes: string[], key: string, cert: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER_SCRIPT], {
    env: { ...process.env, BENCH_SERVERS: JSON.stringify({ key, cert, live, holes }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`bench servers exited with ${code}`)));
  });
  return { port, child };
}

/** The bare loop: worker threads each doing tls.connect with the same concurrency and timeout. */
const BARE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const tls = require('node:tls');
const ctx = tls.createSecureContext({});
const { targets, concurrency, timeoutMs } = workerData;
let next = 0, done = 0;
function one(t) {
  return new Promise((resolve) => {
    const s = tls.connect({ host: t.address, port: t.port, servername: t.name, secureContext: ctx, rejectUnauthorized: false });
    const timer = setTimeout(() => { s.destroy(); resolve(); }, timeoutMs);
    s.on('secureConnect', () => { s.getPeerCertificate(true); clearTimeout(timer); s.destroy(); resolve(); });
    s.on('error', () => { clearTimeout(timer); resolve(); });
  });
}
async function lane() { while (next < targets.length) { await one(targets[next++]); done++; } }
Promise.all(Array.from({ length: concurrency }, lane)).then(() => parentPort.postMessage(done));
`;

async function bareLoop(entries: WatchEntry[], threads: number): Promise<number> {
  const started = performance.now();
  const parts = Array.from({ length: threads }, (_, i) => entries.filter((_, j) => j % threads === i));
  await Promise.all(
    parts.map(
      (part) =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(BARE_WORKER, {
            eval: true,
            workerData: {
              targets: part.map((e) => ({ name: e.name, address: e.address, port: e.port })),
              concurrency: Math.ceil(CONCURRENCY / threads),
              timeoutMs: TIMEOUT_MS,
            },
          });
          w.once('message', () => {
            void w.terminate();
            resolve();
          });
          w.once('error', reject);
        }),
    ),
  );
  return performance.now() - started;
}

/** poolScan scans the entries with the pool and serialises each report in order, as `certmedic scan --format json` does. */
async function poolScan(pool: ScanPool, entries: WatchEntry[], settings: ScanSettings) {
  const jobs: ScanJob[] = entries.map((e, index) => ({ index, req: requestFor(e) }));
  let bytes = 0;
  const emit = inOrder<Report>((_i, report) => {
    bytes += JSON.stringify(report, null, 2).length;
  });
  const started = performance.now();
  let critical = 0;
  await pool.scan(jobs, settings, CONCURRENCY, (job, report) => {
    if (report.status === 'critical') critical++;
    emit(job.index, report);
  });
  return { ms: performance.now() - started, critical, bytes };
}

/**
 * cliScan runs the scan command's code (runScan: YAML watchlist parsed and validated, worker pool,
 * JSON streamed in order) in a fresh process over a 10,000-target watchlist, output to /dev/null,
 * and returns the peak RSS of that process (VmHWM, Linux) and its exit code.
 */
async function cliScan(
  live: string[],
  port: number,
  root: string,
): Promise<{ peakKb: number; ms: number; code: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-bench-'));
  const lines = ['targets:'];
  for (let i = 0; i < 10_000; i++)
    lines.push(`  - name: c${i}.bench.test`, `    port: ${port}`, `    address: ${live[i % live.length]}`);
  writeFileSync(join(dir, 'watchlist.yml'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'root.pem'), root);
  const scanModule = new URL('../src/cli/scan.js', import.meta.url).href;
  const configModule = new URL('../src/config.js', import.meta.url).href;
  const script = `
    import { createWriteStream } from 'node:fs';
    import { runScan } from ${JSON.stringify(scanModule)};
    import { loadConfig } from ${JSON.stringify(configModule)};
    const out = createWriteStream('/dev/null');
    const write = (t) => new Promise((r) => (out.write(t) ? r() : out.once('drain', r)));
    process.exitCode = await runScan(
      { watchlist: ${JSON.stringify(join(dir, 'watchlist.yml'))}, trustAnchor: [${JSON.stringify(join(dir, 'root.pem'))}],
        resolver: '127.0.0.1:1', timeout: '${TIMEOUT_MS}', concurrency: '${CONCURRENCY}', format: 'json' },
      loadConfig({}, process.cwd(), { ignoreSlack: true }), write);`;
  const started = performance.now();
  // A file, not `-e`: worker threads inherit the process's exec arguments.
  writeFileSync(join(dir, 'scan.mjs'), script);
  const child = spawn(process.execPath, [join(dir, 'scan.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {}
  }, 20);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(poll);
  return { peakKb, ms: performance.now() - started, code };
}

function entry(i: number, address: string, port: number): WatchEntry {
  const name = `h${i}.bench.test`;
  return { key: `${name}:${port}`, name, port, address, tags: [], source: 'file' };
}

const addr = (i: number, base: number) => `127.0.${base + Math.floor(i / 200)}.${(i % 200) + 1}`;

export default async function bench(): Promise<BenchLine[]> {
  const { root, leaf, key } = await mintPki();
  const live = Array.from({ length: LIVE }, (_, i) => addr(i, 10));
  const holes = Array.from({ length: HOLES }, (_, i) => addr(i, 30));
  const dead = Array.from({ length: DEAD }, (_, i) => addr(i, 40));
  const servers = await startServers(live, holes, key, leaf);
  const child: ChildProcess = servers.child;
  const threads = availableParallelism();
  const pool = new ScanPool({ threads });
  const settings: ScanSettings = {
    resolvers: [{ host: '127.0.0.1', port: 1 }],
    timeoutMs: TIMEOUT_MS,
    trustAnchors: [root],
    allowNonPublic: true,
    allowNetworks: [],
  };
  try {
    const port = servers.port;
    let n = 0;
    const liveSet = [...live.map((a) => entry(n++, a, port)), ...dead.map((a) => entry(n++, a, port))];
    const withHoles = [...liveSet, ...holes.map((a) => entry(n++, a, port))];
    // Warm up both (worker start, module load, caches).
    await poolScan(pool, liveSet.slice(0, 50), settings);
    await bareLoop(liveSet.slice(0, 50), threads);
    const bare: number[] = [];
    const scan: number[] = [];
    const bareCpu: number[] = [];
    const scanCpu: number[] = [];
    let criticalLive = 0;
    // Client CPU (this process: main thread and workers; the servers are another process).
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const u = process.cpuUsage(since);
      return (u.user + u.system) / 1000;
    };
    for (let r = 0; r < ROUNDS; r++) {
      let cpu = process.cpuUsage();
      bare.push(liveSet.length / ((await bareLoop(liveSet, threads)) / 1000));
      bareCpu.push(cpuMs(cpu) / liveSet.length);
      cpu = process.cpuUsage();
      const s = await poolScan(pool, liveSet, settings);
      scanCpu.push(cpuMs(cpu) / liveSet.length);
      criticalLive = s.critical;
      scan.push(liveSet.length / (s.ms / 1000));
    }
    const bareRate = median(bare);
    const scanRate = median(scan);
    const holesScan = await poolScan(pool, withHoles, settings);
    const holesBare = await bareLoop(withHoles, threads);
    const cli = await cliScan(live, port, root);
    const ratio = scanRate / bareRate;
    return [
      {
        name: `bare tls.connect loop, ${liveSet.length} endpoints (${DEAD} dead), ${threads} threads`,
        value: round(bareRate, 0),
        unit: 'endpoints/s',
      },
      {
        name: `certmedic scan pool, same endpoints (${criticalLive} critical = the dead ones)`,
        value: round(scanRate, 0),
        unit: 'endpoints/s',
      },
      { name: 'scan / bare loop', value: round(ratio * 100, 1), unit: '%', target: '>= 85 %', ok: ratio >= 0.85 },
      { name: 'client CPU per endpoint: bare loop', value: round(median(bareCpu), 2), unit: 'ms' },
      {
        name: 'client CPU per endpoint: scan (probe + chain analysis + report)',
        value: round(median(scanCpu), 2),
        unit: 'ms',
      },
      {
        name: `scan with ${HOLES} black holes (timeout ${TIMEOUT_MS} ms), ${withHoles.length} endpoints`,
        value: round(holesScan.ms, 0),
        unit: 'ms',
        target: `<= ${TIMEOUT_MS + 1000} ms`,
        ok: holesScan.ms <= TIMEOUT_MS + 1000,
      },
      { name: 'bare loop with the same black holes', value: round(holesBare, 0), unit: 'ms' },
      {
        name: `\`certmedic scan\` of a 10,000-target watchlist: peak RSS (${round(cli.ms / 1000, 1)} s, exit ${cli.code})`,
        value: round(cli.peakKb / 1024, 0),
        unit: 'MB',
        target: '< 200 MB',
        ok: cli.peakKb > 0 && cli.peakKb < 200 * 1024,
      },
    ];
  } finally {
    await pool.close();
    child.kill();
  }
}
