// The Connector's instruction batch (core/instruction_batch.ts), which holds a subscribe
// as its bare target, gives the instructions a Fifo of `{op, target}` would: same takes,
// same copies, same lengths, through pushes, takes across segments and clears.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fifo } from '../../core/fifo.js';
import { InstructionBatch } from '../../core/instruction_batch.js';
import { namedTarget, type Instruction } from '../../core/messages.js';
import { A, B, pid } from './zen_fixtures.js';

test('takes, copies and lengths are those of a Fifo of instructions', () => {
  const batch = new InstructionBatch();
  const fifo = new Fifo<Instruction>();
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 400; round++) {
    const pushes = next(3) === 0 ? 5000 : next(40);
    for (let i = 0; i < pushes; i++) {
      const op = next(5) === 0 ? 'unsubscribe' : 'subscribe';
      const target = next(7) === 0 ? namedTarget('reg', B) : pid(B);
      batch.push(op, target);
      fifo.push({ op, target });
    }
    if (next(50) === 0) {
      batch.clear();
      fifo.clear();
    }
    assert.is(batch.length, fifo.length);
    if (round % 25 === 0) assert.equal(batch.toArray(), fifo.toArray());
    const n = next(4) === 0 ? 5000 : next(60);
    assert.equal(batch.take(n), fifo.take(n));
  }
  assert.equal(batch.take(batch.length), fifo.takeAll());
  assert.is(batch.length, 0);
  assert.equal(batch.take(3), []);
  const target = pid(A);
  batch.push('subscribe', target);
  assert.equal(batch.toArray(), [{ op: 'subscribe', target }]);
});

test.run();
