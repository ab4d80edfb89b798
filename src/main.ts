#!/usr/bin/env node
/**
 * `npm start`: config -> store -> services -> Slack app (Socket Mode with SLACK_APP_TOKEN, HTTP
 * mode with SLACK_SIGNING_SECRET) -> one HTTP listener on PORT. With no Slack settings at all, the
 * local playground. A bad configuration is one line on stderr and exit 2; SIGTERM/SIGINT drain
 * in-flight requests, close the Socket Mode connection and the store, and exit 0.
 */
import { type Config, loadConfig } from './config.js';
import { CertmedicError, errorMessage } from './core/errors.js';

function fail(message: string, code: number): never {
  process.stderr.write(`certmedic: ${message.replace(/\s*\n\s*/g, ' ').trim()}\n`);
  process.exit(code);
}

async function startBot(config: Config): Promise<void> {
  const { createLogger } = await import('./slack/logger.js');
  const { createServices } = await import('./services/index.js');
  const { createApp } = await import('./slack/app.js');
  const { HttpServer } = await import('./server/http.js');
  const logger = createLogger(config.logLevel);
  // No Slack settings: the local playground (sample config, its own server and Web API, same app).
  // It listens first; its config carries the local Web API URL and token for everything after.
  const playground = config.slack.mode === 'playground' ? await import('./playground/start.js') : undefined;
  const pg = playground ? await playground.startPlayground(playground.playgroundConfig(config), logger) : undefined;
  if (pg) config = pg.config;
  const services = createServices(config);
  const slack = pg ? await pg.startApp(services) : createApp({ config, services, logger });
  const http =
    pg?.http ??
    new HttpServer({
      logger,
      ...(slack.httpReceiver ? { slackReceiver: slack.httpReceiver } : {}),
      health: () => ({ ok: true, mode: config.slack.mode }),
    });
  // POST /events: signed webhook events that update the inventory (both modes and the playground).
  if (services.automation) {
    const { webhookRoute } = await import('./inventory/webhook.js');
    http.addRoute(webhookRoute(services.automation.webhook));
  }
  const port = pg?.port ?? (await http.listen(config.port, config.host));
  if (slack.socketReceiver) await slack.app.start();
  logger.info({ port, mode: config.slack.mode }, `certmedic listening on port ${port} (${config.slack.mode} mode)`);
  if (pg) process.stdout.write(`certmedic playground (no Slack tokens set): open ${pg.url}/\n`);
  // Proactive alerts: scan the watchlist on its schedule (resumes from the store after a restart).
  services.monitor?.start((line) => logger.warn(line));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: shutting down`);
    try {
      await Promise.all([pg ? pg.close() : http.close(), slack.socketReceiver ? slack.app.stop() : Promise.resolve()]);
      // Let diagnoses in progress post their report (a restart must not leave "Diagnosing …" behind).
      const { settleFlows } = await import('./slack/report-flow.js');
      const left = await settleFlows(10_000);
      if (left > 0) logger.warn(`${left} diagnoses still running at shutdown`);
      await services.monitor?.stop();
      services.db.close();
    } catch (err) {
      logger.error(`shutdown: ${errorMessage(err)}`);
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    fail(errorMessage(err), err instanceof CertmedicError ? 2 : 1);
  }
  try {
    await startBot(config);
  } catch (err) {
    fail(errorMessage(err), err instanceof CertmedicError && err.code === 'config' ? 2 : 1);
  }
}

await main();
