// asDoubles and DoubleFields (sim/engine/double_fields.ts): the values stay as they were, a
// name that is not a number field is refused (objectElements: the array stays empty);
// and, end to end, what it is for: in a run, V8 never retires the hidden class of the
// simulator's objects because a counter took its first fraction (`node --trace-migration`
// prints a line for each object it then migrates).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { asDoubles, DoubleFields, objectElements } from '../../../sim/engine/double_fields.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('asDoubles keeps each value: whole, negative, infinite or fractional, and +0 stays +0', () => {
  const o = { zero: 0, minusOne: -1, seven: 7, never: -Infinity, half: 2.5, name: 'x' };
  asDoubles(o, ['zero', 'minusOne', 'seven', 'never', 'half']);
  assert.equal(o, { zero: 0, minusOne: -1, seven: 7, never: -Infinity, half: 2.5, name: 'x' });
  assert.ok(Object.is(o.zero, 0), 'not -0');
});

test('asDoubles refuses a name that is not a number field of the object (a field renamed without its call)', () => {
  assert.throws(() => asDoubles({ busyUs: 0 }, ['busyMs']), /field 'busyMs' is not a number \(undefined\)/);
  assert.throws(() => asDoubles({ name: 'a' }, ['name']), /field 'name' is not a number \(string\)/);
});

test('objectElements answers the same array, emptied, and refuses one that holds an element', () => {
  const a: object[] = [];
  assert.is(objectElements(a), a);
  assert.is(a.length, 0);
  a.push({});
  assert.is(a.length, 1);
  assert.throws(() => objectElements(a), /not empty \(1\)/);
  const holey = new Array<object>(1); // one typed as having holes: its one hole is no element
  assert.is(objectElements(holey), holey);
  assert.is(holey.length, 0);
});

/** An object whose `us` counts the values stored in it. */
class Counted {
  stores = 0;
  private v = 0;
  get us(): number {
    return this.v;
  }
  set us(x: number) {
    this.stores++;
    this.v = x;
  }
}

test('DoubleFields widens the first object of its shape only (the later ones share its hidden class), and a wrong name throws there', () => {
  const fields = new DoubleFields(['us']);
  const [first, second] = [new Counted(), new Counted()];
  fields.made(first);
  fields.made(second);
  assert.is(first.stores, 2);
  assert.is(first.us, 0);
  assert.is(second.stores, 0);
  assert.throws(() => new DoubleFields(['ms']).made(new Counted()), /field 'ms' is not a number/);
});

/** The `[migrating]` lines V8 prints for a `zensim run` of `scenario` with `sets`. */
function migrations(scenario: string, sets: readonly string[]): string[] {
  const args = ['--trace-migration', 'bin/zensim.mjs', 'run', `scenarios/${scenario}.ts`, ...sets.flatMap((s) => ['--set', s]), '--quiet'];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.is(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.startsWith('[migrating]'));
}

test("a run's fractional counters are doubles from the first object on: V8 migrates no object (herd, both modes; partition; component_restart)", () => {
  assert.equal(migrations('herd', ['targets=10']), []);
  assert.equal(migrations('partition', []), []);
  assert.equal(migrations('component_restart', []), []);
});

// The kernel's pendingTotal sums the queue's length at each event: past 2^31 (about a
// 65,000-target herd; the 100k herd's is ~5e9) it no longer fits a small integer, and
// stored there first, mid-run, it retyped every Kernel and threw away ~25 functions
// compiled against the old type (the kernel's, the scheduler's, the run loop's).
test("a kernel's pendingTotal is a double from the first kernel on: one past 2^31 migrates no other kernel", () => {
  const code = `
    import { Kernel } from './sim/engine/kernel.ts';
    const kernels = [new Kernel(), new Kernel()];
    for (const k of kernels) {
      const kind = k.defineKind('e', () => {});
      for (let i = 0; i < 70000; i++) k.at(i, kind, 0);
      k.run();
    }
    console.log(kernels.map((k) => k.pendingTotal).join(' '));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--trace-migration', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.ok(lines.includes(`${70000 * 70001 / 2} ${70000 * 70001 / 2}`), r.stdout);
  assert.equal(lines.filter((l) => l.startsWith('[migrating]')), []);
});

// A process's heap size comes from ERTS's table of sizes (heap.ts HEAP_SIZES), whose
// largest entries pass 2^31: held as doubles, a size read from it outside optimized code
// was a heap number, and stored as a process's heap size in the 100k herd's zen run it
// threw away the four functions compiled for a small integer there (freeWords inlined).
test('a heap size from the table is a small integer, as a process stores it', () => {
  const code = `
    import { HEAP_SIZES, nextHeapSize } from './sim/beam/heap.ts';
    const isSmi = new Function('v', 'return %IsSmi(v)');
    const small = HEAP_SIZES.filter((n) => n < 2 ** 30);
    console.log(JSON.stringify({ sizes: small.length, notSmall: small.filter((n) => !isSmi(nextHeapSize(n, 0)) || !isSmi(nextHeapSize(n - 1, 1))) }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--allow-natives-syntax', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), { sizes: 62, notSmall: [] });
});

// A world's process table starts empty and its first spawn pushes an object: made as a
// plain empty array it was typed for small integers until then, and each new world's
// (every mode's, every plan job's) threw away the spawn code compiled for the last one's.
test("a world's process table is typed for objects before its first spawn", () => {
  const code = `
    import { World } from './sim/beam/world.ts';
    const hasObjectElements = new Function('a', 'return %HasObjectElements(a)');
    console.log(String(hasObjectElements(new World({ seed: 1 }).procs)));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--allow-natives-syntax', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), 'true');
});

test.run();
