/**
 * `/cert csr` and `/cert log` modals submitted: run the lint or the classifier on the pasted text
 * and post the result in the channel or to the user only (ephemeral), as chosen in the modal.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { compileLogRules } from '../../../checks/automation/log-rules-schema.js';
import { classifyLogText } from '../../../checks/automation/logs.js';
import { lintCsr, type ValidationLevel } from '../../../checks/csr.js';
import { resolveCa } from '../../../core/cas.js';
import { errorMessage } from '../../../core/errors.js';
import type { Services } from '../../../services/index.js';
import type { MessagePayload } from '../../blocks/limits.js';
import {
  CA_ACTION,
  CA_BLOCK,
  csrResultMessage,
  csrTarget,
  DELIVERY_ACTION,
  DELIVERY_BLOCK,
  type Delivery,
  LEVEL_ACTION,
  LEVEL_BLOCK,
  logResultMessage,
  type PasteMetadata,
  TEXT_ACTION,
  TEXT_BLOCK,
} from '../../blocks/paste.js';
import { type FlowDeps, slackErrorCode, tellUser } from '../../report-flow.js';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type Values = Args['view']['state']['values'];

function parseMetadata(text: string): PasteMetadata | undefined {
  try {
    const m = JSON.parse(text) as Partial<PasteMetadata>;
    return typeof m.channel === 'string' && /^[CGD][A-Z0-9]+$/.test(m.channel) ? { channel: m.channel } : undefined;
  } catch {
    return undefined;
  }
}

const selected = (values: Values, block: string, action: string): string | undefined =>
  values[block]?.[action]?.selected_option?.value ?? undefined;

/** deliver posts the result in the channel, or ephemerally; a channel that refuses the bot falls back to ephemeral. */
async function deliver(deps: FlowDeps, userId: string, channel: string, how: Delivery, msg: MessagePayload) {
  const origin = { userId, channelId: channel };
  if (how === 'channel') {
    try {
      await deps.client.chat.postMessage({ channel, ...msg });
      return;
    } catch (err) {
      deps.logger.warn(
        `posting the result in ${channel} failed (${slackErrorCode(err) ?? errorMessage(err)}); telling the user only`,
      );
    }
  }
  await tellUser(deps, origin, msg);
}

/** handleSubmit acks the submission (closing the modal), then renders and delivers the result. */
function handleSubmit(services: Services, render: (text: string, values: Values, userId: string) => MessagePayload) {
  return async ({ ack, body, view, client, logger }: Args): Promise<void> => {
    try {
      await ack();
      const meta = parseMetadata(view.private_metadata);
      if (!meta) {
        logger.warn(`${view.callback_id}: submission without a valid channel in private_metadata`);
        return;
      }
      const values = view.state.values;
      const text = values[TEXT_BLOCK]?.[TEXT_ACTION]?.value ?? '';
      const how = selected(values, DELIVERY_BLOCK, DELIVERY_ACTION) === 'channel' ? 'channel' : 'ephemeral';
      const msg = render(text, values, body.user.id);
      await deliver({ services, client, logger }, body.user.id, meta.channel, how, msg);
    } catch (error) {
      logger.error(error);
    }
  };
}

/** csrSubmit lints the pasted CSR with the CA and validation level chosen in the modal. */
export function csrSubmit(services: Services) {
  return handleSubmit(services, (text, values, userId) => {
    const caValue = selected(values, CA_BLOCK, CA_ACTION);
    const level = selected(values, LEVEL_BLOCK, LEVEL_ACTION);
    const report = lintCsr(text, {
      target: 'pasted CSR',
      ...(caValue && caValue !== 'any' ? { ca: resolveCa(caValue) } : {}),
      ...(level === 'dv' || level === 'ov' || level === 'ev' ? { validation: level as ValidationLevel } : {}),
    });
    return csrResultMessage(
      { ...report, target: csrTarget(report.facts['dnsNames'] as unknown[] | undefined) },
      userId,
    );
  });
}

/** logSubmit classifies the pasted log with the built-in rules and the config file's `logRules`. */
export function logSubmit(services: Services) {
  const rules = compileLogRules(services.config.file.logRules);
  return handleSubmit(services, (text, _values, userId) =>
    logResultMessage(classifyLogText(text, { target: 'pasted log', rules }), userId),
  );
}
