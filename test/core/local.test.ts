// ZenMonitor.Local as a pure state machine: reciprocal subscriber monitors, cleanup when
// a subscriber dies, the dispatch queue and GenStage demand slicing, hibernation.
// Test names mirror upstream test/local/local_test.exs where one exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Effect } from '../../core/effects.js';
import { enqueueWithLocal, initLocal, localStep as localSteps, subscribeConsumer, type LocalState } from '../../core/local.js';
import { namedTarget, type Dispatch, type LocalInput } from '../../core/messages.js';
import { atom, int, tuple } from '../../core/terms.js';
import { functionClause } from '../../core/raise.js';
import { A, B, C, TestEnv, dispatchOf, ertsDown, pid, ref, effectsOf, runStep } from './zen_fixtures.js';

/** Local's step run by hand against `env` (zen_fixtures' runStep): its effects, in order. */
function localStep(state: LocalState, input: LocalInput, env: TestEnv): Effect[] {
  return effectsOf(localSteps(state, input, env), env);
}

function setup(): { env: TestEnv; state: LocalState } {
  const env = new TestEnv(A);
  return { env, state: initLocal(env).state };
}

function dispatches(n: number): Dispatch[] {
  const sub = pid(A);
  return Array.from({ length: n }, () => dispatchOf(sub, ref(), pid(B), atom('killed')));
}

function ask(n: number, consumer = pid(A), tag = ref()) {
  return { kind: 'ask' as const, n, from: { pid: consumer, tag } };
}

test('init: empty, no effects', () => {
  const env = new TestEnv(A);
  const { state, effects } = initLocal(env);
  assert.is(state.batch.length, 0);
  assert.is(state.queueEmptied, 0);
  assert.equal([state.demand, state.pending], [0, 0]);
  assert.equal(effects, []);
});

test('monitor_subscriber monitors a subscriber once', () => {
  const { env, state } = setup();
  const sub = pid(A);
  const first = localStep(state, { kind: 'monitor_subscriber', subscriber: sub }, env);
  assert.equal(first, [{ kind: 'monitor', ref: env.made[0]!, target: sub }]);
  assert.equal(localStep(state, { kind: 'monitor_subscriber', subscriber: sub }, env), []);
  assert.ok(env.tables.localSubscribers.has(sub));
  assert.is(env.tables.localSubscribers.size, 1);
});

test('Handles subscriber down cleans up references', () => {
  const { env, state } = setup();
  const [sub, other] = [pid(A), pid(A)];
  const remote = pid(B);
  const local = pid(A);
  const named = namedTarget('worker', C);
  const name = atom('registered');
  const [r1, r2, r3, r4, r5] = [ref(), ref(), ref(), ref(), ref()];
  // Inserted out of ref order; Local walks the ordered_set, i.e. ref order.
  env.tables.references.insert(sub, r3, named);
  env.tables.references.insert(sub, r1, remote);
  env.tables.references.insert(sub, r4, name);
  env.tables.references.insert(sub, r2, local);
  env.tables.references.insert(other, r5, remote);
  localStep(state, { kind: 'monitor_subscriber', subscriber: sub }, env);

  const effects = localStep(state, ertsDown(ref(), sub, atom('killed')), env);
  const demonitor = (node: string, target: typeof remote | typeof named | typeof name, r: typeof r1): Effect => ({
    kind: 'cast_connector',
    node,
    msg: { kind: 'demonitor', target, ref: r },
  });
  assert.equal(effects, [demonitor(B, remote, r1), demonitor(A, local, r2), demonitor(C, named, r3), demonitor(A, name, r4)]);
  assert.is(env.tables.references.countOf(sub), 0);
  assert.ok(env.tables.references.has(other, r5));
  assert.not.ok(env.tables.localSubscribers.has(sub));
});

test("a subscriber's DOWN: one match, then each row deleted and demonitored in turn, then the subscriber forgotten", () => {
  const { env, state } = setup();
  const sub = pid(A);
  effectsOf(localSteps(state, { kind: 'monitor_subscriber', subscriber: sub }, env), env);
  env.tables.references.insert(sub, ref(), pid(B));
  env.tables.references.insert(sub, ref(), pid(C));
  const ran = runStep(localSteps(state, ertsDown(ref(), sub, atom('killed')), env), env);
  assert.equal(
    ran.ops.map((o) => o.kind),
    ['references.match', 'references.delete', 'cast_connector', 'references.delete', 'cast_connector', 'subscribers.delete'],
  );
});

test("a subscriber's DOWN with a row whose target's node is not an atom: Local crashes in Connector.get_for_node/1 (function_clause), the rows after it untouched", () => {
  const { env, state } = setup();
  const sub = pid(A);
  effectsOf(localSteps(state, { kind: 'monitor_subscriber', subscriber: sub }, env), env);
  const r1 = ref();
  env.tables.references.insert(sub, r1, tuple(atom('name'), int(1)));
  env.tables.references.insert(sub, ref(), pid(B));
  const ran = runStep(localSteps(state, ertsDown(ref(), sub, atom('killed')), env), env);
  assert.equal(ran.ops.map((o) => o.kind), ['references.match', 'references.delete', 'raise']);
  assert.equal(ran.effects.at(-1), { kind: 'raise', reason: functionClause('Elixir.ZenMonitor.Local.Connector', 'get_for_node', [int(1)]) });
  assert.is(env.tables.references.countOf(sub), 1, 'the next row stays');
  assert.ok(env.tables.localSubscribers.has(sub), 'and the subscriber too');
});

test('a subscriber that comes back after its DOWN is monitored again', () => {
  const { env, state } = setup();
  const sub = pid(A);
  localStep(state, { kind: 'monitor_subscriber', subscriber: sub }, env);
  localStep(state, ertsDown(ref(), sub, atom('normal')), env);
  assert.is(localStep(state, { kind: 'monitor_subscriber', subscriber: sub }, env).length, 1);
});

test('enqueue appends and emits nothing but its counter', () => {
  const { env, state } = setup();
  const batch = dispatches(3);
  // Local adopts the list it is cast (its Connector gives it up): the test keeps a copy.
  assert.equal(localStep(state, { kind: 'enqueue', dispatches: [...batch] }, env), [
    { kind: 'metric', name: 'zen_monitor.local.enqueue', value: 3 },
  ]);
  localStep(state, { kind: 'enqueue', dispatches: dispatches(2) }, env);
  assert.is(state.batch.length, 5);
  assert.equal(state.batch.toArray().slice(0, 3), batch);
});

test('Local.enqueue suppresses the cast of an empty list', () => {
  const env = new TestEnv(A);
  assert.is(enqueueWithLocal(env, []), undefined);
  const batch = dispatches(1);
  assert.equal(enqueueWithLocal(env, batch), { kind: 'send_named', name: 'ZenMonitor.Local', node: A, msg: { kind: 'enqueue', dispatches: batch } });
});

test('demand larger than the batch hands over the whole batch', () => {
  const { env, state } = setup();
  const batch = dispatches(3);
  localStep(state, { kind: 'enqueue', dispatches: batch }, env);
  const input = ask(5);
  assert.equal(localStep(state, input, env), [
    { kind: 'send', to: input.from.pid, msg: { kind: 'events', events: batch, from: { pid: env.self, tag: input.from.tag } } },
  ]);
  assert.is(state.batch.length, 0);
  assert.is(state.queueEmptied, 1);
});

test('demand equal to the batch hands over the whole batch', () => {
  const { env, state } = setup();
  localStep(state, { kind: 'enqueue', dispatches: dispatches(4) }, env);
  localStep(state, ask(4), env);
  assert.is(state.batch.length, 0);
  assert.is(state.queueEmptied, 1);
});

test('demand smaller than the batch hands over its first n, in order', () => {
  const { env, state } = setup();
  const batch = dispatches(5);
  localStep(state, { kind: 'enqueue', dispatches: batch }, env);
  const input = ask(2);
  assert.equal(localStep(state, input, env), [
    { kind: 'send', to: input.from.pid, msg: { kind: 'events', events: batch.slice(0, 2), from: { pid: env.self, tag: input.from.tag } } },
  ]);
  assert.equal(state.batch.toArray(), batch.slice(2));
  assert.is(state.queueEmptied, 0);
});

test('demand on an empty batch sends nothing', () => {
  const { env, state } = setup();
  assert.equal(localStep(state, ask(10), env), []);
  assert.is(state.queueEmptied, 1);
});

test('hibernates each time the whole batch has been handed over hibernation_threshold times', () => {
  const { env, state } = setup();
  env.config.hibernation_threshold = 3;
  const kinds = (effects: Effect[]) => effects.map((e) => e.kind);
  assert.equal(kinds(localStep(state, ask(10), env)), []);
  localStep(state, { kind: 'enqueue', dispatches: dispatches(5) }, env);
  assert.equal(kinds(localStep(state, ask(2), env)), ['send']); // a partial hand-over does not count
  assert.equal(kinds(localStep(state, ask(10), env)), ['send']);
  assert.equal(kinds(localStep(state, ask(10), env)), ['hibernate']);
  assert.is(state.queueEmptied, 0);
  assert.equal(kinds(localStep(state, ask(10), env)), []);
  assert.is(state.queueEmptied, 1);
});

test('draining 100,000 dispatches in demands of 10 keeps order (O(n))', () => {
  const { env, state } = setup();
  const batch = dispatches(100_000);
  localStep(state, { kind: 'enqueue', dispatches: [...batch] }, env);
  let seen = 0;
  while (state.batch.length > 0) {
    for (const e of localStep(state, ask(10), env)) {
      if (e.kind === 'send' && e.msg.kind === 'events') for (const d of e.msg.events) assert.ok(d === batch[seen++]);
    }
  }
  assert.is(seen, 100_000);
});

test("a new consumer's asks are first set against the dead one's outstanding demand (GenStage's pending), handing nothing over", () => {
  // As measured on the real library (docs/real-library/fail/results/dispatcher_stall-300.json):
  // 7 asks of 2 with 2 events sent left 12 outstanding; the new consumer's first 6 asks
  // of 2 handed nothing over (no handle_demand: the hibernation counter does not move),
  // the 7th handed over 2.
  const { env, state } = setup();
  for (let i = 0; i < 6; i++) assert.equal(localStep(state, ask(2), env), []);
  localStep(state, { kind: 'enqueue', dispatches: dispatches(10) }, env);
  assert.is(localStep(state, ask(2), env).length, 1);
  assert.equal([state.demand, state.batch.length, state.queueEmptied], [12, 8, 6]);
  subscribeConsumer(state);
  assert.equal([state.demand, state.pending], [0, 12]);
  for (let i = 0; i < 6; i++) assert.equal(localStep(state, ask(2), env), [], `ask ${i + 1}`);
  assert.equal([state.pending, state.demand, state.batch.length, state.queueEmptied], [0, 12, 8, 6]);
  const [handed] = localStep(state, ask(2), env);
  assert.ok(handed?.kind === 'send' && handed.msg.kind === 'events' && handed.msg.events.length === 2);
  assert.equal([state.demand, state.batch.length], [12, 6]);
});

test('a demand that is not a positive integer is an invariant failure', () => {
  const { env, state } = setup();
  assert.throws(() => localStep(state, ask(0), env), /positive integer/);
});

test.run();
