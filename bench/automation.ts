/**
 * Automation figures: signed webhook events through the real HTTP server into SQLite (events per
 * second, sequential, keep-alive), and the automation check on an inventory entry whose connector
 * (a local ACME directory over HTTPS) and deployment (a local TLS target) are really probed.
 */
import pino from 'pino';
import { automationCheck } from '../src/checks/automation/index.js';
import { ManualClock } from '../src/core/clock.js';
import { diagnose } from '../src/diagnose.js';
import { createWebhookHandler, signWebhook, webhookRoute } from '../src/inventory/webhook.js';
import { HttpServer } from '../src/server/http.js';
import { inventoryStore, startAcmeDirectory, startTlsTarget, testCert } from '../test/support/automation.js';
import { startWorld } from '../test/support/world.js';
import { type BenchLine, median, round } from './types.js';

const INVENTORY = (directory: string, port: number) => ({
  certificates: [
    {
      id: 'shop',
      names: ['shop.example.test'],
      connector: 'acme',
      bot: 'bot',
      deployments: ['web'],
      issued: { serial: '0abc' },
      renewal: { windowFraction: 0.33, retries: { count: 3 } },
    },
  ],
  bots: [{ id: 'bot', lastHeartbeat: new Date().toISOString() }],
  connectors: [{ id: 'acme', ca: 'letsencrypt', endpoint: directory }],
  deployments: [{ id: 'web', type: 'f5', host: '127.0.0.1', ports: [port], credentialsRef: 'x' }],
});

export default async function bench(): Promise<BenchLine[]> {
  const cert = testCert(['acme.example.test', 'shop.example.test'], { serial: '0abc' });
  const dir = await startAcmeDirectory(cert);
  const target = await startTlsTarget(cert);
  const world = await startWorld({ records: ['acme.example.test A 127.0.0.1', 'shop.example.test A 127.0.0.1'] });
  const { store, db } = inventoryStore(
    INVENTORY(`https://acme.example.test:${dir.port}/directory`, target.port),
    Date.now(),
  );
  const clock = new ManualClock(Date.now());
  const server = new HttpServer({
    logger: pino({ level: 'silent' }),
    routes: [webhookRoute(createWebhookHandler({ secret: 's', store, clock }))],
  });
  const port = await server.listen(0, '127.0.0.1');
  try {
    const n = 2000;
    const lat: number[] = [];
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const body = JSON.stringify({
        id: `e${i}`,
        type: i % 2 ? 'deployment.succeeded' : 'deployment.started',
        time: new Date(clock.now() - (n - i) * 1000).toISOString(),
        certificate: 'shop',
        data: { deployment: 'web', runId: `r${i >> 1}` },
      });
      const ts = String(Math.floor(clock.now() / 1000));
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/events`, {
        method: 'POST',
        body,
        headers: { 'x-certmedic-timestamp': ts, 'x-certmedic-signature': signWebhook('s', ts, body) },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`event ${i}: HTTP ${res.status}`);
      lat.push(performance.now() - t0);
    }
    const rate = n / ((performance.now() - started) / 1000);
    const runs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const r = await diagnose(
        { name: 'shop.example.test', wildcard: false, method: 'none' },
        {
          resolvers: [world.resolver.address],
          checks: [automationCheck],
          services: { inventory: store },
          trustAnchors: [cert.pem],
        },
      );
      if (r.findings.length > 0) throw new Error(`unexpected findings: ${r.findings.map((f) => f.code).join(', ')}`);
      runs.push(performance.now() - t0);
    }
    const checkMs = median(runs);
    return [
      {
        name: 'webhook: signed events stored over HTTP (sequential)',
        value: round(rate, 0),
        unit: 'events/s',
        target: '≥ 200',
        ok: rate >= 200,
      },
      { name: 'webhook: median request latency', value: round(median(lat), 2), unit: 'ms' },
      {
        name: 'automation check (ACME directory + TLS target probed), median',
        value: round(checkMs, 1),
        unit: 'ms',
        target: '< 250',
        ok: checkMs < 250,
      },
    ];
  } finally {
    await server.close(100);
    db.close();
    await Promise.all([dir.close(), target.close(), world.close()]);
  }
}
