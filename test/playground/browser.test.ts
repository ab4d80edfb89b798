/**
 * The playground in a real browser (playwright-core with Debian's chromium): the page served by
 * the same start-up path as `npm start` without tokens, the production Bolt app behind it, a local
 * DNS world and a local TLS server as the target. Types `/cert diagnose`, sees the report, clicks
 * Retry and Escalate, submits the modal, sees the escalation posted, and saves the screenshot the
 * README shows (docs/playground.png; rewritten when missing or with UPDATE_SCREENSHOTS=1).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type PlaygroundServer, playgroundConfig, startPlayground } from '../../src/playground/start.js';
import { createServices, type Services } from '../../src/services/index.js';
import { createLogger } from '../../src/slack/logger.js';
import { leafOf, pki } from '../support/certs.js';
import { type Servers, startServers } from '../support/tls-servers.js';
import { startWorld, type World } from '../support/world.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = fileURLToPath(new URL('../../docs/playground.png', import.meta.url));
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env['CI'] === 'true')
  throw new Error(`${CHROMIUM} is missing: .ci/run installs chromium, the browser test must run in CI`);

let world: World;
let tls: Servers;
let server: PlaygroundServer;
let services: Services;
let browser: BrowserContext;
let dir: string;

beforeAll(async () => {
  if (!haveChromium) return;
  dir = mkdtempSync(join(tmpdir(), 'certmedic-browser-'));
  const ca = await pki('Playground Test');
  // A 90-day certificate with 5 days left: critical tls.expiring_soon, the report has work to show.
  const leaf = await leafOf(ca, ['shop.example.test'], { fromDays: -85, toDays: 5 });
  tls = await startServers({ '127.0.0.10': { chain: [leaf, ca.intermediate] } });
  writeFileSync(join(dir, 'root.pem'), ca.root.pem);
  // The watchlist holds the local target only: nothing here may probe the internet.
  writeFileSync(
    join(dir, 'certmedic.yml'),
    `defaults: { timeoutMs: 5000 }
monitor: { jitterMinutes: 0, threads: 0 }
watchlist:
  - { name: shop.example.test, address: 127.0.0.10, port: ${tls.port} }
`,
  );
  world = await startWorld({
    records: ['shop.example.test A 127.0.0.10', 'example.test CAA 0 issue "letsencrypt.org"'],
  });
  const config = playgroundConfig(
    loadConfig(
      {
        PORT: '0',
        CERTMEDIC_DB: join(dir, 'playground.db'),
        CERTMEDIC_CONFIG: join(dir, 'certmedic.yml'),
        CERTMEDIC_RESOLVER: world.resolver.resolverArg,
        CERTMEDIC_ALLOW_NETWORKS: '127.0.0.0/8',
        CERTMEDIC_ESCALATION_CHANNEL: 'escalations',
        CERTMEDIC_TRUST_ANCHORS: join(dir, 'root.pem'),
        CERTMEDIC_LOG_LEVEL: 'silent',
      },
      dir,
    ),
  );
  server = await startPlayground(config, createLogger('silent'));
  services = createServices(server.config, {
    diagnosis: {
      portMap: new Map([...world.portMap, [443, tls.port]]),
      trustAnchors: [ca.root.pem],
      timeoutMs: 5000,
    },
  });
  await server.startApp(services);
  browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 1000 },
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  services?.db.close();
  await world?.close();
  await tls?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)(
  haveChromium
    ? 'the playground page in chromium'
    : `the playground page in chromium (skipped: ${CHROMIUM} is missing)`,
  () => {
    test('diagnose, Retry, Escalate through the modal, App Home, a confirm dialog, and the screenshot', async () => {
      const page = browser.pages()[0] ?? (await browser.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}/`);
      await expect.poll(() => page.locator('.nav-item', { hasText: 'general' }).count()).toBe(1);

      await page.fill('#composer-input', '/cert diagnose shop.example.test --method none');
      await page.press('#composer-input', 'Enter');
      const report = page.locator('.msg', { has: page.getByRole('button', { name: 'Retry' }) }).first();
      await report.waitFor({ timeout: 15_000 });
      const header = report.locator('.b-header');
      await expect.poll(() => header.textContent()).toContain('shop.example.test');
      // Emoji shortcodes become emoji; mrkdwn becomes bold and code; codes are shown.
      expect(await header.innerHTML()).toContain('class="emoji"');
      expect(await header.textContent()).not.toContain(':red_circle:');
      expect(await report.locator('b').count()).toBeGreaterThan(0);
      await expect.poll(() => report.locator('code', { hasText: 'tls.expiring_soon' }).count()).toBeGreaterThan(0);
      expect(await report.getByRole('button', { name: 'Retry' }).getAttribute('class')).toContain('primary');

      await report.getByRole('button', { name: 'Retry' }).click();
      await expect.poll(() => report.textContent(), { timeout: 15_000 }).toContain('run 2');

      await report.getByRole('button', { name: 'Escalate' }).click();
      const modal = page.locator('.modal[role=dialog]');
      await modal.waitFor({ timeout: 10_000 });
      expect(await modal.locator('header').textContent()).toContain('Escalate');
      await modal.locator('textarea').fill('Moved shop.example.test behind the new load balancer on Monday');
      await modal.getByRole('button', { name: 'Post escalation' }).click();
      await modal.waitFor({ state: 'detached', timeout: 10_000 });

      // The escalation lands in the configured channel; the report's thread says where it went.
      await expect.poll(() => report.textContent(), { timeout: 10_000 }).toContain('Escalated to');
      await page.locator('.nav-item', { hasText: 'escalations' }).click();
      const escalation = page.locator('.msg', { hasText: 'Certificate escalation' }).first();
      await escalation.waitFor({ timeout: 10_000 });
      expect(await escalation.textContent()).toContain('behind the new load balancer');
      await expect.poll(() => escalation.locator('.thread').textContent()).toContain('Plain text for a CA ticket');

      // A proactive alert: one scan of the watchlist posts to #alerts; Acknowledge updates it in place.
      expect(services.monitor).toBeDefined();
      await services.monitor?.scheduler.tick();
      await page.locator('.nav-item', { hasText: 'alerts' }).click();
      const posted = page.locator('.msg', { has: page.getByRole('button', { name: 'Acknowledge' }) }).first();
      await posted.waitFor({ timeout: 10_000 });
      const alert = page.locator(`.msg[data-ts="${await posted.getAttribute('data-ts')}"]`);
      expect(await alert.locator('.b-header').textContent()).toContain('shop.example.test');
      await alert.getByRole('button', { name: 'Acknowledge' }).click();
      await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toContain('Acknowledged by');
      await alert.locator('select').selectOption({ label: 'Snooze 1 week' });
      await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toContain('Snoozed until');

      // App Home: opening it sends app_home_opened; the app publishes its view.
      await page.locator('#home-link').click();
      await expect
        .poll(() => page.locator('#messages').textContent(), { timeout: 10_000 })
        .toContain('shop.example.test');

      // A button with a confirm dialog asks first; Cancel sends nothing.
      await server.playground.api.call('chat.postMessage', {
        channel: 'C0GENERAL0',
        text: 'confirm test',
        blocks: [
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                action_id: 'danger.test',
                text: { type: 'plain_text', text: 'Restart bot' },
                style: 'danger',
                confirm: {
                  title: { type: 'plain_text', text: 'Restart bot-eu-1?' },
                  text: { type: 'mrkdwn', text: 'This restarts *bot-eu-1*.' },
                  confirm: { type: 'plain_text', text: 'Restart' },
                  deny: { type: 'plain_text', text: 'Cancel' },
                  style: 'danger',
                },
              },
            ],
          },
        ],
      });
      await page.locator('.nav-item', { hasText: 'general' }).click();
      await page.getByRole('button', { name: 'Restart bot' }).click();
      const dialog = page.locator('[role=alertdialog]');
      await dialog.waitFor({ timeout: 5000 });
      expect(await dialog.locator('b').textContent()).toBe('bot-eu-1');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached', timeout: 5000 });
      await server.playground.api.call('chat.delete', {
        channel: 'C0GENERAL0',
        ts: server.playground.workspace.findChannel('general')!.messages.find((m) => m.text === 'confirm test')!.ts,
      });

      // Let the page's refresh after the last change settle (it keeps the list at the bottom), then frame the report.
      await page.waitForTimeout(300);
      await report.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.mouse.move(1, 1);
      const shot = join(dir, 'playground.png');
      await page.screenshot({ path: shot });
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
      if (!existsSync(SCREENSHOT) || process.env['UPDATE_SCREENSHOTS'] === '1') copyFileSync(shot, SCREENSHOT);
      expect(errors).toEqual([]);
    }, 90_000);
  },
);
