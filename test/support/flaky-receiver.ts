/**
 * A Bolt receiver for "the ack fails" tests: it hands the real app events whose ack rejects, like
 * a connection dropped before the ack (any receiver plugs into createApp).
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';

export class FlakyReceiver implements Receiver {
  app?: App;
  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  /** deliver processes one body and returns what was acked; the ack fails when `failAck` is set. */
  async deliver(body: Record<string, unknown>, failAck: boolean): Promise<unknown[]> {
    const acks: unknown[] = [];
    const event: ReceiverEvent = {
      body,
      ack: async (response?: unknown) => {
        if (failAck) throw new Error('ack failed: connection closed');
        acks.push(response ?? null);
      },
    };
    await this.app!.processEvent(event);
    return acks;
  }
}

/** rawClick returns the smallest block_actions body Bolt routes: one button click in C0000001. */
export function rawClick(actionId: string, value: string, blockId = 'report_actions'): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: { id: 'T0000001' },
    user: { id: 'U0000001' },
    channel: { id: 'C0000001' },
    container: { type: 'message', message_ts: '1.1', channel_id: 'C0000001' },
    trigger_id: 't',
    actions: [{ type: 'button', action_id: actionId, block_id: blockId, value, action_ts: '1' }],
  };
}
