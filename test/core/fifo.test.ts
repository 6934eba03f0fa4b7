// The index-based FIFO behind every ZenMonitor batch.
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

test.run();
