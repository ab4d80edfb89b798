/**
 * The playground's HTTP routes: the page (`GET /`, `GET /playground/page.js`), its JSON API
 * (state, an event stream of changes, commands, clicks, submissions), the local Web API at
 * `/api/<method>` (where Bolt's WebClient is pointed) and the response_url endpoint. One
 * handler, mounted in the bot's HTTP server when no Slack tokens are configured.
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

/** readBody returns the request body as text, refusing more than MAX_BODY bytes. */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BodyError(413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata']);

/** webApiArgs decodes a Web API call: JSON, or a form where structured fields are JSON strings. */
export function webApiArgs(text: string, contentType: string, query: URLSearchParams): Json {
  const args: Json = Object.fromEntries(query);
  if (contentType.includes('application/json')) {
    const parsed = text ? (JSON.parse(text) as unknown) : {};
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BodyError(400);
    return { ...args, ...(parsed as Json) };
  }
  for (const [k, v] of new URLSearchParams(text)) args[k] = JSON_FIELDS.has(k) && /^[[{]/.test(v) ? JSON.parse(v) : v;
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
  };
  req.on('close', stop);
  res.on('error', stop);
}

export interface PlaygroundRoutes {
  /** handle serves a playground route; false when the path is not one of them. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/** createRoutes returns the playground's request handler. */
export function createRoutes(api: LocalWebApi, receiver: PlaygroundReceiver): PlaygroundRoutes {
  const post = async (path: string, body: Json): Promise<unknown> => {
    const s = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    switch (path) {
      case '/playground/command': {
        const text = s('text') ?? '';
        const channel = s('channel') ?? '';
        return text.trim().startsWith('/') ? receiver.command(channel, text) : receiver.message(channel, text);
      }
      case '/playground/action':
        return receiver.action({
          ...(s('channel') ? { channel: s('channel') } : {}),
          ...(s('ts') ? { ts: s('ts') } : {}),
          ...(s('view_id') ? { viewId: s('view_id') } : {}),
          blockId: s('block_id') ?? '',
          actionId: s('action_id') ?? '',
          value: (body['value'] ?? null) as RawValue,
          state: (body['state'] ?? {}) as RawState,
        });
      case '/playground/submit':
        return receiver.submit(s('view_id') ?? '', (body['state'] ?? {}) as RawState);
      case '/playground/close':
        return receiver.close(s('view_id') ?? '');
      case '/playground/home':
        return receiver.openHome();
      default:
        return undefined;
    }
  };

  return {
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://playground');
      const path = url.pathname;
      const method = req.method ?? 'GET';
      try {
        const asset = FILES[path];
        if (asset && (method === 'GET' || method === 'HEAD')) {
          send(res, 200, await readFile(new URL(asset.file, ASSETS), 'utf8'), asset.type);
          return true;
        }
        if (path === '/playground/state' && method === 'GET') {
          send(res, 200, pageState(api));
          return true;
        }
        if (path === '/playground/events' && method === 'GET') {
          events(api, req, res);
          return true;
        }
        const apiMatch = /^\/api\/([a-zA-Z.]+)$/.exec(path);
        if (apiMatch && (method === 'POST' || method === 'GET')) {
          const args = webApiArgs(await readBody(req), String(req.headers['content-type'] ?? ''), url.searchParams);
          const auth =
            String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || String(args['token'] ?? '');
          const result =
            apiMatch[1] === 'api.test'
              ? api.call('api.test', args)
              : !auth
                ? { ok: false, error: 'not_authed' }
                : auth !== api.token
                  ? { ok: false, error: 'invalid_auth' }
                  : api.call(apiMatch[1]!, args);
          send(res, 200, result);
          return true;
        }
        const respondMatch = /^\/playground\/respond\/([A-Za-z0-9]+)$/.exec(path);
        if (respondMatch && method === 'POST') {
          const out = api.respond(respondMatch[1]!, JSON.parse((await readBody(req)) || '{}') as Json);
          send(res, out.ok ? 200 : 404, out.ok ? 'ok' : out.error, 'text/plain; charset=utf-8');
          return true;
        }
        if (path.startsWith('/playground/') && method === 'POST') {
          const text = await readBody(req);
          const body = (text ? JSON.parse(text) : {}) as Json;
          const out = await post(path, typeof body === 'object' && body !== null ? body : {});
          if (out === undefined) return false;
          send(res, 200, out);
          return true;
        }
        return false;
      } catch (err) {
        // The rest of a refused body is not read: close the connection rather than reuse it.
        res.shouldKeepAlive = false;
        if (res.headersSent) res.end();
        else if (err instanceof BodyError) send(res, err.status, { ok: false, error: 'invalid_request' });
        else if (err instanceof SyntaxError) send(res, 400, { ok: false, error: 'invalid_json' });
        else send(res, 500, { ok: false, error: 'internal_error' });
        return true;
      }
    },
  };
}
