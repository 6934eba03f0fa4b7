// The shared ETS tables as deterministic structures: keys, counts, ordered reads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { namedTarget } from '../../core/messages.js';
import { newZenTables } from '../../core/tables.js';
import { atom } from '../../core/terms.js';
import { A, B, C, pid, ref } from './zen_fixtures.js';

test('nodes: insert overwrites, entries keep insertion order', () => {
  const { nodes } = newZenTables();
  nodes.set(C, { kind: 'unavailable' });
  nodes.set(B, { kind: 'incompatible', enforceUntilMs: 10, attempt: 1 });
  nodes.set(C, { kind: 'compatible' });
  assert.is(nodes.size, 2);
  assert.equal(nodes.entries(), [
    [C, { kind: 'compatible' }],
    [B, { kind: 'incompatible', enforceUntilMs: 10, attempt: 1 }],
  ]);
  nodes.delete(C);
  assert.is(nodes.get(C), undefined);
});

test('references: insert, get, take once, count', () => {
  const { references } = newZenTables();
  const [sub, other] = [pid(A), pid(A)];
  const [r1, r2] = [ref(), ref()];
  const target = pid(B);
  references.insert(sub, r1, target);
  references.insert(sub, r1, target); // same key: overwrite
  references.insert(other, r2, target);
  assert.is(references.size, 2);
  assert.equal(references.take(sub, r1), { subscriber: sub, ref: r1, target });
  assert.is(references.take(sub, r1), undefined);
  assert.is(references.take(sub, r2), undefined); // r2 belongs to `other`
  assert.is(references.size, 1);
  assert.ok(references.has(other, r2));
});

test('references: rows of one subscriber come in ref order', () => {
  const { references } = newZenTables();
  const sub = pid(A);
  const refs = [ref(), ref(), ref(), ref()];
  for (const i of [2, 0, 3, 1]) references.insert(sub, refs[i]!, atom(`t${i}`));
  references.insert(pid(A), ref(), atom('other'));
  assert.equal(
    references.rowsOf(sub).map((r) => r.ref),
    refs,
  );
  assert.is(references.countOf(sub), 4);
  assert.equal(references.rowsOf(pid(A)), []);
});

test('references: a herd of rows taken in order, then one out of order, keep take, count and rows exact', () => {
  const { references } = newZenTables();
  const sub = pid(A);
  const refs = Array.from({ length: 3000 }, () => ref());
  refs.forEach((r, i) => references.insert(sub, r, atom(`t${i}`)));
  for (let i = 0; i < 2500; i++) assert.equal(references.take(sub, refs[i]!)?.target, atom(`t${i}`));
  assert.is(references.take(sub, refs[10]!), undefined, 'taken once');
  references.insert(sub, refs[7]!, atom('again')); // an older ref than the newest held
  assert.is(references.size, 501);
  assert.is(references.countOf(sub), 501);
  assert.equal(
    references.rowsOf(sub).map((r) => r.ref),
    [refs[7], ...refs.slice(2500)],
  );
  assert.equal(references.take(sub, refs[2999]!)?.target, atom('t2999'));
  assert.equal(references.take(sub, refs[7]!)?.target, atom('again'));
  assert.is(references.size, 499);
});

test('references: a reserve is seen by no read, before its rows come or after, and the rows behave as without it', () => {
  const { references } = newZenTables();
  const { references: model } = newZenTables();
  const sub = pid(A);
  references.reserve(sub, 0); // nothing to make room for
  references.reserve(sub, 2000);
  assert.is(references.size, 0);
  assert.is(references.countOf(sub), 0);
  assert.equal(references.rowsOf(sub), []);
  const refs = Array.from({ length: 2500 }, () => ref());
  for (const t of [references, model]) refs.forEach((r, i) => t.insert(sub, r, atom(`t${i}`))); // past the reserve too
  for (const t of [references, model]) for (let i = 0; i < 2400; i += 3) t.take(sub, refs[i]!);
  assert.is(references.size, model.size);
  assert.is(references.countOf(sub), model.countOf(sub));
  assert.equal(references.rowsOf(sub), model.rowsOf(sub));
  assert.ok(references.has(sub, refs[1]!) && !references.has(sub, refs[0]!));
});

test('local subscribers: insert_new semantics', () => {
  const { localSubscribers } = newZenTables();
  const p = pid(A);
  assert.ok(localSubscribers.insertNew(p));
  assert.not.ok(localSubscribers.insertNew(p));
  assert.is(localSubscribers.size, 1);
  localSubscribers.delete(p);
  assert.not.ok(localSubscribers.has(p));
});

test('proxy subscribers: a set of {monitored, connector}; a connector\'s rows are deleted together', () => {
  const { proxySubscribers } = newZenTables();
  const [c1, c2] = [pid(A), pid(C)];
  const [t1, t2] = [pid(B), namedTarget('worker', B)];
  proxySubscribers.insert(t1, c2);
  proxySubscribers.insert(t1, c1);
  proxySubscribers.insert(t1, c1);
  proxySubscribers.insert(t2, c1);
  assert.is(proxySubscribers.size, 3);
  // Key order: connector pids in term order (node name, then id).
  assert.equal(proxySubscribers.rowsFor(t1), [
    { monitored: t1, connector: c1 },
    { monitored: t1, connector: c2 },
  ]);
  proxySubscribers.delete(t1, c2);
  assert.is(proxySubscribers.size, 2);
  proxySubscribers.insert(t2, c2);
  // A target watched by c1 alone (its one row, not a map of rows), between the others.
  const t3 = pid(B);
  proxySubscribers.insert(t3, c1);
  assert.is(proxySubscribers.deleteConnector(c1), 3);
  assert.is(proxySubscribers.size, 1);
  assert.equal(proxySubscribers.rowsFor(t1), []);
  assert.equal(proxySubscribers.rowsFor(t3), []);
  assert.equal(proxySubscribers.rowsFor(t2), [{ monitored: t2, connector: c2 }]);
  assert.is(proxySubscribers.deleteConnector(c1), 0);
});

test('proxy subscribers: a target watched by one connector keeps its row through a duplicate insert and a delete naming another connector', () => {
  const { proxySubscribers } = newZenTables();
  const [c1, c2, t] = [pid(A), pid(C), pid(B)];
  proxySubscribers.insert(t, c1);
  proxySubscribers.insert(t, c1);
  proxySubscribers.delete(t, c2);
  assert.is(proxySubscribers.size, 1);
  assert.ok(proxySubscribers.has(t, c1));
  assert.not.ok(proxySubscribers.has(t, c2));
  assert.equal(proxySubscribers.rowsFor(t), [{ monitored: t, connector: c1 }]);
  proxySubscribers.delete(t, c1);
  assert.is(proxySubscribers.size, 0);
  assert.not.ok(proxySubscribers.has(t, c1));
  assert.is(proxySubscribers.deleteConnector(c1), 0);
});

test('atom and {name, node} targets are distinct keys', () => {
  const { proxySubscribers } = newZenTables();
  const c = pid(A);
  proxySubscribers.insert(atom('worker'), c);
  assert.not.ok(proxySubscribers.has(namedTarget('worker', B), c));
  assert.ok(proxySubscribers.has(atom('worker'), c));
});

test.run();
