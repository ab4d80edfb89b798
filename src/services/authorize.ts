/**
 * Who may act on a stored report: checked on every click from stored state, never from what the
 * button carries. A click must come from the report's workspace and channel; when the config file
 * lists `slack.authorizedUsers`, only they and the person who asked may act.
 */
import type { StoredReport } from '../store/slack.js';

export interface Actor {
  userId: string;
  teamId?: string;
  channelId?: string;
}

/** refusalReason returns why the actor may not act on the report, or undefined when they may. */
export function refusalReason(
  stored: StoredReport,
  actor: Actor,
  authorizedUsers: readonly string[] | undefined,
): string | undefined {
  if (stored.teamId && actor.teamId && stored.teamId !== actor.teamId)
    return 'this report belongs to another workspace';
  if (stored.channelId && actor.channelId && stored.channelId !== actor.channelId)
    return 'this report belongs to another channel';
  if (authorizedUsers && authorizedUsers.length > 0) {
    if (actor.userId !== stored.requestedBy && !authorizedUsers.includes(actor.userId))
      return 'only the person who asked for this diagnosis and the users listed in slack.authorizedUsers may act on it';
  }
  return undefined;
}
