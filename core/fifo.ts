// An index-based FIFO queue: the TypeScript stand-in for Erlang's `:queue` in the
// batches of Connector, Local and Batcher. Taking a chunk from the head costs O(chunk),
// never O(length), so a 100,000-element batch drains in O(n) overall (no Array.shift).
//
// Rules: insertion order is the only order; consumed elements are dropped as the head
// passes them, so memory stays proportional to `length`. Large arrays are freshly mapped
// memory (page faults, ~12 µs a page here), so none is grown or copied: pushes fill
// segments of SEGMENT elements (small objects, which young-generation pages hold), an
// array given whole is adopted as one segment, and a large segment's consumed prefix is
// dropped in place.

/**
 * Elements a push-filled segment holds: 32 KB, below V8's large-object size (128 KB). A
 * Connector's 100k subscribes pushed into one array grew it in 1.5x steps, each a fresh
 * large object: ~3 times its final 800 KB touched, ~600 page faults a round.
 */
const SEGMENT = 4096;

export class Fifo<T> {
  /** The queued elements, head first, in segments (those before `first` are consumed and dropped). */
  private segments: (T[] | undefined)[] = [];
  private first = 0;
  /** The head element's index in the first segment. */
  private head = 0;
  private count = 0;

  /** Number of queued elements (`length` in the upstream states). */
  get length(): number {
    return this.count;
  }

  push(item: T): void {
    const last = this.segments[this.segments.length - 1];
    if (last !== undefined && last.length < SEGMENT) last.push(item);
    else this.segments.push([item]);
    this.count++;
  }

  /**
   * Appends `items`. An empty queue adopts the array itself (the caller gives it up and
   * never reads it again): Local handed a Connector's 100k dispatches copied them, ~200
   * page faults a round.
   */
  pushAll(items: T[]): void {
    if (this.count > 0) {
      for (const item of items) this.push(item);
    } else if (items.length > 0) {
      this.clear();
      this.segments.push(items);
      this.count = items.length;
    }
  }

  /** The head element, or undefined when empty (`:queue.peek`). */
  peek(): T | undefined {
    return this.count > 0 ? this.segments[this.first]?.[this.head] : undefined;
  }

  /** Removes and returns up to `n` elements from the head, in order (`:queue.split/2`). */
  take(n: number): T[] {
    const k = Math.min(this.count, Math.max(0, n));
    if (k === 0) return [];
    this.count -= k;
    // Each segment's part sliced, the parts joined once. A whole segment is not handed
    // over as it is: sharing it made calibration_memory's Dispatcher 75% heavier.
    const parts: T[][] = [];
    for (let left = k; left > 0; ) {
      const from = this.segments[this.first] as T[];
      const end = Math.min(from.length, this.head + left);
      parts.push(from.slice(this.head, end));
      left -= end - this.head;
      this.head = end;
      if (end === from.length) this.dropFirst();
      else this.compactFirst(from);
    }
    return parts.length === 1 ? (parts[0] as T[]) : ([] as T[]).concat(...parts);
  }

  /** Removes and returns everything (`:queue.to_list/1` then `:queue.new/0`). */
  takeAll(): T[] {
    return this.take(this.count);
  }

  clear(): void {
    this.segments = [];
    this.first = 0;
    this.head = 0;
    this.count = 0;
  }

  /** A copy of the queued elements, head first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let s = this.first; s < this.segments.length; s++) {
      const segment = this.segments[s] as T[];
      for (let i = s === this.first ? this.head : 0; i < segment.length; i++) out.push(segment[i] as T);
    }
    return out;
  }

  /** The first segment is consumed: released, and the segment list cut once mostly released. */
  private dropFirst(): void {
    this.segments[this.first++] = undefined;
    this.head = 0;
    if (this.first === this.segments.length) this.clear();
    else if (this.first > 32 && this.first * 2 > this.segments.length) {
      this.segments = this.segments.slice(this.first);
      this.first = 0;
    }
  }

  /**
   * An adopted segment's consumed prefix, once it outweighs the live part: the live part
   * moved to the front and the array cut (V8 trims the storage where it is). A copy
   * (`slice`) was a fresh array each time: ~250 page faults a round in Local's drain.
   */
  private compactFirst(segment: T[]): void {
    const head = this.head;
    if (head > 1024 && head * 2 > segment.length) {
      const live = segment.length - head;
      for (let i = 0; i < live; i++) segment[i] = segment[head + i] as T;
      segment.length = live;
      this.head = 0;
    }
  }
}
