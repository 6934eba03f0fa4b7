// The process heap and its generational GC (sim/beam/heap.ts) against erl_gc.c's rules and
// the heaps M1 measured (shared/fixtures/calibration/m1_memory.json, sample subscribers).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, int, list, tuple, type Pid } from '../../../core/terms.js';
import { at, At, isRemote, Place, placeOf, wireBytes, type Held } from '../../../sim/beam/held.js';
import { gcReductions, HEAP_SIZES, nextHeapSize, ProcHeap, type HeapBooks } from '../../../sim/beam/heap.js';
import { envelope, type RefcBin } from '../../../sim/beam/memory.js';
import { msgHeapWords, type Msg } from '../../../core/messages.js';
import type { DownSignal, Proc } from '../../../sim/beam/process.js';
import { A, B, connect, drain, makeWorld, runUntil } from '../helpers.js';

const cfg = { minHeapWords: 233, fullsweepAfter: 65_535, structBytes: 776, baseWords: 10, bufferBytes: 0 };

function books(): HeapBooks & { released: RefcBin[]; moments: number[] } {
  const released: RefcBin[] = [];
  const moments: number[] = [];
  return { processBytes: 0, released, moments, release: (bins) => void released.push(...bins), gcMoment: (bytes) => void moments.push(bytes) };
}

const msg = (words: number, bins?: RefcBin[]): Held => ({ words, at: at(0, Place.Heap), carry: bins ?? 0 });

test('heap sizes: 12, 38, then Fibonacci + 1 (233, 376, 610 ... 46422), then +20%; next size and the one after', () => {
  assert.equal(HEAP_SIZES.slice(0, 17), [12, 38, 51, 90, 142, 233, 376, 610, 987, 1598, 2586, 4185, 6772, 10958, 17731, 28690, 46422]);
  assert.is(HEAP_SIZES[23], Math.floor((HEAP_SIZES[22] as number) * 1.2));
  assert.is(nextHeapSize(233, 0), 233);
  assert.is(nextHeapSize(234, 0), 376);
  assert.is(nextHeapSize(2026, 0), 2586);
  assert.is(nextHeapSize(2026, 1), 4185);
  assert.is(nextHeapSize(2586, 1), 4185);
  assert.is(nextHeapSize(3, 0), 12);
});

test('gc_cost: a reduction per 10 live words moved and per 100 resized, at least 1', () => {
  assert.is(gcReductions(0, 0), 1);
  assert.is(gcReductions(2016, 0), 201);
  assert.is(gcReductions(2016, 2016), 221);
});

test('M1: a subscriber that took a 2016-word DOWN after a GC has a 2586-word heap and a 4185-word old heap (54,944 bytes); a GC leaves 2586', () => {
  const w = makeWorld();
  connect(w, A, B);
  const sub = w.spawn(A, { handle: (ctx) => ctx.keep() });
  const p = w.proc(sub) as Proc;
  w.mem.collect(p); // the fixture GC'd every process before its snapshots
  const reason = tuple(atom('boom'), list(Array.from({ length: 1000 }, (_, i) => int(i + 1))));
  w.send(sub, tuple(atom('DOWN'), reason), B);
  drain(w);
  const h = p.heap as ProcHeap;
  assert.is(h.heapSz, 2586);
  assert.is(h.oldSz, 4185);
  assert.is(w.mem.processInfoBytes(p), 776 + 8 * (2586 + 4185));
  assert.is(w.mem.processInfoBytes(p), 54_944, 'M1 vanilla list1000, after_down_settled_1s');
  w.mem.collect(p);
  assert.is(w.mem.processInfoBytes(p), 21_464, 'M1, after_down_settled_after_gc');
});

test('M1: a 13-word DOWN that fits stays in its fragment: total heap 246 words, 2744 bytes', () => {
  const w = makeWorld();
  connect(w, A, B);
  const sub = w.spawn(A, { handle: (ctx) => ctx.keep() });
  const p = w.proc(sub) as Proc;
  w.mem.collect(p);
  const t = w.spawn(B, { handle() {} });
  // {:DOWN, ref, :process, pid, :boom} as a message from b: 13 words flat (M1's held_down_message_flat_size_words).
  w.send(sub, tuple(atom('DOWN'), { t: 'ref', uid: 1, node: A }, atom('process'), t as Pid, atom('boom')), B);
  drain(w);
  assert.is(p.heap?.words, 233 + 13);
  assert.is(w.mem.processInfoBytes(p), 2744, 'M1 vanilla atom, after_down_settled_1s');
});

test('minor GC: live data that survived one GC goes to the old heap (made one size up from the young usage); the rest to a new young heap', () => {
  const b = books();
  const h = new ProcHeap(b, cfg, false);
  assert.is(b.processBytes, 0, 'a new heap reports its difference from a pristine process only');
  h.allocate(100); // temps, 110 used
  h.setState(110); // the state grows: live
  h.endHandler(); // the temps are garbage
  h.collect(); // major: live 10 + 110, all below the high-water mark
  assert.equal([h.heapSz, h.htop, h.oldSz], [233, 120, 0]);
  h.allocate(200); // 113 free: a minor GC; the 120 mature words go to an old heap of next(120, 1) = 233
  assert.equal([h.heapSz, h.htop, h.oldSz], [233, 200, 233], 'young: min_heap_size, the 200 placed after');
  h.endHandler();
  h.allocate(300); // minor: nothing mature, nothing young live; the young heap grows to hold the need
  assert.equal([h.heapSz, h.htop, h.oldSz], [376, 300, 233]);
  assert.is(b.processBytes, 8 * (376 + 233 - 233));
});

test('major GC: when the old heap cannot take the mature data, everything live goes to one heap sized for all usage; the old heap goes', () => {
  const h = new ProcHeap(books(), cfg, false);
  h.setState(200); // 210 live
  h.collect(); // major: all 210 mature, in 233 words (over 75% used: grow at the next major)
  h.setState(400); // 200 more, no room: minor, the 210 to an old heap of next(210, 1) = 376
  assert.equal([h.heapSz, h.htop, h.oldSz], [233, 200, 376]);
  h.allocate(100); // minor: the 200 become mature; the young heap grows to 376 for the need
  assert.equal([h.heapSz, h.htop, h.oldSz], [376, 300, 376]);
  h.endHandler();
  h.allocate(200); // 200 mature words, 166 free in the old heap: major, sized for 300 young + 210 old
  assert.equal([h.heapSz, h.htop, h.oldSz], [610, 410 + 200, 0]);
});

test('on_heap queue: messages waiting in fragments are copied into the heap at a GC; off_heap: they stay out', () => {
  for (const offHeap of [false, true]) {
    const h = new ProcHeap(books(), cfg, offHeap);
    const queued = msg(1000);
    h.arrive(queued, false);
    assert.is(h.queued, 1000);
    h.allocate(300); // no room: a GC
    assert.is(h.queued, offHeap ? 1000 : 0, offHeap ? 'off_heap' : 'on_heap');
    assert.is(h.htop, offHeap ? 300 + 10 : 10 + 1000 + 300);
    h.receive(queued, true);
    h.dies(queued);
    h.endHandler();
    h.collect();
    assert.is(h.htop, 10, 'only the state is live');
    assert.is(h.mbuf + h.queued, 0);
  }
});

test('a message built on an idle heap needs room; a running receiver gets a fragment', () => {
  const h = new ProcHeap(books(), cfg, false);
  const small = msg(20);
  h.arrive(small, true);
  assert.equal([placeOf(small), h.htop, h.queued], [Place.Heap, 30, 0]);
  const big = msg(300);
  h.arrive(big, true);
  assert.equal([placeOf(big), h.queued], [Place.Queued, 300]);
  const running = msg(5);
  h.arrive(running, false);
  assert.is(placeOf(running), Place.Queued);
});

test('taking a message whose fragment outgrows the free heap sets off a GC, paid in reductions', () => {
  const h = new ProcHeap(books(), cfg, false);
  const m = msg(2016);
  h.arrive(m, false);
  const reds = h.receive(m, true);
  assert.is(reds, gcReductions(10 + 2016, 0));
  assert.is(h.heapSz, 2586);
  assert.is(h.oldSz, 0, 'a process never collected has nothing mature: no old heap');
});

test('the state is a FIFO of chunks: absorbed messages and growth, the oldest dropped first, its binaries released at the next GC', () => {
  const b = books();
  const h = new ProcHeap(b, cfg, false);
  const bin: RefcBin = { size: 1000, refs: 1, bytes: undefined };
  const batch1 = msg(100, [bin]);
  h.arrive(batch1, true);
  h.receive(batch1, true);
  h.absorb(batch1);
  h.setState(100 + 20);
  assert.is(h.stateWords, 120);
  h.setState(20); // hands the first batch over
  assert.equal(b.released, []);
  h.collect();
  assert.equal(b.released, [bin]);
});

test('hibernate: everything live in a heap of exactly its size, no old heap', () => {
  const h = new ProcHeap(books(), cfg, false);
  h.setState(500);
  h.allocate(1000);
  h.endHandler();
  h.hibernate();
  assert.equal([h.heapSz, h.htop, h.oldSz], [510, 510, 0]);
});

test('a GC inside a handler costs its process CPU: gcReductionUs per reduction', () => {
  const w = makeWorld({ cost: { gcReductionUs: 1, receiveUs: 0 } });
  const log: number[] = [];
  const p = w.spawn(A, {
    handle(ctx) {
      const t0 = ctx.nowUs();
      ctx.allocate(1000);
      log.push(ctx.nowUs() - t0);
    },
  });
  w.send(p, atom('go'));
  runUntil(w, 1000);
  // 233-word heap, 10 live: the GC moves 10 words (1 reduction) and grows the heap (0 resized: nothing to move).
  assert.equal(log, [1]);
});


test('queued messages: each has its ErtsMessage entry (a 40-byte reference, a 40-byte header for its own fragment) until taken, a taken fragment keeps both until the next GC', () => {
  const b = books();
  const h = new ProcHeap(b, cfg, false);
  const onHeap = msg(20);
  h.arrive(onHeap, true); // built on the idle heap: only its reference
  assert.equal([h.entryBytes, h.queueInfoBytes], [40, 88]);
  const frag = msg(300); // no room: a fragment of its own
  h.arrive(frag, true);
  assert.equal([h.entryBytes, h.queueInfoBytes], [40 + 80, 2 * 88], 'process_info counts sizeof(ErtsMessage) per queued message');
  assert.is(b.processBytes, 8 * 300 + 40 + 80);
  h.receive(onHeap, true); // its reference is freed at once
  h.dies(onHeap);
  assert.equal([h.entryBytes, h.queueInfoBytes], [80, 88]);
  h.receive(frag, true); // 300 words of fragment > 203 free: the GC takes the fragment in
  assert.equal([h.entryBytes, h.queueInfoBytes, h.mbuf], [0, 0, 0]);
  const small = msg(5);
  h.arrive(small, false); // the receiver is running: a fragment
  h.receive(small, true);
  assert.equal([h.entryBytes, h.queueInfoBytes, h.mbuf], [80, 0, 5], 'taken: its reference and header stay with the fragment until a GC');
  h.collect();
  assert.is(h.entryBytes, 0);
});

test('queued messages in process_info and processes: 1000 local 13-word DOWNs waiting at a process blocked in a receive (erts_process_memory, erts_try_alloc_message_on_heap)', () => {
  for (const offHeapQueue of [false, true]) {
    const w = makeWorld();
    connect(w, A, B);
    const t = w.spawn(B, { handle() {} });
    const sink = w.spawn(A, { handle: (ctx) => void ctx.receive(() => false, Infinity) }, { offHeapQueue });
    const down = (i: number) => tuple(atom('DOWN'), { t: 'ref', uid: i + 1, node: A }, atom('process'), t as Pid, atom('killed'));
    const sender = w.spawn(A, { handle: (ctx) => { for (let i = 0; i < 1000; i++) ctx.send(sink, down(i)); } });
    w.send(sink, atom('block'));
    drain(w);
    const p = w.proc(sink) as Proc;
    const before = w.node(A).memory().processes;
    w.send(sender, atom('go'));
    drain(w);
    assert.is(p.mailbox.length, 1000);
    // on_heap: the first 17 fit in the 223 free words of the idle heap (a reference each),
    // 983 go to fragments (reference, header, 13 words); off_heap: all 1000 in fragments.
    const onHeap = offHeapQueue ? 0 : 17;
    const inFrags = 1000 - onHeap;
    assert.is(w.node(A).memory().processes - before, 40 * onHeap + (80 + 13 * 8) * inFrags, `processes, off_heap ${offHeapQueue}`);
    assert.is(w.mem.processInfoBytes(p), 2640 + 13 * 8 * inFrags + 88 * 1000, `process_info, off_heap ${offHeapQueue}`);
  }
});

test('a collection reports its moment of both heaps: the new young heap (and an old heap made for it) beside everything held before', () => {
  const b = books();
  const h = new ProcHeap(b, cfg, false);
  const m = msg(2016);
  h.arrive(m, false);
  h.receive(m, true); // major (nothing mature yet): a new heap of next(10 + 2016) = 2586 words
  const before = 776 + 8 * (233 + 2016) + 80; // heap, fragment, its reference and header
  assert.equal(b.moments, [before + 8 * 2586 - 2640], 'relative to the pristine process the books already hold');
  assert.is(b.processBytes, 8 * (2586 - 233), 'after it: the new heap only');
  h.absorb(m);
  h.endHandler();
  h.allocate(600); // 560 free: a minor GC, which first makes an old heap of next(2026 + 0, 1) = 4185 words
  const beforeMinor = 776 + 8 * (2586 + 4185);
  assert.equal(b.moments[1], beforeMinor + 8 * 2586 - 2640, 'old young heap, new old heap and new young heap at once');
  assert.equal([h.heapSz, h.oldSz], [2586, 4185]);
});

test('a message goes on an idle heap only if the free words exceed its size (erts_try_alloc_message_on_heap: HEAP_LIMIT - HEAP_TOP <= sz is a fragment)', () => {
  const h = new ProcHeap(books(), cfg, false);
  const exact = msg(223); // 233 - 10: exactly the free words
  h.arrive(exact, true);
  assert.equal([placeOf(exact), h.queued, h.htop], [Place.Queued, 223, 10]);
  const fits = msg(222);
  h.arrive(fits, true);
  assert.equal([placeOf(fits), h.htop], [Place.Heap, 232]);
});

test('minor GC with a need larger than the young generation: the new heap is sized for the need at once, no resize paid (minor_collection: next_heap_size(MAX(size_before, need)))', () => {
  const h = new ProcHeap(books(), cfg, false);
  h.setState(100);
  h.collect(); // 110 live, all mature, in 233 words
  h.setState(400); // 300 more: a minor GC moves the 110 to an old heap of next(110, 1) = 233, then 300 young in 376
  assert.equal([h.heapSz, h.oldSz, h.htop], [376, 233, 300]);
  const reds = h.allocate(5000); // ygen 300, need 5000: a young heap of next(5000) = 6772
  assert.equal([h.heapSz, h.oldSz, h.htop], [6772, 233, 300 + 5000]);
  assert.is(reds, gcReductions(300, 0), '30: no resize of the 300 young words (it was 33)');
});

test('fullsweep_after: a major collection after that many minor ones (0: every collection is major, no old heap)', () => {
  const oldHeaps = (fullsweepAfter: number): number[] => {
    const h = new ProcHeap(books(), { ...cfg, fullsweepAfter }, false);
    h.setState(100);
    h.collect(); // 110 live, mature
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      h.allocate(300); // garbage that does not fit: a collection each time
      h.endHandler();
      seen.push(h.oldSz);
    }
    return seen;
  };
  assert.equal(oldHeaps(0), [0, 0, 0], 'every collection major');
  assert.equal(oldHeaps(1), [233, 0, 987], 'minor (an old heap of next(110, 1)), major, minor (an old heap of next(410, 1))');
  assert.equal(oldHeaps(65_535), [233, 233, 233]);
});

test('a queued message flushed unhandled (demonitor with :flush) takes its entry and fragment with it', () => {
  const b = books();
  const h = new ProcHeap(b, cfg, false);
  const m = msg(30);
  h.arrive(m, false);
  assert.equal([h.entryBytes, h.queueInfoBytes, h.queued], [80, 88, 30]);
  h.unqueue(m);
  h.dies(m);
  assert.equal([h.entryBytes, h.queueInfoBytes, h.queued, b.processBytes], [0, 0, 0, 0]);
});

// beam_common.c remove_message: a take that leaves the fragments over the free heap only asks
// for a collection a few reductions on, "giving the message some time to turn into garbage".
const remote = (words: number): Held => ({ words, at: at(0, Place.Heap) | At.Remote, carry: 49_329 });

test('a plain receive loop that takes a big fragment is collected as its handler ends, the message garbage: back to 233 words, no old heap (amp.exs drop: 2,640 bytes)', () => {
  const h = new ProcHeap(books(), cfg, false, 0); // a loop whose variables are all immediates
  h.collect();
  const down = remote(20_013); // {:DOWN, …, [1..10,000]} decoded from the wire
  h.arrive(down, true);
  assert.is(h.receive(down, false), 0, 'no collection at the take');
  assert.equal([h.heapSz, h.mbuf], [233, 20_013], 'the fragment is the heap\'s until the collection');
  h.dies(down);
  assert.is(h.endHandler(), gcReductions(0, 0), 'the collection: nothing live to move');
  assert.equal([h.heapSz, h.oldSz, h.mbuf, h.words], [233, 0, 0, 233], 'major (nothing mature), its heap shrunk to min_heap_size');
  assert.is(h.bytes, 776 + 8 * 233);
});

test('a plain loop with heap data gets an old heap one size up from the young usage, fragments included (minor_collection: erts_next_heap_size(size_before, 1))', () => {
  const h = new ProcHeap(books(), cfg, false); // 10 words of state
  h.collect();
  const down = remote(20_013);
  h.arrive(down, true);
  h.receive(down, false);
  h.dies(down);
  h.endHandler();
  assert.is(h.oldSz, nextHeapSize(10 + 20_013, 1));
  assert.is(h.oldSz, 46_422);
});

test('a plain loop that keeps what it took: the collection at its handler\'s end copies it; an OTP loop\'s collection runs at the take (gen_server holds the message through its callback)', () => {
  const kept = new ProcHeap(books(), cfg, false, 0);
  const m = remote(2016);
  kept.arrive(m, true);
  kept.receive(m, false);
  kept.absorb(m);
  assert.is(kept.endHandler(), gcReductions(2016, 0));
  assert.equal([kept.heapSz, kept.htop, kept.mbuf], [2586, 2016, 0]);
  const otp = new ProcHeap(books(), cfg, false, 0);
  const n = remote(2016);
  otp.arrive(n, true);
  assert.is(otp.receive(n, true), gcReductions(2016, 0), 'collected at the take, the message live');
  otp.dies(n);
  assert.is(otp.endHandler(), 0, 'nothing left due');
  assert.equal([otp.heapSz, otp.htop], [2586, 2016]);
});

test('heap sizes end at the last one within max_heap_size (2^50 words on 64-bit): 138 sizes, as erts_init_gc leaves them', () => {
  assert.is(HEAP_SIZES.length, 138);
  assert.is(HEAP_SIZES[22], 833_026, 'the last Fibonacci-like size; 20% steps after it');
  assert.equal(HEAP_SIZES.slice(23, 26), [999_631, 1_199_557, 1_439_468]);
  assert.ok((HEAP_SIZES[137] as number) <= 2 ** 50 && (HEAP_SIZES[137] as number) * 1.2 > 2 ** 50);
});

test('a DOWN\'s envelope has the words core\'s generic measure gives it (sizes.ts downWords sums them from its leaves), local and from the wire', () => {
  const pid: Pid = { t: 'pid', uid: 7, node: 'b@h', id: 7, creation: 1 };
  const ref = { t: 'ref', uid: 3, node: 'a@h', alias: false } as const;
  const alias = { t: 'ref', uid: 4, node: 'b@h', alias: true } as const;
  const downs: DownSignal[] = [
    { kind: 'DOWN', ref, object: pid, reason: atom('noconnection') },
    { kind: 'DOWN', ref, object: tuple(atom('proxy'), atom('b@h')), reason: tuple(atom('shutdown'), list([int(1), int(2), atom('x')])) },
    { kind: 'DOWN', ref: alias, object: pid, reason: tuple(atom('badarg'), int(2n ** 70n), pid, alias) },
  ];
  // The same reason term again, in a DOWN of its own.
  downs.push({ kind: 'DOWN', ref, object: pid, reason: (downs[2] as DownSignal).reason }, downs[0] as DownSignal);
  for (const down of downs) {
    for (const [node, payload] of [['a@h', 0], ['b@h', 0], ['a@h', 90]] as const) {
      const e = envelope(down, node, payload);
      assert.equal([e.words, wireBytes(e), isRemote(e), e.kind], [msgHeapWords(down as unknown as Msg, node) - 1, payload, payload > 0, 'DOWN']);
    }
  }
});

test.run();
