/**
 * CSR lint speed: the median time of lintCsr() on one CSR (parse, signature verification and all
 * checks), for RSA 2048, ECDSA P-256 and a 100-name CSR from the test fixtures. Target: < 2 ms.
 */
import { readFileSync } from 'node:fs';
import { lintCsr } from '../src/checks/csr.js';
import { type BenchLine, median, round } from './types.js';

const FIXTURES = new URL('../../test/fixtures/csr/', import.meta.url);

export default async function bench(): Promise<BenchLine[]> {
  const lines: BenchLine[] = [];
  for (const [label, file] of [
    ['RSA 2048, 2 names', 'good-rsa2048.csr'],
    ['ECDSA P-256, 1 name', 'good-ec-p256.csr'],
    ['RSA 2048, 100 names', 'sans-100.csr'],
  ] as const) {
    const pem = readFileSync(new URL(file, FIXTURES));
    for (let i = 0; i < 200; i++) lintCsr(pem, { target: file });
    const times: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const started = performance.now();
      const report = lintCsr(pem, { target: file });
      times.push(performance.now() - started);
      if (report.findings.length > 0) throw new Error(`unexpected findings for ${file}`);
    }
    const m = median(times);
    lines.push({ name: `lint-csr: ${label}, median`, value: round(m, 3), unit: 'ms', target: '< 2 ms', ok: m < 2 });
  }
  return lines;
}
