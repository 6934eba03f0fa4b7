import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SmallMap } from '../../core/small_map.js';

test('SmallMap behaves as a Map: get/has/size/delete, insertion order kept across the move to a Map', () => {
  const m = new SmallMap<number, string>();
  assert.is(m.size, 0);
  assert.is(m.get(1), undefined);
  assert.is(m.delete(1), false);
  m.set(5, 'a');
  assert.is(m.size, 1);
  assert.ok(m.has(5));
  assert.not.ok(m.has(6));
  assert.is(m.get(5), 'a');
  m.set(5, 'b');
  assert.is(m.size, 1);
  assert.is(m.get(5), 'b');
  m.set(2, 'c').set(9, 'd');
  assert.is(m.size, 3);
  assert.equal(m.valuesArray(), ['b', 'c', 'd']);
  assert.is(m.get(2), 'c');
  assert.ok(m.delete(2));
  assert.not.ok(m.delete(2));
  const seen: string[] = [];
  m.forEachValue((v) => seen.push(v));
  assert.equal(seen, ['b', 'd']);
});

test('SmallMap: deleting its one entry empties it, and a new first entry takes its place', () => {
  const m = new SmallMap<string, number>();
  m.set('x', 1);
  assert.ok(m.delete('x'));
  assert.is(m.size, 0);
  assert.not.ok(m.has('x'));
  assert.equal(m.valuesArray(), []);
  m.set('y', 2);
  assert.equal(m.valuesArray(), [2]);
  assert.is(m.get('x'), undefined);
});

test.run();
