// What a process heap (heap.ts) holds: a message or a chunk of its state, its words and
// where they are (on the heap, or in a heap fragment while the message is queued or after
// it was taken), and the GC count when they were placed, from which heap.ts knows their
// region.
import type { RefcBin } from './memory.js';

/** Where a holder's words are: on the heap, a queued message's fragment, a taken message's fragment. */
export const enum Place {
  Heap = 0,
  Queued = 1,
  Taken = 2,
}

/** Something that owns words on a process heap (a message, a state chunk, a handler's terms). */
export interface Held {
  words: number;
  /** The owner's GC count when these words were placed. */
  born: number;
  place: Place;
  /**
   * Its bytes on the wire when it was decoded from there (0 for a local message or a
   * state chunk): such a message holds a distribution buffer until its receiver's next GC.
   */
  readonly payload: number;
  /** Refc binaries these words hold handles to. */
  readonly bins: readonly RefcBin[] | undefined;
}
