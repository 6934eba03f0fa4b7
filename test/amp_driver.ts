// The zensim side of docs/real-library/amp/amp.exs: N subscribers on a monitor one process on
// b (plain monitors or ZenMonitor) that exits with one of the reasons below; each keeps its DOWN
// in its mailbox (`keep`: blocked in a receive nothing matches) or takes it and drops it
// (`drop`). Snapshots as amp.exs took them: before (every process collected, +200 ms), arrived
// (the last DOWN in), settled (+1 s), settled_gc (a's processes collected, +200 ms); the peak
// is node a's highest memory after the trigger, sampled every 2 ms; wire: bytes b->a.
import { atom, bin, int, list, mapOf, tuple, type Pid, type Term } from '../core/terms.js';
import { fixtureText } from '../core/term_json.js';
import type { MemoryByCategory } from '../sim/beam/memory.js';
import type { Ctx, Proc } from '../sim/beam/process.js';
import { zenPair } from './zen_pair.js';

const A = 'amp_a@127.0.0.1';
const B = 'amp_b@127.0.0.1';

export type AmpReason = 'bin100k' | 'bin64' | 'bin65' | 'list10k' | 'deep' | 'rterr';
export const AMP_REASONS: readonly AmpReason[] = ['bin100k', 'bin64', 'bin65', 'list10k', 'deep', 'rterr'];

/** amp.exs's reasons: the fixtures' text of 100,000 / 64 / 65 bytes, 1..10,000, a map/tuple nest 6 deep, %RuntimeError{} with a 5,000-byte message. */
export function ampReason(name: AmpReason): Term {
  const t = (k: number) => bin(fixtureText(k));
  switch (name) {
    case 'bin100k':
      return t(100_000);
    case 'bin64':
      return t(64);
    case 'bin65':
      return t(65);
    case 'list10k':
      return list(Array.from({ length: 10_000 }, (_, i) => int(i + 1)));
    case 'deep': {
      const m = (k: string, v: Term) => mapOf([[atom(k), v]]);
      return tuple(atom('l1'), m('k2', tuple(atom('l3'), m('k4', tuple(atom('l5'), m('k6', list([int(1), int(2), int(3)])))))));
    }
    case 'rterr':
      return mapOf([
        [atom('__exception__'), atom('true')],
        [atom('__struct__'), atom('Elixir.RuntimeError')],
        [atom('message'), t(5_000)],
      ]);
  }
}

export type AmpSnapshot = {
  mem_a: MemoryByCategory;
  /** process_info(:memory) of subscriber N/2. */
  sub_mid: number;
  subs_total_memory: number;
  local: number;
  dispatcher: number;
  wire: { messages: number; bytes: number };
};

export type AmpRun = {
  lastMs: number;
  before: AmpSnapshot;
  arrived: AmpSnapshot;
  settled: AmpSnapshot;
  settled_gc: AmpSnapshot;
  peak: MemoryByCategory;
  maxes: MemoryByCategory;
};

export function runAmp(mode: 'vanilla' | 'zen', n: number, reasonName: AmpReason, keep: 'keep' | 'drop'): AmpRun {
  const { w, zen, run } = zenPair(A, B);
  const CRASH = atom('crash');
  const GO = atom('go');
  const why = ampReason(reasonName);
  const target = w.spawn(B, { handle: (ctx, msg) => (msg === CRASH ? ctx.stop(why) : undefined) });
  let downs = 0;
  const subs: Pid[] = Array.from({ length: n }, () =>
    w.spawn(A, {
      // amp.exs's subscriber is a plain receive loop that drops the monitor's ref: its
      // variables (mode, keep, counter) are immediates, so its heap holds no live data.
      heapWords: 0,
      handle(ctx: Ctx, msg: unknown) {
        if (msg === GO) {
          if (mode === 'zen') zen.monitor(ctx, target);
          else ctx.monitor(target);
          if (keep === 'keep') ctx.receive(() => false, Infinity);
        } else if ((msg as { kind?: unknown }).kind === 'DOWN') downs++;
      },
    }),
  );
  const info = (p: Proc | undefined) => (p !== undefined ? w.mem.processInfoBytes(p) : 0);
  const mid = subs[Math.floor(n / 2)] as Pid;
  const wire = () => w.net.traffic.get(`${B}->${A}`) ?? { messages: 0, bytes: 0 };
  const snap = (): AmpSnapshot => ({
    mem_a: { ...w.node(A).memory() },
    sub_mid: info(w.proc(mid)),
    subs_total_memory: subs.reduce((s, p) => s + info(w.proc(p)), 0),
    local: info(w.node(A).registered.get('ZenMonitor.Local')),
    dispatcher: info(w.node(A).registered.get('ZenMonitor.Local.Dispatcher')),
    wire: { ...wire() },
  });
  const collect = (nodes: string[]) => {
    for (const nd of nodes) w.forEachLiveOn(w.node(nd), (p) => void w.mem.collect(p));
    run(200);
  };
  for (const s of subs) w.send(s, GO);
  run(1000);
  collect([A, B]);
  const before = snap();
  let peak = { ...w.node(A).memory() };
  const maxes = { ...peak };
  const sample = () => {
    const m = w.node(A).memory();
    if (m.total > peak.total) peak = { ...m };
    for (const k of ['processes', 'system', 'ets', 'binary', 'total'] as const) maxes[k] = Math.max(maxes[k], m[k]);
  };
  w.send(target, CRASH, A);
  const t0 = w.nowUs;
  const arrivedAll = () => (keep === 'keep' ? subs.every((p) => (w.proc(p)?.mailbox.length ?? 0) >= 1) : downs >= n);
  while (!arrivedAll() && w.nowUs < t0 + 30_000_000) { w.kernel.run({ untilUs: w.nowUs + 100 }); sample(); }
  const lastMs = (w.nowUs - t0) / 1000;
  const arrived = snap();
  for (let i = 0; i < 500; i++) { run(2); sample(); }
  const settled = snap();
  collect([A]);
  const settledGc = snap();
  return { lastMs, before, arrived, settled, settled_gc: settledGc, peak, maxes };
}
