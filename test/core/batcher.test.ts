// ZenMonitor.Proxy.Batcher as a pure state machine: certificates in, chunked noconnect
// summaries out, cleanup and stop when its Connector dies.
// Test names mirror upstream test/proxy/batcher_test.exs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batcherStep as batcherSteps, initBatcher, type BatcherState } from '../../core/batcher.js';
import type { Effect } from '../../core/effects.js';
import type { Certificate, BatcherInput } from '../../core/messages.js';
import { atom, tuple, type Pid } from '../../core/terms.js';
import { A, B, TestEnv, ertsDown, noMetrics, pid, ref, effectsOf, runStep } from './zen_fixtures.js';

/** The Batcher's step run by hand against `env` (zen_fixtures' runStep): its effects, in order. */
function batcherStep(state: BatcherState, input: BatcherInput, env: TestEnv): Effect[] {
  return effectsOf(batcherSteps(state, input, env), env);
}

const SWEEP = { kind: 'sweep' } as const;

function setup(): { env: TestEnv; state: BatcherState; connector: Pid } {
  const env = new TestEnv(B);
  const connector = pid(A);
  return { env, connector, state: initBatcher(connector, env).state };
}

function certificates(n: number, from = 1): Certificate[] {
  return Array.from({ length: n }, (_, i) => ({ pid: atom(`test_pid_${from + i}`), reason: atom(`test_reason_${from + i}`) }));
}

function enqueueAll(state: BatcherState, env: TestEnv, certs: Certificate[]): void {
  for (const c of certs) batcherStep(state, { kind: 'enqueue', pid: c.pid, reason: c.reason }, env);
}

function dead(env: TestEnv, connector: Pid, certs: Certificate[]): Effect {
  return { kind: 'send', to: connector, msg: { kind: 'dead', node: env.node, certificates: certs }, noconnect: true };
}

function rearm(env: TestEnv): Effect {
  return { kind: 'send_after', ms: env.config.batcher_sweep_interval, msg: SWEEP };
}

test('init monitors the connector and schedules a sweep', () => {
  const env = new TestEnv(B);
  const connector = pid(A);
  const { effects } = initBatcher(connector, env);
  assert.equal(effects, [{ kind: 'monitor', ref: env.made[0]!, target: connector }, rearm(env)]);
});

test('Enqueuing Certificates certificate gets added to the current batch', () => {
  const { env, state } = setup();
  const effects = batcherStep(state, { kind: 'enqueue', pid: atom('test_pid'), reason: atom('test_reason') }, env);
  assert.equal(effects, [{ kind: 'metric', name: 'zen_monitor.proxy.batcher.enqueue', value: 1 }]);
  assert.equal(state.batch.toArray(), [{ pid: atom('test_pid'), reason: atom('test_reason') }]);
});

test('Periodic Sweeps sweep should do nothing if the batch is empty', () => {
  const { env, state } = setup();
  assert.equal(batcherStep(state, SWEEP, env), [rearm(env)]);
});

test('Periodic Sweeps sweep should deliver a summary to the subscriber', () => {
  const { env, state, connector } = setup();
  const certs = certificates(1);
  enqueueAll(state, env, certs);
  assert.equal(batcherStep(state, SWEEP, env), [
    { kind: 'metric', name: 'zen_monitor.proxy.batcher.sweep', value: 1 },
    dead(env, connector, certs),
    rearm(env),
  ]);
  assert.is(state.batch.length, 0);
});

test('Periodic Sweeps sweep should deliver the summary in the same order it received them', () => {
  const { env, state, connector } = setup();
  env.config.batcher_chunk_size = 2;
  const certs = certificates(2);
  enqueueAll(state, env, certs);
  assert.equal(noMetrics(batcherStep(state, SWEEP, env)), [dead(env, connector, certs), rearm(env)]);
});

test('Periodic Sweeps sweep will only deliver the requested chunk size', () => {
  const { env, state, connector } = setup();
  env.config.batcher_chunk_size = 2;
  const certs = certificates(4);
  enqueueAll(state, env, certs);
  assert.equal(noMetrics(batcherStep(state, SWEEP, env)), [dead(env, connector, certs.slice(0, 2)), rearm(env)]);
  assert.equal(noMetrics(batcherStep(state, SWEEP, env)), [dead(env, connector, certs.slice(2)), rearm(env)]);
  assert.equal(batcherStep(state, SWEEP, env), [rearm(env)]);
});

test('sweep interval and chunk size are read at each sweep', () => {
  const { env, state } = setup();
  enqueueAll(state, env, certificates(3));
  env.config.batcher_chunk_size = 1;
  env.config.batcher_sweep_interval = 10;
  const effects = noMetrics(batcherStep(state, SWEEP, env));
  assert.equal(effects.at(-1), { kind: 'send_after', ms: 10, msg: SWEEP });
  assert.is(state.batch.length, 2);
});

test('Handling Subscriber Down batcher cleans up subscriptions', () => {
  const { env, state, connector } = setup();
  const other = pid(A);
  const [a, b, c] = [pid(B), pid(B), pid(B)];
  env.tables.proxySubscribers.insert(a, connector);
  env.tables.proxySubscribers.insert(b, connector);
  env.tables.proxySubscribers.insert(a, other);
  env.tables.proxySubscribers.insert(c, other);
  enqueueAll(state, env, certificates(2));
  const effects = batcherStep(state, ertsDown(ref(B), connector, atom('noconnection')), env);
  assert.equal(effects, [
    { kind: 'stop', reason: tuple(atom('shutdown'), tuple(atom('subscriber_down'), atom('noconnection'))) },
  ]);
  assert.is(env.tables.proxySubscribers.size, 2);
  assert.ok(env.tables.proxySubscribers.has(a, other));
  assert.ok(env.tables.proxySubscribers.has(c, other));
});

test('a DOWN for anything but its connector is an invariant failure', () => {
  const { env, state } = setup();
  assert.throws(() => batcherStep(state, ertsDown(ref(B), pid(A), atom('normal')), env), /other than its Connector/);
});

test("its Connector's DOWN: one match_delete of the Connector's rows, then the stop", () => {
  const { env, state, connector } = setup();
  const ran = runStep(batcherSteps(state, ertsDown(ref(B), connector, atom('noconnection')), env), env);
  assert.equal(ran.ops.map((o) => o.kind), ['proxy_subscribers.match_delete', 'stop']);
});

test.run();
