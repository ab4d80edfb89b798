/** `certmedic diagnose --format blocks` prints the Block Kit payload the bot would post. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.js';
import { startWorld, type World } from '../support/world.js';

let world: World;
beforeAll(async () => {
  world = await startWorld({ records: ['locked.example.test A 127.0.0.12', 'locked.example.test CAA 0 issue ";"'] });
});
afterAll(() => world.close());

describe('certmedic diagnose --format blocks', () => {
  test('prints {text, blocks} with the header, the finding and the footer; exit code as for text', async () => {
    const r = await runCli([
      'diagnose',
      'locked.example.test',
      '--resolver',
      world.resolver.resolverArg,
      '--port-map',
      world.portMapArg,
      '--method',
      'none',
      '--format',
      'blocks',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const payload = JSON.parse(r.stdout) as { text: string; blocks: { type: string; text?: { text: string } }[] };
    expect(payload.blocks[0]!.type).toBe('header');
    expect(payload.blocks[0]!.text!.text).toContain('locked.example.test');
    expect(JSON.stringify(payload.blocks)).toContain('`caa.forbids_ca`');
    expect(payload.blocks.at(-1)!.type).toBe('context');
    expect(payload.text).toContain('CRITICAL');
  });
});
