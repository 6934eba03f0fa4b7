// Ring (sim/beam/ring.ts) against an array as its model, through wrap-around, growth and
// `reserve`; and a lost connection reserving each watcher's mailbox for its DOWNs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, type Pid, type Ref } from '../../../core/terms.js';
import { Mailbox } from '../../../sim/beam/mailbox.js';
import type { Ctx, DownSignal } from '../../../sim/beam/process.js';
import { Ring } from '../../../sim/beam/ring.js';
import { A, B, connect, downs, drain, makeWorld, recorder, sleeper, type Got } from '../helpers.js';

/** The storage a Ring holds (protected: read here to see which path was taken). */
const items = (r: Ring<number>): unknown[] => (r as unknown as { items: unknown[] }).items;

test('a reserve makes the ring once at the power of two that holds the items to come; pushes and shifts after it, and past it, keep FIFO order', () => {
  const r = new Ring<number>();
  const model: number[] = [];
  const push = (x: number): void => void (r.push(x), model.push(x));
  const shift = (): void => assert.is(r.shift(), model.shift());
  for (let i = 0; i < 6; i++) push(i);
  for (let i = 0; i < 4; i++) shift(); // head moved: the items wrap once more are pushed
  for (let i = 6; i < 12; i++) push(i);
  r.reserve(3_000);
  const reserved = items(r);
  assert.is(reserved.length, 4_096, 'the power of two that holds 8 + 3,000');
  assert.equal(r.values(), model);
  for (let i = 12; i < 3_008; i++) push(i);
  assert.is(items(r), reserved, 'filled without a copy');
  r.reserve(10); // within what is there: nothing is made
  assert.is(items(r), reserved);
  for (let i = 0; i < 1_000; i++) shift();
  for (let i = 3_008; i < 6_000; i++) push(i); // past the reserve: grown as usual
  assert.equal(r.values(), model);
  while (model.length > 0) shift();
  assert.is(r.length, 0);
});

test('a lost connection reserves the mailbox of a watcher given 1,024 DOWNs or more, and each gets its DOWNs in the order it monitored', () => {
  const reserved: number[] = [];
  const reserve = Mailbox.prototype.reserve;
  Mailbox.prototype.reserve = function (this: Mailbox, n: number): void {
    reserved.push(n);
    reserve.call(this, n);
  };
  try {
    const w = makeWorld();
    connect(w, A, B);
    const targets = w.spawnMany(B, 1_500, sleeper);
    const logs: Got[][] = [[], []];
    const refs: Ref[][] = [[], []];
    // One watcher monitors all 1,500, the other 10 (its mailbox grown as they come).
    [1_500, 10].forEach((n, i) => {
      const monitorAll = (ctx: Ctx): void => {
        for (const t of targets.slice(0, n)) (refs[i] as Ref[]).push(ctx.monitor(t as Pid));
      };
      w.spawn(A, recorder(logs[i] as Got[], undefined, monitorAll));
    });
    w.at(100_000, () => w.crash(B));
    drain(w);
    assert.equal(reserved, [1_500]);
    logs.forEach((log, i) => {
      const d = downs(log);
      assert.equal(d.map((g) => (g.msg as DownSignal).ref), refs[i]);
      assert.ok(d.every((g) => (g.msg.reason as { v: string }).v === atom('noconnection').v));
    });
  } finally {
    Mailbox.prototype.reserve = reserve;
  }
});

test.run();
