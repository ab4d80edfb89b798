/**
 * createApp wires the Bolt App: the receiver (Socket Mode with SLACK_APP_TOKEN, else an HTTP
 * receiver whose request handling the one HTTP server calls, or any receiver the caller brings,
 * like the playground's), the Web API base (SLACK_API_URL), the pino logger, and the listeners.
 */
import { App, HTTPReceiver, type Receiver, SocketModeReceiver, type webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ConfigError } from '../core/errors.js';
import type { Services } from '../services/index.js';
import { registerListeners } from './listeners/index.js';
import { boltLogger, createLogger } from './logger.js';

/** How long a request may wait for a listener's ack before it is acked empty (Slack waits 3 s). */
const UNHANDLED_ACK_MS = 2500;

export interface CreateAppOptions {
  config: Config;
  services: Services;
  /** Any Bolt receiver (the playground's local one, tests'); default from the config's mode. */
  receiver?: Receiver;
  clientOptions?: webApi.WebClientOptions;
  logger?: Logger;
  /** Bot token override (the playground's fake workspace). */
  token?: string;
}

export interface SlackApp {
  app: App;
  receiver: Receiver;
  /** Set in HTTP mode: the server hands POST /slack/events to its requestListener. */
  httpReceiver?: HTTPReceiver;
  socketReceiver?: SocketModeReceiver;
  logger: Logger;
}

/** createApp returns the Bolt App with every listener registered (not started). */
export function createApp(opts: CreateAppOptions): SlackApp {
  const { config, services } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel);
  const bolt = boltLogger(logger);
  const clientOptions: webApi.WebClientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    ...opts.clientOptions,
  };
  const token = opts.token ?? config.slack.botToken;
  if (!token) throw new ConfigError('SLACK_BOT_TOKEN is required to start the Slack app');
  let receiver = opts.receiver;
  let httpReceiver: HTTPReceiver | undefined;
  let socketReceiver: SocketModeReceiver | undefined;
  if (!receiver) {
    if (config.slack.appToken) {
      socketReceiver = new SocketModeReceiver({
        appToken: config.slack.appToken,
        logger: bolt,
        installerOptions: { clientOptions },
      });
      receiver = socketReceiver;
    } else if (config.slack.signingSecret) {
      httpReceiver = new HTTPReceiver({
        signingSecret: config.slack.signingSecret,
        logger: bolt,
        // A request no listener acknowledges (a button of an old message version, a shortcut the
        // manifest does not declare) is acked empty before Slack's 3 s timeout, instead of Bolt's
        // default 404 after 3.001 s, which Slack shows the user as an error.
        unhandledRequestTimeoutMillis: UNHANDLED_ACK_MS,
        unhandledRequestHandler: ({ response }) => {
          logger.warn('no listener acknowledged a Slack request; acknowledged it empty');
          if (!response.headersSent) {
            response.writeHead(200);
            response.end();
          }
        },
      });
      receiver = httpReceiver;
    } else throw new ConfigError('set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)');
  }
  const app = new App({
    token,
    receiver,
    logger: bolt,
    clientOptions,
    ...(socketReceiver ? { socketMode: true } : {}),
  });
  app.error(async (error) => {
    logger.error(error, 'unhandled Slack error');
  });
  registerListeners(app, services);
  return {
    app,
    receiver,
    logger,
    ...(httpReceiver ? { httpReceiver } : {}),
    ...(socketReceiver ? { socketReceiver } : {}),
  };
}
