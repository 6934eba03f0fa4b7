// A process's message queue (beam.md "Processes and mailboxes"): FIFO, with selective
// receive's removal of the first message a pattern accepts, wherever it is.
import type { Envelope } from './process.js';

/** A ring's first capacity (a power of two). */
const RING_MIN = 8;
/** The storage of every empty mailbox that has none of its own (never written: a push grows it first). */
const NO_ITEMS: readonly (Envelope | undefined)[] = [];

/**
 * A FIFO with O(1) push and shift, and rare removal from the middle: a ring buffer, so a
 * mailbox that fills and drains keeps its storage instead of copying or growing it.
 */
export class Mailbox {
  private items = NO_ITEMS as (Envelope | undefined)[];
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(e: Envelope): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = e;
    this.count++;
  }

  shift(): Envelope | undefined {
    if (this.count === 0) return undefined;
    const e = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return e;
  }

  /** Removes and returns the first envelope whose message satisfies `pred`. */
  take(pred: (msg: unknown) => boolean): Envelope | undefined {
    const mask = this.items.length - 1;
    for (let i = 0; i < this.count; i++) {
      const e = this.items[(this.head + i) & mask] as Envelope;
      if (!pred(e.msg)) continue;
      // Those after it move up one place, keeping their order.
      for (let j = i; j < this.count - 1; j++) this.items[(this.head + j) & mask] = this.items[(this.head + j + 1) & mask];
      this.items[(this.head + this.count - 1) & mask] = undefined;
      this.count--;
      return e;
    }
    return undefined;
  }

  /** The queued envelopes, oldest first. */
  values(): Envelope[] {
    const out: Envelope[] = [];
    const mask = this.items.length - 1;
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.head + i) & mask] as Envelope);
    return out;
  }

  clear(): void {
    this.items = NO_ITEMS as (Envelope | undefined)[];
    this.head = 0;
    this.count = 0;
  }

  /** Doubles the ring, its envelopes from the start in order. */
  private grow(): void {
    const out = new Array<Envelope | undefined>(Math.max(RING_MIN, 2 * this.items.length));
    const mask = this.items.length - 1;
    for (let i = 0; i < this.count; i++) out[i] = this.items[(this.head + i) & mask];
    this.items = out;
    this.head = 0;
  }
}
