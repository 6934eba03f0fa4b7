// UidMap against a plain Map as its model: drained from the front (the head moves, the
// arrays stay), refilled, packed in place when full, cut to size under a quarter, turned
// into a Map by a key out of order or past its 32-bit keys, and a seeded run of random operations.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UidMap } from '../../core/uid_map.js';

/** The arrays a UidMap holds (private: read here to see which path was taken). */
type Inner = { uids: Int32Array; vals: unknown[]; len: number; head: number; map: Map<number, unknown> | undefined };
const inner = (m: UidMap<number>): Inner => m as unknown as Inner;

/** A UidMap and its model, set and taken together, and a check that they agree. */
function pair(): {
  held: UidMap<number>;
  put: (first: number, last: number) => void;
  take: (uid: number) => void;
  same: (what: string, probes?: readonly number[]) => void;
} {
  const held = new UidMap<number>();
  const model = new Map<number, number>();
  return {
    held,
    put: (first, last) => {
      for (let u = first; u <= last; u++) {
        held.set(u, -u);
        model.set(u, -u);
      }
    },
    take: (u) => {
      const v = model.get(u);
      model.delete(u);
      assert.is(held.take(u), v, `take ${u}`);
    },
    same: (what, probes = []) => {
      assert.is(held.size, model.size, what);
      assert.equal(held.valuesArray(), [...model.values()], what);
      const walked: number[] = [];
      held.forEachValue((v) => walked.push(v));
      assert.equal(walked, [...model.values()], what);
      for (const u of probes) {
        assert.is(held.get(u), model.get(u), `${what}: get ${u}`);
        assert.is(held.has(u), model.has(u), `${what}: has ${u}`);
      }
    },
  };
}

test('a map drained from the front keeps its arrays (only the head moves) until under a quarter is held, then is cut to size', () => {
  const { held, put, take, same } = pair();
  put(1, 12_000); // in 16384 slots
  const { uids, vals } = inner(held);
  for (let u = 1; u <= 7_000; u++) take(u);
  assert.is(inner(held).uids, uids, 'keys not copied');
  assert.is(inner(held).vals, vals, 'values not copied');
  assert.is(inner(held).head, 7_000);
  same('7000 of 12000 gone from the front', [1, 6_999, 7_000, 7_001, 12_000, 12_001]);
  for (let u = 7_001; u <= 11_000; u++) take(u);
  // 1000 held: packed to the front and cut (at 4095 held of 16384, then at 1023 of 4095).
  assert.ok(inner(held).uids.length < 4 * 1_000, `cut to ${inner(held).uids.length}`);
  assert.is(inner(held).vals.length, inner(held).uids.length);
  same('11000 gone', [11_000, 11_001, 12_000]);
  put(12_001, 20_000);
  same('refilled after the cut', [11_001, 12_000, 12_001, 20_000, 20_001]);
  assert.is(inner(held).map, undefined);
});

test('a map taken from the front as it is filled (a queue) is packed in place when full, not grown', () => {
  const { held, put, take, same } = pair();
  put(1, 4); // in 8 slots
  const { uids, vals } = inner(held);
  for (let u = 5; u <= 1_000; u++) {
    take(u - 4);
    put(u, u);
    same(`queue at ${u}`, [u - 4, u - 3, u]);
  }
  assert.is(inner(held).uids, uids, 'never grown');
  assert.is(inner(held).vals, vals, 'never grown');
});

test('a compaction in place (holes among those held), then growth past the old slots, behaves as a Map', () => {
  const { held, put, take, same } = pair();
  put(1, 4_096);
  const { vals } = inner(held);
  for (let u = 1; u <= 4_096; u++) if (u % 4 !== 0) take(u); // 3072 gone, 1024 held: a quarter
  assert.is(inner(held).vals, vals, 'packed in place, not cut (a quarter held)');
  assert.ok(inner(held).len < 4_096, 'packed');
  for (let i = inner(held).len; i < vals.length; i++) assert.is(vals[i], undefined, `slot ${i} cleared`);
  same('holes packed', [3, 4, 4_096]);
  put(4_097, 20_000);
  same('grown past the old slots', [4, 4_097, 20_000, 20_001]);
  take(20_000);
  take(4);
  same('taken from both ends', [4, 8, 19_999, 20_000]);
});

test('a reserve makes both arrays once at their size; the sets after it (and past it) behave as a Map', () => {
  const { held, put, take, same } = pair();
  put(1, 3);
  take(2);
  held.reserve(10_000);
  const { uids, vals } = inner(held);
  assert.is(uids.length, 10_003, 'room for 10,000 after the 3 slots in use');
  assert.is(vals.length, uids.length);
  same('reserved', [1, 2, 3, 4]);
  put(4, 10_003);
  assert.is(inner(held).uids, uids, 'filled without a copy');
  assert.is(inner(held).vals, vals, 'filled without a copy');
  same('filled to the reserve', [1, 2, 3, 10_003, 10_004]);
  held.reserve(5); // within what is there: nothing is made
  put(10_004, 10_100); // past the reserve: grown as usual
  same('past the reserve', [10_003, 10_004, 10_100, 10_101]);
  for (let u = 4; u <= 9_000; u++) take(u);
  same('drained', [3, 4, 9_001]);
});

test('a reserve on a map turned into a Map changes nothing', () => {
  const { held, put, same } = pair();
  put(10, 20);
  put(5, 5);
  held.reserve(1_000);
  assert.ok(inner(held).map !== undefined);
  assert.is(inner(held).uids.length, 0);
  put(21, 30);
  same('a Map', [5, 10, 30]);
});

test('a key out of order still turns a drained map into a Map, with the model\'s order', () => {
  const { held, put, take, same } = pair();
  put(100, 3_000);
  for (let u = 100; u <= 2_000; u++) take(u);
  put(50, 50); // below the newest held: a Map from now on
  assert.ok(inner(held).map !== undefined);
  same('a Map', [50, 100, 2_001, 3_000]);
  take(2_500);
  put(3_001, 3_010);
  same('taken from and appended to the Map', [2_500, 3_010]);
});

test('a key its 32-bit keys cannot hold (past 2^31 - 1, or no integer) turns the map into a Map, with the model\'s order', () => {
  const top = 2 ** 31 - 1;
  const { held, put, take, same } = pair();
  put(top - 3, top); // the largest keys held in the arrays
  assert.is(inner(held).map, undefined);
  assert.equal([...inner(held).uids.subarray(0, 4)], [top - 3, top - 2, top - 1, top]);
  put(top + 1, top + 2); // newer, but too large: a Map from now on
  assert.ok(inner(held).map !== undefined);
  same('a Map', [top - 3, top, top + 1, top + 2, top + 3]);
  take(top + 1);
  take(top - 3);
  same('taken from the Map', [top - 3, top + 1, top + 2]);
  const halves = pair();
  halves.put(1, 3);
  halves.held.set(3.5, -3.5); // no integer (never a uid), newer than the last: kept as a Map keeps it
  assert.ok(inner(halves.held).map !== undefined);
  assert.is(halves.held.get(3.5), -3.5);
  assert.equal(halves.held.valuesArray(), [-1, -2, -3, -3.5]);
});

test('random sets and takes (mostly in order, from the front or anywhere) agree with a Map', () => {
  let seed = 12345;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let round = 0; round < 20; round++) {
    const { put, take, same } = pair();
    const keys: number[] = [];
    let newest = 0;
    let front = 0;
    for (let step = 1; step <= 5_000; step++) {
      const r = next(1_000);
      if (r < 450) {
        newest += 1 + next(3);
        keys.push(newest);
        put(newest, newest);
      } else if (r < 800 && front < keys.length) take(keys[front++] as number);
      else if (r < 999 && keys.length > 0) take(keys[next(keys.length)] as number);
      else if (keys.length > 0) put(keys[next(keys.length)] as number, keys[next(keys.length)] as number); // set again, or out of order
      if (step % 500 === 0) same(`round ${round} step ${step}`, [keys[front] ?? 0, keys[next(keys.length)] ?? 0, newest, newest + 1]);
    }
  }
});

test.run();
