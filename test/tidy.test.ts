// Project rules checked on the source tree, as TigerBeetle's `tidy` does: core/ is pure
// (imports nothing from sim/ or scenarios/, no I/O but the one hash the fixture
// decoder needs); nothing in core/ or sim/ reads the wall clock or ambient randomness
// (a deliberate wall-clock read in a CLI driver carries a `wall-clock: ok` mark); only
// sim/rng.ts imports seedrandom; every module opens with a header comment.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = new URL('../', import.meta.url).pathname;

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => ({ file: `${dir}/${f}`, text: readFileSync(join(root, dir, f), 'utf8') }));
}

const core = sources('core');
const sim = sources('sim');
const imports = (text: string) => [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] as string);

test('core/ imports nothing from sim/ or scenarios/, and no I/O module but node:crypto (fixture hashes)', () => {
  for (const { file, text } of core) {
    for (const spec of imports(text)) {
      assert.not.ok(/(^|\/)(sim|scenarios)\//.test(spec), `${file} imports ${spec}`);
      if (spec.startsWith('node:')) assert.is(spec, 'node:crypto', `${file} imports ${spec}`);
      assert.not.ok(['seedrandom', 'yargs', 'fast-check'].includes(spec), `${file} imports ${spec}`);
    }
  }
});

test('sim/ never imports scenarios/', () => {
  for (const { file, text } of sim) for (const spec of imports(text)) assert.not.ok(/scenarios\//.test(spec), `${file} imports ${spec}`);
});

test('no wall clock, timers or ambient randomness in core/ or sim/ (unless marked wall-clock: ok)', () => {
  const banned = /Math\.random|Date\.now|new Date\(|performance\.now|process\.hrtime|setTimeout|setInterval|setImmediate|crypto\.(random|getRandom)/;
  for (const { file, text } of [...core, ...sim]) {
    text.split('\n').forEach((line, i) => {
      if (banned.test(line) && !line.includes('wall-clock: ok')) assert.unreachable(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
});

test('only sim/rng.ts imports seedrandom', () => {
  for (const { file, text } of [...core, ...sim]) {
    if (imports(text).includes('seedrandom')) assert.is(file, 'sim/rng.ts');
  }
});

test('every module in core/ and sim/ opens with a header comment', () => {
  for (const { file, text } of [...core, ...sim]) assert.ok(text.startsWith('//') || text.startsWith('/*'), `${file} has no header comment`);
});

test.run();
