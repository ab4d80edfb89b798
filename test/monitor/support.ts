/**
 * Test fixtures for the monitor: a TLS server whose certificate can be swapped (a renewal) or
 * alternated per connection (a CDN with two certificates), and a monitor (store, outbox, alerts,
 * scheduler) wired to the fake Slack API with a controllable clock.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type SecureContext } from 'node:tls';
import { ManualClock } from '../../src/core/clock.js';
import { AlertService } from '../../src/monitor/alerts.js';
import { Outbox, slackCaller } from '../../src/monitor/outbox.js';
import { ScanPool } from '../../src/monitor/pool.js';
import { Scheduler } from '../../src/monitor/scheduler.js';
import type { WatchEntry } from '../../src/monitor/watchlist.js';
import { type Db, openStore } from '../../src/store/db.js';
import { migrateMonitor } from '../../src/store/monitor.js';
import { leafOf, type Minted, type Pki } from '../support/certs.js';
import type { FakeSlack } from '../support/fake-slack.js';
import { contextFor, type Servers, serverOptions, startServers } from '../support/tls-servers.js';

export const DAY = 86_400_000;
export const CHANNEL = 'CALERTS';

/** Switchable is a TLS server on one loopback address serving `chains` in turn, one per connection. */
export interface Switchable extends Servers {
  host: string;
  serve(...chains: Minted[][]): void;
}

/** startSwitchable starts a TLS server on `host` serving the given chains in rotation. */
export async function startSwitchable(host: string, ...chains: Minted[][]): Promise<Switchable> {
  let contexts: SecureContext[] = chains.map((c) => contextFor(c));
  let turn = 0;
  const servers = await startServers({ [host]: 'neverAnswers' }, () => {
    const s = createTlsServer({
      ...serverOptions(chains[0]!),
      SNICallback: (_name, cb) => cb(null, contexts[turn++ % contexts.length]!),
    });
    s.on('tlsClientError', () => {});
    s.on('secureConnection', (c) => {
      c.on('error', () => {});
      c.end();
    });
    return s;
  });
  return {
    ...servers,
    host,
    serve(...next) {
      contexts = next.map((c) => contextFor(c));
      turn = 0;
    },
  };
}

/** leafExpiringIn returns a chain (leaf, intermediate) of a `lifetime`-day leaf with `left` days to go. */
export async function chainExpiringIn(p: Pki, name: string, left: number, lifetime = 90): Promise<Minted[]> {
  const leaf = await leafOf(p, [name], { fromDays: left - lifetime, toDays: left, key: 'ec256' });
  return [leaf, p.intermediate];
}

export interface Monitor {
  db: Db;
  clock: ManualClock;
  outbox: Outbox;
  alerts: AlertService;
  scheduler: Scheduler;
  pool: ScanPool;
  close(): Promise<void>;
}

/** tempDbPath returns a fresh database file path (a restart reopens the same file). */
export function tempDbPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'certmedic-monitor-')), 'certmedic.db');
}

export interface MonitorSetup {
  fake: FakeSlack;
  entries: () => WatchEntry[];
  port: number;
  trustAnchors: string[];
  dbPath?: string;
  clock?: ManualClock;
  resolveAfter?: number;
  digestHour?: number;
}

/** startMonitor builds the monitor over a store (file or memory) and the fake Slack API. */
export function startMonitor(s: MonitorSetup): Monitor {
  const db = openStore(s.dbPath ?? ':memory:');
  migrateMonitor(db);
  const clock = s.clock ?? new ManualClock(Date.now());
  const outbox = new Outbox(db, clock, slackCaller('xoxb-test', s.fake.apiUrl, 2000), { baseBackoffMs: 1000 });
  const alerts = new AlertService(db, outbox, clock, {
    defaultChannel: CHANNEL,
    resolveAfter: s.resolveAfter ?? 2,
    ...(s.digestHour !== undefined ? { digestHour: s.digestHour } : {}),
  });
  const pool = new ScanPool({ threads: 0 });
  const scheduler = new Scheduler(db, alerts, outbox, clock, {
    watchlist: s.entries,
    settings: {
      resolvers: [{ host: '127.0.0.1', port: 1 }],
      portMap: [[443, s.port]],
      timeoutMs: 3000,
      trustAnchors: s.trustAnchors,
      allowNonPublic: true,
      allowNetworks: [],
    },
    pool,
    intervalMs: 3_600_000,
    jitterMs: 60_000,
    random: () => 0,
  });
  return {
    db,
    clock,
    outbox,
    alerts,
    scheduler,
    pool,
    close: async () => {
      await scheduler.stop();
      await pool.close();
      db.close();
    },
  };
}

/** entry returns a watch entry for `name` on port 443 at a fixed address. */
export function entry(name: string, address: string, extra: Partial<WatchEntry> = {}): WatchEntry {
  return { key: `${name}:443`, name, port: 443, address, tags: [], source: 'config', ...extra };
}
