import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { loadConfig } from '../src/config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-config-'));
  dirs.push(dir);
  const path = join(dir, 'certmedic.yml');
  writeFileSync(path, text);
  return path;
}

test('no Slack settings means the playground; partial settings are an error', () => {
  expect(loadConfig({}).slack.mode).toBe('playground');
  expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack.mode).toBe('socket');
  expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).slack.mode).toBe('http');
  expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/neither SLACK_APP_TOKEN/);
  expect(() => loadConfig({ SLACK_APP_TOKEN: 'xapp-1' })).toThrow(/SLACK_BOT_TOKEN is required/);
  expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }, process.cwd(), { ignoreSlack: true }).slack.mode).toBe('playground');
});

test('environment values are validated', () => {
  expect(loadConfig({ PORT: '8080' }).port).toBe(8080);
  expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  expect(loadConfig({ CERTMEDIC_ALLOW_NETWORKS: '10.0.0.0/8, 127.0.0.0/8' }).allowNetworks).toEqual([
    '10.0.0.0/8',
    '127.0.0.0/8',
  ]);
});

test('the config file is validated and errors name the line', () => {
  const ok = file('defaults:\n  ca: letsencrypt\nwatchlist:\n  - name: shop.example.com\n');
  expect(loadConfig({ CERTMEDIC_CONFIG: ok }).file.defaults?.ca).toBe('letsencrypt');
  expect(loadConfig({ CERTMEDIC_CONFIG: ok }).file.watchlist?.[0]?.port).toBe(443);
  const bad = file('watchlist:\n  - name: a.example.com\n  - name: b.example.com\n    port: seventy\n');
  expect(() => loadConfig({ CERTMEDIC_CONFIG: bad })).toThrow(/certmedic\.yml:4: watchlist\[1\]\.port/);
  const broken = file('watchlist:\n  - name: [unclosed\n');
  expect(() => loadConfig({ CERTMEDIC_CONFIG: broken })).toThrow(/certmedic\.yml:\d+/);
  expect(() => loadConfig({ CERTMEDIC_CONFIG: '/nonexistent/certmedic.yml' })).toThrow(/cannot read/);
});
