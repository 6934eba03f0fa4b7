// A map keyed by uid (of a ref, mostly) that is what a `Map` gives (insertion order, a
// re-made key going last) at two words an entry, when keys come in increasing order: the
// monitors a process holds (sim/beam), a subscriber's References rows (tables.ts). A
// process's refs are made one after another, in increasing order (a subscriber of a
// million targets, the Proxy watching them), so entries are kept in two arrays found by
// bisection (the keys typed, both doubled as they fill, kept for the next entries when a
// small map empties), without a Map's four words or so an entry and its rehash at every
// doubling and halving; a key older than the newest held (a ref made earlier and given
// to `monitor`), or one that is no 32-bit integer, turns them into a Map.

/**
 * How many may be gone before the arrays are compacted (then: once they are over half, in
 * place, unless all those gone are before the head and the live ones fill a quarter or more).
 */
const COMPACT_MIN = 1024;
/**
 * Arrays of up to this many slots are kept when the last entry goes, for the next ones
 * (a process's timers, a call's monitor: held and gone by turns; making both arrays anew
 * for each would allocate ~200 bytes); longer ones are dropped.
 */
const KEPT_SLOTS = 64;

/** The keys of a map with none of its own yet (never written: a set grows it first). */
const NO_UIDS = new Int32Array(0);
/** The first capacity of the keys. */
const FIRST_SLOTS = 8;

/** The largest snapshot made at its size (below V8's limit for a fast `new Array(n)`). */
const PREALLOCATED_MAX = 1 << 24;

/** Values must not be undefined (an undefined slot is one gone). */
export class UidMap<V> {
  /**
   * The keys, increasing (those of entries gone included, until a compaction); slots from
   * `len` on are spare. A typed array, doubled as it fills: its storage is outside the JS
   * heap, so a large map's keys are neither copied by the young collector nor regrown by
   * V8's 1.5× steps. 32-bit (uids are counts from 1, a world's refs and pids): a 100k
   * herd's three large maps (its subscriber's References rows or monitors, the Proxy's
   * monitors) were 800 KB of fresh pages each a mode, ~200 page faults; a key that does
   * not fit turns the map into a Map (`set`).
   */
  private uids: Int32Array = NO_UIDS;
  /** The value of each uid, undefined once gone (and in every spare slot). */
  private vals: (V | undefined)[] = [];
  /** Slots in use, entries gone included. */
  private len = 0;
  private gone = 0;
  /**
   * Every slot before it is gone: a map drained in the order it was filled (a dead node's
   * monitors, References rows) keeps its slots and only moves this until under a quarter
   * are held, instead of being copied into fresh arrays at each halving (those took ~450
   * page faults a warm 100k herd round; the 1M herd's peak RSS is ~50 MB higher for it).
   */
  private head = 0;
  /**
   * The slot after the last one taken: entries mostly go in the order they came (a lost
   * connection's monitors, a batch of DOWNs' References rows), so the next one taken is
   * there, found without a bisection of a large map's keys (its cache misses).
   */
  private nextTaken = 0;
  /** Every entry, once a key came out of order. */
  private map: Map<number, V> | undefined;

  get size(): number {
    return this.map !== undefined ? this.map.size : this.len - this.gone;
  }

  get(uid: number): V | undefined {
    if (this.map !== undefined) return this.map.get(uid);
    const i = this.indexOf(uid);
    return i < 0 ? undefined : this.vals[i];
  }

  set(uid: number, value: V): void {
    if (this.map !== undefined) {
      this.map.set(uid, value);
      return;
    }
    const n = this.len;
    if ((n === 0 || uid > (this.uids[n - 1] as number)) && (uid | 0) === uid) {
      let at = n;
      if (n === this.uids.length) {
        // Half or more gone (taken from the front, as a queue): packed where they are.
        if (n > 0 && this.gone * 2 >= n) at = this.compact(false);
        else this.grow();
      }
      this.uids[at] = uid;
      this.vals[at] = value;
      this.len = at + 1;
      return;
    }
    const i = this.indexOf(uid);
    if (i >= 0) this.vals[i] = value; // as Map.set of a key held: it keeps its place
    else {
      const map = new Map<number, V>();
      for (let j = 0; j < this.len; j++) {
        const v = this.vals[j];
        if (v !== undefined) map.set(this.uids[j] as number, v);
      }
      this.map = map.set(uid, value);
      this.uids = NO_UIDS;
      this.vals = [];
      this.len = 0;
      this.gone = 0;
      this.head = 0;
    }
  }

  delete(uid: number): boolean {
    return this.take(uid) !== undefined;
  }

  /** Removes the entry of `uid` and returns its value (undefined if none): one search. */
  take(uid: number): V | undefined {
    if (this.map !== undefined) {
      const v = this.map.get(uid);
      this.map.delete(uid);
      return v;
    }
    const h = this.nextTaken;
    const i = h < this.len && this.uids[h] === uid && this.vals[h] !== undefined ? h : this.indexOf(uid);
    if (i < 0) return undefined;
    const v = this.vals[i];
    this.vals[i] = undefined;
    this.nextTaken = i + 1;
    this.gone++;
    if (this.gone === this.len) {
      if (this.vals.length > KEPT_SLOTS) {
        this.uids = NO_UIDS;
        this.vals = [];
      }
      this.len = 0;
      this.gone = 0;
      this.head = 0;
      this.nextTaken = 0;
      return v;
    }
    if (i === this.head) {
      let h = i + 1;
      while (this.vals[h] === undefined) h++; // one is held after it (not all are gone)
      this.head = h;
    }
    const live = this.len - this.gone;
    // Compacted once over half are gone, unless those gone are all before the head (then
    // not until the live ones fill under a quarter of the slots: memory within 4x of them).
    if (this.gone > COMPACT_MIN && this.gone * 2 > this.len && (this.gone > this.head || live * 4 < this.uids.length)) this.compact(true);
    return v;
  }

  has(uid: number): boolean {
    return this.map !== undefined ? this.map.has(uid) : this.indexOf(uid) >= 0;
  }

  /** The values in insertion order (a snapshot: the caller may change the map while it walks it). */
  valuesArray(): V[] {
    // Made at its size: a dying process copies its monitors, most often one, and an array
    // grown from empty takes 17 slots at its first push, a large one ~3 times its size in
    // all. (V8 makes a `new Array(n)` of 32M or more a dictionary: those grow.)
    const size = this.size;
    const out = size < PREALLOCATED_MAX ? new Array<V>(size) : [];
    let i = 0;
    if (this.map !== undefined) this.map.forEach((v) => (out[i++] = v));
    else {
      const vals = this.vals;
      for (let j = this.head; j < this.len; j++) {
        const v = vals[j];
        if (v !== undefined) out[i++] = v;
      }
    }
    return out;
  }

  /** Calls `f` on each value in insertion order (`f` must not change the map). */
  forEachValue(f: (value: V) => void): void {
    if (this.map !== undefined) {
      this.map.forEach(f);
      return;
    }
    const vals = this.vals;
    for (let i = this.head; i < this.len; i++) {
      const v = vals[i];
      if (v !== undefined) f(v);
    }
  }

  /**
   * Room for `n` more entries in increasing order, made at once: a capacity hint (nothing
   * a reader sees changes). A herd's subscriber, about to monitor its 100,000 targets
   * (vanilla: its monitors; zen: its References rows), doubled both arrays 8 -> 131,072
   * slots, each step a fresh copy; reserved, they are made once at 100,000 (with the zen
   * Proxy's monitors, still grown: ~1,530 -> ~740 page faults a warm 100k herd round).
   */
  reserve(n: number): void {
    const want = this.len + n;
    if (this.map === undefined && want > this.uids.length) this.growTo(Math.max(FIRST_SLOTS, want));
  }

  /** The index of the value held with this uid, or -1. */
  private indexOf(uid: number): number {
    const uids = this.uids;
    const lo = lowerBound(uids, uid, this.len, this.head);
    return lo < this.len && uids[lo] === uid && this.vals[lo] !== undefined ? lo : -1;
  }

  /** Doubles both arrays (the values' too: V8 grows an array in 1.5x steps, ~3 times its size allocated in all). */
  private grow(): void {
    this.growTo(Math.max(FIRST_SLOTS, 2 * this.uids.length));
  }

  /** Both arrays in `slots` slots (more than they have), the entries where they were. */
  private growTo(slots: number): void {
    const uids = new Int32Array(slots);
    uids.set(this.uids);
    this.uids = uids;
    this.vals = withLength(this.vals, slots, this.len);
  }

  /**
   * Packs the live entries to the front of the same arrays (no fresh ones: a large map's
   * would fault in every page) and returns how many; with `shrink`, cuts both to that
   * many slots (at least FIRST_SLOTS) when they would fill under a quarter of them.
   */
  private compact(shrink: boolean): number {
    const uids = this.uids;
    const vals = this.vals;
    const n = this.len - this.gone;
    for (let i = this.head, j = 0; i < this.len; i++) {
      const v = vals[i];
      if (v === undefined) continue;
      uids[j] = uids[i] as number;
      vals[j++] = v;
    }
    vals.fill(undefined, n, this.len);
    const slots = Math.max(FIRST_SLOTS, n);
    if (shrink && n * 4 < uids.length && slots < uids.length) {
      this.uids = uids.slice(0, slots);
      vals.length = slots; // V8 trims the array where it is
    }
    this.len = n;
    this.gone = 0;
    this.head = 0;
    this.nextTaken = 0;
    return n;
  }
}

/**
 * The first `count` elements of `a` in a new array of `length` (holes after them), made at
 * its size: an array grown by pushes is copied at each of V8's 1.5x steps, and from 16k
 * elements each copy is freshly mapped memory (UidMap's values, the kernel's argument
 * slots, the world's process table).
 */
export function withLength<T>(a: readonly T[], length: number, count = a.length): T[] {
  const b = new Array<T>(length);
  for (let i = 0; i < count; i++) b[i] = a[i] as T;
  return b;
}

/** `slots` doubled until it holds `want` (itself if it does): the size a power-of-two table reserves for a burst of known size (the kernel's slots, a mailbox ring). */
export function doubledToHold(slots: number, want: number): number {
  while (slots < want) slots *= 2;
  return slots;
}

/** A copy of `a` in an array twice its length (at least `min`). */
export function doubled(a: Float64Array, min = 1): Float64Array {
  const b = new Float64Array(Math.max(min, 2 * a.length));
  b.set(a);
  return b;
}

/** The index of the first of the elements `from` to `n` - 1 of the sorted `a` not below `x` (of `x` itself when they hold it). */
export function lowerBound(a: ArrayLike<number>, x: number, n: number = a.length, from = 0): number {
  let lo = from;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
