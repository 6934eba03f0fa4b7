// The herd on the sending side: processes spread over several nodes all monitor one
// process on `t` that dies. With plain monitors `t` sends one DOWN signal per monitor
// over its connections; with ZenMonitor its Proxy gets one DOWN and its Batchers send
// one certificate per remote Connector.
import { atom, defineScenario, MAX_COUNT, param } from 'zensim';

const T = 't@127.0.0.1';

export default defineScenario({
  name: 'fanout',
  description: 'many processes on many nodes monitoring one process that dies',
  params: {
    nodes: param.int(4, 'nodes holding watchers', { min: 1, max: 64 }),
    watchersPerNode: param.int(25_000, 'watching processes on each of those nodes', { min: 1, max: MAX_COUNT }),
    downCostUs: param.number(5, 'CPU each watcher spends on its DOWN, µs', { min: 0, max: 1_000_000 }),
  },
  cluster: (p) => ({
    nodes: [{ name: T, schedulers: 2 }, ...Array.from({ length: p.nodes }, (_, i) => ({ name: `w${i + 1}@127.0.0.1`, schedulers: 2 }))],
  }),
  script: (run, p) => {
    const watcherNodes = Array.from({ length: p.nodes }, (_, i) => `w${i + 1}@127.0.0.1`);
    const victim = run.world.spawn(T, { handle() {} });
    const total = p.nodes * p.watchersPerNode;
    run.expectDowns(total);
    for (const n of watcherNodes) run.connect(n, T);
    run.when(
      () => watcherNodes.every((n) => run.connected(n, T)),
      () => {
        for (const n of watcherNodes) {
          for (let i = 0; i < p.watchersPerNode; i++) {
            run.subscriber(n, {
              downCostUs: p.downCostUs,
              setup: function* (ctx) {
                yield* run.timed.monitor(ctx, victim);
              },
            });
          }
        }
      },
    );
    run.when(
      () => run.established() >= (run.mode === 'zen' ? p.nodes : total),
      () =>
        run.at(run.world.nowUs / 1000 + 300, () => {
          run.trigger();
          run.world.exit(victim, atom('shutdown_hard'), T);
          run.endWhenDrained(run.drainEstimateMs({ downs: total, downCostUs: p.downCostUs, cause: 'deaths', deaths: 1, receivingNodes: p.nodes }));
        }),
    );
  },
});
