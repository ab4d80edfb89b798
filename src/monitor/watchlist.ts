/**
 * The watchlist: what the monitor scans. Three sources, merged by target key (`name:port`): the
 * config file's `watchlist:` entries, every certificate name in the inventory, and the `/cert
 * watch` entries kept in the store. A watchlist file for `certmedic scan` holds the same entries
 * under `targets:` (or `watchlist:`).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseYamlFile, type WatchTarget, WatchTargetSchema } from '../config.js';
import { ConfigError } from '../core/errors.js';
import { normalizeHostname } from '../core/names.js';

export type Thresholds = NonNullable<WatchTarget['thresholds']>;

/** WatchEntry is one target to scan, with where its alerts go and how it is judged. */
export interface WatchEntry {
  /** `name:port`, the stable identity of the target (alerts and schedule are keyed on it). */
  key: string;
  name: string;
  port: number;
  address?: string;
  starttls?: WatchTarget['starttls'];
  ca?: string;
  channel?: string;
  tags: string[];
  thresholds?: Thresholds;
  /** Where the entry comes from. */
  source: 'config' | 'inventory' | 'watch' | 'file';
  /** The inventory certificate id, when the entry comes from (or matches) the inventory. */
  certificate?: string;
  /** Serial the inventory says is current (renewed-but-not-deployed detection). */
  expectSerial?: string;
}

/** CheckedTarget adds the name and address checks to the schema, so errors carry the line. */
const CheckedTarget = WatchTargetSchema.superRefine((t, ctx) => {
  try {
    normalizeHostname(t.name);
  } catch (err) {
    ctx.addIssue({ code: 'custom', path: ['name'], message: (err as Error).message });
  }
  if (t.address !== undefined && isIP(t.address) === 0)
    ctx.addIssue({ code: 'custom', path: ['address'], message: 'expected an IPv4 or IPv6 literal' });
});

const WatchFileSchema = z
  .looseObject({
    targets: z.array(CheckedTarget).optional(),
    watchlist: z.array(CheckedTarget).optional(),
  })
  .refine((f) => f.targets !== undefined || f.watchlist !== undefined, 'expected a `targets:` (or `watchlist:`) list');

/**
 * targetKey returns the identity of a target: `name:port`, or `name:port@address` for an entry
 * pinned to one address (the same name at an origin and behind a CDN are two targets).
 */
export function targetKey(name: string, port: number, address?: string): string {
  return `${name}:${port}${address !== undefined ? `@${address}` : ''}`;
}

/** toEntry validates one watchlist item: the name is normalised, an address must be an IP literal. */
export function toEntry(t: WatchTarget, source: WatchEntry['source'], where: string): WatchEntry {
  let name: string;
  try {
    name = normalizeHostname(t.name);
  } catch (err) {
    throw new ConfigError(`${where}: invalid name ${JSON.stringify(t.name)}: ${(err as Error).message}`);
  }
  if (t.address !== undefined && isIP(t.address) === 0) {
    throw new ConfigError(`${where}: invalid address ${JSON.stringify(t.address)}: expected an IPv4 or IPv6 literal`);
  }
  return {
    key: targetKey(name, t.port, t.address),
    name,
    port: t.port,
    ...(t.address !== undefined ? { address: t.address } : {}),
    ...(t.starttls !== undefined ? { starttls: t.starttls } : {}),
    ...(t.ca !== undefined ? { ca: t.ca } : {}),
    ...(t.channel !== undefined ? { channel: t.channel } : {}),
    tags: t.tags ?? [],
    ...(t.thresholds !== undefined ? { thresholds: t.thresholds } : {}),
    source,
  };
}

/**
 * parseWatchlistFile parses a watchlist file (`targets:` or `watchlist:`); errors name the line.
 * Every entry is kept, in order (`certmedic scan` prints one report per entry).
 */
export function parseWatchlistFile(text: string, label: string): WatchEntry[] {
  const file = parseYamlFile(text, WatchFileSchema, label);
  const key = file.targets !== undefined ? 'targets' : 'watchlist';
  const items = file.targets ?? file.watchlist ?? [];
  return items.map((t, i) => toEntry(t, 'file', `${label}: ${key}[${i}]`));
}

/** dedupe keeps the first entry of each key (config before inventory before `/cert watch`). */
export function dedupe(entries: WatchEntry[]): WatchEntry[] {
  const seen = new Map<string, WatchEntry>();
  for (const e of entries) {
    const prior = seen.get(e.key);
    if (!prior) seen.set(e.key, e);
    else if (!prior.certificate && e.certificate) {
      prior.certificate = e.certificate;
      if (e.expectSerial) prior.expectSerial = e.expectSerial;
      if (!prior.channel && e.channel) prior.channel = e.channel;
    }
  }
  return [...seen.values()];
}

/** InventoryCertificate is the part of an inventory certificate the watchlist needs. */
export interface InventoryCertificate {
  id: string;
  names: string[];
  /** The TLS ports its deployments serve (default 443). */
  ports?: number[];
  channel?: string;
  serial?: string;
  tags?: string[];
}

export interface WatchSources {
  config?: readonly WatchTarget[];
  inventory?: readonly InventoryCertificate[];
  watches?: readonly { name: string; port: number; channel: string | null }[];
}

/**
 * buildWatchlist merges the three sources. An inventory certificate contributes each of its
 * names (a wildcard `*.x` is watched as `x` only when no other name covers it: the base name
 * usually serves it).
 */
export function buildWatchlist(sources: WatchSources): WatchEntry[] {
  const out: WatchEntry[] = [];
  (sources.config ?? []).forEach((t, i) => {
    out.push(toEntry(t, 'config', `watchlist[${i}]`));
  });
  for (const c of sources.inventory ?? []) {
    const names = c.names.map((n) => (n.startsWith('*.') ? n.slice(2) : n));
    for (const [name, port] of [...new Set(names)].flatMap((n) =>
      (c.ports?.length ? c.ports : [443]).map((p) => [n, p] as const),
    )) {
      out.push({
        key: targetKey(name, port),
        name,
        port,
        tags: c.tags ?? [],
        source: 'inventory',
        certificate: c.id,
        ...(c.channel ? { channel: c.channel } : {}),
        ...(c.serial ? { expectSerial: c.serial } : {}),
      });
    }
  }
  for (const w of sources.watches ?? []) {
    out.push({
      key: targetKey(w.name, w.port),
      name: w.name,
      port: w.port,
      tags: [],
      source: 'watch',
      ...(w.channel ? { channel: w.channel } : {}),
    });
  }
  return attachCertificates(dedupe(out), sources.inventory ?? []);
}

/**
 * attachCertificates links config and `/cert watch` entries to the inventory certificate that
 * holds their name (exactly or by wildcard), so they alert per certificate and know the serial
 * that should be served.
 */
function attachCertificates(entries: WatchEntry[], inventory: readonly InventoryCertificate[]): WatchEntry[] {
  const byName = new Map<string, InventoryCertificate>();
  for (const c of inventory) for (const n of c.names) if (!byName.has(n)) byName.set(n, c);
  for (const e of entries) {
    if (e.certificate) continue;
    const parent = e.name.includes('.') ? `*.${e.name.slice(e.name.indexOf('.') + 1)}` : '';
    const c = byName.get(e.name) ?? byName.get(parent);
    if (!c) continue;
    e.certificate = c.id;
    if (c.serial && !e.expectSerial) e.expectSerial = c.serial;
    if (!e.channel && c.channel) e.channel = c.channel;
  }
  // One certificate, one channel: every endpoint of a certificate routes where its first one does.
  const channels = new Map<string, string>();
  for (const e of entries)
    if (e.certificate && e.channel && !channels.has(e.certificate)) channels.set(e.certificate, e.channel);
  for (const e of entries) {
    const ch = e.certificate ? channels.get(e.certificate) : undefined;
    if (ch && !e.channel) e.channel = ch;
  }
  return entries;
}
