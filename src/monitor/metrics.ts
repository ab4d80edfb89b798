/**
 * The monitor's Prometheus metrics, on the shared registry served at GET /metrics:
 * days left per certificate, scan durations, alert counts and Slack delivery failures.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../core/metrics.js';

function once<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export const daysLeft = once(
  'certmedic_certificate_days_left',
  () =>
    new Gauge({
      name: 'certmedic_certificate_days_left',
      help: 'Days until the served leaf certificate expires (worst address), per watched target',
      labelNames: ['target'],
      registers: [registry],
    }),
);

export const scanDuration = once(
  'certmedic_scan_duration_seconds',
  () =>
    new Histogram({
      name: 'certmedic_scan_duration_seconds',
      help: 'Duration of one target scan',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
);

export const cycleDuration = once(
  'certmedic_scan_cycle_duration_seconds',
  () =>
    new Gauge({
      name: 'certmedic_scan_cycle_duration_seconds',
      help: 'Duration of the last scheduler cycle (all due targets)',
      registers: [registry],
    }),
);

export const alertEvents = once(
  'certmedic_alerts_total',
  () =>
    new Counter({
      name: 'certmedic_alerts_total',
      help: 'Alert transitions by problem and event (opened, updated, resolved)',
      labelNames: ['problem', 'event'],
      registers: [registry],
    }),
);

export const alertsOpen = once(
  'certmedic_alerts_open',
  () =>
    new Gauge({
      name: 'certmedic_alerts_open',
      help: 'Open alerts by problem',
      labelNames: ['problem'],
      registers: [registry],
    }),
);

export const deliveryFailures = once(
  'certmedic_slack_delivery_failures_total',
  () =>
    new Counter({
      name: 'certmedic_slack_delivery_failures_total',
      help: 'Slack deliveries that failed (and were retried or given up), by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
);

export const outboxPending = once(
  'certmedic_slack_outbox_pending',
  () =>
    new Gauge({
      name: 'certmedic_slack_outbox_pending',
      help: 'Slack deliveries waiting in the outbox',
      registers: [registry],
    }),
);
