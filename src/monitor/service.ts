/**
 * createMonitor builds the proactive-alert bundle the bot starts: the watchlist (config file,
 * inventory certificates, `/cert watch` entries), the scan pool, the Slack outbox, the alert
 * state, the scheduler, and the handlers the Slack listeners and the webhook call.
 */
import { readFileSync } from 'node:fs';
import { resolversFrom } from '../cli/diagnose.js';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { type Finding, makeReport, type Report } from '../core/finding.js';
import type { InventoryEvent } from '../inventory/events.js';
import type { InventoryStore } from '../inventory/store.js';
import { TargetPolicy } from '../net/guard.js';
import { escapeCode, escapeMrkdwn } from '../slack/escape.js';
import type { Db } from '../store/db.js';
import { addWatch, listWatches, migrateMonitor, removeWatch } from '../store/monitor.js';
import type { SlackStore } from '../store/slack.js';
import { alertTitle } from './alert-blocks.js';
import { AlertService, type AlertTarget, type SnoozeChoice } from './alerts.js';
import { type ClassifiedLog, handleInventoryEvent } from './events.js';
import { Outbox, type SlackCaller, slackCaller } from './outbox.js';
import { ScanPool } from './pool.js';
import type { ScanSettings } from './scan.js';
import { Scheduler } from './scheduler.js';
import { buildWatchlist, type InventoryCertificate, type WatchEntry } from './watchlist.js';

export interface MonitorDeps {
  config: Config;
  db: Db;
  clock: Clock;
  slackStore?: SlackStore;
  inventory?: InventoryStore;
  /** What the automation check expects under ctx.services (inventory, classifyLog). */
  automationServices?: Record<string, unknown>;
  classifyLog?: (log: string) => ClassifiedLog | undefined;
  /** Web API client override (tests); default from SLACK_BOT_TOKEN / SLACK_API_URL. */
  slack?: SlackCaller;
  log?: (line: string) => void;
}

export interface Monitor {
  scheduler: Scheduler;
  alerts: AlertService;
  outbox: Outbox;
  pool: ScanPool;
  watchlist(): WatchEntry[];
  watch(name: string, port: number, channel: string | undefined, user: string): boolean;
  unwatch(name: string, port: number): boolean;
  /** click returns why a user may not act on an alert from this channel, or undefined. */
  refusal(alertId: number, user: string, channel: string | undefined): string | undefined;
  acknowledge(alertId: number, user: string): boolean;
  snooze(alertId: number, choice: SnoozeChoice, user: string): boolean;
  onInventoryEvent(e: InventoryEvent): void;
  /** homeSections returns the App Home sections: open alerts and names watched from chat (escaped mrkdwn). */
  homeSections(): { title: string; lines: string[] }[];
  /** start runs the scheduler in the background (unless `monitor.enabled: false`); logs go to `log`. */
  start(log?: (line: string) => void): void;
  stop(): Promise<void>;
}

/** channelOf returns a Slack channel named by an inventory owner (`C0123`, `#certs`), else undefined. */
function channelOf(owner: string | undefined): string | undefined {
  if (!owner) return undefined;
  return /^[CG][A-Z0-9]{6,}$/.test(owner) || owner.startsWith('#') ? owner : undefined;
}

/** inventoryCertificates returns the inventory certificates with their current serial and owner channel. */
function inventoryCertificates(inventory: InventoryStore | undefined): InventoryCertificate[] {
  if (!inventory) return [];
  return inventory.baseline.certificates.map((c) => {
    const serial = inventory.view(c.id)?.issued?.serial;
    const channel = channelOf(c.owner);
    const ports = [
      ...new Set(c.deployments.flatMap((d) => inventory.baseline.deployments.find((x) => x.id === d)?.ports ?? [])),
    ];
    return {
      id: c.id,
      names: c.names,
      ...(ports.length > 0 ? { ports } : {}),
      ...(serial ? { serial } : {}),
      ...(channel ? { channel } : {}),
    };
  });
}

function readAnchors(files: readonly string[]): string[] {
  return files.map((f) => {
    try {
      return readFileSync(f, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read trust anchor ${f}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  });
}

/** createMonitor wires the monitor from the config (not started). */
export function createMonitor(deps: MonitorDeps): Monitor {
  const { config, db, clock } = deps;
  migrateMonitor(db);
  const m = config.file.monitor;
  let sink = deps.log ?? (() => {});
  const log = (line: string) => sink(line);
  const token = config.slack.botToken;
  const slack = deps.slack ?? (token ? slackCaller(token, config.slack.apiUrl) : undefined);
  const outbox = new Outbox(db, clock, slack, { log });
  const alerts = new AlertService(db, outbox, clock, {
    ...(config.alertChannel ? { defaultChannel: config.alertChannel } : {}),
    resolveAfter: m?.resolveAfter ?? 2,
    ...(m?.digestHourUtc !== undefined ? { digestHour: m.digestHourUtc } : {}),
    log,
  });
  const pool = new ScanPool(m?.threads !== undefined ? { threads: m.threads } : {});
  const settings: ScanSettings = {
    resolvers: resolversFrom(undefined, config),
    timeoutMs: m?.timeoutMs ?? config.file.defaults?.timeoutMs ?? 10_000,
    trustAnchors: readAnchors(config.trustAnchorFiles),
    allowNonPublic: false,
    allowNetworks: config.allowNetworks,
  };
  const policy = new TargetPolicy(false, config.allowNetworks);
  const watchlist = () =>
    buildWatchlist({
      config: config.file.watchlist ?? [],
      inventory: inventoryCertificates(deps.inventory),
      watches: listWatches(db),
    });
  /** extra runs CAA (for an entry with a CA) and the automation check (inventory names) in this thread. */
  const extra = async (e: WatchEntry): Promise<Report | undefined> => {
    const caName = e.ca ?? config.file.defaults?.ca;
    const only = [...(caName ? ['caa'] : []), ...(e.certificate && deps.automationServices ? ['automation'] : [])];
    if (only.length === 0) return undefined;
    const [{ diagnose }, { resolveCa }] = await Promise.all([import('../diagnose.js'), import('../core/cas.js')]);
    return diagnose(
      { name: e.name, wildcard: false, method: 'none', only, ...(caName ? { ca: resolveCa(caName) } : {}) },
      {
        resolvers: settings.resolvers,
        policy,
        timeoutMs: settings.timeoutMs,
        trustAnchors: settings.trustAnchors,
        clock,
        ...(deps.automationServices ? { services: deps.automationServices } : {}),
      },
    );
  };
  const scheduler = new Scheduler(db, alerts, outbox, clock, {
    watchlist,
    settings,
    pool,
    intervalMs: (m?.intervalMinutes ?? 60) * 60_000,
    ...(m?.jitterMinutes !== undefined ? { jitterMs: m.jitterMinutes * 60_000 } : {}),
    concurrency: m?.concurrency ?? 32,
    extra,
    log,
  });
  const authorized = config.file.slack?.authorizedUsers;
  const eventTarget = (certificate: string): AlertTarget => {
    const cert = deps.inventory?.findCertificate(certificate);
    const entry = cert ? watchlist().find((e) => e.certificate === cert.id) : undefined;
    const channel = entry?.channel ?? channelOf(cert?.owner);
    return { cert: cert?.id ?? certificate, label: cert?.names[0] ?? certificate, ...(channel ? { channel } : {}) };
  };
  const storeReport = (target: AlertTarget, findings: Finding[]): string | undefined => {
    const store = deps.slackStore;
    if (!store) return undefined;
    const name = target.label.replace(/^\*\./, '');
    const id = store.createReport({
      target: name,
      request: { name, wildcard: false, method: 'none' },
      requestedBy: 'certmedic',
      ...((target.channel ?? config.alertChannel) ? { channelId: target.channel ?? config.alertChannel } : {}),
    });
    store.finishRun(id, makeReport(name, findings, [{ name: 'automation', state: 'ran' }], {}, 0), 'certmedic');
    return id;
  };
  return {
    scheduler,
    alerts,
    outbox,
    pool,
    watchlist,
    watch: (name, port, channel, user) =>
      addWatch(db, { name, port, channel: channel ?? null, added_by: user }, clock.now()),
    unwatch: (name, port) => removeWatch(db, name, port),
    refusal(alertId, user, channel) {
      const alert = alerts.get(alertId);
      if (!alert) return 'this alert no longer exists';
      const where = alerts.channelOf(alertId);
      if (where && channel && where !== channel) return 'this alert belongs to another channel';
      if (authorized && authorized.length > 0 && !authorized.includes(user))
        return 'only the users listed in slack.authorizedUsers may act on alerts';
      return undefined;
    },
    acknowledge(id, user) {
      const ok = alerts.acknowledge(id, user) !== undefined;
      void outbox.drain().catch((err) => log(`outbox: ${(err as Error).message}`));
      return ok;
    },
    snooze(id, choice, user) {
      const ok = alerts.snooze(id, choice, user) !== undefined;
      void outbox.drain().catch((err) => log(`outbox: ${(err as Error).message}`));
      return ok;
    },
    onInventoryEvent(e) {
      handleInventoryEvent(e, {
        alerts,
        target: eventTarget,
        ...(deps.classifyLog ? { classifyLog: deps.classifyLog } : {}),
        storeReport,
      });
      void outbox.drain().catch((err) => log(`outbox: ${(err as Error).message}`));
    },
    homeSections() {
      const open = alerts.open();
      const watches = listWatches(db);
      return [
        {
          title: `Open alerts (${open.length})`,
          lines: open
            .slice(0, 30)
            .map(
              (a) =>
                `${a.problem.severity === 'critical' ? ':red_circle:' : ':large_yellow_circle:'} *${escapeMrkdwn(alertTitle(a))}*${a.ackedBy ? ' _(acknowledged)_' : ''}`,
            ),
        },
        {
          title: `Watched from chat (${watches.length})`,
          lines: watches
            .slice(0, 30)
            .map(
              (w) => `\`${escapeCode(`${w.name}:${w.port}`)}\`${w.channel ? ` → <#${escapeMrkdwn(w.channel)}>` : ''}`,
            ),
        },
      ];
    },
    start: (logTo) => {
      if (logTo) sink = logTo;
      if (m?.enabled !== false) scheduler.start();
    },
    stop: async () => {
      await scheduler.stop();
      await pool.close();
    },
  };
}
