import { describe, expect, test } from 'vitest';
import { CertmedicError } from '../../src/core/errors.js';
import {
  mentionCommand,
  parseCommandText,
  parseDiagnoseArgs,
  tokenize,
  unwrapSlackText,
} from '../../src/slack/parse-command.js';

const config = { file: {} };

describe('chat command parsing', () => {
  test('subcommand and arguments; empty text is help', () => {
    expect(parseCommandText('Diagnose shop.example.com --ca letsencrypt')).toEqual({
      subcommand: 'diagnose',
      args: ['shop.example.com', '--ca', 'letsencrypt'],
    });
    expect(parseCommandText('   ')).toEqual({ subcommand: 'help', args: [] });
  });

  test('Slack links and entities are undone; quotes keep values together', () => {
    expect(unwrapSlackText('<http://shop.example.com|shop.example.com>')).toBe('shop.example.com');
    expect(unwrapSlackText('<https://shop.example.com/>')).toBe('shop.example.com');
    expect(unwrapSlackText('a &amp; b &lt;c&gt;')).toBe('a & b <c>');
    expect(tokenize('--file-content "a b c" --txt “x y”')).toEqual(['--file-content', 'a b c', '--txt', 'x y']);
  });

  test('mentions: the bot mention is stripped', () => {
    expect(mentionCommand('<@UBOT0001> diagnose x.example.com')).toEqual({
      subcommand: 'diagnose',
      args: ['x.example.com'],
    });
    expect(mentionCommand('<@UBOT0001|certmedic>: help')).toEqual({ subcommand: 'help', args: [] });
  });

  test('diagnose: the chat options are the CLI ones, validated the same way', () => {
    const req = parseDiagnoseArgs(
      [
        'Shop.Example.com.',
        '--ca=letsencrypt',
        '--wildcard',
        '--txt',
        'abc',
        '--account-uri',
        'https://acme.test/acct/1',
      ],
      config,
    );
    expect(req).toMatchObject({ name: 'shop.example.com', wildcard: true, method: 'dns-01', txt: 'abc' });
    expect(req.ca?.caaDomains).toContain('letsencrypt.org');
    expect(parseDiagnoseArgs(['x.example.com', '—method', 'none'], config).method).toBe('none');
  });

  test.each([
    [[], 'which name'],
    [['a.example.com', 'b.example.com'], 'one name at a time'],
    [['a.example.com', '--resolver', '1.1.1.1'], '--resolver is not an option'],
    [['a.example.com', '--port-map', '53=5353'], '--port-map is not an option'],
    [['a.example.com', '--trust-anchor', '/etc/passwd'], '--trust-anchor is not an option'],
    [['a.example.com', '--timeout', '1'], '--timeout is not an option'],
    [['a.example.com', '--ca'], '--ca needs a value'],
    [['a.example.com', '--ca', 'x', '--ca', 'y'], 'given twice'],
    [['a.example.com', '--wildcard=yes'], 'takes no value'],
    [['a.example.com', '--ca', 'nosuchca'], 'nosuchca'],
    [['a.example.com', '--method', 'carrier-pigeon'], '--method'],
    [['a.example.com', '--http-token', 'abc'], 'go together'],
    [['127.0.0.1'], ''],
    [['bad name!'], ''],
  ])('%j is a usage error (%s)', (args, message) => {
    let err: unknown;
    try {
      parseDiagnoseArgs(args, config);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CertmedicError);
    expect((err as Error).message).toContain(message);
  });
});

describe('log scrubbing', () => {
  test('tokens, secrets, signatures, response URLs and Socket Mode tickets are redacted', async () => {
    const { scrub } = await import('../../src/slack/logger.js');
    const line = scrub(
      'xoxb-1-2-abc xapp-1-A1-xyz "token":"s3cret" signing_secret=abc v0=' +
        'a'.repeat(64) +
        ' https://hooks.slack.com/commands/T1/2/XyZ wss://wss-primary.slack.com/link/?ticket=abc-123&app_id=A1',
    );
    for (const secret of [
      'xoxb-1-2-abc',
      'xapp-1-A1-xyz',
      's3cret',
      'signing_secret=abc',
      'a'.repeat(64),
      'XyZ',
      'abc-123',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('app_id=A1');
  });
});

test('mentionCommand reads what follows the bot mention, wherever it is', () => {
  expect(mentionCommand('hey <@UBOT0001> diagnose x.example.com', 'UBOT0001')).toEqual({
    subcommand: 'diagnose',
    args: ['x.example.com'],
  });
  expect(mentionCommand('<@U0000002> can you <@UBOT0001> diagnose y.example.com', 'UBOT0001').args).toEqual([
    'y.example.com',
  ]);
});

test('a name typed as `code` or ```code``` is the name', () => {
  expect(parseCommandText('diagnose `shop.example.com` --ca ```letsencrypt```')).toEqual({
    subcommand: 'diagnose',
    args: ['shop.example.com', '--ca', 'letsencrypt'],
  });
  expect(mentionCommand('<@UBOT0001> diagnose `x.example.com`', 'UBOT0001').args).toEqual(['x.example.com']);
});

test('a linked URL keeps its scheme and path unless it is only a host (--account-uri)', () => {
  expect(unwrapSlackText('--account-uri <https://acme.example/acme/acct/123>')).toBe(
    '--account-uri https://acme.example/acme/acct/123',
  );
  expect(unwrapSlackText('<http://shop.example.com:8443/>')).toBe('shop.example.com:8443');
  const { args } = parseCommandText('diagnose shop.example.com --account-uri <https://acme.example/acme/acct/123>');
  expect(parseDiagnoseArgs(args, config).accountUri).toBe('https://acme.example/acme/acct/123');
});

test('a pasted URL diagnoses its host and port', () => {
  const { args } = parseCommandText('diagnose <https://shop.example.com:8443/checkout?x=1>');
  const req = parseDiagnoseArgs(args, config);
  expect([req.name, req.port]).toEqual(['shop.example.com', 8443]);
});

test('a mention at the end reads the command before it', () => {
  expect(mentionCommand('diagnose z.example.com <@UBOT0001>', 'UBOT0001')).toEqual({
    subcommand: 'diagnose',
    args: ['z.example.com'],
  });
  expect(mentionCommand('<@UBOT0001>', 'UBOT0001').subcommand).toBe('help');
});
