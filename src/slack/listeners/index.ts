/**
 * The registry of listeners: each kind maps ids to small callbacks in its own folder. Listeners
 * are thin (parse, call a service, render) and each is `try { await ack(); … } catch { log }`.
 */
import type { App } from '@slack/bolt';
import type { Services } from '../../services/index.js';
import { registerActions } from './actions/index.js';
import { registerCommands } from './commands/index.js';
import { registerEvents } from './events/index.js';
import { registerViews } from './views/index.js';

export function registerListeners(app: App, services: Services): void {
  registerCommands(app, services);
  registerActions(app, services);
  registerViews(app, services);
  registerEvents(app, services);
}
