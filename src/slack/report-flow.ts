/**
 * The life of a report message: post "Diagnosing …", run the diagnosis service, replace the
 * message with the report (chat.postMessage + chat.update). Where the bot cannot post in the
 * channel (`not_in_channel`, `channel_not_found`), the command's response_url carries the same
 * messages. Retry re-runs and updates the same message, marking what changed.
 */
import type { Logger, RespondFn, webApi } from '@slack/bolt';
import type { DiagnoseRequest } from '../checks/context.js';
import { targetLabel } from '../checks/context.js';
import { errorMessage } from '../core/errors.js';
import type { Services } from '../services/index.js';
import { type Delivery, reportCodes, type StoredReport } from '../store/slack.js';
import type { MessagePayload } from './blocks/limits.js';
import { noticeMessage, progressMessage } from './blocks/messages.js';
import { diffCodes, reportMessage } from './blocks/report.js';
import { diagnosesTotal } from './metrics.js';

/** Errors after which the bot answers through response_url instead (DESIGN.md, Slack surface). */
const FALLBACK_ERRORS = new Set(['not_in_channel', 'channel_not_found']);

export interface FlowDeps {
  services: Services;
  client: webApi.WebClient;
  logger: Logger;
}

export interface Origin {
  userId: string;
  teamId?: string;
  channelId: string;
  threadTs?: string;
  /** The command's or action's response_url, when there is one. */
  respond?: RespondFn;
}

const running = new Set<Promise<unknown>>();

/** tracked runs a flow while remembering it, so shutdown can wait for it (settleFlows). */
function tracked<T>(p: Promise<T>): Promise<T> {
  running.add(p);
  const done = () => running.delete(p);
  p.then(done, done);
  return p;
}

/**
 * settleFlows waits (at most `ms`) for diagnoses in progress to post their report, so a restart
 * does not leave "Diagnosing …" messages behind. Returns how many were still running at the end.
 */
export async function settleFlows(ms: number): Promise<number> {
  if (running.size === 0) return 0;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...running]),
    new Promise((r) => {
      timer = setTimeout(r, ms);
    }),
  ]);
  clearTimeout(timer);
  return running.size;
}

/** slackErrorCode returns the Web API error code of a failed call (`not_in_channel`), if any. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/**
 * tellUser sends an ephemeral message to the user: through response_url when there is one (works
 * where the bot is not a member), else (or when that fails) chat.postEphemeral.
 */
export async function tellUser(deps: FlowDeps, origin: Origin, msg: MessagePayload): Promise<void> {
  if (origin.respond) {
    try {
      await origin.respond({ response_type: 'ephemeral', replace_original: false, ...msg });
      return;
    } catch (err) {
      deps.logger.warn(`response_url failed, trying chat.postEphemeral: ${errorMessage(err)}`);
    }
  }
  try {
    await deps.client.chat.postEphemeral({ channel: origin.channelId, user: origin.userId, ...msg });
  } catch (err) {
    deps.logger.warn(`could not tell ${origin.userId}: ${errorMessage(err)}`);
  }
}

/** runAndStore runs the diagnosis of a stored report and renders the result with its changes. */
async function runAndRender(deps: FlowDeps, id: string, req: DiagnoseRequest, userId: string): Promise<MessagePayload> {
  const { services } = deps;
  try {
    const report = await services.diagnosis.run(req);
    const { previous, run } = services.slackStore.finishRun(id, report, userId);
    const extraButtons = services.reportButtons?.(report, id) ?? [];
    return reportMessage(report, {
      reportId: id,
      run,
      ...(run > 1 ? { changes: diffCodes(previous, reportCodes(report)) } : {}),
      extraButtons,
    });
  } catch (err) {
    services.slackStore.releaseRun(id);
    deps.logger.error(`diagnosis ${id} failed: ${errorMessage(err)}`);
    return noticeMessage(':x:', `The diagnosis of ${targetLabel(req)} failed: ${errorMessage(err)}. Try again.`);
  }
}

/** startDiagnosis posts the placeholder, runs the diagnosis and replaces the placeholder with the report. */
export function startDiagnosis(deps: FlowDeps, origin: Origin, req: DiagnoseRequest, via: string): Promise<string> {
  return tracked(postAndRun(deps, origin, req, via));
}

async function postAndRun(deps: FlowDeps, origin: Origin, req: DiagnoseRequest, via: string): Promise<string> {
  const { services, client, logger } = deps;
  const target = targetLabel(req);
  const id = services.slackStore.createReport({
    target,
    request: req,
    ...(origin.teamId ? { teamId: origin.teamId } : {}),
    channelId: origin.channelId,
    requestedBy: origin.userId,
  });
  diagnosesTotal.inc({ via });
  logger.info(`diagnosis ${id} of ${target} for ${origin.userId} in ${origin.channelId}`);
  const progress = progressMessage(target);
  let delivery: Delivery = 'chat';
  let ts: string | undefined;
  try {
    const posted = await client.chat.postMessage({
      channel: origin.channelId,
      ...(origin.threadTs ? { thread_ts: origin.threadTs } : {}),
      ...progress,
    });
    ts = posted.ts;
  } catch (err) {
    const code = slackErrorCode(err);
    if (!origin.respond || !code || !FALLBACK_ERRORS.has(code)) {
      services.slackStore.releaseRun(id);
      logger.error(`cannot post in ${origin.channelId}: ${errorMessage(err)}`);
      await tellUser(
        deps,
        origin,
        noticeMessage(':x:', `I could not post in this channel (${code ?? errorMessage(err)}).`),
      );
      return id;
    }
    delivery = 'response_url';
    await origin.respond({ response_type: 'in_channel', ...progress });
  }
  services.slackStore.setMessage(id, { channelId: origin.channelId, ...(ts ? { messageTs: ts } : {}), delivery });
  const message = await runAndRender(deps, id, req, origin.userId);
  await deliverReport(
    deps,
    id,
    { delivery, channelId: origin.channelId, ...(ts ? { messageTs: ts } : {}) },
    origin,
    message,
  );
  return id;
}

/**
 * deliverReport replaces the report's message; when that fails (the message was deleted:
 * `message_not_found`, the response_url expired, ...), the report is posted as a new message
 * (remembered for Retry), and when even that fails the user is told, so no "Diagnosing …" stays.
 */
async function deliverReport(
  deps: FlowDeps,
  id: string,
  where: Pick<StoredReport, 'delivery' | 'channelId' | 'messageTs'>,
  origin: Origin,
  message: MessagePayload,
): Promise<void> {
  try {
    await deliver(deps, where, origin, message);
    return;
  } catch (err) {
    deps.logger.error(`could not update the message of report ${id}: ${errorMessage(err)}`);
  }
  const channel = where.channelId ?? origin.channelId;
  try {
    const posted = await deps.client.chat.postMessage({
      channel,
      ...(origin.threadTs ? { thread_ts: origin.threadTs } : {}),
      ...message,
    });
    if (posted.ts)
      deps.services.slackStore.setMessage(id, { channelId: channel, messageTs: posted.ts, delivery: 'chat' });
  } catch (err) {
    await tellUser(
      deps,
      origin,
      noticeMessage(':x:', `I could not deliver the report (${slackErrorCode(err) ?? errorMessage(err)}).`),
    );
  }
}

/** deliver replaces the report's message: chat.update, or response_url with replace_original. */
async function deliver(
  deps: FlowDeps,
  where: Pick<StoredReport, 'delivery' | 'channelId' | 'messageTs'>,
  origin: Origin,
  message: MessagePayload,
): Promise<void> {
  if (where.delivery === 'chat' && where.channelId && where.messageTs) {
    await deps.client.chat.update({ channel: where.channelId, ts: where.messageTs, ...message });
    return;
  }
  if (!origin.respond) throw new Error('no way to update the report message');
  await origin.respond({ response_type: 'in_channel', replace_original: true, ...message });
}

/**
 * retryDiagnosis re-runs a stored report's diagnosis and updates its message in place, with what
 * changed since the last run. The caller has checked authorization and claimed the run.
 */
export function retryDiagnosis(deps: FlowDeps, stored: StoredReport, origin: Origin): Promise<void> {
  return tracked(rerun(deps, stored, origin));
}

async function rerun(deps: FlowDeps, stored: StoredReport, origin: Origin): Promise<void> {
  diagnosesTotal.inc({ via: 'retry' });
  deps.logger.info(`retry of ${stored.id} (${stored.target}) by ${origin.userId}`);
  const where = {
    delivery: stored.delivery,
    ...(stored.channelId ? { channelId: stored.channelId } : {}),
    ...(stored.messageTs ? { messageTs: stored.messageTs } : {}),
  };
  try {
    await deliver(deps, where, origin, progressMessage(stored.target, 'Re-checking'));
  } catch (err) {
    deps.logger.warn(`could not mark report ${stored.id} as re-checking: ${errorMessage(err)}`);
  }
  const message = await runAndRender(deps, stored.id, stored.request, origin.userId);
  await deliverReport(deps, stored.id, where, origin, message);
}
