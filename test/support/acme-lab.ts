/**
 * A local ACME lab for the log-classifier tests: the real pebble ACME server (Debian `pebble`) on
 * 127.0.0.1 with its validation ports on loopback, our test DNS server as its resolver, and the
 * real certbot and nginx binaries whose output the classifier must understand. Everything runs as
 * child processes in a temporary directory; nothing leaves 127.0.0.0/8.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDnsServer, type TestDnsServer } from './dns-server.js';

/** freePort returns a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Lab {
  dir: string;
  dns: TestDnsServer;
  directoryUrl: string;
  /** The port pebble's VA connects to for HTTP-01 (instead of 80). */
  httpPort: number;
  caBundle: string;
  pebble: ChildProcess;
  close(): Promise<void>;
}

export interface LabOptions {
  pebble: string;
  openssl: string;
  records: string[];
  eabRequired?: boolean;
}

/** startLab starts the DNS server and pebble, and returns once pebble's directory answers. */
export async function startLab(opts: LabOptions): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'acme-lab-'));
  const dns = await startDnsServer({ records: opts.records });
  execFileSync(
    opts.openssl,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'pipe' },
  );
  const [acmePort, mgmtPort, httpPort, tlsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: Boolean(opts.eabRequired),
        ...(opts.eabRequired
          ? { externalAccountMACKeys: { 'kid-1': 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W' } }
          : {}),
      },
    }),
  );
  const pebble = spawn(opts.pebble, ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dns.port}`], {
    env: {
      PATH: process.env['PATH'] ?? '',
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
      PEBBLE_AUTHZREUSE: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  pebble.stdout?.on('data', (d) => {
    out += d;
  });
  pebble.stderr?.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + 10_000;
  while (!out.includes('Listening on:')) {
    if (pebble.exitCode !== null || Date.now() > deadline) {
      pebble.kill('SIGKILL');
      await dns.close();
      throw new Error(`pebble did not start: ${out.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dir,
    dns,
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    httpPort,
    caBundle: join(dir, 'cert.pem'),
    pebble,
    close: async () => {
      pebble.kill('SIGTERM');
      await dns.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ToolOutput {
  code: number | null;
  /** stdout and stderr interleaved as the tool wrote them (as a deployment job captures them). */
  output: string;
}

/** runTool runs a command (in `cwd`, default the current directory), capturing stdout+stderr together; never rejects. */
export function runTool(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
  cwd?: string,
): Promise<ToolOutput> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, {
      ...(cwd ? { cwd } : {}),
      env: { PATH: process.env['PATH'] ?? '', ...env },
      timeout: timeoutMs,
      maxBuffer: 4 << 20,
    });
    let output = '';
    child.stdout?.on('data', (d) => {
      output += d;
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** certbot runs `certbot certonly` against the lab with its own config/work/log directories, in a directory of its own. */
export function certbot(
  lab: Lab,
  certbotPath: string,
  name: string,
  extra: string[],
  server = lab.directoryUrl,
): Promise<ToolOutput> {
  const base = join(lab.dir, `certbot-${name.replace(/[^a-z0-9]/gi, '_')}-${Math.random().toString(36).slice(2, 8)}`);
  for (const d of ['config', 'work', 'logs']) mkdirSync(join(base, d), { recursive: true });
  return runTool(
    certbotPath,
    [
      'certonly',
      '--non-interactive',
      '--agree-tos',
      '-m',
      'ops@example.com',
      '--server',
      server,
      '--config-dir',
      join(base, 'config'),
      '--work-dir',
      join(base, 'work'),
      '--logs-dir',
      join(base, 'logs'),
      '-d',
      name,
      ...extra,
    ],
    { REQUESTS_CA_BUNDLE: lab.caBundle },
    90_000,
    base,
  );
}
