// The M1 set-up (shared/fixtures/README.md, "M1 memory accounting") on a simulated pair of
// nodes: one target on b holds a prebuilt reason and exits with it when a's driver sends
// `:crash`; N subscribers on a monitor it once (plain monitors or ZenMonitor), each keeps the
// DOWN it gets and idles. Snapshots as the oracle took them: `before_monitors` and
// `after_monitors` after every process on a and b was collected (then 200 ms), and
// `settled_1s` one second after the last DOWN, no collection. A sampler on a reads
// `:erlang.memory()` every 10 ms from 200 ms before the trigger and keeps every sample, as
// the oracle's did (its memory is part of what M1 measured).
import { atom, bin, int, list, tuple, type Pid, type Term } from '../core/terms.js';
import { fixtureText } from '../core/term_json.js';
import type { MemoryByCategory } from '../sim/beam/memory.js';
import type { Ctx, Proc } from '../sim/beam/process.js';
import { World } from '../sim/beam/world.js';
import { ZenCluster } from '../sim/zen/cluster.js';
import { zenTablesBytes, zenTableWords, type ZenTableWords } from '../sim/zen/memory.js';

export const A = 'a@127.0.0.1';
export const B = 'b@127.0.0.1';

export type M1Reason = 'atom' | 'bin1000' | 'list1000';

/** The fixture's reasons: `:boom`, `{:boom, <<1000 bytes>>}`, `{:boom, Enum.to_list(1..1000)}`. */
export function m1Reason(r: M1Reason): Term {
  switch (r) {
    case 'atom':
      return atom('boom');
    case 'bin1000':
      return tuple(atom('boom'), bin(fixtureText(1000)));
    case 'list1000':
      return tuple(atom('boom'), list(Array.from({ length: 1000 }, (_, i) => int(i + 1))));
  }
}

export type M1Snapshot = {
  memoryA: MemoryByCategory;
  memoryB: MemoryByCategory;
  /** process_info(:memory) of the sample subscribers (1, N/4, N/2, 3N/4, N). */
  subscribers: number[];
  /** process_info(:memory) of ZenMonitor's processes on a (0 in vanilla mode, or when there is none). */
  local: number;
  dispatcher: number;
  connector: number;
  /** process_info(:memory) of the sampler (0 before it starts). */
  sampler: number;
  /** ets:info(T, memory) of ZenMonitor's tables on a and b, words. */
  tablesA: ZenTableWords | undefined;
  tablesB: ZenTableWords | undefined;
  /** zenTablesBytes of a: what node a counts in its `ets`. */
  tablesBytesA: number | undefined;
};

export type M1Run = {
  before: M1Snapshot;
  after: M1Snapshot;
  settled: M1Snapshot;
  downs: number;
  lastDownMs: number;
};

const CRASH = atom('crash');
const MONITOR = atom('monitor');
const SAMPLE = atom('sample');
/** `:erlang.memory()`: a list of 11 `{key, bytes}` pairs, flat (cons 2, tuple 3 each). */
const SAMPLE_WORDS = 11 * (2 + 3);

export function runM1(mode: 'vanilla' | 'zen', n: number, reason: M1Reason, seed = 1): M1Run {
  const w = new World({ seed });
  w.addNode(A, { schedulers: 2 });
  w.addNode(B, { schedulers: 2 });
  const zen = mode === 'zen' ? new ZenCluster(w) : undefined;
  zen?.start(A);
  zen?.start(B);
  const run = (ms: number) => w.kernel.run({ untilUs: w.nowUs + ms * 1000 });
  w.net.ensureConnected(A, B);
  run(100);
  const why = m1Reason(reason);
  const target = w.spawn(B, { handle: (ctx, msg) => (msg === CRASH ? ctx.stop(why) : undefined) });
  let downs = 0;
  let lastDownUs = 0;
  const subscriber = {
    handle(ctx: Ctx, msg: unknown) {
      if (msg === MONITOR) {
        if (zen !== undefined) zen.monitor(ctx, target);
        else ctx.monitor(target);
      } else if ((msg as { kind?: unknown }).kind === 'DOWN') {
        ctx.keep();
        downs++;
        lastDownUs = ctx.nowUs();
      }
    },
  };
  const subs = Array.from({ length: n }, () => w.spawn(A, subscriber));
  const samples = [0, n / 4, n / 2, (3 * n) / 4, n - 1].map((i) => subs[Math.floor(i)] as Pid);
  let sampler: Pid | undefined;
  const info = (p: Proc | undefined) => (p !== undefined ? w.mem.processInfoBytes(p) : 0);
  const snap = (): M1Snapshot => {
    const appA = zen?.app(A);
    const connector = appA?.connectors.get(B);
    const zenB = zen?.app(B);
    return {
      memoryA: w.node(A).memory(),
      memoryB: w.node(B).memory(),
      subscribers: samples.map((p) => info(w.proc(p))),
      local: info(w.node(A).registered.get('ZenMonitor.Local')),
      dispatcher: info(w.node(A).registered.get('ZenMonitor.Local.Dispatcher')),
      connector: info(connector !== undefined ? w.alive(connector) : undefined),
      sampler: info(sampler !== undefined ? w.alive(sampler) : undefined),
      tablesA: appA !== undefined ? zenTableWords(appA, w.cost) : undefined,
      tablesB: zenB !== undefined ? zenTableWords(zenB, w.cost) : undefined,
      tablesBytesA: appA !== undefined ? zenTablesBytes(appA, w.cost) : undefined,
    };
  };
  const collectAll = () => {
    for (const node of [A, B]) w.forEachLiveOn(w.node(node), (p) => void w.mem.collect(p));
    run(200);
  };
  run(100);
  collectAll();
  const before = snap();
  for (const s of subs) w.send(s, MONITOR);
  run(1000);
  collectAll();
  const after = snap();
  let samplesKept = 0;
  sampler = w.spawn(A, {
    init: (ctx) => void ctx.sendAfter(10, SAMPLE),
    handle(ctx) {
      samplesKept++;
      ctx.holdState(samplesKept * SAMPLE_WORDS);
      ctx.sendAfter(10, SAMPLE);
    },
  });
  run(200);
  w.send(target, CRASH, A);
  w.kernel.run({ until: () => downs >= n, untilUs: w.nowUs + 30_000_000 });
  const lastDownMs = lastDownUs / 1000;
  run(1000);
  const settled = snap();
  w.exit(sampler, atom('kill'));
  return { before, after, settled, downs, lastDownMs };
}
