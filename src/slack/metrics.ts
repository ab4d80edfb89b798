/** Slack surface metrics, on the shared registry served at GET /metrics. */
import { Counter } from 'prom-client';
import { registry } from '../core/metrics.js';

export const diagnosesTotal = new Counter({
  name: 'certmedic_slack_diagnoses_total',
  help: 'Diagnoses started from Slack, by how they were asked for (command, mention, retry).',
  labelNames: ['via'],
  registers: [registry],
});

export const listenerErrorsTotal = new Counter({
  name: 'certmedic_slack_listener_errors_total',
  help: 'Errors caught in Slack listeners (including failed acks).',
  labelNames: ['listener'],
  registers: [registry],
});
