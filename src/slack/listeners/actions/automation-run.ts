/**
 * A retry-action button (re-run deployment, renew, re-order, restart bot): the confirm dialog was
 * shown by Slack; here the click is authorized from stored state (the action request and the
 * action's allowed users and user groups), run, audited, and its result posted in the thread.
 * Refused clicks are answered privately (and audited by the action service).
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ACTION_LABELS } from '../../../actions/schema.js';
import type { GroupsOf } from '../../../actions/service.js';
import { errorMessage } from '../../../core/errors.js';
import type { Services } from '../../../services/index.js';
import { actionResultMessage } from '../../blocks/automation.js';
import { noticeMessage } from '../../blocks/messages.js';
import { tellUser } from '../../report-flow.js';
import { actorOf, originOf } from './guard.js';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export function automationRunAction(services: Services) {
  return async ({ ack, body, action, client, logger, respond }: Args): Promise<void> => {
    try {
      await ack();
      const deps = { services, client, logger };
      const origin = originOf(body, respond);
      const automation = services.automation;
      if (!automation) {
        await tellUser(deps, origin, noticeMessage(':no_entry:', 'Retry actions are not configured.'));
        return;
      }
      const groupsOf: GroupsOf = async (userId, groups) => {
        const member: string[] = [];
        for (const usergroup of groups) {
          const res = await client.usergroups.users.list({ usergroup });
          if (res.users?.includes(userId)) member.push(usergroup);
        }
        return member;
      };
      const result = await automation.actions.execute(String(action.value ?? ''), actorOf(body), groupsOf);
      if (result.outcome === 'refused' || !result.request || !result.action) {
        await tellUser(deps, origin, noticeMessage(':no_entry:', `Not run: ${result.text}.`));
        return;
      }
      const msg = actionResultMessage({
        outcome: result.outcome,
        label: result.action.label ?? ACTION_LABELS[result.action.kind],
        certificate: result.request.certificate,
        ...(result.request.deployment ? { deployment: result.request.deployment } : {}),
        userId: origin.userId,
        summary: result.text,
        ...(result.output ? { output: result.output } : {}),
      });
      const threadTs = body.message?.thread_ts ?? body.message?.ts ?? body.container?.message_ts;
      try {
        await client.chat.postMessage({
          channel: origin.channelId,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...msg,
        });
      } catch (err) {
        logger.warn(`could not post the action result in the thread: ${errorMessage(err)}`);
        await tellUser(deps, origin, msg);
      }
    } catch (error) {
      logger.error(error);
    }
  };
}
