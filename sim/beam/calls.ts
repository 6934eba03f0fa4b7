// Gen calls and timers of simulated processes. A call (`gen:call`) monitors the callee,
// sends `{:"$gen_call", from, request}` and blocks its caller (selective receive on the
// reply or the callee's DOWN) until the reply, the timeout or the DOWN; a late reply is
// dropped (OTP 24+ aliases). `send_after` timers have millisecond granularity and never
// fire early; a timer dies with its process.
import { atom, tuple, type Ref, type Term } from '../../core/terms.js';
import { UidMap } from '../../core/uid_map.js';
import { envelope } from './memory.js';
import type { CallReply, CallResult, Dest, DownSignal, Envelope, From, Proc } from './process.js';
import { ProcStatus } from './process.js';
import { type World } from './world.js';
import { destTerm } from './dest.js';

const NOCONNECTION = atom('noconnection');
const TIMEOUT = atom('timeout');

/** A pending `send_after` (a kernel event's argument). */
/** The longest timer ERTS accepts (`erlang:send_after/3`: 2^32 - 1 ms, about 49.7 days). */
export const MAX_TIMER_MS = 4_294_967_295;

export type TimerArg = { id: number; msg: unknown };

export class Calls {
  private timerIds = 0;

  constructor(private readonly w: World) {}

  sendAfterFrom(p: Proc, ms: number, msg: unknown, atUs: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`send_after time must be >= 0 ms, got ${ms}`);
    if (ms > MAX_TIMER_MS) throw new RangeError(`send_after time must be <= ${MAX_TIMER_MS} ms (erlang:send_after's limit, badarg beyond), got ${ms}`);
    // Erlang timers have millisecond granularity and never fire early.
    const fireAt = Math.ceil((atUs + ms * 1000) / 1000) * 1000;
    const id = ++this.timerIds;
    (p.timers ??= new UidMap()).set(id, this.w.kernel.at(fireAt, this.w.kinds.timer, p.uid, { id, msg } satisfies TimerArg));
    return id;
  }

  cancelTimerOf(p: Proc, id: number): void {
    const seq = p.timers?.take(id);
    if (seq !== undefined) this.w.kernel.cancel(seq);
  }

  fireTimer(p: Proc, t: TimerArg): void {
    if (!p.alive || p.timers?.delete(t.id) !== true) return;
    this.w.deliver(p, envelope(t.msg, p.pid.node));
  }

  callFrom(p: Proc, to: Dest, msg: unknown, timeoutMs: number, atUs: number): Ref {
    const w = this.w;
    if (p.awaiting !== null) throw new Error(`process ${p.uid} is already waiting on a call`);
    // FIX (test/sim/beam/world.test.ts "bad input: timers and calls"): a bad timeout used to fail
    // in the kernel ("event time … is in the past") after the monitor and request had gone out.
    if (Number.isNaN(timeoutMs) || timeoutMs < 0) throw new RangeError(`call timeout must be >= 0 ms (or Infinity), got ${timeoutMs}`);
    // OTP 25's gen:call monitors with {:alias, :demonitor}: its monitor ref, and the tag, are pid refs.
    const tag = w.makeAliasRef(p.pid.node);
    const monitorRef = w.signals.monitorFrom(p, to, atUs, w.makeAliasRef(p.pid.node));
    w.sendAt(atUs, p.pid.node, to, { kind: '$gen_call', from: { pid: p.pid, tag }, msg }, false);
    const timerSeq = Number.isFinite(timeoutMs)
      ? w.kernel.at(Math.ceil((atUs + timeoutMs * 1000) / 1000) * 1000, w.kinds.callTimeout, p.uid, tag)
      : -1;
    p.awaiting = { tag, monitorRef, timerSeq, callee: destTerm(to) };
    return tag;
  }

  /** A message for a process blocked in a call (its envelope): the reply, or the callee's DOWN. */
  matchesCall(p: Proc, e: Envelope): boolean {
    const a = p.awaiting as NonNullable<Proc['awaiting']>;
    const msg = e.msg;
    if (e.kind === '$reply' && (msg as CallReply).tag === a.tag) {
      this.w.signals.demonitorFrom(p, a.monitorRef, true, this.w.kernel.nowUs);
      this.resolveCall(p, { ok: (msg as CallReply).value });
      return true;
    }
    if (e.kind === 'DOWN' && (msg as DownSignal).ref.uid === a.monitorRef.uid) {
      const reason = (msg as DownSignal).reason;
      const exit = reason === NOCONNECTION ? tuple(atom('nodedown'), atom(destNodeOfTerm(a.callee))) : reason;
      this.resolveCall(p, { exit });
      return true;
    }
    return false;
  }

  callTimeout(p: Proc, tag: Ref): void {
    if (!p.alive || p.awaiting === null || p.awaiting.tag !== tag) return;
    this.w.signals.demonitorFrom(p, p.awaiting.monitorRef, true, this.w.kernel.nowUs);
    this.resolveCall(p, { exit: TIMEOUT });
  }

  private resolveCall(p: Proc, result: CallResult['result']): void {
    const a = p.awaiting as NonNullable<Proc['awaiting']>;
    if (a.timerSeq >= 0) this.w.kernel.cancel(a.timerSeq);
    p.awaiting = null;
    p.resume = { kind: 'call_result', tag: a.tag, result };
    if (p.status === ProcStatus.Waiting) this.w.makeRunnable(p);
  }

  replyFrom(p: Proc, from: From, value: Term, atUs: number): void {
    this.w.sendAt(atUs, p.pid.node, from.pid, { kind: '$reply', tag: from.tag, value }, false);
  }
}

function destNodeOfTerm(t: Term): string {
  if (t.t === 'pid') return t.node;
  if (t.t === 'tuple' && t.v[1]?.t === 'atom') return t.v[1].v;
  return '';
}
