// The README's supervision example must keep working as printed: the test takes the
// fenced block that builds a supervisor, gives it the behaviours it names (`tables`,
// `local`, `connector`, `dispatcher`) and a `run.world`, writes it into the repository
// (so `from 'zensim'` resolves to this package), runs it, and checks the tree it starts
// and a GenRegistry lookup_or_start through it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pid } from '../../../core/terms.js';
import type { CallResult } from '../../../sim/beam/process.js';
import type { World } from '../../../sim/beam/world.js';
import { drain } from '../helpers.js';

const repo = new URL('../../../', import.meta.url).pathname;

// The example's module instance of 'zensim' (the test loader may hold another copy).
const PRELUDE = `
import * as Z from 'zensim';
const W = Z.World;
const world = new W({ seed: 1 });
world.addNode('a@h');
const run = { world };
const idle = () => ({ handle() {} });
const tables = () => ({ init: (ctx) => ctx.etsNew('Nodes'), handle() {} });
const local = idle;
const dispatcher = idle;
const connector = (_remote) => idle();
`;

test('the README supervision example starts its tree, and its GenRegistry starts a worker on lookup_or_start', async () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string).find((b) => b.includes('supervisor({'));
  assert.ok(block !== undefined, 'README has a ts example building a supervisor');
  const lines = block.split('\n');
  const source = [...lines.filter((l) => l.startsWith('import ')), PRELUDE, ...lines.filter((l) => !l.startsWith('import ')), 'export { world, sup, Z };'].join('\n');
  const dir = mkdtempSync(join(repo, 'out-readme-'));
  try {
    const file = join(dir, 'supervision.ts');
    writeFileSync(file, source);
    const { world, sup, Z } = (await import(file)) as { world: World; sup: Pid; Z: typeof import('../../../sim/index.js') };
    const { whichChildren, GenRegistry, atom } = Z;
    drain(world);
    assert.equal(
      whichChildren(world, sup)?.map((c) => [c.id, typeof c.pid === 'object' && world.alive(c.pid) !== undefined]),
      [['Tables', true], ['Local', true], ['Elixir.My.Connector', true], ['Dispatcher', true]],
    );
    assert.ok(world.node('a@h').ets.has('Nodes') && world.node('a@h').ets.has('Elixir.My.Connector'));
    const got: string[] = [];
    const client = world.spawn('a@h', {
      init: (ctx) => void GenRegistry.lookupOrStart(ctx, { name: 'Elixir.My.Connector', node: ctx.node }, atom('b@h'), [atom('b@h')]),
      handle: (_ctx, msg) => void got.push('ok' in GenRegistry.lookupOrStartResult(msg as CallResult) ? 'ok' : 'error'),
    });
    drain(world);
    assert.equal(got, ['ok']);
    assert.ok(world.alive(client));
    assert.is(world.node('a@h').ets.get('Elixir.My.Connector')?.size, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
