/**
 * The Slack surface: how fast a report renders to Block Kit (a 120-finding report, limits
 * enforced), how fast `/cert diagnose` is acknowledged (Slack allows 3 s) and how long until the
 * report replaces "Diagnosing …" — the real Bolt app in HTTP mode against the fake Slack Web API
 * and the loopback DNS world.
 */
import { finding } from '../src/core/catalog.js';
import { makeReport } from '../src/core/finding.js';
import { reportMessage } from '../src/slack/blocks/report.js';
import { startHarness } from '../test/support/slack-app.js';
import { send, slashCommand } from '../test/support/slack-requests.js';
import { type BenchLine, median, round } from './types.js';

function renderFigure(): BenchLine {
  const findings = Array.from({ length: 120 }, (_, i) =>
    finding('dns.timeout', `detail ${i} ${'x'.repeat(400)}`, {}, { fixes: ['one', 'two', 'three'] }),
  );
  const report = makeReport('shop.example.test', findings, [], { resolver: '127.0.0.1:53' }, 10);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    reportMessage(report, { reportId: 'abcdefghij' });
    times.push(performance.now() - t);
  }
  const ms = median(times);
  return {
    name: 'slack: render a 120-finding report to Block Kit (median)',
    value: round(ms, 3),
    unit: 'ms',
    target: '< 5 ms',
    ok: ms < 5,
  };
}

export default async function bench(): Promise<BenchLine[]> {
  const lines: BenchLine[] = [renderFigure()];
  const h = await startHarness({
    world: { records: ['shop.example.test A 127.0.0.11', 'example.test CAA 0 issue "letsencrypt.org"'] },
    env: { CERTMEDIC_LOG_LEVEL: 'warn' },
  });
  try {
    const acks: number[] = [];
    const reports: number[] = [];
    for (let i = 0; i < 20; i++) {
      h.slack.reset();
      const t = performance.now();
      const r = await send(
        h.eventsUrl,
        slashCommand('diagnose shop.example.test', { user: `U${String(i).padStart(8, '0')}` }),
      );
      acks.push(performance.now() - t);
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      await h.slack.waitFor('chat.update');
      reports.push(performance.now() - t);
    }
    const ack = median(acks);
    const rep = median(reports);
    lines.push({
      name: 'slack: /cert diagnose acknowledged (median of 20)',
      value: round(ack, 1),
      unit: 'ms',
      target: '< 3000 ms',
      ok: ack < 3000,
    });
    lines.push({ name: 'slack: command to report posted, loopback DNS (median)', value: round(rep, 1), unit: 'ms' });
  } finally {
    await h.close();
  }
  return lines;
}
