/**
 * `openssl s_server` as a real TLS endpoint: one address and port, one certificate, optionally
 * ALPN protocols it selects (e.g. `acme-tls/1` for a TLS-ALPN-01 responder, RFC 8737).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';

export interface SServer {
  close(): Promise<void>;
}

/** startSServer starts `openssl s_server` on host:port and returns once it accepts connections. */
export async function startSServer(
  openssl: string,
  o: { host: string; port: number; cert: string; key: string; alpn?: string },
): Promise<SServer> {
  const child: ChildProcess = spawn(
    openssl,
    [
      's_server',
      '-accept',
      `${o.host}:${o.port}`,
      '-cert',
      o.cert,
      '-key',
      o.key,
      '-quiet',
      ...(o.alpn ? ['-alpn', o.alpn] : []),
    ],
    // stdin stays open: s_server reads it for commands.
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  };
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    const up = await new Promise<boolean>((resolve) => {
      const c = connect(o.port, o.host, () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (up) return { close };
    await new Promise((r) => setTimeout(r, 50));
  }
  await close();
  throw new Error(`openssl s_server did not start on ${o.host}:${o.port}: ${stderr.slice(0, 300)}`);
}
