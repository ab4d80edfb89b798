/**
 * Structured logs (pino, JSON lines on stderr) without secrets: token-like strings are scrubbed
 * from every message and known secret fields are redacted. boltLogger adapts pino to Bolt's Logger.
 */
import type { Logger as BoltLogger, LogLevel } from '@slack/bolt';
import { type Logger, pino } from 'pino';

const SECRET_PATTERNS: RegExp[] = [
  /\bxox[abposr]-[A-Za-z0-9-]+/g,
  /\bxapp-[A-Za-z0-9-]+/g,
  /("?(?:token|signing_?secret|authorization|client_secret)"?\s*[:=]\s*"?)[^",\s}]+/gi,
  /(v0=)[0-9a-f]{64}/g,
  // response_url and webhook URLs are capabilities (anyone holding one can post for 30 minutes).
  /(https:\/\/hooks\.slack(?:-gov)?\.com\/)[^\s"'\\]+/g,
  // Socket Mode connection URLs carry a one-time ticket.
  /([?&]ticket=)[^&\s"'\\]+/g,
];

/** scrub returns text with Slack tokens, signatures and secret fields replaced by `[redacted]`. */
export function scrub(text: string): string {
  let out = text;
  for (const re of SECRET_PATTERNS)
    out = out.replace(re, (_m, prefix?: string) => `${typeof prefix === 'string' ? prefix : ''}[redacted]`);
  return out;
}

/** scrubError returns a loggable copy of an error with secrets scrubbed from message and stack. */
function scrubError(e: Error): Record<string, unknown> {
  const code = (e as { code?: unknown }).code;
  return { type: e.name, message: scrub(e.message), stack: scrub(e.stack ?? ''), ...(code ? { code } : {}) };
}

/** createLogger returns the app's pino logger at the given level, writing to `destination` (stderr). */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: { app: 'certmedic' },
      redact: {
        paths: [
          'token',
          '*.token',
          'botToken',
          'appToken',
          'signingSecret',
          'headers.authorization',
          '*.headers.authorization',
        ],
        censor: '[redacted]',
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) =>
              typeof a === 'string' ? scrub(a) : a instanceof Error ? { err: scrubError(a) } : a,
            ) as Parameters<typeof method>,
          );
        },
      },
    },
    destination as pino.DestinationStream,
  );
}

function text(msgs: unknown[]): string {
  return msgs
    .map((m) => (m instanceof Error ? (m.stack ?? m.message) : typeof m === 'string' ? m : JSON.stringify(m)))
    .join(' ');
}

/** boltLogger adapts a pino logger to Bolt's Logger interface (messages scrubbed). */
export function boltLogger(log: Logger): BoltLogger {
  let level = log.level as LogLevel;
  const child = log.child({ component: 'bolt' });
  return {
    debug: (...m: unknown[]) => child.debug(scrub(text(m))),
    info: (...m: unknown[]) => child.info(scrub(text(m))),
    warn: (...m: unknown[]) => child.warn(scrub(text(m))),
    error: (...m: unknown[]) => child.error(scrub(text(m))),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
