import { afterEach, describe, expect, test } from 'vitest';
import { alpnProbe, hasAcmeIdentifier } from '../../src/net/alpn.js';
import { answers404, neverAnswers, selfSignedCert, startWeb, type WebServers } from '../support/http-servers.js';

const servers: WebServers[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const probe = (port: number, timeoutMs = 2000) =>
  alpnProbe({ address: '127.0.0.1', port, servername: 'shop.example.test', timeoutMs });

describe('alpnProbe', () => {
  test('reports acme-tls/1 and the acmeIdentifier extension of a challenge certificate', async () => {
    const cert = await selfSignedCert('shop.example.test', { acmeIdentifier: true });
    const s = await startWeb({ kind: 'tls', ...cert, alpn: ['acme-tls/1'] });
    servers.push(s);
    const r = await probe(s.port);
    expect(r).toMatchObject({ protocol: 'acme-tls/1', acmeIdentifier: true });
    expect(r.subjectAltName).toContain('shop.example.test');
  });

  test('a server without ALPN selects nothing; an ordinary certificate has no acmeIdentifier', async () => {
    const cert = await selfSignedCert('shop.example.test');
    const s = await startWeb({ kind: 'tls', ...cert });
    servers.push(s);
    expect(await probe(s.port)).toMatchObject({ protocol: false, acmeIdentifier: false });
  });

  test('a server refusing the protocol fails with the no_application_protocol alert', async () => {
    const cert = await selfSignedCert('shop.example.test');
    const s = await startWeb({ kind: 'tls', ...cert, alpn: ['h2'] });
    servers.push(s);
    await expect(probe(s.port)).rejects.toMatchObject({ net: { message: expect.stringMatching(/ALPN/) } });
  });

  test('plain HTTP, a silent server and a closed port fail with their kinds', async () => {
    const plain = await startWeb(answers404());
    const silent = await startWeb(neverAnswers());
    servers.push(plain, silent);
    await expect(probe(plain.port)).rejects.toMatchObject({ net: { kind: expect.stringMatching(/not_tls|reset/) } });
    await expect(probe(silent.port, 300)).rejects.toMatchObject({ net: { kind: 'timeout' } });
    const port = plain.port;
    await plain.close();
    await expect(probe(port)).rejects.toMatchObject({ net: { kind: 'refused' } });
  });

  test('hasAcmeIdentifier looks for the RFC 8737 OID', () => {
    expect(hasAcmeIdentifier(undefined)).toBe(false);
    expect(hasAcmeIdentifier(Buffer.from([0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1f]))).toBe(true);
  });
});
