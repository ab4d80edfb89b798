/** --port-map: rewrites the port of every connection a probe opens, after every policy decision. */
import { UsageError } from '../core/errors.js';
import { parsePort } from '../core/names.js';

export type PortMap = ReadonlyMap<number, number>;

export const emptyPortMap: PortMap = new Map();

/** parsePortMap parses `from=to,from=to` (e.g. `80=18080,443=18443,53=18053`). */
export function parsePortMap(text: string): PortMap {
  const map = new Map<number, number>();
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const m = /^(\d+)=(\d+)$/.exec(item);
    if (!m) throw new UsageError(`invalid --port-map entry ${JSON.stringify(item)}: expected from=to`);
    const from = parsePort(m[1]!, item);
    const to = parsePort(m[2]!, item);
    if (map.has(from) && map.get(from) !== to)
      throw new UsageError(`invalid --port-map: port ${from} is mapped to both ${map.get(from)} and ${to}`);
    map.set(from, to);
  }
  if (map.size === 0) throw new UsageError('invalid --port-map: empty');
  return map;
}

/** mapPort returns the port a connection to `port` really uses. */
export function mapPort(map: PortMap, port: number): number {
  return map.get(port) ?? port;
}
