import { describe, expect, test } from 'vitest';
import { finding } from '../../src/core/catalog.js';
import { makeReport } from '../../src/core/finding.js';
import { actionResultMessage, chainLine, statusMessage } from '../../src/slack/blocks/automation.js';

const chain = [
  { link: 'bot' as const, name: 'bot-1', state: 'ok' as const, codes: [] },
  { link: 'connector' as const, name: 'le-prod', state: 'ok' as const, codes: [] },
  { link: 'order' as const, name: '(no order seen)', state: 'unknown' as const, codes: [] },
  { link: 'deployment' as const, name: 'web', state: 'failing' as const, codes: ['deploy.failed'] },
  { link: 'renewal' as const, name: 'policy', state: 'warning' as const, codes: ['renewal.no_retry'] },
];

function report(detail: string) {
  return makeReport(
    'shop.example.com',
    [finding('deploy.failed', detail, {}), finding('renewal.no_retry', 'shop has no retries', {})],
    [{ name: 'automation', state: 'ran' }],
    { automation: { certificate: 'shop', names: ['shop.example.com'], chain } },
    12,
  );
}

describe('automation blocks', () => {
  test('the failing link is bold and named; findings sit under their link', () => {
    expect(chainLine(chain)).toContain(':x: *deployment web*');
    const msg = statusMessage(report('Deployment web failed: reload failed'));
    const t = JSON.stringify(msg.blocks);
    expect(t).toContain('breaks at the *deployment*');
    expect(t).toContain(':warning: *renewal*');
    expect(msg.text).toContain('breaks at the deployment (web)');
  });

  test('outside text cannot mention or break formatting', () => {
    const msg = statusMessage(report('log said <!channel> and <@U123> ```x```'));
    const t = JSON.stringify(msg.blocks);
    expect(t).not.toContain('<!channel>');
    expect(t).not.toContain('<@U123>');
    expect(t).toContain('&lt;!channel&gt;');
    const res = actionResultMessage({
      outcome: 'failed',
      label: 'Re-run deployment',
      certificate: 'shop',
      userId: 'U1',
      summary: 'exit 1',
      output: '```<!here>'.repeat(1000),
    });
    const rt = JSON.stringify(res.blocks);
    expect(rt).not.toContain('<!here>');
    for (const b of res.blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
  });

  test('a skipped automation check gets its reason, not a chain', () => {
    const r = makeReport(
      'x.example.com',
      [],
      [{ name: 'automation', state: 'skipped', reason: 'x.example.com is not in the inventory' }],
      {},
      1,
    );
    expect(statusMessage(r).text).toContain('not in the inventory');
  });

  test('many findings stay within 50 blocks', () => {
    const many = Array.from({ length: 80 }, (_, i) => finding('deploy.failed', `failure ${i}`, {}));
    const big = chain.map((l) => ({ ...l, codes: ['deploy.failed'] }));
    const r = makeReport(
      's',
      many,
      [{ name: 'automation', state: 'ran' }],
      { automation: { certificate: 's', names: ['s'], chain: big } },
      1,
    );
    const msg = statusMessage(r, []);
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    for (const b of msg.blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
  });
});
