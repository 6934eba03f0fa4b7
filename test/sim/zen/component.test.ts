// ZenMonitor's runtime (sim/zen/component.ts) performs each operation a step yields at the
// CPU time the process reaches it: table reads and writes race with the node's other
// processes as upstream's ETS calls do, each costs `etsOpUs`, and a call blocks its
// caller. Driven through the client API, timed (a generator handler) and plain.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { namedTarget } from '../../../core/messages.js';
import { atom, type Pid } from '../../../core/terms.js';
import { ENDED } from '../../../core/ops.js';
import { defaultCostModel } from '../../../sim/beam/cost.js';
import { SYNC } from '../../../sim/zen/component.js';
import { sleeper } from '../helpers.js';
import { A, B, C, cluster, Probe, runForMs, zenDown } from './harness.js';

const FAST = { connector_sweep_interval: 10, batcher_sweep_interval: 10, demand_interval: 10 };

/** Counts the messages of `kind` delivered to `to` from now on. */
function countDeliveries(world: ReturnType<typeof cluster>['world'], to: Pid, kind: string): { n: number } {
  const c = { n: 0 };
  const before = world.onDeliver;
  world.onDeliver = (p, msg, node) => {
    before?.(p, msg, node);
    if (p.pid === to && (msg as { kind?: unknown }).kind === kind) c.n++;
  };
  return c;
}

test("monitor from a generator handler asks Local to monitor the caller only until Local has inserted it; from a plain handler, once per monitor", () => {
  const { world, zen } = cluster({ cost: defaultCostModel });
  const local = zen.pidOf(A, 'local') as Pid;
  const targets = Array.from({ length: 2000 }, () => world.spawn(B, sleeper));
  const timed = new Probe(world, zen, A);
  const casts = countDeliveries(world, local, 'monitor_subscriber');
  timed.runTimed(function* (ctx) {
    for (const t of targets) yield* zen.timed.monitor(ctx, t);
  });
  runForMs(world, 10);
  // Local inserts the caller about 2 µs after the first cast reaches it; the loop makes a
  // monitor every ~1.4 µs, so a few casts go out before the caller sees the row.
  assert.ok(casts.n >= 1 && casts.n <= 5, `${casts.n} monitor_subscriber casts`);
  const plain = new Probe(world, zen, A);
  const plainCasts = countDeliveries(world, local, 'monitor_subscriber');
  plain.run((ctx) => targets.forEach((t) => zen.monitor(ctx, t)));
  runForMs(world, 10);
  assert.is(plainCasts.n, 2000, 'a plain handler reads the subscriber set as its handling began');
  assert.is(zen.app(A)?.tables.references.size, 4000);
});

// A cast finds its Connector through the registry's table once and keeps the answer
// (component.ts connectorFor) while nothing that could change it has happened.
test('each monitor cast reaches the Connector the registry holds for its remote: alternating remotes, and after a Connector dies and another starts', () => {
  const { world, zen } = cluster({ nodes: [A, B, C], cost: defaultCostModel });
  const sub = new Probe(world, zen, A);
  const on = { [B]: Array.from({ length: 6 }, () => world.spawn(B, sleeper)), [C]: Array.from({ length: 6 }, () => world.spawn(C, sleeper)) };
  const app = zen.app(A);
  assert.ok(app !== undefined);
  // Each monitor cast delivered, counted by the Connector that got it, against the one the registry holds now.
  const got = new Map<number, number>();
  const before = world.onDeliver;
  world.onDeliver = (p, msg, node) => {
    before?.(p, msg, node);
    if ((msg as { kind?: unknown }).kind === 'monitor') got.set(p.pid.uid, (got.get(p.pid.uid) ?? 0) + 1);
  };
  const monitor = (remote: typeof B | typeof C, i: number): void => {
    sub.run((ctx) => void zen.monitor(ctx, on[remote][i] as Pid));
    runForMs(world, 5);
  };
  const connector = (remote: string): Pid => app.connectors.get(remote) as Pid;
  for (let i = 0; i < 3; i++) {
    monitor(B, i);
    monitor(C, i);
  }
  const [b1, c1] = [connector(B), connector(C)];
  assert.equal([got.get(b1.uid), got.get(c1.uid)], [3, 3], 'casts alternating between two remotes each reach their own Connector');
  // The last cast before the death and the first after it are both for b.
  monitor(B, 3);
  world.exit(b1, atom('kill'));
  runForMs(world, 5);
  monitor(B, 4);
  monitor(B, 5);
  const b2 = connector(B);
  assert.ok(b2 !== undefined && b2.uid !== b1.uid, 'a new Connector for b');
  assert.equal([got.get(b1.uid), got.get(b2.uid), got.get(c1.uid)], [4, 2, 3], 'casts after the death reach the new Connector');
});

test("a monitor's read of the Connector registry costs etsOpUs whether the Connector is found or kept", () => {
  const { world, zen } = cluster({ cost: { etsOpUs: 2 } });
  const sub = new Probe(world, zen, A);
  const targets = [0, 1, 2].map(() => world.spawn(B, sleeper));
  sub.run((ctx) => void zen.monitor(ctx, targets[0] as Pid)); // starts b's Connector
  runForMs(world, 5);
  const cpu = sub.run((ctx) =>
    [1, 2].map((i) => {
      const from = ctx.nowUs();
      zen.monitor(ctx, targets[i] as Pid);
      return ctx.nowUs() - from;
    }),
  );
  // The first found in the table (a row was written since the last look), the second kept.
  assert.equal(cpu, [cpu[0], cpu[0]]);
  assert.ok((cpu[0] as number) > 2, `${cpu[0]} µs`);
});

test('a subscriber killed while paused in its monitor loop makes no more monitors', () => {
  const { world, zen } = cluster({ cost: defaultCostModel });
  const targets = Array.from({ length: 1000 }, () => world.spawn(B, sleeper));
  const sub = new Probe(world, zen, A);
  let monitored = 0;
  world.at(world.nowUs + 300, () => world.exit(sub.pid, atom('kill')));
  assert.throws(
    () =>
      sub.runTimed(function* (ctx) {
        for (const t of targets) {
          yield* zen.timed.monitor(ctx, t);
          monitored++;
        }
      }, 5),
    /did not return/,
  );
  assert.ok(monitored > 0 && monitored < 1000, `${monitored} monitors made before the kill`);
  assert.is(world.alive(sub.pid), undefined);
});

test('each References take and each counter increment costs etsOpUs: the Dispatcher handles a batch of n DOWNs in (n + 2) × etsOpUs (other costs zero)', () => {
  const { world, zen } = cluster({ zen: FAST, cost: { etsOpUs: 2 } });
  const dispatcher = zen.pidOf(A, 'dispatcher') as Pid;
  const durations: number[] = [];
  world.onSlice = (p, _start, dur, msg) => {
    if (p.pid === dispatcher && (msg as { kind?: unknown }).kind === 'events') durations.push(dur);
  };
  const probe = new Probe(world, zen, A);
  const targets = [0, 1, 2].map(() => world.spawn(B, sleeper));
  const refs = probe.runTimed(function* (ctx) {
    const out = [];
    for (const t of targets) out.push(yield* zen.timed.monitor(ctx, t));
    return out;
  }).value;
  runForMs(world, 50);
  for (const t of targets) world.exit(t, atom('kill'), B);
  runForMs(world, 50);
  assert.equal(
    probe.downMsgs().map((d) => d.ref),
    refs,
  );
  // Three takes, and the batch's two instruments increments (events.delivered, events.processed).
  assert.equal(durations, [(3 + 2) * 2]);
  assert.equal(probe.downMsgs()[0], zenDown(refs[0]!, targets[0]!, 'killed'));
});

test('timed.connect blocks the caller until its Connector replies: :compatible for a ZenMonitor node, :incompatible for one without', () => {
  const { world, zen } = cluster({ nodes: [A, B, C], without: [C], zen: FAST, cost: defaultCostModel });
  const probe = new Probe(world, zen, A);
  const start = world.nowUs;
  const b = probe.runTimed(function* (ctx) {
    return yield* zen.timed.connect(ctx, B);
  });
  assert.is(b.value, 'compatible');
  assert.ok(b.at > start + 2 * world.net.config.latencyUs, 'after a ping round trip to b');
  assert.is(probe.runTimed((ctx) => zen.timed.connect(ctx, C)).value, 'incompatible');
  assert.is(probe.runTimed((ctx) => zen.timed.compatibilityForNode(ctx, B)).value, 'compatible');
  assert.is(probe.runTimed((ctx) => zen.timed.compatibility(ctx, namedTarget('worker', C))).value, 'incompatible');
  assert.equal(probe.log, [], 'the probe handled no message meanwhile');
});

test('a component lets go of its step once it has ended: the Proxy keeps no run of instructions between messages', () => {
  const { world, zen } = cluster({ zen: FAST });
  const probe = new Probe(world, zen, A);
  for (let i = 0; i < 20; i++) probe.monitor(world.spawn(B, sleeper));
  runForMs(world, 50);
  assert.is(zen.app(B)?.tables.proxySubscribers.size, 20, 'the Proxy has handled the instructions');
  // Its behaviour (started by its supervisor: wrapped, `b`) holds the StepRun of its steps.
  type Runs = { run?: { step?: unknown }; b?: Runs };
  const behaviour = world.proc(zen.pidOf(B, 'proxy') as Pid)?.behaviour as unknown as Runs;
  const run = (behaviour.b ?? behaviour).run;
  assert.ok(run !== undefined, 'the Proxy has run a step');
  assert.is(run.step, undefined);
});

test("the runtime's synchronisation point is of the one shape of a written-out step's results (core/ops.ts StepOut): own keys done then value, unfrozen, as ENDED", () => {
  for (const r of [SYNC, ENDED]) {
    assert.equal(Object.keys(r), ['done', 'value']);
    assert.is(Object.getPrototypeOf(r), Object.prototype);
    assert.not.ok(Object.isFrozen(r));
  }
});

test.run();
