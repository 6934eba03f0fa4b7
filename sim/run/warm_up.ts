// Warming a fresh JavaScript isolate before its first run: not part of any model. V8
// optimizes a function for the object shapes and paths its feedback has seen by then. A
// run in both modes (plain monitors, then ZenMonitor) runs its first mode long enough
// for the simulator's hot functions to be optimized for plain monitors alone; the zen
// mode then brings new shapes (ZenMonitor's messages through the term walkers, its
// processes' registered names as destinations, its tables) to that code, which is thrown
// away and optimized again: in a fresh isolate's first 10,000-target herd, ~150 eager
// deoptimizations and ~800 ms of the optimizing compiler's ~1,900 spent compiling again.
// `warmUp` first runs a herd of `WARM_UP_TARGETS` targets in both modes whose subscriber
// also serves a ticker's :work for `WARM_UP_WORK_MS` (~900 events, nothing optimized
// yet), so the feedback holds both modes' shapes, and the :work path's, when the real run
// makes code hot (a 10-target herd.ts: 12 deoptimizations without the ticker, 6 with it).
// Its two nodes share a host of one core, two schedulers each, so that threads wait for
// the core as on herd.ts's shared host: the paths of a contended host (a thread waiting,
// a core handed over) are warm too (with a node's `messaged` typed ahead, double_fields.ts
// objectElements: 6 -> 2 deoptimizations, one of them in node's own path module). Its
// result is dropped; every run's own world, random streams and result are the same
// with it or without (test/sim/run/warm_up.test.ts checks it).
// Its paths are a herd's: the subscriber monitors its first target alone, then the rest
// with `monitorEach` (herd.ts's path, with its capacity hints), and ZenMonitor's sizes are
// set below its targets (`WARM_UP_ZEN`), so that its Connector and Batcher sweeps and its
// Dispatcher's demands take part of what is queued, as a real herd's thousands do, and its
// config's fields are written as a plan's `--vary zen.…` writes them. A plan worker's
// first 10,000-target run (`--jobs 1`, three plans each, `--trace-opt --trace-deopt`):
// ~308 -> ~286 compilations (~22 deoptimizations -> ~19); its second ~41 -> ~32.
import type { Pid } from '../../core/terms.js';
import { defineScenario, type Scenario } from './scenario.js';
import { runScenario, type ResultDoc } from './runner.js';

/** Targets of the warm-up herd: each mode's paths of a monitor, a DOWN and a batch dispatched, with a few of each. */
export const WARM_UP_TARGETS = 20;
/** ms of :work served by the warm-up's subscriber, half before its crash. */
export const WARM_UP_WORK_MS = 20;
/** ZenMonitor's sizes in the warm-up: below its targets, so that its sweeps and demands take part of what is queued. */
const WARM_UP_ZEN: readonly (readonly [string, string])[] = [
  ['zen.demand_amount', '4'],
  ['zen.connector_chunk_size', '8'],
  ['zen.batcher_chunk_size', '8'],
];

const WARM_UP: Scenario = defineScenario({
  name: 'warm-up',
  description: 'a small herd in both modes, run once by a fresh isolate before its first run (sim/run/warm_up.ts)',
  params: {},
  cluster: () => ({ hosts: [{ name: 'host', cores: 1 }], nodes: ['a@127.0.0.1', 'b@127.0.0.1'].map((name) => ({ name, schedulers: 2, host: 'host' })) }),
  script: (run) => {
    run.connect('a@127.0.0.1', 'b@127.0.0.1');
    run.expectDowns(WARM_UP_TARGETS);
    const targets = run.spawnMany('b@127.0.0.1', WARM_UP_TARGETS);
    let sub: Pid;
    run.when(
      () => run.connected('a@127.0.0.1', 'b@127.0.0.1'),
      () => {
        sub = run.subscriber('a@127.0.0.1', {
          name: 'subscriber',
          setup: function* (ctx) {
            yield* run.timed.monitor(ctx, targets[0] as Pid);
            yield* run.timed.monitorEach(ctx, targets.slice(1));
          },
        });
      },
    );
    run.when(
      () => run.established() >= WARM_UP_TARGETS,
      () => {
        // A ticker's :work as herd.ts serves it, before and after the crash.
        run.ticker('a@127.0.0.1', sub, 1);
        run.measureFor(WARM_UP_WORK_MS);
        run.at(run.world.nowUs / 1000 + WARM_UP_WORK_MS / 2, () => {
          run.trigger();
          run.crash('b@127.0.0.1');
          run.endWhenDrained(run.drainEstimateMs({ downs: WARM_UP_TARGETS, downCostUs: 0, cause: 'nodedown' }));
        });
      },
    );
  },
});

let warm = false;

/** Runs the warm-up once per isolate: true if this call ran it, false (at once) if one before did. */
export function warmUp(): boolean {
  if (warm) return false;
  warm = true;
  runWarmUp(true);
  return true;
}

/** Runs the warm-up herd with its ZenMonitor sizes (`WARM_UP_ZEN`), as `warmUp` runs it; `reuseProcs` as `runScenario`'s. */
export function runWarmUp(reuseProcs = false): ResultDoc {
  return runScenario(WARM_UP, { reuseProcs, set: WARM_UP_ZEN });
}
