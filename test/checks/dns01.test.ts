import { afterEach, describe, expect, test } from 'vitest';
import { dns01Check, laggingServers } from '../../src/checks/dns01.js';
import { codes, request, run, startWorld, type World } from '../support/world.js';

const NAME = 'shop.example.test';
const CHALLENGE = `_acme-challenge.${NAME}`;
const VALUE = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const dns01 = (extra: Parameters<typeof request>[1] = {}) => request(NAME, { method: 'dns-01', ...extra });

describe('dns01 through the resolver', () => {
  test('the expected TXT value at every server passes', async () => {
    world = await startWorld({ records: [`${CHALLENGE} TXT "${VALUE}"`], authorities: [{}, {}] });
    const r = await run(world, dns01({ txt: VALUE }), [dns01Check]);
    expect(codes(r)).toEqual([]);
    expect(r.facts['dns01']).toMatchObject({ name: CHALLENGE, values: [VALUE] });
    expect(r.checks).toEqual([expect.objectContaining({ name: 'dns01', state: 'ran' })]);
  });

  test('no TXT record gives dns01.record_missing', async () => {
    world = await startWorld({ records: [`${NAME} A 127.0.0.10`], authorities: [{}] });
    const r = await run(world, dns01({ txt: VALUE }), [dns01Check]);
    expect(codes(r)).toEqual(['dns01.record_missing']);
    expect(r.findings[0]!.detail).toContain(CHALLENGE);
  });

  test('a wildcard looks at the base name', async () => {
    world = await startWorld({ records: [`${CHALLENGE} TXT "${VALUE}"`] });
    const r = await run(world, dns01({ wildcard: true, txt: VALUE }), [dns01Check]);
    expect(codes(r)).toEqual([]);
    expect(world.resolver.queries.some((q) => q.name === CHALLENGE && q.type === 'TXT')).toBe(true);
  });

  test('another value gives dns01.record_mismatch listing what is there', async () => {
    world = await startWorld({ records: [`${CHALLENGE} TXT "stale-value"`, `${CHALLENGE} TXT "older"`] });
    const r = await run(world, dns01({ txt: VALUE }), [dns01Check]);
    expect(codes(r)).toEqual(['dns01.record_mismatch']);
    expect(r.findings[0]!.detail).toContain('stale-value');
  });

  test('without --txt any record is accepted', async () => {
    world = await startWorld({ records: [`${CHALLENGE} TXT "whatever"`] });
    const r = await run(world, dns01(), [dns01Check]);
    expect(codes(r)).toEqual([]);
  });

  test('a TXT split into several strings is joined as CAs do', async () => {
    world = await startWorld({ records: [`${CHALLENGE} TXT "${VALUE.slice(0, 20)}" "${VALUE.slice(20)}"`] });
    const r = await run(world, dns01({ txt: VALUE }), [dns01Check]);
    expect(codes(r)).toEqual([]);
  });

  test('CNAME delegation (acme-dns) is followed', async () => {
    world = await startWorld({
      records: [`${CHALLENGE} CNAME d420c923.auth.acme-dns.test`, `d420c923.auth.acme-dns.test TXT "${VALUE}"`],
    });
    const r = await run(world, dns01({ txt: VALUE }), [dns01Check]);
    expect(codes(r)).toEqual([]);
    expect(r.facts['dns01']).toMatchObject({ canonical: 'd420c923.auth.acme-dns.test' });
  });

  test('a CNAME to a missing target gives dns01.cname_delegation_broken', async () => {
    world = await startWorld({ records: [`${CHALLENGE} CNAME gone.auth.acme-dns.test`] });
    const r = await run(world, dns01({ txt: VALUE }), [dns01Check]);
    expect(codes(r)).toEqual(['dns01.cname_delegation_broken']);
    expect(r.findings[0]!.detail).toContain('gone.auth.acme-dns.test');
  });

  test('a CNAME to a target without TXT, and a CNAME loop, give dns01.cname_delegation_broken', async () => {
    world = await startWorld({
      records: [
        `${CHALLENGE} CNAME empty.auth.acme-dns.test`,
        'empty.auth.acme-dns.test A 127.0.0.9',
        `_acme-challenge.loop.example.test CNAME _acme-challenge.loop2.example.test`,
        `_acme-challenge.loop2.example.test CNAME _acme-challenge.loop.example.test`,
      ],
    });
    const r = await run(world, dns01({ txt: VALUE }), [dns01Check]);
    expect(codes(r)).toEqual(['dns01.cname_delegation_broken']);
    const loop = await run(world, request('loop.example.test', { method: 'dns-01' }), [dns01Check]);
    expect(codes(loop)).toEqual(['dns01.cname_delegation_broken']);
    expect(loop.findings[0]!.detail).toContain('loops');
  });

  test('a malformed answer for the TXT gives dns.malformed_response, a dropped one dns.timeout', async () => {
    world = await startWorld({
      records: [],
      rules: [
        { name: CHALLENGE, type: 'TXT', action: 'malformed' },
        { name: '_acme-challenge.slow.example.test', action: 'drop' },
      ],
    });
    const r = await run(world, dns01({ txt: VALUE }), [dns01Check]);
    expect(codes(r)).toEqual(['dns.malformed_response']);
    const slow = await run(world, request('slow.example.test', { method: 'dns-01' }), [dns01Check], 2500);
    expect(codes(slow)).toEqual(['dns.timeout']);
    expect(slow.durationMs).toBeLessThan(5000);
  });

  test('SERVFAIL for the challenge name gives dns.servfail', async () => {
    world = await startWorld({ records: [], rules: [{ name: CHALLENGE, action: 'servfail' }] });
    const r = await run(world, dns01(), [dns01Check]);
    expect(codes(r)).toEqual(['dns.servfail']);
  });

  test('other methods skip the check', async () => {
    world = await startWorld({ records: [] });
    const r = await run(world, request(NAME), [dns01Check]);
    expect(r.checks).toEqual([expect.objectContaining({ name: 'dns01', state: 'skipped' })]);
  });
});

describe('dns01 at the authoritative servers', () => {
  test('a server without the new record gives dns01.nameservers_disagree naming it', async () => {
    world = await startWorld({
      records: [`${CHALLENGE} TXT "${VALUE}"`],
      authorities: [{}, { records: [] }],
    });
    const r = await run(world, dns01({ txt: VALUE }), [dns01Check]);
    expect(codes(r)).toEqual(['dns01.nameservers_disagree']);
    expect(r.findings[0]!.detail).toContain('ns2.example.test (127.0.0.3)');
    expect(r.findings[0]!.detail).not.toContain('ns1.example.test');
  });

  test('without --txt the server lacking a value the others have lags', async () => {
    world = await startWorld({
      records: [`${CHALLENGE} TXT "${VALUE}"`],
      authorities: [{}, { records: [`${CHALLENGE} TXT "old"`] }, {}],
    });
    const r = await run(world, dns01(), [dns01Check]);
    expect(codes(r)).toEqual(['dns01.nameservers_disagree']);
    expect(r.findings[0]!.detail).toContain('ns2.example.test');
    expect(r.findings[0]!.detail).not.toContain('ns3.example.test');
  });

  test('the resolver missing a record the servers have says it may be cached', async () => {
    world = await startWorld({
      records: [],
      authorities: [{ records: [`${CHALLENGE} TXT "${VALUE}"`] }, { records: [`${CHALLENGE} TXT "${VALUE}"`] }],
    });
    const r = await run(world, dns01({ txt: VALUE }), [dns01Check]);
    expect(codes(r)).toEqual(['dns01.record_missing']);
    expect(r.findings[0]!.detail).toContain('cache');
  });
});

describe('laggingServers', () => {
  test('nobody lags when nobody has the expected value', () => {
    expect(laggingServers([{ ns: 'a', address: '1', values: [] }], 'x')).toEqual([]);
  });

  test('with differing SOA serials the older servers lag', () => {
    const lag = laggingServers([
      { ns: 'a', address: '1', values: ['new'], serial: 8 },
      { ns: 'b', address: '2', values: ['old'], serial: 7 },
    ]);
    expect(lag.map((a) => a.ns)).toEqual(['b']);
  });
});
