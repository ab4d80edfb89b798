/** Button listeners: action_id -> callback. Add automation buttons here (issue 8). */
import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import { ACTION_RUN_PREFIX } from '../../../inventory/service.js';
import { ACTION_ACK, ACTION_SNOOZE } from '../../../monitor/alert-blocks.js';
import type { Services } from '../../../services/index.js';
import { ACTION_ESCALATE, ACTION_RETRY } from '../../blocks/report.js';
import { alertAckAction } from './alert-ack.js';
import { alertSnoozeAction } from './alert-snooze.js';
import { automationRunAction } from './automation-run.js';
import { escalateAction } from './escalate.js';
import { retryAction } from './retry.js';

export function registerActions(app: App, services: Services): void {
  app.action<BlockAction<ButtonAction>>(ACTION_RETRY, retryAction(services));
  app.action<BlockAction<ButtonAction>>(ACTION_ESCALATE, escalateAction(services));
  app.action<BlockAction<ButtonAction>>(new RegExp(`^${ACTION_RUN_PREFIX}:`), automationRunAction(services));
  app.action<BlockAction<ButtonAction>>(ACTION_ACK, alertAckAction(services));
  app.action<BlockAction<StaticSelectAction>>(ACTION_SNOOZE, alertSnoozeAction(services));
}
