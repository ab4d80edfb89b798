/**
 * A fake Slack Web API for tests: a local HTTP server that records every call and answers like
 * Slack (auth.test, chat.postMessage, chat.update, chat.postEphemeral, views.open, views.publish,
 * apps.connections.open, ...), plus response_url endpoints. It can be told to fail a method with
 * an error code or a 429. Point the app at it with SLACK_API_URL = `fake.apiUrl`.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

export interface Call {
  method: string;
  // biome-ignore lint/suspicious/noExplicitAny: recorded JSON payloads
  args: Record<string, any>;
  token?: string;
  at: number;
}

interface Failure {
  error?: string;
  status?: number;
  retryAfter?: number;
  times: number;
  /** Only when the call's channel is this one. */
  channel?: string;
  /** Close the connection without an answer. */
  drop?: boolean;
  /** Carry out the call first, then fail (an ambiguous failure: the message exists). */
  after?: boolean;
  /** Carry out the call, then answer normally only after this many ms (a client timeout after sending). */
  hangMs?: number;
}

/** A message the fake holds (for conversations.history / conversations.replies). */
export interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  thread_ts?: string;
  // biome-ignore lint/suspicious/noExplicitAny: Slack-shaped JSON
  blocks?: any;
  // biome-ignore lint/suspicious/noExplicitAny: Slack-shaped JSON
  metadata?: any;
}

const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata'];

export const BOT = { userId: 'UBOT0001', botId: 'BBOT0001', teamId: 'T0000001', appId: 'A0000001' };

export class FakeSlack {
  readonly calls: Call[] = [];
  /** Messages posted (and updated) so far. */
  readonly messages: StoredMessage[] = [];
  private server?: Server;
  private failures = new Map<string, Failure[]>();
  private tsCounter = 0;
  private viewCounter = 0;
  port = 0;
  /** What apps.connections.open returns (set by the fake Socket Mode server). */
  socketUrl?: string;

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** apiUrl is the value for SLACK_API_URL (ends in /api/). */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  /** responseUrl returns a response_url served by this fake (recorded as method `response_url`). */
  responseUrl(id = 'cmd'): string {
    return `${this.baseUrl}/respond/${id}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  /** fail makes the next `times` calls of a method fail with a Slack error or an HTTP status (429). */
  fail(
    method: string,
    f: Partial<Failure> & ({ error: string } | { status: number } | { drop: true } | { hangMs: number }),
  ): void {
    const list = this.failures.get(method) ?? [];
    list.push({ times: 1, ...f });
    this.failures.set(method, list);
  }

  /** callsOf returns the recorded calls of one method, in order. */
  callsOf(method: string): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  reset(): void {
    this.calls.length = 0;
    this.failures.clear();
    this.messages.length = 0;
  }

  /** waitFor resolves with the first call matching, polling until `timeoutMs`. */
  async waitFor(method: string, match: (c: Call) => boolean = () => true, timeoutMs = 15_000): Promise<Call> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = this.calls.find((x) => x.method === method && match(x));
      if (c) return c;
      if (Date.now() > deadline) {
        throw new Error(
          `no ${method} call matched within ${timeoutMs} ms; calls: ${this.calls.map((x) => x.method).join(', ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.baseUrl);
    const type = String(req.headers['content-type'] ?? '');
    // biome-ignore lint/suspicious/noExplicitAny: parsed JSON
    let args: Record<string, any> = {};
    if (type.includes('application/json')) args = raw ? JSON.parse(raw) : {};
    else args = { ...parseQuery(raw) };
    for (const f of JSON_FIELDS) {
      if (typeof args[f] === 'string') {
        try {
          args[f] = JSON.parse(args[f]);
        } catch {}
      }
    }
    const auth = String(req.headers['authorization'] ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : (args['token'] as string | undefined);
    const method = url.pathname.startsWith('/respond/')
      ? 'response_url'
      : url.pathname.replace(/^\/api\//, '').replace(/\/$/, '');
    this.calls.push({ method, args, ...(token ? { token } : {}), at: Date.now() });

    const failure = this.takeFailure(method, args);
    if (failure?.hangMs !== undefined) {
      const answer = this.answer(method, args);
      await new Promise((r) => setTimeout(r, failure.hangMs));
      if (!res.destroyed) this.json(res, answer);
      return;
    }
    if (failure?.after) this.answer(method, args);
    if (failure?.drop) {
      req.socket.destroy();
      return;
    }
    if (failure?.status) {
      res.writeHead(failure.status, {
        'content-type': 'application/json',
        ...(failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {}),
      });
      res.end(JSON.stringify({ ok: false, error: failure.status === 429 ? 'ratelimited' : 'fatal_error' }));
      return;
    }
    if (failure?.error) return this.json(res, { ok: false, error: failure.error });
    const invalid = blockKitErrors(method, args);
    if (invalid.length) return this.json(res, { ok: false, error: 'invalid_blocks', errors: invalid });
    this.json(res, this.answer(method, args));
  }

  private takeFailure(method: string, args: Record<string, unknown>): Failure | undefined {
    const list = this.failures.get(method);
    const i = list?.findIndex((f) => f.channel === undefined || f.channel === args['channel']) ?? -1;
    if (!list || i < 0) return undefined;
    const f = list[i]!;
    f.times--;
    if (f.times <= 0) list.splice(i, 1);
    return f;
  }

  private nextTs(): string {
    this.tsCounter++;
    return `1700000000.${String(this.tsCounter).padStart(6, '0')}`;
  }

  // biome-ignore lint/suspicious/noExplicitAny: Slack-shaped answers
  private answer(method: string, args: Record<string, any>): Record<string, any> {
    // Like Slack: only chat.postMessage/postEphemeral take a channel name (#alerts); they answer
    // with the channel id, which every other method needs.
    const named = typeof args['channel'] === 'string' && args['channel'].startsWith('#');
    if (named) {
      if (method !== 'chat.postMessage' && method !== 'chat.postEphemeral')
        return { ok: false, error: 'channel_not_found' };
      args = { ...args, channel: channelIdOf(args['channel']) };
    }
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake',
          team_id: BOT.teamId,
          user: 'certmedic',
          user_id: BOT.userId,
          bot_id: BOT.botId,
        };
      case 'chat.postMessage': {
        const ts = this.nextTs();
        this.messages.push({
          channel: args['channel'],
          ts,
          text: args['text'],
          blocks: args['blocks'],
          ...(args['thread_ts'] ? { thread_ts: String(args['thread_ts']) } : {}),
          ...(args['metadata'] ? { metadata: args['metadata'] } : {}),
        });
        return { ok: true, channel: args['channel'], ts, message: { ts, text: args['text'], blocks: args['blocks'] } };
      }
      case 'chat.update': {
        const m = this.messages.find((x) => x.channel === args['channel'] && x.ts === args['ts']);
        if (m) Object.assign(m, { text: args['text'], blocks: args['blocks'] });
        return { ok: true, channel: args['channel'], ts: args['ts'], text: args['text'] };
      }
      case 'conversations.history':
      case 'conversations.replies': {
        const all = String(args['include_all_metadata']) === 'true';
        const list = this.messages
          .filter((m) => m.channel === args['channel'])
          .filter((m) =>
            method === 'conversations.history' ? !m.thread_ts : m.thread_ts === args['ts'] || m.ts === args['ts'],
          )
          .map(({ metadata, ...m }) => (all && metadata ? { ...m, metadata } : m));
        return { ok: true, messages: method === 'conversations.history' ? list.reverse() : list, has_more: false };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'views.open':
      case 'views.publish':
      case 'views.update': {
        this.viewCounter++;
        return { ok: true, view: { ...(args['view'] ?? {}), id: `V${String(this.viewCounter).padStart(8, '0')}` } };
      }
      case 'apps.connections.open':
        return this.socketUrl ? { ok: true, url: this.socketUrl } : { ok: false, error: 'invalid_auth' };
      case 'response_url':
        return { ok: true };
      default:
        return { ok: true };
    }
  }

  // biome-ignore lint/suspicious/noExplicitAny: JSON body
  private json(res: ServerResponse, body: any): void {
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(text);
  }
}

/** startFakeSlack starts a fake Slack Web API on 127.0.0.1. */
export function startFakeSlack(): Promise<FakeSlack> {
  return new FakeSlack().start();
}

/** channelIdOf returns the id the fake gives a channel name: `#alerts` -> `CALERTS`. */
export function channelIdOf(name: string): string {
  return `C${name
    .replace(/^#/, '')
    .replace(/[^a-z0-9]/gi, '')
    .toUpperCase()}`;
}

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON
type Json = any;

const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'response_url']);
const VIEW_METHODS = new Set(['views.open', 'views.update', 'views.push', 'views.publish']);

/**
 * blockKitErrors returns what Slack would refuse in a message or view (`invalid_blocks`): its
 * documented limits on blocks, texts, fields, buttons, titles and private_metadata, and a
 * message with neither text nor blocks (`no_text`).
 */
export function blockKitErrors(method: string, args: Record<string, Json>): string[] {
  const errors: string[] = [];
  const len = (t: Json) => (typeof t?.text === 'string' ? [...t.text].length : 0);
  const over = (what: string, n: number, max: number) => n > max && errors.push(`${what}: ${n} > ${max}`);
  const checkBlocks = (blocks: Json[], max: number) => {
    over('blocks', blocks.length, max);
    for (const b of blocks) {
      if (b.type === 'header') over('header text', len(b.text), 150);
      if (b.type === 'section') {
        if (b.text) over('section text', len(b.text), 3000);
        if (b.fields) over('section fields', b.fields.length, 10);
        for (const f of b.fields ?? []) over('field text', len(f), 2000);
        if (!b.text && !b.fields) errors.push('section without text or fields');
      }
      if (b.type === 'context') over('context elements', b.elements.length, 10);
      if (b.type === 'input' && b.element) {
        const e = b.element;
        if (e.max_length !== undefined) over('input max_length', e.max_length, 3000);
        if (typeof e.initial_value === 'string') over('input initial_value', e.initial_value.length, 3000);
        if (Array.isArray(e.options)) over('select options', e.options.length, 100);
        for (const o of e.options ?? []) over('option text', len(o.text), 75);
      }
      const elements = b.type === 'actions' ? b.elements : b.accessory ? [b.accessory] : [];
      if (b.type === 'actions') over('actions elements', elements.length, 25);
      for (const e of elements) {
        if (e.type === 'button') {
          over('button text', len(e.text), 75);
          over('button value', String(e.value ?? '').length, 2000);
        }
        over('action_id', String(e.action_id ?? '').length, 255);
      }
    }
  };
  if (MESSAGE_METHODS.has(method)) {
    const blocks = args['blocks'];
    if (!args['text'] && !(Array.isArray(blocks) && blocks.length)) errors.push('no_text');
    if (Array.isArray(blocks)) checkBlocks(blocks, 50);
    if (typeof args['text'] === 'string') over('text', args['text'].length, 40_000);
  }
  if (VIEW_METHODS.has(method) && args['view']) {
    const view = args['view'];
    checkBlocks(view.blocks ?? [], 100);
    if (view.type === 'modal') {
      over('modal title', len(view.title), 24);
      if (view.submit) over('modal submit', len(view.submit), 24);
      if (view.close) over('modal close', len(view.close), 24);
    }
    over('private_metadata', String(view.private_metadata ?? '').length, 3000);
  }
  return errors;
}
