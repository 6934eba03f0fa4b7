// A held term's stamp (sim/beam/held.ts): its GC count, place and kept bit packed in one
// number read back the same at the bounds of the count, past 2^31 (where shifts would wrap) too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bornOf, isKept, keptStamp, MAX_BORN, Place, placedAt, placeOf, Stamp, stampOf } from '../../../sim/beam/held.js';

const BORNS = [0, 1, 7, 8, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 3, MAX_BORN - 1, MAX_BORN];
const PLACES = [Place.Heap, Place.Queued, Place.Taken];

test('stamp: every GC count from 0 to MAX_BORN, place and kept bit reads back as packed', () => {
  for (const born of BORNS) {
    for (const place of PLACES) {
      for (const kept of [false, true]) {
        const s = stampOf(born, place, kept);
        assert.ok(Number.isSafeInteger(s), `stamp of ${born} is exact`);
        assert.equal([bornOf(s), placeOf(s), isKept(s)], [born, place, kept], `born ${born}, place ${place}, kept ${kept}`);
      }
    }
  }
});

test('stamp: a new message is at GC count 0, on the heap, not kept', () => {
  assert.is(Stamp.New, stampOf(0, Place.Heap, false));
  assert.equal([bornOf(Stamp.New), placeOf(Stamp.New), isKept(Stamp.New)], [0, Place.Heap, false]);
});

test('stamp: distinct parts make distinct stamps', () => {
  const seen = new Set<number>();
  for (const born of BORNS) for (const place of PLACES) for (const kept of [false, true]) seen.add(stampOf(born, place, kept));
  assert.is(seen.size, BORNS.length * PLACES.length * 2);
});

test('stamp: placed anew keeps the kept bit; kept once stays kept', () => {
  for (const born of BORNS) {
    const kept = keptStamp(stampOf(born, Place.Queued, false));
    assert.equal([bornOf(kept), placeOf(kept), isKept(kept)], [born, Place.Queued, true]);
    assert.is(keptStamp(kept), kept);
    const moved = placedAt(kept, born === MAX_BORN ? 0 : born + 1, Place.Taken);
    assert.equal([bornOf(moved), placeOf(moved), isKept(moved)], [born === MAX_BORN ? 0 : born + 1, Place.Taken, true]);
    const plain = placedAt(stampOf(born, Place.Taken, false), born, Place.Heap);
    assert.equal([bornOf(plain), placeOf(plain), isKept(plain)], [born, Place.Heap, false]);
  }
});

test.run();
