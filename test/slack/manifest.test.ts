/** manifest.yml must match what the code registers (command, events, interactivity, scopes). */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';

// biome-ignore lint/suspicious/noExplicitAny: manifest JSON
const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as any;

describe('manifest.yml', () => {
  test('the /cert command with a usage hint, unescaped text', () => {
    const [cmd] = manifest.features.slash_commands;
    expect(cmd.command).toBe('/cert');
    expect(cmd.usage_hint).toContain('diagnose');
    expect(cmd.should_escape).toBe(false);
  });

  test('events, interactivity, App Home and Socket Mode', () => {
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(['app_home_opened', 'app_mention']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  test('minimal bot scopes (history: the alert outbox looks messages up by metadata; usergroups: action authorization)', () => {
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual([
      'app_mentions:read',
      'channels:history',
      'chat:write',
      'chat:write.public',
      'commands',
      'groups:history',
      'usergroups:read',
    ]);
  });
});
