// The engine layer (sim/engine): the event kernel, seeded random streams (rng.ts) and
// the metrics registry (metrics.ts). It knows nothing of BEAM, ZenMonitor or scenarios
// and imports from no other layer but core/'s bisection and array doubling (uid_map.ts); every layer above
// runs on it.
//
// The discrete-event kernel: an integer-microsecond virtual clock and one event queue
// ordered by (time, insertion sequence), so same-time events run in the order they
// were scheduled (as sinon's fake timers do). Every executed event is folded into a
// 64-bit trace hash; a run's `traceHash` is the fingerprint the determinism tests and
// the CLI print. Event kinds are registered once with their handler, so an event is
// four numbers and an argument (no closure per event) and a trace line can name it. A
// kind may be defined with an owner that its handler receives: a handler that is a
// module-level function (or a static method) then serves every world of a process, so
// the code V8 optimizes for it lives as long as the process, where an arrow function
// made per world would be optimized again for each world once the last one's is gone.
//
// Rules: time never goes backwards; an event cannot be scheduled in the past or at a
// fractional microsecond; the clock moves to each event's time, and forward inside an
// event only to a time no pending event precedes or shares (`advanceTo`); nothing here
// reads the wall clock.
import { doubled, doubledToHold, lowerBound, withLength } from '../../core/uid_map.js';
import { DoubleFields } from './double_fields.js';

/** Handles an event of a kind; `owner` is the one the kind was defined with (undefined if none). */
export type Handler<O = undefined> = (subject: number, arg: unknown, owner: O) => void;
export type Describe = (subject: number, arg: unknown) => Record<string, unknown>;
/** One executed event, as written to a `--trace` file. */
export type TraceSink = (line: string) => void;

type Kind = { name: string; handler: Handler<never>; describe: Describe | undefined };

/** A limit the run loop reads after every event: a field, so its owner may move it while the run goes on. */
export type Horizon = { readonly horizonUs: number };

export type RunLimit = {
  /** Stop before the first event later than this virtual time; the clock ends at it. */
  untilUs?: number;
  /** Stop as soon as this returns true (checked after every event). */
  until?: () => boolean;
  /**
   * Stop as `until` does (after it: 'condition', the clock left at the last event) once no
   * pending event is at or before `horizon.horizonUs`, read after every event: a limit
   * that may move, checked without a call.
   */
  horizon?: Horizon;
  /** Stop after this many events (a guard against runaway scenarios). */
  maxEvents?: number;
};
export type RunEnd = 'time' | 'idle' | 'condition' | 'max_events';

/**
 * The kernel's constants, as a const enum: the bundle then has them as literals that V8
 * folds into its code, where a module-level `const` is bundled as a `var` that every use
 * loads from the module's context and checks (a few instructions each, in every event).
 */
const enum K {
  /** Numbers per slot in `rec`. */
  REC = 2,
  TWO32 = 4294967296,
  TWO53 = 9007199254740992,
  INITIAL_SLOT_BITS = 10,
  PRUNE_MIN = 1024,
  /** Bucket 0 (unused: those events are in `due`) and one per bit of a 53-bit time. */
  BUCKETS = 54,
  INITIAL_NUMBERS = 64,
  /** An emptied bucket (or `due`) longer than this may be given back to the GC… */
  SPARE_NUMBERS = 1 << 15,
  /**
   * …when the buckets' total length passes this many numbers per pending event. Steady
   * workloads settle near 20 (bucket peaks and doubling slack); 64 stops the churn of
   * regrowing buckets there while bounding what a past burst leaves behind (512 bytes per
   * pending event).
   */
  ROOM_PER_EVENT = 64,
}

const KERNEL_DOUBLES = new DoubleFields(['nowUs', 'base', 'pendingTotal']);

/**
 * The queue is a radix heap, which fits a simulator's clock: nothing is ever scheduled
 * before the last event run, so every pending time is at least a `base` (the time of
 * that event, or earlier). Events at exactly `base` wait in `due`; any other event waits
 * in the bucket of the highest bit in which its time differs from `base`. When `due`
 * runs dry, the lowest non-empty bucket's earliest time becomes the new `base` and that
 * bucket's events move to `due` or to lower buckets. An event moves at most once per
 * bit, and only by sequential reads and appends, so a pop costs a few appends instead
 * of a sift through a heap's random memory.
 *
 * Same-time order needs no comparisons: the events of one time always share a bucket
 * (it depends on the time and `base` only), join it in the order they are scheduled and
 * keep that order when a refill moves them, so they reach `due`, and run, in insertion
 * order. An event scheduled at `base` itself is appended to `due`, after all the others.
 *
 * An event is stored as (time, key). The key packs an insertion rank above the slot
 * that holds its payload (`rank * capacity + slot`; kind, subject and argument stay put
 * in per-slot arrays). The rank advances with the public sequence number, so `cancel`'s
 * number is recovered from the key rather than stored; when ranks would outgrow the 53
 * bits they are renumbered in order.
 */
export class Kernel {
  /** Virtual time in integer microseconds. */
  nowUs = 0;
  /** Events executed so far. */
  executed = 0;
  /** The sum, over executed events, of the events pending when each ran (itself included): a mean queue length. */
  pendingTotal = 0;
  private seq = 0;
  private rank = 0;
  private size = 0;
  /** The number of slots, a power of two: the key's radix. */
  private capacity = 1 << K.INITIAL_SLOT_BITS;
  /** The first rank that would not fit in a key beside a slot: 2^53 / capacity. */
  private rankLimit = K.TWO53 / this.capacity;
  /** No pending event is earlier; moves only to the time of an event being run. */
  private base = 0;
  /** Keys of the events at time `base`, in insertion order; [dueHead, dueLen) are pending, and both are 0 when none is. */
  private due: Float64Array = new Float64Array(K.INITIAL_NUMBERS);
  private dueHead = 0;
  private dueLen = 0;
  /** Bucket b holds the (time, key) pairs whose highest bit differing from `base` is b - 1. */
  private readonly buckets: Float64Array[] = Array.from({ length: K.BUCKETS }, () => new Float64Array(K.INITIAL_NUMBERS));
  /** Numbers used in each bucket (two per event). */
  private readonly bucketLen = new Int32Array(K.BUCKETS);
  /** The buckets' total length, kept within a few times what the pending events need. */
  private bucketRoom = K.BUCKETS * K.INITIAL_NUMBERS;
  /** Bit b (b < 32) of lowMask, or b - 32 of highMask, is set when bucket b is not empty. */
  private lowMask = 0;
  private highMask = 0;
  /** The earliest time in each bucket (Infinity when empty), and Infinity past the last (`firstBucket`'s none). */
  private readonly bucketMin = new Float64Array(K.BUCKETS + 1).fill(Infinity);
  /**
   * The lowest non-empty bucket, whose earliest time is the buckets' (K.BUCKETS when all
   * are empty): kept as events are filed (`pushBucket`, `refill`, `rebase`) rather than
   * found from the masks by each look at the next event (twice an event in a run).
   */
  private firstBucket: number = K.BUCKETS;
  /** Per slot, K.REC numbers: subject, and kind * 2 + (1 when `argOf` holds an argument). */
  private rec = new Float64Array(K.REC * this.capacity);
  /**
   * The public sequence number of a rank (needed only to check cancellations): ranks
   * below `renumbered` were given by the last renumbering to events with sequence
   * numbers `seqOfRank[rank]`; later ranks and sequence numbers advance together.
   */
  private seqOfRank = new Float64Array(0);
  private renumbered = 0;
  /** seq - rank, for ranks at or above `renumbered`. */
  private seqMinusRank = 0;
  /** A new event's key, handed to `pushDue` or `pushBucket` where it is (see `at`). */
  private readonly newKey = new Float64Array(1);
  private argOf: unknown[] = new Array<unknown>(this.capacity).fill(undefined);
  /** Stack of free slots: free[0 .. freeCount) are free. */
  private free = freeSlots(0, this.capacity);
  private freeCount = this.capacity;
  private readonly handlers: Handler<never>[] = [];
  /** The owner of each kind, passed to its handler. */
  private readonly owners: unknown[] = [];
  private readonly kinds: Kind[] = [];
  /** Sequence numbers of cancelled events, pending or (until pruned) already run. */
  private cancelled = new Set<number>();
  /**
   * Bounds of the sequence numbers in `cancelled` (kept wide when one leaves it): a run
   * has a few cancelled call timeouts pending most of the time, and an event outside them
   * needs no lookup (a `Set.delete` at ~85% of the herd's events).
   */
  private cancelledMin = Infinity;
  private cancelledMax = -Infinity;
  private pruneAt = K.PRUNE_MIN;
  // Kept as int32 (the hash only ever uses their 32 bits), so the fields stay small integers.
  private h1 = 0x811c9dc5 | 0;
  private h2 = 0x01000193;
  private trace: TraceSink | undefined;
  /** The `untilUs` of the run in progress (-Infinity outside one): `advanceTo` never passes it. */
  private horizonUs = -Infinity;

  constructor() {
    // Times come out of the Float64Arrays below as doubles, and pendingTotal passes 2^31 in
    // a large run (the 100k herd's ~5e9): doubles from the first kernel on (double_fields.ts).
    KERNEL_DOUBLES.made(this);
  }

  /** Registers an event kind (its handler given `owner` with each event); returns its code for `at`/`after`. */
  defineKind(name: string, handler: Handler, describe?: Describe): number;
  defineKind<O>(name: string, handler: Handler<O>, describe: Describe | undefined, owner: O): number;
  defineKind(name: string, handler: Handler<never>, describe?: Describe, owner?: unknown): number {
    this.kinds.push({ name, handler, describe });
    this.handlers.push(handler);
    this.owners.push(owner);
    return this.kinds.length - 1;
  }

  /** Writes one JSON line per executed event to `sink` from now on. */
  setTrace(sink: TraceSink | undefined): void {
    this.trace = sink;
  }

  /** Schedules an event at absolute time `atUs`; returns its sequence number (for `cancel`). */
  at(atUs: number, kind: number, subject: number, arg?: unknown): number {
    if (!(atUs >= this.nowUs) || atUs !== Math.floor(atUs) || atUs > Number.MAX_SAFE_INTEGER) {
      throw badTime(atUs, this.nowUs);
    }
    if (this.size === this.capacity) this.grow();
    if (this.rank === this.rankLimit) this.renumber();
    const s = this.seq++;
    const slot = this.free[--this.freeCount] as number;
    const rec = this.rec;
    const r = K.REC * slot;
    rec[r] = subject;
    if (arg === undefined) {
      rec[r + 1] = 2 * kind;
    } else {
      rec[r + 1] = 2 * kind + 1;
      this.argOf[slot] = arg;
    }
    // Filed in `due` or a bucket (the pending events all at `base` or later). A key goes
    // from array to array, never as a number argument: most are past 2^31 (a rank times
    // the capacity), and such a number passed to a call V8 does not inline is boxed, 16
    // bytes, at every event scheduled and refiled (the 100k herd: ~3 bytes an event).
    this.newKey[0] = this.rank++ * this.capacity + slot;
    if (atUs < this.base) this.rebase();
    if (atUs === this.base) this.pushDue(this.newKey, 0);
    else this.pushBucket(atUs, this.newKey, 0);
    this.size++;
    return s;
  }

  /** Schedules an event `delayUs` after now. */
  after(delayUs: number, kind: number, subject: number, arg?: unknown): number {
    return this.at(this.nowUs + delayUs, kind, subject, arg);
  }

  /** Cancels a scheduled event; it will be skipped and not hashed. */
  cancel(seq: number): void {
    if (!(seq >= 0 && seq < this.seq)) return;
    this.cancelled.add(seq);
    if (seq < this.cancelledMin) this.cancelledMin = seq;
    if (seq > this.cancelledMax) this.cancelledMax = seq;
    if (this.cancelled.size > this.pruneAt) this.pruneCancelled();
  }

  /** Number of scheduled events (cancelled ones included until they are reached). */
  pending(): number {
    return this.size;
  }

  /** Time of the next event, or Infinity when idle. */
  peekUs(): number {
    return this.size > 0 ? this.nextTime() : Infinity;
  }

  run(limit: RunLimit = {}): RunEnd {
    const untilUs = limit.untilUs ?? Infinity;
    const outer = this.horizonUs;
    this.horizonUs = untilUs;
    try {
      return this.loop(untilUs, limit);
    } finally {
      this.horizonUs = outer;
    }
  }

  /**
   * Moves the clock forward to `atUs` from inside an event, when no pending event is due
   * at or before it and the run in progress reaches that far: true when the clock is then
   * at `atUs` (or past it), false when the caller must instead wait for an event of its
   * own at `atUs`, which runs after those. A process whose handler has run ahead of the
   * clock (its CPU time) uses it to bring the world to its own time without an event;
   * what it does then comes after everything already scheduled for that time, as
   * same-time events do. Outside `run` the clock never moves.
   */
  advanceTo(atUs: number): boolean {
    if (this.size > 0 && this.nextTime() <= atUs) return false;
    if (atUs <= this.nowUs) return true;
    if (atUs > this.horizonUs) return false;
    this.nowUs = atUs;
    return true;
  }

  private loop(untilUs: number, limit: RunLimit): RunEnd {
    const maxEvents = limit.maxEvents ?? Infinity;
    const until = limit.until;
    const horizon = limit.horizon;
    let n = 0;
    let stepped = false;
    for (;;) {
      // `peekUs()` written out: V8 does not inline it here (its own optimized code counts
      // what it inlined, past the size V8 always inlines), a call at every event.
      const next = this.size === 0 ? Infinity : this.dueLen !== 0 ? this.base : (this.bucketMin[this.firstBucket] as number);
      if (stepped && horizon !== undefined && next > horizon.horizonUs) return 'condition';
      if (this.size === 0) {
        if (untilUs !== Infinity) this.nowUs = Math.max(this.nowUs, untilUs);
        return 'idle';
      }
      if (next > untilUs) {
        this.nowUs = Math.max(this.nowUs, untilUs);
        return 'time';
      }
      if (n >= maxEvents) return 'max_events';
      if (this.step()) n++;
      stepped = true;
      if (until !== undefined && until()) return 'condition';
    }
  }

  /** The 64-bit trace hash over every executed event, as 16 hex digits. */
  traceHash(): string {
    return hex32(this.h2) + hex32(this.h1);
  }

  /** Pops and executes one event; false when it was cancelled. */
  private step(): boolean {
    if (this.dueHead === this.dueLen) this.refill();
    const t = this.base;
    const key = this.due[this.dueHead++] as number;
    if (this.dueHead === this.dueLen) {
      this.dueHead = this.dueLen = 0;
      if (this.due.length > K.SPARE_NUMBERS && this.due.length > 4 * this.size) this.due = new Float64Array(K.INITIAL_NUMBERS);
    }
    this.size--;
    // ToInt32 keeps the key modulo 2^32 exactly, and the slot is its low bits.
    const slot = key & (this.capacity - 1);
    const rec = this.rec;
    const r = K.REC * slot;
    const subject = rec[r] as number;
    const kindArg = rec[r + 1] as number;
    const kind = kindArg >> 1;
    let arg: unknown;
    if ((kindArg & 1) !== 0) {
      arg = this.argOf[slot];
      this.argOf[slot] = undefined;
    }
    this.free[this.freeCount++] = slot;
    if (this.cancelled.size > 0 && this.wasCancelled(key)) return false;
    this.nowUs = t;
    this.executed++;
    this.pendingTotal += this.size + 1;
    // The event is folded into the trace hash (written out here: as a call it cost ~20
    // instructions an event, and V8 does not inline it into a function of this size).
    let lo = t;
    let hi = 0;
    if (t >= K.TWO32) {
      hi = Math.floor(t / K.TWO32);
      lo = t - hi * K.TWO32;
    }
    let a = this.h1;
    let b = this.h2;
    a = Math.imul(a ^ lo, 0x01000193);
    b = Math.imul(b ^ hi ^ (kind << 20), 0x5bd1e995);
    a = Math.imul(a ^ subject, 0x85ebca6b);
    b = Math.imul(b ^ (a >>> 13), 0xc2b2ae35);
    a ^= b >>> 15;
    this.h1 = a;
    this.h2 = b;
    if (this.trace !== undefined) this.writeTrace(t, this.kinds[kind] as Kind, subject, arg);
    (this.handlers[kind] as Handler<never>)(subject, arg, this.owners[kind] as never);
    return true;
  }

  private writeTrace(t: number, k: Kind, subject: number, arg: unknown): void {
    const detail = k.describe !== undefined ? k.describe(subject, arg) : undefined;
    (this.trace as TraceSink)(JSON.stringify({ us: t, event: k.name, subject, ...detail }));
  }

  private pushDue(keys: Float64Array, i: number): void {
    if (this.dueLen === this.due.length) this.due = doubled(this.due);
    this.due[this.dueLen++] = keys[i] as number;
  }

  /** Files an event at `t` (later than `base`) whose key is `keys[i]` in its bucket. */
  private pushBucket(t: number, keys: Float64Array, i: number): void {
    const b = bucketOf(t, this.base);
    let a = this.buckets[b] as Float64Array;
    const n = this.bucketLen[b] as number;
    if (n === a.length) {
      this.bucketRoom += a.length;
      a = doubled(a);
      this.buckets[b] = a;
    }
    a[n] = t;
    a[n + 1] = keys[i] as number;
    this.bucketLen[b] = n + 2;
    if (t < (this.bucketMin[b] as number)) this.bucketMin[b] = t;
    if (b < this.firstBucket) this.firstBucket = b;
    if (b < 32) this.lowMask |= 1 << b;
    else this.highMask |= 1 << (b - 32);
  }

  /** The time of the next event (there is one), without moving anything. */
  private nextTime(): number {
    return this.dueLen !== 0 ? this.base : (this.bucketMin[this.firstBucket] as number);
  }

  /** The lowest non-empty bucket (there is one). */
  private lowestBucket(): number {
    const low = this.lowMask;
    if (low !== 0) return 31 - Math.clz32(low & -low);
    const high = this.highMask;
    return 63 - Math.clz32(high & -high);
  }

  /** `due` is empty: the earliest time becomes `base`, and its bucket is redistributed. */
  private refill(): void {
    const b = this.firstBucket;
    const m = this.bucketMin[b] as number;
    const a = this.buckets[b] as Float64Array;
    const n = this.bucketLen[b] as number;
    this.bucketLen[b] = 0;
    this.bucketMin[b] = Infinity;
    // A burst moving down through the buckets would otherwise leave each as big as the
    // burst; past a generous room per pending event, emptied buckets start small again.
    if (a.length > K.SPARE_NUMBERS && this.bucketRoom > K.ROOM_PER_EVENT * this.size + K.SPARE_NUMBERS) {
      this.buckets[b] = new Float64Array(K.INITIAL_NUMBERS);
      this.bucketRoom += K.INITIAL_NUMBERS - a.length;
    }
    if (b < 32) this.lowMask &= ~(1 << b);
    else this.highMask &= ~(1 << (b - 32));
    // The lowest of the buckets above, unless the events moved below file one lower still.
    this.firstBucket = (this.lowMask | this.highMask) !== 0 ? this.lowestBucket() : K.BUCKETS;
    this.base = m;
    for (let i = 0; i < n; i += 2) {
      const t = a[i] as number;
      if (t === m) this.pushDue(a, i + 1);
      else this.pushBucket(t, a, i + 1);
    }
  }

  /**
   * Someone schedules before `base`: possible only after `run` returned having popped a
   * cancelled event later than the clock (every pending event is later still). Refiles
   * everything against `base = nowUs`, so this happens at most once per return from `run`.
   */
  private rebase(): void {
    const entries = this.entries();
    this.dueHead = this.dueLen = 0;
    this.bucketLen.fill(0);
    this.bucketMin.fill(Infinity);
    this.lowMask = this.highMask = 0;
    this.firstBucket = K.BUCKETS;
    this.base = this.nowUs;
    for (let i = 0; i < entries.length; i += 2) {
      const t = entries[i] as number;
      this.pushBucket(t, entries, i + 1);
    }
  }

  /** Every pending (time, key), in no particular order. */
  private entries(): Float64Array {
    const out = new Float64Array(2 * this.size);
    let j = 0;
    for (let i = this.dueHead; i < this.dueLen; i++) {
      out[j++] = this.base;
      out[j++] = this.due[i] as number;
    }
    for (let b = 1; b < K.BUCKETS; b++) {
      const a = this.buckets[b] as Float64Array;
      const n = this.bucketLen[b] as number;
      for (let i = 0; i < n; i++) out[j++] = a[i] as number;
    }
    return out;
  }

  /**
   * Re-encodes every pending key in place for `newCapacity` slots, keeping its slot: its
   * rank stays (growing), or becomes its index in `sortedKeys` (renumbering).
   */
  private rekey(newCapacity: number, sortedKeys?: Float64Array): void {
    const cap = this.capacity;
    const due = this.due;
    for (let i = this.dueHead; i < this.dueLen; i++) due[i] = rekeyed(due[i] as number, cap, newCapacity, sortedKeys);
    for (let b = 1; b < K.BUCKETS; b++) {
      const a = this.buckets[b] as Float64Array;
      const n = this.bucketLen[b] as number;
      for (let i = 1; i < n; i += 2) a[i] = rekeyed(a[i] as number, cap, newCapacity, sortedKeys);
    }
  }

  /**
   * Forgets cancellations of events that already ran (a timer cancelled after it fired),
   * so they cannot pile up. Runs after at least max(K.PRUNE_MIN, pending) cancels, so its
   * scan of the queue costs O(1) per cancel.
   */
  private pruneCancelled(): void {
    const live = new Set<number>();
    const entries = this.entries();
    for (let i = 1; i < entries.length; i += 2) {
      const s = this.seqOfKey(entries[i] as number);
      if (this.cancelled.has(s)) live.add(s);
    }
    this.cancelled = live;
    this.resetCancelledBounds();
    for (const s of live) {
      if (s < this.cancelledMin) this.cancelledMin = s;
      if (s > this.cancelledMax) this.cancelledMax = s;
    }
    this.pruneAt = live.size + Math.max(K.PRUNE_MIN, this.size);
  }

  /**
   * Room for `n` more pending events, made at once (the slots grown to the power of two
   * that holds them): a burst of a known size (a lost connection's DOWNs) otherwise doubles
   * them step by step, each a fresh copy (vanilla's 100k nodedown: 1,024 -> 131,072 slots,
   * ~640 page faults a warm 100k herd round; grown once, ~370). Nothing that runs changes:
   * an event's slot orders nothing, and the trace hash folds no key. A burst all at
   * `atUs`, the time being run (`base`: the lost connection's DOWNs, at once), waits in
   * `due`, made at its size at once too, not doubled from 64 numbers up, each a fresh copy.
   */
  reserve(n: number, atUs?: number): void {
    const cap = doubledToHold(this.capacity, this.size + n);
    if (cap > this.capacity) this.growTo(cap);
    if (atUs === this.base && this.dueLen + n > this.due.length) this.due = doubled(this.due, doubledToHold(this.due.length, this.dueLen + n));
  }

  /** Doubles the slots (one more slot bit), re-encoding every pending key. */
  private grow(): void {
    this.growTo(this.capacity * 2);
  }

  /** Grows the slots to `n` (a larger power of two), re-encoding every pending key. */
  private growTo(n: number): void {
    const old = this.capacity;
    // Ranks that would not fit beside the new slot bits are renumbered first (to 0 .. size-1).
    if (this.rank >= K.TWO53 / n) this.renumber();
    this.rekey(n);
    const rec = new Float64Array(K.REC * n);
    rec.set(this.rec);
    this.rec = rec;
    // Made at its size, not pushed slot by slot (the 100k herd's queue doubles to 2^18
    // slots: ~700 page faults a round in V8's 1.5x steps).
    this.argOf = withLength(this.argOf, n).fill(undefined, old);
    // The new slots under the free ones (taken first, as they would be before a `grow`).
    const free = freeSlots(old, n);
    free.set(this.free.subarray(0, this.freeCount), n - old);
    this.free = free;
    this.freeCount += n - old;
    this.capacity = n;
    this.rankLimit = K.TWO53 / n;
  }

  /**
   * Gives the pending events ranks 0 .. size-1 in their present rank order, so ranks can
   * keep growing, and remembers their sequence numbers. Runs once per 2^53 / capacity
   * insertions at most (2^33 with a million slots).
   */
  private renumber(): void {
    const entries = this.entries();
    const keys = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) keys[i] = entries[2 * i + 1] as number;
    keys.sort();
    const seqOfRank = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) seqOfRank[i] = this.seqOfKey(keys[i] as number);
    this.rekey(this.capacity, keys);
    this.seqOfRank = seqOfRank;
    this.renumbered = this.size;
    this.rank = this.size;
    this.seqMinusRank = this.seq - this.rank;
  }

  /** Whether the event of `key` was cancelled (it then leaves `cancelled`). */
  private wasCancelled(key: number): boolean {
    const s = this.seqOfKey(key);
    if (s < this.cancelledMin || s > this.cancelledMax || !this.cancelled.delete(s)) return false;
    if (this.cancelled.size === 0) this.resetCancelledBounds();
    return true;
  }

  private resetCancelledBounds(): void {
    this.cancelledMin = Infinity;
    this.cancelledMax = -Infinity;
  }

  /** The public sequence number of the event with this key. */
  private seqOfKey(key: number): number {
    const rank = Math.floor(key / this.capacity);
    return rank < this.renumbered ? (this.seqOfRank[rank] as number) : rank + this.seqMinusRank;
  }
}

/** The bucket of time t > base: one plus the index of the highest bit where they differ. */
function bucketOf(t: number, base: number): number {
  if (t >= K.TWO32 || base >= K.TWO32) {
    const th = Math.floor(t / K.TWO32);
    const bh = Math.floor(base / K.TWO32);
    if (th !== bh) return 64 - Math.clz32(th ^ bh);
  }
  // ToInt32 keeps each time's low 32 bits exactly.
  return 32 - Math.clz32(t ^ base);
}

/**
 * A key (rank * capacity + slot) re-encoded for `newCapacity` slots: same slot, same rank,
 * or the rank of its index in `sortedKeys` when given.
 */
function rekeyed(key: number, capacity: number, newCapacity: number, sortedKeys: Float64Array | undefined): number {
  const slot = key & (capacity - 1);
  const rank = sortedKeys !== undefined ? lowerBound(sortedKeys, key) : (key - slot) / capacity;
  return rank * newCapacity + slot;
}

/** A stack holding the slots [from, to), the lowest on top. */
function freeSlots(from: number, to: number): Int32Array {
  const stack = new Int32Array(to);
  for (let i = 0; i < to - from; i++) stack[i] = to - 1 - i;
  return stack;
}

/** An event scheduled past the end of the virtual clock (2^53 µs): settings too large for a run. */
export class ClockOverflow extends RangeError {
  override readonly name = 'ClockOverflow';
}

function badTime(atUs: number, nowUs: number): RangeError {
  if (atUs >= nowUs && !(Number.isFinite(atUs) && atUs <= Number.MAX_SAFE_INTEGER)) {
    return new ClockOverflow(`event time ${atUs} µs is not a finite time below 2^53 µs`);
  }
  const why = atUs < nowUs ? `is in the past (now ${nowUs} µs)` : 'is not a whole number of microseconds';
  return new RangeError(`event time ${atUs} µs ${why}`);
}

function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}
