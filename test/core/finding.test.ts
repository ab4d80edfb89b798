import { expect, test } from 'vitest';
import { finding } from '../../src/core/catalog.js';
import { exitCodeFor, makeReport, reportStatus, sortFindings } from '../../src/core/finding.js';

const info = finding('caa.permits', 'ok');
const warn = finding('dns.private_address', 'private');
const crit = finding('dns.nxdomain', 'gone');

test('findings are ordered worst first, stable within a severity', () => {
  const warn2 = finding('dns.lame_delegation', 'lame');
  expect(sortFindings([info, warn, crit, warn2]).map((f) => f.code)).toEqual([
    'dns.nxdomain',
    'dns.private_address',
    'dns.lame_delegation',
    'caa.permits',
  ]);
});

test('status is the worst severity present, ok when nothing is above info', () => {
  expect(reportStatus([])).toBe('ok');
  expect(reportStatus([info])).toBe('ok');
  expect(reportStatus([info, warn])).toBe('warning');
  expect(reportStatus([warn, crit])).toBe('critical');
});

test('exit code is 1 only with a critical finding in any report', () => {
  const ok = makeReport('a', [info, warn], [], {}, 1);
  const bad = makeReport('b', [crit], [], {}, 1);
  expect(exitCodeFor([ok])).toBe(0);
  expect(exitCodeFor([ok, bad])).toBe(1);
});
