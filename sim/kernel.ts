// The discrete-event kernel: an integer-microsecond virtual clock and one event queue
// ordered by (time, insertion sequence), so same-time events run in the order they
// were scheduled (as sinon's fake timers do). Every executed event is folded into a
// 64-bit trace hash; a run's `traceHash` is the fingerprint the determinism tests and
// the CLI print. Event kinds are registered once with their handler, so an event is
// four numbers and an argument (no closure per event) and a trace line can name it.
//
// Rules: time never goes backwards; an event cannot be scheduled in the past or at a
// fractional microsecond; nothing here reads the wall clock.

export type Handler = (subject: number, arg: unknown) => void;
export type Describe = (subject: number, arg: unknown) => Record<string, unknown>;
/** One executed event, as written to a `--trace` file. */
export type TraceSink = (line: string) => void;

const REC = 2;

type Kind = { name: string; handler: Handler; describe: Describe | undefined };

export type RunLimit = {
  /** Stop before the first event later than this virtual time; the clock ends at it. */
  untilUs?: number;
  /** Stop as soon as this returns true (checked after every event). */
  until?: () => boolean;
  /** Stop after this many events (a guard against runaway scenarios). */
  maxEvents?: number;
};
export type RunEnd = 'time' | 'idle' | 'condition' | 'max_events';

const TWO32 = 4294967296;
const TWO53 = 9007199254740992;
const INITIAL_SLOT_BITS = 10;

/**
 * The queue is a binary min-heap of (time, key) pairs interleaved in one Float64Array,
 * so a sift moves two adjacent numbers and compares no more than that. The key packs an
 * insertion rank above a slot number (`rank * 2^slotBits + slot`): ranks grow with every
 * insertion, so comparing keys breaks ties on time by insertion order, and the slot
 * finds the payload (sequence, kind, subject, argument), which stays put in per-slot
 * arrays. A new event has the highest rank, so sifting it up needs no tie check: an
 * equal-time parent was always scheduled first. The rank is internal: the public
 * sequence number (for `cancel`) is kept in the payload, and when ranks would run out
 * of the 53 bits they are renumbered in the same order.
 */
export class Kernel {
  /** Virtual time in integer microseconds. */
  nowUs = 0;
  /** Events executed so far. */
  executed = 0;
  private seq = 0;
  private rank = 0;
  private size = 0;
  /** 2^slotBits: the number of slots, and the key's radix. */
  private capacity = 1 << INITIAL_SLOT_BITS;
  /** The first rank that would not fit in a key beside a slot: 2^53 / capacity. */
  private rankLimit = TWO53 / this.capacity;
  /** heap[2i] is entry i's time, heap[2i + 1] its key. */
  private heap = new Float64Array(2 * this.capacity);
  /** Per slot, REC numbers: subject, and kind * 2 + (1 when `argOf` holds an argument). */
  private rec = new Float64Array(REC * this.capacity);
  /** Per slot, the public sequence number (read only while some event is cancelled). */
  private seqOf = new Float64Array(this.capacity);
  private argOf: unknown[] = new Array<unknown>(this.capacity).fill(undefined);
  /** Stack of free slots: free[0 .. freeCount) are free. */
  private free = freeSlots(0, this.capacity);
  private freeCount = this.capacity;
  private readonly handlers: Handler[] = [];
  private readonly kinds: Kind[] = [];
  private readonly cancelled = new Set<number>();
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193;
  private trace: TraceSink | undefined;

  /** Registers an event kind; returns its code for `at`/`after`. */
  defineKind(name: string, handler: Handler, describe?: Describe): number {
    this.kinds.push({ name, handler, describe });
    this.handlers.push(handler);
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
    const r = REC * slot;
    rec[r] = subject;
    if (arg === undefined) {
      rec[r + 1] = 2 * kind;
    } else {
      rec[r + 1] = 2 * kind + 1;
      this.argOf[slot] = arg;
    }
    this.seqOf[slot] = s;
    this.siftUp(this.size++, atUs, this.rank++ * this.capacity + slot);
    return s;
  }

  /** Schedules an event `delayUs` after now. */
  after(delayUs: number, kind: number, subject: number, arg?: unknown): number {
    return this.at(this.nowUs + delayUs, kind, subject, arg);
  }

  /** Cancels a scheduled event; it will be skipped and not hashed. */
  cancel(seq: number): void {
    this.cancelled.add(seq);
  }

  /** Number of scheduled events (cancelled ones included until they are reached). */
  pending(): number {
    return this.size;
  }

  /** Time of the next event, or Infinity when idle. */
  peekUs(): number {
    return this.size > 0 ? (this.heap[0] as number) : Infinity;
  }

  run(limit: RunLimit = {}): RunEnd {
    const untilUs = limit.untilUs ?? Infinity;
    const maxEvents = limit.maxEvents ?? Infinity;
    const until = limit.until;
    let n = 0;
    for (;;) {
      if (this.size === 0) {
        if (untilUs !== Infinity) this.nowUs = Math.max(this.nowUs, untilUs);
        return 'idle';
      }
      if ((this.heap[0] as number) > untilUs) {
        this.nowUs = Math.max(this.nowUs, untilUs);
        return 'time';
      }
      if (n >= maxEvents) return 'max_events';
      if (this.step()) n++;
      if (until !== undefined && until()) return 'condition';
    }
  }

  /** The 64-bit trace hash over every executed event, as 16 hex digits. */
  traceHash(): string {
    return hex32(this.h2) + hex32(this.h1);
  }

  /** Pops and executes one event; false when it was cancelled. */
  private step(): boolean {
    const heap = this.heap;
    const t = heap[0] as number;
    const key = heap[1] as number;
    // ToInt32 keeps the key modulo 2^32 exactly, and the slot is its low bits.
    const slot = key & (this.capacity - 1);
    // The payload is read before the sift, so a cache miss on it overlaps the sift's work.
    const rec = this.rec;
    const r = REC * slot;
    const subject = rec[r] as number;
    const kindArg = rec[r + 1] as number;
    this.popRoot();
    const kind = kindArg >> 1;
    let arg: unknown;
    if ((kindArg & 1) !== 0) {
      arg = this.argOf[slot];
      this.argOf[slot] = undefined;
    }
    this.free[this.freeCount++] = slot;
    if (this.cancelled.size > 0 && this.cancelled.delete(this.seqOf[slot] as number)) return false;
    this.nowUs = t;
    this.executed++;
    this.mix(t, kind, subject);
    if (this.trace !== undefined) this.writeTrace(t, this.kinds[kind] as Kind, subject, arg);
    (this.handlers[kind] as Handler)(subject, arg);
    return true;
  }

  private mix(t: number, kind: number, subject: number): void {
    const hi = Math.floor(t / TWO32);
    const lo = t - hi * TWO32;
    let a = this.h1;
    let b = this.h2;
    a = Math.imul(a ^ lo, 0x01000193);
    b = Math.imul(b ^ hi ^ (kind << 20), 0x5bd1e995);
    a = Math.imul(a ^ subject, 0x85ebca6b);
    b = Math.imul(b ^ (a >>> 13), 0xc2b2ae35);
    a ^= b >>> 15;
    this.h1 = a;
    this.h2 = b;
  }

  private writeTrace(t: number, k: Kind, subject: number, arg: unknown): void {
    const detail = k.describe !== undefined ? k.describe(subject, arg) : undefined;
    (this.trace as TraceSink)(JSON.stringify({ us: t, event: k.name, subject, ...detail }));
  }

  /** Places (t, key) by moving the hole at `i` up; the key is the newest, so ties stay below. */
  private siftUp(i: number, t: number, key: number): void {
    const heap = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = heap[2 * p] as number;
      if (pt <= t) break;
      heap[2 * i] = pt;
      heap[2 * i + 1] = heap[2 * p + 1] as number;
      i = p;
    }
    heap[2 * i] = t;
    heap[2 * i + 1] = key;
  }

  /** Removes the root: the last entry sinks from the root's hole, ordered by (time, key). */
  private popRoot(): void {
    const last = --this.size;
    if (last === 0) return;
    const heap = this.heap;
    const t = heap[2 * last] as number;
    const key = heap[2 * last + 1] as number;
    const half = last >> 1;
    let i = 0;
    while (i < half) {
      let c = 2 * i + 1;
      let ct = heap[2 * c] as number;
      let ck = heap[2 * c + 1] as number;
      const r = c + 1;
      if (r < last) {
        const rt = heap[2 * r] as number;
        if (rt < ct || (rt === ct && (heap[2 * r + 1] as number) < ck)) {
          c = r;
          ct = rt;
          ck = heap[2 * r + 1] as number;
        }
      }
      if (t < ct || (t === ct && key < ck)) break;
      heap[2 * i] = ct;
      heap[2 * i + 1] = ck;
      i = c;
    }
    heap[2 * i] = t;
    heap[2 * i + 1] = key;
  }

  /** Doubles the slots (one more slot bit), re-encoding every pending key. */
  private grow(): void {
    const old = this.capacity;
    const n = old * 2;
    const heap = new Float64Array(2 * n);
    for (let i = 0; i < this.size; i++) {
      const key = this.heap[2 * i + 1] as number;
      const rank = Math.floor(key / old);
      heap[2 * i] = this.heap[2 * i] as number;
      heap[2 * i + 1] = rank * n + (key - rank * old);
    }
    this.heap = heap;
    const rec = new Float64Array(REC * n);
    rec.set(this.rec);
    this.rec = rec;
    const seqOf = new Float64Array(n);
    seqOf.set(this.seqOf);
    this.seqOf = seqOf;
    for (let i = old; i < n; i++) this.argOf.push(undefined);
    // Called only when full, so no slot is free and the stack is just the new slots.
    this.free = freeSlots(old, n);
    this.freeCount = n - old;
    this.capacity = n;
    this.rankLimit = TWO53 / n;
    if (this.rank >= this.rankLimit) this.renumber();
  }

  /**
   * Gives the pending events ranks 0 .. size-1 in their present rank order, so ranks can
   * keep growing. Order is unchanged, so the heap stays valid. Runs once per 2^(53 -
   * slotBits) insertions at most (2^33 with a million slots).
   */
  private renumber(): void {
    const cap = this.capacity;
    const keys = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) keys[i] = this.heap[2 * i + 1] as number;
    keys.sort();
    for (let i = 0; i < this.size; i++) {
      const key = this.heap[2 * i + 1] as number;
      const slot = key & (cap - 1);
      this.heap[2 * i + 1] = lowerBound(keys, key) * cap + slot;
    }
    this.rank = this.size;
  }
}

/** Index of `x` in the sorted array `a` (which holds it). */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A stack holding the slots [from, to), the lowest on top. */
function freeSlots(from: number, to: number): Int32Array {
  const stack = new Int32Array(to);
  for (let i = 0; i < to - from; i++) stack[i] = to - 1 - i;
  return stack;
}

function badTime(atUs: number, nowUs: number): RangeError {
  const why =
    atUs < nowUs
      ? `is in the past (now ${nowUs} µs)`
      : Number.isFinite(atUs) && atUs <= Number.MAX_SAFE_INTEGER
        ? 'is not a whole number of microseconds'
        : 'is not a finite time below 2^53 µs';
  return new RangeError(`event time ${atUs} µs ${why}`);
}

function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}
