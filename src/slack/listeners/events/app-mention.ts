/** `@certmedic diagnose <name>` (and `@certmedic help`): the same as the slash command, in the thread. */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { CertmedicError } from '../../../core/errors.js';
import type { Services } from '../../../services/index.js';
import { noticeMessage, usageMessage } from '../../blocks/messages.js';
import { mentionCommand, parseDiagnoseArgs } from '../../parse-command.js';
import { startDiagnosis, tellUser } from '../../report-flow.js';
import { usageLines } from '../commands/index.js';

type Args = SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs;

/** Event ids handled lately (Slack retries within minutes: at once, after 1 and after 5 minutes). */
const seen = new Map<string, number>();
const SEEN_MS = 60 * 60 * 1000;

/**
 * firstDelivery tells whether an event is new. Slack redelivers (X-Slack-Retry-Num) an event it
 * thinks was not acknowledged, with the same event_id; a retry whose first delivery never reached
 * us (reason `connection_failed` while restarting) is still new and must run.
 */
export function firstDelivery(eventId: string | undefined, retryNum: number, now = Date.now()): boolean {
  if (!eventId) return retryNum === 0;
  for (const [id, at] of seen) {
    if (now - at < SEEN_MS && seen.size < 10_000) break;
    seen.delete(id);
  }
  if (seen.has(eventId)) return false;
  seen.set(eventId, now);
  return true;
}

export function appMention(services: Services) {
  return async ({ event, client, logger, body, context }: Args): Promise<void> => {
    try {
      const userId = event.user;
      if (!userId || !firstDelivery(body.event_id, context.retryNum ?? 0)) return;
      const deps = { services, client, logger };
      const threadTs = event.thread_ts ?? event.ts;
      const origin = { userId, channelId: event.channel, threadTs, ...(body.team_id ? { teamId: body.team_id } : {}) };
      const { subcommand, args } = mentionCommand(event.text, context.botUserId);
      if (subcommand !== 'diagnose') {
        const problem =
          subcommand === 'help' ? undefined : `Mention me with "diagnose <name>"; other commands are /cert ones.`;
        await tellUser(deps, origin, usageMessage(usageLines(), problem));
        return;
      }
      let req: ReturnType<typeof parseDiagnoseArgs>;
      try {
        req = parseDiagnoseArgs(args, services.config);
      } catch (err) {
        if (!(err instanceof CertmedicError)) throw err;
        await tellUser(deps, origin, usageMessage(usageLines(), err.message));
        return;
      }
      const { limit, windowMs } = services.rateLimit;
      const wait = services.slackStore.takeRateToken(userId, limit, windowMs);
      if (wait > 0) {
        await tellUser(
          deps,
          origin,
          noticeMessage(':hourglass:', `Too many diagnoses; try again in ${Math.ceil(wait / 1000)} s.`),
        );
        return;
      }
      await startDiagnosis(deps, origin, req, 'mention');
    } catch (error) {
      logger.error(error);
    }
  };
}
