/**
 * The webhook event schema (POST /events): `{"id","type","time","certificate","data"}` with one
 * `data` shape per type. Times are RFC 3339 and are normalised to UTC (`...Z`) so that the store
 * can order them as text.
 */
import { z } from 'zod';
import { BOT_STATUSES } from './schema.js';

/** The log excerpt a deployment.failed event may carry (longer ones are cut to the last part). */
export const MAX_LOG_CHARS = 32_000;

const time = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v).toISOString())
  .refine((v) => !Number.isNaN(Date.parse(v)), 'expected an RFC 3339 time');
const ref = z.string().min(1).max(200);
const text = (max: number) => z.string().max(max);
const hex = z
  .string()
  .max(200)
  .transform((v) => v.replace(/[\s:]/g, '').toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]+$/, 'expected hexadecimal'));

export const EVENT_DATA = {
  'bot.heartbeat': z.strictObject({
    bot: ref,
    status: z.enum(BOT_STATUSES).optional(),
    tokenExpiresAt: time.optional(),
  }),
  'deployment.started': z.strictObject({ deployment: ref, runId: ref.optional() }),
  'deployment.succeeded': z.strictObject({ deployment: ref, runId: ref.optional(), startedAt: time.optional() }),
  'deployment.failed': z.strictObject({
    deployment: ref,
    runId: ref.optional(),
    startedAt: time.optional(),
    error: text(2000).optional(),
    log: z
      .string()
      .max(4 * MAX_LOG_CHARS)
      .transform((l) => (l.length > MAX_LOG_CHARS ? l.slice(-MAX_LOG_CHARS) : l))
      .optional(),
  }),
  'certificate.issued': z.strictObject({
    serial: hex.transform((v) => v.replace(/^0+(?=.)/, '')),
    sha256: hex.pipe(z.string().length(64, 'expected 32 bytes of hex')).optional(),
    notBefore: time.optional(),
    notAfter: time.optional(),
    orderId: ref.optional(),
  }),
  'renewal.scheduled': z.strictObject({ scheduledFor: time, reason: text(500).optional() }),
  'order.status': z.strictObject({
    status: z.enum(['pending', 'ready', 'processing', 'valid', 'invalid', 'cancelled', 'expired']),
    orderId: ref.optional(),
    error: text(2000).optional(),
  }),
} as const;

export type EventType = keyof typeof EVENT_DATA;
export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[];

export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA)[T]>;

export type InventoryEvent = {
  [T in EventType]: { id: string; type: T; time: string; certificate?: string; data: EventData<T> };
}[EventType];

const Envelope = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces'),
  type: z.string(),
  time,
  certificate: ref.optional(),
  data: z.record(z.string(), z.unknown()),
});

/** formatIssue returns `data.serial: expected hexadecimal` for a zod issue. */
function formatIssue(issue: z.core.$ZodIssue, prefix: string): string {
  const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
  return `${path ? `${path}: ` : ''}${issue.message}`;
}

/**
 * parseEvent validates a decoded JSON body; it returns the typed event or a message naming the
 * field that is wrong (for a 400 answer).
 */
export function parseEvent(body: unknown): { event: InventoryEvent } | { error: string } {
  const env = Envelope.safeParse(body);
  if (!env.success) return { error: formatIssue(env.error.issues[0]!, '') };
  const e = env.data;
  if (!(EVENT_TYPES as string[]).includes(e.type)) {
    return { error: `type: unknown event type ${JSON.stringify(e.type)} (expected one of ${EVENT_TYPES.join(', ')})` };
  }
  const type = e.type as EventType;
  if (type !== 'bot.heartbeat' && e.certificate === undefined) return { error: `certificate: required for ${type}` };
  const data = EVENT_DATA[type].safeParse(e.data);
  if (!data.success) return { error: formatIssue(data.error.issues[0]!, 'data') };
  return {
    event: {
      id: e.id,
      type,
      time: e.time,
      ...(e.certificate !== undefined ? { certificate: e.certificate } : {}),
      data: data.data,
    } as InventoryEvent,
  };
}

/** summarize returns one line describing an event, for "recent changes". */
export function summarize(type: string, data: Record<string, unknown>): string {
  const s = (k: string) => (typeof data[k] === 'string' ? (data[k] as string) : undefined);
  switch (type) {
    case 'deployment.failed':
      return `deployment ${s('deployment')} failed${s('error') ? `: ${s('error')}` : ''}`;
    case 'deployment.succeeded':
      return `deployment ${s('deployment')} succeeded`;
    case 'deployment.started':
      return `deployment ${s('deployment')} started`;
    case 'certificate.issued':
      return `certificate issued (serial ${s('serial')}${s('notAfter') ? `, expires ${s('notAfter')}` : ''})`;
    case 'renewal.scheduled':
      return `renewal scheduled${s('scheduledFor') ? ` for ${s('scheduledFor')}` : ''}`;
    case 'order.status':
      return `order ${s('orderId') ?? ''} ${s('status')}${s('error') ? `: ${s('error')}` : ''}`.replace('  ', ' ');
    default:
      return type;
  }
}
