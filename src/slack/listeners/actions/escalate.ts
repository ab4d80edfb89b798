/** Escalate: open the modal prefilled with the escalation summary (inventory context when known). */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { errorMessage } from '../../../core/errors.js';
import { buildEscalation } from '../../../services/escalation.js';
import type { Services } from '../../../services/index.js';
import { escalationModal } from '../../blocks/escalation.js';
import { noticeMessage } from '../../blocks/messages.js';
import { slackErrorCode, tellUser } from '../../report-flow.js';
import { checkClick, originOf } from './guard.js';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** EscalationMetadata is what the modal carries in private_metadata (ids only). */
export interface EscalationMetadata {
  id: string;
  channel: string;
}

export function escalateAction(services: Services) {
  return async ({ ack, body, action, client, logger, respond }: Args): Promise<void> => {
    try {
      await ack();
      const checked = checkClick(services, body, action);
      const origin = originOf(body, respond, checked.stored?.channelId);
      if (checked.refusal !== undefined) {
        await tellUser({ services, client, logger }, origin, noticeMessage(':no_entry:', checked.refusal));
        return;
      }
      const { stored } = checked;
      const context = await services.escalationContext?.(stored.request.name);
      const summary = buildEscalation(stored.id, stored.report!, context);
      const metadata: EscalationMetadata = { id: stored.id, channel: origin.channelId };
      try {
        await client.views.open({
          trigger_id: body.trigger_id,
          view: escalationModal(summary, JSON.stringify(metadata)) as never,
        });
      } catch (err) {
        // expired_trigger_id (the click is over 3 s old by now), a modal already open, ...: say so.
        logger.error(`views.open for escalating ${stored.id} failed: ${errorMessage(err)}`);
        await tellUser(
          { services, client, logger },
          origin,
          noticeMessage(
            ':x:',
            `I could not open the escalation form (${slackErrorCode(err) ?? errorMessage(err)}). Click Escalate again.`,
          ),
        );
      }
    } catch (error) {
      logger.error(error);
    }
  };
}
