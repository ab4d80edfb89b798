/** `certmedic lint-csr <file|->`: reads a CSR (PEM or DER) and prints the lint Report. */
import {
  type CsrTemplate,
  CsrTemplateSchema,
  lintCsr,
  VALIDATION_LEVELS,
  type ValidationLevel,
} from '../checks/csr.js';
import type { Config } from '../config.js';
import { parseYamlFile } from '../config.js';
import { resolveCa } from '../core/cas.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { exitCodeFor, type Report } from '../core/finding.js';
import { renderJson, renderText } from '../render/text.js';
import { parseFormat, readInputBytes, readInputText, useColour } from './io.js';

export interface LintCsrCliOptions {
  ca?: string;
  validation?: string;
  template?: string;
  format?: string;
}

/** readTemplate reads and validates a `--template` YAML file; any mistake is exit 2 naming the line. */
export function readTemplate(path: string): CsrTemplate {
  const text = readInputText(path);
  try {
    return parseYamlFile(text, CsrTemplateSchema, path);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`invalid template ${err.message}`);
    throw err;
  }
}

/** csrSummary returns what was parsed (key, signature, subject, names) under the text report. */
export function csrSummary(report: Report): string {
  const f = report.facts;
  if (f['key'] === undefined) return '';
  const names = [...((f['dnsNames'] as string[]) ?? []), ...((f['ipAddresses'] as string[]) ?? [])];
  const shown =
    names.length > 10 ? `${names.slice(0, 10).join(', ')} (and ${names.length - 10} more)` : names.join(', ');
  return [
    '',
    `Key: ${String(f['key'])}${f['exponent'] !== undefined ? ` (e=${String(f['exponent'])})` : ''}`,
    `Signature: ${String(f['signature'])} (${f['signatureValid'] ? 'verifies' : 'does NOT verify'})`,
    `Subject: ${String(f['subject']) || '(empty)'}`,
    `Names: ${shown || '(none)'}`,
    `Checked as: ${String(f['validation']).toUpperCase()}${f['ca'] ? ` for ${String(f['ca'])}` : ''}${f['template'] ? `, template ${String(f['template'])}` : ''}`,
    '',
  ].join('\n');
}

/** runLintCsr runs `certmedic lint-csr` and returns the exit code (0, or 1 with a critical finding). */
export async function runLintCsr(
  file: string,
  o: LintCsrCliOptions,
  config: Config,
  write: (text: string) => Promise<void>,
): Promise<number> {
  const format = parseFormat(o.format, ['text', 'json']);
  if (o.validation !== undefined && !VALIDATION_LEVELS.includes(o.validation as ValidationLevel))
    throw new UsageError(`invalid --validation ${JSON.stringify(o.validation)}: expected dv, ov or ev`);
  const template = o.template !== undefined ? readTemplate(o.template) : undefined;
  const caName = o.ca ?? template?.ca ?? config.file.defaults?.ca;
  const ca = caName !== undefined ? resolveCa(caName) : undefined;
  const input = readInputBytes(file);
  const report = lintCsr(input, {
    target: file,
    ...(ca ? { ca } : {}),
    ...(o.validation !== undefined ? { validation: o.validation as ValidationLevel } : {}),
    ...(template ? { template } : {}),
  });
  await write(
    format === 'json' ? renderJson(report) : `${renderText(report, { color: useColour() })}${csrSummary(report)}`,
  );
  return exitCodeFor([report]);
}
