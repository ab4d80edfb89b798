/**
 * Parsing chat input: `/cert <subcommand> ...` text and `@certmedic diagnose ...` mentions.
 * Slack sends `&`, `<`, `>` escaped and turns names into links (`<http://a.example|a.example>`);
 * both are undone here. `/cert diagnose` accepts only the options in CHAT_OPTIONS (DESIGN.md:
 * files, resolvers and port maps are server-side settings); validation is the CLI's
 * (`parseDiagnoseRequest`), so chat and command line accept exactly the same values.
 */
import type { DiagnoseRequest } from '../checks/context.js';
import { type DiagnoseOptions, parseDiagnoseRequest } from '../cli/diagnose.js';
import type { Config } from '../config.js';
import { UsageError } from '../core/errors.js';

/** The options `/cert diagnose` accepts, and the DiagnoseOptions key each sets. */
export const CHAT_OPTIONS: Readonly<Record<string, { key: keyof DiagnoseOptions; flag?: boolean }>> = {
  '--ca': { key: 'ca' },
  '--method': { key: 'method' },
  '--wildcard': { key: 'wildcard', flag: true },
  '--http-token': { key: 'httpToken' },
  '--key-authorization': { key: 'keyAuthorization' },
  '--file-path': { key: 'filePath' },
  '--file-content': { key: 'fileContent' },
  '--txt': { key: 'txt' },
  '--expect-serial': { key: 'expectSerial' },
  '--expect-sha256': { key: 'expectSha256' },
  '--account-uri': { key: 'accountUri' },
};

/**
 * unwrapSlackText undoes Slack's formatting of typed text: links back to their label, a bare link
 * to its host when it is only a host (`<http://shop.example.com/>`), else the whole URL (an
 * `--account-uri https://acme.example/acct/1` arrives as `<https://acme.example/acct/1>`), entities decoded.
 */
export function unwrapSlackText(text: string): string {
  return text
    .replace(/<(?:https?:\/\/|mailto:)[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<(https?:\/\/[^>|]*)>/g, (_, url: string) => /^https?:\/\/([^/?#]+)\/?$/.exec(url)?.[1] ?? url)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** tokenize splits command text on whitespace, keeping "quoted values" (straight or curly quotes) together. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|“([^”]*)”|'([^']*)'|‘([^’]*)’|(\S+)/g;
  for (const m of text.matchAll(re)) tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? '');
  return tokens;
}

export interface ChatCommand {
  subcommand: string;
  args: string[];
}

/** uncode returns a word without the `code` or ```code block``` marks a user typed around it. */
function uncode(token: string): string {
  return /^(`{1,3})([^`]+)\1$/.exec(token)?.[2] ?? token;
}

/** parseCommandText returns the subcommand (lower-cased, `help` when empty) and its arguments. */
export function parseCommandText(text: string): ChatCommand {
  const tokens = tokenize(unwrapSlackText(text.slice(0, 4000))).map(uncode);
  const first = tokens.shift();
  return { subcommand: (first ?? 'help').toLowerCase(), args: tokens };
}

/**
 * mentionCommand parses what follows the bot's mention in an app_mention's text: Slack sends the
 * event for a mention anywhere (`hey <@UBOT> diagnose x`), so everything up to the bot's mention
 * (the first mention when the bot's id is unknown) is dropped; a mention at the end reads what came before.
 */
export function mentionCommand(text: string, botUserId?: string): ChatCommand {
  const mention = /<@([A-Z0-9]+)(?:\|[^>]*)?>[\s,:]*/gi;
  for (const m of text.matchAll(mention)) {
    if (botUserId && m[1]!.toUpperCase() !== botUserId.toUpperCase()) continue;
    const after = text.slice(m.index + m[0].length);
    // `diagnose shop.example.com @certmedic`: the command came before the mention.
    return parseCommandText(after.trim() ? after : text.slice(0, m.index));
  }
  return parseCommandText(text);
}

/** parseDiagnoseArgs validates `diagnose <name> [options]` from chat into a DiagnoseRequest. */
export function parseDiagnoseArgs(args: readonly string[], config: Pick<Config, 'file'>): DiagnoseRequest {
  const options: DiagnoseOptions = {};
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--') && !/^[—–]/.test(arg)) {
      // A pasted URL (https://shop.example.com/checkout) names its host and port.
      names.push(/^https?:\/\/([^/?#@]+)/i.exec(arg)?.[1] ?? arg);
      continue;
    }
    // Slack clients may turn `--` into an em or en dash.
    const normal = arg.replace(/^[—–]-?/, '--');
    const eq = normal.indexOf('=');
    const flag = eq >= 0 ? normal.slice(0, eq) : normal;
    const spec = CHAT_OPTIONS[flag];
    if (!spec) throw new UsageError(`${flag} is not an option of /cert diagnose`);
    if (options[spec.key] !== undefined) throw new UsageError(`${flag} is given twice`);
    if (spec.flag) {
      if (eq >= 0) throw new UsageError(`${flag} takes no value`);
      (options as Record<string, unknown>)[spec.key] = true;
      continue;
    }
    const value = eq >= 0 ? normal.slice(eq + 1) : args[++i];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
    (options as Record<string, unknown>)[spec.key] = value;
  }
  if (names.length === 0) throw new UsageError('which name? e.g. /cert diagnose shop.example.com');
  if (names.length > 1)
    throw new UsageError(`one name at a time (got ${names.length}: ${names.slice(0, 3).join(' ')})`);
  return parseDiagnoseRequest(names[0]!, options, config);
}
