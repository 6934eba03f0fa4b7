// What a process heap (heap.ts) holds: a message or a chunk of its state, its words and
// where they are (on the heap, or in a heap fragment while the message is queued or after
// it was taken), and the GC count when they were placed, from which heap.ts knows their
// region. The GC count, the place and a message's `held` and `remote` bits share one
// small integer (`at`), and its bytes on the wire share a field with its refc binaries
// (`carry`): a message is an object literal of a field each, 8 bytes a field, and ~100,000
// DOWNs queue at once in the 100k herd's vanilla nodedown (see `At`).
import type { RefcBin } from './memory.js';

/** Where a holder's words are: on the heap, a queued message's fragment, a taken message's fragment. */
export const enum Place {
  Heap = 0,
  Queued = 1,
  Taken = 2,
}

/**
 * The bits of `Held.at`: the place (2 bits), whether a message is held (1 bit), whether it
 * was decoded from the wire (1 bit), and the GC count above them (`born << BornShift`: a
 * small integer while the process collected under 2^26 times; a 100k herd's busiest
 * process collects a few hundred). A const enum: the bundle has the numbers in place.
 */
export const enum At {
  PlaceMask = 3,
  Held = 4,
  Remote = 8,
  /** The bits `placeAt` keeps. */
  Marks = 12,
  BornShift = 4,
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

/** Places `m` at GC count `born` in `place`, keeping its held and remote bits. */
export function placeAt(m: Held, born: number, place: Place): void {
  m.at = (m.at & At.Marks) | at(born, place);
}

/**
 * Whether message `m` was decoded from the wire: it holds a distribution buffer until its
 * receiver's next GC, and a collection leaves it in its fragment while it is queued.
 */
export function isRemote(m: Held): boolean {
  return (m.at & At.Remote) !== 0;
}

/** The refc binaries `m` holds handles to, if any. */
export function binsOf(m: Held): readonly RefcBin[] | undefined {
  return typeof m.carry === 'number' ? undefined : m.carry;
}

/** A message's bytes on the wire (0: local), until its receiver's books gave it its binaries. */
export function wireBytes(m: Held): number {
  return typeof m.carry === 'number' ? m.carry : 0;
}

/** Something that owns words on a process heap (a message, a state chunk, a handler's terms). */
export interface Held {
  words: number;
  /** The owner's GC count when these words were placed, where they are, and a message's held and remote bits (`At`). */
  at: number;
  /**
   * A message's bytes on the wire when it was decoded from there (0 for a local message or
   * a state chunk) until it reaches its receiver; then the refc binaries it holds handles
   * to, if it holds any (`binsOf`; a state chunk that absorbed a message has them too).
   */
  readonly carry: number | readonly RefcBin[];
}
