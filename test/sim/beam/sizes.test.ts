// The refc binaries of a DOWN's reason (sim/beam/sizes.ts): kept for the last reason walked,
// the same as walking each reason afresh, whatever the order the reasons come in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, bin, list, refcBinaries, tuple, type Ref, type Term } from '../../../core/terms.js';
import type { DownSignal } from '../../../sim/beam/process.js';
import { reasonRefcBinaries, refcBinariesOf } from '../../../sim/beam/sizes.js';

const big = (n: number) => bin(new Uint8Array(n));
const ref: Ref = { t: 'ref', uid: 1, node: 'a@h', alias: false };
const down = (reason: Term): DownSignal => ({ kind: 'DOWN', ref, object: atom('x'), reason });

const entries = (m: ReadonlyMap<Uint8Array, number> | undefined) => (m === undefined ? undefined : [...m.entries()]);

test('reason binaries: the same as a walk of each reason, through a run of repeats and changes', () => {
  const one = tuple(atom('shutdown'), big(100));
  const two = list([big(65), big(64), tuple(big(1000))]);
  const none = atom('noconnection');
  const sameShape = tuple(atom('shutdown'), big(100)); // equal to `one`, another term (another binary)
  for (const reason of [one, one, none, none, one, two, two, sameShape, one, none, two]) {
    const want = entries(refcBinaries(reason));
    assert.equal(entries(reasonRefcBinaries(reason)), want);
    assert.equal(entries(refcBinariesOf(down(reason), 'DOWN')), want);
  }
  assert.is(reasonRefcBinaries(none), undefined);
  assert.equal(entries(reasonRefcBinaries(two))?.map(([, n]) => n), [65, 1000]);
});

test('reason binaries: a DOWN after a trapped exit of another reason reads its own', () => {
  const a = tuple(atom('a'), big(200));
  const b = tuple(atom('b'), big(300));
  assert.equal(entries(refcBinariesOf({ kind: 'EXIT', from: undefined, reason: a }, 'EXIT'))?.map(([, n]) => n), [200]);
  assert.equal(entries(refcBinariesOf(down(b), 'DOWN'))?.map(([, n]) => n), [300]);
  assert.equal(entries(refcBinariesOf(down(a), 'DOWN'))?.map(([, n]) => n), [200]);
});

test.run();
