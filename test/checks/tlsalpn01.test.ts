import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { DiagnoseRequest } from '../../src/checks/context.js';
import { tlsAlpn01Check } from '../../src/checks/tlsalpn01.js';
import type { Report } from '../../src/core/finding.js';
import { diagnose } from '../../src/diagnose.js';
import {
  answers404,
  type Fixture,
  neverAnswers,
  selfSignedCert,
  startOnOnePort,
  startWeb,
  type TestCert,
  type WebServers,
} from '../support/http-servers.js';
import { codes, request, startWorld, type World } from '../support/world.js';

const NAME = 'shop.example.test';
let challengeCert: TestCert;
let plainCert: TestCert;
beforeAll(async () => {
  challengeCert = await selfSignedCert(NAME, { acmeIdentifier: true });
  plainCert = await selfSignedCert(NAME);
});

let world: World | undefined;
const servers: WebServers[] = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** speaksAcmeTls is an ACME client answering TLS-ALPN-01 on 443 (Caddy, Traefik). */
const speaksAcmeTls = (): Fixture => ({ kind: 'tls', ...challengeCert, alpn: ['acme-tls/1'] });
/** cdnWithH2 is a TLS-terminating proxy that knows h2 and http/1.1 only: it refuses acme-tls/1. */
const cdnWithH2 = (): Fixture => ({ kind: 'tls', ...plainCert, alpn: ['h2', 'http/1.1'] });
/** tlsWithoutAlpn is a TLS server that ignores ALPN altogether. */
const tlsWithoutAlpn = (): Fixture => ({ kind: 'tls', ...plainCert });

async function diag(records: string[], port: number, extra: Partial<DiagnoseRequest> = {}, timeoutMs = 4000) {
  world = await startWorld({ records });
  const portMap = new Map(world.portMap);
  portMap.set(443, port);
  return diagnose(request(NAME, { method: 'tls-alpn-01', ...extra }), {
    resolvers: [world.resolver.address],
    portMap,
    timeoutMs,
    checks: [tlsAlpn01Check],
  });
}

async function web(f: Fixture, hosts = ['127.0.0.30']): Promise<WebServers> {
  const s = await startWeb(f, hosts);
  servers.push(s);
  return s;
}

const fact = (r: Report, a: string) =>
  (r.facts['addresses'] as Record<string, unknown>[]).find((x) => x['address'] === a)?.['tlsalpn01'] as
    | Record<string, unknown>
    | undefined;

describe('tlsalpn01', () => {
  test('a server selecting acme-tls/1 with a challenge certificate passes', async () => {
    const s = await web(speaksAcmeTls());
    const r = await diag([`${NAME} A 127.0.0.30`], s.port);
    expect(codes(r)).toEqual([]);
    expect(fact(r, '127.0.0.30')).toMatchObject({ protocol: 'acme-tls/1', acmeIdentifier: true });
  });

  test('a proxy that refuses acme-tls/1 gives tlsalpn01.alpn_not_supported', async () => {
    const s = await web(cdnWithH2());
    const r = await diag([`${NAME} A 127.0.0.30`], s.port);
    expect(codes(r)).toEqual(['tlsalpn01.alpn_not_supported']);
    expect(r.findings[0]!.evidence['address']).toBe('127.0.0.30');
  });

  test('a TLS server ignoring ALPN gives tlsalpn01.alpn_not_supported', async () => {
    const s = await web(tlsWithoutAlpn());
    const r = await diag([`${NAME} A 127.0.0.30`], s.port);
    expect(codes(r)).toEqual(['tlsalpn01.alpn_not_supported']);
    expect(fact(r, '127.0.0.30')).toMatchObject({ protocol: false });
  });

  test('one good and one bad address give one finding for the bad one', async () => {
    const s = await startOnOnePort([
      { host: '127.0.0.30', fixture: speaksAcmeTls() },
      { host: '127.0.0.31', fixture: cdnWithH2() },
    ]);
    servers.push(s);
    const r = await diag([`${NAME} A 127.0.0.30`, `${NAME} A 127.0.0.31`], s.port);
    expect(codes(r)).toEqual(['tlsalpn01.alpn_not_supported']);
    expect(r.findings[0]!.evidence['address']).toBe('127.0.0.31');
  });

  test('nothing listening, plain HTTP on 443 and a silent server give tlsalpn01.connection_failed', async () => {
    const closed = await web(answers404());
    const port = closed.port;
    await closed.close();
    expect(codes(await diag([`${NAME} A 127.0.0.30`], port))).toEqual(['tlsalpn01.connection_failed']);
    await world?.close();
    const plain = await web(answers404());
    const r = await diag([`${NAME} A 127.0.0.30`], plain.port);
    expect(codes(r)).toEqual(['tlsalpn01.connection_failed']);
    await world?.close();
    const silent = await web(neverAnswers());
    const r2 = await diag([`${NAME} A 127.0.0.30`], silent.port, {}, 1500);
    expect(codes(r2)).toEqual(['tlsalpn01.connection_failed']);
    expect(r2.durationMs).toBeLessThan(3000);
  });

  test('a wildcard gives tlsalpn01.wildcard_unsupported; other methods skip', async () => {
    const s = await web(speaksAcmeTls());
    const r = await diag([`${NAME} A 127.0.0.30`], s.port, { wildcard: true });
    expect(codes(r)).toEqual(['tlsalpn01.wildcard_unsupported']);
    await world?.close();
    const r2 = await diag([`${NAME} A 127.0.0.30`], s.port, { method: 'http-01' });
    expect(r2.checks).toEqual([expect.objectContaining({ name: 'tlsalpn01', state: 'skipped' })]);
  });
});
