// The herd on the sending side: processes spread over several nodes all monitor one
// process on `t` that is killed (`Process.exit(target, :kill)` from the first watcher
// node, over distribution, as calibration F2 did). With plain monitors `t` sends one
// DOWN signal per monitor over its connections, in the slices of its exit; with
// ZenMonitor its Proxy gets one DOWN and its Batchers send one certificate per remote
// Connector. With `sharedHost` every node runs on one machine of `hostCores` cores, as
// F2's three VMs shared two cores (test/calibration_fanout.test.ts).
import { atom, defineScenario, MAX_COUNT, param } from 'zensim';

const T = 't@127.0.0.1';
const HOST = 'host';

export default defineScenario({
  name: 'fanout',
  description: 'many processes on many nodes monitoring one process that is killed',
  params: {
    nodes: param.int(4, 'nodes holding watchers', { min: 1, max: 64 }),
    watchersPerNode: param.int(25_000, 'watching processes on each of those nodes', { min: 1, max: MAX_COUNT }),
    downCostUs: param.number(5, 'CPU each watcher spends on its DOWN, µs (F2: it reads the time and sends it to a local agent)', { min: 0, max: 1_000_000 }),
    sharedHost: param.bool(false, 'run every node on one host of hostCores cores (F2: 3 VMs on 2 cores); otherwise each node has its own'),
    hostCores: param.int(2, 'cores of the shared host (with sharedHost)', { min: 1, max: 1024 }),
  },
  cluster: (p) => {
    const host = p.sharedHost ? { host: HOST } : {};
    return {
      hosts: p.sharedHost ? [{ name: HOST, cores: p.hostCores }] : [],
      nodes: [T, ...watcherNodes(p.nodes)].map((name) => ({ name, schedulers: 2, ...host })),
    };
  },
  script: (run, p) => {
    const watchers = watcherNodes(p.nodes);
    const victim = run.world.spawn(T, { handle() {} });
    const total = p.nodes * p.watchersPerNode;
    run.expectDowns(total);
    for (const n of watchers) run.connect(n, T);
    run.when(
      () => watchers.every((n) => run.connected(n, T)),
      () => {
        for (const n of watchers) {
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
          run.world.exit(victim, atom('kill'), watchers[0]);
          run.endWhenDrained(
            run.drainEstimateMs({
              downs: total,
              downCostUs: p.downCostUs,
              cause: 'deaths',
              deaths: 1,
              receivingNodes: p.nodes,
              ...(p.sharedHost ? { hostCores: p.hostCores } : {}),
            }),
          );
        }),
    );
  },
});

function watcherNodes(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `w${i + 1}@127.0.0.1`);
}
