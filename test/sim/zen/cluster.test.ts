// ZenMonitor as a black box on a simulated cluster (spec §1 client API, §11 behaviours the
// upstream suite asserts; upstream test/black_box_test.exs, and the Dispatcher and
// Connector-cache cases of test/local/*_test.exs). Each test drives the client API from a
// probe process and asserts the exact DOWN messages `{:DOWN, ref, :process, object,
// {:zen_monitor, reason}}` it gets and, where the model makes them computable, when.
//
// Timing model (zero CPU costs, 50 µs one-way latency, no jitter; spec §10). With the
// fast settings of upstream's fast_zen_monitor (Connector, Batcher and Dispatcher every
// 10 ms), a monitored target that dies reaches its subscriber after the Batcher's next
// sweep (a Batcher starts at the first death it carries: exactly one interval later) and
// the Dispatcher's next demand tick (at most one interval later), plus latencies and the
// millisecond rounding of re-armed timers (SLACK). A target already dead when monitored
// also waits for the new Connector's first sweep (one interval after the monitor).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from '../../../core/inspect.js';
import { cachedCompatibility, penaltyMs } from '../../../core/connector.js';
import { namedTarget } from '../../../core/messages.js';
import { atom, bin, list, tuple, type Pid, type Ref, type Term } from '../../../core/terms.js';
import { truncate } from '../../../core/truncator.js';
import type { World } from '../../../sim/beam/world.js';
import type { ZenCluster } from '../../../sim/zen/cluster.js';
import { sleeper } from '../helpers.js';
import type { DownSignal } from '../../../sim/beam/process.js';
import { A, B, C, cluster, MS, Probe, runForMs, runToMs, showDown, zenDown, type DownRec } from './harness.js';

const FAST = { connector_sweep_interval: 10, batcher_sweep_interval: 10, demand_interval: 10 };
const INTERVAL = 10 * MS;
/** Latencies, the 1 µs minimum handler time and ms-rounded timer re-arms, µs. */
const SLACK = 3 * MS;
/** How long "nothing more arrives" is checked for (refute_receive), ms. */
const QUIET_MS = 1000;
const KILL = atom('kill');

type Env = { world: World; zen: ZenCluster; probe: Probe };

/** Nodes a and b (and c without ZenMonitor when asked), connected, FAST settings, a probe on a. */
function setup(opts: { withC?: boolean; zen?: Record<string, unknown> } = {}): Env {
  const nodes = opts.withC === true ? [A, B, C] : [A, B];
  const { world, zen } = cluster({ nodes, without: opts.withC === true ? [C] : [], zen: opts.zen ?? FAST });
  return { world, zen, probe: new Probe(world, zen, A) };
}

function kill(world: World, pid: Pid): number {
  world.exit(pid, KILL);
  return world.nowUs;
}

/** The DOWNs are exactly `expected`, in order (compared as one line each, for readable failures). */
function sameDowns(actual: readonly DownSignal[], expected: readonly DownSignal[], msg?: string): void {
  assert.equal(actual.map(showDown), expected.map(showDown), msg);
}

/** Asserts that `rec` arrived within [lo, hi] µs. */
function within(rec: DownRec | undefined, lo: number, hi: number, what: string): void {
  assert.ok(rec !== undefined, `${what}: no DOWN`);
  assert.ok(rec.at >= lo && rec.at <= hi, `${what}: DOWN at ${rec.at} µs, expected within [${lo}, ${hi}]`);
}

/** Monitors made and established: waits 50 ms as upstream does, then checks the Proxy side. */
function settle(env: Env, node: string, rows: number): void {
  runForMs(env.world, 50);
  assert.is(env.zen.app(node)?.tables.proxySubscribers.size, rows, `${rows} Proxy subscription(s) on ${node}`);
}

function cached(env: Env, remote: string) {
  const app = env.zen.app(A);
  assert.ok(app !== undefined);
  return cachedCompatibility(app.tables, remote, Math.floor(env.world.nowUs / MS));
}

// ---- 1. monitoring a local / a remote process ---------------------------------------------

for (const [where, node] of [
  ['local', A],
  ['remote', B],
] as const) {
  test(`${where}: monitor returns a fresh reference made on the caller's node`, () => {
    const env = setup();
    const t = env.world.spawn(node, sleeper);
    const r1 = env.probe.monitor(t);
    const r2 = env.probe.monitor(t);
    assert.is(r1.t, 'ref');
    assert.is(r1.node, A);
    assert.is.not(r1.uid, r2.uid);
  });

  test(`${where}: a live target killed later gives exactly one DOWN {:zen_monitor, :killed}, one batcher sweep and at most one demand tick later`, () => {
    const env = setup();
    const t = env.world.spawn(node, sleeper);
    const ref = env.probe.monitor(t);
    settle(env, node, 1);
    assert.equal(env.probe.log, [], 'nothing while the target lives');
    const tk = kill(env.world, t);
    runForMs(env.world, QUIET_MS);
    sameDowns(env.probe.downMsgs(), [zenDown(ref, t, 'killed')]);
    within(env.probe.downs()[0], tk + INTERVAL, tk + 2 * INTERVAL + SLACK, 'killed');
    assert.equal(env.probe.log.length, 1, 'no other message');
  });

  test(`${where}: several refs on one target all fire, in ref order`, () => {
    const env = setup();
    const t = env.world.spawn(node, sleeper);
    const refs = [env.probe.monitor(t), env.probe.monitor(t), env.probe.monitor(t)];
    settle(env, node, 1);
    const tk = kill(env.world, t);
    runForMs(env.world, QUIET_MS);
    sameDowns(
      env.probe.downMsgs(),
      refs.map((r) => zenDown(r, t, 'killed')),
    );
    for (const d of env.probe.downs()) within(d, tk + INTERVAL, tk + 2 * INTERVAL + SLACK, 'killed');
  });

  test(`${where}: an already dead target gives {:zen_monitor, :noproc}, after the first Connector and Batcher sweeps`, () => {
    const env = setup();
    const t = env.world.spawn(node, sleeper);
    kill(env.world, t);
    runForMs(env.world, 1);
    const t0 = env.world.nowUs;
    const ref = env.probe.monitor(t);
    runForMs(env.world, QUIET_MS);
    sameDowns(env.probe.downMsgs(), [zenDown(ref, t, 'noproc')]);
    within(env.probe.downs()[0], t0 + 2 * INTERVAL, t0 + 3 * INTERVAL + SLACK, 'noproc');
  });

  test(`${where}: several refs on an already dead target all fire with :noproc`, () => {
    const env = setup();
    const t = env.world.spawn(node, sleeper);
    kill(env.world, t);
    runForMs(env.world, 1);
    const refs = [env.probe.monitor(t), env.probe.monitor(t), env.probe.monitor(t)];
    runForMs(env.world, QUIET_MS);
    sameDowns(
      env.probe.downMsgs(),
      refs.map((r) => zenDown(r, t, 'noproc')),
    );
  });

  test(`${where}: monitors made before and after a death all fire (the later ones with :noproc)`, () => {
    const env = setup();
    const t = env.world.spawn(node, sleeper);
    const alive = [env.probe.monitor(t), env.probe.monitor(t)];
    settle(env, node, 1);
    kill(env.world, t);
    runForMs(env.world, 50);
    sameDowns(
      env.probe.downMsgs(),
      alive.map((r) => zenDown(r, t, 'killed')),
    );
    const dead = [env.probe.monitor(t), env.probe.monitor(t)];
    runForMs(env.world, QUIET_MS);
    sameDowns(env.probe.downMsgs(), [...alive.map((r) => zenDown(r, t, 'killed')), ...dead.map((r) => zenDown(r, t, 'noproc'))]);
  });

  test(`${where}: several targets killed, already dead, or mixed: every monitor reports`, () => {
    const env = setup();
    const [t, o, d1, d2] = [0, 1, 2, 3].map(() => env.world.spawn(node, sleeper)) as [Pid, Pid, Pid, Pid];
    // d1 and d2 are dead before their monitors; t and o after.
    kill(env.world, d1);
    kill(env.world, d2);
    runForMs(env.world, 1);
    const refs = {
      t: [env.probe.monitor(t), env.probe.monitor(t)],
      o: [env.probe.monitor(o), env.probe.monitor(o)],
      d1: [env.probe.monitor(d1), env.probe.monitor(d1)],
      d2: [env.probe.monitor(d2), env.probe.monitor(d2)],
    };
    settle(env, node, 2);
    kill(env.world, t);
    kill(env.world, o);
    runForMs(env.world, QUIET_MS);
    // The Proxy handles a run of subscriptions last-first (upstream's do_collect_targets
    // prepends), so of the two found dead in one sweep, d2 reports first.
    const expected = [
      ...refs.d2.map((r) => zenDown(r, d2, 'noproc')),
      ...refs.d1.map((r) => zenDown(r, d1, 'noproc')),
      ...refs.t.map((r) => zenDown(r, t, 'killed')),
      ...refs.o.map((r) => zenDown(r, o, 'killed')),
    ];
    const got = env.probe.downMsgs();
    assert.is(got.length, expected.length, 'one DOWN per ref');
    // Order across targets: the no-proc ones first (they died first), each target's refs in ref order.
    sameDowns(got, expected);
  });

  test(`${where}: the exit reason is kept, truncated once at the Proxy (top-level {:shutdown, _} intact, deep terms cut)`, () => {
    const env = setup();
    const seven = list('abcdefg'.split('').map((c) => atom(c)));
    const deep = tuple(atom('a'), tuple(atom('b'), tuple(atom('c'), tuple(atom('d')))));
    const bigBin = bin(new Uint8Array(2000).fill(120));
    const reasons: Term[] = [
      tuple(atom('shutdown'), atom('x')),
      tuple(atom('shutdown'), seven),
      tuple(atom('foo'), tuple(atom('shutdown'), seven)),
      deep,
      tuple(atom('error'), bigBin),
      atom('normal'),
    ];
    const expected: Term[] = [
      tuple(atom('shutdown'), atom('x')),
      tuple(atom('shutdown'), seven),
      tuple(atom('foo'), tuple(atom('shutdown'), atom('truncated'))),
      tuple(atom('a'), tuple(atom('b'), tuple(atom('truncated'), atom('truncated')))),
      tuple(atom('error'), bin(new Uint8Array([...new Uint8Array(1021).fill(120), 46, 46, 46]))),
      atom('normal'),
    ];
    // Each target exits by itself with its reason when told to (so :normal is a real exit too).
    const targets = reasons.map((r) => env.world.spawn(node, { handle: (ctx) => ctx.stop(r) }));
    const refs = targets.map((t) => env.probe.monitor(t));
    settle(env, node, targets.length);
    for (const t of targets) env.world.send(t, atom('go'));
    runForMs(env.world, QUIET_MS);
    const got = env.probe.downMsgs();
    sameDowns(
      got,
      targets.map((t, i) => zenDown(refs[i] as Ref, t, expected[i] as Term)),
    );
    // Matches the Truncator's own answer.
    for (let i = 0; i < reasons.length; i++) assert.equal(expected[i], truncate(reasons[i] as Term));
  });

  test(`${where}: only the dead target's monitors fire; the others stay silent`, () => {
    const env = setup();
    const t = env.world.spawn(node, sleeper);
    const o = env.world.spawn(node, sleeper);
    const tRef = env.probe.monitor(t);
    env.probe.monitor(o);
    env.probe.monitor(o);
    settle(env, node, 2);
    kill(env.world, t);
    runForMs(env.world, 10 * QUIET_MS);
    sameDowns(env.probe.downMsgs(), [zenDown(tRef, t, 'killed')]);
    assert.is(env.zen.app(node)?.tables.proxySubscribers.size, 1, "o's subscription is still in place");
  });

  test(`${where}: only the already dead target's monitors fire`, () => {
    const env = setup();
    const t = env.world.spawn(node, sleeper);
    const o = env.world.spawn(node, sleeper);
    kill(env.world, t);
    runForMs(env.world, 1);
    const tRef = env.probe.monitor(t);
    env.probe.monitor(o);
    runForMs(env.world, 10 * QUIET_MS);
    sameDowns(env.probe.downMsgs(), [zenDown(tRef, t, 'noproc')]);
  });
}

test('{name, node} targets: the DOWN names {name, node}; a name registered by nobody gives :noproc', () => {
  const env = setup();
  const remote = env.world.spawn(B, sleeper, { name: 'svc' });
  const byTuple = env.probe.monitor(namedTarget('svc', B));
  const missing = env.probe.monitor(namedTarget('nobody', B));
  settle(env, B, 1);
  kill(env.world, remote);
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downMsgs(), [zenDown(missing, namedTarget('nobody', B), 'noproc'), zenDown(byTuple, namedTarget('svc', B), 'killed')]);
});

test('a bare local name (as upstream 2.1.0): no DOWN ever comes, the ERTS DOWN names {name, node} and matches no Proxy row', () => {
  // Upstream's Proxy does Process.monitor(:svc); ERTS names the object {:svc, node()} in the
  // DOWN, and the Proxy looks up subscriptions by that object, so the row {:svc, connector}
  // is never found. zensim reproduces it; the {name, node} form above works.
  const env = setup();
  const local = env.world.spawn(A, sleeper, { name: 'svc' });
  const byName = env.probe.monitor(atom('svc'));
  const unregistered = env.probe.monitor(atom('nobody'));
  settle(env, A, 2);
  kill(env.world, local);
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downMsgs(), []);
  // The references stay behind (a leak upstream too), until demonitored.
  assert.ok(env.zen.app(A)?.tables.references.has(env.probe.pid, byName));
  assert.ok(env.zen.app(A)?.tables.references.has(env.probe.pid, unregistered));
});

test('client calls scheduled at given virtual times (probe.at) run then, inside the subscriber', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const refs: Ref[] = [];
  const at: number[] = [];
  env.probe.at(100, (ctx) => {
    at.push(ctx.nowUs());
    refs.push(env.zen.monitor(ctx, t));
  });
  env.world.at(200 * MS, () => env.world.exit(t, KILL));
  env.probe.at(150, (ctx) => {
    at.push(ctx.nowUs());
    refs.push(env.zen.monitor(ctx, t));
  });
  runToMs(env.world, 1000);
  assert.equal(at, [100 * MS, 150 * MS]);
  const [r1, r2] = refs as [Ref, Ref];
  sameDowns(env.probe.downMsgs(), [zenDown(r1, t, 'killed'), zenDown(r2, t, 'killed')]);
  within(env.probe.downs()[0], 200 * MS + INTERVAL, 200 * MS + 2 * INTERVAL + SLACK, 'killed at 200 ms');
});

// ---- 3. node death ---------------------------------------------------------------------

test('node death: every monitor of that node fires {:zen_monitor, :nodedown} (target order, then ref order); local ones stay', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const o = env.world.spawn(B, sleeper);
  const l = env.world.spawn(A, sleeper);
  const tRefs = [env.probe.monitor(t), env.probe.monitor(t)];
  const oRef = env.probe.monitor(o);
  env.probe.monitor(l);
  settle(env, B, 2);
  assert.is(env.probe.compatibilityForNode(B), 'compatible');
  env.world.crash(B);
  const tc = env.world.nowUs;
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downMsgs(), [...tRefs.map((r) => zenDown(r, t, 'nodedown')), zenDown(oRef, o, 'nodedown')]);
  // The crash is noticed when the connection reset reaches a (resetDelayUs, then its trip over the link), then one demand tick.
  const reset = env.world.net.config.resetDelayUs + env.world.net.config.latencyUs;
  for (const d of env.probe.downs()) within(d, tc + reset, tc + reset + INTERVAL + SLACK, 'nodedown');
  assert.equal(cached(env, B), 'unavailable');
  assert.is(env.probe.compatibilityForNode(B), 'incompatible');
});

test('node death: a monitor made after the node is gone fires :nodedown at the next Connector sweep', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  env.probe.monitor(t);
  settle(env, B, 1);
  env.world.crash(B);
  runForMs(env.world, 100);
  const t0 = env.world.nowUs;
  const ref = env.probe.monitor(t);
  runForMs(env.world, QUIET_MS);
  const late = env.probe.downsFor(ref);
  sameDowns(
    late.map((d) => d.msg),
    [zenDown(ref, t, 'nodedown')],
  );
  within(late[0], t0, t0 + 2 * INTERVAL + SLACK, 'nodedown after the crash');
});

// ---- 4. a node without ZenMonitor --------------------------------------------------------

test('incompatible node: monitor returns a ref; each monitor fires :nodedown after the first sweep; compatibility_for_node reads :incompatible', () => {
  const env = setup({ withC: true });
  const t = env.world.spawn(C, sleeper);
  const o = env.world.spawn(C, sleeper);
  const t0 = env.world.nowUs;
  const tRef = env.probe.monitor(t);
  const oRef = env.probe.monitor(o);
  assert.is(tRef.t, 'ref');
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downMsgs(), [zenDown(tRef, t, 'nodedown'), zenDown(oRef, o, 'nodedown')]);
  for (const d of env.probe.downs()) within(d, t0 + INTERVAL, t0 + 2 * INTERVAL + SLACK, 'incompatible');
  assert.is(env.probe.compatibilityForNode(C), 'incompatible');
  assert.is(env.probe.compatibility(t), 'incompatible');
  // Both targets are alive: only the node is unusable.
  assert.ok(env.world.alive(t) !== undefined && env.world.alive(o) !== undefined);
});

// ---- 5. compatible, then ZenMonitor stops on the remote ------------------------------------

test('compatible then ZenMonitor stopped on the remote: existing and new monitors fire :nodedown; compatibility turns :incompatible', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const o = env.world.spawn(B, sleeper);
  const tRef = env.probe.monitor(t);
  settle(env, B, 1);
  assert.is(env.probe.compatibilityForNode(B), 'compatible');
  env.zen.stop(B);
  const ts = env.world.nowUs;
  const oRef = env.probe.monitor(o);
  runForMs(env.world, QUIET_MS);
  assert.equal(
    new Set(env.probe.downMsgs().map((d) => JSON.stringify([d.ref.uid, d.reason]))),
    new Set([JSON.stringify([tRef.uid, zenDown(tRef, t, 'nodedown').reason]), JSON.stringify([oRef.uid, zenDown(oRef, o, 'nodedown').reason])]),
  );
  sameDowns(env.probe.downsFor(tRef).map((d) => d.msg), [zenDown(tRef, t, 'nodedown')]);
  sameDowns(env.probe.downsFor(oRef).map((d) => d.msg), [zenDown(oRef, o, 'nodedown')]);
  for (const d of env.probe.downs()) within(d, ts, ts + 2 * INTERVAL + SLACK, 'nodedown after stop');
  assert.is(env.probe.compatibilityForNode(B), 'incompatible');
  assert.ok(env.world.alive(t) !== undefined && env.world.alive(o) !== undefined, 'the targets themselves live on');
  // Still incompatible later: a new monitor fires :nodedown again.
  const again = env.probe.monitor(t);
  runForMs(env.world, QUIET_MS);
  sameDowns(
    env.probe.downsFor(again).map((d) => d.msg),
    [zenDown(again, t, 'nodedown')],
  );
});

test('ZenMonitor started again on the remote: once the 2 s penalty expires the Connector re-checks and monitors work again', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const first = env.probe.monitor(t);
  settle(env, B, 1);
  env.zen.stop(B);
  const ts = env.world.nowUs;
  runForMs(env.world, 100);
  sameDowns(env.probe.downMsgs(), [zenDown(first, t, 'nodedown')]);
  env.zen.start(B, FAST);
  const row = env.zen.app(A)?.tables.nodes.get(B);
  if (row?.kind !== 'incompatible') throw new Error(`expected an incompatible row, got ${JSON.stringify(row)}`);
  assert.is(row.attempt, 1, 'penalised, attempt 1');
  // Within the penalty a new monitor still fires :nodedown, without a new ping.
  const early = env.probe.monitor(t);
  runForMs(env.world, 100);
  sameDowns(env.probe.downsFor(early).map((d) => d.msg), [zenDown(early, t, 'nodedown')]);
  // After it (the first sweep past enforce_until), attempt 2 answers :pong.
  runToMs(env.world, row.enforceUntilMs + 20);
  assert.equal(cached(env, B), 'compatible');
  assert.ok(env.world.nowUs - ts >= penaltyMs(1) * MS);
  const again = env.probe.monitor(t);
  settle(env, B, 1);
  kill(env.world, t);
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downsFor(again).map((d) => d.msg), [zenDown(again, t, 'killed')]);
});

test('stop then start at one instant is Application.stop/1 then Application.start/1: the old processes are gone first, the new ones registered, monitors work again', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const first = env.probe.monitor(t);
  settle(env, B, 1);
  const singletons = ['proxy', 'local', 'dispatcher'] as const;
  const old = singletons.map((which) => env.zen.pidOf(B, which) as Pid);
  env.zen.stop(B);
  // Same instant: this used to throw "name 'ZenMonitor.Proxy' is already registered on b@h".
  const app = env.zen.start(B, FAST);
  for (const pid of old) assert.is(env.world.alive(pid), undefined, `old ${inspect(pid)} is dead when start returns`);
  // The new tree comes up over the next µs, each process after the one before it.
  runForMs(env.world, 1);
  assert.ok(env.zen.started(B));
  for (const [i, which] of singletons.entries()) {
    const now = env.zen.pidOf(B, which);
    assert.ok(now !== undefined && now !== old[i], `a new ${which}`);
  }
  assert.is(app.tables.proxySubscribers.size, 0, 'the new Proxy starts with empty tables');
  // The subscriber's Connector sees its Proxy go down (:shutdown): the monitor fires :nodedown.
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downsFor(first).map((d) => d.msg), [zenDown(first, t, 'nodedown')]);
  // After the 2 s penalty, a new monitor goes to the new Proxy and gets the real reason.
  runForMs(env.world, penaltyMs(1));
  const again = env.probe.monitor(t);
  settle(env, B, 1);
  kill(env.world, t);
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downsFor(again).map((d) => d.msg), [zenDown(again, t, 'killed')]);
});

test('a crashed node restarted with ZenMonitor: after reconnecting, monitors of its new processes work', () => {
  const env = setup();
  const old = env.world.spawn(B, sleeper);
  const oldRef = env.probe.monitor(old);
  settle(env, B, 1);
  env.world.crash(B);
  runForMs(env.world, 100);
  sameDowns(env.probe.downMsgs(), [zenDown(oldRef, old, 'nodedown')]);
  env.world.restart(B);
  env.zen.start(B, FAST);
  env.world.net.ensureConnected(A, B);
  runForMs(env.world, 10);
  assert.ok(env.world.net.connected(A, B), 'reconnected');
  const t = env.world.spawn(B, sleeper);
  const ref = env.probe.monitor(t);
  settle(env, B, 1);
  assert.equal(cached(env, B), 'compatible');
  kill(env.world, t);
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downMsgs().slice(1), [zenDown(ref, t, 'killed')]);
  // A pid of the old incarnation is gone for good: :noproc.
  const stale = env.probe.monitor(old);
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downsFor(stale).map((d) => d.msg), [zenDown(stale, old, 'noproc')]);
});

test('partition: monitors of the cut-off node fire :nodedown once the tick timeout declares it down', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const ref = env.probe.monitor(t);
  settle(env, B, 1);
  env.world.net.partition(A, B);
  const tp = env.world.nowUs;
  runForMs(env.world, 100 * QUIET_MS);
  sameDowns(env.probe.downMsgs(), [zenDown(ref, t, 'nodedown')]);
  // net_ticktime 60 s: a silent peer is declared down after 45 to 75 s (beam.md).
  const tick = env.world.net.config.netTicktimeS * 1_000_000;
  within(env.probe.downs()[0], tp + (tick * 3) / 4, tp + (tick * 5) / 4 + INTERVAL + SLACK, 'nodedown after a partition');
  assert.equal(cached(env, B), 'unavailable');
  assert.ok(env.world.alive(t) !== undefined, 'the target itself lives');
});

test('several subscribers, on one node and on two nodes, monitoring one target: each gets its own DOWN', () => {
  const { world, zen } = cluster({ nodes: [A, B, C], zen: FAST });
  const p1 = new Probe(world, zen, A);
  const p2 = new Probe(world, zen, A);
  const p3 = new Probe(world, zen, C);
  const t = world.spawn(B, sleeper);
  const r1 = p1.monitor(t);
  const r2 = p2.monitor(t);
  const r3 = p3.monitor(t);
  runForMs(world, 50);
  // One subscription per Connector (one per subscribing node), one ERTS monitor.
  assert.is(zen.app(B)?.tables.proxySubscribers.size, 2);
  const tp = world.proc(t);
  assert.is(tp === undefined ? -1 : tp.monitoredByCount(), 1);
  world.exit(t, KILL);
  runForMs(world, QUIET_MS);
  sameDowns(p1.downMsgs(), [zenDown(r1, t, 'killed')]);
  sameDowns(p2.downMsgs(), [zenDown(r2, t, 'killed')]);
  sameDowns(p3.downMsgs(), [zenDown(r3, t, 'killed')]);
});

test("ZenMonitor stopped on the subscriber's node: the remote Batcher drops that Connector's subscriptions and stops", () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const o = env.world.spawn(B, sleeper);
  env.probe.monitor(t);
  env.probe.monitor(o);
  settle(env, B, 2);
  kill(env.world, t); // starts the Batcher for a's Connector
  runForMs(env.world, 100);
  const b = env.zen.app(B);
  assert.ok(b !== undefined);
  const batchers = [...b.batchers.values()];
  assert.is(batchers.length, 1);
  const batcher = batchers[0] as Pid;
  assert.is(b.tables.proxySubscribers.size, 1);
  env.zen.stop(A);
  runForMs(env.world, 100);
  assert.is(b.tables.proxySubscribers.size, 0);
  assert.is(env.world.alive(batcher), undefined);
  // The Connector was one of GenRegistry's workers: its registry kills it (`:kill`) as it shuts down.
  assert.equal(env.world.proc(batcher)?.exitReason, tuple(atom('shutdown'), tuple(atom('subscriber_down'), atom('killed'))));
});

// ---- 6. demonitor -------------------------------------------------------------------------

test('demonitor before the death: no DOWN, and the Proxy subscription is withdrawn', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const ref = env.probe.monitor(t);
  assert.is(env.probe.demonitor(ref), true);
  kill(env.world, t);
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downMsgs(), []);
  assert.is(env.zen.app(B)?.tables.proxySubscribers.size, 0);
});

test('demonitor after the subscription is in place: no DOWN', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const ref = env.probe.monitor(t);
  settle(env, B, 1);
  env.probe.demonitor(ref);
  kill(env.world, t);
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downMsgs(), []);
});

test('demonitor only affects the demonitored reference', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const gone = env.probe.monitor(t);
  const keep = env.probe.monitor(t);
  env.probe.demonitor(gone);
  kill(env.world, t);
  runForMs(env.world, QUIET_MS);
  // Killed before the first sweep subscribed it: the Proxy finds it dead (:noproc).
  sameDowns(env.probe.downMsgs(), [zenDown(keep, t, 'noproc')]);
});

test('a DOWN already delivered stays in the mailbox after a plain demonitor', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const ref = env.probe.monitor(t);
  kill(env.world, t);
  const seen: unknown[] = [];
  // Process.sleep(50), then demonitor(ref) with the DOWN waiting in the mailbox.
  env.probe.sleepThen(50, (ctx) => {
    seen.push(env.probe.mailboxDowns());
    seen.push(env.zen.demonitor(ctx, ref));
    seen.push(env.probe.mailboxDowns());
  });
  runForMs(env.world, QUIET_MS);
  const down = zenDown(ref, t, 'noproc');
  assert.equal(seen, [[down], true, [down]]);
  sameDowns(env.probe.downMsgs(), [down], 'received after the demonitor');
});

test('demonitor(ref, [:flush]) before the death: no DOWN', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const ref = env.probe.monitor(t);
  env.probe.demonitor(ref, ['flush']);
  kill(env.world, t);
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downMsgs(), []);
});

test('demonitor(ref, [:flush]) removes a DOWN already in the mailbox', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const ref = env.probe.monitor(t);
  kill(env.world, t);
  const seen: unknown[] = [];
  env.probe.sleepThen(50, (ctx) => {
    seen.push(env.probe.mailboxDowns().length);
    seen.push(env.zen.demonitor(ctx, ref, ['flush']));
    seen.push(env.probe.mailboxDowns().length);
  });
  runForMs(env.world, QUIET_MS);
  assert.equal(seen, [1, true, 0]);
  sameDowns(env.probe.downMsgs(), []);
});

test(':flush removes only the flushed reference', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const flushed = env.probe.monitor(t);
  const demonitored = env.probe.monitor(t);
  const kept = env.probe.monitor(t);
  kill(env.world, t);
  env.probe.sleepThen(50, (ctx) => {
    env.zen.demonitor(ctx, flushed, ['flush']);
    env.zen.demonitor(ctx, demonitored);
  });
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downMsgs(), [zenDown(demonitored, t, 'noproc'), zenDown(kept, t, 'noproc')]);
});

test('demonitor of an unknown ref returns true and changes nothing', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const ref = env.probe.monitor(t);
  const stranger: Ref = env.world.makeRef(A);
  assert.is(env.probe.demonitor(stranger), true);
  assert.is(env.probe.demonitor(stranger, ['flush', 'info']), true);
  settle(env, B, 1);
  kill(env.world, t);
  runForMs(env.world, QUIET_MS);
  sameDowns(env.probe.downMsgs(), [zenDown(ref, t, 'killed')]);
});

// ---- 7. connect and the compatibility cache ------------------------------------------------

/** Connector sweeps far apart, so only `connect` touches the cache (upstream's disable_sweep). */
const NO_SWEEP = { connector_sweep_interval: 100_000_000 };

test('connect: :compatible for a ZenMonitor node; the cache reads :miss before and :compatible after', () => {
  const env = setup({ withC: true, zen: NO_SWEEP });
  assert.equal(cached(env, B), 'miss');
  assert.is(env.probe.compatibilityForNode(B), 'incompatible', 'all nodes start off incompatible');
  const t0 = env.world.nowUs;
  const { result, at } = env.probe.connect(B);
  assert.is(result, 'compatible');
  // One ping round trip: a -> b -> a.
  const rtt = 2 * env.world.net.config.latencyUs;
  assert.ok(at >= t0 + rtt && at <= t0 + rtt + 10, `answered at ${at - t0} µs`);
  assert.equal(cached(env, B), 'compatible');
  assert.is(env.probe.compatibilityForNode(B), 'compatible');
  assert.is(env.probe.compatibility(namedTarget('x', B)), 'compatible');
});

test('connect: :incompatible for a node without ZenMonitor; the entry expires exactly after the 2 s penalty, then 4 s', () => {
  const env = setup({ withC: true, zen: NO_SWEEP });
  assert.equal(cached(env, C), 'miss');
  const { result, at } = env.probe.connect(C);
  assert.is(result, 'incompatible');
  const row = env.zen.app(A)?.tables.nodes.get(C);
  const until = Math.floor(at / MS) + penaltyMs(1);
  assert.equal(row, { kind: 'incompatible', enforceUntilMs: until, attempt: 1 });
  assert.is(penaltyMs(1), 2000);
  assert.equal(cached(env, C), 'incompatible');
  runToMs(env.world, until);
  assert.equal(cached(env, C), 'incompatible', `still penalised at ${until} ms`);
  assert.is(env.probe.compatibilityForNode(C), 'incompatible');
  runToMs(env.world, until + 1);
  assert.equal(cached(env, C), { expired: 1 }, `expired at ${until + 1} ms`);
  assert.is(env.probe.compatibilityForNode(C), 'incompatible', 'an expired entry still reads :incompatible');
  // The next check is attempt 2: 4 s.
  const second = env.probe.connect(C);
  assert.is(second.result, 'incompatible');
  assert.equal(env.zen.app(A)?.tables.nodes.get(C), { kind: 'incompatible', enforceUntilMs: Math.floor(second.at / MS) + 4000, attempt: 2 });
});

test('connect: :incompatible for a node that is down or unknown (no connection is made: :unavailable)', () => {
  const env = setup({ withC: true, zen: NO_SWEEP });
  for (const down of ['down@down', C]) {
    if (down === C) env.world.crash(C);
    runForMs(env.world, 100);
    const { result } = env.probe.connect(down);
    assert.is(result, 'incompatible', down);
    assert.equal(cached(env, down), 'unavailable', down);
    assert.is(env.probe.compatibilityForNode(down), 'incompatible', down);
  }
  assert.not.ok(env.world.net.connected(A, 'down@down'), 'ZenMonitor never connects by itself');
});

test('connect: a ZenMonitor node not connected yet reads :unavailable (ZenMonitor never connects by itself)', () => {
  const { world, zen } = cluster({ connected: false, zen: NO_SWEEP });
  const probe = new Probe(world, zen, A);
  assert.is(probe.connect(B).result, 'incompatible');
  assert.not.ok(world.net.connected(A, B));
  assert.equal(zen.app(A)?.tables.nodes.get(B), { kind: 'unavailable' });
});

test('connect: a crashed node reads :unavailable once the connection reset reaches the Connector', () => {
  const env = setup({ zen: NO_SWEEP });
  assert.is(env.probe.connect(B).result, 'compatible');
  runForMs(env.world, 10);
  env.world.crash(B);
  const tc = env.world.nowUs;
  const reset = env.world.net.config.resetDelayUs + env.world.net.config.latencyUs;
  env.world.kernel.run({ untilUs: tc + reset - 1 });
  assert.equal(cached(env, B), 'compatible', 'not noticed before the reset arrives');
  env.world.kernel.run({ untilUs: tc + reset + 10 });
  assert.equal(cached(env, B), 'unavailable');
  assert.is(env.probe.compatibilityForNode(B), 'incompatible');
});

// ---- 8. the Dispatcher ------------------------------------------------------------------------

test('Dispatcher: nothing is sent to a subscriber while its targets live (nor when nothing is monitored)', () => {
  const env = setup();
  const idle = new Probe(env.world, env.zen, A);
  const targets = [A, A, B, B, B].map((n) => env.world.spawn(n, sleeper));
  for (const t of targets) env.probe.monitor(t);
  runForMs(env.world, 5 * QUIET_MS);
  assert.equal(env.probe.log, []);
  assert.equal(idle.log, []);
});

test('Dispatcher: a monitor made after a delivered death fires again with :noproc; nodedown delivers every monitor', () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  const first = env.probe.monitor(t);
  settle(env, B, 1);
  kill(env.world, t);
  runForMs(env.world, 100);
  sameDowns(env.probe.downMsgs(), [zenDown(first, t, 'killed')]);
  const second = env.probe.monitor(t);
  runForMs(env.world, 100);
  sameDowns(env.probe.downMsgs(), [zenDown(first, t, 'killed'), zenDown(second, t, 'noproc')]);
  // nodedown: 20 live targets, all delivered.
  const live = Array.from({ length: 20 }, () => env.world.spawn(B, sleeper));
  const refs = live.map((p) => env.probe.monitor(p));
  settle(env, B, 20);
  env.world.crash(B);
  runForMs(env.world, QUIET_MS);
  sameDowns(
    env.probe.downMsgs().slice(2),
    live.map((p, i) => zenDown(refs[i] as Ref, p, 'nodedown')),
  );
});

test('Dispatcher: delivery never exceeds demand_amount per demand interval (10 per 100 ms)', () => {
  const env = setup({ zen: { ...FAST, demand_amount: 10, demand_interval: 100 } });
  const targets = Array.from({ length: 45 }, () => env.world.spawn(B, sleeper));
  const refs = targets.map((t) => env.probe.monitor(t));
  settle(env, B, 45);
  const tk = env.world.nowUs;
  for (const t of targets) kill(env.world, t);
  runForMs(env.world, 10 * QUIET_MS);
  const downs = env.probe.downs();
  sameDowns(
    downs.map((d) => d.msg),
    targets.map((t, i) => zenDown(refs[i] as Ref, t, 'killed')),
    'each killed target once, in kill order',
  );
  // Bursts at the Dispatcher's ticks: 10, 10, 10, 10, 5, at least 100 ms apart.
  const bursts: DownRec[][] = [];
  for (const d of downs) {
    const last = bursts.at(-1);
    if (last !== undefined && d.at - (last[0] as DownRec).at < 50 * MS) last.push(d);
    else bursts.push([d]);
  }
  assert.equal(
    bursts.map((b) => b.length),
    [10, 10, 10, 10, 5],
  );
  for (let i = 1; i < bursts.length; i++) {
    const gap = (bursts[i]?.[0] as DownRec).at - (bursts[i - 1]?.[0] as DownRec).at;
    assert.ok(gap >= 100 * MS && gap <= 100 * MS + SLACK, `burst ${i} ${gap} µs after the previous one`);
  }
  // Any 100 ms window holds at most demand_amount.
  for (let i = 0; i + 10 < downs.length; i++) {
    assert.ok((downs[i + 10] as DownRec).at - (downs[i] as DownRec).at >= 100 * MS - SLACK, `window at DOWN ${i}`);
  }
  // Per 100 ms window from the kill:
  const windows = new Map<number, number>();
  for (const d of downs) {
    const w = Math.floor((d.at - tk) / (100 * MS));
    windows.set(w, (windows.get(w) ?? 0) + 1);
  }
  for (const [w, n] of windows) assert.ok(n <= 10, `window ${w}: ${n} DOWNs`);
  within(downs[0], tk + INTERVAL, tk + INTERVAL + 100 * MS + SLACK, 'first burst');
});

test('config: demand_amount changed at run time takes effect at the next demand tick', () => {
  const env = setup({ zen: { ...FAST, demand_amount: 10, demand_interval: 100 } });
  const targets = Array.from({ length: 45 }, () => env.world.spawn(B, sleeper));
  for (const t of targets) env.probe.monitor(t);
  settle(env, B, 45);
  for (const t of targets) kill(env.world, t);
  // Upstream reads the app env at every use: after the second burst of 10, ask for 20.
  while (env.probe.downs().length < 20) runForMs(env.world, 1);
  env.zen.setConfig('demand_amount', 20);
  assert.is(env.zen.app(A)?.config.demand_amount, 20);
  runForMs(env.world, 10 * QUIET_MS);
  const bursts: number[] = [];
  let last = -Infinity;
  for (const d of env.probe.downs()) {
    if (d.at - last < 50 * MS) bursts[bursts.length - 1] = (bursts.at(-1) as number) + 1;
    else bursts.push(1);
    last = d.at;
  }
  assert.equal(bursts, [10, 10, 20, 5]);
  assert.throws(() => env.zen.setConfig('demand_amount', 0), /demand_amount/);
  assert.throws(() => env.zen.setConfig('no_such_key', 1), /no_such_key/);
});

test('Dispatcher: demonitored refs do not eat the rate', () => {
  const env = setup({ zen: { ...FAST, demand_amount: 10, demand_interval: 100 } });
  const targets = Array.from({ length: 20 }, () => env.world.spawn(B, sleeper));
  const refs = targets.map((t) => env.probe.monitor(t));
  settle(env, B, 20);
  for (const t of targets) kill(env.world, t);
  // Let the deaths reach Local, then drop the first 10 refs before any demand tick takes them.
  runForMs(env.world, 12);
  assert.equal(env.probe.log, []);
  for (const r of refs.slice(0, 10)) env.probe.demonitor(r);
  runForMs(env.world, QUIET_MS);
  const downs = env.probe.downs();
  sameDowns(
    downs.map((d) => d.msg),
    targets.slice(10).map((t, i) => zenDown(refs[10 + i] as Ref, t, 'killed')),
  );
  // All ten live ones come in one burst: the dropped ones were re-asked for at once.
  assert.ok((downs.at(-1) as DownRec).at - (downs[0] as DownRec).at < 10 * MS, 'one burst');
});

// ---- 9. bad input ----------------------------------------------------------------------------

test('bad input: starting ZenMonitor with an unknown key or a bad value throws naming the key; nothing is started', () => {
  const { world, zen } = cluster({ without: [A, B] });
  const bad: [Record<string, unknown>, string][] = [
    [{ bogus_key: 1 }, 'bogus_key'],
    [{ demand_amount: 0 }, 'demand_amount'],
    [{ demand_interval: 'fast' }, 'demand_interval'],
    [{ connector_sweep_interval: 1.5 }, 'connector_sweep_interval'],
    [{ batcher_chunk_size: -1 }, 'batcher_chunk_size'],
  ];
  for (const [env, key] of bad) {
    assert.throws(
      () => zen.start(A, env),
      (e: unknown) => e instanceof Error && e.message.includes(key),
      key,
    );
    assert.is(zen.app(A), undefined, `no app after the failed start (${key})`);
    assert.is(world.node(A).registered.size, 0, `no process started (${key})`);
  }
  const app = zen.start(A, { demand_amount: 7 });
  assert.is(app.config.demand_amount, 7);
  assert.throws(() => zen.start(A), /already running/);
});

test('using the client on a node without ZenMonitor is badarg: the caller crashes', () => {
  const env = setup({ withC: true });
  const onC = new Probe(env.world, env.zen, C);
  const t = env.world.spawn(B, sleeper);
  const ref = env.world.makeRef(C);
  const calls: [string, () => unknown][] = [
    ['monitor', () => onC.monitor(t)],
    ['demonitor', () => onC.demonitor(ref)],
    ['compatibility', () => onC.compatibility(t)],
    ['compatibility_for_node', () => onC.compatibilityForNode(B)],
    ['connect', () => onC.connect(B)],
  ];
  // Upstream the client's first ETS access raises badarg: the caller crashes.
  for (const [name, call] of calls) assert.throws(call, /no ets table 'ZenMonitor.Local.Tables.References' on c@h \(badarg\)/, name);
  // And on a node whose ZenMonitor was stopped.
  env.zen.stop(A);
  assert.throws(() => env.probe.monitor(t), /on a@h \(badarg\)/);
});

// A shared table goes with its owner (component.ts tableOp: badarg, as upstream's ETS call
// would raise); its body stays on the app until the owner makes a new one.
test("a table operation on a shared table whose owner is dead is badarg: Local killed, a monitor's Subscribers read crashes the caller until Local is back", () => {
  const env = setup();
  const t = env.world.spawn(B, sleeper);
  env.probe.monitor(t); // the tables were there a moment ago: their bits are kept
  kill(env.world, env.zen.pidOf(A, 'local') as Pid);
  assert.throws(() => env.probe.monitor(t), /no ets table 'ZenMonitor.Local.Subscribers' on a@h \(badarg\)/);
  runForMs(env.world, 10);
  const sub = new Probe(env.world, env.zen, A);
  assert.not.throws(() => sub.monitor(t), 'a new Local, a new table');
});

test('a subscriber that dies: its monitors are dropped (no DOWN is sent anywhere) and the Proxy is unsubscribed', () => {
  const env = setup();
  const sub = new Probe(env.world, env.zen, A);
  const t = env.world.spawn(B, sleeper);
  sub.monitor(t);
  sub.monitor(t);
  settle(env, B, 1);
  env.world.exit(sub.pid, KILL);
  runForMs(env.world, 100);
  assert.is(env.zen.app(A)?.tables.references.size, 0, 'Local dropped its references');
  assert.is(env.zen.app(B)?.tables.proxySubscribers.size, 0, 'the Proxy subscription is withdrawn');
  kill(env.world, t);
  runForMs(env.world, QUIET_MS);
  assert.equal(sub.log, []);
});

test.run();
