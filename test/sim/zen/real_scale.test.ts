// ZenMonitor's own tables and processes at scale against the real library (ZenMonitor
// 2.1.0, OTP 25.2.3, measured by docs/real-library/pure/scale.exs; raw files
// docs/real-library/pure/results/scale_n*_s*_t*.json), through test/scale_driver.ts: N monitors
// from S subscribers on a to T sleepers on b, away from M1's shape (N subscribers, one
// target each). Every table's `ets:info(T, :size)` and `ets:info(T, :memory)` (words) is
// exact, set up and after b's SIGKILL; `process_info(P, :memory)` of the tables' owners and
// the registries is exact, the rest within the gaps named below.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScale, type ScaleSnapshot } from '../../scale_driver.js';

type Ets = ScaleSnapshot['ets'];

/** Real `{size, memory words}` per table, once the monitors are set up (`quiet`). */
const REAL_QUIET: Record<string, Ets> = {
  // 1000 monitors: 10 subscribers, each monitoring all of 100 targets.
  n1000_s10_t100: {
    references: [1000, 18133], nodes: [1, 1368], localSubscribers: [10, 397], connectorMonitors: [1000, 18139],
    connectorRegistry: [1, 344], proxySubscribers: [100, 1533], proxyMonitors: [100, 905], batcherRegistry: [0, 337],
  },
  // 20000 monitors from one subscriber to 20000 targets.
  n20000_s1_t20000: {
    references: [20000, 360133], nodes: [1, 1368], localSubscribers: [1, 343], connectorMonitors: [20000, 360139],
    connectorRegistry: [1, 344], proxySubscribers: [20000, 280133], proxyMonitors: [20000, 141047], batcherRegistry: [0, 337],
  },
  // 20000 subscribers monitoring one target.
  n20000_s20000_t1: {
    references: [20000, 360133], nodes: [1, 1368], localSubscribers: [20000, 141079], connectorMonitors: [20000, 360139],
    connectorRegistry: [1, 344], proxySubscribers: [1, 147], proxyMonitors: [1, 311], batcherRegistry: [0, 337],
  },
};

const SHAPES: Record<string, readonly [number, number, number]> = {
  n1000_s10_t100: [1000, 10, 100],
  n20000_s1_t20000: [20000, 1, 20000],
  n20000_s20000_t1: [20000, 20000, 1],
};

const runs = new Map(Object.entries(SHAPES).map(([key, [n, s, t]]) => [key, runScale(n, s, t)] as const));

for (const key of Object.keys(SHAPES)) {
  test(`scale ${key}: every ZenMonitor table's size and ets:info memory once the monitors are set up, as measured`, () => {
    assert.equal((runs.get(key) as ReturnType<typeof runScale>).quiet.ets, REAL_QUIET[key]);
  });

  test(`scale ${key}: after b's SIGKILL, every DOWN delivered (a's tables emptied; Subscribers kept), as measured`, () => {
    const r = runs.get(key) as ReturnType<typeof runScale>;
    const [n, s] = SHAPES[key] as readonly [number, number, number];
    assert.is(r.downs, n);
    const subscribers = (REAL_QUIET[key] as Ets).localSubscribers;
    assert.equal(r.settledGc.ets, {
      references: [0, 133], nodes: [1, 1368], localSubscribers: subscribers, connectorMonitors: [0, 139], connectorRegistry: [1, 344],
      proxySubscribers: undefined, proxyMonitors: undefined, batcherRegistry: undefined,
    });
    assert.is(subscribers?.[0], s);
  });
}

test('process_info(:memory) of ZenMonitor\'s idle processes, collected: a proc_lib process\'s dictionary (88), each link (40), a table owner\'s process-specific data (80), as measured', () => {
  const r = runs.get('n1000_s10_t100') as ReturnType<typeof runScale>;
  // Real (n1000_s10_t100, quiet and settled_gc): ZenMonitor.Local.Tables 2848 (one link, two
  // tables), the Connectors' GenRegistry 2888 (links to its supervisor and the Connector, one
  // table), the Batchers' 2848, ZenMonitor.Proxy.Tables 2848; the Connector for b 2980 (its
  // private table, one link, its monitor of {ZenMonitor.Proxy, b} 72, its monitor_node of b
  // 60), 2848 after b's loss (no monitor left). Before this model: 2640 each, the Connector 2728.
  assert.equal(
    [r.quiet.memory.localTables, r.quiet.memory.connectorRegistry, r.quiet.memory.batcherRegistry, r.quiet.memory.proxyTables, r.quiet.memory.connector, r.settledGc.memory.connector],
    [2848, 2888, 2848, 2848, 2980, 2848],
  );
});

test('process_info(:memory) where the model is short, by what it leaves out (real, quiet)', () => {
  const r = runs.get('n1000_s10_t100') as ReturnType<typeof runScale>;
  // The Dispatcher: real 2896; GenStage's subscription monitors (Dispatcher ↔ Local, 64 at
  // each end) are not modelled.
  assert.is(r.quiet.memory.dispatcher, 2896 - 128);
  // The Proxy with 100 monitored targets: real 9448 (1 link, a private table, 100 monitors of
  // 64), zensim 104 bytes (13 heap words) under.
  assert.is(r.quiet.memory.proxy, 9448 - 104);
  // Local: real 7768 (a 376-word heap and a 376-word old heap after the collection: GenStage's
  // state), zensim a 233-word heap and the 10 subscribers' monitors, and the two GenStage monitors missing.
  const local = r.quiet.memory.local as number;
  assert.ok(local < 7768 && local > 7768 / 3, `Local ${local}`);
});

test.run();
