// The closed-form drain (sim/run/drain.ts) off the calibrated path: remote deaths through
// two timed stages in a row (Batcher sweeps, then Dispatcher ticks), deaths spread over
// several nodes (a Batcher per node, in parallel), and receiving nodes sharing a host's
// cores. Each expected figure is the formula worked by hand; each is within a few % of
// the simulated last DOWN (quoted), where the estimate before was 2-7x off or cut the run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fanout from '../../../scenarios/fanout.js';
import { defaultZenConfig } from '../../../core/config.js';
import { defaultCostModel } from '../../../sim/beam/cost.js';
import { defaultNetConfig } from '../../../sim/beam/net_config.js';
import { drainEstimateMs } from '../../../sim/run/drain.js';
import { runScenario } from '../../../sim/run/runner.js';

const settings = (zen: Partial<ReturnType<typeof defaultZenConfig>>) => ({
  zen: { ...defaultZenConfig(), ...zen },
  cost: { ...defaultCostModel },
  net: { ...defaultNetConfig },
});
const round2 = (x: number) => Math.round(x * 100) / 100;

test('a slow Batcher: the last DOWN follows its last sweep and that chunk\'s tick, not a first sweep plus every sweep', () => {
  // stress.ts targets=2000 killed=500, batcher 300 ms / 4, demand 7 per 40 ms (simulated last DOWN 37,634 ms).
  // 125 sweeps of 301 ms, then the last 4 DOWNs' tick (41 ms); the Connector's walk 0.75 ms, the wire 0.05 ms.
  const s = settings({ batcher_sweep_interval: 300, batcher_chunk_size: 4, demand_interval: 40, demand_amount: 7 });
  assert.is(round2(drainEstimateMs('zen', { downs: 500, downCostUs: 0, cause: 'deaths' }, s)), round2(0.05 + 0.75 + 125 * 301 + 41));
});

test('one death, a long Batcher interval: one sweep, then the whole Dispatcher drain', () => {
  // fanout.ts watchersPerNode=2000 (4 nodes), batcher 3000 ms (simulated last DOWN 3,203 ms):
  // the sweep at 3001 ms, then 2 ticks of 101 ms for each node's 2000 DOWNs.
  const s = settings({ batcher_sweep_interval: 3000 });
  const c = { downs: 8000, downCostUs: 5, cause: 'deaths', deaths: 1, receivingNodes: 4 } as const;
  assert.is(round2(drainEstimateMs('zen', c, s)), round2(0.05 + 3 + 3001 + 202));
});

test('deaths on several nodes: each node\'s Batcher sweeps its own share, in parallel', () => {
  // One subscriber, 40 deaths on each of 8 nodes, batcher chunk 5 (simulated last DOWN 883 ms):
  // 8 sweeps of 101 ms on every node at once, then the last 40 DOWNs' tick (101 ms).
  const s = settings({ batcher_chunk_size: 5 });
  const c = { downs: 320, downCostUs: 0, cause: 'deaths', sendingNodes: 8 } as const;
  assert.is(round2(drainEstimateMs('zen', c, s)), round2(0.05 + 0.48 + 8 * 101 + 101));
});

test('receiving nodes sharing a host\'s cores: their subscribers\' handling adds up over the cores', () => {
  // fanout.ts nodes=16 watchersPerNode=3000 downCostUs=300 on one core: 48,000 DOWNs of
  // 301.035 µs (receive, the DOWN's cost, its 70 bytes) on one core (simulated: 14,521 ms vanilla, 14,766 zen).
  const c = { downs: 48_000, downCostUs: 300, cause: 'deaths', deaths: 1, receivingNodes: 16, hostCores: 1 } as const;
  const handleMs = (48_000 * 301.035) / 1000;
  assert.is(round2(drainEstimateMs('vanilla', c, settings({}))), round2(0.05 + 72 + handleMs));
  assert.is(round2(drainEstimateMs('zen', c, settings({}))), round2(0.05 + 4.5 + 101 + handleMs));
  // On cores of their own each node's 3000 DOWNs are the bound, as before.
  const own = { ...c, hostCores: undefined };
  assert.is(round2(drainEstimateMs('vanilla', own, settings({}))), round2(0.05 + 72 + (3000 * 301.035) / 1000));
});

test('fanout on a shared host with more watcher nodes than cores drains, not cut at the cap', () => {
  // 16 nodes of 300 watchers, 3 ms a DOWN, one core: 14.4 s of handling; the estimate
  // without the host was ~0.97 s, a cap of ~11.9 s, and the run was cut there.
  const doc = runScenario(fanout as never, {
    seed: 1,
    params: { nodes: 16, watchersPerNode: 300, downCostUs: 3000, sharedHost: true, hostCores: 1, mode: 'vanilla' },
  });
  const r = doc.runs[0];
  assert.ok(r !== undefined);
  assert.is(r.end, 'drained');
  assert.is(r.downs.missing, 0);
  const last = r.downs.lastMs as number;
  assert.ok(last > 14_400 && last <= (r.drainEstimateMs as number) * 1.05, `last DOWN ${last} ms, estimate ${r.drainEstimateMs} ms`);
});

test.run();
