// realnet d2: latency raised above the Connector's 5 s ping call on a live connection, then a first ZenMonitor.monitor
import { defineScenario, param } from 'zensim';
const A = 'a@h', B = 'b@h';
export default defineScenario({
  name: 'ping', description: 'slow link, ping timeout', params: { latencyMs: param.int(3000, 'one-way latency after connect', { min: 0, max: 100000 }) },
  cluster: () => ({ nodes: [{ name: A, schedulers: 2 }, { name: B, schedulers: 2 }], net: { jitterUs: 0 } }),
  script: (run, p) => {
    run.connect(A, B);
    const targets = run.spawnMany(B, 1);
    run.expectDowns(1);
    run.at(2000, () => {
      run.world.net.setLatency(A, B, p.latencyMs * 1000);
      run.trigger();
      run.subscriber(A, { downCostUs: 1, setup: function* (ctx) { for (const t of targets) yield* run.timed.monitor(ctx, t); } });
      run.endAt(30000);
    });
  },
});
