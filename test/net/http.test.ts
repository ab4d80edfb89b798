import { afterEach, describe, expect, test } from 'vitest';
import { permissivePolicy, TargetPolicy } from '../../src/net/guard.js';
import { BODY_CAP, bodyPreview, fetchLikeCa, httpGet, redirectTarget } from '../../src/net/http.js';
import {
  answersStatus,
  neverAnswers,
  redirectsTo,
  sendsHugeBody,
  sendsHugeHeaders,
  servesFile,
  startWeb,
  tricklesBytes,
  type WebServers,
} from '../support/http-servers.js';

const servers: WebServers[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function web(...args: Parameters<typeof startWeb>) {
  const s = await startWeb(...args);
  servers.push(s);
  return s;
}
const get = (port: number, extra: Partial<Parameters<typeof httpGet>[0]> = {}) =>
  httpGet({
    scheme: 'http',
    address: '127.0.0.1',
    port,
    host: 'shop.example.test',
    path: '/x',
    timeoutMs: 2000,
    ...extra,
  });

describe('httpGet', () => {
  test('sends the Host header to the given address and returns status, headers and body', async () => {
    const s = await web(servesFile('/x', 'hello', 'shop.example.test'));
    const r = await get(s.port);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello');
    expect(r.truncated).toBe(false);
    expect(s.requests[0]).toMatchObject({ host: 'shop.example.test', path: '/x' });
  });

  test('returns a redirect without following it', async () => {
    const s = await web(redirectsTo('/elsewhere'));
    const r = await get(s.port);
    expect(r.status).toBe(301);
    expect(r.headers['location']).toBe('/elsewhere');
    expect(s.requests).toHaveLength(1);
  });

  test('reads a 10 MB body only up to the cap', async () => {
    const s = await web(sendsHugeBody());
    const r = await get(s.port);
    expect(r.body.length).toBe(BODY_CAP);
    expect(r.truncated).toBe(true);
  });

  test('refuses 10 MB of headers as too large', async () => {
    const s = await web(sendsHugeHeaders());
    await expect(get(s.port)).rejects.toMatchObject({ net: { kind: 'too_large' } });
  });

  test('times out on a silent server and a trickling one, and stops when the signal aborts', async () => {
    const silent = await web(neverAnswers());
    await expect(get(silent.port, { timeoutMs: 300 })).rejects.toMatchObject({
      net: { kind: 'timeout', message: expect.stringContaining('response headers') },
    });
    const slow = await web(tricklesBytes());
    await expect(get(slow.port, { timeoutMs: 300 })).rejects.toMatchObject({ net: { kind: 'timeout' } });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const started = performance.now();
    await expect(get(silent.port, { timeoutMs: 5000, signal: abort.signal })).rejects.toMatchObject({
      net: { kind: 'timeout' },
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('a refused connection is kind refused', async () => {
    const s = await web(answersStatus(200));
    const port = s.port;
    await s.close();
    await expect(get(port)).rejects.toMatchObject({ net: { kind: 'refused' } });
  });
});

describe('redirectTarget (CA rules)', () => {
  const base = new URL('http://shop.example.test/.well-known/acme-challenge/t');
  test.each([
    ['https://shop.example.test/x', true],
    ['/relative', true],
    ['http://shop.example.test:443/x', true],
    ['http://shop.example.test:8080/x', false],
    ['ftp://shop.example.test/x', false],
    ['http://192.0.2.1/x', false],
    ['http://[2001:db8::1]/x', false],
  ])('%s followed: %s', (location, ok) => {
    expect('url' in redirectTarget(location, base)).toBe(ok);
  });
});

describe('fetchLikeCa', () => {
  test('asks the target policy before connecting', async () => {
    const s = await web(answersStatus(200));
    const r = await fetchLikeCa({
      name: 'shop.example.test',
      address: '127.0.0.1',
      path: '/x',
      policy: new TargetPolicy(false),
      portMap: new Map([[80, s.port]]),
      timeoutMs: 1000,
      resolve: async () => [],
    });
    expect(r.failure?.kind).toBe('policy');
    expect(s.requests).toEqual([]);
  });

  test('records every hop with the mapped port', async () => {
    const s = await web(
      {
        kind: 'http',
        handler: (req, res) => {
          if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
          else res.writeHead(404).end();
        },
      },
      ['127.0.0.1'],
    );
    const r = await fetchLikeCa({
      name: 'shop.example.test',
      address: '127.0.0.1',
      path: '/a',
      policy: permissivePolicy,
      portMap: new Map([[80, s.port]]),
      timeoutMs: 1000,
      resolve: async () => [],
    });
    expect(r.hops.map((h) => [h.url, h.status, h.port])).toEqual([
      ['http://shop.example.test/a', 302, s.port],
      ['http://shop.example.test/b', 404, s.port],
    ]);
  });
});

test('bodyPreview strips control characters and cuts long bodies', () => {
  expect(bodyPreview(Buffer.from('a\x00\x1bb'))).toBe('a b');
  expect(bodyPreview(Buffer.from('x'.repeat(500)), 10)).toBe(`${'x'.repeat(10)}…`);
});
