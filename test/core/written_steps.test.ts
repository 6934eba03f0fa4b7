// The steps written out as state machines (core/ops.ts: `StepOut`, `handOver`, `once`) against
// the generators they stand for, written here as their comments give them: for random
// inputs and table states, the same operations in the same order, the same answers read,
// the same tables and state after; and every result they hand over of one shape (`StepOut`).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { connectorStep, initConnector } from '../../core/connector.js';
import { dispatcherStep, initDispatcher, type DispatcherState } from '../../core/dispatcher.js';
import { metric, type Env } from '../../core/effects.js';
import { targetKey, type Dispatch, type Instruction, type Target } from '../../core/messages.js';
import * as client from '../../core/client.js';
import { ENDED, once, type Op, type Step } from '../../core/ops.js';
import { monitorMsg } from '../../core/monitor_msg.js';
import { initProxy, proxyStep, type ProxyState } from '../../core/proxy.js';
import { atom, type Pid } from '../../core/terms.js';
import { A, B, C, TestEnv, dispatchOf, pid, ref, runStep } from './zen_fixtures.js';

/** `handle_events/3` as core/dispatcher.ts's comment gives it. */
function* handleEventsAsGenerator(state: DispatcherState, events: readonly Dispatch[], env: Env): Step {
  yield metric('zen_monitor.local.dispatcher', 'events.delivered', events.length);
  let sent = 0;
  for (const { subscriber, down } of events) {
    if ((yield { kind: 'references.take', subscriber, ref: down.ref }) === undefined) continue;
    yield { kind: 'send', to: subscriber, msg: down };
    sent++;
  }
  yield metric('zen_monitor.local.dispatcher', 'events.processed', sent);
  const n = Math.min(events.length, env.config.demand_amount) - sent;
  if (n > 0) yield { kind: 'send', to: state.producer, msg: { kind: 'ask', n, from: { pid: env.self, tag: state.subscription } } };
}

/** `process_operation(:subscribe, ...)` as core/proxy.ts's comment gives it. */
function* subscribeAsGenerator(state: ProxyState, connector: Pid, targets: readonly Target[]): Step {
  yield { kind: 'proxy_subscribers.insert', targets, connector };
  for (const target of targets) {
    if (state.monitors.has(targetKey(target))) continue;
    state.monitors.set(targetKey(target), target);
    yield { kind: 'monitor', target };
  }
}

/** `partition_instructions/1` then `process_operation/4` per run, as core/proxy.ts's comment gives it. */
function* processAsGenerator(state: ProxyState, connector: Pid, instructions: readonly Instruction[]): Step {
  let start = 0;
  while (start < instructions.length) {
    const op = (instructions[start] as Instruction).op;
    let end = start + 1;
    while (end < instructions.length && (instructions[end] as Instruction).op === op) end++;
    const targets = instructions.slice(start, end).map((i) => i.target).reverse();
    if (op === 'subscribe') yield* subscribeAsGenerator(state, connector, targets);
    else for (const target of targets) yield { kind: 'proxy_subscribers.delete', target, connector };
    start = end;
  }
}

test('handle_events written out performs what its generator form does: every take, send, count and ask, in order', () => {
  // Events over a few refs: each still monitored or not, some repeated (delivered at most once).
  const spec = fc.record({
    rows: fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
    picks: fc.array(fc.nat(5), { maxLength: 12 }),
    demand: fc.integer({ min: 1, max: 8 }),
  });
  fc.assert(
    fc.property(spec, ({ rows, picks, demand }) => {
      const sub = pid(A);
      const dispatches = rows.map(() => dispatchOf(sub, ref(A), pid(B), atom('killed')));
      const events = picks.map((i) => dispatches[i % dispatches.length] as Dispatch);
      const envs = [new TestEnv(A, sub), new TestEnv(A, sub)];
      for (const env of envs) {
        env.config.demand_amount = demand;
        rows.forEach((held, i) => held && env.tables.references.insert(sub, (dispatches[i] as Dispatch).down.ref, pid(B)));
      }
      const [written, generator] = envs as [TestEnv, TestEnv];
      const state = initDispatcher(pid(A), written).state;
      const input = { kind: 'events' as const, events, from: { pid: state.producer, tag: state.subscription } };
      const a = runStep(dispatcherStep(state, input, written), written);
      const b = runStep(handleEventsAsGenerator(state, events, generator), generator);
      assert.equal(a.ops, b.ops);
      assert.is(written.tables.references.size, generator.tables.references.size);
    }),
    { seed: 14, numRuns: 300 },
  );
});

test('the Proxy subscribe written out performs what its generator form does: the rows, then a monitor per target not yet held', () => {
  // Targets drawn from a small pool (repeats within a run), some already monitored.
  const spec = fc.record({
    held: fc.array(fc.nat(5), { maxLength: 4 }),
    picks: fc.array(fc.nat(5), { maxLength: 10 }),
  });
  fc.assert(
    fc.property(spec, ({ held, picks }) => {
      const pool = Array.from({ length: 6 }, () => pid(B));
      const connector = pid(A);
      const targets = picks.map((i) => pool[i] as Target);
      const runs = [new TestEnv(B), new TestEnv(B)].map((env) => {
        const state = initProxy(env).state;
        for (const i of held) state.monitors.set(targetKey(pool[i] as Target), pool[i] as Target);
        return { env, state };
      });
      const [w, g] = runs as [{ env: TestEnv; state: ProxyState }, { env: TestEnv; state: ProxyState }];
      const a = runStep(proxyStep(w.state, { kind: 'subscribe', connector, targets }, w.env), w.env);
      const b = runStep(subscribeAsGenerator(g.state, connector, targets), g.env);
      assert.equal(a.ops, b.ops);
      assert.equal(w.state.monitors.values().map(targetKey).sort(), g.state.monitors.values().map(targetKey).sort());
    }),
    { seed: 14, numRuns: 300 },
  );
});

test("the Proxy's instructions written out perform what their generator form does: each run of one op in turn, its targets last-first", () => {
  // Subscribes and unsubscribes of targets from a small pool, in runs of any length; some already monitored.
  const spec = fc.record({
    held: fc.array(fc.nat(5), { maxLength: 4 }),
    instructions: fc.array(fc.record({ subscribe: fc.boolean(), target: fc.nat(5) }), { maxLength: 14 }),
  });
  fc.assert(
    fc.property(spec, ({ held, instructions: drawn }) => {
      const pool = Array.from({ length: 6 }, () => pid(B));
      const connector = pid(A);
      const instructions: Instruction[] = drawn.map((d) => ({ op: d.subscribe ? 'subscribe' : 'unsubscribe', target: pool[d.target] as Target }));
      const runs = [new TestEnv(B), new TestEnv(B)].map((env) => {
        const state = initProxy(env).state;
        for (const i of held) state.monitors.set(targetKey(pool[i] as Target), pool[i] as Target);
        return { env, state };
      });
      const [w, g] = runs as [{ env: TestEnv; state: ProxyState }, { env: TestEnv; state: ProxyState }];
      const a = runStep(proxyStep(w.state, { kind: 'process', connector, instructions }, w.env), w.env);
      const b = runStep(processAsGenerator(g.state, connector, instructions), g.env);
      assert.equal(a.ops, b.ops);
      assert.equal(w.state.monitors.values().map(targetKey).sort(), g.state.monitors.values().map(targetKey).sort());
    }),
    { seed: 14, numRuns: 300 },
  );
});

/** `step`, its results kept in `results` as it hands them over. */
function recorded<R>(step: Iterator<Op, R, unknown>, results: object[]): Iterator<Op, R, unknown> {
  return {
    next(answer: unknown): IteratorResult<Op, R> {
      const r = step.next(answer);
      assert.is.not(r, step as unknown); // a step that is its own result is a map of its own
      results.push(r);
      return r;
    },
  };
}

test('every written-out step hands over and ends in results of one shape: plain objects of own keys done then value, unfrozen (ops.ts StepOut)', () => {
  const env = new TestEnv(A);
  const results: object[] = [ENDED];
  const dropping = new client.MonitorsDropping(env);
  const state = initDispatcher(pid(A), env).state;
  const down = dispatchOf(env.self, ref(A), pid(B), atom('killed'));
  env.tables.references.insert(env.self, down.down.ref, pid(B));
  const proxy = initProxy(new TestEnv(B)).state;
  const targets: Target[] = [pid(B), pid(C), pid(B)];
  const connector = initConnector(B, env).state;
  const monitored = monitorMsg(pid(B), ref(A), env.self);
  const steps: Iterator<Op, unknown, unknown>[] = [
    once(undefined),
    once(metric('zen_monitor.local', 'monitor')),
    client.monitor(env, pid(B)),
    client.monitor(env, pid(C)),
    dropping.of(pid(B)),
    dropping.of(pid(C)),
    dispatcherStep(state, { kind: 'events', events: [down, down], from: { pid: state.producer, tag: state.subscription } }, env),
    connectorStep(connector, monitored, env),
    connectorStep(connector, monitorMsg(pid(B), ref(A), env.self), env),
    connectorStep(connector, { kind: 'demonitor', target: monitored.target, ref: monitored.ref }, env),
    proxyStep(proxy, { kind: 'subscribe', connector: pid(A), targets }, env),
    proxyStep(proxy, { kind: 'process', connector: pid(A), instructions: targets.map((target) => ({ op: 'unsubscribe', target })) }, env),
  ];
  for (const step of steps) runStep(recorded(step, results), env);
  assert.ok(results.length > 20);
  for (const r of results) {
    assert.equal(Object.keys(r), ['done', 'value']);
    assert.is(Object.getPrototypeOf(r), Object.prototype);
    assert.not.ok(Object.isFrozen(r));
  }
});

test.run();
