/** Shared by report buttons: find the stored report a button's short id names, and check who clicked. */
import type { BlockAction, ButtonAction } from '@slack/bolt';
import { refusalReason } from '../../../services/authorize.js';
import type { Services } from '../../../services/index.js';
import type { StoredReport } from '../../../store/slack.js';
import type { Origin } from '../../report-flow.js';

export type Checked = { stored: StoredReport; refusal?: undefined } | { refusal: string; stored?: undefined };

/** actorOf returns who clicked, where. */
export function actorOf(body: BlockAction): { userId: string; teamId?: string; channelId?: string } {
  return {
    userId: body.user.id,
    ...(body.team?.id ? { teamId: body.team.id } : {}),
    ...(body.channel?.id ? { channelId: body.channel.id } : {}),
  };
}

/** checkClick loads the report named by the button and checks the clicker may act on it. */
export function checkClick(services: Services, body: BlockAction, action: ButtonAction): Checked {
  const stored = services.slackStore.get(String(action.value ?? ''));
  if (!stored) return { refusal: 'This report is no longer available; run /cert diagnose again.' };
  if (!stored.report) return { refusal: 'This diagnosis is still running; try again in a few seconds.' };
  const reason = refusalReason(stored, actorOf(body), services.config.file.slack?.authorizedUsers);
  return reason ? { refusal: `You can't act on this report: ${reason}.` } : { stored };
}

/** originOf returns the Origin of a click (for ephemeral answers and response_url updates). */
export function originOf(body: BlockAction, respond: Origin['respond'], fallbackChannel?: string): Origin {
  const actor = actorOf(body);
  return {
    userId: actor.userId,
    ...(actor.teamId ? { teamId: actor.teamId } : {}),
    channelId: actor.channelId ?? fallbackChannel ?? '',
    ...(respond && body.response_url ? { respond } : {}),
  };
}
