/** Button listeners: action_id -> callback. Add automation buttons here (issue 8). */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Services } from '../../../services/index.js';
import { ACTION_ESCALATE, ACTION_RETRY } from '../../blocks/report.js';
import { escalateAction } from './escalate.js';
import { retryAction } from './retry.js';

export function registerActions(app: App, services: Services): void {
  app.action<BlockAction<ButtonAction>>(ACTION_RETRY, retryAction(services));
  app.action<BlockAction<ButtonAction>>(ACTION_ESCALATE, escalateAction(services));
}
