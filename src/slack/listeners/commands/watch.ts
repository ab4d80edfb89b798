/** `/cert watch <name>[:port]` and `/cert unwatch <name>[:port]`: the store's part of the watchlist. */
import { CertmedicError } from '../../../core/errors.js';
import { parseTarget } from '../../../core/names.js';
import { noticeMessage, usageMessage } from '../../blocks/messages.js';
import type { CommandArgs, Subcommand, SubcommandContext } from './types.js';

/** parseWatchArgs returns the name and port of `/cert watch|unwatch <name>[:port]`, or throws a usage error. */
function parseWatchArgs(args: string[], verb: string): { name: string; port: number } {
  if (args.length !== 1) throw new CertmedicError('usage', `/cert ${verb} takes one name, optionally with :port`);
  const t = parseTarget(args[0]!);
  if (t.wildcard) throw new CertmedicError('usage', 'watch a host name that serves the certificate, not a wildcard');
  return { name: t.name, port: t.port ?? 443 };
}

function handler(verb: 'watch' | 'unwatch') {
  return async ({ ack, command, logger }: CommandArgs, { services, args, usage }: SubcommandContext): Promise<void> => {
    try {
      const monitor = services.monitor;
      if (!monitor) {
        await ack({
          response_type: 'ephemeral',
          ...noticeMessage(':no_entry:', 'Alerts are not enabled on this bot.'),
        });
        return;
      }
      let target: { name: string; port: number };
      try {
        target = parseWatchArgs(args, verb);
      } catch (err) {
        if (!(err instanceof CertmedicError)) throw err;
        await ack({ response_type: 'ephemeral', ...usageMessage(usage, err.message) });
        return;
      }
      const label = `${target.name}:${target.port}`;
      if (verb === 'watch') {
        const added = monitor.watch(target.name, target.port, command.channel_id, command.user_id);
        await ack({
          response_type: 'ephemeral',
          ...noticeMessage(
            ':eyes:',
            added ? `Watching ${label}; its alerts come to this channel.` : `${label} is already watched from chat.`,
          ),
        });
      } else {
        const removed = monitor.unwatch(target.name, target.port);
        await ack({
          response_type: 'ephemeral',
          ...noticeMessage(
            removed ? ':wave:' : ':shrug:',
            removed
              ? `Stopped watching ${label} (entries from the config file or the inventory stay).`
              : `${label} was not watched from chat.`,
          ),
        });
      }
    } catch (error) {
      logger.error(error);
    }
  };
}

export const watchSubcommand: Subcommand = {
  name: 'watch',
  usage: [{ syntax: '/cert watch <name>[:port]', summary: 'scan this name periodically and alert in this channel' }],
  handle: handler('watch'),
};

export const unwatchSubcommand: Subcommand = {
  name: 'unwatch',
  usage: [{ syntax: '/cert unwatch <name>[:port]', summary: 'stop watching a name added with /cert watch' }],
  handle: handler('unwatch'),
};
