/** Small Slack messages: "Diagnosing …", usage/help, refusals and notices (ephemeral or not). */
import { escapeCode, escapeMrkdwn } from '../escape.js';
import { type Block, context, type MessagePayload, section } from './limits.js';

/** progressMessage returns the placeholder posted while a diagnosis runs. */
export function progressMessage(target: string, what = 'Diagnosing'): MessagePayload {
  const t = escapeMrkdwn(target);
  return {
    text: `${what} ${t} …`,
    blocks: [section(`:hourglass_flowing_sand: ${what} *${t}* …`)],
  };
}

/** UsageLine is one line of `/cert help`: the syntax and what it does. */
export interface UsageLine {
  syntax: string;
  summary: string;
}

/** usageMessage returns the friendly usage text, led by what was wrong (escaped) when given. */
export function usageMessage(lines: readonly UsageLine[], problem?: string): MessagePayload {
  const blocks: Block[] = [];
  if (problem) blocks.push(section(`:thinking_face: ${escapeMrkdwn(problem)}`));
  blocks.push(
    section(
      `*certmedic* diagnoses TLS certificate problems.\n${lines
        .map((l) => `• \`${escapeCode(l.syntax)}\` — ${escapeMrkdwn(l.summary)}`)
        .join('\n')}`,
    ),
  );
  blocks.push(
    context([
      'Example: `/cert diagnose shop.example.com --ca letsencrypt`. Resolvers, port maps and trust anchors are server settings.',
    ]),
  );
  return { text: problem ? `certmedic: ${escapeMrkdwn(problem)}` : 'certmedic usage', blocks };
}

/** noticeMessage returns a one-section message (refusals, rate limits, errors). */
export function noticeMessage(emoji: string, text: string): MessagePayload {
  const t = escapeMrkdwn(text);
  return { text: t, blocks: [section(`${emoji} ${t}`)] };
}
