/** The shape of a `/cert` subcommand: other modules add theirs to SUBCOMMANDS (commands/index.ts). */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../../services/index.js';
import type { UsageLine } from '../../blocks/messages.js';

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export interface SubcommandContext {
  services: Services;
  /** The words after the subcommand (Slack formatting undone, quotes kept together). */
  args: string[];
  /** Every subcommand's usage, for help and error messages. */
  usage: UsageLine[];
}

export interface Subcommand {
  name: string;
  usage: UsageLine[];
  /** handle must ack (within 3 s, before any slow work) and never throw. */
  handle(args: CommandArgs, ctx: SubcommandContext): Promise<void>;
}
