/** `@certmedic diagnose <name>` (and `@certmedic help`): the same as the slash command, in the thread. */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { CertmedicError } from '../../../core/errors.js';
import type { Services } from '../../../services/index.js';
import { noticeMessage, usageMessage } from '../../blocks/messages.js';
import { mentionCommand, parseDiagnoseArgs } from '../../parse-command.js';
import { startDiagnosis, tellUser } from '../../report-flow.js';
import { usageLines } from '../commands/index.js';

type Args = SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs;

export function appMention(services: Services) {
  return async ({ event, client, logger, body, context }: Args): Promise<void> => {
    try {
      const userId = event.user;
      // Slack redelivers an event it thinks was not acknowledged; the first delivery is already running.
      if (!userId || (context.retryNum ?? 0) > 0) return;
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
