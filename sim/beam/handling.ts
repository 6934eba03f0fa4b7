// What the world's scheduling needs of a handling beside the world itself: when one frees
// its scheduler, how a thread's CPU time carries over, what a crash in a handler does,
// what a generator handler's `yield tag` returns, and the records of generator handlings
// (one reused from the last that ended: most end without pausing).
import { atom } from '../../core/terms.js';
import { DoubleFields } from '../engine/double_fields.js';
import { ProcessCrash, type CallResult, type Envelope, type Handling, type Proc, type Received, type Slice } from './process.js';

/**
 * A scheduler thread's CPU time is continuous: a handling begins where the thread's last
 * one ended, if that was within this much of the clock (whole µs), so handlings of
 * fractional CPU (a 1.3 µs cast) are not rounded up one by one; at most one handling
 * begins per thread and µs.
 */
export const MAX_CARRY_US = 0.999;

/** When a handling that began at `startUs` and reached `cursorUs` frees its scheduler: the next whole µs, at least 1 µs on. */
export function handlingEndUs(startUs: number, cursorUs: number): number {
  return Math.max(startUs + 1, Math.ceil(cursorUs));
}

/** What a slice of a dead process's exit handles (trace writers name the slice by its kind). */
export const EXITING = Object.freeze({ kind: 'exiting' });

/** A handler threw: a ProcessCrash ends the process when the handling ends (a kill that came first wins); anything else is a bug. */
export function crashed(p: Proc, e: unknown): void {
  if (!(e instanceof ProcessCrash)) throw e;
  p.stopReason ??= e.reason;
}

/** What a generator handler's `yield tag` returns: a call's result, or the message a receive took. */
export function answerOf(r: CallResult | Received): unknown {
  return r.kind === 'call_result' ? r.result : r.msg;
}

export const INIT: CallResult = { kind: 'call_result', tag: { t: 'ref', uid: -1, node: 'init', alias: false }, result: { ok: atom('init') } };

const SLICE_DOUBLES = new DoubleFields(['startUs', 'cursorUs']);

/** The message that began the current stretch of a generator handling. */
export function sliceMsg(s: Slice): unknown {
  return s.envelope !== undefined ? s.envelope.msg : s.msg;
}

/** Records of generator handlings: the one of the last that ended is given to the next that begins. */
export class SliceRecords {
  private spare: Slice | undefined;

  /** A record for a generator handling that begins. */
  take(it: Handling, startUs: number, msg: unknown, envelope: Envelope | undefined): Slice {
    const s = this.spare;
    if (s === undefined) {
      const made: Slice = { it, next: it.next, startUs, msg: envelope === undefined ? msg : undefined, envelope, cursorUs: 0, call: null };
      SLICE_DOUBLES.made(made);
      return made;
    }
    this.spare = undefined;
    s.it = it;
    s.next = it.next;
    s.startUs = startUs;
    s.msg = envelope === undefined ? msg : undefined;
    s.envelope = envelope;
    s.cursorUs = 0;
    s.call = null;
    return s;
  }

  /** The record of a handling that ended, which nothing refers to any more (no resume event, no paused process). */
  give(s: Slice): void {
    s.msg = undefined;
    s.envelope = undefined;
    this.spare = s;
  }
}
