/**
 * A fake Socket Mode server: a local WebSocket server speaking Slack's envelope protocol. The fake
 * Web API's `apps.connections.open` returns its URL; on connection it sends `{"type":"hello"}`,
 * then envelopes (`slash_commands`, `interactive`, `events_api`) that the app must acknowledge
 * with `{"envelope_id": ...}` (and an optional payload).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { BOT, type FakeSlack } from './fake-slack.js';

export interface Ack {
  envelope_id: string;
  payload?: unknown;
}

export class FakeSocketMode {
  private wss?: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly waiting = new Map<string, (ack: Ack) => void>();
  readonly acks: Ack[] = [];
  private counter = 0;
  connections = 0;
  url = '';

  async start(slack: FakeSlack): Promise<this> {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(this.wss, 'listening');
    this.url = `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/link`;
    slack.socketUrl = this.url;
    this.wss.on('connection', (ws) => {
      this.connections++;
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data) => {
        let msg: Ack;
        try {
          msg = JSON.parse(String(data)) as Ack;
        } catch {
          return;
        }
        if (!msg.envelope_id) return;
        this.acks.push(msg);
        this.waiting.get(msg.envelope_id)?.(msg);
        this.waiting.delete(msg.envelope_id);
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: this.sockets.size,
          debug_info: { host: 'fake-socket-mode', build_number: 1, approximate_connection_time: 3600 },
          connection_info: { app_id: BOT.appId },
        }),
      );
    });
    return this;
  }

  /** waitForConnection resolves once a client is connected (hello sent). */
  async waitForConnection(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.size === 0) {
      if (Date.now() > deadline) throw new Error('no Socket Mode connection');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** send sends one envelope to every connected client and resolves with its ack. */
  send(type: 'slash_commands' | 'interactive' | 'events_api', payload: unknown, timeoutMs = 10_000): Promise<Ack> {
    const envelopeId = `env-${++this.counter}`;
    const acked = new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`envelope ${envelopeId} not acknowledged`)), timeoutMs);
      this.waiting.set(envelopeId, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
    });
    const text = JSON.stringify({
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
    });
    for (const ws of this.sockets) ws.send(text);
    return acked;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    if (this.wss) await new Promise<void>((r) => this.wss!.close(() => r()));
  }
}
