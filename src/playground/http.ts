/**
 * The playground's HTTP routes: the page (`GET /`, `GET /playground/page.js`), its JSON API
 * (state, an event stream of changes, commands, clicks, submissions), the local Web API at
 * `/api/<method>` (where Bolt's WebClient is pointed) and the response_url endpoint, as routes
 * for the bot's HTTP server when no Slack tokens are configured. The page has no login: it is
 * served on loopback, answers only requests addressed to a local host name (no DNS rebinding),
 * and takes actions only as JSON posts (which other sites cannot send without CORS consent).
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RawState, RawValue } from './payloads.js';
import type { PlaygroundReceiver } from './receiver.js';
import type { LocalWebApi } from './web-api.js';
import { BOT, type Json, ME } from './workspace.js';

/** Request bodies larger than this are refused (413). */
const MAX_BODY = 1024 * 1024;
/** The page's files, read from the package's src/playground (beside dist/ in an install). */
const ASSETS = new URL('../../src/playground/', import.meta.url);
/** Where response_urls point (`?id=<response target>`). */
export const RESPOND_PATH = '/playground/respond';

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'page.html', type: 'text/html; charset=utf-8' },
  '/playground/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
  '/playground/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
};

class BodyError extends Error {
  constructor(readonly status: number) {
    super(`body error ${status}`);
  }
}

/** readBody returns the request body, refusing more than MAX_BODY bytes. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BodyError(413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata']);

/** webApiArgs decodes a Web API call: JSON, or a form where structured fields are JSON strings. */
export function webApiArgs(text: string, contentType: string, query: URLSearchParams): Json {
  const args: Json = Object.fromEntries(query);
  if (contentType.includes('application/json')) {
    return { ...args, ...jsonBody(Buffer.from(text)) };
  }
  for (const [k, v] of new URLSearchParams(text)) {
    if (!JSON_FIELDS.has(k) || !/^[[{]/.test(v)) args[k] = v;
    else
      try {
        args[k] = JSON.parse(v);
      } catch {
        throw new BodyError(400);
      }
  }
  return args;
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

/** state returns what the page shows: channels with their messages, open modals, App Home. */
function pageState(api: LocalWebApi): Json {
  const ws = api.workspace;
  return {
    version: ws.version,
    me: ME,
    bot: { id: BOT.userId, name: BOT.name },
    users: Object.fromEntries([...ws.users.values()].map((u) => [u.id, u.name])),
    channels: [...ws.channels.values()].map((c) => ({ id: c.id, name: c.name, messages: c.messages.slice(-200) })),
    modals: ws.modalStack.map((id) => ws.views.get(id)).filter(Boolean),
    home: ws.homeViewId ? (ws.views.get(ws.homeViewId) ?? null) : null,
  };
}

/** events streams `change` notifications (server-sent events) until the page goes away. */
function events(api: LocalWebApi, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  const push = (version: number) => res.write(`event: change\ndata: ${version}\n\n`);
  push(api.workspace.version);
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  api.workspace.on('change', push);
  const stop = () => {
    clearInterval(ping);
    api.workspace.off('change', push);
    api.workspace.off('shutdown', end);
  };
  const end = () => {
    stop();
    res.end();
  };
  api.workspace.on('shutdown', end);
  req.on('close', stop);
  res.on('error', stop);
}

/** A route in the shape of the bot's HTTP route table (src/server/http.ts): exact method and path. */
export interface PlaygroundRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: (r: { req: IncomingMessage; res: ServerResponse; url: URL; body: Buffer }) => Promise<void> | void;
}

/** jsonBody parses a JSON object body; anything else is BodyError 400. */
function jsonBody(body: Buffer): Json {
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    throw new BodyError(400);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BodyError(400);
  return parsed as Json;
}

/** guarded runs a handler and turns its failures into a JSON error (never a crash). */
function guarded(fn: PlaygroundRoute['handler']): PlaygroundRoute['handler'] {
  return async (r) => {
    try {
      await fn(r);
    } catch (err) {
      r.res.shouldKeepAlive = false;
      if (r.res.headersSent) r.res.end();
      else if (err instanceof BodyError) send(r.res, err.status, { ok: false, error: 'invalid_request' });
      else send(r.res, 500, { ok: false, error: 'internal_error' });
    }
  };
}

/** LOCAL_HOSTS are the Host header names a loopback-bound playground answers to. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** localOnly refuses requests whose Host header is not a local name (a DNS-rebinding site's). */
function localOnly(fn: PlaygroundRoute['handler'], allowed: (host: string) => boolean): PlaygroundRoute['handler'] {
  return (r) => {
    const host = String(r.req.headers.host ?? '')
      .replace(/:\d+$/, '')
      .toLowerCase();
    if (!allowed(host)) return send(r.res, 403, { ok: false, error: 'forbidden_host' });
    return fn(r);
  };
}

/** jsonOnly refuses page actions that are not JSON posts (cross-site forms and beacons). */
function jsonOnly(fn: PlaygroundRoute['handler']): PlaygroundRoute['handler'] {
  return (r) => {
    if (!String(r.req.headers['content-type'] ?? '').startsWith('application/json'))
      return send(r.res, 415, { ok: false, error: 'expected_json' });
    return fn(r);
  };
}

export interface RouteOptions {
  /** Host header names to answer besides localhost (default: local names only; `*`: any). */
  hosts?: string[];
}

/**
 * createRoutes returns the playground's routes: the page, its API, the local Web API (one
 * `POST /api/<method>` per implemented method, token required) and the response_url endpoint.
 */
export function createRoutes(
  api: LocalWebApi,
  receiver: PlaygroundReceiver,
  opts: RouteOptions = {},
): PlaygroundRoute[] {
  const extra = new Set((opts.hosts ?? []).map((h) => h.toLowerCase()));
  const allowed = (host: string) => extra.has('*') || LOCAL_HOSTS.has(host) || extra.has(host);
  const routes: PlaygroundRoute[] = [];
  for (const [path, asset] of Object.entries(FILES))
    routes.push({
      method: 'GET',
      path,
      handler: async ({ res }) => send(res, 200, await readFile(new URL(asset.file, ASSETS), 'utf8'), asset.type),
    });
  routes.push({ method: 'GET', path: '/playground/state', handler: ({ res }) => send(res, 200, pageState(api)) });
  routes.push({ method: 'GET', path: '/playground/events', handler: ({ req, res }) => events(api, req, res) });
  for (const name of api.methodNames())
    routes.push({
      method: 'POST',
      path: `/api/${name}`,
      handler: ({ req, res, url, body }) => {
        const args = webApiArgs(body.toString('utf8'), String(req.headers['content-type'] ?? ''), url.searchParams);
        const auth = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || String(args['token'] ?? '');
        const result =
          name === 'api.test'
            ? api.call(name, args)
            : !auth
              ? { ok: false, error: 'not_authed' }
              : auth !== api.token
                ? { ok: false, error: 'invalid_auth' }
                : api.call(name, args);
        send(res, 200, result);
      },
    });
  routes.push({
    method: 'POST',
    path: RESPOND_PATH,
    handler: ({ res, url, body }) => {
      const out = api.respond(url.searchParams.get('id') ?? '', jsonBody(body));
      send(res, out.ok ? 200 : 404, out.ok ? 'ok' : (out.error ?? 'error'), 'text/plain; charset=utf-8');
    },
  });
  const action = (path: string, run: (body: Json) => Promise<unknown>) =>
    routes.push({
      method: 'POST',
      path,
      handler: jsonOnly(async ({ res, body }) => send(res, 200, await run(jsonBody(body)))),
    });
  const s = (body: Json, k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
  action('/playground/command', (b) => {
    const text = s(b, 'text') ?? '';
    const channel = s(b, 'channel') ?? '';
    return text.trim().startsWith('/') ? receiver.command(channel, text) : receiver.message(channel, text);
  });
  action('/playground/action', (b) =>
    receiver.action({
      ...(s(b, 'channel') ? { channel: s(b, 'channel') } : {}),
      ...(s(b, 'ts') ? { ts: s(b, 'ts') } : {}),
      ...(s(b, 'view_id') ? { viewId: s(b, 'view_id') } : {}),
      blockId: s(b, 'block_id') ?? '',
      actionId: s(b, 'action_id') ?? '',
      value: (b['value'] ?? null) as RawValue,
      state: (b['state'] ?? {}) as RawState,
    }),
  );
  action('/playground/submit', (b) => receiver.submit(s(b, 'view_id') ?? '', (b['state'] ?? {}) as RawState));
  action('/playground/close', (b) => receiver.close(s(b, 'view_id') ?? ''));
  action('/playground/home', () => receiver.openHome());
  return routes.map((r) => ({
    ...r,
    handler: guarded(r.path.startsWith('/api/') ? r.handler : localOnly(r.handler, allowed)),
  }));
}

/**
 * routeHandler serves a route list on a plain node:http server (the standalone playground and
 * tests); the bot's HTTP server takes the routes into its own table instead.
 */
export function routeHandler(routes: PlaygroundRoute[]): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://playground');
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const route = routes.find((r) => r.path === url.pathname && r.method === method);
    if (!route) {
      send(res, 404, { ok: false, error: 'not_found' });
      return;
    }
    readBody(req)
      .then((body) => route.handler({ req, res, url, body }))
      .catch(() => {
        res.shouldKeepAlive = false;
        send(res, 413, { ok: false, error: 'invalid_request' });
      });
  };
}
