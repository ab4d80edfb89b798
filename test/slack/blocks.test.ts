import { describe, expect, test } from 'vitest';
import { finding } from '../../src/core/catalog.js';
import { type Finding, makeReport, type Report } from '../../src/core/finding.js';
import { buildEscalation } from '../../src/services/escalation.js';
import { escalationMessage, escalationModal, plainTextMessage } from '../../src/slack/blocks/escalation.js';
import { homeView } from '../../src/slack/blocks/home.js';
import { type Block, LIMITS, truncate } from '../../src/slack/blocks/limits.js';
import { usageMessage } from '../../src/slack/blocks/messages.js';
import { changesLine, diffCodes, reportMessage } from '../../src/slack/blocks/report.js';
import { escapeMrkdwn } from '../../src/slack/escape.js';

const HOSTILE = '<!channel> <@U123ABC> <#C999|general> & @here <https://evil.example|click> ```x``` @everyone';

function report(findings: Finding[], facts: Record<string, unknown> = {}): Report {
  return makeReport(
    'shop.example.test',
    findings,
    [{ name: 'dns', state: 'ran' }],
    { resolver: '127.0.0.1:53', startedAt: '2026-11-27T10:00:00.000Z', ...facts },
    42,
  );
}

/** walk yields every object inside a Block Kit payload. */
function* walk(v: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(v)) for (const x of v) yield* walk(x);
  else if (v && typeof v === 'object') {
    yield v as Record<string, unknown>;
    for (const x of Object.values(v)) yield* walk(x);
  }
}

/** assertLimits checks every Block Kit limit the renderers promise. */
function assertLimits(blocks: Block[], maxBlocks: number = LIMITS.messageBlocks): void {
  expect(blocks.length).toBeLessThanOrEqual(maxBlocks);
  for (const b of blocks) {
    if (b['type'] === 'header') expect(b['text'].text.length).toBeLessThanOrEqual(LIMITS.header);
    if (b['type'] === 'section' && b['text']) expect(b['text'].text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    if (b['fields']) {
      expect(b['fields'].length).toBeLessThanOrEqual(LIMITS.fields);
      for (const f of b['fields']) expect(f.text.length).toBeLessThanOrEqual(LIMITS.fieldText);
    }
    if (b['type'] === 'context') expect(b['elements'].length).toBeLessThanOrEqual(LIMITS.contextElements);
  }
  for (const o of walk(blocks)) {
    if (o['type'] === 'button') {
      expect((o['text'] as { text: string }).text.length).toBeLessThanOrEqual(LIMITS.buttonLabel);
      expect(String(o['value']).length).toBeLessThanOrEqual(LIMITS.buttonValue);
      expect(String(o['action_id']).length).toBeLessThanOrEqual(LIMITS.actionId);
    }
  }
}

/** assertNoMentions checks no outside text can ping or link. */
function assertNoMentions(payload: unknown): void {
  const s = JSON.stringify(payload);
  expect(s).not.toMatch(/<!channel>|<!here>|<!everyone>|<@U123ABC>|<#C999|<https:\/\/evil/);
  expect(s).not.toMatch(/(?<!&amp;)@(here|everyone)\b/);
}

describe('reportMessage', () => {
  test('header, findings worst first with cause and fixes, addresses, footer, buttons with the id only', () => {
    const r = report(
      [
        finding('caa.permits', 'CAA allows letsencrypt.org'),
        finding('caa.forbids_ca', 'CAA at example.test allows only digicert.com', {}, { fixes: ['Add the record'] }),
      ],
      { addresses: [{ address: '127.0.0.2', family: 4, tls: { summary: 'ok' } }] },
    );
    const m = reportMessage(r, { reportId: 'abc123defg' });
    assertLimits(m.blocks);
    expect(m.blocks[0]!['text'].text).toBe(':red_circle: shop.example.test — CRITICAL');
    const sections = m.blocks.filter((b) => b['type'] === 'section').map((b) => b['text'].text as string);
    expect(sections[1]).toContain('`caa.forbids_ca`');
    expect(sections[1]).toContain('*Likely cause:*');
    expect(sections[1]).toContain('• Add the record');
    expect(sections[2]).toContain('`caa.permits`');
    expect(sections.find((s) => s.includes('*Addresses*'))).toContain('127.0.0.2: tls ok');
    const ctx = m.blocks.find((b) => b['type'] === 'context')!;
    expect(ctx['elements'][0].text).toContain('resolver 127.0.0.1:53 · 42 ms · 2026-11-27 10:00:00 UTC');
    const actions = m.blocks.at(-1)!;
    expect(actions['elements'].map((e: Block) => [e['action_id'], e['value']])).toEqual([
      ['report.retry', 'abc123defg'],
      ['report.escalate', 'abc123defg'],
    ]);
    expect(m.text).toContain('CRITICAL');
  });

  test('a huge report stays within the limits and ends in "and N more findings"', () => {
    const many = Array.from({ length: 120 }, (_, i) =>
      finding(
        'dns.timeout',
        `${'x'.repeat(5000)} ${i}`,
        {},
        { fixes: Array.from({ length: 30 }, () => 'y'.repeat(300)) },
      ),
    );
    const m = reportMessage(
      report(many, { addresses: Array.from({ length: 40 }, (_, i) => ({ address: `127.0.0.${i}` })) }),
      { reportId: 'abc' },
    );
    assertLimits(m.blocks);
    expect(JSON.stringify(m).length).toBeLessThan(40_000);
    const more = m.blocks.find((b) => b['type'] === 'context' && /and \d+ more findings/.test(b['elements'][0].text));
    expect(more).toBeDefined();
    const shown = m.blocks.filter((b) => b['type'] === 'section' && b['text'].text.includes('`dns.timeout`')).length;
    expect(more!['elements'][0].text).toContain(`and ${120 - shown} more findings`);
    expect(m.blocks.some((b) => b['type'] === 'section' && b['text'].text.includes('and 30 more addresses'))).toBe(
      true,
    );
    expect(m.blocks.at(-1)!['type']).toBe('actions');
  });

  test('maxFindings caps the sections', () => {
    const m = reportMessage(report(Array.from({ length: 10 }, () => finding('dns.timeout', 't'))), { maxFindings: 3 });
    expect(
      m.blocks.find((b) => b['type'] === 'context' && b['elements'][0].text.includes('and 7 more findings')),
    ).toBeDefined();
  });

  test('outside text is escaped everywhere: no mentions, links or broken formatting', () => {
    const r = makeReport(
      `shop.example.test`,
      [finding('http01.wrong_content', HOSTILE, {}, { fixes: [HOSTILE] })],
      [{ name: HOSTILE, state: 'error', reason: HOSTILE }],
      { resolver: HOSTILE, addresses: [{ address: HOSTILE, http01: { summary: HOSTILE } }] },
      1,
    );
    const m = reportMessage(r, { reportId: 'abc' });
    assertNoMentions(m);
    expect(JSON.stringify(m)).toContain('&lt;!channel&gt;');
  });

  test('an ok report has a green header and no findings sections', () => {
    const m = reportMessage(report([]));
    expect(m.blocks[0]!['text'].text).toContain(':large_green_circle:');
    expect(m.blocks.some((b) => b['type'] === 'actions')).toBe(false);
  });

  test('changes are marked: fixed and new codes', () => {
    const c = diffCodes(['caa.forbids_ca', 'dns.timeout'], ['dns.timeout', 'dns.servfail']);
    expect(c).toEqual({ fixed: ['caa.forbids_ca'], added: ['dns.servfail'] });
    expect(changesLine(c)).toBe('fixed: `caa.forbids_ca` · new: `dns.servfail`');
    expect(changesLine(diffCodes(['a'], ['a']))).toBe('nothing changed');
    const m = reportMessage(report([]), { changes: c, run: 2 });
    expect(m.blocks[1]!['text'].text).toContain('Since the last run: fixed: `caa.forbids_ca`');
  });
});

describe('truncate and escape', () => {
  test('truncate never splits an entity or a surrogate pair', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcdef', 4)).toBe('abc…');
    const esc = escapeMrkdwn('aaaa<b');
    expect(truncate(esc, 7)).toBe('aaaa…');
    expect(truncate('aaa😀bbb', 5)).toBe('aaa…');
  });

  test('escapeMrkdwn', () => {
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
    expect(escapeMrkdwn('<@U1> <!here>')).toBe('&lt;@U1&gt; &lt;!here&gt;');
    expect(escapeMrkdwn('@channel')).not.toBe('@channel');
  });
});

describe('escalation renderers', () => {
  const r = report([finding('caa.forbids_ca', HOSTILE)]);
  const s = buildEscalation('abc123', r, {
    bot: `bot ${HOSTILE}`,
    connector: 'sectigo-prod',
    renewalSchedule: '30 days before, 02:00 UTC',
  });

  test('the modal: title within 24, metadata carried, the summary and the changes field', () => {
    const v = escalationModal(s, JSON.stringify({ id: 'abc123', channel: 'C1' }));
    expect(v['title'].text.length).toBeLessThanOrEqual(LIMITS.modalTitle);
    expect(v['private_metadata']).toContain('abc123');
    assertLimits(v['blocks'], LIMITS.viewBlocks);
    assertNoMentions(v);
    const all = JSON.stringify(v);
    expect(all).toContain('sectigo-prod');
    expect(all).toContain('30 days before, 02:00 UTC');
    expect(v['blocks'].some((b: Block) => b['type'] === 'input' && b['block_id'] === 'changes')).toBe(true);
    expect(() => escalationModal(s, 'x'.repeat(3001))).toThrow(RangeError);
  });

  test('the posted message and the plain-text copy', () => {
    const m = escalationMessage(s, `changed the CDN ${HOSTILE}`, 'U0000001');
    assertLimits(m.blocks);
    assertNoMentions({ ...m, blocks: m.blocks.slice(0, -1) });
    expect(JSON.stringify(m)).toContain('<@U0000001>');
    const p = plainTextMessage(s, 'changed the CDN', 'alice');
    assertLimits(p.blocks);
    const text = p.blocks[0]!['text'].text as string;
    expect(text).toContain('Names (CN/SAN): shop.example.test');
    expect(text).toContain('CA connector: sectigo-prod');
    expect(text).toContain('Provisioning bot: bot');
    expect(text).toContain('Recent infrastructure changes: changed the CDN');
    expect(text.endsWith('```')).toBe(true);
  });
});

describe('usage and home', () => {
  test('usage lists the subcommands and escapes the problem', () => {
    const u = usageMessage([{ syntax: '/cert help', summary: 'this' }], `bad ${HOSTILE}`);
    assertNoMentions(u);
    expect(JSON.stringify(u)).toContain('/cert help');
  });

  test('home view stays within 100 blocks with many entries', () => {
    const entries = Array.from({ length: 500 }, (_, i) => ({
      id: String(i),
      target: `n${i}.example.test`,
      status: 'critical' as const,
      codes: ['a', 'b', 'c', 'd'],
      updatedAt: '2026-11-27T10:00:00.000Z',
      channelId: 'C0000001',
    }));
    const v = homeView(entries, entries, [{ title: 'Watched', lines: entries.map((e) => e.target) }]);
    assertLimits(v['blocks'], LIMITS.viewBlocks);
    expect(JSON.stringify(v)).toContain('and 1 more');
  });
});
