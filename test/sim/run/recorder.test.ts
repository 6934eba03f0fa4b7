// The run recorder's DOWN counting: each ref's first DOWN counts as delivered, a second
// one for the same ref as a duplicate, whatever the ref's uid (small ones go in a bitset,
// others in a set).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, type Ref } from '../../../core/terms.js';
import type { DownSignal } from '../../../sim/beam/process.js';
import { World } from '../../../sim/beam/world.js';
import { Recorder } from '../../../sim/run/recorder.js';

function down(uid: number): DownSignal {
  const ref: Ref = { t: 'ref', uid, node: 'a@h' };
  return { kind: 'DOWN', ref, object: atom('x'), reason: atom('normal') };
}

test('recorder: a second DOWN for the same ref is a duplicate, not a delivery (refs small, large, negative)', () => {
  const w = new World({ seed: 1 });
  w.addNode('a@h');
  const rec = new Recorder(w);
  rec.markTrigger(0);
  const uids = [1, 31, 32, 5000, 70_000, 2 ** 31 + 5, -3];
  for (const uid of uids) rec.down(10, down(uid), 'a@h');
  for (const uid of [31, 70_000, 2 ** 31 + 5, -3]) rec.down(20, down(uid), 'a@h');
  rec.down(30, down(33), 'a@h');
  assert.is(rec.delivered, uids.length + 1);
  const r = rec.result('vanilla', { kind: 'idle', expected: uids.length + 1, windowMs: null, estimateMs: null, capMs: null });
  assert.is(r.downs.duplicates, 4);
  assert.is(r.downs.delivered, uids.length + 1);
  assert.is(r.downs.missing, 0);
});

test('recorder: a node\'s first and last DOWN are its earliest and latest handling, as the run\'s, in whatever order they are told', () => {
  // Subscribers on two schedulers report at their CPU time: one that began first but
  // paid a collection on taking its DOWN reports after one that began later.
  const w = new World({ seed: 1 });
  w.addNode('a@h');
  w.addNode('b@h');
  const rec = new Recorder(w);
  rec.markTrigger(0);
  rec.down(131, down(1), 'a@h');
  rec.down(102, down(2), 'a@h');
  rec.down(150, down(3), 'a@h');
  rec.down(120, down(4), 'b@h');
  const r = rec.result('zen', { kind: 'idle', expected: 4, windowMs: null, estimateMs: null, capMs: null });
  assert.equal([r.downs.firstMs, r.downs.lastMs], [0.102, 0.15]);
  assert.equal(r.nodes['a@h']?.downs, { delivered: 3, firstMs: 0.102, lastMs: 0.15 });
  assert.equal(r.nodes['b@h']?.downs, { delivered: 1, firstMs: 0.12, lastMs: 0.12 });
});

test("recorder: DOWNs handled on two nodes by turns count on each node (the last node's counts are kept between two DOWNs)", () => {
  const w = new World({ seed: 1 });
  w.addNode('a@h');
  w.addNode('b@h');
  const rec = new Recorder(w);
  rec.markTrigger(0);
  const told: [number, string][] = [[100, 'a@h'], [110, 'a@h'], [90, 'b@h'], [140, 'a@h'], [95, 'b@h'], [180, 'b@h'], [105, 'a@h']];
  told.forEach(([us, node], i) => rec.down(us, down(i + 1), node));
  const r = rec.result('zen', { kind: 'idle', expected: told.length, windowMs: null, estimateMs: null, capMs: null });
  assert.equal(r.nodes['a@h']?.downs, { delivered: 4, firstMs: 0.1, lastMs: 0.14 });
  assert.equal(r.nodes['b@h']?.downs, { delivered: 3, firstMs: 0.09, lastMs: 0.18 });
});

test.run();
