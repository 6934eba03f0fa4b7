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
import { namedTarget, type Target } from '../../core/messages.js';
import { atom, int, tuple, type Ref, type Term } from '../../core/terms.js';
import { A, B, C, TestEnv, noMetrics, pid, ref } from './zen_fixtures.js';

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
  const { ref: r, effects } = client.monitor(env, target);
  assert.equal(r, env.made[0]);
  assert.equal(effects, monitorEffects(env, B, target, r, true));
  assert.equal(env.tables.references.get(env.self, r), { subscriber: env.self, ref: r, target });
});

test('monitor asks for monitor_subscriber only while the caller is not in the subscriber set', () => {
  const env = new TestEnv(A);
  client.monitor(env, pid(B));
  const again = client.monitor(env, pid(B));
  assert.is(again.effects.filter((e) => e.kind === 'send_named').length, 1); // Local has not run yet
  env.tables.localSubscribers.insertNew(env.self);
  const target = pid(B);
  const third = client.monitor(env, target);
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
    const { ref: r, effects } = client.monitor(env, target);
    assert.equal(effects, monitorEffects(env, node, target, r, false));
  }
  assert.is(env.tables.references.size, 4);
});

test('monitor of a malformed destination throws, naming it', () => {
  const env = new TestEnv(A);
  const bad: Term[] = [int(42), tuple(atom('a'), atom('b'), atom('c')), tuple(atom('name'), int(1)), ref()];
  for (const target of bad) assert.throws(() => client.monitor(env, target), /malformed destination/);
  assert.throws(() => client.monitor(env, int(42)), /42/);
  assert.is(env.tables.references.size, 0);
});

test('Demonitoring a reference demonitored references are consumed from the references table', () => {
  const env = new TestEnv(A);
  const target = pid(B);
  const { ref: r } = client.monitor(env, target);
  assert.ok(env.tables.references.has(env.self, r));
  const { result, effects } = client.demonitor(env, r);
  assert.is(result, true);
  assert.not.ok(env.tables.references.has(env.self, r));
  assert.equal(effects, [
    { kind: 'metric', name: 'zen_monitor.local.demonitor', value: 1 },
    { kind: 'cast_connector', node: B, msg: { kind: 'demonitor', target, ref: r } },
  ]);
});

test('Demonitoring a reference demonitor without flush does not clear already delivered :DOWN message', () => {
  const env = new TestEnv(A);
  const { result, effects } = client.demonitor(env, ref());
  assert.is(result, true);
  assert.equal(noMetrics(effects), []);
});

test('Demonitoring a reference demonitor with flush will clear already delivered :DOWN message', () => {
  const env = new TestEnv(A);
  const r = ref();
  assert.equal(noMetrics(client.demonitor(env, r, ['flush']).effects), [{ kind: 'flush_down', ref: r }]);
  assert.equal(noMetrics(client.demonitor(env, r, ['info', 'flush']).effects), [{ kind: 'flush_down', ref: r }]);
  assert.equal(noMetrics(client.demonitor(env, r, ['info']).effects), []);
});

test('demonitor with flush of a ref still monitored only demonitors (the DOWN cannot have been sent)', () => {
  const env = new TestEnv(A);
  const target = pid(B);
  const { ref: r } = client.monitor(env, target);
  assert.equal(noMetrics(client.demonitor(env, r, ['flush']).effects), [
    { kind: 'cast_connector', node: B, msg: { kind: 'demonitor', target, ref: r } },
  ]);
});

test('demonitor touches only its own ref', () => {
  const env = new TestEnv(A);
  const target = pid(B);
  const a = client.monitor(env, target).ref;
  const b = client.monitor(env, target).ref;
  client.demonitor(env, a, ['flush']);
  assert.ok(env.tables.references.has(env.self, b));
  // Another process cannot demonitor the caller's ref.
  const other = env.as(pid(A));
  assert.equal(noMetrics(client.demonitor(other, b).effects), []);
  assert.ok(env.tables.references.has(env.self, b));
});

test('Compatibility checking all nodes start off incompatible', () => {
  const env = new TestEnv(A);
  assert.is(client.compatibilityForNode(env, B), 'incompatible');
  assert.is(client.compatibility(env, pid(B)), 'incompatible');
  assert.is(client.cachedCompatibility(env, B), 'miss');
});

test('Compatibility For Node: only a :compatible row reads compatible', () => {
  const env = new TestEnv(A);
  env.nowMs = 5_000;
  env.tables.nodes.set(B, { kind: 'compatible' });
  env.tables.nodes.set(C, { kind: 'unavailable' });
  assert.is(client.compatibilityForNode(env, B), 'compatible');
  assert.is(client.compatibility(env, namedTarget('worker', B)), 'compatible');
  assert.is(client.compatibilityForNode(env, C), 'incompatible');
  assert.is(client.cachedCompatibility(env, C), 'unavailable');
  env.tables.nodes.set(C, { kind: 'incompatible', enforceUntilMs: 6_000, attempt: 2 });
  assert.is(client.cachedCompatibility(env, C), 'incompatible');
  env.nowMs = 6_001;
  assert.equal(client.cachedCompatibility(env, C), { expired: 2 });
  assert.is(client.compatibilityForNode(env, C), 'incompatible');
});

test('connect calls the Connector of the node and reads its reply', () => {
  const env = new TestEnv(A);
  const { tag, effects } = client.connect(env, B);
  assert.equal(effects, [{ kind: 'call_connector', node: B, msg: { kind: 'connect' }, timeoutMs: 5000, tag }]);
  assert.is(client.connectResult({ ok: atom('compatible') }), 'compatible');
  assert.is(client.connectResult({ ok: atom('incompatible') }), 'incompatible');
  assert.throws(() => client.connectResult({ exit: atom('timeout') }), /timeout/);
  assert.ok(client.connect(env, B).tag !== tag);
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
  const { ref: r, effects } = client.monitor(subEnv, target);

  // Node A: Local monitors the subscriber; the Connector for B queues and sweeps.
  const localEnv = subEnv.as(pid(A));
  const local = initLocal(localEnv).state;
  localStep(local, { kind: 'monitor_subscriber', subscriber: subEnv.self }, localEnv);
  const connectorEnv = subEnv.as(pid(A));
  const connector = initConnector(B, connectorEnv).state;
  connectorStep(connector, only(effects, 'cast_connector').msg, connectorEnv);
  const ping = only(connectorStep(connector, { kind: 'sweep' }, connectorEnv), 'call');
  const swept = connectorStep(connector, { kind: 'call_result', tag: ping.tag, result: { ok: atom('pong') } }, connectorEnv);
  const subscribe = only(swept, 'send_named');

  // Node B: the Proxy subscribes and monitors; the target dies; the Batcher sweeps.
  const proxyEnv = new TestEnv(B);
  const proxy = initProxy(proxyEnv).state;
  assert.is(subscribe.msg.kind, 'process');
  proxyStep(proxy, subscribe.msg as Parameters<typeof proxyStep>[1], proxyEnv);
  const toBatcher = only(proxyStep(proxy, { kind: 'DOWN', ref: ref(B), object: target, reason: atom('killed') }, proxyEnv), 'cast_batcher');
  const batcherEnv = proxyEnv.as(pid(B));
  const batcher = initBatcher(toBatcher.connector, batcherEnv).state;
  batcherStep(batcher, toBatcher.msg, batcherEnv);
  const dead = only(batcherStep(batcher, { kind: 'sweep' }, batcherEnv), 'send');
  assert.is(dead.to, connectorEnv.self);

  // Node A: the Connector fans out, Local queues, the Dispatcher delivers.
  const enqueued = only(connectorStep(connector, dead.msg as Parameters<typeof connectorStep>[1], connectorEnv), 'send_named');
  localStep(local, enqueued.msg as Parameters<typeof localStep>[1], localEnv);
  const dispatcherEnv = subEnv.as(pid(A));
  const dispatcher = initDispatcher(localEnv.self, dispatcherEnv).state;
  const asked = only(dispatcherStep(dispatcher, { kind: 'generate_demand' }, dispatcherEnv), 'send');
  const delivered = only(localStep(local, asked.msg as Parameters<typeof localStep>[1], localEnv), 'send');
  const sent = noMetrics(dispatcherStep(dispatcher, delivered.msg as Parameters<typeof dispatcherStep>[1], dispatcherEnv));
  assert.equal(sent, [{ kind: 'send', to: subEnv.self, msg: { kind: 'DOWN', ref: r, object: target, reason: tuple(atom('zen_monitor'), atom('killed')) } }]);
  assert.is(subEnv.tables.references.size, 0);
});

test.run();
