import { type AddressInfo, createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { classifyDeploymentLog } from '../../../src/checks/automation/classify.js';
import { stuckThresholdMs } from '../../../src/checks/automation/deployment.js';
import type { Report } from '../../../src/core/finding.js';
import { TargetPolicy } from '../../../src/net/guard.js';
import { closedPort, type Listening, startTlsTarget, type TestCert, testCert } from '../../support/automation.js';
import { baseInventory, find, type Harness, harness, type Inv, nginxTarget } from './helpers.js';

let h: Harness | undefined;
let target: Listening | undefined;
let served: TestCert;
beforeAll(() => {
  served = testCert(['shop.example.test'], { serial: '0abc01' });
});
afterEach(async () => {
  await h?.close();
  await target?.close();
  h = undefined;
  target = undefined;
});

const deployCodes = (r: Report) =>
  r.findings.map((f) => f.code).filter((c) => c.startsWith('deploy.') || c.startsWith('policy.'));

/** withTarget serves `served` on 127.0.0.1 and points an nginx deployment at it. */
async function withTarget(patch: (i: Inv) => void = () => {}) {
  target = await startTlsTarget(served);
  h = await harness(
    baseInventory((i) => {
      i.deployments = [nginxTarget(target!.port)];
      i.certificates[0].deployments = ['nginx-shop'];
      i.certificates[0].issued.serial = served.serial;
      patch(i);
    }),
  );
  return h;
}

const minutes = (m: number) => new Date(Date.parse('2026-11-27T10:00:00Z') - m * 60_000).toISOString();

describe('deployment targets (runbook step 5)', () => {
  test('a target serving the issued certificate gives no deployment finding', async () => {
    await withTarget();
    expect(deployCodes(await h!.run())).toEqual([]);
  });

  test('a target still serving another serial is deploy.not_deployed_after_renewal', async () => {
    await withTarget((i) => (i.certificates[0].issued.serial = '0def02'));
    const r = await h!.run();
    expect(deployCodes(r)).toEqual(['deploy.not_deployed_after_renewal']);
    expect(find(r, 'deploy.not_deployed_after_renewal').evidence).toMatchObject({
      address: '127.0.0.1',
      servedSerial: served.serial,
      issuedSerial: 'def02',
    });
  });

  test('a certificate.issued event with a new sha256 makes the old served certificate stale', async () => {
    await withTarget();
    h!.event({
      id: 'iss-9',
      type: 'certificate.issued',
      time: '2026-11-27T09:00:00.000Z',
      certificate: 'shop',
      data: { serial: '77', sha256: 'ab'.repeat(32) },
    });
    const r = await h!.run();
    expect(deployCodes(r)).toEqual(['deploy.not_deployed_after_renewal']);
    expect(find(r, 'deploy.not_deployed_after_renewal').evidence).toMatchObject({ servedSha256: served.sha256 });
  });

  test('a port nobody listens on is deploy.port_not_listening', async () => {
    const port = await closedPort();
    h = await harness(
      baseInventory((i) => {
        i.deployments = [nginxTarget(port)];
        i.certificates[0].deployments = ['nginx-shop'];
      }),
    );
    const r = await h.run();
    expect(deployCodes(r)).toEqual(['deploy.port_not_listening']);
    expect(find(r, 'deploy.port_not_listening').evidence).toMatchObject({ address: '127.0.0.1', port });
  });

  test('a target that accepts TCP but never speaks TLS is deploy.port_not_listening before the deadline', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    try {
      h = await harness(
        baseInventory((i) => {
          i.deployments = [nginxTarget(port)];
          i.certificates[0].deployments = ['nginx-shop'];
        }),
      );
      const started = Date.now();
      const r = await h.run({ timeoutMs: 2000 });
      expect(deployCodes(r)).toEqual(['deploy.port_not_listening']);
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      silent.close();
    }
  });

  test("the bot's policy refuses a loopback target: policy.address_refused, nothing connected", async () => {
    await withTarget((i) => (i.certificates[0].issued.serial = '0def02'));
    const r = await h!.run({ policy: new TargetPolicy(false) });
    expect(deployCodes(r)).toEqual(['policy.address_refused']);
  });

  test('missing keystore path and restart command are deploy.config_invalid', async () => {
    h = await harness(
      baseInventory((i) => {
        const t = nginxTarget(443);
        delete t.keystorePath;
        delete t.restartCommand;
        delete t.ports;
        i.deployments = [t];
        i.certificates[0].deployments = ['nginx-shop'];
      }),
    );
    const r = await h.run();
    expect(deployCodes(r)).toEqual(['deploy.config_invalid']);
    expect(find(r, 'deploy.config_invalid').evidence).toMatchObject({
      missing: ['ports', 'keystorePath', 'restartCommand'],
    });
  });
});

describe('deployment jobs (runbook step 6)', () => {
  test('a failed run reported by webhook is deploy.failed with its error', async () => {
    h = await harness(baseInventory());
    h.event({
      id: 'd1',
      type: 'deployment.started',
      time: minutes(10),
      certificate: 'shop',
      data: { deployment: 'k8s-shop', runId: 'r1' },
    });
    h.event({
      id: 'd2',
      type: 'deployment.failed',
      time: minutes(8),
      certificate: 'shop',
      data: {
        deployment: 'k8s-shop',
        runId: 'r1',
        error: 'secrets "shop-tls" is forbidden',
        log: 'applying secret\nError from server (Forbidden): secrets "shop-tls" is forbidden\n',
      },
    });
    const r = await h.run();
    expect(deployCodes(r)).toEqual(['deploy.failed']);
    expect(find(r, 'deploy.failed').detail).toContain('forbidden');
    // A later success clears it.
    h.event({
      id: 'd3',
      type: 'deployment.succeeded',
      time: minutes(1),
      certificate: 'shop',
      data: { deployment: 'k8s-shop', startedAt: minutes(3) },
    });
    expect(deployCodes(await h.run())).toEqual([]);
  });

  test("the failed run's log is classified: the category and first failing line are quoted", async () => {
    h = await harness(baseInventory());
    h.event({
      id: 'f1',
      type: 'deployment.failed',
      time: minutes(2),
      certificate: 'shop',
      data: {
        deployment: 'k8s-shop',
        log: [
          '2026-11-27 09:57:01 INFO copying certificate to web1',
          '2026-11-27 09:57:02 ERROR Permission denied (publickey,password).',
          '2026-11-27 09:57:02 ERROR deployment aborted',
        ].join('\n'),
      },
    });
    const r = await h.run({ classifyLog: classifyDeploymentLog });
    const f = find(r, 'deploy.failed');
    expect(f.evidence).toMatchObject({ logCode: 'log.auth_failure' });
    expect(f.detail).toContain('Permission denied');
  });

  test('a run far longer than its history is deploy.stuck_pending; a normal one is not', async () => {
    const history = [10, 12, 14, 16, 18].map((ago, n) => ({
      startedAt: `2026-11-${String(ago).padStart(2, '0')}T03:00:00Z`,
      finishedAt: `2026-11-${String(ago).padStart(2, '0')}T03:0${3 + (n % 2)}:00Z`,
      result: 'succeeded',
    }));
    h = await harness(baseInventory((i) => (i.deployments[0].history = history)));
    h.event({
      id: 's1',
      type: 'deployment.started',
      time: minutes(4),
      certificate: 'shop',
      data: { deployment: 'k8s-shop' },
    });
    expect(deployCodes(await h.run())).toEqual([]);
    h.clock.advance(40 * 60_000);
    const r = await h.run();
    expect(deployCodes(r)).toEqual(['deploy.stuck_pending']);
    expect(find(r, 'deploy.stuck_pending').evidence).toMatchObject({
      medianMinutes: 3,
      pastRuns: 5,
      elapsedMinutes: 44,
    });
  });

  test('without history, more than an hour is deploy.stuck_pending', async () => {
    h = await harness(baseInventory());
    h.event({
      id: 's2',
      type: 'deployment.started',
      time: minutes(61),
      certificate: 'shop',
      data: { deployment: 'k8s-shop' },
    });
    expect(deployCodes(await h.run())).toEqual(['deploy.stuck_pending']);
  });

  test('the stuck threshold grows with the spread of past durations', () => {
    const steady = stuckThresholdMs([180_000, 180_000, 180_000, 180_000]);
    const noisy = stuckThresholdMs([60_000, 180_000, 600_000, 900_000, 120_000]);
    expect(steady.ms).toBe(480_000);
    expect(noisy.ms).toBeGreaterThan(steady.ms);
  });
});
