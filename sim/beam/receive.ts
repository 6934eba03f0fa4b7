// Selective receive for simulated processes (`receive Pattern -> ... after T -> ... end`),
// beyond the gen-call replies of calls.ts: a process blocks after its handler until a
// message its matcher accepts is in its mailbox (the first such, wherever it is queued:
// it is taken out) or until the timeout (a send_after timer of its own: millisecond
// granularity, never early); it is then resumed with a `received` result before any other
// message. Messages that do not match stay queued, in order, for after. `take` is
// `receive ... after 0`. This is what proc_lib's synchronous start and supervisor.erl's
// child shutdown wait on.
import { atom, tuple, type Ref, type Term } from '../../core/terms.js';
import type { Envelope, Proc, Received } from './process.js';
import { ProcStatus } from './process.js';
import type { World } from './world.js';

const TIMEOUT = atom('timeout');

export class Receives {
  constructor(private readonly w: World) {}

  /** `p` starts a selective receive at CPU time `atUs`; returns its tag (the `received` result carries it). */
  receiveFrom(p: Proc, match: (msg: unknown) => boolean, timeoutMs: number, atUs: number): Ref {
    if (p.awaiting !== null || p.ext?.receiving != null || p.resume !== null) {
      throw new Error(`process ${p.uid} is already waiting (a call or a receive)`);
    }
    if (Number.isNaN(timeoutMs) || timeoutMs < 0) throw new RangeError(`receive timeout must be >= 0 ms (or Infinity), got ${timeoutMs}`);
    const tag = this.w.makeRef(p.pid.node);
    const found = this.takeFrom(p, match);
    if (found !== undefined || timeoutMs === 0) {
      p.resume = { kind: 'received', tag, msg: found } satisfies Received;
      return tag;
    }
    const timerId = Number.isFinite(timeoutMs) ? this.w.calls.sendAfterFrom(p, timeoutMs, timeoutMsg(tag), atUs) : undefined;
    p.runState().receiving = { tag, match, timerId };
    return tag;
  }

  /** Takes the first message `match` accepts out of `p`'s mailbox, if any. */
  takeFrom(p: Proc, match: (msg: unknown) => boolean): unknown {
    const e = p.mailbox.take(match);
    if (e === undefined) return undefined;
    // Taken and handled at once: a receive's messages are garbage once handled, so a
    // collection the take sets off runs as the handler ends (heap.ts `receive`).
    this.w.mem.take(p, e, false);
    this.w.mem.drop(p, e);
    return e.msg;
  }

  /** A message reaches `p`, blocked in a receive: true if the receive takes it (or it is its timeout). */
  offer(p: Proc, e: Envelope): boolean {
    const r = p.ext?.receiving;
    if (r == null) return false;
    const timedOut = isTimeoutOf(e.msg, r.tag);
    if (!timedOut && !r.match(e.msg)) return false;
    if (!timedOut && r.timerId !== undefined) this.w.calls.cancelTimerOf(p, r.timerId);
    (p.ext as NonNullable<Proc['ext']>).receiving = null;
    p.resume = { kind: 'received', tag: r.tag, msg: timedOut ? undefined : e.msg } satisfies Received;
    if (p.status === ProcStatus.Waiting) this.w.makeRunnable(p);
    return true;
  }
}

/** The timer message of a receive's `after` (erlang:start_timer's `{:timeout, ref, ...}` shape). */
function timeoutMsg(tag: Ref): Term {
  return tuple(TIMEOUT, tag);
}

function isTimeoutOf(msg: unknown, tag: Ref): boolean {
  const t = msg as Term | null;
  return typeof t === 'object' && t !== null && t.t === 'tuple' && t.v.length === 2 && t.v[0] === TIMEOUT && t.v[1] === tag;
}
