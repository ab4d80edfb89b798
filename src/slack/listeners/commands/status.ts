/** `/cert status <name>`: the certificate's automation chain from the inventory, with retry buttons. */
import { CertmedicError } from '../../../core/errors.js';
import { normalizeHostname } from '../../../core/names.js';
import { statusMessage } from '../../blocks/automation.js';
import { noticeMessage, usageMessage } from '../../blocks/messages.js';
import type { Subcommand } from './types.js';

export const statusSubcommand: Subcommand = {
  name: 'status',
  usage: [
    {
      syntax: '/cert status <name>',
      summary: 'the automation chain of a certificate in the inventory (bot → connector → order → deployment)',
    },
  ],
  async handle({ ack, command, client, logger, respond }, { services, args, usage }) {
    try {
      let name: string;
      try {
        if (args.length !== 1) throw new CertmedicError('usage', 'give exactly one name');
        const raw = args[0]!;
        const wildcard = raw.startsWith('*.');
        name = `${wildcard ? '*.' : ''}${normalizeHostname(wildcard ? raw.slice(2) : raw)}`;
      } catch (err) {
        if (!(err instanceof CertmedicError)) throw err;
        await ack({ response_type: 'ephemeral', ...usageMessage(usage, err.message) });
        return;
      }
      const automation = services.automation;
      const cert = automation?.inventory.findCertificate(name);
      if (!automation?.configured || !cert) {
        await ack({
          response_type: 'ephemeral',
          ...noticeMessage(
            ':grey_question:',
            `${name} is not in the inventory (the \`inventory:\` key of the config file).`,
          ),
        });
        return;
      }
      const { limit, windowMs } = services.rateLimit;
      const wait = services.slackStore.takeRateToken(command.user_id, limit, windowMs);
      if (wait > 0) {
        await ack({
          response_type: 'ephemeral',
          ...noticeMessage(':hourglass:', `Too many requests; try again in ${Math.ceil(wait / 1000)} s.`),
        });
        return;
      }
      await ack();
      const base = name.replace(/^\*\./, '');
      const report = await services.diagnosis.run({
        name: base,
        wildcard: name.startsWith('*.'),
        method: 'none',
        only: ['automation'],
      });
      const buttons = automation.buttons(report, { teamId: command.team_id, channelId: command.channel_id });
      const msg = statusMessage(report, buttons);
      try {
        await client.chat.postMessage({ channel: command.channel_id, ...msg });
      } catch (err) {
        logger.warn(`status: chat.postMessage failed, answering through response_url: ${String(err)}`);
        await respond({ response_type: 'in_channel', ...msg });
      }
    } catch (error) {
      logger.error(error);
    }
  },
};
