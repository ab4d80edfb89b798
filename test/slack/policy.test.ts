import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type Harness, startHarness } from '../support/slack-app.js';
import { blockAction, send, slashCommand } from '../support/slack-requests.js';

let h: Harness;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-policy-'));
  const configPath = join(dir, 'certmedic.yml');
  writeFileSync(
    configPath,
    'slack:\n  authorizedUsers: [U0000009]\n  rateLimit:\n    diagnoses: 2\n    windowSeconds: 600\n',
  );
  h = await startHarness({
    world: { records: ['ok.example.test A 127.0.0.10', 'example.test CAA 0 issue "letsencrypt.org"'] },
    // No CERTMEDIC_ALLOW_NETWORKS: the bot's default policy refuses loopback.
    env: { CERTMEDIC_ALLOW_NETWORKS: '', CERTMEDIC_CONFIG: configPath },
  });
});
afterAll(() => h.close());
beforeEach(() => h.slack.reset());

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON
const texts = (blocks: any): string => JSON.stringify(blocks);

async function reportId(user: string): Promise<string> {
  await send(h.eventsUrl, slashCommand('diagnose ok.example.test', { user }));
  const update = await h.slack.waitFor('chat.update', (c) => texts(c.args['blocks']).includes('report.retry'));
  h.slack.reset();
  return update.args['blocks'].find((b: { type: string }) => b.type === 'actions').elements[0].value;
}

describe('the bot target policy', () => {
  test('a loopback address is refused and reported, never a silent ok', async () => {
    const id = await reportId('U0000001');
    const stored = h.services.slackStore.get(id)!;
    const refused = stored.report!.findings.filter((f) => f.code === 'policy.address_refused');
    expect(refused.map((f) => f.evidence['address'])).toEqual(['127.0.0.10']);
    expect(stored.status).not.toBe('ok');
  });
});

describe('who may act (slack.authorizedUsers)', () => {
  test('another user is refused; the requester and a listed user may retry', async () => {
    const id = await reportId('U0000002');
    await send(
      h.eventsUrl,
      blockAction('report.retry', id, { user: 'U0000003', responseUrl: h.slack.responseUrl('x') }),
    );
    const told = await h.slack.waitFor('response_url');
    expect(told.args['text']).toContain('authorizedUsers');
    expect(h.slack.callsOf('chat.update')).toEqual([]);

    await send(h.eventsUrl, blockAction('report.retry', id, { user: 'U0000009' }));
    await h.slack.waitFor('chat.update', (c) => texts(c.args['blocks']).includes('Since the last run'));
  });
});

describe('per-user rate limit', () => {
  test('the third diagnosis within the window is refused in the ack', async () => {
    const user = 'U0000077';
    for (let i = 0; i < 2; i++) {
      const r = await send(h.eventsUrl, slashCommand('diagnose ok.example.test', { user }));
      expect(r.text).toBe('');
    }
    const r = await send(h.eventsUrl, slashCommand('diagnose ok.example.test', { user }));
    const body = r.json as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toMatch(/try again in \d+ s/);
    const other = await send(h.eventsUrl, slashCommand('diagnose ok.example.test', { user: 'U0000078' }));
    expect(other.text).toBe('');
  });
});
