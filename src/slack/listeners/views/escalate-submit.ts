/**
 * Escalation modal submitted: post the summary to the escalation channel (CERTMEDIC_ESCALATION_CHANNEL,
 * else the report's channel) with a plain-text copy in its thread, note it under the report, once
 * per submission (a double submit posts nothing more).
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { errorMessage } from '../../../core/errors.js';
import { refusalReason } from '../../../services/authorize.js';
import { buildEscalation } from '../../../services/escalation.js';
import type { Services } from '../../../services/index.js';
import { CHANGES_ACTION, CHANGES_BLOCK, escalationMessage, plainTextMessage } from '../../blocks/escalation.js';
import { noticeMessage } from '../../blocks/messages.js';
import { escapeMrkdwn } from '../../escape.js';
import { tellUser } from '../../report-flow.js';
import type { EscalationMetadata } from '../actions/escalate.js';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

function parseMetadata(text: string): EscalationMetadata | undefined {
  try {
    const m = JSON.parse(text) as Partial<EscalationMetadata>;
    return typeof m.id === 'string' && typeof m.channel === 'string' ? { id: m.id, channel: m.channel } : undefined;
  } catch {
    return undefined;
  }
}

export function escalateSubmit(services: Services) {
  return async ({ ack, body, view, client, logger }: Args): Promise<void> => {
    try {
      await ack();
      const meta = parseMetadata(view.private_metadata);
      const stored = meta ? services.slackStore.get(meta.id) : undefined;
      if (!meta || !stored?.report) return;
      const userId = body.user.id;
      const deps = { services, client, logger };
      const origin = { userId, channelId: meta.channel };
      const reason = refusalReason(
        stored,
        { userId, ...(body.team?.id ? { teamId: body.team.id } : {}), channelId: meta.channel },
        services.config.file.slack?.authorizedUsers,
      );
      if (reason) {
        await tellUser(deps, origin, noticeMessage(':no_entry:', `You can't escalate this report: ${reason}.`));
        return;
      }
      const changes = view.state.values[CHANGES_BLOCK]?.[CHANGES_ACTION]?.value ?? '';
      const channel = services.config.escalationChannel ?? meta.channel;
      if (
        !services.slackStore.recordEscalation({
          viewId: view.id,
          reportId: stored.id,
          userId,
          channelId: channel,
          changes,
        })
      )
        return;
      const summary = buildEscalation(
        stored.id,
        stored.report,
        await services.escalationContext?.(stored.request.name),
      );
      let ts: string | undefined;
      try {
        ts = (await client.chat.postMessage({ channel, ...escalationMessage(summary, changes, userId) })).ts;
      } catch (err) {
        logger.error(`escalation of ${stored.id} to ${channel} failed: ${errorMessage(err)}`);
        await tellUser(
          deps,
          origin,
          noticeMessage(':x:', `I could not post the escalation in ${channel}: ${errorMessage(err)}.`),
        );
        return;
      }
      if (!ts) return;
      services.slackStore.setEscalationMessage(view.id, ts);
      await client.chat.postMessage({ channel, thread_ts: ts, ...plainTextMessage(summary, changes, body.user.name) });
      if (stored.delivery === 'chat' && stored.messageTs && stored.channelId && channel !== stored.channelId) {
        await client.chat.postMessage({
          channel: stored.channelId,
          thread_ts: stored.messageTs,
          text: `Escalated to ${/^[CG][A-Z0-9]+$/.test(channel) ? `<#${channel}>` : escapeMrkdwn(channel)} by <@${userId}>.`,
        });
      }
    } catch (error) {
      logger.error(error);
    }
  };
}
