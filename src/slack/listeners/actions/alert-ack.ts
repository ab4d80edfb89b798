/** Acknowledge on an alert: record who acknowledged it (checked against stored state) and update the message. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../../services/index.js';
import { alertClick } from './alert-guard.js';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export function alertAckAction(services: Services) {
  return async ({ ack, body, action, client, logger }: Args): Promise<void> => {
    try {
      await ack();
      const click = await alertClick(services, body, String(action.value ?? ''), client);
      if (!click) return;
      click.monitor.acknowledge(click.id, body.user.id);
    } catch (error) {
      logger.error(error);
    }
  };
}
