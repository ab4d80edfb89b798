/**
 * PlaygroundReceiver is a Bolt Receiver that turns what the user does on the playground page
 * (typed slash commands and messages, clicks, modal submissions) into the same request bodies
 * Slack would send, and hands them to the real Bolt app with a working `ack()`. What the app
 * acknowledges with is applied the way Slack applies it (ephemeral command replies, modal
 * `response_action`s); an interaction that is not acknowledged within 3 seconds fails as in Slack.
 */
import type { App, Receiver } from '@slack/bolt';
import { ReceiverMultipleAckError } from '@slack/bolt';
import {
  blockActions,
  blocksOf,
  elementState,
  eventCallback,
  findElement,
  type RawState,
  type RawValue,
  slashCommand,
  viewPayload,
  viewState,
} from './payloads.js';
import type { LocalWebApi } from './web-api.js';
import { BOT, type Json, ME, SLACKBOT, type View } from './workspace.js';

/** Slack waits this long for an acknowledgement. */
export const ACK_TIMEOUT_MS = 3000;

export interface Outcome {
  ok: boolean;
  error?: string;
  /** Per-block errors from a view_submission `response_action: errors`. */
  errors?: Record<string, string>;
}

interface Dispatched {
  acked: boolean;
  response?: unknown;
}

export interface ReceiverLogger {
  error(...msg: unknown[]): void;
  warn(...msg: unknown[]): void;
}

export class PlaygroundReceiver implements Receiver {
  private app: App | undefined;

  constructor(
    private readonly api: LocalWebApi,
    /** responseUrl returns the absolute URL of a response_url id (known once the server listens). */
    private readonly responseUrl: (id: string) => string,
    private readonly logger: ReceiverLogger = console,
    private readonly ackTimeoutMs = ACK_TIMEOUT_MS,
  ) {}

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  private get ws() {
    return this.api.workspace;
  }

  /** dispatch hands one body to the app and waits for its ack (or the timeout). */
  async dispatch(body: Json): Promise<Dispatched> {
    const app = this.app;
    if (!app) return { acked: false };
    let acked = false;
    let settle: (d: Dispatched) => void = () => {};
    const result = new Promise<Dispatched>((resolve) => {
      settle = resolve;
    });
    const ack = async (response?: unknown) => {
      if (acked) throw new ReceiverMultipleAckError();
      acked = true;
      settle({ acked: true, response });
    };
    const timer = setTimeout(() => settle({ acked: false }), this.ackTimeoutMs);
    const processing = app.processEvent({ body, ack }).catch((err: unknown) => {
      this.logger.error('playground: the app failed to process an event', err);
    });
    void processing.then(() => {
      if (!acked) settle({ acked: false });
    });
    try {
      const d = await result;
      if (!d.acked) this.logger.warn(`playground: a ${String(body['type'] ?? body['command'])} was not acknowledged`);
      return d;
    } finally {
      clearTimeout(timer);
    }
  }

  private slackbotSays(channel: string, text: string): void {
    const c = this.ws.findChannel(channel);
    if (c) this.ws.post(c, { user: SLACKBOT.id, text, ephemeral: true });
  }

  /** command runs `/cmd text` typed in a channel. */
  async command(channelId: string, line: string): Promise<Outcome> {
    const channel = this.ws.findChannel(channelId);
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const match = /^(\/\S+)\s*([\s\S]*)$/.exec(line.trim());
    if (!match) return { ok: false, error: 'not_a_command' };
    const [, command, text] = match as unknown as [string, string, string];
    const body = slashCommand({
      command,
      text: text.trim(),
      channel,
      user: ME,
      responseUrl: this.responseUrl(this.api.createResponseTarget(channel.id, ME.id)),
      triggerId: this.api.createTrigger(),
    });
    const d = await this.dispatch(body);
    if (!d.acked) {
      this.slackbotSays(channel.id, `${command} failed with the error "operation_timeout"`);
      return { ok: false, error: 'operation_timeout' };
    }
    const r = d.response;
    if (r !== undefined && r !== '') {
      const reply = typeof r === 'string' ? { text: r } : (r as Json);
      if (reply['response_type'] === 'in_channel') this.ws.post(channel, { user: ME.id, text: line.trim() });
      const out = this.api.respond(this.api.createResponseTarget(channel.id, ME.id), reply);
      if (!out.ok) return { ok: false, error: out.error ?? 'invalid_ack' };
    }
    return { ok: true };
  }

  /** message posts what the user typed; mentioning @certmedic sends an app_mention event. */
  async message(channelId: string, text: string): Promise<Outcome> {
    const channel = this.ws.findChannel(channelId);
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const slackText = text.replace(/@certmedic\b/gi, `<@${BOT.userId}>`);
    const m = this.ws.post(channel, { user: ME.id, text: slackText });
    if (!slackText.includes(`<@${BOT.userId}>`)) return { ok: true };
    const event = { type: 'app_mention', user: ME.id, text: slackText, ts: m.ts, channel: channel.id, event_ts: m.ts };
    const d = await this.dispatch(eventCallback(event, this.ws.nextId('Ev'), Date.now()));
    return d.acked ? { ok: true } : { ok: false, error: 'not_acknowledged' };
  }

  /** openHome tells the app the user opened its Home tab. */
  async openHome(): Promise<Outcome> {
    const home = this.ws.homeViewId ? this.ws.views.get(this.ws.homeViewId) : undefined;
    const event = {
      type: 'app_home_opened',
      user: ME.id,
      channel: 'D0PLAYHOME',
      tab: 'home',
      ...(home ? { view: home } : {}),
    };
    const d = await this.dispatch(eventCallback(event, this.ws.nextId('Ev'), Date.now()));
    return d.acked ? { ok: true } : { ok: false, error: 'not_acknowledged' };
  }

  /**
   * action reports a click or selection: in a message (`channel` + `ts`) or in a view (`viewId`).
   * `state` carries the current values of the view's (or message's) inputs.
   */
  async action(args: {
    channel?: string;
    ts?: string;
    viewId?: string;
    blockId: string;
    actionId: string;
    value?: RawValue;
    state?: RawState;
  }): Promise<Outcome> {
    const actionTs = this.ws.nextTs();
    const triggerId = this.api.createTrigger();
    let body: Json;
    if (args.viewId) {
      const view = this.ws.views.get(args.viewId);
      const el = view && findElement(view.blocks as Json[], args.blockId, args.actionId);
      if (!view || !el) return { ok: false, error: 'element_not_found' };
      const action = this.actionPayload(el, args.blockId, args.value ?? null, actionTs);
      body = blockActions({
        user: ME,
        action,
        triggerId,
        source: { kind: 'view', view, state: viewState(view, args.state ?? {}) },
      });
    } else {
      const channel = args.channel ? this.ws.findChannel(args.channel) : undefined;
      const message = channel && args.ts ? this.ws.message(channel, args.ts) : undefined;
      const el = message && findElement(blocksOf(message), args.blockId, args.actionId);
      if (!channel || !message || !el) return { ok: false, error: 'element_not_found' };
      const action = this.actionPayload(el, args.blockId, args.value ?? null, actionTs);
      const responseUrl = this.responseUrl(this.api.createResponseTarget(channel.id, ME.id, message.ts));
      body = blockActions({
        user: ME,
        action,
        triggerId,
        source: { kind: 'message', channel, message, responseUrl, state: {} },
      });
    }
    const d = await this.dispatch(body);
    return d.acked ? { ok: true } : { ok: false, error: 'not_acknowledged' };
  }

  private actionPayload(el: Json, blockId: string, raw: RawValue, actionTs: string): Json {
    const base = { action_id: el['action_id'], block_id: blockId, action_ts: actionTs };
    if (el['type'] === 'button')
      return {
        ...base,
        type: 'button',
        text: el['text'],
        ...(el['value'] !== undefined ? { value: el['value'] } : {}),
        ...(el['style'] ? { style: el['style'] } : {}),
      };
    return { ...base, ...elementState(el, raw) };
  }

  /** submit sends a view_submission and applies the app's response_action. */
  async submit(viewId: string, raw: RawState): Promise<Outcome> {
    const view = this.ws.views.get(viewId);
    if (!view || !this.ws.modalStack.includes(viewId)) return { ok: false, error: 'view_not_found' };
    const d = await this.dispatch(viewPayload('view_submission', ME, view, viewState(view, raw)));
    if (!d.acked) return { ok: false, error: 'operation_timeout' };
    const r = (d.response ?? {}) as Json;
    switch (r['response_action']) {
      case 'errors':
        return { ok: false, error: 'invalid_input', errors: (r['errors'] ?? {}) as Record<string, string> };
      case 'clear':
        this.ws.closeModals(true);
        return { ok: true };
      case 'update':
      case 'push': {
        const next = this.api.call(r['response_action'] === 'push' ? 'views.push' : 'views.update', {
          trigger_id: this.api.createTrigger(),
          view_id: viewId,
          view: r['view'],
        });
        return next.ok ? { ok: true } : { ok: false, error: String(next['error']) };
      }
      default:
        this.popModal(view);
        return { ok: true };
    }
  }

  private popModal(view: View): void {
    this.ws.modalStack = this.ws.modalStack.filter((id) => id !== view.id);
    this.ws.changed();
  }

  /** close closes a modal (Cancel or ×); the app hears view_closed when it asked to. */
  async close(viewId: string): Promise<Outcome> {
    const view = this.ws.views.get(viewId);
    if (!view || !this.ws.modalStack.includes(viewId)) return { ok: false, error: 'view_not_found' };
    this.popModal(view);
    if (view['notify_on_close']) await this.dispatch(viewPayload('view_closed', ME, view, {}));
    return { ok: true };
  }
}
