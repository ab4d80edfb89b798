/**
 * HTTP-01 against a real nginx (Debian nginx-light) serving a webroot, started on a loopback port
 * with a temporary configuration: the right virtual host serves the challenge file, another
 * virtual host (the default server) answers 404. Skips when nginx is missing, fails under CI=true.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { http01Check } from '../../src/checks/http01.js';
import { diagnose } from '../../src/diagnose.js';
import { toolOrSkip } from '../support/tools.js';
import { codes, request, startWorld, type World } from '../support/world.js';

const NGINX = toolOrSkip('nginx');
const TOKEN = 'nginxTokenAbcdefghijklmnopqrstuvwxyz0123456';
const KEYAUTH = `${TOKEN}.thumbprint-of-the-account-key-0123456789abc`;
const HOST = '127.0.0.60';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, HOST, () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${HOST}:${port}`);
}

let nginx: ChildProcess | undefined;
let port = 0;
let world: World;

beforeAll(async () => {
  if (!NGINX) return;
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-nginx-'));
  chmodSync(dir, 0o755);
  const webroot = join(dir, 'www');
  mkdirSync(join(webroot, '.well-known', 'acme-challenge'), { recursive: true });
  writeFileSync(join(webroot, '.well-known', 'acme-challenge', TOKEN), `${KEYAUTH}\n`);
  port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${join(dir, t)};`)
    .join('\n');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')};
events {}
http {
  access_log off;
${temp}
  server {
    listen ${HOST}:${port} default_server;
    server_name _;
    return 404;
  }
  server {
    listen ${HOST}:${port};
    server_name shop.example.test;
    root ${webroot};
    location /.well-known/acme-challenge/ { default_type text/plain; }
  }
}
`,
  );
  nginx = spawn(NGINX, ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: 'ignore',
  });
  await waitForPort(port, 5000);
  world = await startWorld({ records: [`shop.example.test A ${HOST}`, `other.example.test A ${HOST}`] });
});

afterAll(async () => {
  nginx?.kill('SIGTERM');
  await world?.close();
});

const run = (name: string, extra = {}) => {
  const portMap = new Map(world.portMap);
  portMap.set(80, port);
  return diagnose(request(name, extra), {
    resolvers: [world.resolver.address],
    portMap,
    timeoutMs: 4000,
    checks: [http01Check],
  });
};

describe.skipIf(!NGINX)('http01 against nginx', () => {
  test('nginx serving the webroot passes with the key authorization', async () => {
    const r = await run('shop.example.test', { httpToken: TOKEN, keyAuthorization: KEYAUTH });
    expect(codes(r)).toEqual([]);
  });

  test('the default server of another name gives http01.not_found', async () => {
    const r = await run('other.example.test', { httpToken: TOKEN, keyAuthorization: KEYAUTH });
    expect(codes(r)).toEqual(['http01.not_found']);
  });

  test('a random token gets 404 from the right virtual host: no finding', async () => {
    const r = await run('shop.example.test');
    expect(codes(r)).toEqual([]);
  });
});

test.runIf(!NGINX)('nginx is not installed: the nginx cases are skipped', () => {
  expect(NGINX).toBeUndefined();
});
