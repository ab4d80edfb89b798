/** `certmedic classify-log <file|->`: streams a provisioning log through the classifier and prints the report. */
import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { compileLogRules } from '../checks/automation/log-rules-schema.js';
import { classifyLog, type LogReport } from '../checks/automation/logs.js';
import type { Config } from '../config.js';
import { InputError } from '../core/errors.js';
import { exitCodeFor } from '../core/finding.js';
import { renderJson, renderText } from '../render/text.js';
import { parseFormat, readInputBytes, useColour } from './io.js';

export interface ClassifyLogCliOptions {
  format?: string;
}

/**
 * openLog returns a stream of the file (or stdin for `-`) without reading it into memory; a
 * missing, unreadable or empty file is InputError (exit 2), with the same words as readInputBytes.
 */
export function openLog(path: string): Readable {
  if (path === '-') return process.stdin;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    readInputBytes(path); // throws the InputError that names the problem
    throw new InputError(`cannot read ${path}`);
  }
  const stat = fstatSync(fd);
  if (!stat.isFile() && !stat.isFIFO()) {
    closeSync(fd);
    readInputBytes(path);
    throw new InputError(`cannot read ${path}: not a regular file`);
  }
  if (stat.isFile() && stat.size === 0) {
    closeSync(fd);
    throw new InputError(`${path} is empty`);
  }
  return createReadStream(path, { fd, highWaterMark: 256 * 1024 });
}

/** matchLines renders the quoted lines under the text report. */
export function matchLines(report: LogReport): string {
  if (report.matches.length === 0) return '';
  const width = String(report.matches.at(-1)!.line).length;
  const lines = report.matches.map((m) => `  ${String(m.line).padStart(width)}  ${m.text}  [${m.rule}]`);
  return `Matched lines:\n${lines.join('\n')}\n`;
}

/** runClassifyLog runs `certmedic classify-log` and returns the exit code (1 when a failure was found). */
export async function runClassifyLog(
  file: string,
  o: ClassifyLogCliOptions,
  config: Config,
  write: (text: string) => Promise<void>,
): Promise<number> {
  const format = parseFormat(o.format, ['text', 'json']);
  const rules = compileLogRules(config.file.logRules);
  const stream = openLog(file);
  let report: LogReport;
  try {
    report = await classifyLog(stream, { target: file, rules });
  } catch (err) {
    throw new InputError(`cannot read ${file === '-' ? 'standard input' : file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (report.facts['bytes'] === 0 || report.facts['blank'])
    throw new InputError(`${file === '-' ? 'standard input' : file} is empty`);
  if (format === 'json') await write(renderJson(report));
  else {
    const text = renderText(report, { color: useColour() });
    await write(`${text}${matchLines(report) ? `\n${matchLines(report)}` : ''}`);
  }
  return exitCodeFor([report]);
}
