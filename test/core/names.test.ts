import { describe, expect, test } from 'vitest';
import { normalizeHostname, parentNames, parseTarget } from '../../src/core/names.js';

describe('normalizeHostname', () => {
  test.each([
    ['Shop.Example.COM.', 'shop.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['a-b.c0.example', 'a-b.c0.example'],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
  ])('%s -> %s', (input, out) => {
    expect(normalizeHostname(input)).toBe(out);
  });

  test.each([
    '',
    ' ',
    'a b.example',
    'a..example',
    '.example',
    '*',
    '-a.example',
    'a-.example',
    'under_score.example',
    '192.0.2.1',
    '[::1]',
    '2001:db8::1',
    `${'a'.repeat(64)}.example`,
    `${'abcdefghi.'.repeat(26)}com`,
    'example.123',
  ])('%j is refused', (input) => {
    expect(() => normalizeHostname(input)).toThrow(/invalid name/);
  });
});

describe('parseTarget', () => {
  test('name, name:port and wildcards', () => {
    expect(parseTarget('shop.example.com')).toEqual({ name: 'shop.example.com', wildcard: false });
    expect(parseTarget('mail.example.com:587')).toEqual({ name: 'mail.example.com', port: 587, wildcard: false });
    expect(parseTarget('*.example.com')).toEqual({ name: 'example.com', wildcard: true });
    expect(() => parseTarget('a.*.example.com')).toThrow();
    expect(() => parseTarget('example.com:0')).toThrow();
    expect(() => parseTarget('example.com:70000')).toThrow();
  });

  test('parentNames climbs to the TLD', () => {
    expect(parentNames('a.b.example.com')).toEqual(['a.b.example.com', 'b.example.com', 'example.com', 'com']);
  });
});
