/**
 * The `automation` check: the certificate-platform runbook for a name that is in the inventory —
 * bot, CA connector, deployments, renewal — run from stored state plus live probes of the
 * connector endpoint and the deployment targets. It gets the inventory through
 * `ctx.services.inventory` and is skipped, with a reason, for names the inventory does not hold.
 */
import type { Finding } from '../../core/finding.js';
import type { CertificateView, InventoryStore } from '../../inventory/store.js';
import type { Check, DiagnoseRequest, ScanContext } from '../context.js';
import { botFindings } from './bot.js';
import { connectorConfigFindings, probeConnector } from './connector.js';
import { configFindings, type LogClassifier, probeFindings, runFindings } from './deployment.js';
import { renewalFindings } from './renewal.js';

/** AutomationServices is what the check expects under `ctx.services`. */
export interface AutomationServices {
  inventory: InventoryStore;
  /** Classifies a failed deployment's log (src/checks/automation/logs.ts). */
  classifyLog?: LogClassifier;
}

function services(ctx: Pick<ScanContext, 'services'>): AutomationServices | undefined {
  const inv = ctx.services?.['inventory'] as InventoryStore | undefined;
  if (!inv) return undefined;
  const classifyLog = ctx.services?.['classifyLog'] as LogClassifier | undefined;
  return { inventory: inv, ...(classifyLog ? { classifyLog } : {}) };
}

/** lookupName returns the inventory key of a request: `*.name` for wildcard certificates. */
function lookupName(req: Pick<DiagnoseRequest, 'name' | 'wildcard'>): string {
  return req.wildcard ? `*.${req.name}` : req.name;
}

export type LinkName = 'bot' | 'connector' | 'order' | 'deployment' | 'renewal';
export interface ChainLink {
  link: LinkName;
  /** The bot, connector, order or deployment id(s). */
  name: string;
  state: 'ok' | 'failing' | 'warning' | 'unknown';
  codes: string[];
}

const LINK_OF: Record<string, LinkName> = {
  bot: 'bot',
  connector: 'connector',
  deploy: 'deployment',
  renewal: 'renewal',
};

/**
 * automationChain returns the chain bot -> connector -> order -> deployment (-> renewal) with each
 * link's state from the findings: `failing` on a critical finding, `warning` on a warning.
 */
export function automationChain(view: CertificateView, findings: readonly Finding[]): ChainLink[] {
  const links: { link: LinkName; name: string; known: boolean }[] = [
    { link: 'bot', name: view.cert.bot ?? '(none)', known: !!view.bot },
    { link: 'connector', name: view.cert.connector ?? '(none)', known: !!view.connector },
    {
      link: 'order',
      name: view.order ? `${view.order.orderId ?? 'order'}: ${view.order.status}` : '(no order seen)',
      known: !!view.order,
    },
    {
      link: 'deployment',
      name: view.deployments.map((d) => d.entry.id).join(', ') || '(none)',
      known: view.deployments.length > 0,
    },
    { link: 'renewal', name: view.renewal?.scheduledFor ?? 'policy', known: !!view.cert.renewal },
  ];
  return links.map(({ link, name, known }) => {
    const mine = findings.filter(
      (f) =>
        LINK_OF[f.code.split('.')[0]!] === link ||
        (link === 'order' && view.order?.status === 'invalid' && f.code === 'renewal.not_triggered'),
    );
    const orderFailing = link === 'order' && (view.order?.status === 'invalid' || view.order?.status === 'expired');
    const state: ChainLink['state'] =
      orderFailing || mine.some((f) => f.severity === 'critical')
        ? 'failing'
        : mine.some((f) => f.severity === 'warning')
          ? 'warning'
          : known
            ? 'ok'
            : 'unknown';
    return { link, name, state, codes: mine.map((f) => f.code) };
  });
}

export const automationCheck: Check = {
  name: 'automation',
  skipReason(req, ctx) {
    const s = services(ctx);
    if (!s) return 'no inventory is configured';
    if (!s.inventory.findCertificate(lookupName(req))) return `${lookupName(req)} is not in the inventory`;
    return undefined;
  },
  async run(ctx) {
    const s = services(ctx)!;
    const view = s.inventory.view(lookupName(ctx.req))!;
    const now = ctx.clock.now();
    const local = [
      ...botFindings(view, now),
      ...connectorConfigFindings(view, now),
      ...configFindings(view),
      ...runFindings(view, now, s.classifyLog),
      ...renewalFindings(view, now),
    ];
    const [connector, deployments] = await Promise.all([
      view.connector ? probeConnector(ctx, view.connector) : Promise.resolve([]),
      probeFindings(ctx, view),
    ]);
    const findings = [...local, ...connector, ...deployments];
    ctx.facts['automation'] = {
      certificate: view.cert.id,
      names: view.cert.names,
      chain: automationChain(view, findings),
      ...(view.issued ? { issued: view.issued } : {}),
      ...(view.order ? { order: view.order } : {}),
    };
    return findings;
  },
};
