/**
 * Block Kit for certificate automation: `/cert status <name>` (the chain bot -> connector ->
 * order -> deployment -> renewal with the failing link highlighted, the findings of each link, and
 * the retry buttons), and the result of a retry action posted in the report's thread. Pure
 * functions; all outside text is escaped, limits enforced by the builders.
 */
import type { ChainLink } from '../../checks/automation/index.js';
import type { Report } from '../../core/finding.js';
import type { AutomationButton } from '../../inventory/service.js';
import { escapeCode, escapeMrkdwn, plainText } from '../escape.js';
import { actions, type Block, context, header, LIMITS, type MessagePayload, section, truncate } from './limits.js';

const LINK_EMOJI: Record<ChainLink['state'], string> = {
  ok: ':white_check_mark:',
  warning: ':warning:',
  failing: ':x:',
  unknown: ':grey_question:',
};

/** chainLine returns `✅ bot bot-1 → ❌ *connector le-prod* → ...`: failing links in bold. */
export function chainLine(chain: readonly ChainLink[]): string {
  return chain
    .map((l) => {
      const text = `${l.link} ${escapeMrkdwn(l.name)}`;
      return `${LINK_EMOJI[l.state]} ${l.state === 'failing' ? `*${text}*` : text}`;
    })
    .join('  →  ');
}

/** statusMessage renders the automation view of one certificate from an automation-only Report. */
export function statusMessage(report: Report, buttons: AutomationButton[] = []): MessagePayload {
  const facts = report.facts['automation'] as
    | {
        certificate: string;
        names: string[];
        chain: ChainLink[];
        order?: { status: string; orderId?: string; error?: string; at: string };
      }
    | undefined;
  const run = report.checks.find((c) => c.name === 'automation');
  if (!facts || !run || run.state !== 'ran') {
    const why = run?.reason ?? 'the automation check did not run';
    return {
      text: `No automation status for ${plainText(report.target)}: ${why}`,
      blocks: [
        section(`:grey_question: No automation status for *${escapeMrkdwn(report.target)}*: ${escapeMrkdwn(why)}`),
      ],
    };
  }
  const failing = facts.chain.find((l) => l.state === 'failing') ?? facts.chain.find((l) => l.state === 'warning');
  const blocks: Block[] = [
    header(`Automation: ${plainText(facts.certificate)}`),
    section(`*${escapeMrkdwn(facts.names.join(', '))}*\n${chainLine(facts.chain)}`),
  ];
  if (failing) {
    blocks.push(section(`:point_right: The chain breaks at the *${failing.link}* (${escapeMrkdwn(failing.name)}).`));
  }
  if (facts.order && facts.chain.some((l) => l.link === 'order' && l.state === 'failing')) {
    const o = facts.order;
    blocks.push(
      section(
        `:x: *order*\n${escapeMrkdwn(`${o.orderId ?? 'the order'} is ${o.status} since ${o.at}${o.error ? `: ${truncate(o.error, 500)}` : ''}`)}`,
      ),
    );
  }
  const perLink = facts.chain.filter((l) => l.codes.length > 0);
  for (const link of perLink) {
    const lines = report.findings
      .filter((f) => link.codes.includes(f.code))
      .map(
        (f) =>
          `• \`${escapeCode(f.code)}\` ${escapeMrkdwn(truncate(f.detail, 400))}${f.fixes[0] ? `\n   _Fix:_ ${escapeMrkdwn(truncate(f.fixes[0], 300))}` : ''}`,
      );
    blocks.push(section(`${LINK_EMOJI[link.state]} *${link.link}*\n${lines.join('\n')}`));
    if (blocks.length >= LIMITS.messageBlocks - 3) break;
  }
  const other = report.findings.filter((f) => !facts.chain.some((l) => l.codes.includes(f.code)));
  if (other.length > 0) {
    blocks.push(
      section(other.map((f) => `• \`${escapeCode(f.code)}\` ${escapeMrkdwn(truncate(f.detail, 300))}`).join('\n')),
    );
  }
  if (perLink.length === 0 && other.length === 0) blocks.push(section(':white_check_mark: Every link looks healthy.'));
  blocks.push(context([`certificate ${escapeMrkdwn(facts.certificate)} · ${report.durationMs} ms`]));
  if (buttons.length > 0) blocks.push(actions('automation_actions', buttons));
  const broken = failing ? ` — breaks at the ${failing.link} (${failing.name})` : ' — healthy';
  return { text: truncate(`Automation of ${plainText(facts.certificate)}${broken}`, LIMITS.messageText), blocks };
}

const OUTCOME_EMOJI = { succeeded: ':white_check_mark:', failed: ':x:', error: ':x:', refused: ':no_entry:' } as const;

/** actionResultMessage renders the outcome of a retry action for the report's thread. */
export function actionResultMessage(r: {
  outcome: keyof typeof OUTCOME_EMOJI;
  label: string;
  certificate: string;
  deployment?: string;
  userId: string;
  summary: string;
  output?: string;
}): MessagePayload {
  const what = `${r.label} for ${r.certificate}${r.deployment ? ` (deployment ${r.deployment})` : ''}`;
  const blocks: Block[] = [
    section(
      `${OUTCOME_EMOJI[r.outcome]} *${escapeMrkdwn(what)}* by <@${escapeMrkdwn(r.userId)}>: ${r.outcome} — ${escapeMrkdwn(r.summary)}`,
    ),
  ];
  if (r.output) blocks.push(section(`\`\`\`${escapeCode(truncate(r.output, 2500))}\`\`\``));
  return { text: truncate(`${what}: ${r.outcome} (${r.summary})`, LIMITS.messageText), blocks };
}
