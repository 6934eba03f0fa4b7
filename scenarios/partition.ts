// A partition between `a` and `b`: neither side hears the other, so each declares the
// connection down only by the tick timeout (net_ticktime, 45 to 75 s by default). The
// subscriber's monitors fire (:noconnection, or {:zen_monitor, :nodedown}); after the
// heal it reconnects, monitors the targets again, and the ones killed later are
// reported with their real reason.
import { atom, defineScenario, MAX_COUNT, MAX_TIMER_MS, param, type Pid, type Ref } from 'zensim';

const A = 'a@127.0.0.1';
const B = 'b@127.0.0.1';

export default defineScenario({
  name: 'partition',
  description: 'a partition, nodedown after the tick timeout, heal, reconnect and re-monitor',
  params: {
    targets: param.int(1000, 'processes on b monitored by the subscriber on a', { min: 1, max: MAX_COUNT }),
    partitionAtMs: param.int(5000, 'when the partition starts, ms', { min: 100, max: MAX_TIMER_MS }),
    healAfterMs: param.int(90_000, 'how long the partition lasts, ms (longer than the tick timeout, so the nodedown fires)', { min: 1, max: MAX_TIMER_MS }),
    killAfterHealMs: param.int(5000, 'when, after the heal, some targets are killed, ms (after the re-monitor at 1 s)', { min: 1001, max: MAX_TIMER_MS }),
    killed: param.int(100, 'targets killed after the heal', { min: 0, max: MAX_COUNT }),
    netTicktimeS: param.int(60, 'kernel net_ticktime, s', { min: 1, max: 86_400 }),
  },
  validate: (p) => {
    if (p.killed > p.targets) return `killed (${p.killed}) must be <= targets (${p.targets})`;
    // A side declares the connection down 0.75 to 1.25 × net_ticktime after it last heard the other.
    const latestMs = p.netTicktimeS * 1250;
    if (p.healAfterMs <= latestMs) return `healAfterMs (${p.healAfterMs}) must be > ${latestMs} (1.25 × net_ticktime: the latest the partition is noticed), or no nodedown fires`;
    return undefined;
  },
  cluster: (p) => ({
    nodes: [
      { name: A, schedulers: 2 },
      { name: B, schedulers: 2 },
    ],
    net: { netTicktimeS: p.netTicktimeS },
  }),
  script: (run, p) => {
    const remonitor = atom('remonitor');
    run.connect(A, B);
    run.expectDowns(p.targets + p.killed); // first, so a run too big for memory is refused before spawning
    const targets = run.spawnMany(B, p.targets);
    let sub: Pid | undefined;
    const refs: Ref[] = [];
    run.when(
      () => run.connected(A, B),
      () => {
        sub = run.world.spawn(A, {
          init: function* (ctx) {
            for (const t of targets) refs.push(yield* run.timed.monitor(ctx, t));
          },
          handle: function* (ctx, msg) {
            if (msg === remonitor) for (const t of targets) yield* run.timed.monitor(ctx, t);
            else if ((msg as { kind?: string }).kind === 'DOWN') run.recorder.down(ctx.nowUs(), msg as never, ctx.node);
          },
        });
        run.recorder.watch(sub);
      },
    );
    run.at(p.partitionAtMs, () => {
      run.trigger();
      run.partition(A, B);
    });
    const healMs = p.partitionAtMs + p.healAfterMs;
    run.at(healMs, () => {
      run.heal(A, B);
      run.connect(A, B);
    });
    run.at(healMs + 1000, () => run.world.send(sub as Pid, remonitor, A));
    run.at(healMs + p.killAfterHealMs, () => {
      for (const t of targets.slice(0, p.killed)) run.world.exit(t, atom('kill'), B);
    });
    // Drained once the nodedown DOWNs (during the partition) and the kills' DOWNs are in.
    const killMs = healMs + p.killAfterHealMs;
    run.endWhenDrained(killMs - run.world.nowUs / 1000 + run.drainEstimateMs({ downs: p.killed, downCostUs: 0, cause: 'deaths' }));
  },
});
