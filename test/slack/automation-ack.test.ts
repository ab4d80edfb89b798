/** Automation listeners whose ack fails, through the real Bolt app: logged, nothing run or posted. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Listening, type RecordedRequest, startPlatformApi } from '../support/automation.js';
import { FlakyReceiver, rawClick } from '../support/flaky-receiver.js';
import { type Harness, startHarness } from '../support/slack-app.js';

const receiver = new FlakyReceiver();
let h: Harness;
let api: Listening & { requests: RecordedRequest[] };
let dir: string;
beforeAll(async () => {
  api = await startPlatformApi(202);
  dir = mkdtempSync(join(tmpdir(), 'certmedic-auto-ack-'));
  writeFileSync(
    join(dir, 'certmedic.yml'),
    `inventory:
  certificates: [{ id: shop, names: [shop.example.test] }]
actions:
  - { id: renew, kind: renew, allow: { users: [U0000001] }, http: { url: "${api.url}/renew/{{certificate.id}}" } }
`,
  );
  h = await startHarness({
    world: { records: ['shop.example.test A 127.0.0.1'] },
    receiver,
    env: { CERTMEDIC_CONFIG: join(dir, 'certmedic.yml') },
  });
});
afterAll(async () => {
  await h.close();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ack failures in automation listeners', () => {
  test('/cert status: logged, nothing posted', async () => {
    h.slack.reset();
    h.logs.length = 0;
    await receiver.deliver(
      {
        command: '/cert',
        text: 'status shop.example.test',
        user_id: 'U0000001',
        channel_id: 'C0000001',
        team_id: 'T0000001',
        api_app_id: 'A0000001',
        response_url: h.slack.responseUrl('r'),
        trigger_id: 't',
      },
      true,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(h.logs.join('')).toContain('ack failed: connection closed');
    expect(h.slack.callsOf('chat.postMessage')).toEqual([]);
  });

  test('an action button: logged, the action does not run', async () => {
    const [offer] = h.services.automation!.actions.offer('shop', { channelId: 'C0000001' });
    h.logs.length = 0;
    await receiver.deliver(rawClick('automation_run:0', offer!.request.id), true);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.logs.join('')).toContain('ack failed: connection closed');
    expect(api.requests).toEqual([]);
    expect(h.services.automation!.actions.store.auditLog()).toEqual([]);
  });
});
