// A FIFO queue as a ring buffer: O(1) push and shift, and a queue that fills and drains
// keeps its storage instead of copying or growing it (a node's run queue, a process's
// mailbox).
import { doubledToHold } from '../../core/uid_map.js';

/** A ring's first capacity (a power of two). */
const RING_MIN = 8;
/** The storage of every empty ring that has none of its own (never written: a push grows it first). */
const NO_ITEMS: readonly unknown[] = [];

export class Ring<T> {
  protected items = NO_ITEMS as (T | undefined)[];
  protected head = 0;
  protected count = 0;

  get length(): number {
    return this.count;
  }

  push(t: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = t;
    this.count++;
  }

  /** The oldest, left in place. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const t = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return t;
  }

  /** The queued items, oldest first. */
  values(): T[] {
    const out: T[] = [];
    const mask = this.items.length - 1;
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.head + i) & mask] as T);
    return out;
  }

  clear(): void {
    this.items = NO_ITEMS as (T | undefined)[];
    this.head = 0;
    this.count = 0;
  }

  /** Removes the `i`-th oldest (those after it move up one place, keeping their order) and returns it. */
  protected removeAt(i: number): T {
    const mask = this.items.length - 1;
    const t = this.items[(this.head + i) & mask] as T;
    for (let j = i; j < this.count - 1; j++) this.items[(this.head + j) & mask] = this.items[(this.head + j + 1) & mask];
    this.items[(this.head + this.count - 1) & mask] = undefined;
    this.count--;
    return t;
  }

  /**
   * Room for `n` more items, made at once (the power of two that holds them): a burst of
   * a known size (a lost connection's DOWNs to one watcher) otherwise doubles the ring
   * step by step, each a fresh copy (vanilla's 100k herd: 8 -> 131,072 slots, ~590 page
   * faults a warm round at ring growth; made once, ~360).
   */
  reserve(n: number): void {
    const slots = doubledToHold(Math.max(RING_MIN, this.items.length), this.count + n);
    if (slots > this.items.length) this.growTo(slots);
  }

  /** Doubles the ring. */
  private grow(): void {
    this.growTo(Math.max(RING_MIN, 2 * this.items.length));
  }

  /** The ring in `slots` slots (a larger power of two), its items from the start in order. */
  private growTo(slots: number): void {
    const out = new Array<T | undefined>(slots);
    const mask = this.items.length - 1;
    for (let i = 0; i < this.count; i++) out[i] = this.items[(this.head + i) & mask];
    this.items = out;
    this.head = 0;
  }
}
