// The heap settings of a run by its estimated size (bin/v8.mjs, growHeapFor): the young
// generation at its full size at its first growth from 128 MiB on, ×2 after a full
// collection from 512 MiB on, V8's own below, never against node's command line.
// The V8 settings of a plan's worker pool (bin/v8.mjs, workerPoolSwitches,
// workerOldSpaceMiB and enterWorkerPool): V8's compiler and scavenger helper threads are
// turned off for worker isolates only while the workers fill every core; the workers'
// initial old generation is set within a share of the machine's memory; never against
// what node's own command line gave, and put back when the pool ends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { enterWorkerPool, FULL_YOUNG_BYTES, growHeapFor, LARGE_HEAP_BYTES, largeWorkerRuns, tuneV8, workerOldSpaceMiB, workerPoolSwitches } from '../../bin/v8.mjs';

const BOTH = ['concurrent-recompilation', 'parallel-scavenge'];

test('a run estimated at 128 MiB or more has its young generation grow to its full size at once; from 512 MiB its heap grows at most ×2; a smaller one keeps V8\'s own settings', () => {
  assert.is(FULL_YOUNG_BYTES, 128 * 2 ** 20);
  assert.is(LARGE_HEAP_BYTES, 512 * 2 ** 20);
  const set: string[] = [];
  const grow = (bytes: number): string[] => growHeapFor(bytes, (f: string) => set.push(f), []);
  assert.equal(grow(64 * 2 ** 20), []); // the 10-target herd's estimate
  assert.equal(grow(100 * 2 ** 20), []); // the 30k herd's
  assert.equal(grow(FULL_YOUNG_BYTES - 1), []);
  assert.equal(set, []);
  assert.equal(grow(FULL_YOUNG_BYTES), ['--semi-space-growth-factor=16']);
  assert.equal(grow(186 * 2 ** 20), ['--semi-space-growth-factor=16']); // the 100k herd's
  assert.equal(grow(LARGE_HEAP_BYTES - 1), ['--semi-space-growth-factor=16']);
  assert.equal(grow(LARGE_HEAP_BYTES), ['--semi-space-growth-factor=16', '--heap-growing-percent=100']);
  assert.equal(grow(1.3 * 2 ** 30), ['--semi-space-growth-factor=16', '--heap-growing-percent=100']); // the 1M herd's
  assert.equal(set, ['--semi-space-growth-factor=16', '--semi-space-growth-factor=16', '--semi-space-growth-factor=16', '--semi-space-growth-factor=16', '--heap-growing-percent=100', '--semi-space-growth-factor=16', '--heap-growing-percent=100']);
});

test('zensim run grows the heap by each run\'s estimate; plan and check (any run may be large) as for a large run from their start', () => {
  const set: string[] = [];
  tuneV8(true, (f: string) => set.push(f), []);
  assert.equal(set, ['--max-inlined-bytecode-size-cumulative=200']);
  set.length = 0;
  tuneV8(false, (f: string) => set.push(f), []);
  assert.equal(set, ['--max-inlined-bytecode-size-cumulative=200', '--semi-space-growth-factor=16', '--heap-growing-percent=100']);
  set.length = 0;
  tuneV8(false, (f: string) => set.push(f), ['--max_inlined_bytecode_size_cumulative=920', '--heap-growing-percent=0', '--semi-space-growth-factor=4']);
  assert.equal(set, []);
});

test("a growth factor node's own command line gave, in any spelling, is left as given; the other is still set", () => {
  const set: string[] = [];
  for (const given of ['--heap-growing-percent=300', '--heap_growing_percent=0']) assert.equal(growHeapFor(2 ** 31, (f: string) => set.push(f), [given]), ['--semi-space-growth-factor=16'], given);
  for (const given of ['--semi-space-growth-factor=2', '--semi_space_growth_factor=8']) assert.equal(growHeapFor(2 ** 31, (f: string) => set.push(f), [given]), ['--heap-growing-percent=100'], given);
  assert.equal(growHeapFor(2 ** 31, (f: string) => set.push(f), ['--semi-space-growth-factor=2', '--heap-growing-percent=300']), []);
  assert.equal(set, ['--semi-space-growth-factor=16', '--semi-space-growth-factor=16', '--heap-growing-percent=100', '--heap-growing-percent=100']);
});
const GIB = 2 ** 30;
/** No memory to spare for the workers' old generations: the pool tests of the switches alone. */
const NO_MEMORY = 0;

test('with a worker on every core (or more workers than cores), both helper switches go off', () => {
  assert.equal(workerPoolSwitches(2, 2, []), BOTH);
  assert.equal(workerPoolSwitches(3, 2, []), BOTH);
  assert.equal(workerPoolSwitches(1, 1, []), BOTH);
});

test('with a core to spare, nothing changes: the helpers run there', () => {
  assert.equal(workerPoolSwitches(2, 4, []), []);
  assert.equal(workerPoolSwitches(1, 2, []), []);
});

test("a switch node's own command line gave, in any spelling, is left as given", () => {
  for (const given of ['--no-concurrent-recompilation', '--concurrent-recompilation', '--no_concurrent_recompilation', '--concurrent_recompilation']) {
    assert.equal(workerPoolSwitches(2, 2, [given]), ['parallel-scavenge'], given);
  }
  assert.equal(workerPoolSwitches(2, 2, ['--no-parallel-scavenge', '--max-old-space-size=4096']), ['concurrent-recompilation']);
  // A flag whose name merely starts the same is another flag.
  assert.equal(workerPoolSwitches(2, 2, ['--parallel-scavenge-extra']), BOTH);
});

test('entering a pool turns the switches off before its workers start; leaving turns them back on', () => {
  const set: string[] = [];
  const leave = enterWorkerPool(2, (f: string) => set.push(f), 2, [], NO_MEMORY);
  assert.equal(set, ['--no-concurrent-recompilation', '--no-parallel-scavenge']);
  leave();
  assert.equal(set, ['--no-concurrent-recompilation', '--no-parallel-scavenge', '--concurrent-recompilation', '--parallel-scavenge']);
});

test('a pool with a core to spare, or a switch given on the command line, sets nothing for it', () => {
  const set: string[] = [];
  enterWorkerPool(2, (f: string) => set.push(f), 4, [], NO_MEMORY)();
  assert.equal(set, []);
  enterWorkerPool(2, (f: string) => set.push(f), 2, ['--no-parallel-scavenge', '--concurrent-recompilation'], NO_MEMORY)();
  assert.equal(set, []);
});

test("the workers' initial old generation: 128 MiB each, within an eighth of the machine's memory", () => {
  assert.is(workerOldSpaceMiB(2, 24 * GIB, []), 128);
  assert.is(workerOldSpaceMiB(8, 8 * GIB, []), 128); // 1 GiB / 8 = 128
  assert.is(workerOldSpaceMiB(16, 8 * GIB, []), 64); // each its share of 1 GiB
  assert.is(workerOldSpaceMiB(24, 8 * GIB, []), 42);
  // A share at or below V8's own first limit (~16 MiB) would only collect sooner: left to V8.
  assert.is(workerOldSpaceMiB(64, 8 * GIB, []), 0);
  assert.is(workerOldSpaceMiB(2, 0, []), 0);
});

test("a heap size node's own command line gave, in any spelling, is left as given", () => {
  for (const given of ['--initial-old-space-size=64', '--initial_old_space_size=64', '--initial-heap-size=256', '--initial_heap_size=256']) {
    assert.is(workerOldSpaceMiB(2, 24 * GIB, [given]), 0, given);
  }
  assert.is(workerOldSpaceMiB(2, 24 * GIB, ['--max-old-space-size=4096']), 128);
});

test("entering a pool sets the workers' initial old generation before they start; leaving puts V8's own back", () => {
  const set: string[] = [];
  const leave = enterWorkerPool(2, (f: string) => set.push(f), 4, [], 24 * GIB);
  assert.equal(set, ['--initial-old-space-size=128']);
  leave();
  assert.equal(set, ['--initial-old-space-size=128', '--initial-old-space-size=0']);
  set.length = 0;
  enterWorkerPool(2, (f: string) => set.push(f), 2, [], 24 * GIB)();
  assert.equal(set, ['--no-concurrent-recompilation', '--no-parallel-scavenge', '--initial-old-space-size=128', '--concurrent-recompilation', '--parallel-scavenge', '--initial-old-space-size=0']);
  set.length = 0;
  enterWorkerPool(2, (f: string) => set.push(f), 4, ['--initial-old-space-size=32'], 24 * GIB)();
  assert.equal(set, []);
});

test("a plan's runs estimated at 512 MiB or more go to workers with 32 MB semi-spaces, put back once they have ended; none against a size node's command line gave", () => {
  const set: string[] = [];
  const large = largeWorkerRuns((f: string) => set.push(f), []);
  assert.is(large?.minBytes, LARGE_HEAP_BYTES);
  assert.equal(set, [], 'nothing until a large run is found');
  const leave = large?.enter();
  assert.equal(set, ['--max-semi-space-size=32']);
  leave?.();
  assert.equal(set, ['--max-semi-space-size=32', '--max-semi-space-size=0']);
  for (const given of ['--max-semi-space-size=64', '--max_semi_space_size=8', '--min-semi-space-size=16']) assert.is(largeWorkerRuns((f: string) => set.push(f), [given]), null, given);
});

/**
 * Full (mark-compact) collections in a new worker isolate that keeps ~48 MB of small
 * objects, started after `flags` were set (and set back once it has ended: an isolate
 * reads them as it starts, on its own thread, after the Worker is made).
 */
async function fullCollectionsInWorker(flags: string[]): Promise<number> {
  const code = `
    const v8 = require('node:v8');
    const { parentPort } = require('node:worker_threads');
    const profiler = new v8.GCProfiler();
    profiler.start();
    const keep = [];
    for (let i = 0; i < 600000; i++) keep.push({ a: i, b: [i, i], c: { d: i } });
    const stats = profiler.stop().statistics;
    parentPort.postMessage(stats.filter((s) => s.gcType === 'MarkSweepCompact').length + (keep.length > 0 ? 0 : 1));
  `;
  for (const f of flags) setFlagsFromString(f);
  const worker = new Worker(code, { eval: true });
  try {
    return await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
    if (flags.length > 0) setFlagsFromString('--initial-old-space-size=0');
  }
}

test("a worker isolate started after the setting has its first full collection later: what the pool relies on", async () => {
  const v8Own = await fullCollectionsInWorker([]);
  const set = await fullCollectionsInWorker([`--initial-old-space-size=${workerOldSpaceMiB(2, 24 * GIB, [])}`]);
  assert.ok(v8Own >= 1, `V8's own first limit: ${v8Own} full collections`);
  assert.is(set, 0);
});

test.run();
