// OTP supervision in the simulated world (sim/beam/supervisor.ts) against supervisor.erl
// (OTP 25) with Elixir's Supervisor.init/2 defaults: start order and a failing start,
// the three strategies, the restart types, restart intensity in whole seconds,
// shutdown order with each child's shutdown, nested supervisors, and a table owned by
// a Tables child outliving its siblings. Expected events are exact: which child
// starts or exits, with which reason, in which order, at which µs (zero CPU costs).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from '../../../core/inspect.js';
import { atom, int, tuple, type Pid } from '../../../core/terms.js';
import type { Behaviour, Ctx, Received } from '../../../sim/beam/process.js';
import { startResult, type StartResult } from '../../../sim/beam/proc_lib.js';
import { supervisor, whichChildren, type ChildSpec, type SupervisorSpec } from '../../../sim/beam/supervisor.js';
import type { World } from '../../../sim/beam/world.js';
import { A, drain, isAtomTerm, KILL, makeWorld, runUntil } from '../helpers.js';
import { Tree } from './otp_trace.js';

const S = 1_000_000;
const BOOM = atom('boom');

/** A tree of workers `ids` under a supervisor named `top`, spawned at 0 from a driver. */
function tree(strategy: SupervisorSpec['strategy'], ids: string[], extra: Partial<SupervisorSpec> = {}): { w: World; t: Tree; sup: Pid } {
  const w = makeWorld();
  const t = new Tree(w);
  const children: ChildSpec[] = ids.map((id) => ({ id, start: t.child(id) }));
  const sup = w.spawn(A, t.named('top', supervisor({ strategy, children, ...extra })));
  runUntil(w, 1_000);
  return { w, t, sup };
}

function ids(w: World, sup: Pid): string[] {
  return (whichChildren(w, sup) ?? []).map((c) => `${c.id}:${typeof c.pid === 'object' ? c.pid.uid : String(c.pid)}`);
}

test('start: children start in order, each once the previous init has returned, linked to the trapping supervisor', () => {
  const w = makeWorld();
  const t = new Tree(w);
  const children = ['a', 'b', 'c'].map((id) => ({ id, start: t.child(id, { initUs: 100 }) }));
  const sup = w.spawn(A, t.named('top', supervisor({ strategy: 'one_for_one', children })));
  drain(w);
  assert.equal(t.events, [
    [0, 'start top'],
    [0, 'start a'],
    [100, 'start b'],
    [200, 'start c'],
  ]);
  const p = w.proc(sup);
  assert.is(p?.ext?.trapExit, true);
  for (const id of ['a', 'b', 'c']) assert.ok(p?.ext?.links?.has(t.pid(id).uid), `linked to ${id}`);
  assert.equal(
    whichChildren(w, sup)?.map((c) => [c.id, c.pid, c.type]),
    ['a', 'b', 'c'].map((id) => [id, t.pid(id), 'worker']),
  );
});

test('start: a child that fails to start shuts down the ones started and fails the supervisor with {:shutdown, {:failed_to_start_child, id, reason}}', () => {
  const w = makeWorld();
  const t = new Tree(w);
  const results: StartResult[] = [];
  let sup: Pid | undefined;
  const spec: SupervisorSpec = {
    strategy: 'one_for_one',
    children: [
      { id: 'a', start: t.child('a') },
      { id: 'b', start: t.child('b') },
      { id: 'c', start: t.child('c', { fail: atom('bad_config') }) },
      { id: 'd', start: t.child('d') },
    ],
  };
  w.spawn(A, {
    init: (ctx) => {
      ctx.trapExit(true);
      sup = ctx.startLink(t.named('top', supervisor(spec)));
    },
    handle: (_ctx, msg) => void ((msg as Received).kind === 'received' && results.push(startResult((msg as Received).msg, sup as Pid))),
  });
  drain(w);
  assert.equal(t.events, [
    [0, 'start top'],
    [1, 'start a'], // the parent's init holds the other scheduler until 1
    [2, 'start b'],
    [3, 'start c'],
    [3, 'exit b :shutdown'], // c acks {:error, :bad_config} when its init returns, and exits when that handler ends
    [4, 'exit c :bad_config'],
    [4, 'exit a :shutdown'],
    [6, 'exit top {:shutdown, {:failed_to_start_child, :c, :bad_config}}'],
  ]);
  assert.equal(results.map((r) => ('error' in r ? inspect(r.error) : 'ok')), ['{:shutdown, {:failed_to_start_child, :c, :bad_config}}']);
});

test('one_for_one: only the child that exited is restarted', () => {
  const { w, t, sup } = tree('one_for_one', ['a', 'b', 'c']);
  const before = ids(w, sup);
  w.at(10_000, () => w.exit(t.pid('b'), BOOM));
  drain(w);
  assert.equal(t.since(10_000), [
    [0, 'exit b :boom'],
    [0, 'start b'],
  ]);
  const after = ids(w, sup);
  assert.equal([after[0], after[2]], [before[0], before[2]]);
  assert.is.not(after[1], before[1]);
});

test('rest_for_one: the children after it are shut down last first, then it and they start again in order', () => {
  const { w, t } = tree('rest_for_one', ['a', 'b', 'c', 'd']);
  w.at(10_000, () => w.exit(t.pid('b'), KILL));
  drain(w);
  assert.equal(t.since(10_000), [
    [0, 'exit b :killed'],
    [0, 'exit d :shutdown'],
    [1, 'exit c :shutdown'],
    [2, 'start b'],
    [3, 'start c'],
    [4, 'start d'],
  ]);
  assert.is(t.pids.get('a')?.length, 1, 'a untouched');
});

test('one_for_all: every other child is shut down last first, then all start again in order', () => {
  const { w, t } = tree('one_for_all', ['a', 'b', 'c']);
  w.at(10_000, () => w.exit(t.pid('b'), BOOM));
  drain(w);
  assert.equal(t.since(10_000), [
    [0, 'exit b :boom'],
    [0, 'exit c :shutdown'],
    [1, 'exit a :shutdown'],
    [2, 'start a'],
    [3, 'start b'],
    [4, 'start c'],
  ]);
});

test('restart types: permanent always, transient only after an abnormal exit, temporary never (and forgotten, even by rest_for_one)', () => {
  const w = makeWorld();
  const t = new Tree(w);
  const stopper = (id: string) => t.named(id, { handle: (ctx: Ctx, msg) => ctx.stop(msg as never) });
  const children: ChildSpec[] = [
    { id: 'perm', start: () => stopper('perm') },
    { id: 'tr1', start: () => stopper('tr1'), restart: 'transient' },
    { id: 'tr2', start: () => stopper('tr2'), restart: 'transient' },
    { id: 'tr3', start: () => stopper('tr3'), restart: 'transient' },
    { id: 'temp', start: () => stopper('temp'), restart: 'temporary' },
    { id: 'last', start: () => stopper('last') },
  ];
  const sup = w.spawn(A, supervisor({ strategy: 'one_for_one', children }));
  const later = w.spawn(A, supervisor({ strategy: 'rest_for_one', children: [
    { id: 'x', start: t.child('x') },
    { id: 'temp2', start: t.child('temp2'), restart: 'temporary' },
  ] }));
  runUntil(w, 1_000);
  w.at(10_000, () => w.send(t.pid('perm'), atom('normal')));
  w.at(11_000, () => w.send(t.pid('tr1'), atom('normal')));
  w.at(12_000, () => w.send(t.pid('tr2'), tuple(atom('shutdown'), int(1))));
  w.at(13_000, () => w.send(t.pid('tr3'), BOOM));
  w.at(14_000, () => w.send(t.pid('temp'), BOOM));
  w.at(15_000, () => w.exit(t.pid('x'), BOOM));
  drain(w);
  assert.equal(t.since(10_000), [
    [1, 'exit perm :normal'],
    [1, 'start perm'],
    [1_001, 'exit tr1 :normal'],
    [2_001, 'exit tr2 {:shutdown, 1}'],
    [3_001, 'exit tr3 :boom'],
    [3_001, 'start tr3'],
    [4_001, 'exit temp :boom'],
    [5_000, 'exit x :boom'],
    [5_000, 'exit temp2 :shutdown'],
    [5_001, 'start x'],
  ]);
  assert.equal(ids(w, sup).map((s) => s.split(':')[0] + (s.endsWith('undefined') ? ' down' : '')), ['perm', 'tr1 down', 'tr2 down', 'tr3', 'last']);
  assert.equal((whichChildren(w, later) ?? []).map((c) => c.id), ['x']);
});

test('intensity: 3 restarts in 5 s are allowed; the 4th within the period makes it shut the rest down and exit with :shutdown', () => {
  const { w, t, sup } = tree('one_for_one', ['a', 'b', 'c']);
  for (const s of [1, 2, 3, 4]) w.at(s * S, () => w.exit(t.pid('b'), BOOM));
  drain(w);
  assert.equal(t.since(4 * S), [
    [0, 'exit b :boom'],
    [0, 'exit c :shutdown'],
    [1, 'exit a :shutdown'],
    [3, 'exit top :shutdown'],
  ]);
  assert.is(t.pids.get('b')?.length, 4, 'three restarts, then none');
  assert.not.ok(w.alive(sup));
});

test('intensity: restarts are stamped in whole seconds, so the period is inclusive: 1.0 s, 1.5 s, 2.0 s and 6.9 s is one too many; 7.0 s is not', () => {
  for (const [last, givesUp] of [[6.9, true], [7.0, false]] as const) {
    const { w, t, sup } = tree('one_for_one', ['a']);
    for (const s of [1.0, 1.5, 2.0, last]) w.at(s * S, () => w.exit(t.pid('a'), BOOM));
    drain(w);
    assert.is(w.alive(sup) === undefined, givesUp, `last kill at ${last} s`);
    assert.is(t.pids.get('a')?.length, givesUp ? 4 : 5);
  }
});

test('intensity: custom max_restarts 0 gives up at the first exit; spaced-out exits never reach the limit', () => {
  const zero = tree('one_for_one', ['a'], { intensity: 0 });
  zero.w.at(S, () => zero.w.exit(zero.t.pid('a'), BOOM));
  drain(zero.w);
  assert.equal(zero.t.since(S), [
    [0, 'exit a :boom'],
    [1, 'exit top :shutdown'],
  ]);
  const spaced = tree('one_for_one', ['a'], { intensity: 1, period: 2 });
  for (let s = 1; s <= 10; s++) spaced.w.at(s * 3 * S, () => spaced.w.exit(spaced.t.pid('a'), BOOM));
  drain(spaced.w);
  assert.ok(spaced.w.alive(spaced.sup));
  assert.is(spaced.t.pids.get('a')?.length, 11);
});

test('shutdown: by its parent, in reverse start order, each child its own way (timeout then :kill, :brutal_kill, :infinity for a supervisor)', () => {
  const w = makeWorld();
  const t = new Tree(w);
  const spec: SupervisorSpec = {
    strategy: 'one_for_one',
    children: [
      { id: 'plain', start: t.child('plain') },
      { id: 'stubborn', start: t.child('stubborn', { trap: true }), shutdown: 100 },
      { id: 'brutal', start: t.child('brutal', { trap: true }), shutdown: 'brutal_kill' },
      {
        id: 'sub',
        type: 'supervisor',
        start: () => t.named('sub', supervisor({ strategy: 'one_for_one', children: [{ id: 'leaf', start: t.child('leaf') }] })),
      },
    ],
  };
  const parent = w.spawn(A, {
    init: (ctx) => void ctx.startLink(t.named('top', supervisor(spec))),
    handle: (ctx, msg) => {
      if (!isAtomTerm(msg, 'stop')) return;
      ctx.unlink(t.pid('top'));
      ctx.exit(t.pid('top'), atom('shutdown'));
    },
  });
  runUntil(w, 1_000);
  w.at(10_000, () => w.send(parent, atom('stop')));
  drain(w);
  assert.equal(t.since(10_000), [
    [1, 'exit leaf :shutdown'],
    [3, 'exit sub :shutdown'],
    [3, 'exit brutal :killed'],
    // told to shut down at 10,004 µs, it traps and ignores it: killed 100 ms later, rounded up to the next ms
    [101_000, 'exit stubborn :killed'],
    [101_001, 'exit plain :shutdown'],
    [101_003, 'exit top :shutdown'],
  ]);
  assert.ok(w.alive(parent));
});

test('nested: a subtree restarts inside itself; a killed subtree supervisor takes its children with it and is restarted whole', () => {
  const w = makeWorld();
  const t = new Tree(w);
  const sub = (): Behaviour =>
    t.named('sub', supervisor({ strategy: 'rest_for_one', children: [{ id: 'x', start: t.child('x') }, { id: 'y', start: t.child('y') }] }));
  const top = w.spawn(A, t.named('top', supervisor({ strategy: 'one_for_one', children: [
    { id: 'w', start: t.child('w') },
    { id: 'sub', type: 'supervisor', start: sub },
  ] })));
  runUntil(w, 1_000);
  w.at(10_000, () => w.exit(t.pid('x'), BOOM));
  w.at(20_000, () => w.exit(t.pid('sub'), KILL));
  drain(w);
  assert.equal(t.since(10_000), [
    [0, 'exit x :boom'],
    [0, 'exit y :shutdown'],
    [1, 'start x'],
    [2, 'start y'],
    [10_000, 'exit sub :killed'],
    [10_000, 'start sub'],
    [10_000, 'exit x :killed'],
    [10_000, 'exit y :killed'],
    [10_001, 'start x'],
    [10_002, 'start y'],
  ]);
  assert.is(t.pids.get('w')?.length, 1);
  assert.ok(w.alive(top));
});

test('a table owned by a Tables child outlives its siblings and their restarts, and goes with its owner', () => {
  const w = makeWorld();
  const t = new Tree(w);
  const tables = t.child('tables', { init: (ctx) => ctx.etsNew('Nodes').insert(atom('b@h'), atom('compatible')) });
  const sup = w.spawn(A, supervisor({ strategy: 'rest_for_one', children: [
    { id: 'tables', start: tables },
    { id: 'local', start: t.child('local') },
  ] }));
  runUntil(w, 1_000);
  const nodes = () => w.node(A).ets.get('Nodes');
  w.at(10_000, () => w.exit(t.pid('local'), KILL));
  w.at(11_000, () => {
    assert.is(inspect(nodes()?.lookup(atom('b@h')) ?? atom('none')), ':compatible', 'the row survived the sibling restart');
    nodes()?.insert(atom('c@h'), atom('unavailable'));
  });
  w.at(20_000, () => w.exit(t.pid('tables'), KILL));
  drain(w);
  assert.equal(t.since(10_000), [
    [0, 'exit local :killed'],
    [0, 'start local'],
    [10_000, 'exit tables :killed'],
    [10_000, 'exit local :shutdown'],
    [10_001, 'start tables'],
    [10_002, 'start local'],
  ]);
  assert.equal(nodes()?.keys().map((k) => inspect(k)), [':b@h'], 'a new table: the row written meanwhile is gone');
  assert.ok(w.alive(sup));
});

test('a restart whose start fails is tried again (try_again_restart), each attempt counted, until the intensity gives up', () => {
  const w = makeWorld();
  const t = new Tree(w);
  const sup = w.spawn(A, t.named('top', supervisor({ strategy: 'one_for_one', children: [
    { id: 'a', start: t.child('a') },
    { id: 'flaky', start: t.child('flaky', { fail: atom('no_db'), failFrom: 2 }) },
  ] })));
  runUntil(w, 1_000);
  let during: string[] = [];
  w.at(10_000, () => w.exit(t.pid('flaky'), BOOM));
  w.at(10_002, () => (during = ids(w, sup)));
  drain(w);
  assert.ok(during.includes('flaky:restarting'), `flaky is restarting between attempts: ${during.join(', ')}`);
  // Each attempt: the start fails, the child is marked restarting, the try_again cast
  // waits behind the failed child's stale :EXIT; the 4th restart in the period gives up.
  assert.equal(t.since(10_000), [
    [0, 'exit flaky :boom'],
    [0, 'start flaky'],
    [1, 'exit flaky :no_db'],
    [2, 'start flaky'],
    [3, 'exit flaky :no_db'],
    [5, 'start flaky'],
    [6, 'exit flaky :no_db'],
    [8, 'exit a :shutdown'],
    [10, 'exit top :shutdown'],
  ]);
});

test('a stray :EXIT (not from a child or the parent) and exit signals from others are ignored; :kill still kills it', () => {
  const { w, t, sup } = tree('one_for_one', ['a']);
  w.at(10_000, () => w.exit(sup, atom('shutdown')));
  w.at(11_000, () => w.exit(sup, BOOM));
  w.at(12_000, () => w.send(sup, atom('hello')));
  runUntil(w, 20_000);
  assert.ok(w.alive(sup));
  w.exit(sup, KILL);
  drain(w);
  assert.equal(t.since(20_000), [
    [0, 'exit top :killed'],
    [0, 'exit a :killed'],
  ]);
});

test('bad specs are refused with a line naming the field', () => {
  const child = { id: 'a', start: () => ({ handle() {} }) };
  const bad: [SupervisorSpec, RegExp][] = [
    [{ strategy: 'one_for_many' as never, children: [] }, /strategy must be one of/],
    [{ strategy: 'one_for_one', intensity: -1, children: [] }, /intensity must be an integer >= 0/],
    [{ strategy: 'one_for_one', period: 0, children: [] }, /period must be an integer >= 1/],
    [{ strategy: 'one_for_one', children: [child, child] }, /duplicate child id 'a'/],
    [{ strategy: 'one_for_one', children: [{ ...child, restart: 'sometimes' as never }] }, /restart must be one of/],
    [{ strategy: 'one_for_one', children: [{ ...child, shutdown: -5 }] }, /shutdown must be ms >= 0/],
    [{ strategy: 'one_for_one', children: [{ ...child, start: undefined as never }] }, /start must be a function/],
  ];
  for (const [spec, re] of bad) assert.throws(() => supervisor(spec), re);
});

test.run();
