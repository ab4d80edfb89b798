/** Shared by the alert buttons: find the alert a short id names and check who clicked, from stored state. */
import type { BlockAction, webApi } from '@slack/bolt';
import type { Monitor } from '../../../monitor/service.js';
import type { Services } from '../../../services/index.js';
import { noticeMessage } from '../../blocks/messages.js';

/** alertClick returns the monitor and alert id when the click may proceed; otherwise tells the user why not. */
export async function alertClick(
  services: Services,
  body: BlockAction,
  value: string,
  client: webApi.WebClient,
): Promise<{ monitor: Monitor; id: number } | undefined> {
  const monitor = services.monitor;
  const id = /^\d{1,12}$/.test(value) ? Number(value) : Number.NaN;
  const channel = body.channel?.id;
  const refusal = !monitor
    ? 'alerts are not enabled on this bot'
    : Number.isNaN(id)
      ? 'this alert no longer exists'
      : monitor.refusal(id, body.user.id, channel);
  if (refusal === undefined && monitor) return { monitor, id };
  if (channel) {
    await client.chat.postEphemeral({
      channel,
      user: body.user.id,
      ...noticeMessage(':no_entry:', `You can't act on this alert: ${refusal}.`),
    });
  }
  return undefined;
}
