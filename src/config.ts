/**
 * Configuration: the environment plus an optional YAML file (CERTMEDIC_CONFIG), validated once
 * with zod into one typed Config. Nothing else in certmedic reads process.env. Errors in the file
 * name the line.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ActionsSchema, resolveSecrets } from './actions/schema.js';
import { LogRulesConfigSchema } from './checks/automation/log-rules-schema.js';
import { ConfigError } from './core/errors.js';
import { InventorySchema } from './inventory/schema.js';

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const EnvSchema = z.object({
  SLACK_BOT_TOKEN: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_API_URL: optionalText,
  PORT: optionalText.pipe(
    z
      .string()
      .regex(/^\d+$/, 'expected a port number')
      .transform(Number)
      .pipe(z.number().int().min(0).max(65535))
      .optional(),
  ),
  HOST: optionalText,
  CERTMEDIC_WEBHOOK_SECRET: optionalText,
  CERTMEDIC_ALERT_CHANNEL: optionalText,
  CERTMEDIC_ESCALATION_CHANNEL: optionalText,
  CERTMEDIC_TRUST_ANCHORS: optionalText,
  CERTMEDIC_DB: optionalText,
  CERTMEDIC_CONFIG: optionalText,
  CERTMEDIC_RESOLVER: optionalText,
  CERTMEDIC_ALLOW_NETWORKS: optionalText,
  CERTMEDIC_LOG_LEVEL: optionalText.pipe(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  ),
});

export const WatchTargetSchema = z.strictObject({
  name: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(443),
  address: z.string().optional(),
  starttls: z.enum(['smtp', 'imap', 'pop3', 'ldap', 'postgres', 'none']).optional(),
  ca: z.string().optional(),
  channel: z.string().optional(),
  tags: z.array(z.string()).optional(),
  thresholds: z
    .strictObject({
      warnDays: z.number().positive().optional(),
      criticalDays: z.number().positive().optional(),
      warnFraction: z.number().gt(0).lt(1).optional(),
      criticalFraction: z.number().gt(0).lt(1).optional(),
    })
    .optional(),
});
export type WatchTarget = z.infer<typeof WatchTargetSchema>;

export const FileSchema = z.looseObject({
  defaults: z
    .strictObject({
      ca: z.string().optional(),
      resolver: z.string().optional(),
      timeoutMs: z.number().int().positive().optional(),
    })
    .optional(),
  slack: z
    .strictObject({
      /** Slack user ids that may press Retry/Escalate on anyone's report (default: anyone in the channel). */
      authorizedUsers: z
        .array(z.string().regex(/^[UW][A-Z0-9]+$/, 'expected a Slack user id like U0123ABCD'))
        .optional(),
      /** Per-user diagnosis rate limit (default 10 per 300 seconds). */
      rateLimit: z
        .strictObject({ diagnoses: z.number().int().positive(), windowSeconds: z.number().int().positive() })
        .optional(),
    })
    .optional(),
  watchlist: z.array(WatchTargetSchema).optional(),
  /** Proactive alerts (src/monitor): scan interval, concurrency, hysteresis, daily digest. */
  monitor: z
    .strictObject({
      enabled: z.boolean().default(true),
      intervalMinutes: z.number().positive().default(60),
      jitterMinutes: z.number().min(0).optional(),
      concurrency: z.number().int().min(1).max(10_000).default(32),
      timeoutMs: z.number().int().positive().optional(),
      /** Consecutive scans that must agree before an alert clears or gets better. */
      resolveAfter: z.number().int().min(1).max(20).default(2),
      /** Hour (0-23, UTC) of the daily digest of open alerts; absent: no digest. */
      digestHourUtc: z.number().int().min(0).max(23).optional(),
      /** Worker threads for TLS handshakes (default: one per core). */
      threads: z.number().int().min(0).max(64).optional(),
    })
    .optional(),
  risk: z.strictObject({ keywords: z.array(z.string()).optional() }).optional(),
  /** Extra provisioning-log classifier rules, tried before the built-in table (README: classify-log). */
  logRules: LogRulesConfigSchema.optional(),
  inventory: InventorySchema.optional(),
  actions: ActionsSchema.optional(),
});
export type FileConfig = z.infer<typeof FileSchema>;

export type SlackMode = 'socket' | 'http' | 'playground';

export interface Config {
  slack: {
    mode: SlackMode;
    botToken?: string;
    appToken?: string;
    signingSecret?: string;
    apiUrl?: string;
  };
  port: number;
  host?: string;
  webhookSecret?: string;
  alertChannel?: string;
  escalationChannel?: string;
  trustAnchorFiles: string[];
  dbPath: string;
  configPath?: string;
  resolver?: string;
  allowNetworks: string[];
  logLevel: string;
  file: FileConfig;
}

/** formatIssuePath returns `watchlist[2].port` for a zod path. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/**
 * parseYamlFile parses a YAML text with a zod schema; errors name the file, the line and the key.
 * Shared by the config file, watchlists and templates.
 */
export function parseYamlFile<S extends z.ZodType>(text: string, schema: S, label: string): z.infer<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
    throw new ConfigError(`${label}:${line}: ${e.message.split('\n')[0]}`);
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let line: number | undefined;
  for (let n = issue.path.length; n >= 0 && line === undefined; n--) {
    const node = doc.getIn(issue.path.slice(0, n) as unknown[], true) as
      | { range?: [number, number, number] }
      | undefined;
    if (node?.range) line = lineCounter.linePos(node.range[0]).line;
  }
  const where = formatPath(issue.path);
  throw new ConfigError(`${label}${line ? `:${line}` : ''}: ${where ? `${where}: ` : ''}${issue.message}`);
}

/** readTextFile reads a file for the config, turning I/O errors into ConfigError. */
function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function splitList(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** slackMode decides how the bot talks to Slack; partial settings are a ConfigError. */
function slackMode(env: z.infer<typeof EnvSchema>): SlackMode {
  const { SLACK_BOT_TOKEN: bot, SLACK_APP_TOKEN: app, SLACK_SIGNING_SECRET: secret } = env;
  if (!bot && !app && !secret) return 'playground';
  if (!bot) throw new ConfigError('SLACK_BOT_TOKEN is required when SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set');
  if (app) return 'socket';
  if (secret) return 'http';
  throw new ConfigError(
    'SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is',
  );
}

/** loadConfig validates the environment and reads the optional config file. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  options: { ignoreSlack?: boolean } = {},
): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid environment variable ${formatPath(issue.path)}: ${issue.message}`);
  }
  const e = parsed.data;
  const configPath = e.CERTMEDIC_CONFIG
    ? isAbsolute(e.CERTMEDIC_CONFIG)
      ? e.CERTMEDIC_CONFIG
      : resolvePath(cwd, e.CERTMEDIC_CONFIG)
    : undefined;
  const file = configPath ? parseYamlFile(readConfigText(configPath), FileSchema, configPath) : ({} as FileConfig);
  if (file.actions) file.actions = resolveSecrets(file.actions, env);
  const mode = options.ignoreSlack ? 'playground' : slackMode(e);
  return {
    slack: {
      mode,
      ...(e.SLACK_BOT_TOKEN ? { botToken: e.SLACK_BOT_TOKEN } : {}),
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
      ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
      ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
    },
    port: e.PORT ?? 3000,
    ...(e.HOST ? { host: e.HOST } : {}),
    ...(e.CERTMEDIC_WEBHOOK_SECRET ? { webhookSecret: e.CERTMEDIC_WEBHOOK_SECRET } : {}),
    ...(e.CERTMEDIC_ALERT_CHANNEL ? { alertChannel: e.CERTMEDIC_ALERT_CHANNEL } : {}),
    ...(e.CERTMEDIC_ESCALATION_CHANNEL ? { escalationChannel: e.CERTMEDIC_ESCALATION_CHANNEL } : {}),
    trustAnchorFiles: splitList(e.CERTMEDIC_TRUST_ANCHORS),
    dbPath: e.CERTMEDIC_DB ?? resolvePath(cwd, 'certmedic.db'),
    ...(configPath ? { configPath } : {}),
    ...(e.CERTMEDIC_RESOLVER || file.defaults?.resolver
      ? { resolver: e.CERTMEDIC_RESOLVER ?? file.defaults?.resolver }
      : {}),
    allowNetworks: splitList(e.CERTMEDIC_ALLOW_NETWORKS),
    logLevel: e.CERTMEDIC_LOG_LEVEL ?? 'info',
    file,
  };
}
