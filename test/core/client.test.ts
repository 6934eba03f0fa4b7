// The client API (ZenMonitor.monitor/demonitor/compatibility/connect) run inside a
// calling process, as plain values: table writes and the effects it returns.
// Test names mirror upstream test/local/local_test.exs, test/black_box_test.exs and the
// compatibility tests of test/local/connector_test.exs where one exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batcherStep, initBatcher } from '../../core/batcher.js';
import * as client from '../../core/client.js';
import { connectorStep, initConnector } from '../../core/connector.js';
import { dispatcherStep, initDispatcher } from '../../core/dispatcher.js';
import { initLocal, localStep } from '../../core/local.js';
import { initProxy, proxyStep } from '../../core/proxy.js';
import type { Effect } from '../../core/effects.js';
import { namedTarget, type MonitorMsg, type Target } from '../../core/messages.js';
import type { Op } from '../../core/ops.js';
import { atom, int, list, tuple, type Ref, type Term } from '../../core/terms.js';
import { A, B, C, TestEnv, effectsOf, noMetrics, pid, ref, runStep } from './zen_fixtures.js';

// The client functions run by hand against `env` (zen_fixtures' runStep).
function monitor(env: TestEnv, target: Term): { ref: Ref; effects: Effect[] } {
  const ran = runStep(client.monitor(env, target), env);
  return { ref: ran.value as Ref, effects: ran.effects };
}

function demonitor(env: TestEnv, r: Ref, opts: client.DemonitorOption[] = []): { result: boolean; effects: Effect[] } {
  const ran = runStep(client.demonitor(env, r, opts), env);
  return { result: ran.value as boolean, effects: ran.effects };
}

function compatibilityForNode(env: TestEnv, node: string): string | undefined {
  return runStep(client.compatibilityForNode(env, node), env).value;
}

function compatibility(env: TestEnv, target: Target): string | undefined {
  return runStep(client.compatibility(env, target), env).value;
}

function cachedCompatibility(env: TestEnv, node: string): unknown {
  return runStep(client.cachedCompatibility(env, node), env).value;
}

function monitorEffects(env: TestEnv, node: string, target: Target, r: Ref, withSubscriber: boolean): Effect[] {
  const effects: Effect[] = [
    { kind: 'metric', name: 'zen_monitor.local.monitor', value: 1 },
    { kind: 'cast_connector', node, msg: { kind: 'monitor', target, ref: r, subscriber: env.self } },
  ];
  if (withSubscriber) {
    effects.push({ kind: 'send_named', name: 'ZenMonitor.Local', node: env.node, msg: { kind: 'monitor_subscriber', subscriber: env.self } });
  }
  return effects;
}

test('monitor inserts the reference row, casts to the target node Connector and asks Local to monitor the caller', () => {
  const env = new TestEnv(A);
  const target = pid(B);
  const { ref: r, effects } = monitor(env, target);
  assert.equal(r, env.made[0]);
  assert.equal(effects, monitorEffects(env, B, target, r, true));
  // The row is the cast's message (one object for the References row and the Connector's).
  assert.equal(env.tables.references.get(env.self, r), { kind: 'monitor', target, ref: r, subscriber: env.self });
});

test("monitor performs its operations in upstream's order (the row before the cast, the subscriber read after it), then stays done", () => {
  const env = new TestEnv(A);
  const step = client.monitor(env, pid(B));
  const ran = runStep(step, env);
  assert.equal(
    ran.ops.map((op) => op.kind),
    ['metric', 'references.insert', 'cast_connector', 'subscribers.member', 'send_named'],
  );
  // The step is its own result object (ops.ts StepOut): its `done` and `value` are the result.
  const end = step.next(undefined);
  assert.equal({ done: end.done, value: end.value }, { done: true, value: ran.value });
  env.tables.localSubscribers.insertNew(env.self);
  assert.equal(
    runStep(client.monitor(env, pid(B)), env).ops.map((op) => op.kind),
    ['metric', 'references.insert', 'cast_connector', 'subscribers.member'],
  );
});

/** An env that also hands out a ref's uid alone (as the runtime's: sim/zen/env.ts ProcessEnv), `made` recording the ref each stands for. */
class UidEnv extends TestEnv {
  private uids = 1_000_000;

  override makeRef(): Ref {
    const r: Ref = { t: 'ref', uid: this.uids++, node: this.node, alias: false };
    this.made.push(r);
    return r;
  }

  makeRefUid(): number {
    return this.makeRef().uid;
  }
}

test('MonitorsDropping runs monitor\'s operations for each target in turn, rows equal to its, and returns no ref', () => {
  for (const makeEnv of [() => new TestEnv(A), () => new UidEnv(A)]) {
    const dropping = makeEnv();
    const plainEnv = makeEnv();
    const steps = new client.MonitorsDropping(dropping);
    const targets = [pid(B), pid(B), pid(C), namedTarget('x', B)];
    for (const [i, target] of targets.entries()) {
      const ran = runStep(steps.of(target), dropping);
      const expected = runStep(client.monitor(plainEnv, target), plainEnv);
      assert.is(ran.value, undefined);
      assert.equal(ran.ops.map((op) => op.kind), expected.ops.map((op) => op.kind));
      const r = dropping.made[i] as Ref;
      const row = dropping.tables.references.get(dropping.self, r) as MonitorMsg;
      assert.equal({ kind: row.kind, target: row.target, ref: row.ref, subscriber: row.subscriber }, { kind: 'monitor', target, ref: r, subscriber: dropping.self });
      // The References row is the cast's message, as monitor's.
      const cast = ran.ops[2] as Extract<Op, { kind: 'cast_connector' }>;
      assert.is(cast.msg, row);
      assert.is(cast.node, (expected.ops[2] as Extract<Op, { kind: 'cast_connector' }>).node);
    }
    assert.is(dropping.tables.references.size, targets.length);
  }
});

test('MonitorsDropping hands its operations over, and ends, in results none of which is frozen (a frozen result has a map of its own: ops.ts ENDED)', () => {
  const env = new UidEnv(A);
  const steps = new client.MonitorsDropping(env);
  for (const target of [pid(B), pid(C)]) {
    const it = steps.of(target);
    let r = it.next(undefined);
    const results: unknown[] = [r];
    while (r.done !== true) {
      r = it.next(r.value.kind === 'subscribers.member' ? true : undefined);
      results.push(r);
    }
    assert.ok(results.length > 1);
    for (const x of results) assert.not.ok(Object.isFrozen(x));
  }
});

test('monitor asks for monitor_subscriber only while the caller is not in the subscriber set', () => {
  const env = new TestEnv(A);
  monitor(env, pid(B));
  const again = monitor(env, pid(B));
  assert.is(again.effects.filter((e) => e.kind === 'send_named').length, 1); // Local has not run yet
  env.tables.localSubscribers.insertNew(env.self);
  const target = pid(B);
  const third = monitor(env, target);
  assert.equal(third.effects, monitorEffects(env, B, target, third.ref, false));
});

test('monitor routes each destination to the Connector of its node (the local node included)', () => {
  const env = new TestEnv(A);
  env.tables.localSubscribers.insertNew(env.self);
  const cases: [Target, string][] = [
    [pid(A), A],
    [pid(C), C],
    [atom('registered'), A],
    [namedTarget('worker', B), B],
  ];
  for (const [target, node] of cases) {
    const { ref: r, effects } = monitor(env, target);
    assert.equal(effects, monitorEffects(env, node, target, r, false));
  }
  assert.is(env.tables.references.size, 4);
});

test('monitor accepts any term, as upstream: a malformed one is recorded and sent to the Connector of this node (its Proxy will crash on it)', () => {
  const env = new TestEnv(A);
  env.tables.localSubscribers.insertNew(env.self);
  const cases: [Term, string][] = [
    [int(42), A],
    [tuple(atom('a'), atom('b'), atom('c')), A],
    [ref(), A],
    [tuple(int(7), atom(B)), B], // find_node/1 takes the second element of any 2-tuple
  ];
  for (const [target, node] of cases) {
    const { ref: r, effects } = monitor(env, target);
    assert.equal(effects, monitorEffects(env, node, target, r, false));
  }
  assert.is(env.tables.references.size, 4);
});

test('monitor of a 2-tuple whose node is not an atom crashes the caller in Connector.get_for_node/1, after its References row is in', () => {
  const env = new TestEnv(A);
  const target = tuple(atom('name'), int(1));
  const ran = runStep(client.monitor(env, target), env);
  assert.equal(ran.effects.at(-1), {
    kind: 'raise',
    reason: tuple(atom('function_clause'), list([tuple(atom('Elixir.ZenMonitor.Local.Connector'), atom('get_for_node'), list([int(1)]), list([]))])),
  });
  assert.not.ok(ran.effects.some((e) => e.kind === 'send_named' || e.kind === 'cast_connector'), 'nothing is cast');
  assert.is(env.tables.references.size, 1, 'the row stays: nothing will ever take it');
  assert.is(compatibility(env, target), 'incompatible');
});

test('Demonitoring a reference demonitored references are consumed from the references table', () => {
  const env = new TestEnv(A);
  const target = pid(B);
  const { ref: r } = monitor(env, target);
  assert.ok(env.tables.references.has(env.self, r));
  const { result, effects } = demonitor(env, r);
  assert.is(result, true);
  assert.not.ok(env.tables.references.has(env.self, r));
  assert.equal(effects, [
    { kind: 'metric', name: 'zen_monitor.local.demonitor', value: 1 },
    { kind: 'cast_connector', node: B, msg: { kind: 'demonitor', target, ref: r } },
  ]);
});

test('Demonitoring a reference demonitor without flush does not clear already delivered :DOWN message', () => {
  const env = new TestEnv(A);
  const { result, effects } = demonitor(env, ref());
  assert.is(result, true);
  assert.equal(noMetrics(effects), []);
});

test('Demonitoring a reference demonitor with flush will clear already delivered :DOWN message', () => {
  const env = new TestEnv(A);
  const r = ref();
  assert.equal(noMetrics(demonitor(env, r, ['flush']).effects), [{ kind: 'flush_down', ref: r }]);
  assert.equal(noMetrics(demonitor(env, r, ['info', 'flush']).effects), [{ kind: 'flush_down', ref: r }]);
  assert.equal(noMetrics(demonitor(env, r, ['info']).effects), []);
});

test('demonitor with flush of a ref still monitored only demonitors (the DOWN cannot have been sent)', () => {
  const env = new TestEnv(A);
  const target = pid(B);
  const { ref: r } = monitor(env, target);
  assert.equal(noMetrics(demonitor(env, r, ['flush']).effects), [
    { kind: 'cast_connector', node: B, msg: { kind: 'demonitor', target, ref: r } },
  ]);
});

test('demonitor touches only its own ref', () => {
  const env = new TestEnv(A);
  const target = pid(B);
  const a = monitor(env, target).ref;
  const b = monitor(env, target).ref;
  demonitor(env, a, ['flush']);
  assert.ok(env.tables.references.has(env.self, b));
  // Another process cannot demonitor the caller's ref.
  const other = env.as(pid(A));
  assert.equal(noMetrics(demonitor(other, b).effects), []);
  assert.ok(env.tables.references.has(env.self, b));
});

test('Compatibility checking all nodes start off incompatible', () => {
  const env = new TestEnv(A);
  assert.is(compatibilityForNode(env, B), 'incompatible');
  assert.is(compatibility(env, pid(B)), 'incompatible');
  assert.is(cachedCompatibility(env, B), 'miss');
});

test('Compatibility For Node: only a :compatible row reads compatible', () => {
  const env = new TestEnv(A);
  env.nowMs = 5_000;
  env.tables.nodes.set(B, { kind: 'compatible' });
  env.tables.nodes.set(C, { kind: 'unavailable' });
  assert.is(compatibilityForNode(env, B), 'compatible');
  assert.is(compatibility(env, namedTarget('worker', B)), 'compatible');
  assert.is(compatibilityForNode(env, C), 'incompatible');
  assert.is(cachedCompatibility(env, C), 'unavailable');
  env.tables.nodes.set(C, { kind: 'incompatible', enforceUntilMs: 6_000, attempt: 2 });
  assert.is(cachedCompatibility(env, C), 'incompatible');
  env.nowMs = 6_001;
  assert.equal(cachedCompatibility(env, C), { expired: 2 });
  assert.is(compatibilityForNode(env, C), 'incompatible');
});

test('connect calls the Connector of the node, blocks, and reads its reply', () => {
  const env = new TestEnv(A);
  const ran = runStep(client.connect(B), env);
  assert.equal(ran.effects, [{ kind: 'call_connector', node: B, msg: { kind: 'connect' }, timeoutMs: 5000 }]);
  assert.is(ran.value, undefined);
  assert.is(ran.resume({ ok: atom('compatible') }).value, 'compatible');
  assert.is(runStep(client.connect(B), env).resume({ ok: atom('incompatible') }).value, 'incompatible');
  // A call that exits ends the caller with GenServer.call's exit (the runtime wraps the reason): a raise, never answered.
  const exit = tuple(atom('timeout'), tuple(atom('Elixir.GenServer'), atom('call'), list([pid(A), atom('connect'), int(5000)])));
  const crashed = runStep(client.connect(B), env).resume({ exit });
  assert.equal(crashed.effects.at(-1), { kind: 'raise', reason: exit });
  assert.is(crashed.value, undefined);
  assert.is(client.connectResult({ ok: atom('compatible') }), 'compatible');
  assert.is(client.connectResult({ ok: atom('incompatible') }), 'incompatible');
  assert.throws(() => client.connectResult({ ok: atom('maybe') }), /unexpected reply :maybe/);
});

test('monitor inserts its row before the cast and reads the subscriber set after it (its operations in order)', () => {
  const env = new TestEnv(A);
  const target = pid(B);
  const ran = runStep(client.monitor(env, target), env);
  assert.equal(ran.ops.map((o) => o.kind), ['metric', 'references.insert', 'cast_connector', 'subscribers.member', 'send_named']);
  const again = runStep(client.demonitor(env, ran.value as Ref, ['flush']), env);
  assert.equal(again.ops.map((o) => o.kind), ['metric', 'references.take', 'cast_connector']);
});

// --- the whole path of one remote death, stepped by hand (no simulator) ---------------------

function only<K extends Effect['kind']>(effects: Effect[], kind: K): Extract<Effect, { kind: K }> {
  const found = effects.filter((e): e is Extract<Effect, { kind: K }> => e.kind === kind);
  assert.is(found.length, 1, `one ${kind} effect in ${JSON.stringify(effects.map((e) => e.kind))}`);
  return found[0]!;
}

test('Monitoring a remote process on a compatible node remote process returns a :DOWN message if it goes down', () => {
  const subEnv = new TestEnv(A);
  subEnv.connected.add(B);
  const target = pid(B);
  const { ref: r, effects } = monitor(subEnv, target);

  // Node A: Local monitors the subscriber; the Connector for B queues and sweeps.
  const localEnv = subEnv.as(pid(A));
  const local = initLocal(localEnv).state;
  effectsOf(localStep(local, { kind: 'monitor_subscriber', subscriber: subEnv.self }, localEnv), localEnv);
  const connectorEnv = subEnv.as(pid(A));
  const connector = initConnector(B, connectorEnv).state;
  effectsOf(connectorStep(connector, only(effects, 'cast_connector').msg, connectorEnv), connectorEnv);
  const sweep = runStep(connectorStep(connector, { kind: 'sweep' }, connectorEnv), connectorEnv);
  only(sweep.effects, 'call');
  const swept = sweep.resume({ ok: atom('pong') }).effects;
  const subscribe = only(swept, 'send_named');

  // Node B: the Proxy subscribes and monitors; the target dies; the Batcher sweeps.
  const proxyEnv = new TestEnv(B);
  const proxy = initProxy(proxyEnv).state;
  assert.is(subscribe.msg.kind, 'process');
  effectsOf(proxyStep(proxy, subscribe.msg as Parameters<typeof proxyStep>[1], proxyEnv), proxyEnv);
  const toBatcher = only(effectsOf(proxyStep(proxy, { kind: 'DOWN', ref: ref(B), object: target, reason: atom('killed') }, proxyEnv), proxyEnv), 'cast_batcher');
  const batcherEnv = proxyEnv.as(pid(B));
  const batcher = initBatcher(toBatcher.connector, batcherEnv).state;
  effectsOf(batcherStep(batcher, toBatcher.msg, batcherEnv), batcherEnv);
  const dead = only(effectsOf(batcherStep(batcher, { kind: 'sweep' }, batcherEnv), batcherEnv), 'send');
  assert.is(dead.to, connectorEnv.self);

  // Node A: the Connector fans out, Local queues, the Dispatcher delivers.
  const enqueued = only(effectsOf(connectorStep(connector, dead.msg as Parameters<typeof connectorStep>[1], connectorEnv), connectorEnv), 'send_named');
  effectsOf(localStep(local, enqueued.msg as Parameters<typeof localStep>[1], localEnv), localEnv);
  const dispatcherEnv = subEnv.as(pid(A));
  const dispatcher = initDispatcher(localEnv.self, dispatcherEnv).state;
  const asked = only(effectsOf(dispatcherStep(dispatcher, { kind: 'generate_demand' }, dispatcherEnv), dispatcherEnv), 'send');
  const delivered = only(effectsOf(localStep(local, asked.msg as Parameters<typeof localStep>[1], localEnv), localEnv), 'send');
  const sent = noMetrics(effectsOf(dispatcherStep(dispatcher, delivered.msg as Parameters<typeof dispatcherStep>[1], dispatcherEnv), dispatcherEnv));
  assert.equal(sent, [{ kind: 'send', to: subEnv.self, msg: { kind: 'DOWN', ref: r, object: target, reason: tuple(atom('zen_monitor'), atom('killed')) } }]);
  assert.is(subEnv.tables.references.size, 0);
});

test.run();
