/**
 * dns.nameservers_disagree compares what each authoritative server holds in its zone: a server
 * that also serves the CNAME target's zone (and so adds the target's addresses to its answer) does
 * not disagree with a secondary that serves only this zone. Found against NSD serving two zones.
 */
import { afterEach, expect, test } from 'vitest';
import { dnsCheck } from '../../src/checks/dns.js';
import { diagnose } from '../../src/diagnose.js';
import { startDnsServer, startServersOnOnePort, type TestDnsServer } from '../support/dns-server.js';
import { codes, request } from '../support/world.js';

let servers: TestDnsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const SOA = 'example.test SOA ns1.example.test hostmaster.example.test 1';
const ZONE = [SOA, 'cdn.example.test CNAME edge.platform.test'];
const PLATFORM = ['platform.test SOA ns1.platform.test hostmaster.platform.test 1', 'edge.platform.test A 203.0.114.7'];

async function diagnoseCdn(secondary: string[]) {
  const auth = await startServersOnOnePort([
    // The primary also serves platform.test and follows the CNAME into it, as NSD and BIND do.
    { host: '127.0.0.2', records: [...ZONE, ...PLATFORM], chase: true },
    { host: '127.0.0.3', records: secondary, chase: false },
  ]);
  const resolver = await startDnsServer({
    records: [
      SOA,
      'example.test NS ns1.example.test',
      'example.test NS ns2.example.test',
      'ns1.example.test A 127.0.0.2',
      'ns2.example.test A 127.0.0.3',
      ...ZONE,
      ...PLATFORM,
    ],
  });
  servers = [...auth, resolver];
  return diagnose(request('cdn.example.test'), {
    resolvers: [resolver.address],
    portMap: new Map([[53, auth[0]!.port]]),
    timeoutMs: 5000,
    checks: [dnsCheck],
  });
}

test('records chased into another zone the server happens to serve are not a disagreement', async () => {
  const report = await diagnoseCdn(ZONE);
  expect(codes(report)).not.toContain('dns.nameservers_disagree');
});

test('a different CNAME inside the zone still is', async () => {
  const report = await diagnoseCdn([SOA, 'cdn.example.test CNAME old.platform.test']);
  expect(codes(report)).toContain('dns.nameservers_disagree');
});
