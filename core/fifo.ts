// An index-based FIFO queue: the TypeScript stand-in for Erlang's `:queue` in the
// batches of Connector, Local and Batcher. Taking a chunk from the head costs O(chunk),
// never O(length), so a 100,000-element batch drains in O(n) overall (no Array.shift).
//
// Rules: insertion order is the only order; the consumed prefix is dropped once it
// outweighs the live part, so memory stays proportional to `length`.

export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  /** Number of queued elements (`length` in the upstream states). */
  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  pushAll(items: readonly T[]): void {
    // Into an empty queue (a Local handed a whole batch): one copy, not an array grown item by item.
    if (this.items.length === 0) this.items = items.slice();
    else for (const item of items) this.items.push(item);
  }

  /** The head element, or undefined when empty (`:queue.peek`). */
  peek(): T | undefined {
    return this.length > 0 ? this.items[this.head] : undefined;
  }

  /** Removes and returns up to `n` elements from the head, in order (`:queue.split/2`). */
  take(n: number): T[] {
    const end = Math.min(this.items.length, this.head + Math.max(0, n));
    const out = this.items.slice(this.head, end);
    this.head = end;
    this.compact();
    return out;
  }

  /** Removes and returns everything (`:queue.to_list/1` then `:queue.new/0`). */
  takeAll(): T[] {
    return this.take(this.length);
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  /** A copy of the queued elements, head first. */
  toArray(): T[] {
    return this.items.slice(this.head);
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.clear();
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
