/** Modal submissions: callback_id -> callback (escalation, and the CSR and log paste modals). */
import type { App } from '@slack/bolt';
import type { Services } from '../../../services/index.js';
import { ESCALATE_VIEW } from '../../blocks/escalation.js';
import { CSR_VIEW, LOG_VIEW } from '../../blocks/paste.js';
import { escalateSubmit } from './escalate-submit.js';
import { csrSubmit, logSubmit } from './paste.js';

export function registerViews(app: App, services: Services): void {
  app.view(ESCALATE_VIEW, escalateSubmit(services));
  app.view(CSR_VIEW, csrSubmit(services));
  app.view(LOG_VIEW, logSubmit(services));
}
