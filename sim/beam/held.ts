// What a process heap (heap.ts) holds: a message or a chunk of its state, its words and
// where they are (on the heap, or in a heap fragment while the message is queued or after
// it was taken), and the GC count when they were placed, from which heap.ts knows their
// region. The count, the place and whether the process keeps the message past its
// handler share one number (`stamp`): a field each was two words more per message.
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
  /** When and where its words were placed, and whether its process keeps it (see `stampOf`). */
  stamp: number;
  /**
   * Its bytes on the wire when it was decoded from there (0 for a local message or a
   * state chunk): such a message holds a distribution buffer until its receiver's next GC.
   */
  readonly payload: number;
  /** Refc binaries these words hold handles to. */
  readonly bins: readonly RefcBin[] | undefined;
}

/** A stamp's parts: the kept bit, the place's unit and the GC count's unit; and a new message's stamp. */
export const enum Stamp {
  /** A message not placed yet: GC count 0, on the heap, not kept. */
  New = 0,
  Kept = 1,
  PlaceUnit = 2,
  BornUnit = 8,
  /** The bits below the GC count (kept and place). */
  Low = 7,
}

/** The largest GC count a stamp holds exactly (the stamp stays an integer a double holds). */
export const MAX_BORN = 2 ** 50 - 1;

/**
 * `born * 8 + place * 2 + kept`: the owner's GC count when the words were placed, their
 * `Place`, and whether the process keeps the message past its handler (in its state, or
 * `ctx.keep`). Read back by arithmetic, not shifts, so a count past 2^28 (a stamp past
 * 2^31) reads back the same (`& 7` keeps the low bits of any integer up to 2^53).
 */
export function stampOf(born: number, place: Place, kept: boolean): number {
  return born * Stamp.BornUnit + place * Stamp.PlaceUnit + (kept ? Stamp.Kept : 0);
}

/** The GC count of a stamp. */
export function bornOf(stamp: number): number {
  return (stamp - (stamp & Stamp.Low)) / Stamp.BornUnit;
}

/** The place of a stamp. */
export function placeOf(stamp: number): Place {
  return (stamp & Stamp.Low) >> 1;
}

/** Whether a stamp says its process keeps the message. */
export function isKept(stamp: number): boolean {
  return (stamp & Stamp.Kept) !== 0;
}

/** `stamp` placed anew at GC count `born` in `place`, kept as it was (`stampOf` written out: a message's every move). */
export function placedAt(stamp: number, born: number, place: Place): number {
  return born * Stamp.BornUnit + place * Stamp.PlaceUnit + (stamp & Stamp.Kept);
}

/** `stamp`, kept by its process. */
export function keptStamp(stamp: number): number {
  return (stamp & Stamp.Kept) !== 0 ? stamp : stamp + Stamp.Kept;
}
