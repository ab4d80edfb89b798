/**
 * The playground's pretend Slack workspace: channels with their messages (threads, ephemeral
 * messages, metadata), the user's open modal stack and App Home view. The local Web API and the
 * local receiver both work on this one state; the page reads it and is told when it changes.
 */
import { EventEmitter } from 'node:events';

export type Json = Record<string, unknown>;

export interface Message {
  type: 'message';
  ts: string;
  channel: string;
  /** The author: the bot's user id or a person's. */
  user: string;
  bot_id?: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: Json;
  thread_ts?: string;
  reply_count?: number;
  /** Only shown to this user (chat.postEphemeral, ephemeral responses); never in history. */
  ephemeral?: boolean;
  edited?: { user: string; ts: string };
}

export interface Channel {
  id: string;
  name: string;
  messages: Message[];
}

export interface View extends Json {
  id: string;
  type: 'modal' | 'home';
  blocks: unknown[];
  hash: string;
}

export interface User {
  id: string;
  name: string;
  real_name: string;
  is_bot: boolean;
}

/** At most this many messages per channel are kept (oldest dropped). */
const MAX_MESSAGES = 500;
/** A modal stack is at most three views deep (Slack's limit for views.push). */
export const MAX_MODAL_DEPTH = 3;

export const GENERAL_CHANNEL_ID = 'C0GENERAL0';
export const ALERTS_CHANNEL_ID = 'C0ALERTS00';
export const TEAM = { id: 'T0PLAYGRND', domain: 'certmedic-playground', name: 'certmedic playground' };
export const BOT = { userId: 'U0CERTMEDIC', botId: 'B0CERTMEDIC', appId: 'A0CERTMEDIC', name: 'certmedic' };
export const SLACKBOT: User = { id: 'USLACKBOT', name: 'Slackbot', real_name: 'Slackbot', is_bot: true };
export const ME: User = { id: 'U0PLAYUSER', name: 'you', real_name: 'Playground User', is_bot: false };

/**
 * Workspace holds the state; every mutation bumps `version` and emits `change` so the page can
 * refresh. Time comes from `now` (ms) so tests can control message timestamps.
 */
export class Workspace extends EventEmitter {
  readonly channels = new Map<string, Channel>();
  readonly users = new Map<string, User>();
  readonly views = new Map<string, View>();
  /** The user's modal stack, bottom first (view ids). */
  modalStack: string[] = [];
  homeViewId: string | undefined;
  version = 0;
  private lastTs = 0;
  private counter = 0;

  constructor(private readonly now: () => number = Date.now) {
    super();
    this.setMaxListeners(100);
    this.addChannel(GENERAL_CHANNEL_ID, 'general');
    this.addChannel(ALERTS_CHANNEL_ID, 'alerts');
    this.users.set(ME.id, ME);
    this.users.set(SLACKBOT.id, SLACKBOT);
    this.users.set(BOT.userId, { id: BOT.userId, name: BOT.name, real_name: BOT.name, is_bot: true });
  }

  /** changed records a mutation and tells the listeners (the page's event stream). */
  changed(): void {
    this.version++;
    this.emit('change', this.version);
  }

  addChannel(id: string, name: string): Channel {
    const channel: Channel = { id, name, messages: [] };
    this.channels.set(id, channel);
    return channel;
  }

  /**
   * findChannel resolves a channel the way Slack accepts it: an id (`C0ALERTS00`), a name
   * (`alerts`) or a `#name`. With `create`, an unknown name becomes a new channel (the bot has
   * chat:write.public, and the playground has every channel a config may name).
   */
  findChannel(ref: string, create = false): Channel | undefined {
    const direct = this.channels.get(ref);
    if (direct) return direct;
    // An unknown id (C0123ABCD) is channel_not_found, as in Slack; only names are created.
    if (/^[CDG][A-Z0-9]{7,}$/.test(ref)) return undefined;
    const name = ref.replace(/^#/, '').toLowerCase();
    for (const c of this.channels.values()) if (c.name === name) return c;
    if (!create || !/^[a-z0-9][a-z0-9._-]{0,79}$/.test(name)) return undefined;
    const id = `C0${name
      .replace(/[^a-z0-9]/g, '')
      .toUpperCase()
      .slice(0, 8)
      .padEnd(8, '0')}`;
    return this.addChannel(this.channels.has(id) ? `${id}${this.channels.size}` : id, name);
  }

  /** nextTs returns a unique, increasing Slack-style timestamp (`seconds.micros`). */
  nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  /** nextId returns a fresh id with a prefix (`V` views, `T` triggers, ...). */
  nextId(prefix: string): string {
    this.counter++;
    return `${prefix}${this.now().toString(36).toUpperCase()}${this.counter.toString(36).toUpperCase().padStart(3, '0')}`;
  }

  /** post adds a message to a channel (a reply when thread_ts names another message). */
  post(channel: Channel, msg: Omit<Message, 'type' | 'ts' | 'channel'>): Message {
    const message: Message = { type: 'message', ts: this.nextTs(), channel: channel.id, ...msg };
    if (message.thread_ts) {
      const parent = channel.messages.find((m) => m.ts === message.thread_ts);
      if (parent) parent.reply_count = (parent.reply_count ?? 0) + 1;
    }
    channel.messages.push(message);
    if (channel.messages.length > MAX_MESSAGES) channel.messages.splice(0, channel.messages.length - MAX_MESSAGES);
    this.changed();
    return message;
  }

  /** message returns the message with this ts in a channel, or undefined. */
  message(channel: Channel, ts: string): Message | undefined {
    return channel.messages.find((m) => m.ts === ts);
  }

  /** remove deletes a message. */
  remove(channel: Channel, ts: string): boolean {
    const i = channel.messages.findIndex((m) => m.ts === ts);
    if (i < 0) return false;
    channel.messages.splice(i, 1);
    this.changed();
    return true;
  }

  /** saveView stores a view under a fresh id (or the given one) with a new hash. */
  saveView(view: Json, type: 'modal' | 'home', id = this.nextId('V')): View {
    const saved = { ...view, id, type, blocks: (view['blocks'] as unknown[]) ?? [], hash: this.nextId('H') } as View;
    this.views.set(id, saved);
    this.changed();
    return saved;
  }

  /** topModal returns the view on top of the user's modal stack, or undefined. */
  topModal(): View | undefined {
    const id = this.modalStack.at(-1);
    return id ? this.views.get(id) : undefined;
  }

  /** closeModals pops one modal, or all of them with `all`. */
  closeModals(all = false): void {
    if (all) this.modalStack = [];
    else this.modalStack.pop();
    this.changed();
  }
}
