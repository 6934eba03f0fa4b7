// The thundering herd (calibration R4): one subscriber on `a` monitors `targets`
// processes on `b` and also serves a `:work` message every `workEveryMs`; `b` is
// SIGKILLed. With plain monitors every DOWN lands in the subscriber's mailbox at once
// and work waits behind them; ZenMonitor hands them over 1000 per ~100 ms.
import { defineScenario, MAX_COUNT, MAX_TIMER_MS, param, type Pid } from 'zensim';

export default defineScenario({
  name: 'herd',
  description: 'one subscriber monitoring many processes on a node that crashes, while serving :work messages',
  params: {
    targets: param.int(100_000, 'processes on b monitored by the subscriber on a', { min: 1, max: MAX_COUNT }),
    downCostUs: param.number(20, 'CPU the subscriber spends per DOWN it handles, µs (R4 busy-waits ~20 µs)', { min: 0, max: 1_000_000 }),
    workEveryMs: param.int(1, 'the ticker sends {:work, sent_at} every this many ms', { min: 1, max: MAX_TIMER_MS }),
    work: param.bool(true, 'whether the subscriber also serves :work messages (false: it only takes DOWNs, each still costing downCostUs; R3\'s idle receive loop is work=false downCostUs=0)'),
    schedulers: param.int(2, 'schedulers per node', { min: 1, max: 1024 }),
    sharedHost: param.bool(true, 'a and b share one host of hostCores cores, as in the calibration runs (false: each node has its own)'),
    hostCores: param.int(2, 'cores of the shared host (with sharedHost)', { min: 1, max: 1024 }),
  },
  cluster: (p) => ({
    hosts: p.sharedHost ? [{ name: 'host', cores: p.hostCores }] : [],
    nodes: ['a@127.0.0.1', 'b@127.0.0.1'].map((name) => ({ name, schedulers: p.schedulers, ...(p.sharedHost ? { host: 'host' } : {}) })),
  }),
  script: (run, p) => {
    // As in R4, a's rpc to b (spawning the targets) connected the two nodes first.
    run.connect('a@127.0.0.1', 'b@127.0.0.1');
    run.expectDowns(p.targets); // first, so a run too big for memory is refused before spawning
    const targets = run.spawnMany('b@127.0.0.1', p.targets);
    let sub: Pid;
    run.when(
      () => run.connected('a@127.0.0.1', 'b@127.0.0.1'),
      () => {
        sub = run.subscriber('a@127.0.0.1', {
          name: 'subscriber',
          downCostUs: p.downCostUs,
          setup: (ctx) => run.timed.monitorEach(ctx, targets),
        });
      },
    );
    run.when(
      () => run.established() >= p.targets,
      () => {
        // As R4: the ticker runs 1 s before the trigger and work latency counts the
        // messages sent in the 10 s after it; the run lasts until every DOWN is handled,
        // the window has closed and the work queued by then is served.
        if (p.work) {
          run.ticker('a@127.0.0.1', sub, p.workEveryMs);
          run.measureFor(10_000);
        }
        run.at(run.world.nowUs / 1000 + 1000, () => {
          run.trigger();
          run.crash('b@127.0.0.1');
          run.endWhenDrained(run.drainEstimateMs({ downs: p.targets, downCostUs: p.downCostUs, cause: 'nodedown' }));
        });
      },
    );
  },
});
