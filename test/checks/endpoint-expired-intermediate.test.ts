/**
 * A chain whose only path runs through an expired intermediate is rejected by every client
 * (RFC 5280 §6.1.3): tls.expired naming the intermediate, critical, although the leaf is valid.
 * Found against nginx serving an openssl-made chain (certmedic reported a warning and exit 0).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { endpointCheck } from '../../src/checks/endpoint.js';
import { diagnose } from '../../src/diagnose.js';
import { mint, type Pki, pki } from '../support/certs.js';
import { type Servers, startServers } from '../support/tls-servers.js';
import { codes, request, startWorld, type World } from '../support/world.js';

let ca: Pki;
let servers: Servers;
let world: World;

beforeAll(async () => {
  ca = await pki('Expiry');
  const oldInt = await mint({ cn: 'Expiry Old Intermediate', ca: true, issuer: ca.root, fromDays: -400, toDays: -2 });
  servers = await startServers({
    '127.0.1.30': {
      chain: [await mint({ cn: 'oldint.example.test', issuer: oldInt, fromDays: -30, toDays: 60 }), oldInt],
    },
    '127.0.1.31': {
      chain: [await mint({ cn: 'both.example.test', issuer: oldInt, fromDays: -90, toDays: -1 }), oldInt],
    },
  });
  world = await startWorld({ records: ['oldint.example.test A 127.0.1.30', 'both.example.test A 127.0.1.31'] });
  world.portMap.set(443, servers.port);
});
afterAll(async () => {
  await servers?.close();
  await world?.close();
});

const diag = (name: string) =>
  diagnose(request(name), {
    resolvers: [world.resolver.address],
    portMap: world.portMap,
    timeoutMs: 5000,
    trustAnchors: [ca.root.pem],
    checks: [endpointCheck],
  });

test('a valid leaf under an expired intermediate is tls.expired (critical) naming the intermediate', async () => {
  const r = await diag('oldint.example.test');
  expect(codes(r)).toEqual(['tls.expired', 'tls.intermediate_expiring']);
  expect(r.findings[0]!.severity).toBe('critical');
  expect(r.findings[0]!.detail).toContain('Expiry Old Intermediate');
  expect(r.findings[0]!.evidence['address']).toBe('127.0.1.30');
  expect(r.status).toBe('critical');
});

test('an expired leaf under an expired intermediate: one tls.expired that names both', async () => {
  const r = await diag('both.example.test');
  expect(codes(r)).toEqual(['tls.expired', 'tls.intermediate_expiring']);
  expect(r.findings[0]!.detail).toContain('Expiry Old Intermediate');
});
