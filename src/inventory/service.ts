/**
 * The automation bundle the bot builds at start: the inventory store (config baseline + webhook
 * events), the POST /events route, the services the automation check reads, the escalation
 * context, and the retry actions with their report buttons.
 */
import { ActionService } from '../actions/service.js';
import { ActionStore } from '../actions/store.js';
import { classifyDeploymentLog } from '../checks/automation/classify.js';
import type { Config } from '../config.js';
import { type Clock, systemClock } from '../core/clock.js';
import type { Report } from '../core/finding.js';
import { type Db, openStore } from '../store/db.js';
import type { InventoryEvent } from './events.js';
import { describeSchedule } from './schedule.js';
import { EMPTY_INVENTORY } from './schema.js';
import { type CertificateView, InventoryStore } from './store.js';
import { createWebhookHandler, MAX_EVENT_BYTES, type WebhookHandler } from './webhook.js';

export const ACTION_RUN_PREFIX = 'automation_run';

export interface AutomationButton {
  label: string;
  actionId: string;
  value: string;
  confirm: { title: string; text: string; confirm: string; deny: string };
}

export interface InventoryContext {
  names: string[];
  bot?: string;
  connector?: string;
  renewalSchedule?: string;
  error?: string;
  recentChanges: string[];
}

export interface Automation {
  inventory: InventoryStore;
  actions: ActionService;
  webhook: WebhookHandler;
  /** What the automation check expects under ctx.services. */
  checkServices: Record<string, unknown>;
  /** true when the config file has an inventory. */
  configured: boolean;
  context(name: string): InventoryContext | undefined;
  buttons(report: Report, where: { teamId?: string; channelId?: string }): AutomationButton[];
}

/** inventoryName returns the inventory key of a report target: `*.name` stays, `:port` goes. */
export function inventoryName(target: string): string {
  return target.replace(/:\d+$/, '');
}

/** lastError returns the most recent failure the inventory knows for a certificate. */
function lastError(view: CertificateView): string | undefined {
  const failed = view.deployments
    .flatMap((d) => d.runs.filter((r) => r.result === 'failed').map((r) => ({ d: d.entry.id, r })))
    .sort((a, b) => Date.parse(b.r.finishedAt ?? b.r.startedAt) - Date.parse(a.r.finishedAt ?? a.r.startedAt))[0];
  const dep = failed
    ? `deployment ${failed.d} failed at ${failed.r.finishedAt ?? failed.r.startedAt}${
        failed.r.error ? `: ${failed.r.error}` : ''
      }${failed.r.log ? ` (${classifyDeploymentLog(failed.r.log)?.line ?? 'log attached'})` : ''}`
    : undefined;
  const ord = view.order?.error
    ? `order ${view.order.orderId ?? ''} ${view.order.status}: ${view.order.error}`
    : undefined;
  return dep ?? ord;
}

/** createAutomation builds the bundle; without an inventory in the config, an empty one. */
export function createAutomation(
  config: Config,
  db: Db,
  clock: Clock,
  trustAnchors: readonly string[] = [],
  /** Called after a webhook event was stored (proactive alerts). */
  onEvent?: (event: InventoryEvent) => void,
): Automation {
  const inventory = new InventoryStore(db, config.file.inventory ?? EMPTY_INVENTORY, clock);
  const actions = new ActionService(config.file.actions ?? [], inventory, new ActionStore(db, clock), trustAnchors);
  const webhook = createWebhookHandler({
    secret: config.webhookSecret,
    store: inventory,
    clock,
    ...(onEvent ? { onEvent } : {}),
  });
  return {
    inventory,
    actions,
    webhook,
    configured: config.file.inventory !== undefined,
    checkServices: { inventory, classifyLog: classifyDeploymentLog },
    context(name) {
      const view = inventory.view(inventoryName(name));
      if (!view) return undefined;
      const r = view.cert.renewal;
      const schedule = r
        ? [
            r.windowDays !== undefined ? `${r.windowDays} days before expiry` : undefined,
            r.windowFraction !== undefined ? `${Math.round(r.windowFraction * 100)}% of lifetime remaining` : undefined,
          ]
            .filter(Boolean)
            .join(' or ') + (r.schedule ? `, runs ${describeSchedule(r.schedule)}` : '')
        : undefined;
      const error = lastError(view);
      return {
        names: view.cert.names,
        ...(view.cert.bot ? { bot: `${view.cert.bot}${view.bot ? ` (${view.bot.status})` : ''}` } : {}),
        ...(view.connector ? { connector: `${view.connector.id} (${view.connector.ca})` } : {}),
        ...(schedule ? { renewalSchedule: schedule } : {}),
        ...(error ? { error } : {}),
        recentChanges: view.recent.map((e) => `${e.time} ${e.summary}`),
      };
    },
    buttons(report, where) {
      const name = inventoryName(report.target);
      return actions.offer(name, where).map((o, i) => ({
        label: o.label,
        actionId: `${ACTION_RUN_PREFIX}:${i}`,
        value: o.request.id,
        confirm: {
          title: o.label.slice(0, 100),
          text: `Run "${o.label}" for ${o.request.certificate}${o.request.deployment ? ` (deployment ${o.request.deployment})` : ''}? It calls the platform now; the result is posted in the thread.`,
          confirm: 'Run it',
          deny: 'Cancel',
        },
      }));
    },
  };
}

/** openAutomation opens the store at CERTMEDIC_DB for the CLI; close() closes it. */
export function openAutomation(config: Config): { automation: Automation; close(): void } {
  const db = openStore(config.dbPath);
  return { automation: createAutomation(config, db, systemClock), close: () => db.close() };
}

export { MAX_EVENT_BYTES };
