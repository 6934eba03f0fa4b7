// ETS-like tables: shared by a node's processes, owned by their creator, set or
// ordered_set semantics with exact key equality, counted in the node's memory, and
// gone with their owner or their node.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, float, int, tuple, type Pid, type Term } from '../../../core/terms.js';
import { canonicalKey, setBucketWords } from '../../../sim/beam/ets.js';
import type { Ctx } from '../../../sim/beam/process.js';
import type { World } from '../../../sim/beam/world.js';
import { A, B, drain, makeWorld } from '../helpers.js';

const KILL = atom('kill');

const RUN = atom('run');
const queued: ((c: Ctx) => void)[] = [];

/** A process that runs, for each `:run` it gets, the next queued function inside itself. */
function runner() {
  return { handle: (ctx: Ctx) => (queued.shift() as (c: Ctx) => void)(ctx) };
}

function inside(w: World, pid: Pid, fn: (c: Ctx) => void): void {
  queued.push(fn);
  w.send(pid, RUN);
  drain(w);
}

test('a table is shared by the processes of its node, and only them', () => {
  const w = makeWorld();
  const owner = w.spawn(A, runner());
  const peer = w.spawn(A, runner());
  const remote = w.spawn(B, runner());
  inside(w, owner, (ctx) => ctx.etsNew('kv').insert(atom('k'), int(1)));
  let seen: Term | undefined;
  inside(w, peer, (ctx) => {
    seen = ctx.ets('kv').lookup(atom('k'));
    ctx.ets('kv').insert(atom('k2'), int(2));
  });
  assert.equal(seen, int(1));
  assert.is(w.node(A).ets.get('kv')?.size, 2);
  let error = '';
  inside(w, remote, (ctx) => {
    try {
      ctx.ets('kv');
    } catch (e) {
      error = (e as Error).message;
    }
  });
  assert.match(error, /no ets table 'kv' on b@h/);
});

test('set keeps insertion order, ordered_set term order; keys compare exactly; take removes', () => {
  const w = makeWorld();
  const p = w.spawn(A, runner());
  inside(w, p, (ctx) => {
    const s = ctx.etsNew('s', 'set');
    const o = ctx.etsNew('o', 'ordered_set');
    for (const k of [int(3), atom('a'), int(1), tuple(int(0))]) {
      s.insert(k, atom('v'));
      o.insert(k, atom('v'));
    }
    assert.equal(s.keys(), [int(3), atom('a'), int(1), tuple(int(0))]);
    assert.equal(o.keys(), [int(1), int(3), atom('a'), tuple(int(0))]);
    s.insert(int(1), atom('w'));
    assert.is(s.size, 4, 'an equal key replaces its row');
    assert.equal(s.lookup(int(1)), atom('w'));
    assert.not.ok(s.member(float(1)), '1.0 is not the key 1');
    assert.equal(s.take(int(3)), atom('v'));
    assert.is(s.take(int(3)), undefined);
    assert.ok(s.delete(atom('a')));
    assert.not.ok(s.delete(atom('a')));
    assert.is(s.size, 2);
  });
  assert.is.not(canonicalKey(tuple(int(1), int(2))), canonicalKey(tuple(int(12))));
});

test('a table counts in ets memory as ets:info(T, memory) does; it goes when its owner dies', () => {
  const w = makeWorld();
  const owner = w.spawn(A, runner());
  const a = w.node(A);
  const before = a.memory();
  inside(w, owner, (ctx) => {
    ctx.etsNew('big');
    ctx.etsNew('tree', 'ordered_set');
  });
  // Empty: a set 305 words, an ordered_set 133 (M1).
  assert.is(a.memory().ets - before.ets, 8 * (305 + 133));
  inside(w, owner, (ctx) => {
    const t = ctx.ets('big');
    for (let i = 0; i < 100; i++) t.insert(int(i), tuple(atom('x'), int(i)));
    ctx.ets('tree').insert(int(1), atom('y'));
  });
  // Per object: its {key, value} tuple, flat ({i, {:x, i}}: 3 + 3 words), and the object's own
  // words: a set's 4 (cost.etsSetObjectWords), an ordered_set's 5 ({1, :y}: 3 words).
  const m = a.memory();
  assert.is(m.ets - before.ets, 8 * (305 + 133 + 100 * (6 + 4) + (3 + 5)));
  assert.is(m.system, m.ets + m.binary + a.books.monitorBytes, 'ets is part of system, as in :erlang.memory/0');
  w.exit(owner, KILL);
  drain(w);
  assert.not.ok(a.ets.has('big'));
  assert.is(a.memory().ets, before.ets);
});

test('a set grows by bucket segments past 256 rows: M1 measured 2310 words more at 1000 rows, 4358 at 4000', () => {
  assert.is(setBucketWords(256), 0);
  assert.is(setBucketWords(257), 262 + 2048);
  assert.is(setBucketWords(1000), 2310);
  assert.is(setBucketWords(4000), 4358);
  // ZenMonitor.Local.Subscribers, {pid} rows (M1: 8647 words at 1000 rows, 28695 at 4000).
  const words = (rows: number) => 337 + rows * (2 + 4) + setBucketWords(rows);
  assert.is(words(1000), 8647);
  assert.is(words(4000), 28_695);
});

test("a crash takes its node's tables; bad input names the problem", () => {
  const w = makeWorld();
  const p = w.spawn(A, runner());
  inside(w, p, (ctx) => {
    ctx.etsNew('t');
    assert.throws(() => ctx.etsNew('t'), /ets table 't' already exists on a@h/);
    assert.throws(() => ctx.etsNew(''), /non-empty string/);
    assert.throws(() => ctx.etsNew('u', 'bag' as never), /set or ordered_set, got bag/);
  });
  w.crash(A);
  assert.is(w.node(A).ets.size, 0);
});

test.run();
