/** `/cert help`: the ephemeral usage message. */
import { usageMessage } from '../../blocks/messages.js';
import type { Subcommand } from './types.js';

export const helpSubcommand: Subcommand = {
  name: 'help',
  usage: [{ syntax: '/cert help', summary: 'this message' }],
  async handle({ ack, logger }, { usage }) {
    try {
      await ack({ response_type: 'ephemeral', ...usageMessage(usage) });
    } catch (error) {
      logger.error(error);
    }
  },
};
