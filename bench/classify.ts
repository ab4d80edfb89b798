/**
 * Log classification throughput: a 50 MB provisioning log (web server access lines, ACME client
 * debug lines, deployment job lines, with failures sprinkled through it) streamed from disk through
 * classifyLog(). Targets: ≥ 50 MB/s, and flat memory (heap growth far below the log's size).
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyLog } from '../src/checks/automation/logs.js';
import { type BenchLine, round } from './types.js';

const NOISE = [
  '203.0.113.7 - - [27/Nov/2026:10:00:01 +0000] "GET /assets/app.9f3c1.js HTTP/2.0" 200 48213 "https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64)"',
  '2026-11-27 10:00:01,204:DEBUG:acme.client:Sending GET request to https://acme-v02.api.letsencrypt.org/acme/authz/1234567/89012345.',
  '2026-11-27 10:00:01,377:DEBUG:urllib3.connectionpool:https://acme-v02.api.letsencrypt.org:443 "POST /acme/new-order HTTP/1.1" 201 452',
  '2026-11-27T10:00:02.118Z deploy-cert[4412]: web-1.internal: copying fullchain.pem (3 certificates, 5.2 KiB) and privkey.pem',
  'I1127 10:00:02.220154       1 controller.go:162] "syncing item" logger="cert-manager.certificates-trigger" key="shop/shop-tls"',
  '{"level":"info","ts":1795770000.123,"logger":"tls.cache.maintenance","msg":"certificate is good","identifier":"api.example.com","remaining":5012345.67}',
  '[Thu Nov 27 10:00:03 UTC 2026] Your cert is in: /root/.acme.sh/shop.example.com_ecc/shop.example.com.cer',
  '2026-11-27 10:00:03 INFO  renewal: 42 certificates checked, 3 due for renewal within 30 days, next run 2026-11-28T10:00:00Z',
];
const FAILURES = [
  '  Detail: 203.0.113.10: Fetching http://shop.example.com/.well-known/acme-challenge/kmD9r3X1tVQa8y0w: Timeout during connect (likely firewall problem)',
  'deploy@web-2.internal: Permission denied (publickey,password).',
  'Job for nginx.service failed because the control process exited with error code.',
  'keytool error: java.io.IOException: Keystore was tampered with, or password was incorrect',
];

/** writeLog writes about `bytes` of log to a file, one failure line every 5,000 lines. */
async function writeLog(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  let written = 0;
  let n = 0;
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++, n++)
      lines.push(n % 5000 === 4999 ? FAILURES[((n / 5000) % FAILURES.length) | 0]! : NOISE[n % NOISE.length]!);
    const chunk = `${lines.join('\n')}\n`;
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return written;
}

export default async function bench(): Promise<BenchLine[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-classify-'));
  const path = join(dir, 'big.log');
  try {
    const size = await writeLog(path, 50 * 1024 * 1024);
    // warm-up on a small prefix
    await classifyLog(createReadStream(path, { end: 1024 * 1024 }));
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const timer = setInterval(() => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }, 20);
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    const report = await classifyLog(createReadStream(path, { highWaterMark: 256 * 1024 }), { target: path });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    clearInterval(timer);
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    if (report.code !== 'log.dcv_failure') throw new Error(`unexpected primary cause ${report.code}`);
    const mbps = size / 1024 / 1024 / seconds;
    const growthMb = (heapPeak - heapBefore) / 1024 / 1024;
    return [
      {
        name: `classify-log: ${round(size / 1024 / 1024, 0)} MB streamed from disk`,
        value: round(mbps, 1),
        unit: 'MB/s',
        target: '>= 50 MB/s',
        ok: mbps >= 50,
      },
      {
        name: 'classify-log: same, per CPU second (independent of machine load)',
        value: round(size / 1024 / 1024 / cpuSeconds, 1),
        unit: 'MB/s',
        target: '>= 50 MB/s',
        ok: size / 1024 / 1024 / cpuSeconds >= 50,
      },
      {
        name: 'classify-log: peak heap growth while streaming 50 MB',
        value: round(growthMb, 1),
        unit: 'MB',
        target: '< 32 MB (flat)',
        ok: growthMb < 32,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
