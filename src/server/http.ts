/**
 * The one HTTP listener on PORT: `POST /slack/events` (HTTP mode, handed to Bolt's HTTPReceiver
 * with the body already read), `GET /healthz`, `GET /metrics`, and a route table other modules add
 * to (`POST /events` webhooks, the playground's `GET /`). Bodies are capped, bad requests get a
 * 4xx and never crash the process, and close() drains in-flight requests before returning.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { errorMessage } from '../core/errors.js';
import { registry } from '../core/metrics.js';

export const SLACK_EVENTS_PATH = '/slack/events';
/** Slack's own payloads are far smaller; anything bigger is refused with 413. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The request body (empty for GET/HEAD), at most the route's limit. */
  body: Buffer;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  path: string;
  handler: (r: RouteRequest) => void | Promise<void>;
  /** Body size limit in bytes (default 1 MiB). */
  bodyLimit?: number;
}

export interface HttpServerOptions {
  logger: Logger;
  /** HTTP mode: Bolt's receiver, which gets POST /slack/events. */
  slackReceiver?: HTTPReceiver;
  routes?: Route[];
  /** Extra health details (Slack mode, socket state); `ok: false` makes /healthz answer 503. */
  health?: () => { ok: boolean } & Record<string, unknown>;
}

class BodyTooLarge extends Error {}

/** readBody reads a request body up to `limit` bytes; more is BodyTooLarge (the request is drained). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** sendJson writes a JSON response unless one was sent already. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export class HttpServer {
  readonly server: Server;
  private readonly routes: Route[] = [];
  private readonly logger: Logger;

  constructor(private readonly opts: HttpServerOptions) {
    this.logger = opts.logger.child({ component: 'http' });
    this.addRoute({ method: 'GET', path: '/healthz', handler: ({ res }) => this.healthz(res) });
    this.addRoute({ method: 'GET', path: '/metrics', handler: ({ res }) => this.metrics(res) });
    for (const r of opts.routes ?? []) this.addRoute(r);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        this.logger.error(`request failed: ${errorMessage(err)}`);
        sendJson(res, 500, { error: 'internal error' });
      });
    });
    this.server.requestTimeout = 30_000;
    this.server.headersTimeout = 10_000;
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** addRoute adds (or replaces) the handler of one method and path. */
  addRoute(route: Route): void {
    const i = this.routes.findIndex((r) => r.method === route.method && r.path === route.path);
    if (i >= 0) this.routes.splice(i, 1, route);
    else this.routes.push(route);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendJson(res, 400, { error: 'bad request' });
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    if (this.opts.slackReceiver && url.pathname === SLACK_EVENTS_PATH && method === 'POST') {
      const body = await this.body(req, res, DEFAULT_BODY_LIMIT);
      if (!body) return;
      // Bolt reads `rawBody` when present instead of the (already consumed) stream.
      Object.assign(req, { rawBody: body });
      this.opts.slackReceiver.requestListener(req, res);
      return;
    }
    const route = this.routes.find(
      (r) => r.path === url.pathname && (r.method === method || (method === 'HEAD' && r.method === 'GET')),
    );
    if (!route) {
      const allowed = this.routes.some((r) => r.path === url.pathname);
      sendJson(res, allowed ? 405 : 404, { error: allowed ? 'method not allowed' : 'not found' });
      return;
    }
    const body =
      method === 'GET' || method === 'HEAD'
        ? Buffer.alloc(0)
        : await this.body(req, res, route.bodyLimit ?? DEFAULT_BODY_LIMIT);
    if (!body) return;
    await route.handler({ req, res, url, body });
  }

  private async body(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer | undefined> {
    try {
      return await readBody(req, limit);
    } catch (err) {
      if (err instanceof BodyTooLarge) sendJson(res, 413, { error: `body larger than ${limit} bytes` });
      else sendJson(res, 400, { error: 'bad request body' });
      return undefined;
    }
  }

  private healthz(res: ServerResponse): void {
    const extra = this.opts.health?.() ?? { ok: true };
    sendJson(res, extra.ok ? 200 : 503, { status: extra.ok ? 'ok' : 'unhealthy', ...extra });
  }

  private async metrics(res: ServerResponse): Promise<void> {
    const text = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(text);
  }

  /** listen starts listening and returns the bound port (PORT=0 picks a free one). */
  listen(port: number, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** close stops accepting connections, waits up to `graceMs` for in-flight requests, then cuts the rest. */
  close(graceMs = 10_000): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
      timer.unref();
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }
}
