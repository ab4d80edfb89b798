/** CLI input and output helpers: reading files or stdin, choosing the output format. */
import { readFileSync } from 'node:fs';
import { InputError, UsageError } from '../core/errors.js';

export type Format = 'text' | 'json' | 'blocks';

/** parseFormat validates `--format` against the formats a command supports. */
export function parseFormat(value: string | undefined, allowed: readonly Format[]): Format {
  const v = (value ?? 'text') as Format;
  if (!allowed.includes(v))
    throw new UsageError(`invalid --format ${JSON.stringify(value)}: expected ${allowed.join(', ')}`);
  return v;
}

function describeIoError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return code ?? (err as Error).message;
}

/** readInputBytes reads a file, or stdin for `-`; a missing, unreadable or empty (blank) input is InputError. */
export function readInputBytes(path: string): Buffer {
  let data: Buffer;
  try {
    data = path === '-' ? readFileSync(0) : readFileSync(path);
  } catch (err) {
    throw new InputError(`cannot read ${path === '-' ? 'standard input' : path}: ${describeIoError(err)}`, {
      cause: err,
    });
  }
  if (isBlank(data)) throw new InputError(`${path === '-' ? 'standard input' : path} is empty`);
  return data;
}

/** isBlank returns true for input with nothing but whitespace (`echo | certmedic lint-csr -` is empty input). */
export function isBlank(data: Buffer): boolean {
  for (const b of data) if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  return true;
}

/** readInputText reads a file or stdin as UTF-8 text. */
export function readInputText(path: string): string {
  return readInputBytes(path).toString('utf8');
}

/** useColour returns true when stdout is a terminal and NO_COLOR is not set. */
export function useColour(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'];
}
