// The part of gen_server's loop that OTP's own processes (supervisor.ts, gen_registry.ts)
// rely on, as a base for their behaviours: an exit signal from the parent (the process
// that started this one with `startLink`), trapped as `{:EXIT, parent, reason}`, makes the
// process run its `terminate` and exit with that reason; every other message goes to
// `onMessage`. Handlings may block in selective receives (a child's start, a child's
// shutdown): each is written as straight-line code, a generator that yields after every
// `ctx.receive` or `ctx.startLink` and is resumed with the message received (undefined at
// a timeout). While one blocks, the process handles nothing else: the world keeps its
// other messages queued, as a selective receive does.
import type { Term } from '../../core/terms.js';
import type { Behaviour, Ctx } from './process.js';
import { isExitMessage, isReceived } from './proc_lib.js';

/** A handling that may block: yields after each receive, resumed with what was received. */
export type Blocking<R = void> = Generator<void, R, unknown>;

export abstract class GenServer implements Behaviour {
  readonly otpLoop = true;
  /** The context of the handler running now (re-aimed at each one). */
  protected ctx!: Ctx;
  private running: Blocking | undefined;

  init(ctx: Ctx): void {
    this.ctx = ctx;
    this.run(this.onInit());
  }

  handle(ctx: Ctx, msg: unknown): void {
    this.ctx = ctx;
    if (isReceived(msg)) return this.step(msg.msg);
    const parent = ctx.parent();
    if (isExitMessage(msg) && parent !== undefined && msg.from?.uid === parent.uid) return this.run(this.terminated(msg.reason));
    this.run(this.onMessage(msg));
  }

  protected abstract onInit(): Blocking;
  protected abstract onMessage(msg: unknown): Blocking;
  /** `terminate(reason, state)`: what the process does before it exits with `reason`. */
  protected abstract onTerminate(reason: Term): Blocking;

  /** The process terminates with `reason` (its `terminate`, then exit). */
  protected *terminated(reason: Term): Blocking {
    yield* this.onTerminate(reason);
    this.ctx.stop(reason);
  }

  private run(h: Blocking): void {
    if (this.running !== undefined) throw new Error(`${this.ctx.self.uid}: a new handling while one is blocked`);
    this.running = h;
    this.step(undefined);
  }

  private step(received: unknown): void {
    const h = this.running;
    if (h === undefined) throw new Error(`${this.ctx.self.uid}: resumed with nothing blocked`);
    if (h.next(received).done === true) this.running = undefined;
  }
}
