/** Retry: re-run the stored diagnosis and update the same message, marking what changed. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../../services/index.js';
import { noticeMessage } from '../../blocks/messages.js';
import { retryDiagnosis, tellUser } from '../../report-flow.js';
import { checkClick, originOf } from './guard.js';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export function retryAction(services: Services) {
  return async ({ ack, body, action, client, logger, respond }: Args): Promise<void> => {
    try {
      await ack();
      const deps = { services, client, logger };
      const checked = checkClick(services, body, action);
      const origin = originOf(body, respond, checked.stored?.channelId);
      if (checked.refusal !== undefined) {
        await tellUser(deps, origin, noticeMessage(':no_entry:', checked.refusal));
        return;
      }
      const { limit, windowMs } = services.rateLimit;
      const wait = services.slackStore.takeRateToken(origin.userId, limit, windowMs);
      if (wait > 0) {
        await tellUser(
          deps,
          origin,
          noticeMessage(':hourglass:', `Too many diagnoses; try again in ${Math.ceil(wait / 1000)} s.`),
        );
        return;
      }
      if (!services.slackStore.claimRun(checked.stored.id)) {
        await tellUser(
          deps,
          origin,
          noticeMessage(':hourglass_flowing_sand:', 'This report is already being re-checked.'),
        );
        return;
      }
      await retryDiagnosis(deps, checked.stored, origin);
    } catch (error) {
      logger.error(error);
    }
  };
}
