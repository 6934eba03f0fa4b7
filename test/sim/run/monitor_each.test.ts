// `run.timed.monitorEach(ctx, targets)` is the loop `for (const t of targets) yield*
// run.timed.monitor(ctx, t)` written out: a subscriber set up either way runs the same
// events (the same traceHash and result document, both modes), whether it is the whole
// set-up or `yield*`-ed among other steps (an empty one among them).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, type Pid } from '../../../core/terms.js';
import { param } from '../../../sim/run/params.js';
import { runScenario } from '../../../sim/run/runner.js';
import { defineScenario, type Scenario } from '../../../sim/run/scenario.js';
import type { Ctx, Handling } from '../../../sim/beam/process.js';

type Form = 'loop' | 'each' | 'each-in-generator';

/** A subscriber on a@h monitors `targets` processes on b@h (set up in `form`), some twice; b@h crashes. */
function herdOf(form: Form): Scenario {
  return defineScenario({
    name: `each-${form}`,
    description: 'monitorEach against its loop',
    params: { targets: param.int(300, 'targets on b', { min: 1 }) },
    cluster: () => ({ nodes: [{ name: 'a@h' }, { name: 'b@h' }] }),
    script: (run, p) => {
      const n = p.targets as number;
      const targets = run.spawnMany('b@h', n);
      // Some targets twice: a second monitor of a target takes another path.
      const all = [...targets, ...targets.slice(0, 7)];
      run.world.send(targets[0] as Pid, atom('hello'), 'a@h');
      run.expectDowns(all.length);
      run.at(100, () => {
        const setup = (ctx: Ctx): Handling => {
          switch (form) {
            case 'loop':
              return (function* () {
                for (const t of all) yield* run.timed.monitor(ctx, t);
              })();
            case 'each':
              return run.timed.monitorEach(ctx, all);
            case 'each-in-generator':
              return (function* () {
                yield* run.timed.monitorEach(ctx, all.slice(0, 5));
                yield* run.timed.monitorEach(ctx, []);
                yield* run.timed.monitor(ctx, all[5] as Pid);
                yield* run.timed.monitorEach(ctx, all.slice(6));
              })();
          }
        };
        run.subscriber('a@h', { name: 'subscriber', downCostUs: 20, setup });
      });
      run.at(1000, () => {
        run.trigger();
        run.crash('b@h');
      });
      run.endAt(4000);
    },
  }) as unknown as Scenario;
}

test('monitorEach runs the same events as a loop of timed.monitor (both modes)', () => {
  const loop = runScenario(herdOf('loop'), { seed: 3 });
  for (const form of ['each', 'each-in-generator'] as const) {
    const each = runScenario(herdOf(form), { seed: 3 });
    assert.is(each.traceHash, loop.traceHash, form);
    assert.equal(each.runs, loop.runs, form);
  }
  assert.equal(loop.runs.map((r) => r.downs.delivered), [307, 307]);
});

test.run();
