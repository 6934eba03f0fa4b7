// ZenMonitor.Local.Connector as a pure state machine: bookkeeping, sweeps, the
// compatibility cache and connect, fan-out of death certificates and node loss.
// Test names mirror upstream test/local/connector_test.exs where one exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  cachedCompatibility,
  connectorStep as connectorSteps,
  initConnector,
  listMonitors,
  penaltyMs,
  type ConnectorState,
} from '../../core/connector.js';
import type { Effect } from '../../core/effects.js';
import { namedTarget, type CallResult, type ConnectorInput, type Target } from '../../core/messages.js';
import { atom, tuple, type Pid, type Ref } from '../../core/terms.js';
import { A, B, C, TestEnv, dispatchOf, noMetrics, pid, ref, runStep, type Ran } from './zen_fixtures.js';

const PROXY_B = { name: 'ZenMonitor.Proxy', node: B } as const;
const SWEEP = { kind: 'sweep' } as const;
const NODEDOWN = atom('nodedown');

function setup(remote = B): { env: TestEnv; state: ConnectorState; sub: Pid } {
  const env = new TestEnv(A);
  env.connected.add(remote);
  const { state } = initConnector(remote, env);
  return { env, state, sub: pid(A) };
}

/** Steps blocked in their `:ping`, by Connector (answered with `answer`). */
const blocked = new WeakMap<ConnectorState, Ran<void>>();

/** The Connector's step run by hand against `env` (zen_fixtures' runStep): its effects, in order. */
function step(state: ConnectorState, input: ConnectorInput, env: TestEnv): Effect[] {
  return track(state, runStep(connectorSteps(state, input, env), env));
}

/** The result of the `:ping` the Connector is blocked in: its step goes on; the effects that follow. */
function answer(state: ConnectorState, result: CallResult): Effect[] {
  const ran = blocked.get(state);
  assert.ok(ran !== undefined && state.pending !== null, 'the Connector should be blocked in a call');
  blocked.delete(state);
  return track(state, ran.resume(result));
}

function track(state: ConnectorState, ran: Ran<void>): Effect[] {
  if (ran.blocked !== null) blocked.set(state, ran);
  return ran.effects;
}

function monitor(state: ConnectorState, env: TestEnv, target: Target, r: Ref, sub: Pid): Effect[] {
  return step(state, { kind: 'monitor', target, ref: r, subscriber: sub }, env);
}

function markCompatible(env: TestEnv, remote = B): void {
  env.tables.nodes.set(remote, { kind: 'compatible' });
}

function enqueue(env: TestEnv, dispatches: ReturnType<typeof dispatchOf>[]): Effect {
  return { kind: 'send_named', name: 'ZenMonitor.Local', node: env.node, msg: { kind: 'enqueue', dispatches } };
}

function rearm(env: TestEnv): Effect {
  return { kind: 'send_after', ms: env.config.connector_sweep_interval, msg: SWEEP };
}

function processCast(env: TestEnv, ops: ['subscribe' | 'unsubscribe', Target][]): Effect {
  return {
    kind: 'send_named',
    name: 'ZenMonitor.Proxy',
    node: B,
    msg: { kind: 'process', connector: env.self, instructions: ops.map(([op, target]) => ({ op, target })) },
  };
}

function batchOf(state: ConnectorState): [string, Target][] {
  return state.batch.toArray().map((i) => [i.op, i.target]);
}

// --- init ----------------------------------------------------------------------------

test('init schedules the first sweep and starts empty', () => {
  const env = new TestEnv(A);
  const { state, effects } = initConnector(B, env);
  assert.equal(effects, [{ kind: 'send_after', ms: 100, msg: SWEEP }]);
  assert.is(state.batch.length, 0);
  assert.is(state.monitorCount, 0);
  assert.is(state.remoteNodeMonitored, false);
  assert.is(state.remoteProxyRef, null);
});

// --- Monitoring a remote process (local bookkeeping) -----------------------------------

test('Monitoring a remote process (local bookkeeping) unmonitored pid is added to queue', () => {
  const { env, state, sub } = setup();
  const target = pid(B);
  const effects = monitor(state, env, target, ref(), sub);
  assert.equal(effects, [{ kind: 'metric', name: 'zen_monitor.local.connector.enqueue', value: 1, tags: ['op:subscribe'] }]);
  assert.equal(batchOf(state), [['subscribe', target]]);
  assert.is(state.monitorCount, 1);
});

test('Monitoring a remote process (local bookkeeping) already monitored pid is not added to the queue', () => {
  const { env, state, sub } = setup();
  const target = pid(B);
  monitor(state, env, target, ref(), sub);
  assert.equal(monitor(state, env, target, ref(), sub), []);
  assert.equal(batchOf(state), [['subscribe', target]]);
  assert.is(state.monitorCount, 2);
});

test('a monitor step (not a generator) yields its one increment once, then stays done; a repeat monitor yields nothing', () => {
  const { env, state, sub } = setup();
  const target = pid(B);
  const first = connectorSteps(state, { kind: 'monitor', target, ref: ref(), subscriber: sub }, env);
  const r = first.next(undefined);
  assert.is(r.done, false);
  assert.equal(r.value, { kind: 'metric', name: 'zen_monitor.local.connector.enqueue', value: 1, tags: ['op:subscribe'] });
  assert.equal([first.next(undefined).done, first.next(undefined).done], [true, true]);
  const again = connectorSteps(state, { kind: 'monitor', target, ref: ref(), subscriber: sub }, env);
  assert.equal([again.next(undefined).done, again.next(undefined).done], [true, true]);
  assert.is(state.monitorCount, 2);
});

test("a demonitor step yields the unsubscribe increment once, only for a target's last monitor, then stays done", () => {
  const { env, state, sub } = setup();
  const target = pid(B);
  const [r1, r2] = [ref(), ref()];
  monitor(state, env, target, r1, sub);
  monitor(state, env, target, r2, sub);
  const notLast = connectorSteps(state, { kind: 'demonitor', target, ref: r1 }, env);
  assert.equal([notLast.next(undefined).done, notLast.next(undefined).done], [true, true]);
  const last = connectorSteps(state, { kind: 'demonitor', target, ref: r2 }, env);
  const r = last.next(undefined);
  assert.is(r.done, false);
  assert.equal(r.value, { kind: 'metric', name: 'zen_monitor.local.connector.enqueue', value: 1, tags: ['op:unsubscribe'] });
  assert.equal([last.next(undefined).done, last.next(undefined).done], [true, true]);
  assert.is(state.monitorCount, 0);
});

test('a target already monitored is not re-queued after a sweep sent it', () => {
  const { env, state, sub } = setup();
  markCompatible(env);
  const target = pid(B);
  monitor(state, env, target, ref(), sub);
  step(state, SWEEP, env);
  monitor(state, env, target, ref(), sub);
  assert.is(state.batch.length, 0);
});

// --- Demonitoring a process -------------------------------------------------------------

test('Demonitoring a process works on unknown process / ref (and queues an unsubscribe, as upstream)', () => {
  const { env, state } = setup();
  const target = pid(B);
  const effects = step(state, { kind: 'demonitor', target, ref: ref() }, env);
  assert.equal(noMetrics(effects), []);
  assert.equal(batchOf(state), [['unsubscribe', target]]);
});

test('Demonitoring a process demonitoring the only monitor adds an unsubscribe to the queue', () => {
  const { env, state, sub } = setup();
  markCompatible(env);
  const target = pid(B);
  const r = ref();
  monitor(state, env, target, r, sub);
  step(state, SWEEP, env);
  step(state, { kind: 'demonitor', target, ref: r }, env);
  assert.equal(batchOf(state), [['unsubscribe', target]]);
  assert.is(state.monitorCount, 0);
});

test('Demonitoring a process demonitoring one of many monitors does not add an unsubscribe to the queue', () => {
  const { env, state, sub } = setup();
  markCompatible(env);
  const target = pid(B);
  const r1 = ref();
  monitor(state, env, target, r1, sub);
  monitor(state, env, target, ref(), sub);
  step(state, SWEEP, env);
  assert.equal(step(state, { kind: 'demonitor', target, ref: r1 }, env), []);
  assert.is(state.batch.length, 0);
});

test('Demonitoring a process demonitoring the last of many monitors adds an unsubscribe to the queue', () => {
  const { env, state, sub } = setup();
  markCompatible(env);
  const target = pid(B);
  const [r1, r2] = [ref(), ref()];
  monitor(state, env, target, r1, sub);
  monitor(state, env, target, r2, sub);
  step(state, SWEEP, env);
  step(state, { kind: 'demonitor', target, ref: r1 }, env);
  step(state, { kind: 'demonitor', target, ref: r2 }, env);
  assert.equal(batchOf(state), [['unsubscribe', target]]);
});

test("Demonitoring a process doesn't send down", () => {
  const { env, state, sub } = setup();
  markCompatible(env);
  const target = pid(B);
  const r = ref();
  monitor(state, env, target, r, sub);
  step(state, SWEEP, env);
  step(state, { kind: 'demonitor', target, ref: r }, env);
  const effects = step(state, { kind: 'dead', node: B, certificates: [{ pid: target, reason: atom('killed') }] }, env);
  assert.equal(effects, []);
});

test('Demonitoring a process is isolated to the demonitored process only', () => {
  const { env, state, sub } = setup();
  const [target, other] = [pid(B), pid(B)];
  const [rt, ro] = [ref(), ref()];
  monitor(state, env, target, rt, sub);
  monitor(state, env, other, ro, sub);
  step(state, { kind: 'demonitor', target, ref: rt }, env);
  const killed = atom('killed');
  const effects = step(
    state,
    { kind: 'dead', node: B, certificates: [{ pid: target, reason: killed }, { pid: other, reason: killed }] },
    env,
  );
  assert.equal(effects, [enqueue(env, [dispatchOf(sub, ro, other, killed)])]);
});

test('Demonitoring a process incorrect reference does nothing', () => {
  const { env, state, sub } = setup();
  const target = pid(B);
  const right = ref();
  monitor(state, env, target, right, sub);
  step(state, { kind: 'demonitor', target, ref: ref() }, env);
  const effects = step(state, { kind: 'dead', node: B, certificates: [{ pid: target, reason: atom('killed') }] }, env);
  assert.equal(effects, [enqueue(env, [dispatchOf(sub, right, target, atom('killed'))])]);
});

test('Demonitoring a process incorrect pid does nothing', () => {
  const { env, state, sub } = setup();
  const [right, wrong] = [pid(B), pid(B)];
  const r = ref();
  monitor(state, env, right, r, sub);
  step(state, { kind: 'demonitor', target: wrong, ref: r }, env);
  const effects = step(state, { kind: 'dead', node: B, certificates: [{ pid: right, reason: atom('killed') }] }, env);
  assert.equal(effects, [enqueue(env, [dispatchOf(sub, r, right, atom('killed'))])]);
});

// --- Handles summaries ----------------------------------------------------------------------

test('Handles summaries empty summary does nothing', () => {
  const { env, state } = setup();
  assert.equal(step(state, { kind: 'dead', node: B, certificates: [] }, env), []);
});

test('Handles summaries unmonitored pids does nothing', () => {
  const { env, state } = setup();
  const certificates = [pid(B), pid(B), pid(B)].map((p, i) => ({ pid: p, reason: atom(`test_${i}`) }));
  assert.equal(step(state, { kind: 'dead', node: B, certificates }, env), []);
});

test('Handles summaries monitored pids get enqueued', () => {
  const { env, state, sub } = setup();
  const targets = [pid(B), pid(B), pid(B)];
  const refs = [ref(), ref(), ref()];
  targets.forEach((t, i) => monitor(state, env, t, refs[i] as Ref, sub));
  const reasons = [atom('test_a'), atom('test_b'), atom('test_c')];
  const effects = step(state, { kind: 'dead', node: B, certificates: targets.map((p, i) => ({ pid: p, reason: reasons[i]! })) }, env);
  assert.equal(effects, [enqueue(env, targets.map((t, i) => dispatchOf(sub, refs[i]!, t, reasons[i]!)))]);
  assert.is(state.monitorCount, 0);
  assert.is(state.monitors.size, 0);
});

test('Handles summaries mixed pids, monitored enqueue, unmonitored ignored', () => {
  const { env, state, sub } = setup();
  const [ta, tb, tc] = [pid(B), pid(B), pid(B)];
  const [ra, rc] = [ref(), ref()];
  monitor(state, env, ta, ra, sub);
  monitor(state, env, tc, rc, sub);
  const certificates = [
    { pid: ta, reason: atom('test_a') },
    { pid: tb, reason: atom('test_b') },
    { pid: tc, reason: atom('test_c') },
  ];
  assert.equal(step(state, { kind: 'dead', node: B, certificates }, env), [
    enqueue(env, [dispatchOf(sub, ra, ta, atom('test_a')), dispatchOf(sub, rc, tc, atom('test_c'))]),
  ]);
});

test('a certificate fires every ref of its target in ref order, for every subscriber, and once only', () => {
  const { env, state } = setup();
  const [s1, s2] = [pid(A), pid(A)];
  const target = pid(B);
  const [r1, r2, r3] = [ref(), ref(), ref()];
  monitor(state, env, target, r3, s1);
  monitor(state, env, target, r1, s2);
  monitor(state, env, target, r2, s1);
  const certificates = [
    { pid: target, reason: atom('boom') },
    { pid: target, reason: atom('again') },
  ];
  assert.equal(step(state, { kind: 'dead', node: B, certificates }, env), [
    enqueue(env, [dispatchOf(s2, r1, target, atom('boom')), dispatchOf(s1, r2, target, atom('boom')), dispatchOf(s1, r3, target, atom('boom'))]),
  ]);
});

test('a summary naming another node is ignored (counted as unhandled)', () => {
  const { env, state, sub } = setup();
  const target = pid(B);
  monitor(state, env, target, ref(), sub);
  const effects = step(state, { kind: 'dead', node: C, certificates: [{ pid: target, reason: atom('x') }] }, env);
  assert.equal(effects, [{ kind: 'metric', name: 'zen_monitor.local.connector.unhandled_info', value: 1 }]);
  assert.is(state.monitorCount, 1);
});

test('a {name, node} target is matched by the certificate naming it', () => {
  const { env, state, sub } = setup();
  const target = namedTarget('worker', B);
  const r = ref();
  monitor(state, env, target, r, sub);
  const effects = step(state, { kind: 'dead', node: B, certificates: [{ pid: namedTarget('worker', B), reason: atom('noproc') }] }, env);
  assert.equal(effects, [enqueue(env, [dispatchOf(sub, r, target, atom('noproc'))])]);
});

// --- Periodic Sweep to compatible remote ---------------------------------------------------

test('Periodic Sweep to compatible remote sweep does not send a subscription if there are no newly monitored pids', () => {
  const { env, state } = setup();
  markCompatible(env);
  assert.equal(step(state, SWEEP, env), [{ kind: 'metric', name: 'zen_monitor.local.connector.sweep', value: 0 }, rearm(env)]);
});

test('Periodic Sweep to compatible remote sweep sends the monitored pids since the last sweep', () => {
  const { env, state, sub } = setup();
  markCompatible(env);
  const target = pid(B);
  monitor(state, env, target, ref(), sub);
  assert.equal(step(state, SWEEP, env), [
    { kind: 'metric', name: 'zen_monitor.local.connector.sweep', value: 1 },
    processCast(env, [['subscribe', target]]),
    rearm(env),
  ]);
});

test('Periodic Sweep to compatible remote sweep ignores already monitored pids on subsequenet sweeps', () => {
  const { env, state, sub } = setup();
  markCompatible(env);
  const target = pid(B);
  monitor(state, env, target, ref(), sub);
  step(state, SWEEP, env);
  monitor(state, env, target, ref(), sub);
  assert.equal(noMetrics(step(state, SWEEP, env)), [rearm(env)]);
});

test('Periodic Sweep to compatible remote sweep transmits pids in the order received', () => {
  const { env, state, sub } = setup();
  markCompatible(env);
  const [first, second] = [pid(B), pid(B)];
  monitor(state, env, second, ref(), sub); // arrival order, not term order
  monitor(state, env, first, ref(), sub);
  step(state, { kind: 'demonitor', target: second, ref: ref() }, env); // not the last: nothing queued
  assert.equal(noMetrics(step(state, SWEEP, env)), [
    processCast(env, [['subscribe', second], ['subscribe', first]]),
    rearm(env),
  ]);
});

test('Periodic Sweep to compatible remote sweep will only transmit the requested chunk size', () => {
  const { env, state, sub } = setup();
  markCompatible(env);
  env.config.connector_chunk_size = 2;
  const [ta, tb, tc] = [pid(B), pid(B), pid(B)];
  for (const t of [ta, tb, tc]) monitor(state, env, t, ref(), sub);
  assert.equal(noMetrics(step(state, SWEEP, env)), [processCast(env, [['subscribe', ta], ['subscribe', tb]]), rearm(env)]);
  assert.equal(noMetrics(step(state, SWEEP, env)), [processCast(env, [['subscribe', tc]]), rearm(env)]);
});

test('subscribe and unsubscribe instructions share one queue, in arrival order', () => {
  const { env, state, sub } = setup();
  markCompatible(env);
  const t = pid(B);
  const r = ref();
  monitor(state, env, t, r, sub);
  step(state, { kind: 'demonitor', target: t, ref: r }, env);
  monitor(state, env, t, ref(), sub);
  assert.equal(noMetrics(step(state, SWEEP, env)), [
    processCast(env, [['subscribe', t], ['unsubscribe', t], ['subscribe', t]]),
    rearm(env),
  ]);
});

test('sweep interval and chunk size are read at each sweep', () => {
  const { env, state, sub } = setup();
  markCompatible(env);
  for (let i = 0; i < 3; i++) monitor(state, env, pid(B), ref(), sub);
  env.config.connector_chunk_size = 1;
  env.config.connector_sweep_interval = 7;
  const effects = noMetrics(step(state, SWEEP, env));
  assert.is(effects.length, 2);
  assert.equal(effects[1], { kind: 'send_after', ms: 7, msg: SWEEP });
  assert.is(state.batch.length, 2);
});

test('a sweep of 100,000 instructions in chunks drains in order (O(n))', () => {
  const { env, state, sub } = setup();
  markCompatible(env);
  env.config.connector_chunk_size = 10;
  const targets = Array.from({ length: 100_000 }, () => pid(B));
  for (const t of targets) monitor(state, env, t, ref(), sub);
  let sent = 0;
  while (state.batch.length > 0) {
    for (const e of step(state, SWEEP, env)) {
      if (e.kind === 'send_named' && e.msg.kind === 'process') {
        for (const i of e.msg.instructions) assert.ok(i.target === targets[sent++]);
      }
    }
  }
  assert.is(sent, 100_000);
});

// --- Periodic Sweep to incompatible remote ---------------------------------------------------

test('Periodic Sweep to incompatible remote sweep does not send a message if there are no newly monitored pids', () => {
  const { env, state } = setup();
  env.tables.nodes.set(B, { kind: 'incompatible', enforceUntilMs: 10_000, attempt: 1 });
  assert.equal(step(state, SWEEP, env), [rearm(env)]);
});

test('Periodic Sweep to incompatible remote sweep sends nodedown for incompatible remote', () => {
  const { env, state, sub } = setup();
  env.tables.nodes.set(B, { kind: 'incompatible', enforceUntilMs: 10_000, attempt: 1 });
  const target = pid(B);
  const r = ref();
  monitor(state, env, target, r, sub);
  assert.equal(step(state, SWEEP, env), [enqueue(env, [dispatchOf(sub, r, target, NODEDOWN)]), rearm(env)]);
  assert.is(state.batch.length, 0);
  assert.is(state.monitorCount, 0);
});

// --- Handles nodedown ---------------------------------------------------------------------------

test('Handles nodedown marks the node as unavailable', () => {
  const { env, state } = setup();
  markCompatible(env);
  step(state, { kind: 'nodedown', node: B }, env);
  assert.equal(cachedCompatibility(env.tables, B, env.nowMs), 'unavailable');
});

test('Handles nodedown fires all monitors', () => {
  const { env, state, sub } = setup();
  const [ta, tb, tc] = [pid(B), pid(B), pid(B)];
  const refs = Array.from({ length: 6 }, () => ref());
  // Inserted out of key order: firing sorts by target, then by ref.
  monitor(state, env, tc, refs[5]!, sub);
  monitor(state, env, ta, refs[1]!, sub);
  monitor(state, env, tb, refs[2]!, sub);
  monitor(state, env, ta, refs[0]!, sub);
  monitor(state, env, tc, refs[4]!, sub);
  monitor(state, env, tb, refs[3]!, sub);
  state.remoteNodeMonitored = true;
  const effects = step(state, { kind: 'nodedown', node: B }, env);
  const expected = [ta, ta, tb, tb, tc, tc].map((t, i) => dispatchOf(sub, refs[i]!, t, NODEDOWN));
  assert.equal(effects, [enqueue(env, expected)]);
  assert.is(state.remoteNodeMonitored, false);
  assert.is(state.batch.length, 0);
  assert.equal(listMonitors(state), []);
});

test('listMonitors orders pid targets as Erlang does (node, id, creation), not by uid', () => {
  const { env, state, sub } = setup();
  const onB = (uid: number, id: number, creation: number): Pid => ({ t: 'pid', uid: 1_000_000 + uid, node: B, id, creation });
  const targets: Target[] = [onB(1, 5, 1), onB(2, 3, 2), onB(3, 3, 1), { ...onB(4, 9, 1), node: A }, namedTarget('worker', B), onB(5, 4, 1)];
  for (const t of targets) monitor(state, env, t, ref(), sub);
  // Pids before tuples; pids by node name, then id, then creation.
  const order = [targets[3], targets[2], targets[1], targets[5], targets[0], namedTarget('worker', B)];
  assert.equal(
    listMonitors(state).map((row) => row.target),
    order,
  );
});

test('fire everything orders targets by term order (atoms < pids < tuples)', () => {
  const { env, state, sub } = setup();
  const p = pid(B);
  const named = namedTarget('worker', B);
  const [r1, r2] = [ref(), ref()];
  monitor(state, env, named, r1, sub);
  monitor(state, env, p, r2, sub);
  const effects = step(state, { kind: 'nodedown', node: B }, env);
  assert.equal(effects, [enqueue(env, [dispatchOf(sub, r2, p, NODEDOWN), dispatchOf(sub, r1, named, NODEDOWN)])]);
});

test('a nodedown for another node is ignored (counted as unhandled)', () => {
  const { env, state, sub } = setup();
  monitor(state, env, pid(B), ref(), sub);
  assert.equal(noMetrics(step(state, { kind: 'nodedown', node: C }, env)), []);
  assert.is(state.monitorCount, 1);
  assert.is(env.tables.nodes.get(B), undefined);
});

// --- Connect and the compatibility cache -------------------------------------------------------------

function connectInput(env: TestEnv) {
  return { kind: 'connect' as const, from: { pid: env.self, tag: ref() } };
}

function pingCall(): Effect {
  return { kind: 'call', to: PROXY_B, msg: { kind: 'ping' }, timeoutMs: 5000 };
}

test('Connect status caching miss when never connected', () => {
  const { env } = setup();
  assert.is(cachedCompatibility(env.tables, B, env.nowMs), 'miss');
});

test('Performing a connect connecting to a compatible remote node', () => {
  const { env, state } = setup();
  const input = connectInput(env);
  const call = step(state, input, env);
  assert.equal(call, [pingCall()]);
  assert.equal(state.pending, { attempt: 1 });
  const effects = answer(state, { ok: atom('pong') });
  const proxyRef = env.made.at(-1)!;
  assert.equal(effects, [
    { kind: 'monitor_node', node: B },
    { kind: 'monitor', ref: proxyRef, target: namedTarget('ZenMonitor.Proxy', B) },
    { kind: 'reply', to: input.from, value: atom('compatible') },
  ]);
  assert.is(state.pending, null);
  assert.is(state.remoteProxyRef, proxyRef);
  assert.is(state.remoteNodeMonitored, true);
  assert.is(cachedCompatibility(env.tables, B, env.nowMs), 'compatible');
});

test('Performing a connect connecting to an incompatible remote node', () => {
  const { env, state } = setup();
  env.nowMs = 1_000;
  const input = connectInput(env);
  step(state, input, env);
  const effects = answer(state, { exit: atom('noproc') });
  assert.equal(effects, [{ kind: 'monitor_node', node: B }, { kind: 'reply', to: input.from, value: atom('incompatible') }]);
  assert.equal(env.tables.nodes.get(B), { kind: 'incompatible', enforceUntilMs: 3_000, attempt: 1 });
  assert.is(cachedCompatibility(env.tables, B, env.nowMs), 'incompatible');
});

test('Performing a connect connecting to a down remote node', () => {
  const { env, state } = setup(C);
  env.connected.delete(C);
  const input = connectInput(env);
  assert.equal(step(state, input, env), [{ kind: 'reply', to: input.from, value: atom('incompatible') }]);
  assert.is(state.pending, null);
  assert.is(cachedCompatibility(env.tables, C, env.nowMs), 'unavailable');
});

test('a reply other than :pong, and a call timeout, read as incompatible', () => {
  for (const result of [{ ok: atom('pang') }, { exit: atom('timeout') }]) {
    const { env, state } = setup();
    step(state, connectInput(env), env);
    answer(state, result);
    assert.equal(env.tables.nodes.get(B), { kind: 'incompatible', enforceUntilMs: 2_000, attempt: 1 });
  }
});

test('a call that exits with {:nodedown, node} marks the node unavailable and monitors nothing', () => {
  const { env, state } = setup();
  const input = connectInput(env);
  step(state, input, env);
  const exit = tuple(atom('nodedown'), atom(B));
  const effects = answer(state, { exit });
  assert.equal(effects, [{ kind: 'reply', to: input.from, value: atom('incompatible') }]);
  assert.is(cachedCompatibility(env.tables, B, env.nowMs), 'unavailable');
  assert.is(state.remoteNodeMonitored, false);
});

test('Connect status caching compatible hit after successful connection (no second ping)', () => {
  const { env, state } = setup();
  step(state, connectInput(env), env);
  answer(state, { ok: atom('pong') });
  const input = connectInput(env);
  assert.equal(step(state, input, env), [{ kind: 'reply', to: input.from, value: atom('compatible') }]);
});

test('Connect status caching incompatible cache entries expire (and the next attempt doubles the penalty)', () => {
  const { env, state, sub } = setup();
  env.nowMs = 500;
  step(state, connectInput(env), env);
  answer(state, { exit: atom('noproc') });
  assert.is(cachedCompatibility(env.tables, B, 2_500), 'incompatible'); // until 2_500, inclusive
  assert.equal(cachedCompatibility(env.tables, B, 2_501), { expired: 1 });

  // Before expiry a sweep uses the cache: no call, monitors fire.
  env.nowMs = 2_000;
  const t = pid(B);
  const r = ref();
  monitor(state, env, t, r, sub);
  assert.equal(step(state, SWEEP, env), [enqueue(env, [dispatchOf(sub, r, t, NODEDOWN)]), rearm(env)]);

  // After expiry the sweep connects again, as attempt 2.
  env.nowMs = 2_501;
  const call = step(state, SWEEP, env);
  assert.equal(call, [pingCall()]);
  const effects = answer(state, { exit: atom('timeout') });
  assert.equal(effects, [rearm(env)]); // node already monitored; nothing to fire
  assert.equal(env.tables.nodes.get(B), { kind: 'incompatible', enforceUntilMs: 2_501 + 4_000, attempt: 2 });
});

test('Connect status caching remote node crash causes an unavailable cache; the next sweep reconnects', () => {
  const { env, state } = setup();
  step(state, connectInput(env), env);
  answer(state, { ok: atom('pong') });
  step(state, { kind: 'nodedown', node: B }, env);
  assert.is(cachedCompatibility(env.tables, B, env.nowMs), 'unavailable');
  step(state, SWEEP, env);
  const effects = answer(state, { ok: atom('pong') });
  // Node.monitor again (the flag was cleared); the Proxy monitor is still held.
  assert.equal(noMetrics(effects), [{ kind: 'monitor_node', node: B }, rearm(env)]);
});

test('a sweep that must connect blocks, then sweeps, then re-arms', () => {
  const { env, state, sub } = setup();
  const t = pid(B);
  monitor(state, env, t, ref(), sub);
  const call = step(state, SWEEP, env);
  assert.equal(call, [pingCall()]);
  assert.throws(() => step(state, SWEEP, env), /blocked in a call/);
  const effects = answer(state, { ok: atom('pong') });
  assert.equal(noMetrics(effects).slice(2), [processCast(env, [['subscribe', t]]), rearm(env)]);
});

test('a sweep to a node that is not connected fires everything without a call', () => {
  const { env, state, sub } = setup();
  env.connected.delete(B);
  const t = pid(B);
  const r = ref();
  monitor(state, env, t, r, sub);
  assert.equal(step(state, SWEEP, env), [enqueue(env, [dispatchOf(sub, r, t, NODEDOWN)]), rearm(env)]);
  assert.is(cachedCompatibility(env.tables, B, env.nowMs), 'unavailable');
});

test('the local node counts as known: its Connector pings the local Proxy', () => {
  const env = new TestEnv(A);
  const { state } = initConnector(A, env);
  const effects = step(state, SWEEP, env);
  assert.equal(effects, [{ kind: 'call', to: { name: 'ZenMonitor.Proxy', node: A }, msg: { kind: 'ping' }, timeoutMs: 5000 }]);
});

test('penalty: 2 s, 4 s, 8 s, ... capped at 60 s', () => {
  assert.equal([1, 2, 3, 4, 5, 6, 16, 17, 100].map(penaltyMs), [2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
});

// --- The remote Proxy's DOWN ------------------------------------------------------------------------

function connected(): { env: TestEnv; state: ConnectorState; sub: Pid; proxyRef: Ref } {
  const s = setup();
  step(s.state, connectInput(s.env), s.env);
  answer(s.state, { ok: atom('pong') });
  return { ...s, proxyRef: s.state.remoteProxyRef! };
}

test('Proxy DOWN with :noconnection marks the node unavailable and fires everything', () => {
  const { env, state, sub, proxyRef } = connected();
  const t = pid(B);
  const r = ref();
  monitor(state, env, t, r, sub);
  const effects = step(state, { kind: 'DOWN', ref: proxyRef, object: namedTarget('ZenMonitor.Proxy', B), reason: atom('noconnection') }, env);
  assert.equal(effects, [enqueue(env, [dispatchOf(sub, r, t, NODEDOWN)])]);
  assert.is(cachedCompatibility(env.tables, B, env.nowMs), 'unavailable');
  assert.is(state.remoteProxyRef, null);
});

test('Proxy DOWN with another reason penalises the node (attempt 1) and fires everything', () => {
  const { env, state, sub, proxyRef } = connected();
  env.nowMs = 10_000;
  const t = pid(B);
  const r = ref();
  monitor(state, env, t, r, sub);
  const effects = step(state, { kind: 'DOWN', ref: proxyRef, object: namedTarget('ZenMonitor.Proxy', B), reason: atom('shutdown') }, env);
  assert.equal(effects, [enqueue(env, [dispatchOf(sub, r, t, NODEDOWN)])]);
  assert.equal(env.tables.nodes.get(B), { kind: 'incompatible', enforceUntilMs: 12_000, attempt: 1 });
  assert.is(state.remoteProxyRef, null);
});

test('a DOWN for another ref, and any other message, are counted and ignored', () => {
  const { env, state, sub } = connected();
  monitor(state, env, pid(B), ref(), sub);
  const unhandled = [{ kind: 'metric', name: 'zen_monitor.local.connector.unhandled_info', value: 1 }];
  assert.equal(step(state, { kind: 'DOWN', ref: ref(), object: pid(B), reason: atom('noconnection') }, env), unhandled);
  assert.equal(step(state, { kind: 'other', term: atom('hello') }, env), unhandled);
  assert.is(state.monitorCount, 1);
  assert.is(cachedCompatibility(env.tables, B, env.nowMs), 'compatible');
});

test('a sweep on a miss reads Nodes, checks the connection, pings, and only then writes Nodes and subscribes (its operations in order)', () => {
  const { env, state, sub } = setup();
  const t = pid(B);
  step(state, { kind: 'monitor', target: t, ref: ref(), subscriber: sub }, env);
  const ran = runStep(connectorSteps(state, SWEEP, env), env);
  assert.equal(ran.ops.map((o) => o.kind), ['nodes.lookup', 'known_node', 'call']);
  assert.is(env.tables.nodes.get(B), undefined, 'nothing is written while the ping is out');
  const after = ran.resume({ ok: atom('pong') });
  assert.equal(after.ops.map((o) => o.kind), ['monitor_node', 'monitor', 'nodes.insert', 'metric', 'send_named', 'send_after']);
  assert.is(state.pending, null);
  assert.throws(() => after.resume({ ok: atom('pong') }), /not blocked/);
});

test.run();
