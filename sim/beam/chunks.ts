// A list that grows without copying what it holds, for the few that reach 100k items in a
// herd (a node's remote monitors per peer). A JS array grown by push is copied at every
// 1.5x step, and from 16k items on each copy is a fresh mmap in V8's large-object space:
// ~3x the final size is touched, each page a fault (~12 µs here). Here the first chunk
// grows by push up to CHUNK items (young-generation copies, which do not fault); every
// later chunk is made at CHUNK items at once and never copied. Those that leave are
// dropped in place (`retain`: no new array either).

/** Items a chunk: 128 KiB of pointers, the least V8 puts in large-object space (never copied by a scavenge). */
const SHIFT = 14;
export const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

export class ChunkList<T> {
  private chunks: (T | undefined)[][] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** The `i`-th item (`0 <= i < length`). */
  at(i: number): T {
    return (this.chunks[i >>> SHIFT] as T[])[i & MASK] as T;
  }

  push(t: T): void {
    const c = this.count >>> SHIFT;
    // Every chunk holey (`new Array`), the first too: loads from chunks of one elements kind stay monomorphic.
    if (c === this.chunks.length) this.chunks.push(new Array<T | undefined>(c === 0 ? 0 : CHUNK));
    this.put(this.count++, t);
  }

  /** Keeps those for which `keep` is true, in order, in the chunks it has (those past the last let go). */
  retain(keep: (t: T) => boolean): void {
    let w = 0;
    for (let r = 0; r < this.count; r++) {
      const t = this.at(r);
      if (keep(t)) this.put(w++, t);
    }
    this.chunks.length = (w + MASK) >>> SHIFT;
    const tail = this.chunks[w >>> SHIFT];
    // The first chunk is trimmed as an array grown by push is; a later one keeps its size.
    if (w < CHUNK && tail !== undefined) tail.length = w;
    else if (tail !== undefined) tail.fill(undefined, w & MASK);
    this.count = w;
  }

  /** Calls `f` on each item, in order. */
  forEach(f: (t: T) => void): void {
    for (let k = 0; k < this.count; k++) f(this.at(k));
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  private put(k: number, t: T | undefined): void {
    (this.chunks[k >>> SHIFT] as (T | undefined)[])[k & MASK] = t;
  }
}
