/** Escalate names the served certificate's CN and SANs (from a real TLS server on loopback). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { leafOf, pki } from '../support/certs.js';
import { type Harness, startHarness } from '../support/slack-app.js';
import { blockAction, send, slashCommand } from '../support/slack-requests.js';
import { type Servers, startServers } from '../support/tls-servers.js';

let h: Harness;
let tls: Servers;
beforeAll(async () => {
  const ca = await pki('Escalation Test');
  const leaf = await leafOf(ca, ['shop.example.test', 'www.shop.example.test']);
  tls = await startServers({ '127.0.0.21': { chain: [leaf, ca.intermediate] } });
  h = await startHarness({ world: { records: ['shop.example.test A 127.0.0.21'] }, portMap: { 443: tls.port } });
});
afterAll(async () => {
  await h.close();
  await tls.close();
});

describe('escalation summary', () => {
  test('the modal lists CN and SANs of the served certificate', async () => {
    await send(h.eventsUrl, slashCommand('diagnose shop.example.test --method none'));
    const update = await h.slack.waitFor('chat.update', (c) =>
      JSON.stringify(c.args['blocks']).includes('report.retry'),
    );
    const id = update.args['blocks'].find((b: { type: string }) => b.type === 'actions').elements[0].value;
    await send(h.eventsUrl, blockAction('report.escalate', id));
    const open = await h.slack.waitFor('views.open');
    const fields = JSON.stringify(open.args['view'].blocks);
    expect(fields).toContain('shop.example.test, www.shop.example.test');
  });
});
