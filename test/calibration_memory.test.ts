// zensim's memory against ZenMonitor 2.1.0 measured on real BEAM nodes (M1,
// shared/fixtures/calibration/m1_memory.json), through the M1 set-up reproduced in
// test/m1_driver.ts: for 1,000 and 4,000 subscribers, plain monitors and ZenMonitor, three
// exit reasons. The tolerances: per-process memory after receiving within 10%, the
// node's memory rise within 15%, ZenMonitor's per-monitor bytes within 15%. Figures are
// the fixture's medians over its three runs.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runM1, type M1Reason, type M1Run } from './m1_driver.js';

type Stat = { median: number; min: number; max: number; runs: number[] };
type Flat = Record<string, Stat>;
type Case = {
  memory_a: Record<string, Record<string, Stat>>;
  sample_subscribers: Record<string, Record<string, Stat>>;
  zen_monitor_a: Record<'after_monitors' | 'settled_1s', Flat> & { before_monitors_ets_words: Flat };
  node_b: Record<'before_monitors' | 'after_monitors', Flat>;
};
const m1 = JSON.parse(readFileSync(new URL('../../shared/fixtures/calibration/m1_memory.json', import.meta.url), 'utf8')) as {
  summary: Record<string, Case>;
};

const MODES = ['vanilla', 'zen'] as const;
const SIZES = [1000, 4000] as const;
const REASONS: M1Reason[] = ['atom', 'bin1000', 'list1000'];
type Key = `${(typeof MODES)[number]}_n${(typeof SIZES)[number]}_${M1Reason}`;

const runs = new Map<Key, M1Run>();
for (const mode of MODES) for (const n of SIZES) for (const r of REASONS) runs.set(`${mode}_n${n}_${r}`, runM1(mode, n, r));

function real(key: Key): Case {
  return m1.summary[key] as Case;
}

function within(actual: number, expected: number, fraction: number, what: string): void {
  const ok = Math.abs(actual - expected) <= fraction * Math.abs(expected);
  assert.ok(ok, `${what}: zensim ${actual.toFixed(1)}, real ${expected.toFixed(1)} (${((actual / expected - 1) * 100).toFixed(1)}%, allowed ${fraction * 100}%)`);
}

const sim = (key: Key) => runs.get(key) as M1Run;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

test('M1: every subscriber got its DOWN', () => {
  for (const [key, r] of runs) assert.is(r.downs, Number(/_n(\d+)_/.exec(key)?.[1]), key);
});

test('M1: per-process memory of a subscriber, before its DOWN and 1 s after it, within 10% (process_info: its heap, fragments, monitor)', () => {
  for (const key of runs.keys()) {
    const s = real(key).sample_subscribers;
    within(median(sim(key).after.subscribers), (s.after_monitors_before_down?.memory as Stat).median, 0.1, `${key} before its DOWN`);
    within(median(sim(key).settled.subscribers), (s.after_down_settled_1s?.memory as Stat).median, 0.1, `${key} after its DOWN`);
  }
});

/** Node a's memory rise per subscriber, from the monitors set up to 1 s after the last DOWN, in one category. */
function rise(key: Key, category: 'total' | 'ets' | 'binary' = 'total'): { sim: number; real: number } {
  const n = Number(/_n(\d+)_/.exec(key)?.[1]);
  const r = sim(key);
  return {
    sim: (r.settled.memoryA[category] - r.after.memoryA[category]) / n,
    real: (real(key).memory_a.delta_settled_1s_minus_after_monitors?.[category] as Stat).median / n,
  };
}

/**
 * The rise of what both sides model, per subscriber. Plain monitors: the whole node. With
 * ZenMonitor: less the processes the fixture does not report (its driver and sampler, which
 * moved by 0.09 to 1.0 MB from run to run), that is its processes' rise less ZenMonitor's
 * three processes and the subscribers; zensim's less its sampler.
 */
function modelledRise(key: Key): { sim: number; real: number } {
  const { sim: s, real: r } = rise(key);
  if (key.startsWith('vanilla')) return { sim: s, real: r };
  const n = Number(/_n(\d+)_/.exec(key)?.[1]);
  const c = real(key);
  const proc = (name: string) =>
    (c.zen_monitor_a.settled_1s[`${name}.memory_bytes`] as Stat).median - (c.zen_monitor_a.after_monitors[`${name}.memory_bytes`] as Stat).median;
  const zenProcs = proc('local_process') + proc('dispatcher_process') + proc('connector_process_for_b');
  const subs = (c.sample_subscribers.after_down_settled_1s?.memory as Stat).median - (c.sample_subscribers.after_monitors_before_down?.memory as Stat).median;
  const others = (c.memory_a.delta_settled_1s_minus_after_monitors?.processes as Stat).median - zenProcs - n * subs;
  return { sim: s - sim(key).settled.sampler / n, real: r - others / n };
}

/** The case the model is known to miss (README, "Model and its limits"). */
const KNOWN: Key = 'zen_n4000_list1000';

test('M1: node a memory rise from set-up to 1 s after the DOWNs within 15% of the real median (all but one case)', () => {
  for (const key of runs.keys()) {
    if (key === KNOWN) continue;
    const { sim: s, real: r } = modelledRise(key);
    within(s, r, 0.15, `${key} bytes per subscriber`);
  }
});

test('M1: plain monitors, the whole node, and ZenMonitor with 1000 subscribers and :boom or a binary, the whole node too: within 15%', () => {
  const whole: Key[] = ['vanilla_n1000_atom', 'vanilla_n1000_bin1000', 'vanilla_n1000_list1000', 'vanilla_n4000_atom', 'zen_n1000_atom', 'zen_n1000_bin1000', 'zen_n4000_atom'];
  for (const key of whole) within(rise(key).sim, rise(key).real, 0.15, `${key} bytes per subscriber, whole node`);
});

test('M1: the categories of that rise: ets (ZenMonitor rows freed) and binary (one decoded copy per DOWN, or one shared) within 15%', () => {
  for (const key of runs.keys()) {
    const ets = rise(key, 'ets');
    if (key.startsWith('zen')) within(ets.sim, ets.real, 0.15, `${key} ets`);
    const bin = rise(key, 'binary');
    if (bin.real > 100) within(bin.sim, bin.real, 0.15, `${key} binary`);
    else assert.ok(bin.sim < 2, `${key}: no binary per subscriber (${bin.sim})`);
  }
});

test('M1 known deviation: ZenMonitor, 4000 subscribers, the 1000-integer list reason: the real Dispatcher ended one heap size up', () => {
  const { sim: s, real: r } = modelledRise(KNOWN);
  within(s, r, 0.25, `${KNOWN} (known: 23% under)`);
  // With the real Dispatcher's memory in place of zensim's, the rest is within 15%.
  const dispatcherGap = ((real(KNOWN).zen_monitor_a.settled_1s['dispatcher_process.memory_bytes'] as Stat).median - sim(KNOWN).settled.dispatcher) / 4000;
  within(s + dispatcherGap, r, 0.15, `${KNOWN} with the real Dispatcher`);
});

test("M1: ZenMonitor's processes on a after the DOWNs (Local, Dispatcher, the Connector for b) within 15%", () => {
  for (const n of SIZES) {
    for (const r of REASONS) {
      const key: Key = `zen_n${n}_${r}`;
      const s = real(key).zen_monitor_a.settled_1s;
      const got = sim(key).settled;
      within(got.local, (s['local_process.memory_bytes'] as Stat).median, 0.15, `${key} Local`);
      within(got.connector, (s['connector_process_for_b.memory_bytes'] as Stat).median, 0.15, `${key} Connector`);
      if (key !== 'zen_n4000_list1000') within(got.dispatcher, (s['dispatcher_process.memory_bytes'] as Stat).median, 0.15, `${key} Dispatcher`);
    }
  }
});

test("M1: ZenMonitor's bytes per monitor on both sides within 15%: its tables' rows, Local's monitor of each subscriber", () => {
  for (const n of SIZES) {
    const key: Key = `zen_n${n}_atom`;
    const a = real(key).zen_monitor_a;
    const got = sim(key);
    const tablesA = got.after.tablesA as NonNullable<M1Run['after']['tablesA']>;
    const before = got.before.tablesA as NonNullable<M1Run['after']['tablesA']>;
    const sum = (t: object) => Object.values(t).reduce((x: number, y: number) => x + y, 0);
    assert.is(got.after.tablesBytesA, 8 * sum(tablesA), 'the tables\' bytes the node counts are their words summed');
    const perRow = (name: string, simWords: number, simBefore: number) => {
      const after = (a.after_monitors[`ets.${name}.memory_words`] as Stat).median;
      const empty = (a.before_monitors_ets_words[name] as Stat | undefined)?.median ?? (a.settled_1s[`ets.${name}.memory_words`] as Stat).median;
      within((8 * (simWords - simBefore)) / n, (8 * (after - empty)) / n, 0.15, `${key} ${name} bytes per row`);
    };
    perRow('ZenMonitor.Local.Tables.References', tablesA.references, before.references);
    perRow('ZenMonitor.Local.Subscribers', tablesA.localSubscribers, before.localSubscribers);
    // The Connector starts with the first monitor: its empty table is the settled one's.
    perRow('Connector private monitors table (for B)', tablesA.connectorMonitors, (a.settled_1s['ets.Connector private monitors table (for B).memory_words'] as Stat).median);
    within((got.after.local - got.before.local) / n, ((a.after_monitors['local_process.memory_bytes'] as Stat).median - 4328) / n, 0.15, `${key} Local's bytes per subscriber`);
    // On b, one subscription of one target: a Proxy.Tables.Subscribers row and a private monitors row.
    const b = real(key).node_b;
    const tablesB = got.after.tablesB as NonNullable<M1Run['after']['tablesB']>;
    const bBefore = got.before.tablesB as NonNullable<M1Run['after']['tablesB']>;
    for (const [name, simRow] of [
      ['ZenMonitor.Proxy.Tables.Subscribers', tablesB.proxySubscribers - bBefore.proxySubscribers],
      ['ZenMonitor.Proxy private monitors table', tablesB.proxyMonitors - bBefore.proxyMonitors],
    ] as const) {
      const realRow = (b.after_monitors[`ets.${name}.memory_words`] as Stat).median - (b.before_monitors[`ets.${name}.memory_words`] as Stat).median;
      within(8 * simRow, 8 * realRow, 0.15, `${key} ${name} bytes per subscription`);
    }
  }
});

test.run();
