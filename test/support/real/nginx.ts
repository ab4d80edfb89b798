/**
 * A real web server for tests: Debian's nginx (nginx-light) in the foreground with a temporary
 * prefix, started with the `http {}` body the test writes (virtual hosts on loopback ports).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** MAIL_MODULE is Debian's nginx mail proxy module (libnginx-mod-mail), for real STARTTLS servers. */
export const MAIL_MODULE = '/usr/lib/nginx/modules/ngx_mail_module.so';

export interface Nginx {
  dir: string;
  close(): Promise<void>;
}

async function listening(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const c = connect(port, host, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

/** nginxDir returns a fresh, world-readable temporary directory for nginx's files. */
export function nginxDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-nginx-'));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * startNginx writes nginx.conf around `httpBody` in `dir`, starts nginx and returns once every
 * `listens` entry (host, port) accepts connections.
 */
export async function startNginx(
  bin: string,
  dir: string,
  httpBody: string,
  listens: { host: string; port: number }[],
  mailBody?: string,
): Promise<Nginx> {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${join(dir, t)};`)
    .join('\n');
  const errorLog = join(dir, 'error.log');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${mailBody ? `load_module ${MAIL_MODULE};\n` : ''}daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog};
events {}
http {
  access_log off;
  default_type text/plain;
${temp}
${httpBody}
}
${mailBody ? `mail {\n${mailBody}\n}\n` : ''}`,
  );
  // Security level 0, so that nginx loads the weak keys and SHA-1 signatures an old server still has.
  const opensslConf = join(dir, 'openssl.cnf');
  writeFileSync(
    opensslConf,
    'openssl_conf = conf\n[conf]\nssl_conf = ssl\n[ssl]\nsystem_default = sys\n[sys]\nCipherString = DEFAULT:@SECLEVEL=0\n',
  );
  const child: ChildProcess = spawn(bin, ['-e', errorLog, '-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: 'ignore',
    env: { ...process.env, OPENSSL_CONF: opensslConf },
  });
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    const up = await Promise.all(listens.map((l) => listening(l.host, l.port)));
    if (up.every(Boolean)) return { dir, close };
    await new Promise((r) => setTimeout(r, 50));
  }
  let log = '';
  try {
    log = readFileSync(errorLog, 'utf8');
  } catch {}
  await close();
  throw new Error(`nginx did not start: ${log.slice(-500)}`);
}
