/** App Home: publish recent diagnoses and open incidents when the Home tab opens. */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../../services/index.js';
import type { StoredReport } from '../../../store/slack.js';
import { type HomeEntry, homeView } from '../../blocks/home.js';

type Args = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

function entry(r: StoredReport): HomeEntry {
  return {
    id: r.id,
    target: r.target,
    status: r.status,
    codes: r.codes,
    updatedAt: r.updatedAt,
    ...(r.channelId ? { channelId: r.channelId } : {}),
  };
}

export function appHomeOpened(services: Services) {
  return async ({ event, client, logger, body }: Args): Promise<void> => {
    try {
      if (event.tab !== 'home') return;
      const teamId = body.team_id;
      const recent = services.slackStore.recent(teamId, 10).map(entry);
      const incidents = services.slackStore.openIncidents(teamId, 20).map(entry);
      const extra = (await services.homeSections?.(teamId)) ?? [];
      await client.views.publish({ user_id: event.user, view: homeView(recent, incidents, extra) as never });
    } catch (error) {
      logger.error(error);
    }
  };
}
