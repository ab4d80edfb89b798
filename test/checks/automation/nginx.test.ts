/**
 * "Renewed but the server still shows the old certificate", against a real nginx: the renewed
 * files are on disk but nginx was not reloaded, so the served serial differs from the issued
 * one; the configured re-run action (an allow-listed reload command) fixes it.
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { ActionSchema } from '../../../src/actions/schema.js';
import { ActionService } from '../../../src/actions/service.js';
import { ActionStore } from '../../../src/actions/store.js';
import { freePort } from '../../support/acme-lab.js';
import { testCert } from '../../support/automation.js';
import { nginxDir } from '../../support/real/nginx.js';
import { toolOrSkip } from '../../support/tools.js';
import { baseInventory, find, type Harness, harness, nginxTarget } from './helpers.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures');
const nginxBin = toolOrSkip('nginx');
let h: Harness | undefined;
let nginx: { close(): Promise<void> } | undefined;
afterEach(async () => {
  await h?.close();
  await nginx?.close();
  h = undefined;
  nginx = undefined;
});

test.skipIf(!nginxBin)(
  'a renewal nginx did not load is found; the re-run action reloads it and the finding clears',
  async () => {
    const dir = nginxDir();
    const certFile = join(dir, 'shop.pem');
    const old = testCert(['shop.example.test'], { serial: '0a01' });
    writeFileSync(certFile, old.pem);
    writeFileSync(join(dir, 'shop.key'), old.keyPem);
    const port = await freePort();
    nginx = await startMasterNginx(nginxBin!, dir, port, certFile, join(dir, 'shop.key'));
    h = await harness(
      baseInventory((i) => {
        i.deployments = [{ ...nginxTarget(port), keystorePath: certFile }];
        i.certificates[0].deployments = ['nginx-shop'];
        i.certificates[0].issued.serial = old.serial;
      }),
    );
    expect((await h.run()).findings.map((f) => f.code)).toEqual([]);

    // The platform renews: new files on disk, the event says so; nginx still serves the old one.
    const renewed = testCert(['shop.example.test'], { serial: '0b02' });
    writeFileSync(certFile, renewed.pem);
    h.event({
      id: 'issued-b02',
      type: 'certificate.issued',
      time: '2026-11-27T09:50:00.000Z',
      certificate: 'shop',
      data: { serial: renewed.serial },
    });
    const stale = await h.run();
    expect(stale.findings.map((f) => f.code)).toEqual(['deploy.not_deployed_after_renewal']);
    expect(find(stale, 'deploy.not_deployed_after_renewal').evidence).toMatchObject({
      servedSerial: old.serial,
      issuedSerial: renewed.serial,
    });

    // Re-run deployment: the allow-listed reload command, its argument from the inventory.
    const action = ActionSchema.parse({
      id: 'reload',
      kind: 'redeploy',
      allow: { users: ['U1'] },
      command: { path: join(FIXTURES, 'action-reload-nginx.sh'), args: ['{{deployment.keystorePath}}'] },
    });
    const actions = new ActionService([action], h.store, new ActionStore(h.db, h.clock));
    const [offer] = actions.offer('shop');
    const result = await actions.execute(offer!.request.id, { userId: 'U1' });
    expect(result).toMatchObject({ outcome: 'succeeded', output: 'reloaded nginx' });
    let fixed = await h.run();
    for (let i = 0; i < 40 && fixed.findings.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100)); // nginx re-reads its configuration asynchronously
      fixed = await h.run();
    }
    expect(fixed.findings.map((f) => f.code)).toEqual([]);
  },
);

/**
 * startMasterNginx runs nginx with a master process (as in production, so that SIGHUP reloads
 * gracefully; the single-process mode of the shared helper does not reload TLS listeners) and
 * returns once the TLS port accepts connections.
 */
async function startMasterNginx(bin: string, dir: string, port: number, cert: string, key: string) {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${join(dir, t)};`);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')};
events {}
http {
  access_log off;
  ${temp.join('\n  ')}
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    return 200 "ok";
  }
}
`,
  );
  const child = spawn(bin, ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: 'ignore',
  });
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((done) => {
      const c = connect(port, '127.0.0.1', () => {
        c.destroy();
        done(true);
      });
      c.on('error', () => done(false));
    });
    if (up) return { close };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await close();
  throw new Error('nginx did not start');
}
