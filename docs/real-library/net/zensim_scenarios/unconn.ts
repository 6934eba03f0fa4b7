// realnet b2: ZenMonitor.monitor of a target on a node a is not connected to
import { defineScenario, param } from 'zensim';
const A = 'a@h', B = 'b@h';
export default defineScenario({
  name: 'unconn', description: 'zen monitor, not connected', params: { atMs: param.int(1000, 'when', { min: 200, max: 100000 }) },
  cluster: () => ({ nodes: [{ name: A, schedulers: 2 }, { name: B, schedulers: 2 }] }),
  script: (run, p) => {
    const targets = run.spawnMany(B, 1);
    run.expectDowns(1);
    run.at(p.atMs, () => {
      run.trigger();
      run.subscriber(A, { downCostUs: 1, setup: function* (ctx) { for (const t of targets) yield* run.timed.monitor(ctx, t); } });
      run.endWhenDrained(3000);
    });
  },
});
