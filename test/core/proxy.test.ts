// ZenMonitor.Proxy as a pure state machine: ping, subscribe/unsubscribe runs, ERTS
// monitors, and deaths turned into truncated certificates for the Batchers.
// Test names mirror upstream test/proxy/proxy_test.exs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Effect } from '../../core/effects.js';
import { namedTarget, type Instruction, type Target, type ProxyInput } from '../../core/messages.js';
import { initProxy, proxyStep as proxySteps, type ProxyState } from '../../core/proxy.js';
import { atom, list, tuple, type Pid, type Term } from '../../core/terms.js';
import { A, B, TestEnv, ertsDown, pid, ref, effectsOf, runStep } from './zen_fixtures.js';

/** The Proxy's step run by hand against `env` (zen_fixtures' runStep): its effects, in order. */
function proxyStep(state: ProxyState, input: ProxyInput, env: TestEnv): Effect[] {
  return effectsOf(proxySteps(state, input, env), env);
}

function setup(): { env: TestEnv; state: ProxyState; connector: Pid } {
  const env = new TestEnv(B);
  return { env, state: initProxy(env).state, connector: pid(A) };
}

function process(state: ProxyState, env: TestEnv, connector: Pid, ops: ['subscribe' | 'unsubscribe', Target][]): Effect[] {
  const instructions: Instruction[] = ops.map(([op, target]) => ({ op, target }));
  return proxyStep(state, { kind: 'process', connector, instructions }, env);
}

const subscribeAll = (targets: Target[]): ['subscribe', Target][] => targets.map((t) => ['subscribe', t]);

function monitoredTargets(effects: Effect[]): Target[] {
  return effects.flatMap((e) => (e.kind === 'monitor' ? [e.target] : []));
}

function enqueueTo(env: TestEnv, connector: Pid, object: Target, reason: Term): Effect {
  return { kind: 'cast_batcher', connector, msg: { kind: 'enqueue', pid: object, reason }, lookupTimeoutMs: env.config.batcher_lookup_timeout };
}

test('Ping returns :pong', () => {
  const { env, state } = setup();
  const from = { pid: pid(A), tag: ref(A) };
  assert.equal(proxyStep(state, { kind: 'ping', from }, env), [{ kind: 'reply', to: from, value: atom('pong') }]);
});

test('Process no monitors before subscription', () => {
  const env = new TestEnv(B);
  const { state, effects } = initProxy(env);
  assert.is(state.monitors.size, 0);
  assert.equal(effects, []);
});

test('Process subscriptions add entries to the subscribers table', () => {
  const { env, state, connector } = setup();
  const targets = [pid(B), pid(B), pid(B)];
  process(state, env, connector, subscribeAll(targets));
  assert.is(env.tables.proxySubscribers.size, 3);
  for (const t of targets) assert.ok(env.tables.proxySubscribers.has(t, connector));
});

test('Process multiple subscriptions to the same pid do not get additional subscriber rows', () => {
  const { env, state, connector } = setup();
  const [target] = [pid(B)];
  process(state, env, connector, subscribeAll([target!]));
  process(state, env, connector, subscribeAll([target!]));
  assert.is(env.tables.proxySubscribers.size, 1);
});

test('Process subscriptions result in processes being monitored (last-first within a run, as upstream)', () => {
  const { env, state, connector } = setup();
  const targets = [pid(B), pid(B), pid(B)];
  const effects = process(state, env, connector, subscribeAll(targets));
  assert.equal(effects, [...targets].reverse().map((target): Effect => ({ kind: 'monitor', target })));
  assert.is(env.made.length, 0, 'no ref made: the Proxy drops it');
  assert.is(state.monitors.size, 3);
});

test('Process duplicate subscriptions do not result in multiple monitors', () => {
  const { env, state, connector } = setup();
  const target = pid(B);
  assert.is(process(state, env, connector, subscribeAll([target])).length, 1);
  assert.equal(process(state, env, connector, subscribeAll([target])), []);
  assert.equal(process(state, env, pid(A), subscribeAll([target])), []); // another Connector: a row, no monitor
  assert.is(env.tables.proxySubscribers.size, 2);
});

test('Process unsubscribe removes the subscriber', () => {
  const { env, state, connector } = setup();
  const target = pid(B);
  process(state, env, connector, [['subscribe', target]]);
  assert.equal(process(state, env, connector, [['unsubscribe', target]]), []);
  assert.is(env.tables.proxySubscribers.size, 0);
});

test('Process instruction order is respected (terminal subscribed)', () => {
  const { env, state, connector } = setup();
  const target = pid(B);
  process(state, env, connector, [['unsubscribe', target], ['subscribe', target]]);
  assert.ok(env.tables.proxySubscribers.has(target, connector));
  assert.is(env.tables.proxySubscribers.size, 1);
});

test('Process instruction order is respected (terminal unsubscribed)', () => {
  const { env, state, connector } = setup();
  const target = pid(B);
  process(state, env, connector, [['subscribe', target], ['unsubscribe', target]]);
  assert.is(env.tables.proxySubscribers.size, 0);
});

test('subscribe, unsubscribe, subscribe ends subscribed with a single monitor', () => {
  const { env, state, connector } = setup();
  const target = pid(B);
  const effects = process(state, env, connector, [['subscribe', target], ['unsubscribe', target], ['subscribe', target]]);
  assert.equal(monitoredTargets(effects), [target]);
  assert.ok(env.tables.proxySubscribers.has(target, connector));
});

test('Process unsubscribe is isolated to the unsubscriber', () => {
  const { env, state, connector } = setup();
  const other = pid(A);
  const target = pid(B);
  process(state, env, connector, [['subscribe', target]]);
  process(state, env, other, [['subscribe', target]]);
  process(state, env, connector, [['unsubscribe', target]]);
  assert.ok(env.tables.proxySubscribers.has(target, other));
  assert.not.ok(env.tables.proxySubscribers.has(target, connector));
});

test('Process unsubscribe is isolated to the target', () => {
  const { env, state, connector } = setup();
  const [target, other] = [pid(B), pid(B)];
  process(state, env, connector, [['subscribe', target], ['unsubscribe', target], ['subscribe', other]]);
  assert.is(env.tables.proxySubscribers.size, 1);
  assert.ok(env.tables.proxySubscribers.has(other, connector));
});

test('Process ERTS monitors persist after unsubscribe', () => {
  const { env, state, connector } = setup();
  const target = pid(B);
  process(state, env, connector, [['subscribe', target]]);
  process(state, env, connector, [['unsubscribe', target]]);
  assert.is(env.tables.proxySubscribers.size, 0);
  assert.is(state.monitors.size, 1);
  // A later subscription reuses it: no second monitor.
  assert.equal(process(state, env, connector, [['subscribe', target]]), []);
});

test('a subscribe run inserts its rows with one table call, then monitors; a death matches, then deletes and casts row by row', () => {
  const { env, state, connector } = setup();
  const other = pid(A);
  const [t1, t2] = [pid(B), pid(B)];
  const ran = runStep(proxySteps(state, { kind: 'process', connector, instructions: [{ op: 'subscribe', target: t1 }, { op: 'subscribe', target: t2 }] }, env), env);
  assert.equal(ran.ops.map((o) => o.kind), ['proxy_subscribers.insert', 'monitor', 'monitor']);
  assert.equal(ran.ops[0], { kind: 'proxy_subscribers.insert', targets: [t2, t1], connector });
  effectsOf(proxySteps(state, { kind: 'subscribe', connector: other, targets: [t1] }, env), env);
  const died = runStep(proxySteps(state, ertsDown(ref(B), t1, atom('killed')), env), env);
  assert.equal(
    died.ops.map((o) => o.kind),
    ['proxy_subscribers.match', 'proxy_subscribers.delete', 'cast_batcher', 'proxy_subscribers.delete', 'cast_batcher'],
  );
});

test('the older {:subscribe, connector, targets} protocol subscribes in the given order', () => {
  const { env, state, connector } = setup();
  const targets = [pid(B), pid(B)];
  const effects = proxyStep(state, { kind: 'subscribe', connector, targets }, env);
  assert.equal(monitoredTargets(effects), targets);
  assert.is(env.tables.proxySubscribers.size, 2);
});

test('DOWN handling removes subscribers for the down pid', () => {
  const { env, state } = setup();
  const [c1, c2] = [pid(A), pid(A)];
  const [target, other] = [pid(B), pid(B)];
  // c2 subscribes first; certificates still go out in connector term order.
  process(state, env, c2, subscribeAll([target, other]));
  process(state, env, c1, subscribeAll([target, other]));
  const killed = atom('killed');
  const effects = proxyStep(state, ertsDown(ref(B), target, killed), env);
  assert.equal(effects, [enqueueTo(env, c1, target, killed), enqueueTo(env, c2, target, killed)]);
  assert.is(env.tables.proxySubscribers.size, 2);
  assert.ok(env.tables.proxySubscribers.has(other, c1));
  assert.ok(env.tables.proxySubscribers.has(other, c2));
  assert.is(state.monitors.size, 1);
});

test('DOWN handling truncates reasons', () => {
  const { env, state, connector } = setup();
  const target = pid(B);
  process(state, env, connector, [['subscribe', target]]);
  const reason = tuple(atom('this'), atom('is'), atom('an'), tuple(atom('especially'), tuple(atom('deeply'), tuple(atom('nested'), tuple(atom('tuple'))))));
  const expected = tuple(atom('this'), atom('is'), atom('an'), tuple(atom('especially'), tuple(atom('truncated'), atom('truncated'))));
  assert.equal(proxyStep(state, ertsDown(ref(B), target, reason), env), [enqueueTo(env, connector, target, expected)]);
});

test('the truncation depth is read from the app env at each death', () => {
  const { env, state, connector } = setup();
  const target = pid(B);
  process(state, env, connector, [['subscribe', target]]);
  env.config.truncation_depth = 1;
  const reason = list([atom('a'), list([atom('b')])]);
  const effects = proxyStep(state, ertsDown(ref(B), target, reason), env);
  assert.equal(effects, [enqueueTo(env, connector, target, list([atom('truncated'), atom('truncated')]))]);
});

test('a DOWN nobody subscribes to any more only forgets the monitor', () => {
  const { env, state, connector } = setup();
  const target = pid(B);
  process(state, env, connector, [['subscribe', target], ['unsubscribe', target]]);
  assert.equal(proxyStep(state, ertsDown(ref(B), target, atom('normal')), env), []);
  assert.is(state.monitors.size, 0);
});

test('after a death, a new subscription monitors the target again (ERTS answers :noproc)', () => {
  const { env, state, connector } = setup();
  const target = pid(B);
  process(state, env, connector, [['subscribe', target]]);
  proxyStep(state, ertsDown(ref(B), target, atom('killed')), env);
  const effects = process(state, env, connector, [['subscribe', target]]);
  assert.equal(monitoredTargets(effects), [target]);
  assert.equal(proxyStep(state, ertsDown(ref(B), target, atom('noproc')), env), [enqueueTo(env, connector, target, atom('noproc'))]);
});

test('a {name, node} subscription is matched by the {name, node} DOWN object', () => {
  const { env, state, connector } = setup();
  const target = namedTarget('worker', B);
  process(state, env, connector, [['subscribe', target]]);
  const effects = proxyStep(state, ertsDown(ref(B), namedTarget('worker', B), atom('noproc')), env);
  assert.equal(effects, [enqueueTo(env, connector, target, atom('noproc'))]);
});

test('upstream quirk: a bare-atom subscription never matches its {name, node} DOWN object', () => {
  const { env, state, connector } = setup();
  process(state, env, connector, [['subscribe', atom('worker')]]);
  assert.equal(proxyStep(state, ertsDown(ref(B), namedTarget('worker', B), atom('noproc')), env), []);
  assert.is(env.tables.proxySubscribers.size, 1);
  assert.is(state.monitors.size, 1);
});

test.run();
