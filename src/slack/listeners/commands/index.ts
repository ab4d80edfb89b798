/**
 * `/cert` and its subcommands. Add a subcommand by writing `commands/<name>.ts` exporting a
 * Subcommand and listing it in SUBCOMMANDS; help and usage messages pick it up.
 */
import type { App } from '@slack/bolt';
import type { Services } from '../../../services/index.js';
import { type UsageLine, usageMessage } from '../../blocks/messages.js';
import { listenerErrorsTotal } from '../../metrics.js';
import { parseCommandText } from '../../parse-command.js';
import { diagnoseSubcommand } from './diagnose.js';
import { helpSubcommand } from './help.js';
import { csrSubcommand, logSubcommand } from './paste.js';
import { statusSubcommand } from './status.js';
import type { CommandArgs, Subcommand } from './types.js';
import { unwatchSubcommand, watchSubcommand } from './watch.js';

export const SUBCOMMANDS: Subcommand[] = [
  diagnoseSubcommand,
  statusSubcommand,
  watchSubcommand,
  unwatchSubcommand,
  csrSubcommand,
  logSubcommand,
  helpSubcommand,
];

/** usageLines returns the usage of every registered subcommand, in registry order. */
export function usageLines(): UsageLine[] {
  return SUBCOMMANDS.flatMap((s) => s.usage);
}

/** certCommand dispatches `/cert <subcommand>`; an unknown one gets the usage message. */
export function certCommand(services: Services) {
  return async (args: CommandArgs): Promise<void> => {
    const { ack, command, logger } = args;
    try {
      const parsed = parseCommandText(command.text ?? '');
      const sub = SUBCOMMANDS.find((s) => s.name === parsed.subcommand);
      if (!sub) {
        await ack({
          response_type: 'ephemeral',
          ...usageMessage(usageLines(), `I don't know "${parsed.subcommand.slice(0, 40)}".`),
        });
        return;
      }
      await sub.handle(args, { services, args: parsed.args, usage: usageLines() });
    } catch (error) {
      listenerErrorsTotal.inc({ listener: 'command' });
      logger.error(error);
    }
  };
}

export function registerCommands(app: App, services: Services): void {
  app.command('/cert', certCommand(services));
}
