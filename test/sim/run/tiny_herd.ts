// A tiny herd for the report writers' tests: a subscriber on `a@h` monitors `targets`
// processes on `b@h` (200 by default) while a ticker sends it work; `b@h` crashes at
// 1000 ms and the run ends 2 s later. Both modes.
import { atom, type Pid } from '../../../core/terms.js';
import { param, type ParamSpec } from '../../../sim/run/params.js';
import { defineScenario, type Scenario } from '../../../sim/run/scenario.js';

export const A = 'a@h';
export const B = 'b@h';
export const CRASH_MS = 1000;

export function tinyHerd(name = 'tiny-herd', extraParams: Record<string, ParamSpec> = {}): Scenario {
  return defineScenario({
    name,
    description: 'a subscriber on a monitoring targets on b; b crashes',
    params: { targets: param.int(200, 'targets on b', { min: 1 }), ...extraParams },
    cluster: () => ({ nodes: [{ name: A }, { name: B }] }),
    script: (run, p) => {
      const targets = run.spawnMany(B, p.targets as number);
      // Connect a and b first: ZenMonitor treats a node it is not connected to as down.
      run.world.send(targets[0] as Pid, atom('hello'), A);
      run.at(100, () => {
        const sub = run.subscriber(A, {
          name: 'subscriber',
          downCostUs: 20,
          setup: function* (ctx) {
            for (const t of targets) yield* run.timed.monitor(ctx, t);
          },
        });
        run.ticker(A, sub, 1);
      });
      run.expectDowns(p.targets as number);
      run.at(CRASH_MS, () => {
        run.trigger();
        run.crash(B);
      });
      run.endAt(CRASH_MS + 2000);
    },
  }) as unknown as Scenario;
}
