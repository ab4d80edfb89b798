import { createServer } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type { DiagnoseRequest } from '../../src/checks/context.js';
import { http01Check } from '../../src/checks/http01.js';
import type { Report } from '../../src/core/finding.js';
import { diagnose } from '../../src/diagnose.js';
import { TargetPolicy } from '../../src/net/guard.js';
import {
  answers404,
  type Fixture,
  fails500,
  handlerOf,
  httpsServing,
  neverAnswers,
  redirectsForever,
  redirectsTo,
  redirectsToHttps,
  redirectsToItself,
  redirectsToLoginPage,
  redirectsToPort8081,
  resetsConnection,
  selfSignedCert,
  sendsHugeBody,
  sendsHugeHeaders,
  servesChallenge,
  servesFile,
  startOnOnePort,
  startWeb,
  tricklesBytes,
  type WebServers,
  wafForbids,
} from '../support/http-servers.js';
import { codes, request, startWorld, type World } from '../support/world.js';

const NAME = 'shop.example.test';
const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
const KEYAUTH = `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;

let world: World | undefined;
const servers: WebServers[] = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function web(fixture: Fixture, hosts: string[]): Promise<WebServers> {
  const s = await startWeb(fixture, hosts);
  servers.push(s);
  return s;
}

/** ipv6Loopback returns true when ::1 can be listened on here. */
async function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}
const HAS_V6 = await ipv6Loopback();

async function diag(
  records: string[],
  ports: Record<number, number>,
  extra: Partial<DiagnoseRequest> = {},
  timeoutMs = 4000,
  policy?: TargetPolicy,
): Promise<Report> {
  world = await startWorld({ records });
  const portMap = new Map(world.portMap);
  for (const [from, to] of Object.entries(ports)) portMap.set(Number(from), to);
  return diagnose(request(NAME, extra), {
    resolvers: [world.resolver.address],
    portMap,
    timeoutMs,
    checks: [http01Check],
    ...(policy ? { policy } : {}),
  });
}

const withToken = { httpToken: TOKEN, keyAuthorization: KEYAUTH };
const addressFact = (r: Report, address: string) =>
  (r.facts['addresses'] as Record<string, unknown>[]).find((a) => a['address'] === address) as
    | Record<string, { status?: number; hops: { url: string; port?: number }[]; summary: string }>
    | undefined;

describe('http01: the challenge file as CAs fetch it', () => {
  test('every address serving the key authorization passes, per address, with the Host header set', async () => {
    const s = await web(servesChallenge(TOKEN, KEYAUTH, NAME), ['127.0.0.20', '127.0.0.21']);
    const r = await diag([`${NAME} A 127.0.0.20`, `${NAME} A 127.0.0.21`], { 80: s.port }, withToken);
    expect(codes(r)).toEqual([]);
    expect(r.checks).toEqual([expect.objectContaining({ name: 'http01', state: 'ran' })]);
    expect(addressFact(r, '127.0.0.20')!['http01']).toMatchObject({ status: 200 });
    expect(addressFact(r, '127.0.0.21')!['http01']).toMatchObject({ status: 200 });
    expect(new Set(s.requests.map((q) => q.local))).toEqual(new Set(['127.0.0.20', '127.0.0.21']));
    expect(s.requests.every((q) => q.host === NAME)).toBe(true);
  });

  test('one address without the file gives http01.not_found for that address only', async () => {
    const good = servesChallenge(TOKEN, KEYAUTH);
    const s = await startOnOnePort([
      { host: '127.0.0.20', fixture: good },
      { host: '127.0.0.21', fixture: answers404() },
    ]);
    servers.push(s);
    const r = await diag([`${NAME} A 127.0.0.20`, `${NAME} A 127.0.0.21`], { 80: s.port }, withToken);
    expect(codes(r)).toEqual(['http01.not_found']);
    expect(r.findings[0]!.evidence['address']).toBe('127.0.0.21');
    expect(r.findings[0]!.detail).toContain('127.0.0.21');
  });

  test('another virtual host answering gives http01.not_found', async () => {
    const s = await web(servesChallenge(TOKEN, KEYAUTH, 'other.example.test'), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, withToken);
    expect(codes(r)).toEqual(['http01.not_found']);
  });

  test('a different body gives http01.wrong_content; whitespace around the value is ignored', async () => {
    const s = await web(servesChallenge(TOKEN, `${TOKEN}.someoneelse`), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, withToken);
    expect(codes(r)).toEqual(['http01.wrong_content']);
    const s2 = await web(servesChallenge(TOKEN, `  \r\n${KEYAUTH}\r\n\t`), ['127.0.0.22']);
    await world?.close();
    const r2 = await diag([`${NAME} A 127.0.0.22`], { 80: s2.port }, withToken);
    expect(codes(r2)).toEqual([]);
  });

  test('without a token, a 404 for a random token is fine (the path reaches the web server)', async () => {
    const s = await web(answers404(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port });
    expect(codes(r)).toEqual([]);
    expect(s.requests[0]!.path).toMatch(/^\/\.well-known\/acme-challenge\/[A-Za-z0-9_-]{43}$/);
    expect(addressFact(r, '127.0.0.20')!['http01']!.status).toBe(404);
  });

  test('nothing listening gives http01.connection_refused', async () => {
    const closed = await web(answers404(), ['127.0.0.20']);
    const port = closed.port;
    await closed.close();
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: port });
    expect(codes(r)).toEqual(['http01.connection_refused']);
  });

  test('file validation: the pki-validation file with the right content passes, another content does not', async () => {
    const path = '/.well-known/pki-validation/ABC123.txt';
    const content = 'b4e1c2d3\ncomodoca.com\nx7y8z9';
    const s = await web(servesFile(path, `${content}\n`), ['127.0.0.20']);
    const ok = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, { filePath: path, fileContent: content });
    expect(codes(ok)).toEqual([]);
    expect(addressFact(ok, '127.0.0.20')!['fileValidation']!.status).toBe(200);
    await world?.close();
    const bad = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, { filePath: path, fileContent: 'other' });
    expect(codes(bad)).toEqual(['http01.wrong_content']);
    expect(bad.findings[0]!.evidence['path']).toBe(path);
  });

  test('a wildcard with http-01 gives http01.wildcard_unsupported without probing', async () => {
    const s = await web(answers404(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, { wildcard: true });
    expect(codes(r)).toEqual(['http01.wildcard_unsupported']);
    expect(s.requests).toEqual([]);
  });

  test('another method skips the check; the bot policy refusing every address skips it too', async () => {
    const s = await web(answers404(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, { method: 'dns-01' });
    expect(r.checks).toEqual([expect.objectContaining({ name: 'http01', state: 'skipped' })]);
    await world?.close();
    const r2 = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, {}, 4000, new TargetPolicy(false));
    expect(r2.checks).toEqual([expect.objectContaining({ name: 'http01', state: 'skipped' })]);
    expect(s.requests).toEqual([]);
  });
});

describe('http01: status codes', () => {
  test('a WAF 403 gives http01.forbidden naming the server header', async () => {
    const s = await web(wafForbids(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port });
    expect(codes(r)).toEqual(['http01.forbidden']);
    expect(r.findings[0]!.detail).toContain('AkamaiGHost');
  });

  test('a redirect to a login page gives http01.forbidden', async () => {
    const s = await web(redirectsToLoginPage(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port });
    expect(codes(r)).toEqual(['http01.forbidden']);
    expect(r.findings[0]!.detail).toContain('/login');
  });

  test('a 500 gives http01.server_error', async () => {
    const s = await web(fails500(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, withToken);
    expect(codes(r)).toEqual(['http01.server_error']);
  });
});

describe('http01: redirects as CAs follow them', () => {
  test('a redirect to https://name/ is followed to the mapped 443 without checking the certificate', async () => {
    const cert = await selfSignedCert('wrong.example.test');
    const plain = await web(redirectsToHttps(NAME), ['127.0.0.20']);
    const tls = await web(httpsServing(cert, handlerOf(servesChallenge(TOKEN, KEYAUTH, NAME))), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: plain.port, 443: tls.port }, withToken);
    expect(codes(r)).toEqual([]);
    const hops = addressFact(r, '127.0.0.20')!['http01']!.hops;
    expect(hops.map((h) => h.url)).toEqual([
      `http://${NAME}/.well-known/acme-challenge/${TOKEN}`,
      `https://${NAME}/.well-known/acme-challenge/${TOKEN}`,
    ]);
    expect(hops[1]!.port).toBe(tls.port);
  });

  test('a redirect to :8081 is judged as port 8081 and refused, even when 8081 is mapped', async () => {
    const plain = await web(redirectsToPort8081(NAME), ['127.0.0.20']);
    const other = await web(servesChallenge(TOKEN, KEYAUTH), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: plain.port, 8081: other.port }, withToken);
    expect(codes(r)).toEqual(['http01.bad_redirect']);
    expect(r.findings[0]!.detail).toContain('8081');
    expect(other.requests).toEqual([]);
  });

  test('a redirect loop gives http01.bad_redirect', async () => {
    const s = await web(redirectsToItself(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port });
    expect(codes(r)).toEqual(['http01.bad_redirect']);
    expect(r.findings[0]!.detail).toContain('loop');
  });

  test('endless redirects stop after 10 with http01.bad_redirect', async () => {
    const s = await web(redirectsForever(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port });
    expect(codes(r)).toEqual(['http01.bad_redirect']);
    expect(s.requests).toHaveLength(11);
    expect((r.findings[0]!.evidence['hops'] as unknown[]).length).toBe(11);
  });

  test('303, a redirect to an IP literal and a redirect to ftp: are not followed', async () => {
    for (const fixture of [
      redirectsTo('/elsewhere', 303),
      redirectsTo('http://127.0.0.20/x'),
      redirectsTo('ftp://shop.example.test/x'),
    ]) {
      const s = await web(fixture, ['127.0.0.20']);
      const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port });
      expect(codes(r)).toEqual(['http01.bad_redirect']);
      expect(s.requests).toHaveLength(1);
      await world?.close();
      world = undefined;
    }
  });

  test('a redirect to another host name is resolved and followed to its address', async () => {
    const s = await startOnOnePort([
      { host: '127.0.0.20', fixture: redirectsTo('http://www.example.test{path}') },
      { host: '127.0.0.23', fixture: servesChallenge(TOKEN, KEYAUTH, 'www.example.test') },
    ]);
    servers.push(s);
    const r = await diag([`${NAME} A 127.0.0.20`, 'www.example.test A 127.0.0.23'], { 80: s.port }, withToken);
    expect(codes(r)).toEqual([]);
    expect(addressFact(r, '127.0.0.20')!['http01']!.hops.at(-1)).toMatchObject({ address: '127.0.0.23', status: 200 });
  });
  test('every hop asks the target policy: a redirect to a refused address is http01.bad_redirect', async () => {
    const s = await startOnOnePort([
      { host: '127.0.0.20', fixture: redirectsTo('http://www.example.test{path}') },
      { host: '127.0.0.23', fixture: servesChallenge(TOKEN, KEYAUTH) },
    ]);
    servers.push(s);
    const botPolicy = new TargetPolicy(false, ['127.0.0.20/32']);
    const r = await diag(
      [`${NAME} A 127.0.0.20`, 'www.example.test A 127.0.0.23'],
      { 80: s.port },
      withToken,
      4000,
      botPolicy,
    );
    expect(codes(r)).toEqual(['http01.bad_redirect']);
    expect(r.findings[0]!.detail).toContain('127.0.0.23');
    expect(s.requests.map((q) => q.local)).toEqual(['127.0.0.20']);
  });

  test('an https hop whose TLS handshake fails gives http01.server_error', async () => {
    const s = await web(redirectsToHttps(NAME), ['127.0.0.20']);
    const plain = await web(answers404(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port, 443: plain.port }, withToken);
    expect(codes(r)).toEqual(['http01.server_error']);
    expect(r.findings[0]!.detail).toContain('https://');
  });
});

describe('http01: hostile servers end within the deadline with bounded memory', () => {
  test('a server that never answers gives http01.timeout before the deadline', async () => {
    const s = await web(neverAnswers(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, {}, 1500);
    expect(codes(r)).toEqual(['http01.timeout']);
    expect(r.durationMs).toBeLessThan(3000);
    expect(r.findings[0]!.fixes.join(' ')).toMatch(/geo-blocking/);
  });

  test('a server that trickles bytes gives http01.timeout before the deadline', async () => {
    const s = await web(tricklesBytes(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, {}, 1500);
    expect(codes(r)).toEqual(['http01.timeout']);
    expect(r.durationMs).toBeLessThan(3000);
  });

  test('a 10 MB body is read up to the cap and judged http01.wrong_content', async () => {
    const s = await web(sendsHugeBody(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, withToken);
    expect(codes(r)).toEqual(['http01.wrong_content']);
    expect(r.findings[0]!.detail).toContain('more than 65536 bytes');
  });

  test('10 MB of headers gives http01.server_error', async () => {
    const s = await web(sendsHugeHeaders(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, withToken);
    expect(codes(r)).toEqual(['http01.server_error']);
    expect(r.findings[0]!.detail).toMatch(/headers too large/i);
  });

  test('a connection reset gives http01.server_error', async () => {
    const s = await web(resetsConnection(), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`], { 80: s.port }, withToken);
    expect(codes(r)).toEqual(['http01.server_error']);
  });
});

describe.skipIf(!HAS_V6)('http01 over IPv6 (::1)', () => {
  test('IPv6 refusing while IPv4 works gives only http01.ipv6_broken (CAs fall back)', async () => {
    const s = await web(servesChallenge(TOKEN, KEYAUTH), ['127.0.0.20']);
    const r = await diag([`${NAME} A 127.0.0.20`, `${NAME} AAAA ::1`], { 80: s.port }, withToken);
    expect(codes(r)).toEqual(['http01.ipv6_broken']);
    expect(r.findings[0]!.evidence['address']).toBe('::1');
    expect(r.status).toBe('warning');
  });

  test('IPv6 answering 404 while IPv4 works gives http01.not_found and http01.ipv6_broken for ::1', async () => {
    const s = await startOnOnePort([
      { host: '127.0.0.20', fixture: servesChallenge(TOKEN, KEYAUTH) },
      { host: '::1', fixture: answers404() },
    ]);
    servers.push(s);
    const r = await diag([`${NAME} A 127.0.0.20`, `${NAME} AAAA ::1`], { 80: s.port }, withToken);
    expect(codes(r).sort()).toEqual(['http01.ipv6_broken', 'http01.not_found']);
    expect(r.findings.every((f) => f.evidence['address'] === '::1')).toBe(true);
  });

  test('both families healthy pass', async () => {
    const s = await web(servesChallenge(TOKEN, KEYAUTH), ['127.0.0.20', '::1']);
    const r = await diag([`${NAME} A 127.0.0.20`, `${NAME} AAAA ::1`], { 80: s.port }, withToken);
    expect(codes(r)).toEqual([]);
  });
});

test.runIf(!HAS_V6)('IPv6 loopback is unavailable here: the ::1 cases are skipped', () => {
  expect(HAS_V6).toBe(false);
});
