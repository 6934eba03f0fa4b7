// The index-based FIFO behind every ZenMonitor batch.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fifo } from '../../core/fifo.js';

test('push, peek and take keep insertion order', () => {
  const q = new Fifo<number>();
  q.push(1);
  q.pushAll([2, 3, 4]);
  assert.is(q.length, 4);
  assert.is(q.peek(), 1);
  assert.equal(q.take(2), [1, 2]);
  assert.equal(q.toArray(), [3, 4]);
  assert.equal(q.take(10), [3, 4]);
  assert.is(q.length, 0);
  assert.is(q.peek(), undefined);
  assert.equal(q.take(1), []);
});

test('takeAll and clear empty the queue', () => {
  const q = new Fifo<string>();
  q.pushAll(['a', 'b']);
  assert.equal(q.takeAll(), ['a', 'b']);
  q.pushAll(['c']);
  q.clear();
  assert.is(q.length, 0);
  q.push('d');
  assert.equal(q.toArray(), ['d']);
});

test('a large queue drained in small chunks stays in order while it is refilled', () => {
  const q = new Fifo<number>();
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 4000; i++) q.push(next++);
    for (const x of q.take(3000)) assert.is(x, expected++);
  }
  for (const x of q.takeAll()) assert.is(x, expected++);
  assert.is(expected, next);
});

type FifoOp = { op: 'push'; n: number } | { op: 'pushAll'; n: number } | { op: 'take'; n: number } | { op: 'takeAll' } | { op: 'clear' };

const fifoOp: fc.Arbitrary<FifoOp> = fc.oneof(
  fc.record({ op: fc.constant('push' as const), n: fc.integer({ min: 1, max: 9000 }) }),
  fc.record({ op: fc.constant('pushAll' as const), n: fc.integer({ min: 0, max: 5000 }) }),
  fc.record({ op: fc.constant('take' as const), n: fc.integer({ min: -1, max: 3000 }) }),
  fc.constant({ op: 'takeAll' as const }),
  fc.constant({ op: 'clear' as const }),
);

test('matches a plain array queue: pushes across segments, adopted arrays, prefixes dropped in place', () => {
  fc.assert(
    fc.property(fc.array(fifoOp, { maxLength: 60 }), (ops) => {
      const q = new Fifo<number>();
      let model: number[] = [];
      let next = 0;
      for (const o of ops) {
        if (o.op === 'push') {
          for (let i = 0; i < o.n; i++) {
            q.push(next);
            model.push(next++);
          }
        } else if (o.op === 'pushAll') {
          const items = Array.from({ length: o.n }, () => next++);
          model.push(...items);
          q.pushAll(items); // given up: never read again
        } else if (o.op === 'take' || o.op === 'takeAll') {
          const n = o.op === 'take' ? Math.max(0, o.n) : model.length;
          const out = o.op === 'take' ? q.take(o.n) : q.takeAll();
          assert.equal(out, model.slice(0, n));
          model = model.slice(n);
          // The caller owns what it took: writing it leaves the queue as it was.
          out.push(-1);
          out[0] = -2;
        } else {
          q.clear();
          model = [];
        }
        assert.is(q.length, model.length);
        assert.is(q.peek(), model[0]);
      }
      assert.equal(q.toArray(), model);
    }),
    { seed: 29, numRuns: 300 },
  );
});

test.run();
