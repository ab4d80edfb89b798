/**
 * CA file validation (BR 3.2.2.4.18) checks "the presence of the Request Token or Random Value
 * contained in the content of a file": the CA's file format puts other lines around the value
 * (Sectigo: hash, CA domain, unique value), and `--file-content <value>` passes when the file
 * contains it. ACME HTTP-01 stays exact (RFC 8555 §8.3).
 */
import { afterEach, expect, test } from 'vitest';
import type { DiagnoseRequest } from '../../src/checks/context.js';
import { http01Check } from '../../src/checks/http01.js';
import { diagnose } from '../../src/diagnose.js';
import { servesFile, startWeb, type WebServers } from '../support/http-servers.js';
import { codes, request, startWorld, type World } from '../support/world.js';

const NAME = 'shop.example.test';
const PATH = '/.well-known/pki-validation/5D8F1A2B.txt';
const FILE = '9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\r\nsectigo.com\r\nt0xiyumtkw\r\n';

let world: World | undefined;
let web: WebServers | undefined;
afterEach(async () => {
  await world?.close();
  await web?.close();
  world = undefined;
  web = undefined;
});

async function check(body: string, extra: Partial<DiagnoseRequest>) {
  web = await startWeb(servesFile(PATH, body), ['127.0.0.41']);
  world = await startWorld({ records: [`${NAME} A 127.0.0.41`] });
  const portMap = new Map(world.portMap);
  portMap.set(80, web.port);
  return diagnose(request(NAME, extra), {
    resolvers: [world.resolver.address],
    portMap,
    timeoutMs: 5000,
    checks: [http01Check],
  });
}

test('the hash line alone is found in the three-line file', async () => {
  const r = await check(FILE, {
    filePath: PATH,
    fileContent: '9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08',
  });
  expect(codes(r)).toEqual([]);
});

test('a value the file does not contain is http01.wrong_content', async () => {
  const r = await check(FILE, { filePath: PATH, fileContent: 'A1B2C3' });
  expect(codes(r)).toEqual(['http01.wrong_content']);
});

test('ACME HTTP-01 is still exact: the key authorization inside other text fails', async () => {
  const token = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
  const keyAuthorization = `${token}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;
  web = await startWeb(servesFile(`/.well-known/acme-challenge/${token}`, `ok ${keyAuthorization}\n`), ['127.0.0.41']);
  world = await startWorld({ records: [`${NAME} A 127.0.0.41`] });
  const portMap = new Map(world.portMap);
  portMap.set(80, web.port);
  const r = await diagnose(request(NAME, { httpToken: token, keyAuthorization }), {
    resolvers: [world.resolver.address],
    portMap,
    timeoutMs: 5000,
    checks: [http01Check],
  });
  expect(codes(r)).toEqual(['http01.wrong_content']);
});
