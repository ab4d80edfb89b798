/**
 * The inventory (the `inventory:` key of the YAML config): certificates, provisioning bots, CA
 * connectors and deployment targets, validated with zod. The config is the baseline; signed
 * webhook events (src/inventory/webhook.ts) update it in the store.
 */
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { normalizeHostname } from '../core/names.js';
import { scheduleError, WEEKDAYS } from './schedule.js';

export { WEEKDAYS };

const isoTime = z.iso.datetime({ offset: true }).or(z.iso.date());
const id = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/, 'expected an id of letters, digits and . _ : @ / -');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24-hour)');
const weekday = z.enum(WEEKDAYS);
/** A certificate name: a host name or `*.`-wildcard, normalised to lower-case A-labels. */
const certName = z.string().transform((v, ctx) => {
  const wild = v.trim().startsWith('*.');
  try {
    return `${wild ? '*.' : ''}${normalizeHostname(wild ? v.trim().slice(2) : v)}`;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
const hex = z
  .string()
  .transform((v) => v.replace(/[\s:]/g, '').toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]+$/, 'expected hexadecimal'));

/** A renewal schedule: a 5-field cron expression or a time of day (on some weekdays), in a time zone. */
export const ScheduleSchema = z
  .strictObject({
    cron: z.string().optional(),
    at: hhmm.optional(),
    days: z.array(weekday).min(1).optional(),
    timezone: z.string().default('UTC'),
  })
  .refine((s) => (s.cron === undefined) !== (s.at === undefined), 'give either cron or at')
  .superRefine((s, ctx) => {
    const error = scheduleError(s);
    if (error) ctx.addIssue({ code: 'custom', message: error });
  });
export type Schedule = z.infer<typeof ScheduleSchema>;

export const RenewalSchema = z
  .strictObject({
    /** Renew when this many days remain ... */
    windowDays: z.number().positive().optional(),
    /** ... and/or when this fraction of the lifetime remains (0.33 = a third). */
    windowFraction: z.number().gt(0).lt(1).optional(),
    schedule: ScheduleSchema.optional(),
    retries: z
      .strictObject({
        count: z.number().int().min(0).max(100),
        backoffMinutes: z.number().positive().default(60),
        /** Each retry waits backoffMinutes * factor^n. */
        factor: z.number().min(1).max(10).default(1),
      })
      .optional(),
    /** Hours after the window opens within which a renewal must have started (default 24). */
    graceHours: z.number().positive().default(24),
  })
  .refine((r) => r.windowDays !== undefined || r.windowFraction !== undefined, 'give windowDays and/or windowFraction');
export type Renewal = z.infer<typeof RenewalSchema>;

export const IssuedSchema = z.strictObject({
  serial: hex.transform((v) => v.replace(/^0+(?=.)/, '')).optional(),
  sha256: hex.pipe(z.string().length(64, 'expected 32 bytes of hex')).optional(),
  notBefore: isoTime.optional(),
  notAfter: isoTime.optional(),
  issuedAt: isoTime.optional(),
});
export type Issued = z.infer<typeof IssuedSchema>;

export const CertificateSchema = z.strictObject({
  id,
  names: z.array(certName).min(1),
  template: z.string().optional(),
  connector: id.optional(),
  bot: id.optional(),
  deployments: z.array(id).default([]),
  /** Expected lifetime when no issued certificate says it (default: the CA/B Forum maximum in force). */
  lifetimeDays: z.number().positive().optional(),
  renewal: RenewalSchema.optional(),
  /** The latest issued certificate: what should be deployed. */
  issued: IssuedSchema.optional(),
  owner: z.string().optional(),
});
export type CertificateEntry = z.infer<typeof CertificateSchema>;

export const AvailabilitySchema = z.strictObject({
  days: z
    .array(weekday)
    .min(1)
    .default([...WEEKDAYS]),
  from: hhmm,
  to: hhmm,
  timezone: z
    .string()
    .refine((zone) => IANAZone.isValidZone(zone), 'unknown time zone')
    .default('UTC'),
});
export type Availability = z.infer<typeof AvailabilitySchema>;

export const BOT_STATUSES = ['active', 'inactive', 'stopped', 'disabled', 'decommissioned'] as const;
export const BotSchema = z.strictObject({
  id,
  status: z.enum(BOT_STATUSES).default('active'),
  purpose: z.enum(['provisioning', 'discovery', 'monitoring', 'other']).default('provisioning'),
  lastHeartbeat: isoTime.optional(),
  tokenExpiresAt: isoTime.optional(),
  heartbeatIntervalMinutes: z.number().positive().default(15),
  /** When the bot can run jobs; absent means always. */
  availability: z.array(AvailabilitySchema).optional(),
  host: z.string().optional(),
});
export type BotEntry = z.infer<typeof BotSchema>;

export const ConnectorSchema = z.strictObject({
  id,
  ca: z.string().min(1),
  /** acme: the endpoint is an ACME directory (RFC 8555 §7.1.1); rest: any HTTP API (a status below 500 is up). */
  protocol: z.enum(['acme', 'rest']).default('acme'),
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  credentialsExpireAt: isoTime.optional(),
  /** Template name -> CA product/profile. */
  templates: z.record(z.string(), z.string()).default({}),
  active: z.boolean().default(true),
});
export type ConnectorEntry = z.infer<typeof ConnectorSchema>;

export const DEPLOYMENT_TYPES = ['nginx', 'apache', 'iis', 'tomcat', 'haproxy', 'f5', 'k8s-secret'] as const;
export const RunSchema = z.strictObject({
  startedAt: isoTime,
  finishedAt: isoTime.optional(),
  result: z.enum(['succeeded', 'failed', 'running']),
});
export const DeploymentSchema = z.strictObject({
  id,
  type: z.enum(DEPLOYMENT_TYPES),
  host: z.string().min(1).optional(),
  /** TLS ports the target serves (k8s-secret: none). */
  ports: z.array(z.number().int().min(1).max(65535)).optional(),
  keystorePath: z.string().optional(),
  restartCommand: z.string().optional(),
  credentialsRef: z.string().optional(),
  /** The name the target serves (SNI), default: the certificate's first name. */
  serverName: z.string().optional(),
  namespace: z.string().optional(),
  secretName: z.string().optional(),
  history: z.array(RunSchema).default([]),
});
export type DeploymentEntry = z.infer<typeof DeploymentSchema>;
export type Run = z.infer<typeof RunSchema>;

/** uniqueIds adds an issue for every repeated id in a list. */
function uniqueIds(list: { id: string }[], where: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  list.forEach((x, i) => {
    if (seen.has(x.id)) ctx.addIssue({ code: 'custom', path: [where, i, 'id'], message: `duplicate id ${x.id}` });
    seen.add(x.id);
  });
}

export const InventorySchema = z
  .strictObject({
    certificates: z.array(CertificateSchema).default([]),
    bots: z.array(BotSchema).default([]),
    connectors: z.array(ConnectorSchema).default([]),
    deployments: z.array(DeploymentSchema).default([]),
  })
  .superRefine((inv, ctx) => {
    uniqueIds(inv.certificates, 'certificates', ctx);
    uniqueIds(inv.bots, 'bots', ctx);
    uniqueIds(inv.connectors, 'connectors', ctx);
    uniqueIds(inv.deployments, 'deployments', ctx);
    const bots = new Set(inv.bots.map((b) => b.id));
    const connectors = new Set(inv.connectors.map((c) => c.id));
    const deployments = new Set(inv.deployments.map((d) => d.id));
    inv.certificates.forEach((c, i) => {
      if (c.bot && !bots.has(c.bot))
        ctx.addIssue({ code: 'custom', path: ['certificates', i, 'bot'], message: `unknown bot ${c.bot}` });
      if (c.connector && !connectors.has(c.connector))
        ctx.addIssue({
          code: 'custom',
          path: ['certificates', i, 'connector'],
          message: `unknown connector ${c.connector}`,
        });
      c.deployments.forEach((d, j) => {
        if (!deployments.has(d))
          ctx.addIssue({
            code: 'custom',
            path: ['certificates', i, 'deployments', j],
            message: `unknown deployment ${d}`,
          });
      });
    });
  });
export type Inventory = z.infer<typeof InventorySchema>;

export const EMPTY_INVENTORY: Inventory = { certificates: [], bots: [], connectors: [], deployments: [] };
