// A trace of a supervision tree for the OTP tests: named children that log when their
// init runs, and every exit of a named process with its reason, as [µs, text] events.
import { inspect } from '../../../core/inspect.js';
import type { Pid, Term } from '../../../core/terms.js';
import type { Behaviour, Ctx } from '../../../sim/beam/process.js';
import type { World } from '../../../sim/beam/world.js';

/** [virtual µs, 'start X' | 'exit X <reason>']. */
export type Ev = [number, string];

export type ChildOpts = {
  /** CPU its init takes, µs. */
  initUs?: number;
  /** Traps exits (so `:shutdown` reaches it as a message, which it ignores). */
  trap?: boolean;
  /** Its init stops with this reason (the start fails), from the `failFrom`-th start on (1 = the first). */
  fail?: Term;
  failFrom?: number;
  /** Runs in its init, after the log (a table, say). */
  init?: (ctx: Ctx) => void;
};

export class Tree {
  readonly events: Ev[] = [];
  /** Pids of each name's incarnations, oldest first. */
  readonly pids = new Map<string, Pid[]>();
  private readonly names = new Map<number, string>();

  constructor(readonly w: World) {
    w.onExit = (p, reason) => {
      const name = this.names.get(p.uid);
      if (name !== undefined) this.events.push([w.nowUs, `exit ${name} ${inspect(reason).replace(/#PID<[^>]*>/g, 'pid')}`]);
    };
  }

  /** The start function of a child named `id`. */
  child(id: string, opts: ChildOpts = {}): () => Behaviour {
    let starts = 0;
    return () => {
      const n = ++starts;
      return this.named(id, {
        init: (ctx) => {
          if (opts.trap === true) ctx.trapExit(true);
          if (opts.initUs !== undefined) ctx.cpu(opts.initUs);
          opts.init?.(ctx);
          if (opts.fail !== undefined && n >= (opts.failFrom ?? 1)) ctx.stop(opts.fail);
        },
        handle() {},
      });
    };
  }

  /** `b` under the name `id`: its start and its exit are logged. */
  named(id: string, b: Behaviour): Behaviour {
    const named: Behaviour = {
      init: (ctx) => {
        this.names.set(ctx.self.uid, id);
        const list = this.pids.get(id) ?? [];
        list.push(ctx.self);
        this.pids.set(id, list);
        this.events.push([this.w.nowUs, `start ${id}`]);
        b.init?.(ctx);
      },
      handle: (ctx, msg) => b.handle(ctx, msg),
    };
    return b.acksStart === true ? { ...named, acksStart: true } : named;
  }

  /** The pid of the latest incarnation of `id`. */
  pid(id: string): Pid {
    const list = this.pids.get(id);
    if (list === undefined) throw new Error(`${id} never started`);
    return list[list.length - 1] as Pid;
  }

  /** The events from `fromUs` on, times relative to it. */
  since(fromUs: number): Ev[] {
    return this.events.filter(([t]) => t >= fromUs).map(([t, e]) => [t - fromUs, e]);
  }
}
