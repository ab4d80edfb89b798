import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { trustStore } from '../../src/core/chain.js';
import { TargetPolicy } from '../../src/net/guard.js';
import { probeTls } from '../../src/net/tls.js';
import { chainPem, leafOf, type Minted, mint, type Pki, pki } from '../support/certs.js';
import { freePort, type Servers, startServers } from '../support/tls-servers.js';

let ca: Pki;
let leaf: Minted;
let ecLeaf: Minted;
let servers: Servers;

beforeAll(async () => {
  ca = await pki('Probe');
  leaf = await leafOf(ca, ['www.example.test', 'example.test']);
  ecLeaf = await mint({ cn: 'ec.example.test', issuer: ca.intermediate, key: 'ec256' });
  servers = await startServers({
    '127.0.0.2': { chain: [leaf, ca.intermediate] },
    '127.0.0.3': { chain: [ecLeaf, ca.intermediate, ca.root] },
    '127.0.0.4': 'plainHttp',
    '127.0.0.5': 'neverAnswers',
    '127.0.0.6': 'closesAtOnce',
    '::1': { chain: [leaf, ca.intermediate] },
  });
});
afterAll(() => servers.close());

const map = () => new Map([[443, servers.port]]);

describe('probeTls', () => {
  test('returns the presented chain in order, protocol, cipher, ALPN and timings', async () => {
    const r = await probeTls({ address: '127.0.0.2', port: 443, servername: 'www.example.test', portMap: map() });
    expect(r.ok).toBe(true);
    expect(r.connectPort).toBe(servers.port);
    expect(r.certs.map((c) => c.serial)).toEqual([leaf.serial, ca.intermediate.serial]);
    expect(r.certs[0]!.sha256).toBe(leaf.sha256);
    expect(r.certs[0]!.sans).toEqual(['www.example.test', 'example.test']);
    expect(r.certs[0]!.aiaCaIssuers).toEqual(['http://ca.example.test/intermediate.der']);
    expect(r.certs[0]!).toMatchObject({ keyType: 'rsa', keyBits: 2048, signatureHash: 'sha256', isCA: false });
    expect(r.certs[1]!.isCA).toBe(true);
    expect(r.protocol).toBe('TLSv1.3');
    expect(r.cipher).toMatch(/^TLS_/);
    expect(r.alpn).toBe('http/1.1');
    expect(r.connectMs).toBeGreaterThanOrEqual(0);
    expect(r.handshakeMs).toBeGreaterThan(0);
    expect(r.chain).toBeUndefined();
  });

  test('parses an ECDSA leaf and builds the chain against the given trust store', async () => {
    const trust = trustStore([ca.root.pem], { systemRoots: false });
    const r = await probeTls({ address: '127.0.0.3', port: 443, servername: 'ec.example.test', portMap: map(), trust });
    expect(r.ok).toBe(true);
    expect(r.certs[0]).toMatchObject({ keyType: 'ec', keyBits: 256, curve: 'prime256v1' });
    expect(r.certs[0]!.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(r.chain!.trusted).toBe(true);
    expect(r.chain!.path.map((c) => c.sha256)).toEqual([ecLeaf.sha256, ca.intermediate.sha256, ca.root.sha256]);
  });

  test('probes an IPv6 address', async () => {
    const r = await probeTls({ address: '::1', port: 443, servername: 'www.example.test', portMap: map() });
    expect(r.ok).toBe(true);
    expect(r.certs[0]!.serial).toBe(leaf.serial);
  });

  test('an IP literal is never sent as SNI', async () => {
    const r = await probeTls({ address: '127.0.0.2', port: 443, servername: '127.0.0.2', portMap: map() });
    expect(r.ok).toBe(true);
    expect(r.servername).toBeUndefined();
  });

  test('a refused port is a connect failure', async () => {
    const port = await freePort('127.0.0.7');
    const r = await probeTls({ address: '127.0.0.7', port: 443, portMap: new Map([[443, port]]) });
    expect(r).toMatchObject({ ok: false, stage: 'connect', error: { kind: 'refused' }, certs: [] });
  });

  test('plain HTTP on the TLS port is a handshake failure of kind not_tls', async () => {
    const r = await probeTls({ address: '127.0.0.4', port: 443, servername: 'www.example.test', portMap: map() });
    expect(r).toMatchObject({ ok: false, stage: 'handshake', error: { kind: 'not_tls' } });
  });

  test('a server that closes at once is a handshake failure', async () => {
    const r = await probeTls({ address: '127.0.0.6', port: 443, servername: 'www.example.test', portMap: map() });
    expect(r).toMatchObject({ ok: false, stage: 'handshake', error: { kind: 'reset' } });
  });

  test('a server that never answers times out within the probe timeout', async () => {
    const started = performance.now();
    const r = await probeTls({ address: '127.0.0.5', port: 443, portMap: map(), timeoutMs: 300 });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r).toMatchObject({ ok: false, stage: 'handshake', error: { kind: 'timeout' } });
  });

  test('the signal aborts a pending probe', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await probeTls({ address: '127.0.0.5', port: 443, portMap: map(), signal: ac.signal, timeoutMs: 10_000 });
    expect(r).toMatchObject({ ok: false, error: { kind: 'aborted' } });
  });

  test('the target policy is asked before connecting', async () => {
    const r = await probeTls({ address: '127.0.0.2', port: 443, portMap: map(), policy: new TargetPolicy(false) });
    expect(r).toMatchObject({ ok: false, stage: 'policy', error: { kind: 'policy' } });
  });

  test('many probes in parallel leave no socket open', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, () => probeTls({ address: '127.0.0.2', port: 443, portMap: map() })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    // client sockets only (the test servers' own sockets live in this process too)
    const tlsSockets = handles.filter(
      (h) => (h as { encrypted?: boolean }).encrypted && !(h as { server?: unknown }).server,
    );
    expect(tlsSockets).toHaveLength(0);
    expect(chainPem(leaf)).toContain('BEGIN CERTIFICATE');
  });
});
