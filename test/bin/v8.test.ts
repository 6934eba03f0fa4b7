// The V8 settings of a plan's worker pool (bin/v8.mjs, workerPoolSwitches and
// enterWorkerPool): V8's compiler and scavenger helper threads are turned off for worker
// isolates only while the workers fill every core, never against what node's own
// command line gave, and turned back on when the pool ends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { enterWorkerPool, workerPoolSwitches } from '../../bin/v8.mjs';

const BOTH = ['concurrent-recompilation', 'parallel-scavenge'];

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
  const leave = enterWorkerPool(2, (f: string) => set.push(f), 2, []);
  assert.equal(set, ['--no-concurrent-recompilation', '--no-parallel-scavenge']);
  leave();
  assert.equal(set, ['--no-concurrent-recompilation', '--no-parallel-scavenge', '--concurrent-recompilation', '--parallel-scavenge']);
});

test('a pool with a core to spare, or a switch given on the command line, sets nothing for it', () => {
  const set: string[] = [];
  enterWorkerPool(2, (f: string) => set.push(f), 4, [])();
  assert.equal(set, []);
  enterWorkerPool(2, (f: string) => set.push(f), 2, ['--no-parallel-scavenge', '--concurrent-recompilation'])();
  assert.equal(set, []);
});

test.run();
