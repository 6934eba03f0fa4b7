// ZenCluster.reserveProxyMonitors, the capacity hint `run.timed.monitorEach` gives for a
// herd: the Proxy of the node all the targets are on makes its monitors' arrays once, at
// their size, and fills them without a copy; targets on several nodes, or on the caller's,
// reserve nothing. (That a herd set up so runs the same events: run/monitor_each.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pid } from '../../../core/terms.js';
import type { Target } from '../../../core/messages.js';
import type { World } from '../../../sim/beam/world.js';
import type { ZenCluster } from '../../../sim/zen/cluster.js';
import { sleeper } from '../helpers.js';
import { A, B, Probe, cluster, runForMs } from './harness.js';

/** The keys array of the Proxy's monitors on `node` (private to UidMap: read here to see whether it was copied). */
function proxyUids(world: World, zen: ZenCluster, node: string): Float64Array | undefined {
  const monitors = world.proc(zen.pidOf(node, 'proxy') as Pid)?.monitors;
  return (monitors as unknown as { uids: Float64Array } | undefined)?.uids;
}

test("a herd's targets, all on one other node: its Proxy's monitors are made once at their size", () => {
  const { world, zen } = cluster();
  const probe = new Probe(world, zen, A);
  const targets = world.spawnMany(B, 300, sleeper);
  const before = world.proc(zen.pidOf(B, 'proxy') as Pid)?.monitorCount() ?? 0;
  probe.run((ctx) => zen.reserveProxyMonitors(ctx, targets));
  const reserved = proxyUids(world, zen, B);
  assert.is(reserved?.length, before + 300);
  probe.runTimed((ctx) => zen.timed.connect(ctx, B));
  for (const t of targets) probe.runTimed((ctx) => zen.timed.monitor(ctx, t));
  runForMs(world, 1_000); // sweeps: the Proxy has them all
  assert.is(world.proc(zen.pidOf(B, 'proxy') as Pid)?.monitorCount(), before + 300);
  assert.is(proxyUids(world, zen, B), reserved, 'filled without a copy');
});

test('targets on several nodes, or on the caller\'s, reserve nothing', () => {
  const { world, zen } = cluster();
  const probe = new Probe(world, zen, A);
  const mixed: Target[] = [...world.spawnMany(B, 3, sleeper), ...world.spawnMany(A, 1, sleeper)];
  const uids = proxyUids(world, zen, B);
  probe.run((ctx) => zen.reserveProxyMonitors(ctx, mixed));
  assert.is(proxyUids(world, zen, B), uids);
  const local = world.spawnMany(A, 50, sleeper);
  const localUids = proxyUids(world, zen, A);
  probe.run((ctx) => zen.reserveProxyMonitors(ctx, local));
  assert.is(proxyUids(world, zen, A), localUids);
  probe.run((ctx) => zen.reserveProxyMonitors(ctx, []));
});

test.run();
