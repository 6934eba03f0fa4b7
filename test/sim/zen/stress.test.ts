// The upstream stress test (test/stress_test.exs, "Massive remote failure"; spec §11 last
// bullet) on a simulated cluster with the default cost model and network: a subscriber on
// a monitors 100,000 processes on b with throttled settings (connector 10 ms / 100,000,
// batcher 100 ms / 10, dispatcher 100 ms / 10); once every subscription is in place and
// the Connector's batch is empty, a process on a kills 10,000 of them (shuffled) over
// distribution. Within the next 1000 ms the subscriber must get between 50 and 150
// DOWNs, each for a killed target with {:zen_monitor, :killed}, none twice; nothing
// crashes. The real library measured 80 to 90 (shared/fixtures/calibration/r1_stress_replica.json).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, termEquals, type Pid } from '../../../core/terms.js';
import type { DownSignal } from '../../../sim/beam/process.js';
import { World } from '../../../sim/beam/world.js';
import { DISPATCHER, LOCAL, PROXY, ZenCluster } from '../../../sim/zen/cluster.js';
import { isDownMsg, zenReason } from './harness.js';

const A = 'a@127.0.0.1';
const B = 'b@127.0.0.1';
const STRESS_ZEN = {
  connector_sweep_interval: 10,
  connector_chunk_size: 100_000,
  batcher_sweep_interval: 100,
  batcher_chunk_size: 10,
  demand_interval: 100,
  demand_amount: 10,
};
const sleeper = { handle() {} };

type Stress = {
  world: World;
  zen: ZenCluster;
  targets: Pid[];
  got: { at: number; msg: DownSignal }[];
  subscriber: Pid;
};

/** Both nodes up and connected, `n` targets on b, all monitored from a subscriber on a and established. */
function setUp(n: number): Stress {
  const world = new World({ seed: 1 });
  world.addNode(A, { schedulers: 2 });
  world.addNode(B, { schedulers: 2 });
  const zen = new ZenCluster(world);
  zen.start(A, STRESS_ZEN);
  zen.start(B, STRESS_ZEN);
  world.net.ensureConnected(A, B);
  world.kernel.run({ untilUs: 10_000 });
  assert.ok(world.net.connected(A, B), 'a and b connected');
  const targets: Pid[] = [];
  for (let i = 0; i < n; i++) targets.push(world.spawn(B, sleeper));
  const got: { at: number; msg: DownSignal }[] = [];
  const subscriber = world.spawn(A, {
    init: (ctx) => {
      for (const t of targets) zen.monitor(ctx, t);
    },
    handle: (ctx, msg) => {
      if (isDownMsg(msg)) got.push({ at: ctx.nowUs(), msg });
    },
  });
  // As upstream: wait until the Connector has flushed every subscription to the Proxy.
  const proxyRows = () => zen.app(B)?.tables.proxySubscribers.size ?? 0;
  while (proxyRows() < n) {
    assert.ok(world.nowUs < 60_000_000, `subscriptions established by 60 s (have ${proxyRows()} of ${n})`);
    world.kernel.run({ untilUs: world.nowUs + 10_000 });
  }
  assert.is(got.length, 0, 'no DOWN before any target dies');
  return { world, zen, targets, got, subscriber };
}

/** A process on a that kills `victims` in order with :kill, over distribution, then ends. */
function stopper(world: World, victims: readonly Pid[]): Pid {
  return world.spawn(A, {
    init: (ctx) => {
      for (const v of victims) ctx.exit(v, atom('kill'));
      ctx.stop(atom('normal'));
    },
    handle() {},
  });
}

test('stress: 100,000 remote targets, 10,000 killed: 50 to 150 DOWNs in the next 1000 ms, each for a killed target', () => {
  const s = setUp(100_000);
  const { world, zen } = s;
  // Settle (the upstream test asserts an empty message queue before it kills).
  world.kernel.run({ untilUs: world.nowUs + 300_000 });
  assert.is(s.got.length, 0);
  const victims = world.rng.stream('test/victims').shuffle([...s.targets]).slice(0, 10_000);
  const killed = new Set(victims.map((p) => p.uid));
  const a = zen.app(A);
  const b = zen.app(B);
  assert.ok(a !== undefined && b !== undefined);
  const connector = a.connectors.get(B);
  assert.ok(connector !== undefined, 'a has a Connector for b');
  const triggerUs = world.nowUs;
  const stop = stopper(world, victims);
  world.kernel.run({ untilUs: triggerUs + 1_000_000 });
  const inWindow = s.got.filter((g) => g.at <= triggerUs + 1_000_000);
  const firstMs = s.got[0] === undefined ? NaN : (s.got[0].at - triggerUs) / 1000;
  console.log(`stress: ${inWindow.length} DOWNs by 1000 ms after the kill, the first at ${firstMs.toFixed(3)} ms (the real library: 80 to 90, first at 113 to 200 ms)`);
  assert.ok(inWindow.length >= 50 && inWindow.length <= 150, `50 <= ${inWindow.length} <= 150`);
  const refs = new Set<number>();
  const reason = zenReason('killed');
  for (const { msg } of s.got) {
    assert.ok(msg.object.t === 'pid' && killed.has(msg.object.uid), 'each DOWN is for a killed target');
    assert.ok(termEquals(msg.reason, reason), 'reason {:zen_monitor, :killed}');
    assert.not.ok(refs.has(msg.ref.uid), 'no ref delivered twice');
    refs.add(msg.ref.uid);
  }
  // Rate: one burst of at most demand_amount (10) per Dispatcher tick, ticks at least 100 ms apart.
  const bursts: { at: number; n: number }[] = [];
  for (const g of s.got) {
    const last = bursts.at(-1);
    if (last !== undefined && g.at - last.at < 50_000) last.n++;
    else bursts.push({ at: g.at, n: 1 });
  }
  for (const [i, b] of bursts.entries()) {
    assert.ok(b.n <= 10, `burst ${i}: ${b.n} DOWNs`);
    const prev = bursts[i - 1];
    if (prev !== undefined) assert.ok(b.at - prev.at >= 100_000, `burst ${i} ${b.at - prev.at} µs after the previous one`);
  }
  // Nothing crashed: the stopper finished, every ZenMonitor process is alive.
  assert.is(world.alive(stop), undefined, 'the stopper has finished');
  assert.ok(world.alive(connector) !== undefined, 'Connector alive');
  for (const [node, name] of [
    [A, LOCAL],
    [A, DISPATCHER],
    [B, PROXY],
  ] as const) {
    assert.ok(world.node(node).registered.get(name)?.alive === true, `${name} on ${node} alive`);
  }
  const batcher = b.batchers.get(connector.uid);
  assert.ok(batcher !== undefined && world.alive(batcher) !== undefined, 'Batcher alive');
});

test('stress: killing every one of 100,000 remote targets does not crash ZenMonitor', () => {
  const s = setUp(100_000);
  const { world, zen } = s;
  const a = zen.app(A);
  const b = zen.app(B);
  assert.ok(a !== undefined && b !== undefined);
  const connector = a.connectors.get(B) as Pid;
  const startUs = world.nowUs;
  const stop = stopper(world, s.targets);
  // Wait for the stopper to finish its job.
  while (world.alive(stop) !== undefined) {
    assert.ok(world.nowUs < 120_000_000, 'the stopper finishes');
    world.kernel.run({ untilUs: world.nowUs + 10_000 });
  }
  world.kernel.run({ untilUs: world.nowUs + 1_000_000 });
  assert.ok(world.alive(connector) !== undefined, 'Connector alive');
  assert.ok(world.node(A).registered.get(LOCAL)?.alive === true, 'Local alive');
  assert.ok(world.node(B).registered.get(PROXY)?.alive === true, 'Proxy alive');
  const batcher = b.batchers.get(connector.uid);
  assert.ok(batcher !== undefined && world.alive(batcher) !== undefined, 'Batcher alive');
  // Throttled: about 10 per 100 ms were delivered, each once.
  const ticks = Math.ceil((world.nowUs - startUs) / 100_000) + 1;
  assert.ok(s.got.length > 0 && s.got.length <= 10 * ticks, `throttled delivery: ${s.got.length} in ${ticks} ticks at most`);
  for (const { msg } of s.got) assert.ok(termEquals(msg.reason, zenReason('killed')));
  assert.is(new Set(s.got.map((g) => g.msg.ref.uid)).size, s.got.length);
});

test.run();
