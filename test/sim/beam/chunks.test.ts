// The chunked list (sim/beam/chunks.ts) against a plain array: growth across chunks, items
// leaving from anywhere (compaction in place, chunks let go), and what it still holds after.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CHUNK, ChunkList } from '../../../sim/beam/chunks.js';

const items = (l: ChunkList<number>): number[] => {
  const out: number[] = [];
  l.forEach((t) => out.push(t));
  for (let i = 0; i < l.length; i++) assert.is(l.at(i), out[i]);
  return out;
};
const held = (l: ChunkList<number>): (number | undefined)[][] => (l as unknown as { chunks: (number | undefined)[][] }).chunks;

test('ChunkList: pushes across chunks, compaction in place keeps order and lets chunks go', () => {
  const l = new ChunkList<number>();
  const model: number[] = [];
  for (let i = 0; i < 2 * CHUNK + 100; i++) {
    l.push(i);
    model.push(i);
  }
  assert.equal(items(l), model);
  assert.is(held(l).length, 3);
  assert.is(held(l)[1]!.length, CHUNK, 'a later chunk made at its size');
  const second = held(l)[1];
  l.retain((t) => t % 3 !== 0);
  const kept = model.filter((t) => t % 3 !== 0);
  assert.equal(items(l), kept);
  assert.is(held(l).length, 2, 'the chunk past the last kept item let go');
  assert.is(held(l)[1], second, 'the chunks kept are the same arrays (no copy)');
  assert.is(held(l)[1]!.filter((t) => t !== undefined).length, kept.length - CHUNK, 'past the last kept item, nothing held');
  for (let i = 0; i < 5; i++) {
    l.push(-i);
    kept.push(-i);
  }
  assert.equal(items(l), kept);
  l.retain((t) => t < 100);
  assert.equal(items(l), kept.filter((t) => t < 100));
  assert.is(held(l).length, 1);
  assert.is(held(l)[0]!.length, l.length, 'the first chunk trimmed');
  l.retain(() => false);
  assert.is(l.length, 0);
  assert.is(held(l).length, 0);
});

test.run();
