/**
 * The local playground: a pretend Slack workspace served as a web page, driving the same Bolt
 * app and listeners as production through a local receiver and a local Web API. Used by
 * `npm start` when no Slack tokens are configured.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRoutes, type PlaygroundRoute, RESPOND_PATH, routeHandler } from './http.js';
import { PlaygroundReceiver, type ReceiverLogger } from './receiver.js';
import { LocalWebApi } from './web-api.js';
import { BOT, Workspace } from './workspace.js';

/** The bot token the playground's app uses; the local Web API accepts only this one. */
export const PLAYGROUND_TOKEN = 'xoxb-certmedic-playground';
/** The playground binds here by default: it has no authentication. */
export const PLAYGROUND_HOST = '127.0.0.1';

export interface Playground {
  workspace: Workspace;
  api: LocalWebApi;
  receiver: PlaygroundReceiver;
  /** The routes to add to the bot's HTTP server (GET /, the page's API, /api/<method>). */
  routes: PlaygroundRoute[];
  token: string;
  botId: string;
  botUserId: string;
  /** setBaseUrl records where the server listens (`http://127.0.0.1:3000`), once it does. */
  setBaseUrl(url: string): void;
  /** baseUrl returns it (throws before setBaseUrl). */
  baseUrl(): string;
  /** clientOptions returns the Bolt clientOptions pointing its WebClient at the local Web API. */
  clientOptions(): { slackApiUrl: string };
  /** close ends the page's event streams (so the server can drain and stop). */
  close(): void;
}

export interface PlaygroundOptions {
  logger?: ReceiverLogger;
  /** Host header names the page answers to besides the local ones (`*`: any). */
  hosts?: string[];
  ackTimeoutMs?: number;
  now?: () => number;
}

/** createPlayground builds the workspace, Web API, receiver and routes (nothing listens yet). */
export function createPlayground(opts: PlaygroundOptions = {}): Playground {
  const workspace = new Workspace(opts.now);
  const api = new LocalWebApi(workspace, PLAYGROUND_TOKEN, opts.now);
  let base: string | undefined;
  const baseUrl = () => {
    if (!base) throw new Error('playground: the server is not listening yet');
    return base;
  };
  const receiver = new PlaygroundReceiver(
    api,
    (id) => `${baseUrl()}${RESPOND_PATH}?id=${id}`,
    opts.logger,
    opts.ackTimeoutMs,
  );
  return {
    workspace,
    api,
    receiver,
    routes: createRoutes(api, receiver, opts.hosts ? { hosts: opts.hosts } : {}),
    token: PLAYGROUND_TOKEN,
    botId: BOT.botId,
    botUserId: BOT.userId,
    setBaseUrl(url) {
      base = url.replace(/\/+$/, '');
    },
    baseUrl,
    clientOptions: () => ({ slackApiUrl: `${baseUrl()}/api/` }),
    close: () => {
      workspace.emit('shutdown');
    },
  };
}

/** localUrl returns the URL to reach a listening server from this machine. */
export function localUrl(server: Server): string {
  const a = server.address() as AddressInfo;
  const host = a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
}

/**
 * servePlayground serves only the playground (no other routes) on host:port and records the
 * base URL; the bot's own HTTP server takes `routes` into its route table instead.
 */
export async function servePlayground(pg: Playground, port = 0, host = PLAYGROUND_HOST): Promise<Server> {
  const server = createServer(routeHandler(pg.routes));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  pg.setBaseUrl(localUrl(server));
  return server;
}
