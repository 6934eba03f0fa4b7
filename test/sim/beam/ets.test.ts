// ETS-like tables: shared by a node's processes, owned by their creator, set or
// ordered_set semantics with exact key equality, counted in the node's memory, and
// gone with their owner or their node.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, float, int, tuple, type Pid, type Term } from '../../../core/terms.js';
import { canonicalKey } from '../../../sim/beam/ets.js';
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

test('rows count in node memory; the table goes when its owner dies', () => {
  const w = makeWorld({ cost: { etsRowBytes: 80 } });
  const owner = w.spawn(A, runner());
  const a = w.node(A);
  const before = a.memoryBytes(w.cost.processBytes);
  inside(w, owner, (ctx) => {
    const t = ctx.etsNew('big');
    for (let i = 0; i < 100; i++) t.insert(int(i), tuple(atom('x'), int(i)));
  });
  // Each row: 80 bytes + key 1 word + {:x, i} 2 + 1 + 1 words = 5 words.
  assert.is(a.memoryBytes(w.cost.processBytes) - before, 100 * (80 + 5 * 8));
  w.exit(owner, KILL);
  drain(w);
  assert.not.ok(a.ets.has('big'));
  assert.is(a.memoryBytes(w.cost.processBytes), before - w.cost.processBytes);
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
