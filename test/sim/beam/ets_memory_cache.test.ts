// A node's table memory is summed again only once something says it may have changed
// (SimNode.etsBytes, `tablesChanged` and `rowsChanged`), and a ZenMonitor app's private
// tables (its Connectors' and Proxy's states) are read again only once one of those has
// stepped or the node's tables epoch has moved (memory.ts statesWords): the recorder reads
// both at every delivery. Here every shipped scenario runs, both modes, with both figures
// compared at every delivery and every event with sums made from scratch; a change that
// does not say so (an ETS write, a table made or dropped, a death, a registration, a
// ZenMonitor step) leaves a kept sum stale, and the comparison fails.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import amplification from '../../../scenarios/amplification.js';
import componentRestart from '../../../scenarios/component_restart.js';
import fanout from '../../../scenarios/fanout.js';
import herd from '../../../scenarios/herd.js';
import partition from '../../../scenarios/partition.js';
import stress from '../../../scenarios/stress.js';
import { atom, int } from '../../../core/terms.js';
import type { World } from '../../../sim/beam/world.js';
import { ZenCluster, type ZenApp } from '../../../sim/zen/cluster.js';
import { zenTablesBytes, zenTableWords } from '../../../sim/zen/memory.js';
import { runScenario } from '../../../sim/run/runner.js';
import type { Scenario } from '../../../sim/run/scenario.js';
import { A, drain, makeWorld } from '../helpers.js';

const RUNS: [Scenario, Record<string, unknown>][] = [
  [herd as never, { targets: 300 }],
  [stress as never, { targets: 1000, killed: 100, windowMs: 1500 }],
  [amplification as never, { subscribers: 30, reasonBinaryBytes: 10_000 }],
  [fanout as never, { nodes: 3, watchersPerNode: 50 }],
  [partition as never, { targets: 50, killed: 5, netTicktimeS: 4, healAfterMs: 10_000 }],
  ...(['connector', 'local', 'dispatcher', 'proxy', 'batcher'] as const).map((kill): [Scenario, Record<string, unknown>] => [componentRestart as never, { kill }]),
  [componentRestart as never, { kill: 'connector', ending: 'node' }],
];

/** The ZenMonitor apps the running test has started (ZenCluster.start, wrapped while this file's tests run). */
const apps: ZenApp[] = [];
const start = ZenCluster.prototype.start;
test.before(() => {
  ZenCluster.prototype.start = function (this: ZenCluster, ...args: Parameters<ZenCluster['start']>): ZenApp {
    const app = start.apply(this, args);
    apps.push(app);
    return app;
  };
});
test.before.each(() => void (apps.length = 0));
test.after(() => void (ZenCluster.prototype.start = start));

/** Compares every up node's kept table memory, and every running app's, with fresh sums at every delivery and event, counting the looks in `looks`. */
function watch(world: World, looks: { n: number; stale: string[] }): void {
  const stale = (what: string, kept: number, fresh: number): void => {
    if (kept !== fresh && looks.stale.length < 5) looks.stale.push(`${what} at ${world.nowUs} µs: kept ${kept}, fresh ${fresh}`);
  };
  const check = (where: string): void => {
    for (const node of world.nodes.values()) {
      if (!node.up) continue;
      looks.n++;
      stale(`${node.name} (${where})`, node.etsBytes(), node.sumTables());
    }
    for (const app of apps) {
      if (app.cluster.world !== world || app.cluster.app(app.node) !== app || !app.simNode.up) continue;
      const words = Object.values(zenTableWords(app, world.cost)).reduce((a, b) => a + b, 0);
      stale(`ZenMonitor on ${app.node} (${where})`, zenTablesBytes(app, world.cost), 8 * words);
    }
  };
  world.onDeliver = () => check('delivery');
  world.kernel.setTrace(() => check('event'));
}

test('a plain table written and read within one handling: the kept sum follows each insert, take and delete', () => {
  const w = makeWorld();
  const node = w.node(A);
  const seen: [number, number][] = [];
  const look = (): void => void seen.push([node.memoryBytes() - node.books.processBytes - node.books.monitorBytes - node.books.binaryBytes, node.sumTables()]);
  w.spawn(A, {
    init: (ctx) => {
      const t = ctx.etsNew('t');
      look();
      t.insert(atom('k'), int(1));
      look();
      t.insert(atom('j'), atom('v'));
      look();
      t.take(atom('k'));
      look();
      t.delete(atom('j'));
      look();
    },
    handle: () => undefined,
  });
  drain(w);
  assert.is(new Set(seen.map(([, fresh]) => fresh)).size, 3, 'the table grew and shrank back');
  for (const [kept, fresh] of seen) assert.is(kept, fresh);
});

for (const [sc, params] of RUNS) {
  test(`${sc.name} ${JSON.stringify(params)}: a node's kept table memory equals a fresh sum at every delivery and event`, () => {
    const looks = { n: 0, stale: [] as string[] };
    runScenario(sc, { seed: 3, params, attach: (world) => watch(world, looks) });
    assert.ok(looks.n > 1000, `only ${looks.n} looks`);
    assert.equal(looks.stale, []);
  });
}

test.run();
