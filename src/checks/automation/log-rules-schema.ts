/**
 * Operator rules for the log classifier, from the config file's `logRules:` list: the same fields
 * as the built-in table (log-rules.ts), with the pattern as a string. Validated with zod when the
 * config is loaded (a bad regular expression names its line); tried before the built-in rules.
 */
import { z } from 'zod';
import { type Confidence, LOG_CODES, type LogCode, type LogRule } from './log-rules.js';

const CATEGORIES = LOG_CODES.map((c) => c.slice(4));

export const LogRuleConfigSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected letters, digits, dots, dashes or underscores'),
    /** A JavaScript regular expression, matched against one line at a time. */
    pattern: z.string().min(1),
    /**
     * Regular-expression flags: `i` (case-insensitive, the default) or `""` (case-sensitive). Lines
     * are matched one at a time, so m and s mean nothing; u is refused because the keyword prefilter
     * (log-prefilter.ts) compiles every pattern without it.
     */
    flags: z
      .string()
      .regex(/^i?$/, 'flags must be "i" (case-insensitive, the default) or "" (case-sensitive)')
      .optional(),
    /** The category: a `log.*` code or its short form (`auth_failure`, `dcv_failure`, ...). */
    category: z
      .string()
      .transform((v) => (v.startsWith('log.') ? v : `log.${v}`))
      .pipe(z.enum(LOG_CODES, { message: `expected one of ${CATEGORIES.join(', ')}` })),
    explanation: z.string().min(1),
    fixes: z.array(z.string().min(1)).optional(),
    confidence: z.enum(['high', 'medium', 'low']).optional(),
  })
  .superRefine((rule, ctx) => {
    try {
      new RegExp(rule.pattern, rule.flags ?? 'i');
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        path: ['pattern'],
        message: `invalid regular expression: ${(err as Error).message}`,
      });
    }
  });

export const LogRulesConfigSchema = z.array(LogRuleConfigSchema);
export type LogRuleConfig = z.infer<typeof LogRuleConfigSchema>;

/** compileLogRules turns validated config entries into classifier rules. */
export function compileLogRules(entries: readonly LogRuleConfig[] | undefined): LogRule[] {
  return (entries ?? []).map((e) => ({
    id: e.id,
    code: e.category as LogCode,
    pattern: new RegExp(e.pattern, e.flags ?? 'i'),
    explanation: e.explanation,
    ...(e.fixes ? { fixes: e.fixes } : {}),
    ...(e.confidence ? { confidence: e.confidence as Confidence } : {}),
  }));
}
