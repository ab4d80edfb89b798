/** The README's ready-made senders, run for real against the bot's HTTP server: certbot hook and generic CLM. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { createWebhookHandler, webhookRoute } from '../../src/inventory/webhook.js';
import { HttpServer } from '../../src/server/http.js';
import { baseInventory } from '../checks/automation/helpers.js';
import { inventoryStore, testCert } from '../support/automation.js';
import { toolOrSkip } from '../support/tools.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SECRET = 'whsec-senders';
let server: HttpServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close(100);
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start() {
  const { store, clock } = inventoryStore(
    baseInventory((i) => {
      i.bots[0].id = 'bot-eu-1';
      i.certificates[0].bot = 'bot-eu-1';
      i.certificates.push({ id: 'legacy', names: ['legacy.example.test'], deployments: ['legacy-tomcat'] });
      i.deployments.push({
        id: 'legacy-tomcat',
        type: 'k8s-secret',
        namespace: 'n',
        secretName: 's',
        credentialsRef: 'c',
      });
    }),
    Date.now(),
  );
  server = new HttpServer({
    logger: pino({ level: 'silent' }),
    routes: [webhookRoute(createWebhookHandler({ secret: SECRET, store, clock }))],
  });
  const port = await server.listen(0, '127.0.0.1');
  return { store, url: `http://127.0.0.1:${port}` };
}

function run(file: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(file, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 20_000 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('certbot deploy hook (examples/hooks/certbot-deploy-hook.sh)', () => {
  const tools = ['openssl', 'curl', 'date'].map(toolOrSkip);
  test.skipIf(tools.some((t) => !t))('reports the issued certificate and the deployment outcome', async () => {
    const s = await start();
    const lineage = mkdtempSync(join(tmpdir(), 'certmedic-lineage-'));
    dirs.push(lineage);
    const cert = testCert(['shop.example.test'], { serial: '0a0b0c0d' });
    writeFileSync(join(lineage, 'cert.pem'), cert.pem);
    const env = {
      RENEWED_LINEAGE: lineage,
      CERTMEDIC_URL: s.url,
      CERTMEDIC_WEBHOOK_SECRET: SECRET,
      CERTMEDIC_CERT: 'shop',
      CERTMEDIC_DEPLOYMENT: 'k8s-shop',
      CERTMEDIC_RELOAD: 'true',
    };
    const hook = join(ROOT, 'examples/hooks/certbot-deploy-hook.sh');
    const ok = await run(hook, [], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    let v = s.store.view('shop')!;
    expect(v.issued).toMatchObject({ serial: 'a0b0c0d', sha256: cert.sha256 });
    expect(v.issued!.notAfter).toBe(new Date(Math.floor(Date.parse(cert.notAfter) / 1000) * 1000).toISOString());
    expect(v.deployments[0]!.runs.at(-1)).toMatchObject({ result: 'succeeded' });

    // A reload that fails is reported as deployment.failed with its output (and the hook fails).
    const certB = testCert(['shop.example.test'], { serial: '0e0f' });
    writeFileSync(join(lineage, 'cert.pem'), certB.pem);
    const failed = await run(hook, [], {
      ...env,
      CERTMEDIC_RELOAD: 'sh -c "echo nginx: [emerg] cannot load certificate >&2; exit 1"',
    });
    expect(failed.code).toBe(1);
    v = s.store.view('shop')!;
    expect(v.deployments[0]!.runs.at(-1)).toMatchObject({ result: 'failed', error: 'reload failed' });
  });
});

describe('generic CLM sender (README, Python)', () => {
  const python = toolOrSkip('python3');
  test.skipIf(!python)('the README snippet signs and sends accepted events', async () => {
    const s = await start();
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /```python\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'certmedic-clm-'));
    dirs.push(dir);
    const script = join(dir, 'clm.py');
    writeFileSync(script, block!.replace('https://certmedic.example.com/events', `${s.url}/events`));
    const r = await run(python!, [script], { CERTMEDIC_WEBHOOK_SECRET: SECRET });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(s.store.eventCount()).toBe(2);
    expect(s.store.view('legacy')!.deployments[0]!.runs.at(-1)).toMatchObject({ runId: '4711', result: 'running' });
  });
});
