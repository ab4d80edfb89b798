/**
 * Debian tools some tests drive (nginx, unbound, certbot, pebble, chromium, openssl). Under plain
 * `npm test` a missing tool skips the test with a reason; under CI=true (.ci/run installs them) a
 * missing tool fails the run instead.
 */
import { accessSync, constants } from 'node:fs';

const SEARCH = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin'];

/** findTool returns the absolute path of an executable, or undefined. */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(':').filter(Boolean), ...SEARCH];
  for (const dir of dirs) {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return `${dir}/${name}`;
    } catch {}
  }
  return undefined;
}

/**
 * toolOrSkip returns the tool's path, or undefined (the caller skips) when it is missing outside
 * CI; under CI=true a missing tool throws so that the run fails.
 */
export function toolOrSkip(name: string): string | undefined {
  const path = findTool(name);
  if (!path && process.env['CI'] === 'true') throw new Error(`${name} is required under CI=true but is not installed`);
  return path;
}
