import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { buildWatchlist, parseWatchlistFile } from '../../src/monitor/watchlist.js';

describe('watchlist files', () => {
  test('targets: defaults port 443, keeps address and name (SNI), normalises names', () => {
    const entries = parseWatchlistFile(
      [
        'targets:',
        '  - name: Shop.Example.TEST.',
        '  - name: mail.example.test',
        '    port: 465',
        '    address: 127.0.0.5',
        '',
      ].join('\n'),
      'wl.yml',
    );
    expect(entries.map((e) => [e.key, e.address])).toEqual([
      ['shop.example.test:443', undefined],
      ['mail.example.test:465@127.0.0.5', '127.0.0.5'],
    ]);
  });

  test('the config key watchlist: is accepted too, with thresholds and channel', () => {
    const [e] = parseWatchlistFile(
      'watchlist:\n  - name: a.example.test\n    channel: C123\n    thresholds: { warnDays: 10, criticalFraction: 0.05 }\n',
      'x',
    );
    expect(e).toMatchObject({
      key: 'a.example.test:443',
      channel: 'C123',
      thresholds: { warnDays: 10, criticalFraction: 0.05 },
    });
  });

  test('a file keeps every entry in order (one report each); the same name at an address is its own target', () => {
    const entries = parseWatchlistFile(
      'targets:\n  - name: a.example.test\n  - name: A.example.test\n    port: 443\n  - name: a.example.test\n    address: 127.0.0.9\n',
      'x',
    );
    expect(entries.map((e) => e.key)).toEqual([
      'a.example.test:443',
      'a.example.test:443',
      'a.example.test:443@127.0.0.9',
    ]);
  });

  test('the monitor watches a name:port once', () => {
    const list = buildWatchlist({
      config: [
        { name: 'a.example.test', port: 443 },
        { name: 'a.example.test', port: 443 },
        { name: 'a.example.test', port: 443, address: '127.0.0.9' },
      ],
    });
    expect(list.map((e) => e.key)).toEqual(['a.example.test:443', 'a.example.test:443@127.0.0.9']);
  });

  test.each([
    ['targets:\n  - name: ok.example.test\n  - name: "bad name"\n', /wl\.yml:3: targets\[1\]\.name/],
    ['targets:\n  - name: ok.example.test\n    port: 70000\n', /wl\.yml:3: targets\[0\]\.port/],
    ['targets:\n  - name: ok.example.test\n    address: not-an-ip\n', /wl\.yml:3: targets\[0\]\.address/],
    ['targets:\n  - name: ok.example.test\n    colour: red\n', /wl\.yml:2/],
    ['targets: [\n', /wl\.yml:\d+/],
    ['something: else\n', /targets/],
  ])('malformed file %j names the line', (text, message) => {
    expect(() => parseWatchlistFile(text, 'wl.yml')).toThrow(ConfigError);
    expect(() => parseWatchlistFile(text, 'wl.yml')).toThrow(message);
  });
});

describe('buildWatchlist', () => {
  test('merges config, inventory names and /cert watch entries by name:port', () => {
    const list = buildWatchlist({
      config: [{ name: 'shop.example.test', port: 443, channel: 'CSHOP' }],
      inventory: [
        { id: 'shop-cert', names: ['shop.example.test', '*.cdn.example.test'], serial: 'abc', channel: 'COWN' },
        { id: 'api-cert', names: ['api.example.test'] },
      ],
      watches: [
        { name: 'api.example.test', port: 443, channel: null },
        { name: 'extra.example.test', port: 8443, channel: 'CW' },
      ],
    });
    expect(list.map((e) => e.key)).toEqual([
      'shop.example.test:443',
      'cdn.example.test:443',
      'api.example.test:443',
      'extra.example.test:8443',
    ]);
    const shop = list[0]!;
    expect(shop).toMatchObject({ source: 'config', channel: 'CSHOP', certificate: 'shop-cert', expectSerial: 'abc' });
    expect(list[2]).toMatchObject({ source: 'inventory', certificate: 'api-cert' });
    expect(list[3]).toMatchObject({ source: 'watch', channel: 'CW' });
  });
});
