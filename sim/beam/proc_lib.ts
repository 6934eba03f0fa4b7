// proc_lib's synchronous start, as gen_server and supervisor use it (OTP 25
// `proc_lib:start_link/3` and `init_ack/1`, gen_server's `init_it`): the parent spawns the
// child linked to it, as the child's parent, and blocks in a selective receive for
// `{:ack, child, result}` or, if it traps exits, the child's `{:EXIT, child, reason}`
// (receive.ts). A child acknowledges `{:ok, self}` when its `init` returns, as gen_server
// does, or when it says so with `ctx.initAck` (`Behaviour.acksStart`: a supervisor, once
// its children are up). A child whose init stops acknowledges `{:error, reason}` and then
// exits (gen_server's `{:stop, reason}` in OTP 25), so a trapping parent later gets its
// `:EXIT` too. A registered name still held by a live process fails the start with
// `{:error, {:already_started, holder}}` and spawns nothing. Simplified: a plain
// behaviour acknowledges when its init handler returns, even if it left a call pending.
import { atom, tuple, type Pid, type Term } from '../../core/terms.js';
import { isHandling, type Behaviour, type Ctx, type ExitMessage, type Handling, type Proc, type Received, type SpawnOpts, type Yielded } from './process.js';
import type { World } from './world.js';

const ACK = atom('ack');
const OK = atom('ok');
const ERROR = atom('error');

/** What a start came to: the child's pid, or why it did not start. */
export type StartResult = { readonly ok: Pid } | { readonly error: Term };

export class ProcLib {
  constructor(private readonly w: World) {}

  /** `proc_lib:start_link` by `p` at CPU time `atUs`: returns the child (or the name's holder). */
  startLinkFrom(p: Proc, behaviour: Behaviour, opts: SpawnOpts, atUs: number): Pid {
    const w = this.w;
    const holder = opts.name === undefined ? undefined : w.nodeOf(p).registered.get(opts.name);
    if (holder?.alive === true) {
      const msg = ackMsg(holder.pid, tuple(atom('already_started'), holder.pid));
      p.resume = { kind: 'received', tag: w.makeRef(p.pid.node), msg } satisfies Received;
      return holder.pid;
    }
    const child = w.spawn(p.pid.node, behaviour.acksStart === true ? behaviour : acksOnInit(behaviour), opts);
    (w.procs[child.uid] as Proc).runState().parent = p.pid;
    w.links.link(p, child, atUs);
    w.receives.receiveFrom(p, (m) => isAckOf(m, child) || isExitOf(m, child), Infinity, atUs);
    return child;
  }

  /** `proc_lib:init_ack` by `p` at `atUs`: `{:ok, self}`, or `{:error, error}`; returns the bytes sent (0: no parent). */
  initAckFrom(p: Proc, error: Term | undefined, atUs: number): number {
    const parent = p.ext?.parent;
    if (parent === undefined) return 0;
    return this.w.sendAt(atUs, p.pid.node, parent, ackMsg(p.pid, error), false);
  }
}

/** A behaviour that acknowledges its start when its init returns (gen_server's way; a generator init: when it ends). */
function acksOnInit(b: Behaviour): Behaviour {
  return new AcksOnInit(b);
}

/** `acksOnInit`'s behaviour: a class, so that its `init` and `handle` are one function for every process (and world), whose optimized code lives as long as the process. */
class AcksOnInit implements Behaviour {
  readonly otpLoop: boolean;
  readonly heapWords: number | undefined;

  constructor(private readonly b: Behaviour) {
    this.otpLoop = b.otpLoop === true;
    this.heapWords = b.heapWords;
  }

  init(ctx: Ctx): void | Handling {
    const running = this.b.init?.(ctx);
    if (isHandling(running)) return ackAfter(running, ctx);
    ctx.initAck(ctx.stopping());
  }

  handle(ctx: Ctx, msg: unknown): void | Handling {
    return this.b.handle(ctx, msg);
  }
}

/** Runs a generator init to its end (passing its yields through), then acknowledges. */
function* ackAfter(init: Handling, ctx: Ctx): Generator<Yielded, void, unknown> {
  let answer: unknown;
  for (let r = init.next(); r.done !== true; r = init.next(answer)) answer = yield r.value;
  ctx.initAck(ctx.stopping());
}

/** `{:ack, pid, {:ok, pid}}`, or `{:ack, pid, {:error, error}}`. */
function ackMsg(pid: Pid, error: Term | undefined): Term {
  return tuple(ACK, pid, error === undefined ? tuple(OK, pid) : tuple(ERROR, error));
}

function isAckOf(msg: unknown, child: Pid): boolean {
  const t = msg as Term;
  return typeof t === 'object' && t !== null && t.t === 'tuple' && t.v[0] === ACK && t.v[1] === child;
}

/** Whether `msg` is the `{:EXIT, pid, reason}` of `pid` (a trapped exit signal from it). */
export function isExitOf(msg: unknown, pid: Pid): msg is ExitMessage {
  return isExitMessage(msg) && msg.from?.uid === pid.uid;
}

export function isExitMessage(msg: unknown): msg is ExitMessage {
  return typeof msg === 'object' && msg !== null && (msg as { kind?: unknown }).kind === 'EXIT';
}

export function isReceived(msg: unknown): msg is Received {
  return typeof msg === 'object' && msg !== null && (msg as { kind?: unknown }).kind === 'received';
}

/** What a start's `received` message (the ack, or the child's `:EXIT`) says about `child`. */
export function startResult(msg: unknown, child: Pid): StartResult {
  if (isExitOf(msg, child)) return { error: msg.reason };
  const result = (msg as { v: Term[] }).v[2] as Term & { t: 'tuple' };
  return result.v[0] === OK ? { ok: child } : { error: result.v[1] as Term };
}
