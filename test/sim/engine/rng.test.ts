// Seeded streams (sim/engine/rng.ts): a (seed, name) pair always gives the same numbers, on
// any machine (golden values pin seedrandom's alea); streams are independent of each
// other; floats carry 53 bits; int bounds are inclusive; shuffle is deterministic.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng, RngRoot } from '../../../sim/engine/rng.js';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.float());
}

test('a (seed, name) stream gives the same numbers every time', () => {
  assert.equal(draws(new Rng(1, 'test'), 3), [0.18447896474270908, 0.10382418646414682, 0.8213157497154404]);
  assert.equal(draws(new Rng(1, 'test'), 1000), draws(new Rng(1, 'test'), 1000));
  assert.equal(draws(new Rng('1', 'test'), 10), draws(new Rng(1, 'test'), 10));
});

test('another seed or another name gives other numbers', () => {
  const base = draws(new Rng(1, 'test'), 5);
  assert.not.equal(draws(new Rng(2, 'test'), 5), base);
  assert.not.equal(draws(new Rng(1, 'test2'), 5), base);
});

test('drawing from one stream does not change another stream', () => {
  const alone = draws(new RngRoot(9).stream('node:b/spawn'), 100);
  const root = new RngRoot(9);
  const net = root.stream('network');
  const spawn = root.stream('node:b/spawn');
  const mixed: number[] = [];
  for (let i = 0; i < 100; i++) {
    draws(net, i % 7);
    mixed.push(spawn.float());
  }
  assert.equal(mixed, alone);
});

test('RngRoot hands out one stream per name', () => {
  const root = new RngRoot(3);
  const a = root.stream('a');
  assert.is(root.stream('a'), a);
  assert.is.not(root.stream('b'), a);
  assert.is(root.seed, 3);
  a.float();
  // The stream continues rather than restarting.
  assert.is(root.stream('a').float(), draws(new Rng(3, 'a'), 2)[1]);
});

test('float is in [0, 1) with 53-bit resolution', () => {
  const rng = new Rng(5, 'bits');
  let finer = 0;
  for (let i = 0; i < 10_000; i++) {
    const x = rng.float();
    assert.ok(x >= 0 && x < 1, `${x} out of [0, 1)`);
    if ((x * 2 ** 32) % 1 !== 0) finer++;
  }
  // A 32-bit generator would give multiples of 2^-32 only.
  assert.ok(finer > 9_900, `only ${finer} of 10000 draws finer than 2^-32`);
});

test('int bounds are inclusive and every value is reached', () => {
  const rng = new Rng(1, 'test');
  assert.equal([rng.int(1, 6), rng.int(1, 6), rng.int(1, 6), rng.int(1, 6), rng.int(1, 6)], [2, 1, 5, 1, 1]);
  const counts = new Map<number, number>();
  for (let i = 0; i < 6_000; i++) {
    const v = rng.int(1, 6);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  assert.equal([...counts.keys()].sort(), [1, 2, 3, 4, 5, 6]);
  for (const c of counts.values()) assert.ok(c > 800 && c < 1200, `count ${c}`);
  assert.is(rng.int(5, 5), 5);
  assert.is(rng.int(-3, -3), -3);
});

test('range and exp are deterministic and in range', () => {
  assert.is(new Rng(1, 'x').range(10, 20), 13.692240690747985);
  assert.is(new Rng(1, 'x').exp(1000), 460.80458104925435);
  const rng = new Rng(2, 'exp');
  let sum = 0;
  for (let i = 0; i < 20_000; i++) {
    const x = rng.exp(100);
    assert.ok(x >= 0 && Number.isFinite(x));
    sum += x;
  }
  const mean = sum / 20_000;
  assert.ok(mean > 95 && mean < 105, `mean ${mean}`);
});

test('shuffle is a deterministic permutation, in place', () => {
  const items = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const out = new Rng(7, 'shuffle').shuffle(items);
  assert.is(out, items);
  assert.equal(out, [1, 8, 6, 3, 10, 7, 9, 5, 2, 4]);
  assert.equal(new Rng(7, 'shuffle').shuffle([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), out);
  const big = Array.from({ length: 1000 }, (_, i) => i);
  const shuffled = new Rng(8, 'shuffle').shuffle([...big]);
  assert.not.equal(shuffled, big);
  assert.equal([...shuffled].sort((a, b) => a - b), big);
  assert.equal(new Rng(1, 'empty').shuffle([]), []);
});

test.run();
