// Project rules checked on the source tree, as TigerBeetle's `tidy` does: core/ is pure
// (imports nothing from sim/ or scenarios/, no I/O but the one hash the fixture
// decoder needs); each folder of sim/ is a layer that imports only the layers below it
// (DESIGN.md "Layout": core < engine < beam < zen < run < report < check, plan < cli);
// nothing in core/ or sim/ reads the wall clock or ambient randomness (a deliberate
// wall-clock read in a CLI driver carries a `wall-clock: ok` mark); only
// sim/engine/rng.ts imports seedrandom; every module opens with a header comment;
// no module in sim/ grows past what a reader holds in mind.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = new URL('../', import.meta.url).pathname;

/** Every .ts file under `dir`, recursively, in path order. */
function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
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

/** The layers, lowest first; a layer may import its own and lower ranks (check and plan are peers). */
const RANK: Record<string, number> = { core: 0, engine: 1, beam: 2, zen: 3, run: 4, report: 5, check: 6, plan: 6, top: 7 };

/** The layer of a source path: core, a folder of sim/, or top (sim/cli.ts, sim/index.ts). */
function layerOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'core') return 'core';
  return parts.length === 2 ? 'top' : (parts[1] as string);
}

test('each layer imports only the layers below it (core < engine < beam < zen < run < report < check, plan < cli)', () => {
  for (const { file, text } of [...core, ...sim]) {
    const from = layerOf(file);
    assert.ok(from in RANK, `${file}: ${from} is not a known layer (add it to DESIGN.md's layout and RANK)`);
    for (const spec of imports(text)) {
      if (!spec.startsWith('.')) continue;
      const target = posix.normalize(posix.join(dirname(file), spec));
      assert.ok(target.startsWith('core/') || target.startsWith('sim/'), `${file} imports ${spec}, outside core/ and sim/`);
      const to = layerOf(target);
      const ok = to === from || (RANK[to] as number) < (RANK[from] as number);
      assert.ok(ok, `${file} (layer ${from}) imports ${spec} (layer ${to}): a lower layer never imports a higher one or a peer`);
    }
  }
});

test('no module in sim/ is longer than 650 lines (split it along a seam)', () => {
  for (const { file, text } of sim) assert.ok(text.split('\n').length <= 650, `${file} has ${text.split('\n').length} lines`);
});

test('no wall clock, timers or ambient randomness in core/ or sim/ (unless marked wall-clock: ok)', () => {
  const banned = /Math\.random|Date\.now|new Date\(|performance\.now|process\.hrtime|setTimeout|setInterval|setImmediate|crypto\.(random|getRandom)/;
  for (const { file, text } of [...core, ...sim]) {
    text.split('\n').forEach((line, i) => {
      if (banned.test(line) && !line.includes('wall-clock: ok')) assert.unreachable(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
});

test('only sim/engine/rng.ts imports seedrandom', () => {
  for (const { file, text } of [...core, ...sim]) {
    if (imports(text).includes('seedrandom')) assert.is(file, 'sim/engine/rng.ts');
  }
});

test('every module in core/ and sim/ opens with a header comment', () => {
  for (const { file, text } of [...core, ...sim]) assert.ok(text.startsWith('//') || text.startsWith('/*'), `${file} has no header comment`);
});

test.run();
