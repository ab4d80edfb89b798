/** Coded errors: every failure certmedic raises on purpose carries a stable code. */

export type ErrorCode =
  | 'usage'
  | 'config'
  | 'input'
  | 'not_applicable'
  | 'deadline'
  | 'dns'
  | 'policy'
  | 'store'
  | 'slack'
  | 'action';

export class CertmedicError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** UsageError is bad command-line or chat input: one line, exit 2. */
export class UsageError extends CertmedicError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** InputError is a missing, unreadable or empty file or stdin: exit 2. */
export class InputError extends CertmedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('input', message, options);
  }
}

/** ConfigError is an invalid environment or config file. */
export class ConfigError extends CertmedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', message, options);
  }
}

/** NotApplicable is thrown by a check that does not apply to this target: the run is `skipped`. */
export class NotApplicable extends CertmedicError {
  constructor(reason: string) {
    super('not_applicable', reason);
  }
}

/** PolicyError is a target the guard refuses to probe (SSRF protection in the bot). */
export class PolicyError extends CertmedicError {
  constructor(message: string) {
    super('policy', message);
  }
}

/** errorMessage returns a one-line message for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}
