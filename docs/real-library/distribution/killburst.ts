// The zensim side of kb.exs: a killer on `a` sends exit(v, :kill) to `killed` of `targets`
// processes on `b`, shuffled; a plain watcher on `b` monitors them all (as ZenMonitor's
// Proxy does). Run: node bin/zensim.mjs run docs/real-library/distribution/killburst.ts --seed 1
// --json out.json; the vanilla run's downs.firstMs/lastMs and nodes' cpu.busyMs are
// what results/killburst_*.txt is compared with (README, "Model and its limits").
import { atom, defineScenario, param, type Pid } from 'zensim';

const A = 'a@127.0.0.1';
const B = 'b@127.0.0.1';

export default defineScenario({
  name: 'killburst',
  description: 'a killer on a kills processes on b that a watcher on b monitors',
  params: {
    targets: param.int(20_000, 'processes on b, all monitored by the watcher', { min: 1, max: 1_000_000 }),
    killed: param.int(10_000, 'of them killed at the trigger, shuffled', { min: 0, max: 1_000_000 }),
  },
  validate: (p) => (p.killed > p.targets ? `killed (${p.killed}) must be <= targets (${p.targets})` : undefined),
  cluster: () => ({ hosts: [{ name: 'host', cores: 2 }], nodes: [A, B].map((name) => ({ name, schedulers: 2, host: 'host' })) }),
  script: (run, p) => {
    run.connect(A, B);
    run.expectDowns(p.killed);
    const targets = run.spawnMany(B, p.targets);
    run.when(
      () => run.connected(A, B),
      () => {
        run.subscriber(B, {
          name: 'watcher',
          setup: function* (ctx) {
            for (const t of targets) yield* run.timed.monitor(ctx, t);
          },
        });
        // As kb.exs: the watcher's monitors are set up well before the kill (a fixed 2 s here).
        run.at(run.world.nowUs / 1000 + 2000, () => {
          const victims: Pid[] = run.rng('victims').shuffle([...targets]).slice(0, p.killed);
          run.trigger();
          run.world.spawn(A, {
            init: (ctx) => {
              for (const v of victims) ctx.exit(v, atom('kill'));
            },
            handle() {},
          });
          run.endWhenDrained(run.drainEstimateMs({ downs: p.killed, downCostUs: 0, cause: 'deaths' }));
        });
      },
    );
  },
});
