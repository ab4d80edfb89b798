/** Shared inventory fixtures and a runner for the automation check tests. */

import type { LogClassifier } from '../../../src/checks/automation/deployment.js';
import { automationCheck } from '../../../src/checks/automation/index.js';
import type { ManualClock } from '../../../src/core/clock.js';
import type { Report } from '../../../src/core/finding.js';
import { diagnose } from '../../../src/diagnose.js';
import type { InventoryEvent } from '../../../src/inventory/events.js';
import type { InventoryStore } from '../../../src/inventory/store.js';
import type { TargetPolicy } from '../../../src/net/guard.js';
import type { Db } from '../../../src/store/db.js';
import { inventoryStore } from '../../support/automation.js';
import { request, startWorld, type World } from '../../support/world.js';

// biome-ignore lint/suspicious/noExplicitAny: inventory fixtures are plain YAML-like objects edited freely by tests
export type Inv = Record<string, any>;

export const NOW = Date.parse('2026-11-27T10:00:00Z');

/** baseInventory is a healthy inventory for shop.example.test; `patch` edits it before parsing. */
export function baseInventory(patch: (inv: Inv) => void = () => {}): Inv {
  const inv: Inv = {
    certificates: [
      {
        id: 'shop',
        names: ['shop.example.test', 'www.shop.example.test'],
        template: 'web-dv',
        connector: 'acme-prod',
        bot: 'bot-1',
        deployments: ['k8s-shop'],
        issued: {
          serial: '0a1b',
          notBefore: '2026-11-01T00:00:00Z',
          notAfter: '2027-01-30T00:00:00Z',
        },
        renewal: {
          windowFraction: 0.33,
          schedule: { cron: '0 3 * * *', timezone: 'UTC' },
          retries: { count: 3, backoffMinutes: 60 },
        },
      },
    ],
    bots: [
      {
        id: 'bot-1',
        status: 'active',
        purpose: 'provisioning',
        lastHeartbeat: '2026-11-27T09:55:00Z',
        tokenExpiresAt: '2027-06-01T00:00:00Z',
        heartbeatIntervalMinutes: 15,
      },
    ],
    connectors: [{ id: 'acme-prod', ca: 'letsencrypt', templates: { 'web-dv': 'default' }, active: true }],
    deployments: [
      {
        id: 'k8s-shop',
        type: 'k8s-secret',
        namespace: 'shop',
        secretName: 'shop-tls',
        credentialsRef: 'kubeconfig:prod',
        history: [],
      },
    ],
  };
  patch(inv);
  return inv;
}

export interface RunExtra {
  classifyLog?: LogClassifier;
  timeoutMs?: number;
  trustAnchors?: string[];
  policy?: TargetPolicy;
}

export interface Harness {
  store: InventoryStore;
  db: Db;
  clock: ManualClock;
  world: World;
  run(extra?: RunExtra): Promise<Report>;
  event(ev: InventoryEvent): void;
  close(): Promise<void>;
}

/** harness builds the store and a DNS world, and runs only the automation check. */
export async function harness(inv: Inv, records: string[] = [], name = 'shop.example.test'): Promise<Harness> {
  const { store, clock, db } = inventoryStore(inv, NOW);
  const world = await startWorld({ records: [`${name} A 127.0.0.1`, ...records] });
  return {
    store,
    db,
    clock,
    world,
    run: (extra = {}) =>
      diagnose(request(name), {
        resolvers: [world.resolver.address],
        clock,
        timeoutMs: extra.timeoutMs ?? 5000,
        checks: [automationCheck],
        ...(extra.trustAnchors ? { trustAnchors: extra.trustAnchors } : {}),
        ...(extra.policy ? { policy: extra.policy } : {}),
        services: { inventory: store, ...(extra.classifyLog ? { classifyLog: extra.classifyLog } : {}) },
      }),
    event: (ev) => void store.record(ev),
    close: async () => {
      db.close();
      await world.close();
    },
  };
}

/** nginxTarget is a complete nginx deployment on 127.0.0.1 at `port`. */
export function nginxTarget(port: number, id = 'nginx-shop'): Inv {
  return {
    id,
    type: 'nginx',
    host: '127.0.0.1',
    ports: [port],
    keystorePath: '/etc/nginx/tls/shop.pem',
    restartCommand: 'systemctl reload nginx',
    credentialsRef: 'vault:ssh/web',
    history: [],
  };
}

/** find returns the finding with this code (throws when absent). */
export function find(r: Report, code: string) {
  const f = r.findings.find((x) => x.code === code);
  if (!f) throw new Error(`no ${code} in ${r.findings.map((x) => x.code).join(', ')}`);
  return f;
}
