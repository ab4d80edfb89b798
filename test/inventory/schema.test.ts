import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { nextRuns } from '../../src/inventory/schedule.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function load(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'certmedic-inv-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'certmedic.yml'), yaml);
  return loadConfig({ CERTMEDIC_CONFIG: 'certmedic.yml' }, dir, { ignoreSlack: true });
}

const GOOD = `inventory:
  certificates:
    - id: shop
      names: [Shop.Example.COM., '*.shop.example.com']
      bot: b1
      connector: c1
      deployments: [d1]
      renewal: { windowDays: 20, schedule: { cron: '*/30 2-4 * * mon-fri' } }
  bots: [{ id: b1 }]
  connectors: [{ id: c1, ca: letsencrypt, endpoint: 'https://acme.example.com/directory' }]
  deployments: [{ id: d1, type: nginx, host: shop.example.com, ports: [443] }]
`;

describe('inventory in the config file', () => {
  test('the sample configurations load', () => {
    for (const file of ['examples/certmedic.yml', 'examples/playground.yml']) {
      const c = loadConfig({ CERTMEDIC_CONFIG: file }, ROOT, { ignoreSlack: true });
      expect(c.file.inventory!.certificates.length).toBeGreaterThan(0);
    }
  });

  test('names are normalised; defaults are filled', () => {
    const inv = load(GOOD).file.inventory!;
    expect(inv.certificates[0]!.names).toEqual(['shop.example.com', '*.shop.example.com']);
    expect(inv.bots[0]).toMatchObject({ status: 'active', purpose: 'provisioning', heartbeatIntervalMinutes: 15 });
    expect(inv.connectors[0]).toMatchObject({ protocol: 'acme', active: true, templates: {} });
  });

  test.each([
    [
      'an unknown bot',
      GOOD.replace('bot: b1', 'bot: b2'),
      /certmedic\.yml:5: inventory\.certificates\[0\]\.bot: unknown bot b2/,
    ],
    ['a bad cron', GOOD.replace("'*/30 2-4 * * mon-fri'", "'61 * * * *'"), /certmedic\.yml:8: .*invalid cron/],
    [
      'an unknown time zone',
      GOOD.replace("schedule: { cron: '*/30 2-4 * * mon-fri' }", "schedule: { at: '03:00', timezone: Mars/Olympus }"),
      /:8: .*unknown time zone/,
    ],
    [
      'an unknown deployment type',
      GOOD.replace('type: nginx', 'type: lighttpd'),
      /:11: inventory\.deployments\[0\]\.type/,
    ],
    ['a renewal without a window', GOOD.replace('windowDays: 20, ', ''), /:8: .*windowDays and\/or windowFraction/],
    ['a duplicate id', GOOD.replace('bots: [{ id: b1 }]', 'bots: [{ id: b1 }, { id: b1 }]'), /:9: .*duplicate id b1/],
    ['an invalid name', GOOD.replace('Shop.Example.COM.', 'shop..example.com'), /:4: .*empty label/],
    ['an unknown key', GOOD.replace('bots: [{ id: b1 }]', 'bots: [{ id: b1, colour: red }]'), /:9: .*colour/],
  ])('%s is an error naming the line', (_name, yaml, message) => {
    expect(() => load(yaml)).toThrow(message);
  });
});

describe('schedules', () => {
  test('cron ranges, steps and weekday names in a zone; results in UTC', () => {
    const from = Date.parse('2026-11-27T00:00:00Z'); // a Friday
    const runs = nextRuns({ cron: '*/30 2-3 * * mon-fri', timezone: 'UTC' }, from, 5).map((t) =>
      new Date(t).toISOString(),
    );
    expect(runs).toEqual([
      '2026-11-27T02:00:00.000Z',
      '2026-11-27T02:30:00.000Z',
      '2026-11-27T03:00:00.000Z',
      '2026-11-27T03:30:00.000Z',
      '2026-11-30T02:00:00.000Z',
    ]);
    const berlin = nextRuns({ at: '03:00', timezone: 'Europe/Berlin' }, from, 1);
    expect(new Date(berlin[0]!).toISOString()).toBe('2026-11-27T02:00:00.000Z');
  });
});
