// The upstream stress test (test/stress_test.exs, "down messages are throttled";
// calibration R1): one subscriber on `a` ZenMonitor-monitors `targets` processes on
// `b` with throttled settings (connector 10 ms / 100,000, batcher 100 ms / 10,
// dispatcher 100 ms / 10); a process on `a` kills `killed` of them in shuffled order,
// over distribution. Upstream asserts 50 to 150 DOWNs within the next 1000 ms; the
// window (`windowMs`, R1's 3 s) is a measurement window, not the end: the run goes on
// until every killed target's DOWN is delivered (10,000 at 10 per ~101 ms: ~101 s).
import { atom, defineScenario, MAX_COUNT, MAX_TIMER_MS, param, type Pid } from 'zensim';

const A = 'a@127.0.0.1';
const B = 'b@127.0.0.1';

export default defineScenario({
  name: 'stress',
  description: 'the upstream stress test: 100k remote targets, 10k killed, throttled ZenMonitor settings',
  params: {
    targets: param.int(100_000, 'processes on b monitored by the subscriber on a', { min: 1, max: MAX_COUNT }),
    killed: param.int(10_000, 'targets killed at the trigger, in shuffled order', { min: 0, max: MAX_COUNT }),
    windowMs: param.int(3000, 'the measurement window after the trigger, ms: downs.inWindow counts the DOWNs in it (R1: 3 s); the run goes on until every DOWN is delivered', { min: 1, max: MAX_TIMER_MS }),
    sharedHost: param.bool(true, 'a and b share one host of hostCores cores, as in R1 (false: each node has its own)'),
    hostCores: param.int(2, 'cores of the shared host (with sharedHost)', { min: 1, max: 1024 }),
  },
  validate: (p) => (p.killed > p.targets ? `killed (${p.killed}) must be <= targets (${p.targets})` : undefined),
  cluster: (p) => ({
    hosts: p.sharedHost ? [{ name: 'host', cores: p.hostCores }] : [],
    nodes: [A, B].map((name) => ({ name, schedulers: 2, ...(p.sharedHost ? { host: 'host' } : {}) })),
    zen: {
      connector_sweep_interval: 10,
      connector_chunk_size: 100_000,
      demand_interval: 100,
      demand_amount: 10,
      batcher_sweep_interval: 100,
      batcher_chunk_size: 10,
    },
  }),
  script: (run, p) => {
    run.connect(A, B);
    run.expectDowns(p.killed); // first, so a run too big for memory is refused before spawning
    const targets = run.spawnMany(B, p.targets);
    run.when(
      () => run.connected(A, B),
      () => {
        run.subscriber(A, {
          name: 'subscriber',
          setup: function* (ctx) {
            for (const t of targets) yield* run.timed.monitor(ctx, t);
          },
        });
      },
    );
    run.when(
      () => run.established() >= p.targets,
      // As R1: settle 300 ms, then one process on a kills the chosen targets in order.
      () =>
        run.at(run.world.nowUs / 1000 + 300, () => {
          const victims: Pid[] = run.rng('victims').shuffle([...targets]).slice(0, p.killed);
          run.trigger();
          run.world.spawn(A, {
            init: (ctx) => {
              for (const v of victims) ctx.exit(v, atom('kill'));
            },
            handle() {},
          });
          run.measureFor(p.windowMs);
          run.endWhenDrained(run.drainEstimateMs({ downs: p.killed, downCostUs: 0, cause: 'deaths' }));
        }),
    );
  },
});
