// realnet b: a remote process killed on b under latency: DOWN arrival on a (plain or ZenMonitor)
import { atom, defineScenario, param } from 'zensim';
const A = 'a@h', B = 'b@h';
export default defineScenario({
  name: 'kill', description: 'remote kill under latency', params: { killAtMs: param.int(3000, 'kill time', { min: 100, max: 100000 }) },
  cluster: () => ({ nodes: [{ name: A, schedulers: 2 }, { name: B, schedulers: 2 }] }),
  script: (run, p) => {
    run.connect(A, B);
    const targets = run.spawnMany(B, 1);
    run.expectDowns(1);
    run.when(() => run.connected(A, B), () =>
      run.subscriber(A, { downCostUs: 1, setup: function* (ctx) { for (const t of targets) yield* run.timed.monitor(ctx, t); } }));
    run.at(p.killAtMs, () => { run.trigger(); for (const t of targets) run.world.exit(t, atom('kill'), B); run.endWhenDrained(5000); });
  },
});
