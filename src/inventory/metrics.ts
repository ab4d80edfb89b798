/** Automation metrics, on the shared registry served at GET /metrics. */
import { Counter } from 'prom-client';
import { registry } from '../core/metrics.js';

export const webhookEventsTotal = new Counter({
  name: 'certmedic_webhook_events_total',
  help: 'POST /events requests by outcome (stored, duplicate, unsigned, malformed, too_large, unconfigured) and event type.',
  labelNames: ['outcome', 'type'],
  registers: [registry],
});

export const actionRunsTotal = new Counter({
  name: 'certmedic_action_runs_total',
  help: 'Retry-action clicks by action kind and outcome (succeeded, failed, refused, error).',
  labelNames: ['kind', 'outcome'],
  registers: [registry],
});
