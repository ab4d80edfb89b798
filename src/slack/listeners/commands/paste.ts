/** `/cert csr` and `/cert log`: open the paste modal (ack first, then views.open with the trigger). */
import { errorMessage } from '../../../core/errors.js';
import { noticeMessage } from '../../blocks/messages.js';
import { csrModal, logModal, type PasteMetadata } from '../../blocks/paste.js';
import { tellUser } from '../../report-flow.js';
import type { CommandArgs, Subcommand, SubcommandContext } from './types.js';

/** openPasteModal acks the command and opens the modal; a failure is told to the user. */
async function openPasteModal(
  { ack, command, client, logger, respond }: CommandArgs,
  { services }: SubcommandContext,
  build: (meta: PasteMetadata) => unknown,
): Promise<void> {
  try {
    await ack();
    try {
      await client.views.open({
        trigger_id: command.trigger_id,
        view: build({ channel: command.channel_id }) as never,
      });
    } catch (err) {
      logger.error(`views.open for /cert ${command.text} failed: ${errorMessage(err)}`);
      await tellUser(
        { services, client, logger },
        { userId: command.user_id, channelId: command.channel_id, respond },
        noticeMessage(':x:', `I could not open the form: ${errorMessage(err)}. Try again.`),
      );
    }
  } catch (error) {
    logger.error(error);
  }
}

export const csrSubcommand: Subcommand = {
  name: 'csr',
  usage: [
    { syntax: '/cert csr', summary: 'paste a CSR: key, signature, names and subject checked the way public CAs do' },
  ],
  handle: (args, ctx) => openPasteModal(args, ctx, (meta) => csrModal(meta, ctx.services.config.file.defaults?.ca)),
};

export const logSubcommand: Subcommand = {
  name: 'log',
  usage: [
    { syntax: '/cert log', summary: 'paste a provisioning log: what went wrong, the lines that say so, the fix' },
  ],
  handle: (args, ctx) => openPasteModal(args, ctx, (meta) => logModal(meta)),
};
