/** App Home: recent diagnoses and open incidents (reports still warning or critical). */
import type { Status } from '../../core/finding.js';
import { escapeCode, escapeMrkdwn } from '../escape.js';
import { type Block, context, header, LIMITS, section } from './limits.js';
import { STATUS_EMOJI } from './report.js';

export interface HomeEntry {
  id: string;
  target: string;
  status: Status;
  /** Finding codes above info, worst first. */
  codes: string[];
  /** ISO time of the last run. */
  updatedAt: string;
  channelId?: string;
}

/** Extra sections other modules add to the Home tab (alerts, watched names, ...). */
export interface HomeSection {
  title: string;
  lines: string[];
}

function entryLine(e: HomeEntry): string {
  const when = e.updatedAt.replace('T', ' ').replace(/(:\d\d)(\.\d+)?Z$/, '$1 UTC');
  const codes = e.codes.slice(0, 3).map((c) => `\`${escapeCode(c)}\``);
  if (e.codes.length > 3) codes.push(`and ${e.codes.length - 3} more`);
  const where = e.channelId && /^[CGD][A-Z0-9]+$/.test(e.channelId) ? ` in <#${e.channelId}>` : '';
  return `${STATUS_EMOJI[e.status]} *${escapeMrkdwn(e.target)}*${codes.length ? ` ${codes.join(', ')}` : ''} · ${when}${where}`;
}

function listSection(title: string, lines: string[], empty: string): Block[] {
  const blocks: Block[] = [header(title)];
  if (lines.length === 0) return [...blocks, context([empty])];
  // Pack lines into sections of at most 3000 characters.
  let current: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (size + line.length + 1 > LIMITS.sectionText && current.length) {
      blocks.push(section(current.join('\n')));
      current = [];
      size = 0;
    }
    current.push(line);
    size += line.length + 1;
  }
  if (current.length) blocks.push(section(current.join('\n')));
  return blocks;
}

/** homeView returns the App Home tab (at most 100 blocks). */
export function homeView(recent: HomeEntry[], incidents: HomeEntry[], extra: HomeSection[] = []): Block {
  const blocks: Block[] = [
    section(
      '*certmedic* diagnoses TLS certificate problems. Try `/cert diagnose shop.example.com` in a channel, or `/cert help`.',
    ),
    ...listSection(
      `Open incidents (${incidents.length})`,
      incidents.map(entryLine),
      'No open incidents: every name diagnosed last was fine.',
    ),
    ...listSection('Recent diagnoses', recent.map(entryLine), 'No diagnoses yet.'),
    ...extra.flatMap((x) => listSection(x.title, x.lines, 'nothing yet')),
    context([`${recent.length} recent ${recent.length === 1 ? 'diagnosis' : 'diagnoses'} shown`]),
  ];
  return { type: 'home', blocks: blocks.slice(0, LIMITS.viewBlocks) };
}
