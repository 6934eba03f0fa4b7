// The packed `at` of a heap holder (sim/beam/held.ts): GC count, place and held bit in one
// small integer, each read back as it was written, and the held bit never read as a place.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { at, At, binsOf, bornOf, isHeld, isRemote, Place, placeAt, placeOf, wireBytes, type Held } from '../../../sim/beam/held.js';
import { envelope, MemoryBooks, type RefcBin } from '../../../sim/beam/memory.js';
import { atom, bin, tuple } from '../../../core/terms.js';
import { ProcHeap } from '../../../sim/beam/heap.js';

const cfg = { minHeapWords: 233, fullsweepAfter: 65_535, structBytes: 776, baseWords: 10, bufferBytes: 0 };

test('at: the GC count and the place read back as written, up to 2^26 - 1 collections, as a small integer', () => {
  for (const born of [0, 1, 2, 1000, 2 ** 26 - 1]) {
    for (const place of [Place.Heap, Place.Queued, Place.Taken]) {
      const m: Held = { words: 1, at: at(born, place), carry: 0 };
      assert.equal([bornOf(m), placeOf(m), isHeld(m), isRemote(m)], [born, place, false, false]);
      assert.ok(m.at >= 0 && m.at < 2 ** 30, 'a V8 small integer');
    }
  }
});

test('placeAt keeps the held and remote bits; they change neither the GC count nor the place', () => {
  const m: Held = { words: 1, at: at(5, Place.Queued) | At.Remote, carry: 90 };
  m.at |= At.Held;
  assert.equal([bornOf(m), placeOf(m), isHeld(m), isRemote(m)], [5, Place.Queued, true, true]);
  placeAt(m, 6, Place.Taken);
  assert.equal([bornOf(m), placeOf(m), isHeld(m), isRemote(m)], [6, Place.Taken, true, true]);
  placeAt(m, bornOf(m) + 1, Place.Heap);
  assert.equal([bornOf(m), placeOf(m), isHeld(m), isRemote(m)], [7, Place.Heap, true, true]);
});

test("carry: a message's bytes on the wire until it arrives, then its refc binaries if it holds any (remote or not)", () => {
  const bytes = new Uint8Array(1000);
  for (const payload of [0, 2_000]) {
    const books = new MemoryBooks();
    const plain = envelope(atom('hello'), 'a@h', payload);
    const withBin = envelope(tuple(atom('data'), bin(bytes)), 'a@h', payload);
    assert.equal([wireBytes(plain), binsOf(plain), isRemote(plain), bornOf(plain), placeOf(plain)], [payload, undefined, payload > 0, 0, Place.Heap]);
    books.attach(plain);
    books.attach(withBin);
    assert.equal([wireBytes(plain), binsOf(plain), isRemote(plain)], [payload, undefined, payload > 0]);
    const bins = binsOf(withBin) as readonly RefcBin[];
    // From the wire a binary over a quarter of the payload is the whole received buffer.
    assert.equal([bins.length, bins[0]?.size, bins[0]?.refs, isRemote(withBin)], [1, payload > 0 ? payload : 1000, 1, payload > 0]);
  }
});

test("the state's growth joins an absorbed (held) message placed on the heap since the last GC, as it joins any such chunk", () => {
  const h = new ProcHeap({ processBytes: 0, release: () => undefined, gcMoment: () => undefined }, cfg, false);
  const m: Held = { words: 100, at: at(0, Place.Heap), carry: 0 };
  h.arrive(m, true);
  h.receive(m, true);
  m.at |= At.Held; // what ProcessMemory.absorb sets
  h.absorb(m);
  h.setState(120);
  assert.equal([m.words, placeOf(m), bornOf(m), isHeld(m)], [120, Place.Heap, 0, true]);
});

test.run();
