/**
 * The playground's local Slack Web API: the methods certmedic calls (chat.*, views.*,
 * conversations.*, auth.test, users.info, ...), answering like Slack (`{ok: false, error}` with
 * Slack's error codes, Block Kit limits enforced) and storing everything in the Workspace. Bolt's
 * WebClient reaches it over HTTP through `clientOptions.slackApiUrl` (see http.ts).
 */
import { randomBytes } from 'node:crypto';
import { checkView } from './limits.js';
import { bool, content, required, SlackApiError, str, withIds } from './web-args.js';
import { BOT, type Channel, type Json, MAX_MODAL_DEPTH, type Message, TEAM, type Workspace } from './workspace.js';

export type ApiResult = Json & { ok: boolean };

/** How long a trigger_id may be used for views.open/push (Slack: 3 seconds). */
export const TRIGGER_TTL_MS = 3000;
/** A response_url works 5 times within 30 minutes. */
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;

interface ResponseTarget {
  channel: string;
  user: string;
  /** The message an interaction came from (replace_original / delete_original act on it). */
  sourceTs?: string;
  expiresAt: number;
  uses: number;
}

/** LocalWebApi implements the Web API methods over a Workspace. */
export class LocalWebApi {
  private readonly triggers = new Map<string, number>();
  private readonly responseTargets = new Map<string, ResponseTarget>();
  /** Every call made, in order (method and arguments): what the bot did, for tests and logs. */
  readonly calls: { method: string; args: Json }[] = [];

  private readonly ids = () => this.workspace.nextId('b');

  constructor(
    readonly workspace: Workspace,
    readonly token: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** createTrigger returns a trigger_id valid for TRIGGER_TTL_MS (one per user interaction). */
  createTrigger(): string {
    const id = `${this.workspace.nextId('').toLowerCase()}.${TEAM.id}`;
    this.triggers.set(id, this.now() + TRIGGER_TTL_MS);
    return id;
  }

  /** createResponseTarget registers a response_url id for an interaction in a channel. */
  createResponseTarget(channel: string, user: string, sourceTs?: string): string {
    // Unguessable, like Slack's: a response_url is the only credential its POST needs.
    const id = randomBytes(16).toString('hex');
    this.responseTargets.set(id, {
      channel,
      user,
      ...(sourceTs ? { sourceTs } : {}),
      expiresAt: this.now() + RESPONSE_URL_TTL_MS,
      uses: 0,
    });
    return id;
  }

  private useTrigger(args: Json): void {
    const id = required(args, 'trigger_id');
    const expires = this.triggers.get(id);
    if (expires === undefined) throw new SlackApiError('invalid_trigger_id');
    if (this.now() > expires) throw new SlackApiError('expired_trigger_id');
  }

  /**
   * channel returns the channel an argument names. Like Slack, only chat.postMessage and
   * chat.postEphemeral take a name (`#alerts`); every other method needs the id (`C0ALERTS00`).
   */
  private channel(args: Json, opts: { names?: boolean; create?: boolean } = {}): Channel {
    const ref = required(args, 'channel', 'channel_not_found');
    const c = opts.names ? this.workspace.findChannel(ref, opts.create) : this.workspace.channels.get(ref);
    if (!c) throw new SlackApiError('channel_not_found');
    return c;
  }

  private ownMessage(c: Channel, ts: string): Message {
    const m = this.workspace.message(c, ts);
    if (!m || m.ephemeral) throw new SlackApiError('message_not_found');
    if (m.user !== BOT.userId) throw new SlackApiError('cant_update_message');
    return m;
  }

  private viewArg(args: Json, kind: 'modal' | 'home'): Json {
    const view = args['view'];
    if (typeof view !== 'object' || view === null) throw new SlackApiError('invalid_arguments', ['[ERROR] view']);
    const problems = checkView(view as Json, kind);
    if (problems.length > 0)
      throw new SlackApiError(
        'invalid_arguments',
        problems.map((p) => `[ERROR] ${p}`),
      );
    return { ...(view as Json), blocks: withIds((view as Json)['blocks'] as unknown[], this.ids) };
  }

  private readonly methods: Record<string, (args: Json) => Json> = {
    'api.test': (args) => ({ args }),
    'auth.test': () => ({
      url: `https://${TEAM.domain}.slack.com/`,
      team: TEAM.name,
      user: BOT.name,
      team_id: TEAM.id,
      user_id: BOT.userId,
      bot_id: BOT.botId,
      is_enterprise_install: false,
    }),
    'team.info': () => ({ team: { id: TEAM.id, name: TEAM.name, domain: TEAM.domain } }),
    'bots.info': () => ({ bot: { id: BOT.botId, app_id: BOT.appId, name: BOT.name, user_id: BOT.userId } }),
    'users.info': (args) => {
      const user = this.workspace.users.get(required(args, 'user', 'user_not_found'));
      if (!user) throw new SlackApiError('user_not_found');
      return { user: { ...user, team_id: TEAM.id, profile: { real_name: user.real_name, display_name: user.name } } };
    },
    'users.list': () => ({ members: [...this.workspace.users.values()] }),
    'conversations.info': (args) => ({ channel: this.channelInfo(this.channel(args)) }),
    'conversations.list': () => ({
      channels: [...this.workspace.channels.values()].map((c) => this.channelInfo(c)),
      response_metadata: { next_cursor: '' },
    }),
    'conversations.join': (args) => ({ channel: this.channelInfo(this.channel(args)) }),
    'conversations.history': (args) => this.history(args),
    'conversations.replies': (args) => {
      const c = this.channel(args);
      const ts = required(args, 'ts', 'thread_not_found');
      const parent = this.workspace.message(c, ts);
      if (!parent || parent.ephemeral) throw new SlackApiError('thread_not_found');
      const replies = c.messages.filter((m) => m.thread_ts === ts && m.ts !== ts && !m.ephemeral);
      return { messages: [parent, ...replies], has_more: false };
    },
    'chat.postMessage': (args) => {
      const c = this.channel(args, { names: true, create: true });
      const thread = str(args, 'thread_ts');
      if (thread && !this.workspace.message(c, thread)) throw new SlackApiError('thread_not_found');
      const m = this.workspace.post(c, {
        user: BOT.userId,
        bot_id: BOT.botId,
        text: '',
        ...content(args, true, this.ids),
        ...(thread ? { thread_ts: thread } : {}),
      });
      return { channel: c.id, ts: m.ts, message: m };
    },
    'chat.postEphemeral': (args) => {
      const c = this.channel(args, { names: true });
      const user = required(args, 'user', 'user_not_in_channel');
      if (!this.workspace.users.has(user)) throw new SlackApiError('user_not_in_channel');
      const thread = str(args, 'thread_ts');
      const m = this.workspace.post(c, {
        user: BOT.userId,
        bot_id: BOT.botId,
        text: '',
        ...content(args, true, this.ids),
        ephemeral: true,
        ...(thread ? { thread_ts: thread } : {}),
      });
      return { message_ts: m.ts };
    },
    'chat.update': (args) => {
      const c = this.channel(args);
      const m = this.ownMessage(c, required(args, 'ts', 'message_not_found'));
      // Like Slack, fields left out (blocks, attachments) keep their previous value.
      Object.assign(m, content(args, true, this.ids), { edited: { user: BOT.userId, ts: this.workspace.nextTs() } });
      this.workspace.changed();
      return { channel: c.id, ts: m.ts, text: m.text, message: m };
    },
    'chat.delete': (args) => {
      const c = this.channel(args);
      const ts = required(args, 'ts', 'message_not_found');
      this.ownMessage(c, ts);
      this.workspace.remove(c, ts);
      return { channel: c.id, ts };
    },
    'chat.getPermalink': (args) => {
      const c = this.channel(args);
      const ts = required(args, 'message_ts', 'message_not_found');
      if (!this.workspace.message(c, ts)) throw new SlackApiError('message_not_found');
      return { channel: c.id, permalink: `/#${c.id}/p${ts.replace('.', '')}` };
    },
    'reactions.add': (args) => {
      const c = this.channel(args);
      const m = this.workspace.message(c, required(args, 'timestamp', 'message_not_found'));
      if (!m) throw new SlackApiError('message_not_found');
      const name = required(args, 'name', 'invalid_name');
      const reactions = ((m as unknown as Json)['reactions'] ?? []) as { name: string; count: number }[];
      if (reactions.some((r) => r.name === name)) throw new SlackApiError('already_reacted');
      reactions.push({ name, count: 1 });
      (m as unknown as Json)['reactions'] = reactions;
      this.workspace.changed();
      return {};
    },
    'views.open': (args) => {
      this.useTrigger(args);
      const view = this.workspace.saveView(this.viewArg(args, 'modal'), 'modal');
      this.workspace.modalStack = [view.id];
      this.workspace.changed();
      return { view: this.viewOut(view.id) };
    },
    'views.push': (args) => {
      this.useTrigger(args);
      if (this.workspace.modalStack.length === 0) throw new SlackApiError('not_found');
      if (this.workspace.modalStack.length >= MAX_MODAL_DEPTH) throw new SlackApiError('push_limit_reached');
      const view = this.workspace.saveView(this.viewArg(args, 'modal'), 'modal');
      view['previous_view_id'] = this.workspace.modalStack.at(-1);
      this.workspace.modalStack.push(view.id);
      this.workspace.changed();
      return { view: this.viewOut(view.id) };
    },
    'views.update': (args) => {
      const externalId = str(args, 'external_id');
      const id =
        str(args, 'view_id') ??
        [...this.workspace.views.values()].find((v) => externalId && v['external_id'] === externalId)?.id;
      const old = id ? this.workspace.views.get(id) : undefined;
      if (!old) throw new SlackApiError('not_found');
      const hash = str(args, 'hash');
      if (hash && hash !== old.hash) throw new SlackApiError('hash_conflict');
      const next = this.viewArg(args, old.type);
      this.workspace.saveView({ ...next, previous_view_id: old['previous_view_id'] }, old.type, old.id);
      return { view: this.viewOut(old.id) };
    },
    'views.publish': (args) => {
      const user = required(args, 'user_id', 'invalid_arguments');
      if (!this.workspace.users.has(user)) throw new SlackApiError('user_not_found');
      const view = this.workspace.saveView(this.viewArg(args, 'home'), 'home', this.workspace.homeViewId);
      this.workspace.homeViewId = view.id;
      return { view: this.viewOut(view.id) };
    },
  };

  private channelInfo(c: Channel): Json {
    return { id: c.id, name: c.name, is_channel: true, is_member: true, is_archived: false, is_private: false };
  }

  private viewOut(id: string): Json {
    const v = this.workspace.views.get(id)!;
    return { team_id: TEAM.id, app_id: BOT.appId, bot_id: BOT.botId, state: { values: {} }, ...v };
  }

  /** history returns a channel's top-level messages newest first, as conversations.history does. */
  private history(args: Json): Json {
    const c = this.channel(args);
    const limit = Math.min(Math.max(Number(args['limit'] ?? 100) || 100, 1), 999);
    const latest = str(args, 'latest');
    const oldest = str(args, 'oldest');
    const inclusive = bool(args, 'inclusive');
    const withMeta = bool(args, 'include_all_metadata');
    const inRange = (ts: string) =>
      (!latest || (inclusive ? Number(ts) <= Number(latest) : Number(ts) < Number(latest))) &&
      (!oldest || (inclusive ? Number(ts) >= Number(oldest) : Number(ts) > Number(oldest)));
    const top = c.messages
      .filter((m) => !m.ephemeral && (!m.thread_ts || m.thread_ts === m.ts) && inRange(m.ts))
      .reverse();
    const messages = top.slice(0, limit).map((m) => {
      if (withMeta || !m.metadata) return m;
      const { metadata: _hidden, ...rest } = m;
      return rest;
    });
    return { messages, has_more: top.length > limit, response_metadata: { next_cursor: '' } };
  }

  /** methodNames returns the Web API methods implemented here. */
  methodNames(): string[] {
    return Object.keys(this.methods);
  }

  /** call runs one Web API method with its (already decoded) arguments and answers like Slack. */
  call(method: string, args: Json): ApiResult {
    this.calls.push({ method, args });
    const impl = this.methods[method];
    if (!impl) return { ok: false, error: 'unknown_method' };
    try {
      return { ok: true, ...impl(args) };
    } catch (err) {
      if (err instanceof SlackApiError)
        return {
          ok: false,
          error: err.error,
          ...(err.messages.length > 0 ? { errors: err.messages, response_metadata: { messages: err.messages } } : {}),
        };
      throw err;
    }
  }

  /**
   * respond handles a POST to a response_url: replace or delete the source message, or post an
   * ephemeral (default) or in-channel reply. Returns false when the URL is unknown, used up or old.
   */
  respond(id: string, body: Json): { ok: boolean; error?: string } {
    const target = this.responseTargets.get(id);
    if (!target || target.uses >= RESPONSE_URL_USES || this.now() > target.expiresAt)
      return { ok: false, error: 'expired_url' };
    target.uses++;
    const c = this.workspace.findChannel(target.channel);
    if (!c) return { ok: false, error: 'channel_not_found' };
    try {
      const source = target.sourceTs ? this.workspace.message(c, target.sourceTs) : undefined;
      if (bool(body, 'delete_original')) {
        if (source) this.workspace.remove(c, source.ts);
        return { ok: true };
      }
      const parts = content(body, true, this.ids);
      if (bool(body, 'replace_original') && source) {
        Object.assign(source, parts);
        if (body['blocks'] === undefined) delete source.blocks;
        this.workspace.changed();
        return { ok: true };
      }
      const thread = str(body, 'thread_ts');
      this.workspace.post(c, {
        user: BOT.userId,
        bot_id: BOT.botId,
        text: '',
        ...parts,
        ...(body['response_type'] === 'in_channel' ? {} : { ephemeral: true }),
        ...(thread ? { thread_ts: thread } : {}),
      });
      return { ok: true };
    } catch (err) {
      if (err instanceof SlackApiError) return { ok: false, error: err.error };
      throw err;
    }
  }
}
