/**
 * Runs the real Slack app for tests: the test DNS world, the fake Slack Web API, createApp in HTTP
 * mode (or Socket Mode, or with a given receiver) and the one HTTP server, with logs captured.
 */
import { Writable } from 'node:stream';
import type { Receiver } from '@slack/bolt';
import { type Config, loadConfig } from '../../src/config.js';
import { HttpServer } from '../../src/server/http.js';
import { createServices, type Services } from '../../src/services/index.js';
import { createApp, type SlackApp } from '../../src/slack/app.js';
import { createLogger } from '../../src/slack/logger.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import { SIGNING_SECRET } from './slack-requests.js';
import { startWorld, type World, type WorldOptions } from './world.js';

export const BOT_TOKEN = 'xoxb-test-0000-secret-token';
export const APP_TOKEN = 'xapp-1-test-secret-app-token';

export interface Harness {
  world: World;
  slack: FakeSlack;
  config: Config;
  services: Services;
  app: SlackApp;
  http: HttpServer;
  url: string;
  eventsUrl: string;
  logs: string[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  world?: WorldOptions;
  env?: Record<string, string>;
  mode?: 'http' | 'socket';
  receiver?: Receiver;
  /** Files for CERTMEDIC_CONFIG etc. are the caller's; this is extra env only. */
  slack?: FakeSlack;
  /** Port mappings added to the world's (e.g. 443 to a local TLS server). */
  portMap?: Record<number, number>;
}

/** startHarness starts world, fake Slack and the app; close() stops them all. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const world = await startWorld(opts.world ?? { records: [] });
  const slack = opts.slack ?? (await startFakeSlack());
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    CERTMEDIC_RESOLVER: world.resolver.resolverArg,
    CERTMEDIC_ALLOW_NETWORKS: '127.0.0.0/8',
    CERTMEDIC_DB: ':memory:',
    CERTMEDIC_LOG_LEVEL: 'debug',
    ...(opts.mode === 'socket' ? { SLACK_APP_TOKEN: APP_TOKEN } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
    ...opts.env,
  };
  const config = loadConfig(env, process.cwd());
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const portMap = new Map([
    ...world.portMap,
    ...Object.entries(opts.portMap ?? {}).map(([k, v]) => [Number(k), v] as const),
  ]);
  const services = createServices(config, { diagnosis: { portMap, timeoutMs: 5000 } });
  const app = createApp({ config, services, logger, ...(opts.receiver ? { receiver: opts.receiver } : {}) });
  const http = new HttpServer({ logger, ...(app.httpReceiver ? { slackReceiver: app.httpReceiver } : {}) });
  const port = await http.listen(0, '127.0.0.1');
  if (app.socketReceiver) await app.app.start();
  const url = `http://127.0.0.1:${port}`;
  return {
    world,
    slack,
    config,
    services,
    app,
    http,
    url,
    eventsUrl: `${url}/slack/events`,
    logs,
    async close() {
      if (app.socketReceiver) await app.app.stop().catch(() => {});
      await http.close(1000);
      services.db.close();
      await Promise.all([world.close(), opts.slack ? Promise.resolve() : slack.close()]);
    },
  };
}
