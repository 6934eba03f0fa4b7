// Upstream tests that need ZenMonitor's supervision trees running on a node: "Getting a
// connector" (test/local/connector_test.exs, 5 tests), "Getting a Batcher"
// (test/proxy/batcher_test.exs, 4 tests) and the Proxy's "DOWN handling truncates state"
// (test/proxy/proxy_test.exs). Each keeps the upstream name and asserts what upstream
// asserts, from a probe process calling `Connector.get_for_node/1` and `Batcher.get/1`
// (zen.timed.connectorFor / batcherFor: GenRegistry.lookup in the caller, then a blocking
// lookup_or_start).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DeadMsg } from '../../../core/messages.js';
import { atom, int, list, mapOf, tuple, type Pid, type Term } from '../../../core/terms.js';
import type { Ctx, Yielded } from '../../../sim/beam/process.js';
import { PROXY } from '../../../sim/zen/cluster.js';
import { sleeper } from '../helpers.js';
import { A, B, C, cluster, Probe, runForMs } from './harness.js';

const KILL = atom('kill');

/** a (ZenMonitor), b "Compatible" (ZenMonitor) and c "Incompatible" (none), connected; a probe on a. */
function setup() {
  const env = cluster({ nodes: [A, B, C], without: [C] });
  return { ...env, probe: new Probe(env.world, env.zen, A) };
}

/** `Process.sleep(ms)` in a generator handler: a receive that matches nothing, for `ms`. */
function* sleep(ctx: Ctx, ms: number): Generator<Yielded, void, unknown> {
  yield ctx.receive(() => false, ms);
}

// ---- Getting a connector (test/local/connector_test.exs) ----------------------------------

test('Getting a connector: get connector for compatible remote node', () => {
  const { world, zen, probe } = setup();
  const connector = probe.runTimed((ctx) => zen.timed.connectorFor(ctx, B)).value;
  assert.ok(world.alive(connector) !== undefined);
});

test('Getting a connector: get connector for incompatible remote node', () => {
  const { world, zen, probe } = setup();
  const connector = probe.runTimed((ctx) => zen.timed.connectorFor(ctx, C)).value;
  assert.ok(world.alive(connector) !== undefined);
});

test('Getting a connector: multiple gets return the same connector', () => {
  const { zen, probe } = setup();
  const [a, b] = probe.runTimed(function* (ctx) {
    return [yield* zen.timed.connectorFor(ctx, B), yield* zen.timed.connectorFor(ctx, B)] as const;
  }).value;
  assert.is(a, b);
});

test('Getting a connector: new connector after connector is killed', () => {
  const { world, zen, probe } = setup();
  const seen: { originalAlive?: boolean; deadAfterKill?: boolean; sameAtFirst?: boolean } = {};
  const [original, replacement] = probe.runTimed(function* (ctx) {
    const original = yield* zen.timed.connectorFor(ctx, B);
    seen.originalAlive = world.alive(original) !== undefined;
    ctx.exit(original, KILL);
    yield;
    seen.deadAfterKill = world.alive(original) === undefined;
    let replacement = yield* zen.timed.connectorFor(ctx, B);
    // GenRegistry.lookup may still give the dead pid until the registry has handled its :EXIT.
    seen.sameAtFirst = replacement === original;
    if (replacement === original) {
      yield* sleep(ctx, 50);
      replacement = yield* zen.timed.connectorFor(ctx, B);
    }
    return [original, replacement] as const;
  }).value;
  assert.ok(seen.originalAlive && seen.deadAfterKill);
  assert.ok(world.alive(replacement) !== undefined);
  assert.is.not(original, replacement);
});

test('Getting a connector: each remote has its own connector', () => {
  const { zen, probe } = setup();
  const [a, c] = probe.runTimed(function* (ctx) {
    return [yield* zen.timed.connectorFor(ctx, B), yield* zen.timed.connectorFor(ctx, C)] as const;
  }).value;
  assert.is.not(a, c);
});

test('a lookup right after a Connector is killed can still give the dead pid (the registry has not handled its :EXIT): a cast to it is lost', () => {
  const { world, zen, probe } = setup();
  const original = probe.runTimed((ctx) => zen.timed.connectorFor(ctx, B)).value;
  // From outside any process: the kill and the next lookup in the same µs.
  let again: Pid | undefined;
  world.at(world.nowUs + 1, () => {
    world.exit(original, KILL, A);
    again = zen.app(A)?.connectors.get(B);
  });
  runForMs(world, 1);
  assert.is(again, original);
  assert.is(world.alive(original), undefined);
  assert.is(zen.app(A)?.connectors.get(B), undefined, 'once the registry has handled the :EXIT, the row is gone');
});

// ---- Getting a Batcher (test/proxy/batcher_test.exs) --------------------------------------

test('Getting a Batcher: batcher for pid', () => {
  const { world, zen, probe } = setup();
  const batcher = probe.runTimed((ctx) => zen.timed.batcherFor(ctx, ctx.self)).value;
  assert.ok(world.alive(batcher) !== undefined);
});

test('Getting a Batcher: multiple gets for the same pid should return the same batcher', () => {
  const { zen, probe } = setup();
  const [a, b] = probe.runTimed(function* (ctx) {
    return [yield* zen.timed.batcherFor(ctx, ctx.self), yield* zen.timed.batcherFor(ctx, ctx.self)] as const;
  }).value;
  assert.is(a, b);
});

test('Getting a Batcher: batcher is replaced if it dies', () => {
  const { world, zen, probe } = setup();
  const [original, replacement] = probe.runTimed(function* (ctx) {
    const original = yield* zen.timed.batcherFor(ctx, ctx.self);
    assert.ok(world.alive(original) !== undefined);
    ctx.exit(original, KILL);
    yield;
    assert.is(world.alive(original), undefined);
    let replacement = yield* zen.timed.batcherFor(ctx, ctx.self);
    if (replacement === original) {
      yield* sleep(ctx, 50);
      replacement = yield* zen.timed.batcherFor(ctx, ctx.self);
    }
    return [original, replacement] as const;
  }).value;
  assert.ok(world.alive(replacement) !== undefined);
  assert.is.not(original, replacement);
});

test('Getting a Batcher: each pid gets its own batcher', () => {
  // Upstream's second key is the atom :other; a Batcher keyed by it starts too (and dies
  // soon after, its monitor of the unregistered name finding no clause). Here the second
  // key is another pid: the assertion, two different Batchers, is the same.
  const { world, zen, probe } = setup();
  const other = world.spawn(A, sleeper);
  const [a, b] = probe.runTimed(function* (ctx) {
    return [yield* zen.timed.batcherFor(ctx, ctx.self), yield* zen.timed.batcherFor(ctx, other)] as const;
  }).value;
  assert.is.not(a, b);
});

// ---- DOWN handling truncates state (test/proxy/proxy_test.exs) -----------------------------

/** `[file: ~c"…", line: n]`, a stack frame's location. */
function location(file: string, line: number): Term {
  return list([tuple(atom('file'), list([...file].map((c) => int(c.charCodeAt(0))))), tuple(atom('line'), int(line))]);
}

test('DOWN handling truncates state', () => {
  const { world, zen, probe } = setup();
  // Crasher: a GenServer whose state is %{1 => 2, …, 10000 => 20000}; `GenServer.call(pid, :crash)`
  // matches no handle_call clause, so it exits with {:function_clause, frames}, its state in the first frame's arguments.
  const state = mapOf(Array.from({ length: 10_000 }, (_, i) => [int(i + 1), int(2 * (i + 1))] as const));
  const frames = list([
    tuple(atom('Elixir.Crasher'), atom('handle_call'), list([atom('crash'), tuple(probe.pid, world.makeRef(A)), state]), location('test/proxy/proxy_test.exs', 347)),
    tuple(atom('gen_server'), atom('try_handle_call'), int(4), location('gen_server.erl', 1149)),
    tuple(atom('gen_server'), atom('handle_msg'), int(6), location('gen_server.erl', 1178)),
    tuple(atom('proc_lib'), atom('init_p_do_apply'), int(3), location('proc_lib.erl', 240)),
  ]);
  const crasher = world.spawn(A, { handle: (ctx) => ctx.stop(tuple(atom('function_clause'), frames)) });
  probe.run((ctx) => ctx.send({ name: PROXY, node: A }, { kind: 'process', connector: ctx.self, instructions: [{ op: 'subscribe', target: crasher }] }));
  runForMs(world, 10);
  assert.is(zen.app(A)?.tables.proxySubscribers.size, 1, 'the subscriber gets written to the table');
  world.send(crasher, atom('crash'));
  const t0 = world.nowUs;
  runForMs(world, 500);
  const dead = probe.log.find((r) => (r.msg as { kind?: unknown }).kind === 'dead');
  assert.ok(dead !== undefined && dead.at - t0 <= 500_000, '{:dead, _, [{crasher, reason}]} within 500 ms');
  const [cert] = (dead.msg as DeadMsg).certificates;
  assert.is(cert?.pid, crasher);
  const reason = cert?.reason as Term & { t: 'tuple' };
  assert.is(reason.v[0], atom('function_clause'));
  const got = reason.v[1] as Term & { t: 'list' };
  assert.is(got.t, 'list');
  assert.is(got.v.length, 4);
  for (const frame of got.v) assert.equal([...new Set((frame as Term & { t: 'tuple' }).v)], [atom('truncated')]);
});

test.run();
