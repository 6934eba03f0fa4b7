// One of ZenMonitor's own processes killed with `Process.exit(pid, :kill)`, restarted by
// its supervisor, and what that loses: calibration F3
// (../shared/fixtures/calibration/f3_component_restart.json, ZenMonitor 2.1.0 on OTP 25).
// A subscriber S on `a` monitors sleepers on `b` on request; once its first monitors are
// in place (the Proxy on `b` holds their rows) and 250 ms more have passed, the component
// is killed (the trigger: times are counted from it), then the fixture's phases follow:
//   connector (a1): a's Connector for b. +500 ms S monitors T2 (a new Connector starts);
//     ending=targets: +1.5 s T2 is killed, +4.5 s T1 (monitored before the kill);
//     ending=node: +1.5 s b is SIGKILLed, +6.5 s S monitors T3, a pid of the dead b.
//   local (a3): a's ZenMonitor.Local (rest_for_one: the Connectors and the Dispatcher go
//     too). +500 ms S monitors T2 and T3, +1.5 s T2 is killed, +4.5 s b is SIGKILLed.
//   proxy (a2): b's ZenMonitor.Proxy, by an exit signal from a. S monitors a probe every
//     100 ms for 10 s (P1…P100), +10.3 s P100 is killed, +13.3 s b is SIGKILLed.
//   dispatcher, batcher (no fixture; measured since on the real library, docs/real-library/fail,
//     same DOWNs within 2%): as local, the Dispatcher on a,
//     or the Batcher on b for a's Connector (one is made first by the death of T0).
// With `control`, the same sequence runs without the kill. Every monitor S makes counts as
// an expected DOWN, so a lost DOWN shows as missing. The run's notes give each target's
// DOWNs (reason, ms after the kill), the targets that never got one, the compatibility of
// b seen from a (sampled every 100 ms, as the fixture's sampler did), and for the Proxy
// kill when the monitors fired :nodedown, how many probes fired at once and when b was
// usable again.
import { atom, defineScenario, inspect, param, tuple, type DownSignal, type Pid, type Run, type Term } from 'zensim';

const A = 'a@127.0.0.1';
const B = 'b@127.0.0.1';
const MONITOR = atom('monitor');
const KILL = atom('kill');
const PROBES = 100;

type Action = { readonly atMs: number } & ({ readonly op: 'monitor'; readonly targets: readonly string[] } | { readonly op: 'kill'; readonly target: string } | { readonly op: 'crash' });
/** A fixture case: the targets monitored before the kill, what follows it (ms after it), when the run ends. */
type Plan = { readonly initial: readonly string[]; readonly warmup?: string; readonly actions: readonly Action[]; readonly endMs: number };

const monitor = (atMs: number, ...targets: string[]): Action => ({ atMs, op: 'monitor', targets });
const kill = (atMs: number, target: string): Action => ({ atMs, op: 'kill', target });
const crash = (atMs: number): Action => ({ atMs, op: 'crash' });

/** a3's sequence, which dispatcher and batcher follow too. */
const LOCAL_PLAN: Plan = { initial: ['T1'], actions: [monitor(500, 'T2', 'T3'), kill(1500, 'T2'), crash(4500)], endMs: 9500 };

function planOf(which: string, ending: string): Plan {
  switch (which) {
    case 'connector':
      return ending === 'targets'
        ? { initial: ['T1'], actions: [monitor(500, 'T2'), kill(1500, 'T2'), kill(4500, 'T1')], endMs: 7500 }
        : { initial: ['T1'], actions: [monitor(500, 'T2'), crash(1500), monitor(6500, 'T3')], endMs: 9500 };
    case 'proxy': {
      const probes = Array.from({ length: PROBES }, (_, i) => monitor(100 * (i + 1), `P${i + 1}`));
      return { initial: ['T1', 'T1b'], actions: [...probes, kill(10_300, `P${PROBES}`), crash(13_300)], endMs: 18_300 };
    }
    case 'batcher':
      return { ...LOCAL_PLAN, initial: ['T0', 'T1'], warmup: 'T0' };
    default:
      return LOCAL_PLAN;
  }
}

/** The labels of every target the plan monitors, in order. */
function monitored(plan: Plan): string[] {
  return [...plan.initial, ...plan.actions.flatMap((a) => (a.op === 'monitor' ? a.targets : []))];
}

export default defineScenario({
  name: 'component_restart',
  description: "one of ZenMonitor's own processes killed and restarted by its supervisor: which DOWNs are lost (calibration F3)",
  params: {
    kill: param.enum('connector', ['connector', 'local', 'dispatcher', 'proxy', 'batcher'], "the process killed: a's Connector for b, a's Local or Dispatcher, b's Proxy, b's Batcher for a's Connector"),
    ending: param.enum('targets', ['targets', 'node'], 'for kill=connector: then the targets are killed (a1_target), or b is SIGKILLed (a1_node)'),
    control: param.bool(false, 'run the same sequence without the kill (the fixture\'s control runs)'),
  },
  validate: (p) => (p.ending === 'node' && p.kill !== 'connector' ? `ending=node is the connector case's other ending; kill=${p.kill} has one sequence` : undefined),
  cluster: () => ({
    nodes: [
      { name: A, schedulers: 2 },
      { name: B, schedulers: 2 },
    ],
  }),
  script: (run, p) => {
    const plan = planOf(p.kill, p.ending);
    run.connect(A, B);
    const labels = monitored(plan);
    const pids = new Map(labels.map((l) => [l, (run.spawnMany(B, 1) as [Pid])[0]] as const));
    const labelOf = new Map([...pids].map(([l, pid]) => [pid.uid, l] as const));
    run.expectDowns(labels.length);
    const downs: Record<string, { reason: string; msAfterKill: number }[]> = Object.fromEntries(labels.map((l) => [l, []]));
    let killUs = -1;
    const noteLost = () => run.note('lost', labels.filter((l) => (downs[l] as unknown[]).length === 0).join(', ') || 'none');
    const s = run.world.spawn(A, {
      handle: function* (ctx, msg) {
        const m = msg as Term | DownSignal;
        if ('kind' in m && m.kind === 'DOWN') {
          run.recorder.down(ctx.nowUs(), m, ctx.node);
          const label = labelOf.get((m.object as Pid).uid) ?? inspect(m.object);
          downs[label]?.push({ reason: inspect(m.reason), msAfterKill: Math.round(ctx.nowUs() - killUs) / 1000 });
          noteLost();
        } else if ('t' in m && m.t === 'tuple' && m.v[0] === MONITOR) {
          yield* run.timed.monitor(ctx, m.v[1] as Pid);
        }
      },
    });
    run.recorder.watch(s);
    const ask = (label: string) => run.world.send(s, tuple(MONITOR, pids.get(label) as Pid), A);
    run.when(
      () => run.connected(A, B),
      () => plan.initial.forEach(ask),
    );
    run.when(
      () => run.established() >= plan.initial.length,
      () => {
        if (plan.warmup !== undefined) run.world.exit(pids.get(plan.warmup) as Pid, KILL, A);
        const readyMs = run.world.nowUs / 1000;
        // The kill's moment is known from here: a DOWN before it (the warm-up's) counts negative.
        killUs = Math.round((readyMs + 250) * 1000);
        run.at(readyMs + 250, () => {
          run.trigger();
          if (!p.control) killComponent(run, p.kill);
          for (const a of plan.actions) {
            run.at(killUs / 1000 + a.atMs, () => {
              if (a.op === 'crash' && p.kill === 'proxy') proxyFigures(run, downs);
              act(run, a, ask, pids);
            });
          }
          sampleCompatibility(run, killUs, killUs + plan.endMs * 1000);
          run.endAt(killUs / 1000 + plan.endMs);
        });
      },
    );
    run.note('downs', downs);
    noteLost();
  },
});

function killComponent(run: Run, which: string): void {
  switch (which) {
    case 'connector':
      return void run.killZen(A, 'connector', B);
    case 'local':
      return void run.killZen(A, 'local');
    case 'dispatcher':
      return void run.killZen(A, 'dispatcher');
    case 'proxy':
      return void run.killZen(B, 'proxy', undefined, A);
    default:
      return void run.killZen(B, 'batcher', A, A);
  }
}

function act(run: Run, a: Action, ask: (label: string) => void, pids: Map<string, Pid>): void {
  switch (a.op) {
    case 'monitor':
      return a.targets.forEach(ask);
    case 'kill':
      return run.world.exit(pids.get(a.target) as Pid, KILL, A);
    case 'crash':
      return run.crash(B);
  }
}

/** b's compatibility seen from a at absolute 100 ms ticks from the kill to the end (zen mode). */
function sampleCompatibility(run: Run, fromUs: number, toUs: number): void {
  if (run.zen === null) return;
  const zen = run.zen;
  const states: string[] = [];
  let recoveryMs: number | null = null;
  const sample = () => {
    const c = zen.compatibilityOf(A, B);
    const state = c === undefined ? 'ZenMonitor not running' : `:${c.compatibility} / ${cachedText(c.cached)}`;
    if (states.at(-1) !== state) states.push(state);
    if (recoveryMs === null && c?.compatibility === 'compatible' && states.length > 1) recoveryMs = (run.world.nowUs - fromUs) / 1000;
    run.note('compatibility', states);
    run.note('recoveryMs', recoveryMs);
    if (run.world.nowUs + 100_000 <= toUs) run.world.at(run.world.nowUs + 100_000, sample);
  };
  run.world.at(Math.ceil((fromUs + 1) / 100_000) * 100_000, sample);
}

function cachedText(c: NonNullable<ReturnType<NonNullable<Run['zen']>['compatibilityOf']>>['cached']): string {
  return typeof c === 'object' ? `{:expired, ${c.expired}}` : `:${c}`;
}

/** The Proxy case's figures, as b is SIGKILLed: when T1's :nodedown came, which probes fired :nodedown at once. */
function proxyFigures(run: Run, downs: Record<string, { reason: string; msAfterKill: number }[]>): void {
  const atOnce = Object.entries(downs)
    .filter(([l, d]) => l.startsWith('P') && d[0]?.reason === '{:zen_monitor, :nodedown}')
    .map(([l]) => l);
  run.note('nodedownMs', downs.T1?.[0]?.msAfterKill ?? null);
  run.note('probesFiredAtOnce', atOnce.length);
  run.note('lastProbeFiredAtOnce', atOnce.at(-1) ?? null);
}
