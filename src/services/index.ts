/**
 * The services the Slack app (and the playground) call: built once at start from the config.
 * Listeners receive this bag; other modules add their services as optional members (inventory,
 * automation actions, alerts) so the app keeps working without them.
 */

import { classifyDeploymentLog } from '../checks/automation/classify.js';
import type { Config } from '../config.js';
import { type Clock, systemClock } from '../core/clock.js';
import type { Report } from '../core/finding.js';
import { type Automation, createAutomation } from '../inventory/service.js';
import { createMonitor, type Monitor } from '../monitor/service.js';
import { type Db, openStore } from '../store/db.js';
import { SlackStore } from '../store/slack.js';
import { DiagnosisService, type DiagnosisSettings, diagnosisSettings } from './diagnosis.js';
import type { EscalationContextProvider } from './escalation.js';

/** A button another module adds under a report (value: a short id only, action_id its own). */
export interface ExtraButton {
  label: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface Services {
  config: Config;
  clock: Clock;
  db: Db;
  slackStore: SlackStore;
  diagnosis: DiagnosisService;
  /** Per-user diagnosis rate limit (Retry counts too). */
  rateLimit: RateLimit;
  /** Inventory: bot, connector, renewal schedule of a name, for Escalate (issue 8). */
  escalationContext?: EscalationContextProvider;
  /** Automation buttons a report gets when the inventory allows them (issue 8). */
  reportButtons?: (report: Report, reportId: string) => ExtraButton[];
  /** Inventory, webhook events and retry actions (issue 8). */
  automation?: Automation;
  /** Proactive alerts: watchlist, scheduler, alert state, Slack outbox (issue 9; started by main.ts). */
  monitor?: Monitor;
  /** Extra App Home sections (alerts, watched names; issue 9). */
  homeSections?: (teamId: string | undefined) => Promise<{ title: string; lines: string[] }[]>;
}

export interface ServiceOptions {
  db?: Db;
  clock?: Clock;
  /** Overrides of the diagnosis settings (tests and the playground: resolver, port map). */
  diagnosis?: Partial<DiagnosisSettings>;
}

/** createServices opens the store and builds the services from the config. */
export function createServices(config: Config, options: ServiceOptions = {}): Services {
  const clock = options.clock ?? systemClock;
  const db = options.db ?? openStore(config.dbPath);
  const limit = config.file.slack?.rateLimit;
  const settings = diagnosisSettings(config, { clock, ...options.diagnosis });
  const slackStore = new SlackStore(db, clock);
  let monitor: Monitor | undefined;
  const automation = createAutomation(config, db, clock, settings.trustAnchors, (e) => monitor?.onInventoryEvent(e));
  monitor = createMonitor({
    config,
    db,
    clock,
    slackStore,
    inventory: automation.inventory,
    ...(automation.configured ? { automationServices: automation.checkServices } : {}),
    classifyLog: classifyDeploymentLog,
  });
  return {
    config,
    clock,
    db,
    slackStore,
    diagnosis: new DiagnosisService(
      automation.configured
        ? { ...settings, services: { ...automation.checkServices, ...settings.services } }
        : settings,
    ),
    rateLimit: { limit: limit?.diagnoses ?? 10, windowMs: (limit?.windowSeconds ?? 300) * 1000 },
    automation,
    monitor,
    homeSections: async () => monitor?.homeSections() ?? [],
    ...(automation.configured
      ? {
          escalationContext: async (name: string) => automation.context(name),
          reportButtons: (report: Report, reportId: string) => {
            const stored = slackStore.get(reportId);
            return automation.buttons(report, {
              ...(stored?.teamId ? { teamId: stored.teamId } : {}),
              ...(stored?.channelId ? { channelId: stored.channelId } : {}),
            });
          },
        }
      : {}),
  };
}
