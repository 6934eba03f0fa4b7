// A node's `processes` bytes are a running total (memory.ts MemoryBooks.processBytes): each
// process heap reports its change to it (heap.ts `report`), and a heap method that changes
// nothing its bytes read reports nothing (a term that dies on the heap, one placed there),
// which holds only while every method that does change them reports. Here shipped
// scenarios run, both modes, with every up node's total compared with a sum made from
// scratch over its live processes at every delivery and every event, and each heap's
// reported bytes with its bytes now: a change to a heap's bytes that is not reported (or
// is reported late) leaves the total off, and the comparison fails.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import amplification from '../../../scenarios/amplification.js';
import componentRestart from '../../../scenarios/component_restart.js';
import herd from '../../../scenarios/herd.js';
import partition from '../../../scenarios/partition.js';
import stress from '../../../scenarios/stress.js';
import type { World } from '../../../sim/beam/world.js';
import { runScenario } from '../../../sim/run/runner.js';
import type { Scenario } from '../../../sim/run/scenario.js';

const RUNS: [Scenario, Record<string, unknown>][] = [
  [herd as never, { targets: 300 }],
  [stress as never, { targets: 1000, killed: 100, windowMs: 1500 }],
  [amplification as never, { subscribers: 30, reasonBinaryBytes: 10_000 }],
  [partition as never, { targets: 50, killed: 5, netTicktimeS: 4, healAfterMs: 10_000 }],
  [componentRestart as never, { kill: 'proxy' }],
];

/** Compares every up node's `processes` total with a fresh sum, and each live heap's reported bytes with its bytes, at every delivery and event. */
function watch(world: World, looks: { n: number; off: string[] }): void {
  const pristine = world.cost.processStructBytes + 8 * world.cost.minHeapWords;
  const off = (what: string): void => {
    if (looks.off.length < 5) looks.off.push(`${what} at ${world.nowUs} µs`);
  };
  const check = (where: string): void => {
    const fresh = new Map<string, number>();
    for (const p of world.procs) {
      if (!p.alive) continue;
      const h = p.heap;
      if (h !== undefined && h.reported !== h.bytes) off(`process ${p.uid} (${where}): reported ${h.reported}, bytes ${h.bytes}`);
      fresh.set(p.pid.node, (fresh.get(p.pid.node) ?? 0) + (h === undefined ? pristine : h.bytes));
    }
    for (const node of world.nodes.values()) {
      if (!node.up) continue;
      looks.n++;
      const sum = fresh.get(node.name) ?? 0;
      if (node.books.processBytes !== sum) off(`${node.name} (${where}): kept ${node.books.processBytes}, fresh ${sum}`);
    }
  };
  world.onDeliver = () => check('delivery');
  world.kernel.setTrace(() => check('event'));
}

for (const [scenario, params] of RUNS) {
  test(`${scenario.name} ${JSON.stringify(params)}: each node's processes bytes are its live heaps' bytes at every delivery and event, both modes`, () => {
    const looks = { n: 0, off: [] as string[] };
    runScenario(scenario, { seed: 1, params, attach: (world) => watch(world, looks) });
    assert.ok(looks.n > 100, `only ${looks.n} looks`);
    assert.equal(looks.off, []);
  });
}

test.run();
