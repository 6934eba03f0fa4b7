// The packed `at` of a heap holder (sim/beam/held.ts): GC count, place and held bit in one
// small integer, each read back as it was written, and the held bit never read as a place.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { at, At, bornOf, isHeld, Place, placeAt, placeOf, type Held } from '../../../sim/beam/held.js';
import { ProcHeap } from '../../../sim/beam/heap.js';

const cfg = { minHeapWords: 233, fullsweepAfter: 65_535, structBytes: 776, baseWords: 10, bufferBytes: 0 };

test('at: the GC count and the place read back as written, up to 2^27 - 1 collections, as a small integer', () => {
  for (const born of [0, 1, 2, 1000, 2 ** 27 - 1]) {
    for (const place of [Place.Heap, Place.Queued, Place.Taken]) {
      const m: Held = { words: 1, at: at(born, place), payload: 0, bins: undefined };
      assert.equal([bornOf(m), placeOf(m), isHeld(m)], [born, place, false]);
      assert.ok(m.at >= 0 && m.at < 2 ** 30, 'a V8 small integer');
    }
  }
});

test('placeAt keeps the held bit; the held bit changes neither the GC count nor the place', () => {
  const m: Held = { words: 1, at: at(5, Place.Queued), payload: 0, bins: undefined };
  m.at |= At.Held;
  assert.equal([bornOf(m), placeOf(m), isHeld(m)], [5, Place.Queued, true]);
  placeAt(m, 6, Place.Taken);
  assert.equal([bornOf(m), placeOf(m), isHeld(m)], [6, Place.Taken, true]);
  placeAt(m, bornOf(m) + 1, Place.Heap);
  assert.equal([bornOf(m), placeOf(m), isHeld(m)], [7, Place.Heap, true]);
});

test("the state's growth joins an absorbed (held) message placed on the heap since the last GC, as it joins any such chunk", () => {
  const h = new ProcHeap({ processBytes: 0, release: () => undefined, gcMoment: () => undefined }, cfg, false);
  const m: Held = { words: 100, at: at(0, Place.Heap), payload: 0, bins: undefined };
  h.arrive(m, true);
  h.receive(m, true);
  m.at |= At.Held; // what ProcessMemory.absorb sets
  h.absorb(m);
  h.setState(120);
  assert.equal([m.words, placeOf(m), bornOf(m), isHeld(m)], [120, Place.Heap, 0, true]);
});

test.run();
