/**
 * Starting the playground: the bot's one HTTP server with the playground's routes, then the real
 * Bolt app (createApp, the same listeners as in Slack) with the playground's receiver and its
 * WebClient pointed at the local Web API. `npm start` does this when no Slack tokens are set.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { type Config, FileSchema, parseYamlFile } from '../config.js';
import { ConfigError } from '../core/errors.js';
import { HttpServer } from '../server/http.js';
import type { Services } from '../services/index.js';
import { createApp, type SlackApp } from '../slack/app.js';
import { createPlayground, PLAYGROUND_HOST, type Playground } from './index.js';
import { ALERTS_CHANNEL_ID } from './workspace.js';

/**
 * The sample config the playground uses when CERTMEDIC_CONFIG is unset: a small watchlist and an
 * inventory so that alerts and automation views have something to show, and no retry actions
 * (examples/certmedic.yml's call a CLM API and a local command that a demo does not have).
 */
export const SAMPLE_CONFIG = new URL('../../examples/playground.yml', import.meta.url);
/** Where proactive alerts go in the playground unless CERTMEDIC_ALERT_CHANNEL says otherwise: #alerts. */
export const PLAYGROUND_ALERT_CHANNEL = ALERTS_CHANNEL_ID;

/**
 * playgroundConfig returns the config the playground runs with: the sample config file when none
 * is given, and alerts routed to #alerts unless a channel is configured.
 */
export function playgroundConfig(config: Config): Config {
  let { file, configPath } = config;
  if (!configPath) {
    const path = fileURLToPath(SAMPLE_CONFIG);
    if (!existsSync(SAMPLE_CONFIG)) throw new ConfigError(`the sample config ${path} is missing; set CERTMEDIC_CONFIG`);
    file = parseYamlFile(readFileSync(SAMPLE_CONFIG, 'utf8'), FileSchema, path);
    configPath = path;
  }
  return { ...config, file, configPath, alertChannel: config.alertChannel ?? PLAYGROUND_ALERT_CHANNEL };
}

export interface PlaygroundServer {
  /** Where the page is: `http://127.0.0.1:3000`. */
  url: string;
  port: number;
  /**
   * The config to run the bot with: the given one with the playground's bot token and Web API URL
   * (SLACK_API_URL), so that everything that talks to Slack (the app, alerts) reaches the page.
   */
  config: Config;
  playground: Playground;
  http: HttpServer;
  /** startApp creates and starts the Bolt app (createApp, the production listeners) on the playground. */
  startApp(services: Services): Promise<SlackApp>;
  /** close ends the page's streams, stops the app and drains the server. */
  close(): Promise<void>;
}

/** isLoopback returns true for a loopback bind address. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** hostForUrl returns how to reach a bound host from this machine. */
function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * startPlayground listens on config.port (config.host, default 127.0.0.1: the page has no
 * authentication) and returns the config pointing at it; `startApp` then runs the Bolt app on the
 * playground's receiver and Web API. Listening comes first so that the Web API URL is known
 * before the services are built and Bolt's start-up auth.test reaches it.
 */
export async function startPlayground(config: Config, logger: Logger): Promise<PlaygroundServer> {
  const log = logger.child({ component: 'playground' });
  const host = config.host ?? PLAYGROUND_HOST;
  const playground = createPlayground({
    logger: { error: (msg, err) => log.error({ err }, String(msg)), warn: (msg) => log.warn(String(msg)) },
    // Bound elsewhere on purpose (HOST): answer to any name; on loopback, only to local names.
    ...(isLoopback(host) ? {} : { hosts: ['*'] }),
  });
  const http = new HttpServer({ logger, routes: playground.routes, health: () => ({ ok: true, mode: 'playground' }) });
  const port = await http.listen(config.port, host);
  const url = `http://${hostForUrl(host)}:${port}`;
  playground.setBaseUrl(url);
  const clientOptions = playground.clientOptions();
  const pgConfig: Config = {
    ...config,
    slack: { ...config.slack, botToken: playground.token, apiUrl: clientOptions.slackApiUrl },
  };
  let slack: SlackApp | undefined;
  return {
    url,
    port,
    config: pgConfig,
    playground,
    http,
    async startApp(services) {
      slack = createApp({
        config: pgConfig,
        services,
        logger,
        receiver: playground.receiver,
        clientOptions,
        token: playground.token,
      });
      await slack.app.start();
      return slack;
    },
    async close() {
      playground.close();
      await slack?.app.stop();
      await http.close(2000);
    },
  };
}
