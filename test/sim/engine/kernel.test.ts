// The event kernel (sim/engine/kernel.ts): (time, insertion) order, cancellation, run limits,
// input validation, the trace hash and the trace sink. Expected orders and times are
// written out by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../../sim/engine/kernel.js';

/** A kernel with one kind that logs `subject@nowUs`, and the log. */
function logging(): { k: Kernel; kind: number; log: string[] } {
  const k = new Kernel();
  const log: string[] = [];
  const kind = k.defineKind('log', (subject) => void log.push(`${subject}@${k.nowUs}`));
  return { k, kind, log };
}

test('events at one time run in insertion order', () => {
  const { k, kind, log } = logging();
  for (let i = 0; i < 1000; i++) k.at(7, kind, i);
  assert.is(k.run(), 'idle');
  assert.equal(
    log,
    Array.from({ length: 1000 }, (_, i) => `${i}@7`),
  );
});

test('events scheduled by handlers for the same time queue behind the ones already there', () => {
  const k = new Kernel();
  const log: string[] = [];
  const leaf = k.defineKind('leaf', (s) => void log.push(`leaf${s}`));
  const parent = k.defineKind('parent', (s) => {
    log.push(`parent${s}`);
    k.after(0, leaf, s);
    k.at(5, leaf, 10 + s);
  });
  k.at(5, parent, 1);
  k.at(5, leaf, 100);
  k.at(5, parent, 2);
  k.at(5, leaf, 200);
  k.run();
  assert.equal(log, ['parent1', 'leaf100', 'parent2', 'leaf200', 'leaf1', 'leaf11', 'leaf2', 'leaf12']);
});

test('events run in time order whatever the order they were scheduled in', () => {
  const { k, kind, log } = logging();
  k.at(30, kind, 1);
  k.at(10, kind, 2);
  k.at(20, kind, 3);
  k.at(10, kind, 4);
  k.at(0, kind, 5);
  k.run();
  assert.equal(log, ['5@0', '2@10', '4@10', '3@20', '1@30']);
  assert.is(k.nowUs, 30);
  assert.is(k.executed, 5);
});

test('after() counts from the current time', () => {
  const { k, kind, log } = logging();
  const hop = k.defineKind('hop', () => void k.after(5, kind, 9));
  k.at(100, hop, 0);
  k.run();
  assert.equal(log, ['9@105']);
});

test('at() returns increasing sequence numbers', () => {
  const { k, kind } = logging();
  assert.equal([k.at(5, kind, 0), k.at(1, kind, 0), k.after(0, kind, 0)], [0, 1, 2]);
});

test('a cancelled event is skipped, not counted and not hashed', () => {
  const a = logging();
  a.k.at(10, a.kind, 1);
  const seq = a.k.at(20, a.kind, 2);
  a.k.at(30, a.kind, 3);
  a.k.cancel(seq);
  assert.is(a.k.run(), 'idle');
  assert.equal(a.log, ['1@10', '3@30']);
  assert.is(a.k.executed, 2);

  const b = logging();
  b.k.at(10, b.kind, 1);
  b.k.at(30, b.kind, 3);
  b.k.run();
  assert.is(a.k.traceHash(), b.k.traceHash());
});

test('a handler can cancel a later event, including one at its own time', () => {
  const { k, kind, log } = logging();
  let victim = -1;
  const killer = k.defineKind('killer', () => k.cancel(victim));
  k.at(5, killer, 0);
  victim = k.at(5, kind, 1);
  k.at(5, kind, 2);
  k.run();
  assert.equal(log, ['2@5']);
});

test('cancelling an event that already ran changes nothing', () => {
  const { k, kind, log } = logging();
  const first = k.at(1, kind, 1);
  k.run();
  k.cancel(first);
  k.at(2, kind, 2);
  k.run();
  assert.equal(log, ['1@1', '2@2']);
});

test('cancelling a sequence number not yet handed out does nothing', () => {
  const { k, kind, log } = logging();
  k.cancel(0);
  k.cancel(-1);
  k.at(1, kind, 1);
  k.run();
  assert.equal(log, ['1@1']);
});

test('cancelling events that already ran does not pile up', () => {
  const { k, kind, log } = logging();
  for (let round = 1; round <= 10; round++) {
    const ran: number[] = [];
    for (let i = 0; i < 1000; i++) ran.push(k.at(round * 10, kind, i));
    const later = k.at(round * 10 + 5, kind, -round);
    k.run({ untilUs: round * 10 });
    for (const seq of ran) k.cancel(seq);
    k.cancel(later);
    k.run({ untilUs: round * 10 + 9 });
  }
  assert.is(log.length, 10_000);
  assert.not.ok(log.some((l) => l.startsWith('-')));
  // 10,000 cancels of events that had run: pruning keeps no more than about 1024 of them.
  assert.ok((k as unknown as { cancelled: Set<number> }).cancelled.size <= 1024);
});

test('run({untilUs}) runs events up to and including untilUs, then sets the clock to it', () => {
  const { k, kind, log } = logging();
  for (const t of [10, 50, 100, 101, 200]) k.at(t, kind, t);
  assert.is(k.run({ untilUs: 100 }), 'time');
  assert.equal(log, ['10@10', '50@50', '100@100']);
  assert.is(k.nowUs, 100);
  assert.is(k.pending(), 2);
  assert.is(k.peekUs(), 101);
  assert.is(k.run({ untilUs: 150 }), 'time');
  assert.is(k.nowUs, 150);
  assert.equal(log, ['10@10', '50@50', '100@100', '101@101']);
  assert.is(k.run({ untilUs: 1000 }), 'idle');
  assert.is(k.nowUs, 1000);
  assert.is(log.length, 5);
});

test('run({untilUs}) earlier than now does not move the clock back', () => {
  const { k, kind } = logging();
  k.at(50, kind, 0);
  k.at(80, kind, 0);
  k.run({ untilUs: 60 });
  assert.is(k.run({ untilUs: 10 }), 'time');
  assert.is(k.nowUs, 60);
});

test('run({until}) stops right after the event that makes the condition true', () => {
  const { k, kind, log } = logging();
  for (let i = 1; i <= 10; i++) k.at(i * 10, kind, i);
  assert.is(k.run({ until: () => log.length === 4 }), 'condition');
  assert.equal(log, ['1@10', '2@20', '3@30', '4@40']);
  assert.is(k.nowUs, 40);
  assert.is(k.run(), 'idle');
  assert.is(log.length, 10);
});

test('run({horizon}) stops after the event past which nothing is due by the horizon, read as it moves; the clock stays there', () => {
  const { k, kind, log } = logging();
  for (let i = 1; i <= 10; i++) k.at(i * 10, kind, i);
  const h = { horizonUs: 35 };
  assert.is(k.run({ horizon: h }), 'condition');
  assert.equal(log, ['1@10', '2@20', '3@30']);
  assert.is(k.nowUs, 30);
  // An event moves it further: read after each event, it stops the run after the one before 70.
  const move = k.defineKind('move', () => void (h.horizonUs = 60));
  k.at(30, move, 0);
  assert.is(k.run({ horizon: h }), 'condition');
  assert.equal(log, ['1@10', '2@20', '3@30', '4@40', '5@50', '6@60']);
  // Checked only after an event: a run that starts past it runs one; then `until` is asked first.
  let asked = 0;
  assert.is(k.run({ horizon: h, until: () => ++asked > 0 && false }), 'condition');
  assert.equal([log.length, asked], [7, 1]);
  // Nothing left pending is past any horizon (the clock stays at the last event).
  h.horizonUs = 1000;
  assert.is(k.run({ horizon: h, untilUs: 2000 }), 'condition');
  assert.equal([log.length, k.nowUs], [10, 100]);
});

test('run({maxEvents}) executes exactly that many events', () => {
  const { k, kind, log } = logging();
  for (let i = 0; i < 10; i++) k.at(i, kind, i);
  k.cancel(k.at(0, kind, 99));
  assert.is(k.run({ maxEvents: 3 }), 'max_events');
  assert.equal(log, ['0@0', '1@1', '2@2']);
  assert.is(k.run({ maxEvents: 0 }), 'max_events');
  assert.is(log.length, 3);
  assert.is(k.run({ maxEvents: 100 }), 'idle');
  assert.is(k.executed, 10);
});

test('advanceTo moves the clock inside an event only when nothing is due by then, and never past the run', () => {
  const k = new Kernel();
  const got: [number, boolean, number][] = [];
  const probe = k.defineKind('probe', (to) => void got.push([to, k.advanceTo(to), k.nowUs]));
  const other = k.defineKind('other', () => {});
  k.at(10, probe, 15); // nothing due by 15: the clock moves to 15
  k.at(20, probe, 30); // an event is due at 30 (the same time): it must run first
  k.at(30, other, 0);
  k.at(40, probe, 35); // already past: the clock stays
  k.at(50, probe, 200); // beyond the run's end (100): no
  k.at(60, probe, 70); // a cancelled event at 65 still counts as due (conservative)
  k.cancel(k.at(65, other, 0));
  assert.is(k.run({ untilUs: 100 }), 'idle');
  assert.equal(got, [
    [15, true, 15],
    [30, false, 20],
    [35, true, 40],
    [200, false, 50],
    [70, false, 60],
  ]);
  assert.is(k.nowUs, 100);
  assert.is(k.advanceTo(150), false, 'outside run the clock never moves');
  assert.is(k.advanceTo(100), true);
  assert.is(k.nowUs, 100);
});

test('after a run that stopped just past a cancelled event, earlier times can still be scheduled', () => {
  const { k, kind, log } = logging();
  k.at(10, kind, 1);
  k.cancel(k.at(50, kind, 2));
  k.at(100, kind, 3);
  k.at(200, kind, 4);
  // Stops right after the cancelled event at 50 is dropped, with the clock still at 10.
  assert.is(k.run({ until: () => k.pending() <= 2 }), 'condition');
  assert.is(k.nowUs, 10);
  assert.is(k.peekUs(), 100);
  k.at(10, kind, 5);
  k.at(30, kind, 6);
  k.at(100, kind, 7);
  k.at(20, kind, 8);
  assert.is(k.peekUs(), 10);
  k.run();
  assert.equal(log, ['1@10', '5@10', '8@20', '6@30', '3@100', '7@100', '4@200']);
});

test('times far apart and beyond 2^32 µs keep (time, insertion) order', () => {
  const { k, kind, log } = logging();
  const times = [2 ** 32, 5, 2 ** 53 - 1, 2 ** 32 - 1, 2 ** 40, 2 ** 32 + 1, 5, 2 ** 33 + 7, 2 ** 32, 0, 2 ** 53 - 1];
  times.forEach((t, i) => k.at(t, kind, i));
  k.run();
  const expected = times
    .map((t, i) => ({ t, i }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map(({ t, i }) => `${i}@${t}`);
  assert.equal(log, expected);
  assert.is(k.nowUs, 2 ** 53 - 1);
});

test('a burst of 50,000 events at one time runs in insertion order amid other traffic', () => {
  const k = new Kernel();
  const seen: number[] = [];
  const kind = k.defineKind('x', (s) => void seen.push(s));
  for (let i = 0; i < 50_000; i++) {
    k.at(1_000_000, kind, i);
    if (i % 1000 === 0) k.at(999_000 + i / 100, kind, -i - 1);
  }
  k.run();
  const early = seen.slice(0, 50);
  assert.equal(early, Array.from({ length: 50 }, (_, j) => -j * 1000 - 1));
  assert.equal(seen.slice(50), Array.from({ length: 50_000 }, (_, i) => i));
});

test('an empty kernel is idle and its clock stays put', () => {
  const k = new Kernel();
  assert.is(k.run(), 'idle');
  assert.is(k.nowUs, 0);
  assert.is(k.pending(), 0);
  assert.is(k.peekUs(), Infinity);
  assert.is(k.executed, 0);
});

test('scheduling in the past throws a RangeError naming the time', () => {
  const { k, kind } = logging();
  k.at(100, kind, 0);
  k.run();
  assert.throws(() => k.at(99, kind, 0), (e: unknown) => e instanceof RangeError && /\b99\b/.test(e.message) && /past/.test(e.message));
  assert.throws(() => k.after(-1, kind, 0), (e: unknown) => e instanceof RangeError && /\b99\b/.test(e.message));
  assert.is(k.pending(), 0);
});

test('scheduling at a fractional, infinite or NaN time throws a RangeError naming it', () => {
  const { k, kind } = logging();
  assert.throws(() => k.at(1.5, kind, 0), (e: unknown) => e instanceof RangeError && e.message.includes('1.5'));
  assert.throws(() => k.after(0.25, kind, 0), (e: unknown) => e instanceof RangeError && e.message.includes('0.25'));
  assert.throws(() => k.at(Infinity, kind, 0), (e: unknown) => e instanceof RangeError && e.message.includes('Infinity'));
  assert.throws(() => k.at(NaN, kind, 0), (e: unknown) => e instanceof RangeError && e.message.includes('NaN'));
  assert.is(k.pending(), 0);
});

test('the argument reaches the handler and the describe() of the trace', () => {
  const k = new Kernel();
  const got: unknown[] = [];
  const kind = k.defineKind('msg', (_s, arg) => void got.push(arg));
  k.at(1, kind, 0, { text: 'hi' });
  k.at(2, kind, 0);
  k.run();
  assert.equal(got, [{ text: 'hi' }, undefined]);
});

/** Runs a fixed schedule; `tweak` may change one event of it. */
function hashOf(tweak: { index: number; t?: number; kind?: number; subject?: number } | null): string {
  const k = new Kernel();
  const kinds = [k.defineKind('a', () => {}), k.defineKind('b', () => {})];
  for (let i = 0; i < 50; i++) {
    const hit = tweak !== null && tweak.index === i;
    const t = hit && tweak.t !== undefined ? tweak.t : i * 3;
    const kind = hit && tweak.kind !== undefined ? tweak.kind : i % 2;
    const subject = hit && tweak.subject !== undefined ? tweak.subject : i * 7;
    k.at(t, kinds[kind] as number, subject);
  }
  k.run();
  return k.traceHash();
}

test('traceHash is 16 hex digits and the same for the same schedule', () => {
  const h = hashOf(null);
  assert.match(h, /^[0-9a-f]{16}$/);
  assert.is(hashOf(null), h);
  assert.is(new Kernel().traceHash(), new Kernel().traceHash());
  assert.match(new Kernel().traceHash(), /^[0-9a-f]{16}$/);
});

test('traceHash changes when one event differs in time, kind or subject', () => {
  const base = hashOf(null);
  const variants = [
    hashOf({ index: 20, t: 61 }),
    hashOf({ index: 49, t: 148 }),
    hashOf({ index: 20, kind: 1 }),
    hashOf({ index: 0, kind: 1 }),
    hashOf({ index: 20, subject: 141 }),
    hashOf({ index: 49, subject: 0 }),
  ];
  for (const v of variants) assert.is.not(v, base);
  assert.is(new Set(variants).size, variants.length);
});

test('traceHash tells apart times beyond 2^32 µs', () => {
  const hashAt = (t: number) => {
    const k = new Kernel();
    k.at(t, k.defineKind('x', () => {}), 0);
    k.run();
    return k.traceHash();
  };
  assert.is.not(hashAt(2 ** 32 + 5), hashAt(5));
  assert.is.not(hashAt(2 ** 40), hashAt(2 ** 41));
});

test('the trace sink gets one JSON line per executed event, with describe() fields', () => {
  const k = new Kernel();
  const lines: string[] = [];
  const send = k.defineKind(
    'send',
    () => {},
    (subject, arg) => ({ to: subject + 1, bytes: (arg as { bytes: number }).bytes }),
  );
  const tick = k.defineKind('tick', () => {});
  k.setTrace((line) => lines.push(line));
  k.at(5, send, 3, { bytes: 40 });
  k.at(7, tick, 9);
  k.cancel(k.at(8, tick, 10));
  k.at(2 ** 33, tick, 11);
  k.run();
  assert.is(lines.length, 3);
  assert.equal(
    lines.map((l) => JSON.parse(l) as unknown),
    [
      { us: 5, event: 'send', subject: 3, to: 4, bytes: 40 },
      { us: 7, event: 'tick', subject: 9 },
      { us: 2 ** 33, event: 'tick', subject: 11 },
    ],
  );
  for (const l of lines) assert.not.match(l, /\n/);
});

test('tracing does not change the hash, and setTrace(undefined) stops it', () => {
  const run = (trace: boolean) => {
    const k = new Kernel();
    const lines: string[] = [];
    const kind = k.defineKind('x', () => {});
    if (trace) k.setTrace((l) => lines.push(l));
    k.at(1, kind, 1);
    k.run({ untilUs: 1 });
    k.setTrace(undefined);
    k.at(2, kind, 2);
    k.run();
    return { hash: k.traceHash(), lines: lines.length };
  };
  assert.equal(run(true), { hash: run(false).hash, lines: 1 });
});

test('order and hash hold across queue growth (10,000 pending events, many ties)', () => {
  const k = new Kernel();
  const seen: number[] = [];
  const kind = k.defineKind('x', (s) => void seen.push(s));
  // Times 0..99 in a scrambled order, each used by 100 events.
  for (let i = 0; i < 10_000; i++) k.at((i * 37) % 100, kind, i);
  assert.is(k.pending(), 10_000);
  k.run();
  const expected = Array.from({ length: 10_000 }, (_, i) => i).sort((a, b) => ((a * 37) % 100) - ((b * 37) % 100) || a - b);
  assert.equal(seen, expected);
});

/**
 * Moves the kernel's internal rank counter to `margin` below its limit (2^53 / 1024
 * slots), as 2^43 insertions would (reaching it for real takes hours). Only valid when
 * no pending event has a rank above the last renumbering's.
 */
function nearRankLimit(k: Kernel, margin: number): void {
  const inner = k as unknown as { rank: number; seq: number; seqMinusRank: number };
  inner.rank = 2 ** 43 - margin;
  inner.seqMinusRank = inner.seq - inner.rank;
}

test('ranks that run out of bits are renumbered without changing order or cancellation', () => {
  const { k, kind, log } = logging();
  nearRankLimit(k, 10);
  const a: number[] = [];
  for (let i = 0; i < 10; i++) a.push(k.at(100, kind, i));
  k.cancel(a[1] as number); // before the renumbering
  const b: number[] = [];
  for (let i = 10; i < 30; i++) b.push(k.at(i % 3, kind, i)); // the first one renumbers
  k.cancel(a[2] as number); // after it: an event it renumbered
  k.cancel(b[0] as number); // after it: an event scheduled after it
  k.run({ untilUs: 50 }); // leaves only the renumbered events
  nearRankLimit(k, 5);
  const c: number[] = [];
  for (let i = 30; i < 40; i++) c.push(k.at(100, kind, i)); // the sixth renumbers again
  k.cancel(a[3] as number);
  k.cancel(c[0] as number);
  k.cancel(c[9] as number);
  k.run();
  const cancelled = new Set([1, 2, 10, 3, 30, 39]);
  const expected: string[] = [];
  for (const t of [0, 1, 2]) for (let i = 10; i < 30; i++) if (i % 3 === t && !cancelled.has(i)) expected.push(`${i}@${t}`);
  for (let i = 0; i < 40; i++) if (!(i >= 10 && i < 30) && !cancelled.has(i)) expected.push(`${i}@100`);
  assert.equal(log, expected);
  assert.ok((k as unknown as { rank: number }).rank < 100);
});

test('the queue grows while ranks are too high for one more slot bit: renumbered first, order and cancellation kept', () => {
  const { k, kind, log } = logging();
  // 2^43 - 1500 is past 2^53 / 2048, the rank limit once the 1024 slots double.
  nearRankLimit(k, 1500);
  const seqs: number[] = [];
  for (let i = 0; i < 1100; i++) seqs.push(k.at((i * 7) % 10, kind, i)); // the 1025th grows the queue
  for (const i of [3, 1023, 1024, 1099]) k.cancel(seqs[i] as number);
  k.run();
  const cancelled = new Set([3, 1023, 1024, 1099]);
  const expected = Array.from({ length: 1100 }, (_, i) => i)
    .filter((i) => !cancelled.has(i))
    .sort((a, b) => ((a * 7) % 10) - ((b * 7) % 10) || a - b)
    .map((i) => `${i}@${(i * 7) % 10}`);
  assert.equal(log, expected);
});

/** The log and trace hash of a schedule with a burst of 5,000 events (some cancelled) amid others, with or without a reserve before the burst. */
function burst(reserve: boolean): { log: string[]; hash: string; capacity: number } {
  const { k, kind, log } = logging();
  const later: number[] = [];
  for (let i = 0; i < 700; i++) later.push(k.at(10 + (i % 13), kind, i));
  k.run({ untilUs: 11 }); // some slots free again, others held
  if (reserve) k.reserve(5_000);
  const seqs: number[] = [];
  for (let i = 0; i < 5_000; i++) seqs.push(k.at(11 + (i % 7), kind, 1_000 + i));
  for (const i of [0, 17, 4_999]) k.cancel(seqs[i] as number);
  k.cancel(later[699] as number);
  k.run();
  return { log, hash: k.traceHash(), capacity: (k as unknown as { capacity: number }).capacity };
}

test('a reserve grows the slots once to the power of two that holds them; order, cancellation and hash are those without it', () => {
  const without = burst(false);
  const reserved = burst(true);
  assert.is(reserved.capacity, 8_192);
  assert.equal(reserved.log, without.log);
  assert.is(reserved.hash, without.hash);
  assert.is(reserved.log.length, 700 - 1 + 5_000 - 3);
});

/** A burst of 5,000 events at the time being run, scheduled by an event (as a lost connection's DOWNs are), with or without a reserve at that time first. */
function burstNow(reserve: boolean): { log: string[]; hash: string; due: number } {
  const { k, kind, log } = logging();
  const burster = k.defineKind('burst', () => {
    if (reserve) k.reserve(5_000, k.nowUs);
    for (let i = 0; i < 5_000; i++) k.at(k.nowUs + (i % 3 === 0 ? 1 : 0), kind, i);
  });
  for (let i = 0; i < 10; i++) k.at(20, kind, 10_000 + i);
  k.at(20, burster, 0);
  k.at(20, kind, 20_000);
  k.run();
  return { log, hash: k.traceHash(), due: (k as unknown as { due: Float64Array }).due.length };
}

test('a reserve at the time being run makes the queue of that time at once; order and hash are those without it', () => {
  const without = burstNow(false);
  const reserved = burstNow(true);
  assert.equal(reserved.log, without.log);
  assert.is(reserved.hash, without.hash);
  assert.is(reserved.log.length, 10 + 5_000 + 1);
  assert.equal(reserved.log.slice(10, 12), ['20000@20', '1@20'], 'the burst after what was queued before it');
  assert.is(reserved.due, 8_192, 'made at once for all 5,000 (the 3,334 of this time took 4,096 doubled)');
  assert.is(without.due, 4_096);
});

test('a reserve within the free slots changes nothing; one after ranks near their limit renumbers first', () => {
  const { k, kind, log } = logging();
  k.reserve(1_024);
  assert.is((k as unknown as { capacity: number }).capacity, 1_024);
  nearRankLimit(k, 1_500); // past 2^53 / 4096, the limit once reserved
  const seqs: number[] = [];
  for (let i = 0; i < 100; i++) seqs.push(k.at(i % 10, kind, i));
  k.reserve(3_000);
  assert.is((k as unknown as { capacity: number }).capacity, 4_096);
  for (let i = 100; i < 3_100; i++) seqs.push(k.at(i % 10, kind, i));
  for (const i of [5, 99, 100, 3_099]) k.cancel(seqs[i] as number);
  k.run();
  const cancelled = new Set([5, 99, 100, 3_099]);
  const expected = Array.from({ length: 3_100 }, (_, i) => i)
    .filter((i) => !cancelled.has(i))
    .sort((a, b) => (a % 10) - (b % 10) || a - b)
    .map((i) => `${i}@${i % 10}`);
  assert.equal(log, expected);
});

test('a kind defined with an owner hands its handler that owner with every event; one handler serves two owners', () => {
  const k = new Kernel();
  const seen: string[] = [];
  type Owner = { name: string };
  const handler = (subject: number, arg: unknown, owner: Owner) => void seen.push(`${owner.name}:${subject}:${String(arg)}`);
  const a = k.defineKind('a', handler, undefined, { name: 'A' });
  const b = k.defineKind('b', handler, undefined, { name: 'B' });
  const plain = k.defineKind('plain', (subject, arg, owner) => void seen.push(`plain:${subject}:${String(arg)}:${String(owner)}`));
  k.at(2, b, 7, 'y');
  k.at(1, a, 3, 'x');
  k.at(3, plain, 5, 'z');
  k.run();
  assert.equal(seen, ['A:3:x', 'B:7:y', 'plain:5:z:undefined']);
});

test.run();
