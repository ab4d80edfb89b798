/**
 * The Prometheus registry served at GET /metrics. Modules register their own metrics here
 * (`new Gauge({ name, help, registers: [registry] })`).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export const registry = new Registry();
registry.setDefaultLabels({ app: 'certmedic' });
collectDefaultMetrics({ register: registry, prefix: 'certmedic_' });
