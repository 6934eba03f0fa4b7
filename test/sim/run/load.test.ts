// Loading scenario files (sim/run/load.ts, compile.ts): a file anywhere, with no
// package.json beside it, imports `zensim` and its own TypeScript helpers; an edit is
// seen at once (the compile cache is keyed by content); a syntax error names its line;
// its source map lies beside its bundle.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileScenario } from '../../../sim/run/compile.js';
import { loadScenario } from '../../../sim/run/load.js';
import { InputError } from '../../../sim/run/params.js';
import { runScenario } from '../../../sim/run/runner.js';

const dir = mkdtempSync(join(tmpdir(), 'zensim-load-test-'));

const helper = (n: number) => `export const NODES: { name: string; schedulers: number }[] = [{ name: 'a@h', schedulers: ${n} }];\n`;
const scenario = (name: string) => `import { defineScenario, param } from 'zensim';
import { NODES } from './helper.js';
type P = { ms: number };
export default defineScenario({
  name: '${name}',
  description: 'outside the repository',
  params: { ms: param.int(50, 'end time', { min: 1 }) },
  cluster: () => ({ nodes: NODES }),
  script: (run, p: P) => { run.endAt(100 + p.ms); },
});
`;

test('a scenario outside the repository (no package.json) imports zensim and a TypeScript helper', async () => {
  writeFileSync(join(dir, 'helper.ts'), helper(3));
  writeFileSync(join(dir, 'x.ts'), scenario('outside'));
  const sc = await loadScenario(join(dir, 'x.ts'));
  assert.is(sc.name, 'outside');
  const doc = runScenario(sc, { set: [['mode', 'vanilla']] });
  assert.equal([doc.params.ms, doc.runs.map((r) => r.mode)], [50, ['vanilla']]);
  assert.is(sc.cluster({ ms: 1 } as never).nodes[0]?.schedulers, 3);
});

test('an edited scenario or helper is compiled again, not taken from the cache', async () => {
  writeFileSync(join(dir, 'x.ts'), scenario('edited'));
  assert.is((await loadScenario(join(dir, 'x.ts'))).name, 'edited');
  writeFileSync(join(dir, 'helper.ts'), helper(5));
  assert.is((await loadScenario(join(dir, 'x.ts'))).cluster({ ms: 1 } as never).nodes[0]?.schedulers, 5);
});

test('a syntax error is one line naming the file, line and column', async () => {
  writeFileSync(join(dir, 'bad.ts'), 'export default {\n  name: ,\n};\n');
  try {
    await loadScenario(join(dir, 'bad.ts'));
    assert.unreachable('loaded');
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, /^cannot load scenario .*bad\.ts: .*bad\.ts:2:9: /);
    assert.not.match((e as Error).message, /\n/);
  }
});

test('the bundle has its source map beside it, and a throw in the scenario names its own line', async () => {
  writeFileSync(join(dir, 'throws.ts'), `import { defineScenario } from 'zensim';
type P = { x: number };
export default defineScenario({
  name: 'throws',
  description: 'throws in its script',
  params: {},
  cluster: () => ({ nodes: [{ name: 'a@h', schedulers: 1 }] }),
  script: (run) => {
    const p: P = { x: 1 };
    if (p.x === 1) throw new Error('boom');
    run.endAt(100);
  },
});
`);
  const bundle = fileURLToPath(await compileScenario(join(dir, 'throws.ts')));
  const text = readFileSync(bundle, 'utf8');
  assert.ok(text.endsWith(`//# sourceMappingURL=${basename(bundle)}.map\n`));
  assert.not.match(text, /base64/);
  assert.is(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')).version, 3);
  const sc = await loadScenario(join(dir, 'throws.ts'));
  assert.throws(() => runScenario(sc, { set: [['mode', 'vanilla']] }), (e: Error) => e instanceof InputError && /throws\.ts:10:26: boom/.test(e.message));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
