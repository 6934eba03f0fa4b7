// ZenMonitor.Local.Dispatcher as a pure state machine: the demand loop, delivery only of
// refs still in References (taken before sending), refill of dropped demand, max rate.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dispatcherStep as dispatcherSteps, initDispatcher, type DispatcherState } from '../../core/dispatcher.js';
import type { Effect } from '../../core/effects.js';
import { initLocal, localStep as localSteps, type LocalState } from '../../core/local.js';
import type { Dispatch, DispatcherInput, Msg, LocalInput } from '../../core/messages.js';
import { atom, type Pid } from '../../core/terms.js';
import { A, B, TestEnv, dispatchOf, noMetrics, pid, ref, effectsOf, runStep } from './zen_fixtures.js';

/** The Dispatcher's step run by hand against `env` (zen_fixtures' runStep): its effects, in order. */
function dispatcherStep(state: DispatcherState, input: DispatcherInput, env: TestEnv): Effect[] {
  return effectsOf(dispatcherSteps(state, input, env), env);
}

/** Local's step run by hand against `env` (zen_fixtures' runStep): its effects, in order. */
function localStep(state: LocalState, input: LocalInput, env: TestEnv): Effect[] {
  return effectsOf(localSteps(state, input, env), env);
}

const GENERATE = { kind: 'generate_demand' } as const;

function setup(): { env: TestEnv; state: DispatcherState; producer: Pid } {
  const env = new TestEnv(A);
  const producer = pid(A);
  return { env, producer, state: initDispatcher(producer, env).state };
}

/** `n` monitors of `sub`, recorded in References, and their dispatches. */
function monitored(env: TestEnv, sub: Pid, n: number): Dispatch[] {
  return Array.from({ length: n }, () => {
    const r = ref();
    const target = pid(B);
    env.tables.references.insert(sub, r, target);
    return dispatchOf(sub, r, target, atom('killed'));
  });
}

function events(state: DispatcherState, list: Dispatch[]) {
  return { kind: 'events' as const, events: list, from: { pid: state.producer, tag: state.subscription } };
}

function askEffect(state: DispatcherState, env: TestEnv, n: number): Effect {
  return { kind: 'send', to: state.producer, msg: { kind: 'ask', n, from: { pid: env.self, tag: state.subscription } } };
}

test('init subscribes to the producer and schedules the first demand', () => {
  const env = new TestEnv(A);
  const producer = pid(A);
  const { state, effects } = initDispatcher(producer, env);
  assert.is(state.producer, producer);
  assert.equal(effects, [{ kind: 'send_after', ms: 100, msg: GENERATE }]);
});

test('generate_demand asks for demand_amount and re-arms (both read now)', () => {
  const { env, state } = setup();
  env.config.demand_amount = 10;
  env.config.demand_interval = 25;
  assert.equal(dispatcherStep(state, GENERATE, env), [askEffect(state, env, 10), { kind: 'send_after', ms: 25, msg: GENERATE }]);
});

test('Event Dispatch a message is dispatched for every still-monitored event, taking its ref first', () => {
  const { env, state } = setup();
  const sub = pid(A);
  const list = monitored(env, sub, 3);
  const effects = dispatcherStep(state, events(state, list), env);
  assert.equal(effects, [
    { kind: 'metric', name: 'zen_monitor.local.dispatcher.events.delivered', value: 3 },
    ...list.map((d): Effect => ({ kind: 'send', to: sub, msg: d.down })),
    { kind: 'metric', name: 'zen_monitor.local.dispatcher.events.processed', value: 3 },
  ]);
  assert.is(env.tables.references.size, 0);
});

test("each event's take and send are operations of their own, in turn: a demonitor can come between them (finding F1)", () => {
  const { env, state } = setup();
  const sub = pid(A);
  const list = monitored(env, sub, 2);
  const ran = runStep(dispatcherSteps(state, events(state, list), env), env);
  assert.equal(
    ran.ops.map((o) => o.kind),
    ['metric', 'references.take', 'send', 'references.take', 'send', 'metric'],
  );
});

test('demonitored refs are dropped and their demand is asked again at once', () => {
  const { env, state } = setup();
  const sub = pid(A);
  const list = monitored(env, sub, 5);
  env.tables.references.take(sub, list[1]!.down.ref);
  env.tables.references.take(sub, list[3]!.down.ref);
  const effects = noMetrics(dispatcherStep(state, events(state, list), env));
  assert.equal(effects, [
    { kind: 'send', to: sub, msg: list[0]!.down },
    { kind: 'send', to: sub, msg: list[2]!.down },
    { kind: 'send', to: sub, msg: list[4]!.down },
    askEffect(state, env, 2),
  ]);
});

test('a ref is delivered at most once', () => {
  const { env, state } = setup();
  const sub = pid(A);
  const [d] = monitored(env, sub, 1);
  const effects = noMetrics(dispatcherStep(state, events(state, [d!, d!]), env));
  assert.equal(effects, [{ kind: 'send', to: sub, msg: d!.down }, askEffect(state, env, 1)]);
});

test('refill is min(delivered, demand_amount) - sent', () => {
  const { env, state } = setup();
  env.config.demand_amount = 4;
  const sub = pid(A);
  // 6 delivered (more than demand_amount), 3 of them sent: min(6, 4) - 3 = 1.
  const list = monitored(env, sub, 6);
  for (const d of list.slice(0, 3)) env.tables.references.take(sub, d.down.ref);
  assert.equal(noMetrics(dispatcherStep(state, events(state, list), env)).at(-1), askEffect(state, env, 1));
  // 6 delivered, 5 sent: min(6, 4) - 5 < 0, no ask.
  const more = monitored(env, sub, 6);
  env.tables.references.take(sub, more[0]!.down.ref);
  assert.ok(noMetrics(dispatcherStep(state, events(state, more), env)).every((e) => e.kind === 'send' && e.msg.kind === 'DOWN'));
});

test('events from an unknown subscription are an invariant failure', () => {
  const { env, state } = setup();
  assert.throws(() => dispatcherStep(state, { kind: 'events', events: [], from: { pid: state.producer, tag: ref() } }, env));
});

/**
 * Drives Local and the Dispatcher by hand (no clock): each tick is one generate_demand
 * and every message it causes, delivered at once. Returns the DOWNs sent per tick.
 */
function pump(env: TestEnv, backlog: Dispatch[], ticks: number): number[] {
  const localEnv = env.as(pid(A));
  const local = initLocal(localEnv).state;
  const dispatcherEnv = env.as(pid(A));
  const dispatcher = initDispatcher(localEnv.self, dispatcherEnv).state;
  localStep(local, { kind: 'enqueue', dispatches: backlog }, localEnv);
  const perTick: number[] = [];
  for (let t = 0; t < ticks; t++) {
    let sent = 0;
    const queue: Msg[] = [GENERATE];
    for (let msg = queue.shift(); msg !== undefined; msg = queue.shift()) {
      const effects =
        msg.kind === 'ask' ? localStep(local, msg, localEnv) : dispatcherStep(dispatcher, msg as DispatcherInput, dispatcherEnv);
      for (const e of effects) {
        if (e.kind !== 'send') continue;
        if (e.msg.kind === 'DOWN') sent++;
        else queue.push(e.msg);
      }
    }
    perTick.push(sent);
  }
  return perTick;
}

test('maximum rate is demand_amount per demand_interval, and drops do not eat it', () => {
  const env = new TestEnv(A);
  env.config.demand_amount = 10;
  const sub = pid(A);
  const backlog = monitored(env, sub, 100);
  // Every third event was demonitored before delivery.
  backlog.forEach((d, i) => {
    if (i % 3 === 0) env.tables.references.take(sub, d.down.ref);
  });
  const perTick = pump(env, backlog, 8);
  assert.equal(perTick.slice(0, 6), [10, 10, 10, 10, 10, 10]);
  assert.is(perTick.reduce((a, b) => a + b, 0), 66);
});

test.run();
