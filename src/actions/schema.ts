/**
 * The `actions:` key of the YAML config: retry actions (re-run a deployment, trigger a renewal,
 * re-initiate an order, restart a bot), each an HTTP call to the platform's API or an
 * allow-listed command, with who may run it. Templates take values from inventory fields only
 * (`{{certificate.id}}`, `{{deployment.host}}`, ...); HTTP header values and a command's env values
 * may reference environment variables (`${CLM_TOKEN}`), resolved once when the config is loaded.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';

export const ACTION_KINDS = ['redeploy', 'renew', 'reorder', 'restart_bot'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** The inventory fields a template may use. */
export const TEMPLATE_FIELDS = [
  'certificate.id',
  'certificate.name',
  'certificate.names',
  'certificate.template',
  'deployment.id',
  'deployment.type',
  'deployment.host',
  'deployment.keystorePath',
  'deployment.namespace',
  'deployment.secretName',
  'bot.id',
  'bot.host',
  'connector.id',
  'connector.ca',
] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

const PLACEHOLDER = /\{\{\s*([A-Za-z.]+)\s*\}\}/g;

/** placeholders returns the fields a template text uses. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

const template = z.string().superRefine((text, ctx) => {
  for (const f of placeholders(text)) {
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(f))
      ctx.addIssue({
        code: 'custom',
        message: `unknown template field {{${f}}} (known: ${TEMPLATE_FIELDS.join(', ')})`,
      });
  }
});

type JsonTemplate = string | number | boolean | null | JsonTemplate[] | { [k: string]: JsonTemplate };
const bodyTemplate: z.ZodType<JsonTemplate> = z.lazy(() =>
  z.union([template, z.number(), z.boolean(), z.null(), z.array(bodyTemplate), z.record(z.string(), bodyTemplate)]),
);

export const HttpAdapterSchema = z.strictObject({
  url: template.pipe(z.string().regex(/^https?:\/\//, 'expected an http(s) URL')),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  /** Header values may hold `${ENV_NAME}` references (secrets), never template fields. */
  headers: z.record(z.string(), z.string()).default({}),
  /** A JSON body: string leaves are templates, the result is sent as application/json. */
  body: bodyTemplate.optional(),
  timeoutMs: z.number().int().positive().max(120_000).default(15_000),
  /** Status codes that count as success (default 2xx). */
  okStatus: z.array(z.number().int()).optional(),
});

export const CommandAdapterSchema = z.strictObject({
  /** The absolute path of the program: the config file is the allow-list. No shell is used. */
  path: z.string().refine((p) => isAbsolute(p), 'expected an absolute path'),
  args: z.array(template).default([]),
  /** Extra environment for the program; values may hold `${ENV_NAME}` references (secrets). */
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), z.string())
    .default({}),
  timeoutMs: z.number().int().positive().max(600_000).default(60_000),
});

export const ActionSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'expected a short id of a-z, 0-9, _ and -'),
    kind: z.enum(ACTION_KINDS),
    label: z.string().min(1).max(60).optional(),
    /** Certificate ids this action is offered for (default: every certificate). */
    certificates: z.array(z.string()).optional(),
    allow: z
      .strictObject({ users: z.array(z.string()).default([]), groups: z.array(z.string()).default([]) })
      .default({ users: [], groups: [] }),
    http: HttpAdapterSchema.optional(),
    command: CommandAdapterSchema.optional(),
  })
  .refine((a) => (a.http === undefined) !== (a.command === undefined), 'give exactly one of http or command');
export type ActionConfig = z.infer<typeof ActionSchema>;

export const ActionsSchema = z.array(ActionSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((a, i) => {
    if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate action id ${a.id}` });
    seen.add(a.id);
  });
});

/** ACTION_LABELS are the default button labels. */
export const ACTION_LABELS: Record<ActionKind, string> = {
  redeploy: 'Re-run deployment',
  renew: 'Trigger renewal',
  reorder: 'Re-initiate order',
  restart_bot: 'Restart bot',
};

/**
 * resolveSecrets replaces `${ENV_NAME}` in every HTTP header value and command env value with the
 * variable's value; a variable that is not set is a ConfigError naming it (never its value).
 */
export function resolveSecrets(actions: ActionConfig[], env: NodeJS.ProcessEnv): ActionConfig[] {
  const resolve = (a: ActionConfig, where: string, map: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(map).map(([k, v]) => [
        k,
        v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
          const value = env[name];
          if (value === undefined || value === '')
            throw new ConfigError(
              `actions: ${a.id}: ${where} ${k} uses \${${name}}, which is not set in the environment`,
            );
          return value;
        }),
      ]),
    );
  return actions.map((a) => {
    if (a.http) return { ...a, http: { ...a.http, headers: resolve(a, 'header', a.http.headers) } };
    if (a.command) return { ...a, command: { ...a.command, env: resolve(a, 'env', a.command.env) } };
    return a;
  });
}
