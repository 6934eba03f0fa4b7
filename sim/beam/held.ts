// What a process heap (heap.ts) holds: a message or a chunk of its state, its words and
// where they are (on the heap, or in a heap fragment while the message is queued or after
// it was taken), and the GC count when they were placed, from which heap.ts knows their
// region. The GC count, the place and a message's `held` bit share one small integer
// (`at`): a message is an object literal of a field each, 8 bytes a field, and ~100,000
// DOWNs queue at once in the 100k herd's vanilla nodedown (see `At`).
import type { RefcBin } from './memory.js';

/** Where a holder's words are: on the heap, a queued message's fragment, a taken message's fragment. */
export const enum Place {
  Heap = 0,
  Queued = 1,
  Taken = 2,
}

/**
 * The bits of `Held.at`: the place (2 bits), whether a message is held (1 bit), and the GC
 * count above them (`born << BornShift`: a small integer while the process collected under
 * 2^27 times; a 100k herd's busiest process collects a few hundred). A const enum: the
 * bundle has the numbers in place.
 */
export const enum At {
  PlaceMask = 3,
  Held = 4,
  BornShift = 3,
}

/** `at` of words placed at GC count `born` in `place` (not held). */
export function at(born: number, place: Place): number {
  return (born << At.BornShift) | place;
}

/** The GC count when `m`'s words were placed. */
export function bornOf(m: Held): number {
  return m.at >> At.BornShift;
}

/** Where `m`'s words are. */
export function placeOf(m: Held): Place {
  return (m.at & At.PlaceMask) as Place;
}

/** Whether its receiver kept message `m`, or took it into its state (it outlives its handler). */
export function isHeld(m: Held): boolean {
  return (m.at & At.Held) !== 0;
}

/** Places `m` at GC count `born` in `place`, keeping its held bit. */
export function placeAt(m: Held, born: number, place: Place): void {
  m.at = (m.at & At.Held) | at(born, place);
}

/** Something that owns words on a process heap (a message, a state chunk, a handler's terms). */
export interface Held {
  words: number;
  /** The owner's GC count when these words were placed, where they are, and a message's held bit (`At`). */
  at: number;
  /**
   * Its bytes on the wire when it was decoded from there (0 for a local message or a
   * state chunk): such a message holds a distribution buffer until its receiver's next GC.
   */
  readonly payload: number;
  /** Refc binaries these words hold handles to. */
  readonly bins: readonly RefcBin[] | undefined;
}
