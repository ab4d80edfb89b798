/**
 * The two ways a retry action runs: an HTTP call to the platform's API (secrets in headers come
 * from the environment through the config; the URL and JSON body are filled from inventory
 * fields) or an allow-listed program started with execFile (no shell), its arguments filled from
 * inventory fields only, under a timeout, with its output capped.
 */
import { execFile } from 'node:child_process';
import { platformRequest } from '../net/platform.js';
import type { ActionConfig } from './schema.js';
import { type Fields, renderBody, renderText, renderUrl } from './template.js';

/** How much of an answer or of a command's output is kept for the thread and the audit. */
export const OUTPUT_CAP = 2000;
const EXEC_BUFFER = 256 * 1024;

export interface AdapterResult {
  ok: boolean;
  /** One line: `HTTP 202`, `exit 0`, `timed out after 60000 ms`. */
  summary: string;
  /** The first OUTPUT_CAP characters of the answer or output. */
  output: string;
}

function cap(text: string): string {
  return text.length > OUTPUT_CAP ? `${text.slice(0, OUTPUT_CAP)}… (cut)` : text;
}

/** runHttp performs the action's HTTP call. */
async function runHttp(
  a: NonNullable<ActionConfig['http']>,
  fields: Fields,
  trust: readonly string[],
): Promise<AdapterResult> {
  const body = a.body !== undefined ? JSON.stringify(renderBody(a.body, fields)) : undefined;
  const res = await platformRequest({
    url: renderUrl(a.url, fields),
    method: a.method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...a.headers },
    ...(body !== undefined ? { body } : {}),
    timeoutMs: a.timeoutMs,
    trustAnchors: trust,
  });
  if (!res.ok) return { ok: false, summary: res.error, output: '' };
  const ok = a.okStatus ? a.okStatus.includes(res.status) : res.status >= 200 && res.status < 300;
  return { ok, summary: `HTTP ${res.status}`, output: cap(res.body) };
}

/** runCommand starts the allow-listed program with inventory-filled arguments, without a shell. */
function runCommand(a: NonNullable<ActionConfig['command']>, fields: Fields): Promise<AdapterResult> {
  const args = a.args.map((t) => renderText(t, fields));
  return new Promise((resolve) => {
    execFile(
      a.path,
      args,
      {
        shell: false,
        timeout: a.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: EXEC_BUFFER,
        windowsHide: true,
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', ...a.env },
      },
      (err, stdout, stderr) => {
        const output = cap(`${stdout}${stderr ? `${stdout ? '\n' : ''}${stderr}` : ''}`.trim());
        if (!err) return resolve({ ok: true, summary: 'exit 0', output });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string; code?: unknown };
        const summary = e.killed
          ? `timed out after ${a.timeoutMs} ms`
          : typeof e.code === 'number'
            ? `exit ${e.code}`
            : e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
              ? 'output too large'
              : `could not start ${a.path}: ${e.code ?? e.message}`;
        resolve({ ok: false, summary, output });
      },
    );
  });
}

/** runAdapter runs one action with the given inventory fields. */
export function runAdapter(
  action: ActionConfig,
  fields: Fields,
  trustAnchors: readonly string[] = [],
): Promise<AdapterResult> {
  if (action.http) return runHttp(action.http, fields, trustAnchors);
  return runCommand(action.command!, fields);
}
