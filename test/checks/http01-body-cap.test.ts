/**
 * Let's Encrypt reads at most 127 bytes of an HTTP-01 response (Boulder va/http.go
 * maxResponseSize = 128; a body of 128 bytes or more fails): the key authorization followed by
 * padding or other content is http01.wrong_content, although the trimmed body starts with it.
 */
import { afterEach, expect, test } from 'vitest';
import { http01Check } from '../../src/checks/http01.js';
import { diagnose } from '../../src/diagnose.js';
import { servesFile, startWeb, type WebServers } from '../support/http-servers.js';
import { codes, request, startWorld, type World } from '../support/world.js';

const NAME = 'shop.example.test';
const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
const KEYAUTH = `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;

let world: World | undefined;
let web: WebServers | undefined;
afterEach(async () => {
  await world?.close();
  await web?.close();
  world = undefined;
  web = undefined;
});

async function serving(body: string) {
  web = await startWeb(servesFile(`/.well-known/acme-challenge/${TOKEN}`, body), ['127.0.0.40']);
  world = await startWorld({ records: [`${NAME} A 127.0.0.40`] });
  const portMap = new Map(world.portMap);
  portMap.set(80, web.port);
  return diagnose(request(NAME, { httpToken: TOKEN, keyAuthorization: KEYAUTH }), {
    resolvers: [world.resolver.address],
    portMap,
    timeoutMs: 5000,
    checks: [http01Check],
  });
}

test('the key authorization with a newline passes', async () => {
  expect(codes(await serving(`${KEYAUTH}\r\n`))).toEqual([]);
});

test('padding up to 127 bytes passes', async () => {
  expect(codes(await serving(KEYAUTH.padEnd(127, ' ')))).toEqual([]);
});

test('128 bytes or more fail as Boulder fails them, and the detail says why', async () => {
  for (const body of [KEYAUTH.padEnd(128, ' '), `${KEYAUTH}\n<!-- injected by the CDN -->\n${'x'.repeat(100)}`]) {
    const report = await serving(body);
    expect(codes(report)).toEqual(['http01.wrong_content']);
    expect(report.findings[0]!.detail).toContain('127 bytes');
    await world?.close();
    await web?.close();
    world = undefined;
    web = undefined;
  }
});
