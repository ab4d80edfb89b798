/** `/cert diagnose <name> [options]`: validate, rate-limit, ack, then post and update the report. */
import { CertmedicError } from '../../../core/errors.js';
import { noticeMessage, usageMessage } from '../../blocks/messages.js';
import { parseDiagnoseArgs } from '../../parse-command.js';
import { startDiagnosis } from '../../report-flow.js';
import type { Subcommand } from './types.js';

export const diagnoseSubcommand: Subcommand = {
  name: 'diagnose',
  usage: [
    {
      syntax:
        '/cert diagnose <name>[:port] [--ca <ca>] [--method http-01|dns-01|tls-alpn-01|none] [--wildcard] [--account-uri <uri>]',
      summary: 'DNS, CAA, validation and the served certificate of one name, posted here with Retry and Escalate',
    },
    {
      syntax:
        '/cert diagnose <name> --http-token <t> --key-authorization <v> | --file-path <p> --file-content <v> | --txt <v> | --expect-serial <hex> | --expect-sha256 <hex>',
      summary: 'also check a challenge response or which certificate is deployed',
    },
  ],
  async handle({ ack, command, client, logger, respond }, { services, args, usage }) {
    try {
      let req: ReturnType<typeof parseDiagnoseArgs>;
      try {
        req = parseDiagnoseArgs(args, services.config);
      } catch (err) {
        if (!(err instanceof CertmedicError)) throw err;
        await ack({ response_type: 'ephemeral', ...usageMessage(usage, err.message) });
        return;
      }
      const { limit, windowMs } = services.rateLimit;
      const wait = services.slackStore.takeRateToken(command.user_id, limit, windowMs);
      if (wait > 0) {
        await ack({
          response_type: 'ephemeral',
          ...noticeMessage(
            ':hourglass:',
            `You asked for ${limit} diagnoses recently; try again in ${Math.ceil(wait / 1000)} s.`,
          ),
        });
        return;
      }
      await ack();
      await startDiagnosis(
        { services, client, logger },
        { userId: command.user_id, teamId: command.team_id, channelId: command.channel_id, respond },
        req,
        'command',
      );
    } catch (error) {
      logger.error(error);
    }
  },
};
