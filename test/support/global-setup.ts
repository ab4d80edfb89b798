/**
 * Builds dist/ once before the tests, so CLI child-process tests run the current sources. Type
 * errors do not stop the build (tsc still emits; `npm run typecheck` reports them), so one broken
 * file does not hide every CLI test result.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0)
    process.stderr.write(`warning: tsc reported errors while building dist/ for the tests:\n${r.stdout}${r.stderr}`);
}
