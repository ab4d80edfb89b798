/** Modal submissions: callback_id -> callback. Issue 7 adds the CSR and log modals here. */
import type { App } from '@slack/bolt';
import type { Services } from '../../../services/index.js';
import { ESCALATE_VIEW } from '../../blocks/escalation.js';
import { escalateSubmit } from './escalate-submit.js';

export function registerViews(app: App, services: Services): void {
  app.view(ESCALATE_VIEW, escalateSubmit(services));
}
