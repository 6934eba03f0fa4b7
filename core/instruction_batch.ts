// The Connector's batch of instructions for the remote Proxy (`batch`, `length`): a Fifo
// (fifo.ts) holding each subscribe as its bare target, made into its `{op, target}` when a
// sweep takes it (or a reader copies the batch). Made at the monitor, a herd's 100,000
// instructions waited in the batch for the sweeps of a whole set-up, each a kept object
// of 40 bytes (~900 page faults a warm 100k round); made at the sweep, 5,000 at a time,
// they go with the Proxy's handling of them.

import type { Instruction, Target } from './messages.js';
import { Fifo } from './fifo.js';

/** A queued unsubscribe (a queued subscribe is its bare target). */
class Unsubscribe {
  constructor(readonly target: Target) {}
}

export class InstructionBatch {
  private readonly queue = new Fifo<Target | Unsubscribe>();

  get length(): number {
    return this.queue.length;
  }

  push(op: Instruction['op'], target: Target): void {
    this.queue.push(op === 'subscribe' ? target : new Unsubscribe(target));
  }

  /** Removes and returns up to `n` instructions from the head, in order (`:queue.split/2`). */
  take(n: number): Instruction[] {
    return toInstructions(this.queue.take(n));
  }

  clear(): void {
    this.queue.clear();
  }

  /** A copy of the queued instructions, head first. */
  toArray(): Instruction[] {
    return toInstructions(this.queue.toArray());
  }
}

/** Each of `items` (a fresh array, nobody else's) made into its instruction, in place. */
function toInstructions(items: (Target | Unsubscribe)[]): Instruction[] {
  const out = items as unknown as Instruction[];
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Target | Unsubscribe;
    out[i] = item instanceof Unsubscribe ? { op: 'unsubscribe', target: item.target } : { op: 'subscribe', target: item };
  }
  return out;
}
