import { afterEach, describe, expect, test } from 'vitest';
import { dnsCheck } from '../../src/checks/dns.js';
import { codes, request, run, startWorld, type World } from '../support/world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('dns check through the resolver', () => {
  test('a name with a public address and agreeing servers has no findings', async () => {
    world = await startWorld({
      records: ['shop.example.test A 203.0.114.10', 'shop.example.test AAAA 2001:4860::10'],
      authorities: [{}, {}],
    });
    const report = await run(world, request('shop.example.test'), [dnsCheck]);
    expect(codes(report)).toEqual([]);
    expect(report.status).toBe('ok');
    expect(report.checks).toEqual([expect.objectContaining({ name: 'dns', state: 'ran' })]);
    expect(report.facts['addresses']).toEqual([
      { address: '2001:4860::10', family: 6 },
      { address: '203.0.114.10', family: 4 },
    ]);
    expect(report.facts['authority']).toMatchObject({ zone: 'example.test' });
  });

  test('NXDOMAIN gives dns.nxdomain', async () => {
    world = await startWorld({ records: ['www.example.test A 203.0.114.1'] });
    const report = await run(world, request('missing.example.test'), [dnsCheck]);
    expect(codes(report)).toEqual(['dns.nxdomain']);
    expect(report.status).toBe('critical');
    expect(report.findings[0]!.detail).toContain('missing.example.test');
  });

  test('a CNAME to a name that does not exist is dns.nxdomain naming the chain', async () => {
    world = await startWorld({ records: ['www.example.test CNAME gone.example.test'] });
    const report = await run(world, request('www.example.test'), [dnsCheck]);
    expect(codes(report)).toEqual(['dns.nxdomain']);
    expect(report.findings[0]!.detail).toContain('www.example.test -> gone.example.test');
  });

  test('a name with only a TXT record gives dns.no_address', async () => {
    world = await startWorld({ records: ['txt.example.test TXT "hello"'] });
    const report = await run(world, request('txt.example.test'), [dnsCheck]);
    expect(codes(report)).toEqual(['dns.no_address']);
  });

  test('SERVFAIL gives dns.servfail', async () => {
    world = await startWorld({
      records: ['shop.example.test A 203.0.114.10'],
      rules: [{ name: 'shop.example.test', action: 'servfail' }],
    });
    const report = await run(world, request('shop.example.test'), [dnsCheck]);
    expect(codes(report)).toContain('dns.servfail');
    expect(report.findings.find((f) => f.code === 'dns.servfail')!.detail).toContain('SERVFAIL');
  });

  test('a resolver that never answers gives dns.timeout within the deadline', async () => {
    world = await startWorld({ records: [], rules: [{ name: 'slow.example.test', action: 'drop' }] });
    const started = Date.now();
    const report = await run(world, request('slow.example.test'), [dnsCheck], 1200);
    expect(Date.now() - started).toBeLessThan(1200 + 400);
    expect(codes(report)).toContain('dns.timeout');
  });

  test('a CNAME loop gives dns.cname_loop', async () => {
    world = await startWorld({
      records: ['a.example.test CNAME b.example.test', 'b.example.test CNAME a.example.test'],
    });
    const report = await run(world, request('a.example.test'), [dnsCheck]);
    expect(codes(report)).toEqual(['dns.cname_loop']);
    expect(report.findings[0]!.detail).toContain('a.example.test -> b.example.test -> a.example.test');
  });

  test('a malformed answer gives dns.malformed_response', async () => {
    world = await startWorld({ records: [], rules: [{ name: 'bad.example.test', action: 'malformed' }] });
    const report = await run(world, request('bad.example.test'), [dnsCheck]);
    expect(codes(report)).toContain('dns.malformed_response');
  });

  test('private and loopback addresses give the dns.private_address warning', async () => {
    world = await startWorld({ records: ['intranet.example.test A 10.1.2.3', 'intranet.example.test A 127.0.0.9'] });
    const report = await run(world, request('intranet.example.test'), [dnsCheck]);
    expect(codes(report)).toEqual(['dns.private_address']);
    expect(report.status).toBe('warning');
    expect(report.findings[0]!.detail).toContain('10.1.2.3 (private)');
    expect(report.findings[0]!.detail).toContain('127.0.0.9 (loopback)');
  });

  test('answers truncated over UDP are fetched over TCP', async () => {
    world = await startWorld({
      records: ['big.example.test A 203.0.114.7'],
      rules: [{ name: 'big.example.test', type: 'A', action: 'truncate' }],
    });
    const report = await run(world, request('big.example.test'), [dnsCheck]);
    expect(codes(report)).toEqual([]);
    expect(world.resolver.queries.some((q) => q.name === 'big.example.test' && q.transport === 'tcp')).toBe(true);
  });
});

describe('dns check against the authoritative servers', () => {
  test('servers with different answers give dns.nameservers_disagree naming each server', async () => {
    world = await startWorld({
      records: ['shop.example.test A 203.0.114.10'],
      authorities: [
        { records: ['shop.example.test A 203.0.114.10'] },
        { records: ['shop.example.test A 203.0.114.99'] },
      ],
    });
    const report = await run(world, request('shop.example.test'), [dnsCheck]);
    expect(codes(report)).toEqual(['dns.nameservers_disagree']);
    const detail = report.findings[0]!.detail;
    expect(detail).toContain('ns1.example.test (127.0.0.2)');
    expect(detail).toContain('A 203.0.114.99');
  });

  test('a server that refuses the zone gives dns.lame_delegation', async () => {
    world = await startWorld({
      records: ['shop.example.test A 203.0.114.10'],
      authorities: [{}, { rules: [{ name: 'shop.example.test', action: 'refused' }] }],
    });
    const report = await run(world, request('shop.example.test'), [dnsCheck]);
    expect(codes(report)).toEqual(['dns.lame_delegation']);
    expect(report.findings[0]!.detail).toContain('ns2.example.test (127.0.0.3)');
    expect(report.findings[0]!.evidence).toMatchObject({ zone: 'example.test', address: '127.0.0.3' });
  });

  test('a server answering without authority gives dns.lame_delegation', async () => {
    world = await startWorld({
      records: ['shop.example.test A 203.0.114.10'],
      authorities: [{ rules: [{ name: 'shop.example.test', action: 'noaa' }] }, {}],
    });
    const report = await run(world, request('shop.example.test'), [dnsCheck]);
    expect(codes(report)).toEqual(['dns.lame_delegation']);
    expect(report.findings[0]!.detail).toContain('without authority');
  });

  test('a server that does not answer gives dns.lame_delegation, not a hang', async () => {
    world = await startWorld({
      records: ['shop.example.test A 203.0.114.10'],
      authorities: [{}, { rules: [{ name: 'shop.example.test', action: 'drop' }] }],
    });
    const report = await run(world, request('shop.example.test'), [dnsCheck], 2000);
    expect(codes(report)).toContain('dns.lame_delegation');
  });
});

describe('dns check when the authoritative servers cannot be reached from here', () => {
  test('all servers silent while the resolver answers: no false lame delegation, a note in the facts', async () => {
    world = await startWorld({
      records: ['shop.example.test A 203.0.114.10'],
      authorities: [
        { rules: [{ name: 'shop.example.test', action: 'drop' }] },
        { rules: [{ name: 'shop.example.test', action: 'drop' }] },
      ],
    });
    const report = await run(world, request('shop.example.test'), [dnsCheck], 2000);
    expect(codes(report)).toEqual([]);
    expect(report.facts['authority']).toMatchObject({
      note: expect.stringContaining('no authoritative server answered'),
    });
  });
});

describe('dns check under the bot policy', () => {
  test('name servers on non-public addresses are not asked directly, and not called lame', async () => {
    const { TargetPolicy } = await import('../../src/net/guard.js');
    const { diagnose } = await import('../../src/diagnose.js');
    world = await startWorld({ records: ['shop.example.test A 203.0.114.10'], authorities: [{}, {}] });
    const report = await diagnose(request('shop.example.test'), {
      resolvers: [world.resolver.address],
      portMap: world.portMap,
      checks: [dnsCheck],
      policy: new TargetPolicy(false),
    });
    expect(codes(report)).toEqual([]);
    expect(world.authorities.every((a) => a.queries.length === 0)).toBe(true);
    expect(report.facts['authority']).toMatchObject({
      refusedByPolicy: [
        { ns: 'ns1.example.test', address: '127.0.0.2' },
        { ns: 'ns2.example.test', address: '127.0.0.3' },
      ],
    });
  });
});
