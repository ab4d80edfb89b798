/**
 * A real authoritative DNS server for tests: Debian's NSD, started in the foreground on loopback
 * addresses that share one port (as `--port-map 53=<port>` expects), serving zone files written by
 * the test. Several instances on different addresses of the same port can serve different data
 * for the same zone (a secondary that missed a transfer).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsClient } from '../../../src/net/dns.js';

export interface Nsd {
  addresses: string[];
  port: number;
  close(): Promise<void>;
}

/** freePortOn returns a TCP port free on every given address a moment ago. */
export async function freePortOn(hosts: string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, hosts[0], () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const free = await Promise.all(
      hosts.slice(1).map(
        (h) =>
          new Promise<boolean>((resolve) => {
            const s = createServer();
            s.once('error', () => resolve(false));
            s.listen(port, h, () => s.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return port;
  }
  throw new Error(`no common free port on ${hosts.join(', ')}`);
}

/**
 * startNsd starts nsd on `addresses`@`port` serving `zones` (zone name -> zone file text) and
 * returns once every zone's SOA answers on the first address.
 */
export async function startNsd(
  bin: string,
  addresses: string[],
  port: number,
  zones: Record<string, string>,
): Promise<Nsd> {
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-nsd-'));
  const zoneConf = Object.entries(zones)
    .map(([name, text], i) => {
      writeFileSync(join(dir, `z${i}.zone`), text);
      return `zone:\n  name: "${name}"\n  zonefile: "${join(dir, `z${i}.zone`)}"\n`;
    })
    .join('');
  writeFileSync(
    join(dir, 'nsd.conf'),
    `server:
${addresses.map((a) => `  ip-address: ${a}@${port}\n`).join('')}  port: ${port}
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  database: ""
  zonelistfile: "${dir}/zone.list"
  xfrdfile: "${dir}/xfrd.state"
  xfrdir: "${dir}"
  pidfile: "${dir}/nsd.pid"
  server-count: 1
  verbosity: 1
remote-control:
  control-enable: no
${zoneConf}`,
  );
  const child: ChildProcess = spawn(bin, ['-d', '-c', join(dir, 'nsd.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    // A fresh client each time: answers (and failures) are cached per client.
    const client = new DnsClient({ servers: [{ host: addresses[0]!, port }], timeoutMs: 300, attempts: 1 });
    try {
      const answers = await Promise.all(
        Object.keys(zones).map((z) => client.query(z, 'SOA', { rd: false, server: { host: addresses[0]!, port } })),
      );
      if (answers.every((a) => a.rcode === 'NOERROR' && a.aa)) return { addresses, port, close };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  await close();
  throw new Error(`nsd did not start: ${stderr.slice(0, 500)}`);
}
