/** Snooze on an alert (1 day, 1 week, until renewed): checked against stored state, then the message is updated. */
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, StaticSelectAction } from '@slack/bolt';
import type { SnoozeChoice } from '../../../monitor/alerts.js';
import type { Services } from '../../../services/index.js';
import { alertClick } from './alert-guard.js';

type Args = SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>> & AllMiddlewareArgs;

const CHOICES: readonly SnoozeChoice[] = ['1d', '1w', 'renewed'];

export function alertSnoozeAction(services: Services) {
  return async ({ ack, body, action, client, logger }: Args): Promise<void> => {
    try {
      await ack();
      const [id = '', choice = ''] = String(action.selected_option?.value ?? '').split(':');
      if (!CHOICES.includes(choice as SnoozeChoice)) return;
      const click = await alertClick(services, body, id, client);
      if (!click) return;
      click.monitor.snooze(click.id, choice as SnoozeChoice, body.user.id);
    } catch (error) {
      logger.error(error);
    }
  };
}
