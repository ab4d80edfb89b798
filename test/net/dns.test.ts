import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { DnsClient, DnsError, parseServerAddr, systemResolvers } from '../../src/net/dns.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';

let server: TestDnsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('DnsClient', () => {
  test('keeps rcode and flags, decodes CAA and TXT', async () => {
    server = await startDnsServer({
      records: ['example.test CAA 128 issue "letsencrypt.org"', 'example.test TXT "a" "b"'],
    });
    const client = new DnsClient({ servers: [server.address] });
    const caa = await client.query('example.test', 'CAA');
    expect(caa).toMatchObject({ rcode: 'NOERROR', aa: true, tc: false, transport: 'udp' });
    expect(caa.answers[0]).toMatchObject({ type: 'CAA', data: { flags: 128, tag: 'issue', value: 'letsencrypt.org' } });
    const txt = await client.query('example.test', 'TXT');
    expect(txt.answers[0]).toMatchObject({ type: 'TXT', data: 'ab' });
  });

  test('chases CNAMEs one link at a time against a non-recursive server', async () => {
    server = await startDnsServer({
      chase: false,
      records: [
        'a.example.test CNAME b.example.test',
        'b.example.test CNAME c.example.test',
        'c.example.test A 192.0.2.7',
      ],
    });
    const r = await new DnsClient({ servers: [server.address] }).resolve('a.example.test', 'A');
    expect(r.cnames.map((c) => c.target)).toEqual(['b.example.test', 'c.example.test']);
    expect(r.records.map((x) => x.data)).toEqual(['192.0.2.7']);
    expect(r.canonical).toBe('c.example.test');
  });

  test('falls back to TCP when the UDP answer is truncated', async () => {
    server = await startDnsServer({
      records: ['big.example.test A 192.0.2.1'],
      rules: [{ name: 'big.example.test', action: 'truncate' }],
    });
    const res = await new DnsClient({ servers: [server.address] }).query('big.example.test', 'A');
    expect(res.transport).toBe('tcp');
    expect(res.answers).toHaveLength(1);
  });

  test('ignores answers with the wrong id and times out', async () => {
    server = await startDnsServer({ rules: [{ name: 'spoof.example.test', action: 'wrongid' }] });
    const client = new DnsClient({ servers: [server.address], timeoutMs: 150, attempts: 1 });
    await expect(client.query('spoof.example.test', 'A')).rejects.toMatchObject({ kind: 'timeout' });
  });

  test('retries before giving up, and a malformed answer is reported as such', async () => {
    server = await startDnsServer({
      rules: [
        { name: 'slow.example.test', action: 'drop' },
        { name: 'bad.example.test', action: 'malformed' },
      ],
    });
    const client = new DnsClient({ servers: [server.address], timeoutMs: 100, attempts: 3 });
    await expect(client.query('slow.example.test', 'A')).rejects.toBeInstanceOf(DnsError);
    expect(server.queries.filter((q) => q.name === 'slow.example.test')).toHaveLength(3);
    await expect(client.query('bad.example.test', 'A')).rejects.toMatchObject({ kind: 'malformed' });
  });

  test('an abort signal ends a pending query at once', async () => {
    server = await startDnsServer({ rules: [{ name: 'slow.example.test', action: 'drop' }] });
    const abort = new AbortController();
    const client = new DnsClient({ servers: [server.address], timeoutMs: 5000, signal: abort.signal });
    const started = Date.now();
    setTimeout(() => abort.abort(), 100);
    await expect(client.query('slow.example.test', 'A')).rejects.toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('finds the zone and its name servers (glue or lookups)', async () => {
    server = await startDnsServer({
      records: [
        'example.test SOA ns1.example.test h.example.test 1',
        'example.test NS ns1.example.test',
        'example.test NS ns2.other.test',
        'ns1.example.test A 192.0.2.53',
        'ns2.other.test AAAA 2001:db8::53',
        'shop.example.test A 192.0.2.1',
      ],
    });
    const auth = await new DnsClient({ servers: [server.address] }).authoritative('deep.shop.example.test');
    expect(auth.zone).toBe('example.test');
    expect(auth.nameservers).toEqual([
      { name: 'ns1.example.test', addresses: ['192.0.2.53'] },
      { name: 'ns2.other.test', addresses: ['2001:db8::53'] },
    ]);
  });

  test('works with an IPv6 resolver address', async () => {
    try {
      server = await startDnsServer({ host: '::1', records: ['v6.example.test A 192.0.2.9'] });
    } catch {
      return; // no IPv6 loopback on this machine
    }
    const res = await new DnsClient({ servers: [parseServerAddr(server.resolverArg)] }).query('v6.example.test', 'A');
    expect(res.answers[0]?.data).toBe('192.0.2.9');
  });
});

describe('resolver addresses', () => {
  test('parseServerAddr', () => {
    expect(parseServerAddr('192.0.2.1')).toEqual({ host: '192.0.2.1', port: 53 });
    expect(parseServerAddr('192.0.2.1:5353')).toEqual({ host: '192.0.2.1', port: 5353 });
    expect(parseServerAddr('[2001:db8::1]:5353')).toEqual({ host: '2001:db8::1', port: 5353 });
    expect(parseServerAddr('2001:db8::1')).toEqual({ host: '2001:db8::1', port: 53 });
    expect(() => parseServerAddr('resolver.example')).toThrow();
    expect(() => parseServerAddr('192.0.2.1:0')).toThrow();
  });

  test('systemResolvers reads resolv.conf', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certmedic-resolv-'));
    try {
      const path = join(dir, 'resolv.conf');
      writeFileSync(
        path,
        '# comment\nsearch example\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\nnameserver bogus\n',
      );
      expect(systemResolvers(path)).toEqual([
        { host: '192.0.2.53', port: 53 },
        { host: 'fe80::1', port: 53 },
      ]);
      expect(systemResolvers(join(dir, 'missing'))).toEqual([{ host: '127.0.0.1', port: 53 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
