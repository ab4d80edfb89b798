/** `npm start` (dist/main.js) as a process: start-up errors, HTTP mode end to end, Socket Mode, graceful shutdown. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { FakeSocketMode } from '../support/fake-socket-mode.js';
import { SIGNING_SECRET, send, slashCommand } from '../support/slack-requests.js';
import { startWorld, type World } from '../support/world.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

let world: World;
let slack: FakeSlack;
beforeAll(async () => {
  world = await startWorld({
    records: [
      'locked.example.test A 127.0.0.12',
      'locked.example.test CAA 0 issue ";"',
      'slow.example.test A 127.0.0.13',
    ],
    rules: [{ name: 'slow.example.test', type: 'A', action: 'delay', delayMs: 1500 }],
  });
  slack = await startFakeSlack();
});
afterAll(async () => {
  await world.close();
  await slack.close();
});

interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Running {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r: Running = { child, stdout: '', stderr: '', exited: new Promise((res) => child.on('exit', (c) => res(c))) };
  child.stdout!.on('data', (d) => {
    r.stdout += d;
  });
  child.stderr!.on('data', (d) => {
    r.stderr += d;
  });
  setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  return r;
}

async function portOf(r: Running): Promise<number> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = /listening on port (\d+)/.exec(r.stderr);
    if (m) return Number(m[1]);
    if (Date.now() > deadline || r.child.exitCode !== null) throw new Error(`no port; stderr:\n${r.stderr}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function baseEnv(): Record<string, string> {
  return {
    CERTMEDIC_DB: join(mkdtempSync(join(tmpdir(), 'certmedic-main-')), 'db.sqlite'),
    CERTMEDIC_RESOLVER: world.resolver.resolverArg,
    CERTMEDIC_ALLOW_NETWORKS: '127.0.0.0/8',
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    HOST: '127.0.0.1',
  };
}

describe('npm start', () => {
  test('no Slack settings: the local playground on PORT (healthz), SIGTERM exits 0', async () => {
    const r = start({ CERTMEDIC_DB: baseEnv()['CERTMEDIC_DB']!, PORT: '0', HOST: '127.0.0.1' });
    const port = await portOf(r);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(r.stdout).toContain('playground');
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  });

  test('partial Slack settings: one line on stderr, exit 2', async () => {
    const r = start({ SLACK_BOT_TOKEN: 'xoxb-secret-partial' });
    expect(await r.exited).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('SLACK_APP_TOKEN');
    expect(r.stderr).not.toContain('xoxb-secret-partial');
    expect(r.stdout).toBe('');
  });

  test('HTTP mode: healthz, a signed /cert diagnose reaches Slack, SIGTERM exits 0', async () => {
    slack.reset();
    const r = start({ ...baseEnv(), SLACK_BOT_TOKEN: 'xoxb-main-secret', SLACK_SIGNING_SECRET: SIGNING_SECRET });
    const port = await portOf(r);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const res = await send(`http://127.0.0.1:${port}/slack/events`, slashCommand('diagnose locked.example.test'));
    expect(res.status).toBe(200);
    const update = await slack.waitFor('chat.update');
    expect(JSON.stringify(update.args['blocks'])).toContain('caa.forbids_ca');
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.stderr).not.toContain('xoxb-main-secret');
    expect(r.stderr).not.toContain(SIGNING_SECRET);
  });

  test('SIGTERM while a diagnosis runs: the report is still posted before exit 0', async () => {
    slack.reset();
    const r = start({ ...baseEnv(), SLACK_BOT_TOKEN: 'xoxb-main-secret', SLACK_SIGNING_SECRET: SIGNING_SECRET });
    const port = await portOf(r);
    await send(`http://127.0.0.1:${port}/slack/events`, slashCommand('diagnose slow.example.test'));
    await slack.waitFor('chat.postMessage');
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(slack.callsOf('chat.update')).toHaveLength(1);
  });

  test('Socket Mode: connects through SLACK_API_URL, serves healthz, SIGTERM exits 0', async () => {
    slack.reset();
    const socket = await new FakeSocketMode().start(slack);
    try {
      const r = start({ ...baseEnv(), SLACK_BOT_TOKEN: 'xoxb-main-secret', SLACK_APP_TOKEN: 'xapp-main-secret' });
      const port = await portOf(r);
      await socket.waitForConnection();
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: 'x' })).status).toBe(404);
      r.child.kill('SIGTERM');
      expect(await r.exited).toBe(0);
      expect(r.stderr).not.toContain('xapp-main-secret');
    } finally {
      await socket.close();
    }
  });
});
