import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { endpointCheck } from '../../src/checks/endpoint.js';
import type { Report } from '../../src/core/finding.js';
import { diagnose } from '../../src/diagnose.js';
import { leafOf, type Minted, mint, type Pki, pki } from '../support/certs.js';
import { type Serve, type Servers, startServers } from '../support/tls-servers.js';
import { codes, request, startWorld, type World } from '../support/world.js';

let ca: Pki;
let other: Pki;
let ecCa: Pki;
let crossRoot: Minted;
let servers: Servers;
let world: World;

const HOSTS = {
  selfsigned: '127.0.1.2',
  leafonly: '127.0.1.3',
  untrusted: '127.0.1.4',
  untrustedroot: '127.0.1.5',
  weakkey: '127.0.1.6',
  sha1: '127.0.1.7',
  cross: '127.0.1.8',
  intexp: '127.0.1.9',
  ecdsa: '127.0.1.10',
  internal: '127.0.1.11',
  sha1root: '127.0.1.12',
} as const;

beforeAll(async () => {
  ca = await pki('Chain');
  other = await pki('Unknown');
  ecCa = await pki('Elliptic', 'ec256');
  // The old cross-sign of the root: same subject and key, issued by a retired root, expired.
  const retired = await mint({ cn: 'Retired Root', ca: true, fromDays: -4000, toDays: -300 });
  crossRoot = await mint({ cn: 'Chain Root', ca: true, keyOf: ca.root, issuer: retired, fromDays: -2000, toDays: -30 });
  const shortInt = await mint({
    cn: 'Chain Short Intermediate',
    ca: true,
    issuer: ca.root,
    fromDays: -700,
    toDays: 10,
  });
  const sha1Root = await mint({ cn: 'Legacy Root', ca: true, hash: 'sha1', fromDays: -100, toDays: 3000 });
  const sha1RootLeaf = await mint({ cn: 'sha1root.example.test', issuer: sha1Root });
  const selfSigned = await mint({ cn: 'selfsigned.example.test' });
  const internal = await mint({ cn: 'internal.example.test' });
  const spec: Record<string, Serve> = {
    [HOSTS.selfsigned]: { chain: [selfSigned] },
    [HOSTS.leafonly]: { chain: [await leafOf(ca, ['leafonly.example.test'])] },
    [HOSTS.untrusted]: { chain: [await leafOf(other, ['untrusted.example.test']), other.intermediate] },
    [HOSTS.untrustedroot]: {
      chain: [await leafOf(other, ['untrustedroot.example.test']), other.intermediate, other.root],
    },
    [HOSTS.weakkey]: { chain: [await leafOf(ca, ['weakkey.example.test'], { key: 'rsa1024' }), ca.intermediate] },
    [HOSTS.sha1]: { chain: [await leafOf(ca, ['sha1.example.test'], { hash: 'sha1' }), ca.intermediate] },
    [HOSTS.cross]: { chain: [await leafOf(ca, ['cross.example.test']), ca.intermediate, crossRoot] },
    [HOSTS.intexp]: { chain: [await mint({ cn: 'intexp.example.test', issuer: shortInt, toDays: 60 }), shortInt] },
    [HOSTS.ecdsa]: { chain: [await leafOf(ecCa, ['ecdsa.example.test'], { key: 'ec256' }), ecCa.intermediate] },
    [HOSTS.internal]: { chain: [internal] },
    [HOSTS.sha1root]: { chain: [sha1RootLeaf, sha1Root] },
  };
  servers = await startServers(spec);
  world = await startWorld({ records: Object.entries(HOSTS).map(([k, ip]) => `${k}.example.test A ${ip}`) });
  world.portMap.set(443, servers.port);
  anchors = [ca.root.pem, ecCa.root.pem, internal.pem, sha1Root.pem];
});
afterAll(async () => {
  await servers?.close();
  await world?.close();
});

let anchors: string[] = [];

function diag(name: string, trustAnchors = anchors): Promise<Report> {
  return diagnose(request(name), {
    resolvers: [world.resolver.address],
    portMap: world.portMap,
    timeoutMs: 5000,
    trustAnchors,
    checks: [endpointCheck],
  });
}

function only(report: Report, code: string) {
  const f = report.findings.filter((x) => x.code === code);
  expect(f).toHaveLength(1);
  return f[0]!;
}

describe('endpoint: chain and trust', () => {
  test('a self-signed leaf is tls.self_signed', async () => {
    const r = await diag('selfsigned.example.test');
    expect(codes(r)).toEqual(['tls.self_signed']);
    expect(only(r, 'tls.self_signed').evidence['address']).toBe(HOSTS.selfsigned);
  });

  test('a self-signed certificate given with --trust-anchor is trusted', async () => {
    expect(codes(await diag('internal.example.test'))).toEqual([]);
  });

  test('a leaf without its intermediate is tls.incomplete_chain naming the issuer and the AIA URL', async () => {
    const r = await diag('leafonly.example.test');
    expect(codes(r)).toEqual(['tls.incomplete_chain']);
    const f = only(r, 'tls.incomplete_chain');
    expect(f.evidence['missingIssuer']).toBe('CN=Chain Intermediate');
    expect(f.detail).toContain('http://ca.example.test/intermediate.der');
    expect(f.fixes[0]).toContain('http://ca.example.test/intermediate.der');
  });

  test('a chain to an unknown CA is tls.untrusted_root, whether the root is sent or not', async () => {
    expect(codes(await diag('untrusted.example.test'))).toEqual(['tls.untrusted_root']);
    const f = only(await diag('untrustedroot.example.test'), 'tls.untrusted_root');
    expect(f.detail).toContain('CN=Unknown Root');
  });

  test('a private chain without the anchor is untrusted; with it, fine', async () => {
    expect(codes(await diag('ecdsa.example.test', [ca.root.pem]))).toEqual(['tls.untrusted_root']);
    expect(codes(await diag('ecdsa.example.test'))).toEqual([]);
  });
});

describe('endpoint: strength', () => {
  test('an RSA 1024 leaf is tls.weak_key', async () => {
    const f = only(await diag('weakkey.example.test'), 'tls.weak_key');
    expect(f.detail).toContain('1024');
    expect(codes(await diag('weakkey.example.test'))).toEqual(['tls.weak_key']);
  });

  test('a SHA-1 signed leaf is tls.weak_signature', async () => {
    const r = await diag('sha1.example.test');
    expect(codes(r)).toEqual(['tls.weak_signature']);
    expect(only(r, 'tls.weak_signature').detail).toContain('sha1WithRSAEncryption');
  });

  test("a root's own SHA-1 self-signature does not count", async () => {
    expect(codes(await diag('sha1root.example.test'))).toEqual([]);
  });
});

describe('endpoint: intermediates', () => {
  test('an expired cross-signed root still sent by the server does not alarm (the validating chain is judged)', async () => {
    const r = await diag('cross.example.test');
    expect(codes(r)).toEqual([]);
    const tls = (r.facts['addresses'] as { tls: { presented: unknown[]; path: string[] } }[])[0]!.tls;
    expect(tls.presented).toHaveLength(3);
    expect(tls.path).toEqual(['CN=cross.example.test', 'CN=Chain Intermediate', 'CN=Chain Root']);
  });

  test('an intermediate that expires in 10 days is tls.intermediate_expiring', async () => {
    const r = await diag('intexp.example.test');
    const f = only(r, 'tls.intermediate_expiring');
    expect(f.severity).toBe('warning');
    expect(f.detail).toContain('CN=Chain Short Intermediate');
    expect(codes(r)).toEqual(['tls.intermediate_expiring']);
  });
});
