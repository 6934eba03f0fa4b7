// The steps `run.timed` hands a generator handler outside ZenMonitor (vanilla mode: an
// ERTS monitor or demonitor at the CPU time the handler reaches it), and `monitorEach`'s
// steps over many targets. Each is an iterator written out, not a generator: a herd's
// set-up runs them once or twice per monitored target.
import { ENDED } from '../../core/ops.js';
import type { Ctx, Steps, Yielded } from '../beam/process.js';
import type { Kernel } from '../engine/kernel.js';
import { SYNC } from '../zen/component.js';

/**
 * `fn(ctx, arg)` at the CPU time a generator handler reaches it, after a synchronisation
 * point: a plain ERTS monitor or demonitor in vanilla mode. An iterator of its own rather
 * than a generator with a closure: a herd makes one per target, and this is a third of the
 * garbage; and its own last result (`done`, `value`), 40 bytes less a target.
 */
export class AtCpuTime<A, R> implements Iterator<undefined, R, unknown> {
  private synced = false;
  done = false;
  value: R | undefined = undefined;

  constructor(
    private readonly ctx: Ctx,
    private readonly fn: (ctx: Ctx, arg: A) => R,
    private readonly arg: A,
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<undefined, R> {
    if (!this.synced) {
      this.synced = true;
      return SYNC;
    }
    this.done = true;
    this.value = this.fn(this.ctx, this.arg);
    return this as IteratorReturnResult<R>;
  }
}

/**
 * The steps for each of `targets`, one after the other: `start(t)`'s (`EachTarget.of`), or
 * `new AtCpuTime(ctx, fn, t)`'s fused (`EachTarget.atCpuTime`). An iterator of its own
 * rather than a generator looping over `yield*`: a generator resumed and suspended at
 * every step of every target saved its registers each time (with a 100k herd's set-up,
 * the generator's storage is old, so each save went through V8's write barrier). One
 * class for both: with two, the runtime's sites that meet a handling saw a second shape
 * when a run's second mode began, and threw away their optimized code.
 */
export class EachTarget<T> implements Iterator<Yielded, void, unknown> {
  private at = 0;
  /** The steps of the target being handled (`targets[at - 1]`), undefined between two. */
  private current: Iterator<Yielded, unknown, unknown> | undefined = undefined;
  /** At CPU time: whether `targets[at - 1]` has had its synchronisation point and waits for `fn`. */
  private synced = false;

  private constructor(
    private readonly targets: readonly T[],
    private readonly start: ((target: T) => Steps<unknown>) | undefined,
    private readonly ctx: Ctx | undefined,
    private readonly fn: ((ctx: Ctx, target: T) => unknown) | undefined,
    private readonly kernel: Kernel | undefined,
  ) {}

  /** The steps of `start(t)` for each of `targets`. */
  static of<T>(targets: readonly T[], start: (target: T) => Steps<unknown>): EachTarget<T> {
    return new EachTarget(targets, start, undefined, undefined, undefined);
  }

  /**
   * The steps of `new AtCpuTime(ctx, fn, t)` for each of `targets` (vanilla mode's
   * `monitorEach`): a synchronisation point, then `fn(ctx, t)` at the next step. Nothing is
   * made per target (an `AtCpuTime` was ~72 bytes each, and two iterator calls a step).
   * A synchronisation point that no event due by the caller's CPU time precedes goes on at
   * once: what the world does when it is yielded one (world.ts `drive`: `kernel`'s
   * `advanceTo`), without the round trip through it (as component.ts `StepRun`).
   */
  static atCpuTime<T>(ctx: Ctx, fn: (ctx: Ctx, target: T) => unknown, targets: readonly T[], kernel: Kernel): EachTarget<T> {
    return new EachTarget(targets, undefined, ctx, fn, kernel);
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(answer?: unknown): IteratorResult<Yielded, void> {
    if (this.fn !== undefined) return this.nextAtCpuTime(this.fn);
    let given = answer;
    for (;;) {
      let current = this.current;
      if (current === undefined) {
        if (this.at >= this.targets.length) return ENDED;
        current = this.current = (this.start as (target: T) => Steps<unknown>)(this.targets[this.at++] as T)[Symbol.iterator]();
        given = undefined; // as `yield*` starts an iterator
      }
      const r = current.next(given);
      if (r.done !== true) return r;
      this.current = undefined;
    }
  }

  private nextAtCpuTime(fn: (ctx: Ctx, target: T) => unknown): IteratorResult<Yielded, void> {
    const ctx = this.ctx as Ctx;
    if (this.synced) {
      this.synced = false;
      fn(ctx, this.targets[this.at - 1] as T);
    }
    const kernel = this.kernel as Kernel;
    for (;;) {
      if (this.at >= this.targets.length) return ENDED;
      const target = this.targets[this.at++] as T;
      if (!kernel.advanceTo(ctx.nowUs())) {
        this.synced = true;
        return SYNC;
      }
      fn(ctx, target);
    }
  }
}
