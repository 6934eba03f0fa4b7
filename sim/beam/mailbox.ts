// A process's message queue (beam.md "Processes and mailboxes"): FIFO (a ring buffer),
// with selective receive's removal of the first message a pattern accepts, wherever it is.
import type { Envelope } from './process.js';
import { Ring } from './ring.js';

export class Mailbox extends Ring<Envelope> {
  /** Removes and returns the first envelope whose message satisfies `pred`. */
  take(pred: (msg: unknown) => boolean): Envelope | undefined {
    const mask = this.items.length - 1;
    for (let i = 0; i < this.count; i++) {
      if (pred((this.items[(this.head + i) & mask] as Envelope).msg)) return this.removeAt(i);
    }
    return undefined;
  }
}
