/**
 * Retry actions as a service: which configured actions a certificate offers (only those whose
 * templates can be filled from its inventory entry), and running one on a click — authorized
 * from stored state (the request, the action's allowed users and user groups), run through its
 * adapter, and audited whatever happens (refusals included).
 */
import { errorMessage } from '../core/errors.js';
import { actionRunsTotal } from '../inventory/metrics.js';
import type { InventoryStore } from '../inventory/store.js';
import { runAdapter } from './adapters.js';
import { ACTION_LABELS, type ActionConfig } from './schema.js';
import type { ActionRequest, ActionStore, Outcome } from './store.js';
import { fieldsOf, missingFields, templateTexts } from './template.js';

/** GroupsOf returns which of `groups` (Slack user group ids) the user belongs to. */
export type GroupsOf = (userId: string, groups: readonly string[]) => Promise<string[]>;

export interface Actor {
  userId: string;
  teamId?: string;
  channelId?: string;
}

export interface Offer {
  request: ActionRequest;
  label: string;
  action: ActionConfig;
}

export interface RunResult {
  outcome: Outcome;
  /** One line for the thread. */
  text: string;
  /** The adapter's output (capped), for the thread. */
  output?: string;
  request?: ActionRequest;
  action?: ActionConfig;
}

const usesDeployment = (a: ActionConfig) =>
  templateTexts({ ...(a.http ?? {}), ...(a.command ?? {}) }).some((t) => t.includes('deployment.'));

export class ActionService {
  private readonly running = new Set<string>();

  constructor(
    readonly actions: readonly ActionConfig[],
    private readonly inventory: InventoryStore,
    readonly store: ActionStore,
    private readonly trustAnchors: readonly string[] = [],
  ) {}

  /** available returns the actions (and deployment, for per-deployment ones) a certificate can run. */
  available(nameOrId: string): { action: ActionConfig; deployment?: string; label: string }[] {
    const view = this.inventory.view(nameOrId);
    if (!view) return [];
    const out: { action: ActionConfig; deployment?: string; label: string }[] = [];
    for (const a of this.actions) {
      if (a.certificates && !a.certificates.includes(view.cert.id)) continue;
      const texts = templateTexts({ ...(a.http ?? {}), ...(a.command ?? {}) });
      const label = a.label ?? ACTION_LABELS[a.kind];
      const perDeployment = usesDeployment(a) ? view.deployments.map((d) => d.entry.id) : [undefined];
      for (const dep of perDeployment) {
        if (missingFields(texts, fieldsOf(view, dep)).length > 0) continue;
        out.push({
          action: a,
          ...(dep ? { deployment: dep } : {}),
          label: dep && perDeployment.length > 1 ? `${label}: ${dep}` : label,
        });
      }
    }
    return out;
  }

  /** offer stores one request per available action and returns them (for buttons). */
  offer(nameOrId: string, where: { teamId?: string; channelId?: string; threadTs?: string } = {}): Offer[] {
    const view = this.inventory.view(nameOrId);
    if (!view) return [];
    return this.available(nameOrId).map(({ action, deployment, label }) => ({
      action,
      label,
      request: this.store.createRequest({
        action: action.id,
        certificate: view.cert.id,
        ...(deployment ? { deployment } : {}),
        ...where,
      }),
    }));
  }

  /** refusal returns why the actor may not run the request's action, or undefined. */
  async refusal(
    req: ActionRequest,
    action: ActionConfig,
    actor: Actor,
    groupsOf?: GroupsOf,
  ): Promise<string | undefined> {
    if (req.teamId && actor.teamId && req.teamId !== actor.teamId) return 'this action belongs to another workspace';
    if (req.channelId && actor.channelId && req.channelId !== actor.channelId)
      return 'this action belongs to another channel';
    if (action.allow.users.includes(actor.userId)) return undefined;
    if (action.allow.groups.length > 0 && groupsOf) {
      try {
        if ((await groupsOf(actor.userId, action.allow.groups)).length > 0) return undefined;
      } catch (err) {
        return `user group membership could not be checked (${errorMessage(err)})`;
      }
    }
    return `you are not allowed to run "${action.label ?? ACTION_LABELS[action.kind]}" (ask an admin to add you to actions.${action.id}.allow)`;
  }

  /** execute runs a stored request for the actor: authorize, run, audit. It never throws. */
  async execute(requestId: string, actor: Actor, groupsOf?: GroupsOf): Promise<RunResult> {
    const started = this.store.iso();
    const req = this.store.request(requestId);
    const action = req ? this.actions.find((a) => a.id === req.action) : undefined;
    const audit = (outcome: Outcome, detail: string) => {
      actionRunsTotal.inc({ kind: action?.kind ?? 'unknown', outcome });
      this.store.audit({
        ...(req ? { requestId: req.id } : {}),
        action: req?.action ?? '(unknown)',
        certificate: req?.certificate ?? '(unknown)',
        ...(req?.deployment ? { deployment: req.deployment } : {}),
        userId: actor.userId,
        outcome,
        detail,
        startedAt: started,
        finishedAt: this.store.iso(),
      });
    };
    if (!req || !action) {
      const text = req ? `action ${req.action} is no longer configured` : 'unknown or expired action';
      audit('refused', text);
      return { outcome: 'refused', text };
    }
    const refused = await this.refusal(req, action, actor, groupsOf);
    if (refused) {
      audit('refused', refused);
      return { outcome: 'refused', text: refused, request: req, action };
    }
    const view = this.inventory.view(req.certificate);
    if (!view) {
      audit('error', `certificate ${req.certificate} is no longer in the inventory`);
      return {
        outcome: 'error',
        text: `certificate ${req.certificate} is no longer in the inventory`,
        request: req,
        action,
      };
    }
    const key = `${action.id}|${req.certificate}|${req.deployment ?? ''}`;
    if (this.running.has(key)) {
      audit('refused', 'the same action is already running');
      return { outcome: 'refused', text: 'the same action is already running', request: req, action };
    }
    this.running.add(key);
    try {
      const res = await runAdapter(action, fieldsOf(view, req.deployment), this.trustAnchors);
      const outcome: Outcome = res.ok ? 'succeeded' : 'failed';
      audit(outcome, res.summary);
      return { outcome, text: res.summary, output: res.output, request: req, action };
    } catch (err) {
      audit('error', errorMessage(err));
      return { outcome: 'error', text: errorMessage(err), request: req, action };
    } finally {
      this.running.delete(key);
    }
  }
}
