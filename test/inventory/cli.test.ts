/** The CLI runs the automation check from the config's inventory plus the events stored by the bot. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Report } from '../../src/core/finding.js';
import { InventorySchema } from '../../src/inventory/schema.js';
import { InventoryStore } from '../../src/inventory/store.js';
import { openStore } from '../../src/store/db.js';
import { type Listening, startTlsTarget, testCert } from '../support/automation.js';
import { json, runCli } from '../support/cli.js';
import { startWorld, type World } from '../support/world.js';

let dir: string;
let world: World;
let target: Listening;
const served = testCert(['shop.example.test'], { serial: '0777' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certmedic-cli-inv-'));
  world = await startWorld({ records: ['shop.example.test A 127.0.0.1'] });
  target = await startTlsTarget(served);
  writeFileSync(
    join(dir, 'certmedic.yml'),
    `inventory:
  certificates:
    - { id: shop, names: [shop.example.test], deployments: [web], issued: { serial: '0777' } }
  deployments:
    - { id: web, type: f5, host: 127.0.0.1, ports: [${target.port}], credentialsRef: vault:f5 }
`,
  );
});
afterAll(async () => {
  await world.close();
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = () =>
  runCli(
    ['diagnose', 'shop.example.test', '--method', 'none', '--format', 'json', '--resolver', world.resolver.resolverArg],
    {
      env: { CERTMEDIC_CONFIG: join(dir, 'certmedic.yml'), CERTMEDIC_DB: join(dir, 'state.db') },
    },
  );

test('diagnose runs the automation check; a certificate.issued event stored by the bot is seen', async () => {
  let r = await run();
  if (r.code === 2) throw new Error(r.stderr);
  let report = json<Report>(r);
  expect(report.checks).toContainEqual(expect.objectContaining({ name: 'automation', state: 'ran' }));
  expect(report.findings.map((f) => f.code).filter((c) => c.startsWith('deploy.'))).toEqual([]);

  // The bot stored a newer issuance in the same database.
  const db = openStore(join(dir, 'state.db'));
  const baseline = InventorySchema.parse({
    certificates: [{ id: 'shop', names: ['shop.example.test'], deployments: ['web'] }],
    deployments: [{ id: 'web', type: 'f5' }],
  });
  new InventoryStore(db, baseline).record({
    id: 'e1',
    type: 'certificate.issued',
    time: new Date().toISOString(),
    certificate: 'shop',
    data: { serial: '0888' },
  });
  db.close();
  r = await run();
  report = json<Report>(r);
  expect(report.findings.map((f) => f.code)).toContain('deploy.not_deployed_after_renewal');
  expect(r.code).toBe(1);
});
