/**
 * HTTP-01 benchmark: the median in-process time of a full HTTP-01 diagnosis (DNS with two
 * authoritative servers, CAA, risk, and the challenge fetched from two addresses, one of them
 * through a redirect) against local servers (target < 30 ms).
 */
import { caaCheck } from '../src/checks/caa.js';
import { dnsCheck } from '../src/checks/dns.js';
import { http01Check } from '../src/checks/http01.js';
import { riskCheck } from '../src/checks/risk.js';
import { resolveCa } from '../src/core/cas.js';
import { diagnose } from '../src/diagnose.js';
import { redirectsTo, servesChallenge, startOnOnePort } from '../test/support/http-servers.js';
import { startWorld } from '../test/support/world.js';
import { type BenchLine, median, round } from './types.js';

const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
const KEYAUTH = `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;

export default async function bench(): Promise<BenchLine[]> {
  const good = servesChallenge(TOKEN, KEYAUTH);
  const web = await startOnOnePort([
    { host: '127.0.0.50', fixture: good },
    { host: '127.0.0.51', fixture: redirectsTo('http://www.example.test{path}') },
    { host: '127.0.0.52', fixture: good },
  ]);
  const world = await startWorld({
    records: [
      'shop.example.test A 127.0.0.50',
      'shop.example.test A 127.0.0.51',
      'www.example.test A 127.0.0.52',
      'example.test CAA 0 issue "letsencrypt.org"',
    ],
    authorities: [{}, {}],
  });
  const portMap = new Map(world.portMap);
  portMap.set(80, web.port);
  const times: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      const report = await diagnose(
        {
          name: 'shop.example.test',
          wildcard: false,
          method: 'http-01',
          ca: resolveCa('letsencrypt'),
          httpToken: TOKEN,
          keyAuthorization: KEYAUTH,
        },
        { resolvers: [world.resolver.address], portMap, checks: [dnsCheck, caaCheck, riskCheck, http01Check] },
      );
      if (i >= 20) times.push(performance.now() - started);
      if (report.findings.some((f) => f.code.startsWith('http01')))
        throw new Error(`unexpected findings ${report.findings.map((f) => f.code).join(', ')}`);
    }
  } finally {
    await Promise.all([world.close(), web.close()]);
  }
  const m = median(times);
  return [
    {
      name: 'HTTP-01 diagnosis, in-process median (2 addresses, 1 redirect)',
      value: round(m),
      unit: 'ms',
      target: '< 30 ms',
      ok: m < 30,
    },
  ];
}
