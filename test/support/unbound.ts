/**
 * A real recursive resolver for tests: Debian's unbound, started on a loopback port with stub zones
 * pointing at our authoritative test servers, as the outside world sees DNS (a recursive resolver
 * in front of an authoritative server).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsClient } from '../../src/net/dns.js';

export interface Unbound {
  host: string;
  port: number;
  resolverArg: string;
  close(): Promise<void>;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** startUnbound starts unbound with a stub zone per entry (zone -> host@port of the authority). */
export async function startUnbound(
  bin: string,
  stubs: { zone: string; host: string; port: number }[],
): Promise<Unbound> {
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-unbound-'));
  const host = '127.0.0.1';
  const port = await freePort(host);
  const conf = `server:
  interface: ${host}@${port}
  port: ${port}
  do-ip6: no
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "${dir}"
  pidfile: "${dir}/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 0
  do-not-query-localhost: no
  module-config: "iterator"
  qname-minimisation: no
  harden-referral-path: no
  access-control: 127.0.0.0/8 allow
  cache-max-ttl: 0
  cache-max-negative-ttl: 0
  local-zone: "test." nodefault
${stubs.map((s) => `stub-zone:\n  name: "${s.zone}"\n  stub-addr: ${s.host}@${s.port}\n`).join('')}`;
  writeFileSync(join(dir, 'unbound.conf'), conf);
  const child: ChildProcess = spawn(bin, ['-d', '-c', join(dir, 'unbound.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const close = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const client = new DnsClient({ servers: [{ host, port }], timeoutMs: 200, attempts: 1 });
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) break;
    try {
      await client.query(`probe${i}.test`, 'A');
      return { host, port, resolverArg: `${host}:${port}`, close };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await close();
  throw new Error(`unbound did not start: ${stderr.slice(0, 500)}`);
}
