import { expect, test } from 'vitest';
import { finding } from '../../src/core/catalog.js';
import { makeReport } from '../../src/core/finding.js';
import { renderJson, renderText } from '../../src/render/text.js';

const report = makeReport(
  'shop.example.com',
  [
    finding('caa.permits', 'CAA at example.com permits letsencrypt.org'),
    finding(
      'caa.forbids_ca',
      'CAA at example.com allows only digicert.com',
      {},
      { fixes: ['Add `example.com. CAA 0 issue "letsencrypt.org"`.'] },
    ),
  ],
  [
    { name: 'dns', state: 'ran' },
    { name: 'http01', state: 'skipped', reason: 'method is none' },
  ],
  { resolver: '127.0.0.1:53', startedAt: '2026-11-27T10:00:00.000Z', addresses: [{ address: '192.0.2.1', family: 4 }] },
  42,
);

test('text shows status, findings worst first with cause and fixes, checks and footer', () => {
  const text = renderText(report);
  expect(text).toContain('certmedic · shop.example.com  CRITICAL: 1 critical, 1 info');
  expect(text.indexOf('[caa.forbids_ca]')).toBeLessThan(text.indexOf('[caa.permits]'));
  expect(text).toContain('Likely cause:');
  expect(text).toContain('• Add `example.com. CAA 0 issue "letsencrypt.org"`.');
  expect(text).toContain('http01 skipped (method is none)');
  expect(text).toContain('resolver 127.0.0.1:53 · 42 ms · 2026-11-27 10:00:00 UTC');
  expect(text).not.toContain('\x1b[');
  expect(renderText(report, { color: true })).toContain('\x1b[31m');
});

test('json is one parseable document', () => {
  expect(JSON.parse(renderJson(report))).toMatchObject({ target: 'shop.example.com', status: 'critical' });
});
