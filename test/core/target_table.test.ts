import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TargetTable } from '../../core/target_table.js';

const sorted = (xs: readonly string[]): string[] => [...xs].sort();
/** Pages held (private): an emptied page must go, or a table that churns keeps them all. */
const pages = (t: TargetTable<unknown>): number => (t as unknown as { pages: Map<number, unknown> }).pages.size;

test('TargetTable is a map by target key: pid uids across pages and string keys, size, overwrite, delete', () => {
  const t = new TargetTable<string>();
  // Uids in reversed runs (as upstream's partition hands the Connector its targets), over several pages.
  const uids: number[] = [];
  for (let run = 0; run < 5; run++) for (let i = 99; i >= 0; i--) uids.push(1000 + run * 100 + i);
  for (const u of uids) t.set(u, `p${u}`);
  t.set(':worker', 'named');
  t.set('{["worker","b@h"]', 'dest');
  // Numbers that are not 31-bit uids (a made-up pid's) are kept apart, not folded onto a page.
  t.set(2 ** 32 + 1000, 'big');
  t.set(-1, 'negative');
  assert.is(t.get(2 ** 32 + 1000), 'big');
  assert.is(t.get(-1), 'negative');
  assert.is(t.get(1000), 'p1000');
  assert.ok(t.delete(2 ** 32 + 1000));
  assert.ok(t.delete(-1));
  assert.is(t.get(1000), 'p1000');
  assert.is(t.size, 502);
  assert.is(t.get(1000), 'p1000');
  assert.is(t.get(1499), 'p1499');
  assert.is(t.get(1500), undefined);
  assert.is(t.get(0), undefined);
  assert.is(t.get(':worker'), 'named');
  assert.ok(t.has('{["worker","b@h"]'));
  assert.not.ok(t.has(':other'));
  t.set(1234, 'again');
  t.set(':worker', 'again');
  assert.is(t.size, 502);
  assert.is(t.get(1234), 'again');
  assert.ok(t.delete(1234));
  assert.not.ok(t.delete(1234));
  assert.not.ok(t.delete(99_999));
  assert.ok(t.delete(':worker'));
  assert.not.ok(t.delete(':worker'));
  assert.is(t.size, 500);
  assert.is(t.get(1234), undefined);
  assert.equal(sorted(t.values()), sorted([...uids.filter((u) => u !== 1234).map((u) => `p${u}`), 'dest']));
  t.clear();
  assert.is(t.size, 0);
  assert.equal(t.values(), []);
  assert.is(t.get(1000), undefined);
});

test('TargetTable: a page emptied and refilled, and forEach deleting each entry it is given', () => {
  const t = new TargetTable<number>();
  for (let u = 0; u < 200; u++) t.set(u, u);
  t.set(':a', -1);
  assert.is(pages(t), 7); // 32 uids a page: 0-31, 32-63, ..., 192-199
  for (let u = 64; u < 128; u++) assert.ok(t.delete(u)); // the third and fourth pages go
  assert.is(t.size, 137);
  assert.is(pages(t), 5);
  assert.is(t.get(100), undefined);
  t.set(100, 100); // it comes back
  assert.is(t.get(100), 100);
  assert.is(t.size, 138);
  const seen: (number | string)[] = [];
  t.forEach((v, key) => {
    seen.push(key);
    assert.is(t.get(key), v);
    if (typeof key === 'number' ? key % 2 === 0 : true) t.delete(key);
  });
  assert.is(seen.length, 138);
  assert.equal(sorted(seen.map(String)), sorted([...Array.from({ length: 64 }, (_, u) => u), 100, ...Array.from({ length: 72 }, (_, i) => 128 + i), ':a'].map(String)));
  // The odd ones are left; every page that held only even ones is gone with them.
  assert.equal(
    t.values().sort((a, b) => a - b),
    [...Array.from({ length: 32 }, (_, i) => 2 * i + 1), ...Array.from({ length: 36 }, (_, i) => 129 + 2 * i)],
  );
  assert.is(t.size, 68);
  assert.is(pages(t), 5); // 100 was the fourth page's only entry: it went again
});

test('TargetTable.setNew sets only a key that holds nothing and answers what it held, as a Map would', () => {
  const t = new TargetTable<string>();
  const m = new Map<number | string, string>();
  // Paged uids over several pages, a page made by setNew itself, named keys and numbers kept apart.
  const keys: (number | string)[] = [5, 37, 5, 1000, 37, ':a', ':a', 2 ** 32, 2 ** 32, -3, 64, 1000];
  keys.forEach((k, i) => {
    const v = `v${i}`;
    const held = m.get(k);
    if (held === undefined) m.set(k, v);
    assert.is(t.setNew(k, v), held, `setNew(${k})`);
    assert.is(t.size, m.size);
  });
  for (const [k, v] of m) assert.is(t.get(k), v);
  assert.equal(sorted(t.values()), sorted([...m.values()]));
  for (const k of m.keys()) assert.ok(t.delete(k));
  assert.is(t.size, 0);
  assert.is(pages(t), 0);
});

test.run();
