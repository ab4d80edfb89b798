/**
 * The Slack outbox: every alert delivery is a row in the store first, then sent. Failures that
 * Slack may retry (429 with Retry-After, 5xx, connection errors, timeouts) wait with backoff and
 * are sent later; nothing is lost and nothing is posted twice. After an ambiguous failure (the
 * request may have reached Slack: a timeout or a reset after sending, a 5xx), the next attempt
 * first looks for the message by its metadata (conversations.history / conversations.replies with
 * `include_all_metadata`, `metadata.event_payload.outbox_id`) before posting again.
 * Updates and thread replies wait for the message they refer to; updates of one message coalesce.
 */
import { webApi } from '@slack/bolt';
import type { Clock } from '../core/clock.js';
import type { Db } from '../store/db.js';
import { deliveryFailures, outboxPending } from './metrics.js';
import { classifyFailure, type SlackCaller } from './slack-client.js';

export { type SlackCaller, slackCaller } from './slack-client.js';

export const METADATA_EVENT = 'certmedic_alert';

export type OutboxKind = 'post' | 'update' | 'reply';

export interface OutboxPayload {
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: Block Kit objects are plain JSON
  blocks?: Record<string, any>[];
}

interface Row {
  id: number;
  msg_key: string;
  kind: OutboxKind;
  channel: string;
  payload: string;
  attempts: number;
  ambiguous: number;
}

export interface OutboxOptions {
  /** First retry delay; doubles per attempt up to maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (line: string) => void;
}

export class Outbox {
  private pausedUntil = 0;
  private draining: Promise<number> | undefined;
  private readonly base: number;
  private readonly max: number;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly slack: SlackCaller | undefined,
    private readonly opts: OutboxOptions = {},
  ) {
    this.base = opts.baseBackoffMs ?? 2000;
    this.max = opts.maxBackoffMs ?? 300_000;
  }

  /**
   * enqueue stores a delivery. An update replaces a pending update of the same message, or the
   * payload of its post when that has not been attempted yet.
   */
  enqueue(msgKey: string, kind: OutboxKind, channel: string, payload: OutboxPayload): void {
    const now = this.clock.now();
    const json = JSON.stringify(payload);
    this.db.transaction(() => {
      if (kind === 'update') {
        const pending = this.db
          .prepare(
            `SELECT id, kind FROM monitor_outbox WHERE msg_key = ? AND state = 'pending' AND kind IN ('post', 'update')
             AND NOT (kind = 'post' AND (attempts > 0 OR ambiguous = 1)) ORDER BY id DESC LIMIT 1`,
          )
          .get(msgKey) as { id: number; kind: string } | undefined;
        if (pending) {
          this.db.prepare('UPDATE monitor_outbox SET payload = ? WHERE id = ?').run(json, pending.id);
          return;
        }
      }
      this.db
        .prepare(
          'INSERT INTO monitor_outbox (msg_key, kind, channel, payload, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(msgKey, kind, channel, json, now, now);
    })();
    this.gauge();
  }

  /** hasMessage returns true when a post for this message key exists (sent or pending). */
  hasMessage(msgKey: string): boolean {
    return Boolean(this.db.prepare("SELECT 1 FROM monitor_outbox WHERE msg_key = ? AND kind = 'post'").get(msgKey));
  }

  /** messageTs returns the Slack ts of a posted message. */
  messageTs(msgKey: string): { channel: string; ts: string } | undefined {
    return this.db.prepare('SELECT channel, ts FROM monitor_posts WHERE msg_key = ?').get(msgKey) as
      | { channel: string; ts: string }
      | undefined;
  }

  /** pending returns the number of deliveries not sent yet. */
  pending(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM monitor_outbox WHERE state = 'pending'").get() as { n: number })
      .n;
  }

  /** nextAttemptAt returns when the earliest pending delivery is due, or undefined. */
  nextAttemptAt(): number | undefined {
    const r = this.db.prepare("SELECT MIN(next_attempt_at) AS t FROM monitor_outbox WHERE state = 'pending'").get() as {
      t: number | null;
    };
    return r.t === null ? undefined : Math.max(r.t, this.pausedUntil);
  }

  /** drain sends every due delivery in order; returns how many were sent. One drain at a time. */
  drain(): Promise<number> {
    this.draining ??= this.drainNow().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainNow(): Promise<number> {
    if (!this.slack) return 0;
    let sent = 0;
    const blocked = new Set<string>();
    const rows = this.db
      .prepare("SELECT * FROM monitor_outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id")
      .all(this.clock.now()) as Row[];
    for (const row of rows) {
      if (this.clock.now() < this.pausedUntil) break;
      if (blocked.has(row.msg_key)) continue;
      const fresh = this.db.prepare("SELECT * FROM monitor_outbox WHERE id = ? AND state = 'pending'").get(row.id) as
        | Row
        | undefined;
      if (!fresh) continue;
      const parent = fresh.kind === 'post' ? undefined : this.messageTs(fresh.msg_key);
      if (fresh.kind !== 'post' && !parent) {
        if (this.postPending(fresh.msg_key)) {
          blocked.add(fresh.msg_key);
          continue;
        }
        this.finish(fresh.id, 'failed', undefined, 'the message it refers to was never posted');
        continue;
      }
      try {
        const { ts, channel } = await this.deliver(fresh, parent);
        this.finish(fresh.id, 'sent', ts);
        if (fresh.kind === 'post' && ts) {
          // Keep the channel id Slack answers with: chat.update and conversations.* need the id,
          // while the configured channel may be a name like #alerts.
          this.db
            .prepare('INSERT OR REPLACE INTO monitor_posts (msg_key, channel, ts) VALUES (?, ?, ?)')
            .run(fresh.msg_key, channel ?? fresh.channel, ts);
        }
        sent++;
      } catch (err) {
        const f = classifyFailure(err);
        deliveryFailures.inc({ reason: f.reason });
        this.opts.log?.(`slack delivery ${fresh.kind} ${fresh.msg_key} failed: ${f.reason}`);
        blocked.add(fresh.msg_key);
        if (!f.retry) {
          this.finish(fresh.id, 'failed', undefined, f.reason);
          continue;
        }
        const backoff = Math.min(this.max, this.base * 2 ** fresh.attempts);
        const wait = Math.max(backoff, f.retryAfterMs ?? 0);
        this.db
          .prepare(
            'UPDATE monitor_outbox SET attempts = attempts + 1, next_attempt_at = ?, ambiguous = MAX(ambiguous, ?), last_error = ? WHERE id = ?',
          )
          .run(this.clock.now() + wait, f.ambiguous ? 1 : 0, f.reason, fresh.id);
        if (f.retryAfterMs !== undefined) this.pausedUntil = this.clock.now() + f.retryAfterMs;
      }
    }
    this.gauge();
    return sent;
  }

  private postPending(msgKey: string): boolean {
    return Boolean(
      this.db
        .prepare("SELECT 1 FROM monitor_outbox WHERE msg_key = ? AND kind = 'post' AND state = 'pending'")
        .get(msgKey),
    );
  }

  private finish(id: number, state: 'sent' | 'failed', ts?: string, error?: string): void {
    this.db
      .prepare(
        'UPDATE monitor_outbox SET state = ?, result_ts = ?, sent_at = ?, last_error = COALESCE(?, last_error) WHERE id = ?',
      )
      .run(state, ts ?? null, this.clock.now(), error ?? null, id);
  }

  /**
   * deliver makes the Web API call of one row; returns the message ts for posts and replies and
   * the channel id Slack reports for it.
   */
  private async deliver(
    row: Row,
    parent: { channel: string; ts: string } | undefined,
  ): Promise<{ ts: string | undefined; channel?: string }> {
    const slack = this.slack!;
    const payload = JSON.parse(row.payload) as OutboxPayload;
    if (row.kind === 'update') {
      await slack.apiCall('chat.update', { channel: parent!.channel, ts: parent!.ts, ...payload });
      return { ts: parent!.ts, channel: parent!.channel };
    }
    if (row.ambiguous) {
      const found = await this.findSent(row, parent);
      if (found) return { ts: found, ...(parent ? { channel: parent.channel } : {}) };
    }
    const res = await slack.apiCall('chat.postMessage', {
      channel: row.channel,
      ...payload,
      ...(parent ? { thread_ts: parent.ts } : {}),
      metadata: { event_type: METADATA_EVENT, event_payload: { alert_key: row.msg_key, outbox_id: row.id } },
    });
    return {
      ts: typeof res['ts'] === 'string' ? res['ts'] : undefined,
      ...(typeof res['channel'] === 'string' ? { channel: res['channel'] } : {}),
    };
  }

  /** findSent looks for a message this row already posted, by its metadata; returns its ts. */
  private async findSent(row: Row, parent: { channel: string; ts: string } | undefined): Promise<string | undefined> {
    try {
      return await this.lookup(row, parent);
    } catch (err) {
      // Slack refused the lookup itself (missing history scope, not in channel): posting again
      // risks a duplicate, never posting loses the alert; post, and say so.
      if ((err as { code?: string }).code !== webApi.ErrorCode.PlatformError) throw err;
      this.opts.log?.(`cannot look up ${row.msg_key} before posting again: ${(err as Error).message}`);
      return undefined;
    }
  }

  private async lookup(row: Row, parent: { channel: string; ts: string } | undefined): Promise<string | undefined> {
    const res = parent
      ? await this.slack!.apiCall('conversations.replies', {
          channel: parent.channel,
          ts: parent.ts,
          include_all_metadata: true,
          limit: 200,
        })
      : await this.slack!.apiCall('conversations.history', {
          channel: row.channel,
          include_all_metadata: true,
          limit: 200,
        });
    const messages = (res['messages'] ?? []) as {
      ts?: string;
      metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
    }[];
    const hit = messages.find(
      (m) =>
        m.metadata?.event_type === METADATA_EVENT &&
        Number(m.metadata.event_payload?.['outbox_id']) === row.id &&
        m.metadata.event_payload?.['alert_key'] === row.msg_key,
    );
    return hit?.ts;
  }

  private gauge(): void {
    outboxPending.set(this.pending());
  }
}
