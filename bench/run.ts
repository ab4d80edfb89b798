/**
 * `npm run bench`: runs every benchmark module in bench/ (each `bench/<name>.ts` default-exports
 * an async function returning BenchLine[]) and prints the figures with their targets. Modules are
 * found automatically: add a file, no registration needed. `npm run bench -- tls` runs only the
 * modules whose file name contains "tls".
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchLine } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.js') && !['run.js', 'types.js'].includes(f))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();

const rows: BenchLine[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default?: () => Promise<BenchLine[]> };
  if (typeof mod.default !== 'function') continue;
  process.stderr.write(`bench ${file} ...\n`);
  const lines = await mod.default();
  for (const line of lines) {
    rows.push(line);
    const target = line.target
      ? `  (target ${line.target}${line.ok === undefined ? '' : line.ok ? ': met' : ': NOT met'})`
      : '';
    process.stdout.write(`${line.name.padEnd(58)} ${String(line.value).padStart(10)} ${line.unit}${target}\n`);
  }
}
if (rows.length === 0) process.stdout.write('no benchmarks matched\n');
process.exit(0);
