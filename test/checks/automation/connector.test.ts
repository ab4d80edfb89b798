import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../../src/core/finding.js';
import { TargetPolicy } from '../../../src/net/guard.js';
import { startLab } from '../../support/acme-lab.js';
import {
  closedPort,
  type DirectoryMode,
  type Listening,
  startAcmeDirectory,
  type TestCert,
  testCert,
} from '../../support/automation.js';
import { toolOrSkip } from '../../support/tools.js';
import { baseInventory, find, type Harness, harness, type Inv } from './helpers.js';

let h: Harness | undefined;
let server: (Listening & { hits: number }) | undefined;
let cert: TestCert;
beforeAll(() => {
  cert = testCert(['acme.example.test']);
});
afterEach(async () => {
  await h?.close();
  await server?.close();
  h = undefined;
  server = undefined;
});
afterAll(() => {});

const connectorCodes = (r: Report) => r.findings.map((f) => f.code).filter((c) => c.startsWith('connector.'));

/** withDirectory starts a directory server misbehaving as told and points the connector at it by name. */
async function withDirectory(mode: DirectoryMode, patch: (i: Inv) => void = () => {}) {
  server = await startAcmeDirectory(cert, mode);
  h = await harness(
    baseInventory((i) => {
      i.connectors[0].endpoint = `https://acme.example.test:${server!.port}/directory`;
      patch(i);
    }),
    ['acme.example.test A 127.0.0.1'],
  );
  return h;
}

describe('CA connector endpoint probe (ACME directory, RFC 8555 §7.1.1)', () => {
  test('a real directory over verified TLS gives no connector finding', async () => {
    await withDirectory('ok');
    const r = await h!.run({ trustAnchors: [cert.pem] });
    expect(connectorCodes(r)).toEqual([]);
    expect(server!.hits).toBe(1);
    expect(r.facts['connectors']).toMatchObject({ 'acme-prod': { status: 200, ok: true } });
  });

  test('an untrusted certificate is connector.unreachable with the TLS error', async () => {
    await withDirectory('ok');
    const r = await h!.run();
    expect(connectorCodes(r)).toEqual(['connector.unreachable']);
    expect(find(r, 'connector.unreachable').evidence).toMatchObject({ kind: 'certificate', address: '127.0.0.1' });
  });

  test.each([
    ['status500', 'HTTP 500'],
    ['notJson', 'not JSON'],
    ['notDirectory', 'newNonce, newAccount, newOrder'],
    ['huge', 'size cap'],
  ] as const)('a directory answering %s is connector.unreachable', async (mode, words) => {
    await withDirectory(mode);
    const r = await h!.run({ trustAnchors: [cert.pem] });
    expect(connectorCodes(r)).toEqual(['connector.unreachable']);
    expect(find(r, 'connector.unreachable').detail).toContain(words);
  });

  test('a directory that never answers is connector.unreachable before the deadline', async () => {
    await withDirectory('hang');
    const started = Date.now();
    const r = await h!.run({ trustAnchors: [cert.pem], timeoutMs: 1500 });
    expect(connectorCodes(r)).toEqual(['connector.unreachable']);
    expect(find(r, 'connector.unreachable').evidence).toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(8000);
  });

  test('a refused port and a name that does not resolve are connector.unreachable', async () => {
    const port = await closedPort();
    h = await harness(baseInventory((i) => (i.connectors[0].endpoint = `https://127.0.0.1:${port}/directory`)));
    let r = await h.run();
    expect(connectorCodes(r)).toEqual(['connector.unreachable']);
    expect(find(r, 'connector.unreachable').evidence).toMatchObject({ kind: 'refused' });
    await h.close();
    h = await harness(baseInventory((i) => (i.connectors[0].endpoint = 'https://nowhere.example.test/directory')));
    r = await h.run();
    expect(connectorCodes(r)).toEqual(['connector.unreachable']);
    expect(find(r, 'connector.unreachable').detail).toContain('does not resolve');
  });

  test("the bot's target policy is obeyed: a loopback endpoint is not contacted", async () => {
    await withDirectory('ok');
    const r = await h!.run({ trustAnchors: [cert.pem], policy: new TargetPolicy(false) });
    expect(connectorCodes(r)).toEqual(['connector.unreachable']);
    expect(find(r, 'connector.unreachable').evidence).toMatchObject({ kind: 'policy' });
    expect(server!.hits).toBe(0);
  });

  test('a REST connector is up on any status below 500', async () => {
    await withDirectory('notJson', (i) => {
      i.connectors[0].protocol = 'rest';
      i.connectors[0].endpoint = i.connectors[0].endpoint.replace('/directory', '/api/v1/ping');
    });
    expect(connectorCodes(await h!.run({ trustAnchors: [cert.pem] }))).toEqual([]);
  });
});

describe('CA connector configuration', () => {
  test('a disabled connector is connector.inactive', async () => {
    h = await harness(baseInventory((i) => (i.connectors[0].active = false)));
    expect(connectorCodes(await h.run())).toEqual(['connector.inactive']);
  });

  test('expired credentials are connector.credentials_expired', async () => {
    h = await harness(baseInventory((i) => (i.connectors[0].credentialsExpireAt = '2026-11-01T00:00:00Z')));
    const r = await h.run();
    expect(connectorCodes(r)).toEqual(['connector.credentials_expired']);
    expect(find(r, 'connector.credentials_expired').severity).toBe('critical');
  });

  test('a template the connector does not map is connector.template_unmapped', async () => {
    h = await harness(baseInventory((i) => (i.certificates[0].template = 'web-ov')));
    const r = await h.run();
    expect(connectorCodes(r)).toEqual(['connector.template_unmapped']);
    expect(find(r, 'connector.template_unmapped').evidence).toMatchObject({ template: 'web-ov', mapped: ['web-dv'] });
  });
});

describe('against a real ACME server (pebble)', () => {
  const tools = { pebble: toolOrSkip('pebble'), openssl: toolOrSkip('openssl') };
  test.skipIf(!tools.pebble || !tools.openssl)(
    "pebble's directory passes; untrusted, it is connector.unreachable",
    async () => {
      const lab = await startLab({ pebble: tools.pebble!, openssl: tools.openssl!, records: [] });
      try {
        h = await harness(baseInventory((i) => (i.connectors[0].endpoint = lab.directoryUrl)));
        const trusted = await h.run({ trustAnchors: [readFileSync(lab.caBundle, 'utf8')] });
        expect(connectorCodes(trusted)).toEqual([]);
        const untrusted = await h.run();
        expect(connectorCodes(untrusted)).toEqual(['connector.unreachable']);
        expect(find(untrusted, 'connector.unreachable').evidence).toMatchObject({ kind: 'certificate' });
      } finally {
        await lab.close();
      }
    },
  );
});
