// The scenario API: a scenario is one exported definition with a name, a description,
// typed parameters with defaults, the cluster it needs, and a script that drives the
// workload in virtual time. A script reads like the incident it reproduces:
// `run.at(5_000, () => run.crash('b'))`, `yield* run.timed.monitor(ctx, pid)`. The same
// script runs with plain ERTS monitors (`vanilla`) and with ZenMonitor (`zen`):
// `run.timed.monitor` (in a generator handler) and `run.monitor` (in a plain one) pick
// the one the mode asks for.
import type { Target } from '../../core/messages.js';
import { atom, tuple, int, type Pid, type Ref, type Term } from '../../core/terms.js';
import type { CostModel } from '../beam/cost.js';
import type { NetConfig } from '../beam/network.js';
import { checkFootprint } from './footprint.js';
import { param, type Params, type ParamSpecs } from './params.js';
import type { Behaviour, Ctx, DownSignal, Handling, Steps } from '../beam/process.js';
import type { Recorder } from './recorder.js';
import type { Rng } from '../engine/rng.js';
import type { World } from '../beam/world.js';
import { type ZenCluster } from '../zen/cluster.js';
import { targetDest } from '../zen/component.js';

export type Mode = 'zen' | 'vanilla';

export type NodeSpec = {
  readonly name: string;
  readonly schedulers?: number;
  /** Whether this node runs ZenMonitor in zen mode (default true). */
  readonly zen?: boolean;
};

export type ClusterSpec = {
  readonly nodes: readonly NodeSpec[];
  readonly net?: Partial<NetConfig>;
  /** ZenMonitor app env on every node that runs it. */
  readonly zen?: Readonly<Record<string, number | string>>;
  readonly cost?: Partial<CostModel>;
};

export type ScenarioDef<S extends ParamSpecs> = {
  readonly name: string;
  readonly description: string;
  readonly params: S;
  /** Checks that involve several parameters: a message naming the problem, or undefined. */
  readonly validate?: (p: Params<S>) => string | undefined;
  readonly cluster: (p: Params<S>) => ClusterSpec;
  readonly script: (run: Run, p: Params<S>) => void;
};

/** Every scenario has a `mode` parameter. */
export const MODE_PARAM = param.enum('both', ['both', 'zen', 'vanilla'], 'plain ERTS monitors, ZenMonitor, or both side by side');

export type Scenario<S extends ParamSpecs = ParamSpecs> = ScenarioDef<S & { mode: typeof MODE_PARAM }> & {
  readonly kind: 'zensim-scenario';
};

/** Declares a scenario (the default export of a scenario file). */
export function defineScenario<S extends ParamSpecs>(def: ScenarioDef<S>): Scenario<S> {
  return {
    ...def,
    params: { ...def.params, mode: MODE_PARAM },
    kind: 'zensim-scenario',
  } as unknown as Scenario<S>;
}

export function isScenario(x: unknown): x is Scenario {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'zensim-scenario';
}

const WORK = atom('work');
const SPIN = atom('spin');

/** A process that never does anything (a monitored target sleeping forever). */
export const sleeper: Behaviour = { handle() {} };

/** `f()` at the CPU time a generator handler reaches it (after a synchronisation point). */
function* atCpuTime<R>(f: () => R): Generator<undefined, R, unknown> {
  yield;
  return f();
}

/** `{:work, sent_at_us}`: the unit of real work a subscriber also serves. */
export function workMsg(sentAtUs: number): Term {
  return tuple(WORK, int(sentAtUs));
}

/** What a script drives: the world of one run, in one mode. */
export class Run {
  /** Virtual time of the trigger, µs (-1 until `trigger()`). */
  triggerUs = -1;
  expectedDowns = 0;
  /** Processes spawned by spawnMany, for the up-front memory estimate (footprint.ts). */
  private spawned = 0;
  /** Every mode the scenario runs in this time (set by the runner; the estimate takes the most demanding). */
  modesOfRun: readonly Mode[] | undefined;
  endUs = Infinity;
  endCondition: (() => boolean) | undefined;
  /** Work latency counts messages sent in [trigger, trigger + this), ms. */
  workWindowMs = 10_000;

  constructor(
    readonly world: World,
    readonly zen: ZenCluster | null,
    readonly mode: Mode,
    readonly recorder: Recorder,
  ) {}

  /** A named random stream of this run (same names, same numbers, in both modes). */
  rng(name: string): Rng {
    return this.world.rng.stream(`scenario/${name}`);
  }

  /** Runs `fn` at virtual time `ms`. */
  at(ms: number, fn: () => void): void {
    this.world.at(Math.round(ms * 1000), fn);
  }

  /** Marks now as the trigger: latencies and timelines count from here. */
  trigger(): void {
    this.triggerUs = this.world.nowUs;
    this.recorder.markTrigger(this.world.nowUs);
    this.world.onFault?.('trigger', '');
  }

  /** Declares how many DOWNs the subscribers should get in all. */
  expectDowns(n: number): void {
    this.expectedDowns = n;
    checkFootprint(this.spawned, n, this.modesOfRun ?? [this.mode]);
  }

  /** Ends the run at `ms` (virtual), or earlier when `when` holds. */
  endAt(ms: number, when?: () => boolean): void {
    this.endUs = Math.round(ms * 1000);
    this.endCondition = when;
  }

  /** Polls `cond` every `everyMs` of virtual time from now; runs `fn` once it holds. */
  when(cond: () => boolean, fn: () => void, everyMs = 10): void {
    const poll = () => {
      if (cond()) fn();
      else this.world.at(this.world.nowUs + everyMs * 1000, poll);
    };
    this.world.at(this.world.nowUs, poll);
  }

  /**
   * Monitors in place across nodes: ERTS remote monitors held on targets (vanilla), or
   * ZenMonitor Proxy subscriptions (zen). A script waits for its count before the trigger.
   */
  established(): number {
    let n = 0;
    for (const node of this.world.nodes.values()) {
      if (this.zen === null) for (const m of node.remoteIn.values()) n += m.size;
      else n += this.zen.app(node.name)?.tables.proxySubscribers.size ?? 0;
    }
    return n;
  }

  /** `Node.connect(b)` from `a`: sets the connection up (ZenMonitor never connects by itself). */
  connect(a: string, b: string): void {
    if (!this.world.net.ensureConnected(a, b)) throw new Error(`cannot connect ${a} to ${b}: dist_auto_connect forbids it`);
  }

  /** Whether `a` sees `b` as connected now. */
  connected(a: string, b: string): boolean {
    return this.world.net.connected(a, b);
  }

  crash(node: string): void {
    this.world.crash(node);
    this.world.onFault?.('crash', node);
  }

  restart(node: string): void {
    this.world.restart(node);
    this.world.onFault?.('restart', node);
  }

  partition(a: string, b: string, oneWay = false): void {
    this.world.net.partition(a, b, oneWay);
    this.world.onFault?.('partition', oneWay ? `${a} -> ${b}` : `${a} <-> ${b}`);
  }

  heal(a: string, b: string): void {
    this.world.net.heal(a, b);
    this.world.onFault?.('heal', `${a} <-> ${b}`);
  }

  /** Spawns `n` processes on `node` (sleepers unless a behaviour is given). */
  spawnMany(node: string, n: number, behaviour: Behaviour = sleeper): Pid[] {
    this.spawned += n;
    checkFootprint(this.spawned, this.expectedDowns, this.modesOfRun ?? [this.mode]); // before the work, not minutes into it
    const pids: Pid[] = new Array(n);
    for (let i = 0; i < n; i++) pids[i] = this.world.spawn(node, behaviour);
    return pids;
  }

  /**
   * Monitoring from a generator handler, per mode (ERTS monitor or ZenMonitor):
   * `const ref = yield* run.timed.monitor(ctx, target)`. Each happens at the CPU time the
   * handler reaches it, its table reads and writes included (see `Behaviour`).
   */
  readonly timed = {
    /** Monitors `target`. */
    monitor: (ctx: Ctx, target: Target): Steps<Ref> =>
      this.zen === null ? atCpuTime(() => ctx.monitor(targetDest(target, ctx.node))) : this.zen.timed.monitor(ctx, target),
    /** Demonitors `ref` (with `flush`, also drops a DOWN for it already queued). */
    demonitor: (ctx: Ctx, ref: Ref, flush = false): Steps<boolean> =>
      this.zen === null ? atCpuTime(() => ctx.demonitor(ref, { flush })) : this.zen.timed.demonitor(ctx, ref, flush ? ['flush'] : []),
  };

  /** Monitors `target` from a plain handler, per mode (ZenMonitor's table reads see the tables as the handling began). */
  monitor(ctx: Ctx, target: Target): Ref {
    return this.zen === null ? ctx.monitor(targetDest(target, ctx.node)) : this.zen.monitor(ctx, target);
  }

  /** Demonitors `ref` from a plain handler, per mode. */
  demonitor(ctx: Ctx, ref: Ref, flush = false): boolean {
    if (this.zen === null) return ctx.demonitor(ref, { flush });
    return this.zen.demonitor(ctx, ref, flush ? ['flush'] : []);
  }

  /**
   * Spawns a subscriber: it runs `setup` first (to monitor its targets; a generator, as
   * `function* (ctx) { yield* run.timed.monitor(ctx, t) }`, or a plain function), then
   * handles each DOWN (recorded, then `downCostUs` of CPU, like R4's 20 µs busy-wait; with
   * `keepDowns` it keeps the last one in its state) and each `{:work, sent_at}` (its
   * latency recorded).
   */
  subscriber(
    node: string,
    opts: { name?: string; downCostUs?: number; keepDowns?: boolean; setup?: (ctx: Ctx) => void | Handling },
  ): Pid {
    const recorder = this.recorder;
    const downCostUs = opts.downCostUs ?? 0;
    const keepDowns = opts.keepDowns === true;
    const pid = this.world.spawn(
      node,
      {
        init: (ctx) => opts.setup?.(ctx),
        handle: (ctx, msg) => {
          const m = msg as DownSignal | Term;
          if ('kind' in m && m.kind === 'DOWN') {
            recorder.down(ctx.nowUs(), m);
            ctx.cpu(downCostUs);
            if (keepDowns) ctx.keep();
          } else if ('t' in m && m.t === 'tuple' && m.v[0] === WORK) {
            recorder.work(ctx.nowUs() - Number((m.v[1] as { v: bigint }).v));
          } else if ('t' in m && m.t === 'tuple' && m.v[0] === SPIN) {
            ctx.cpu(Number((m.v[1] as { v: bigint }).v));
          }
        },
      },
      opts.name !== undefined ? { name: opts.name } : {},
    );
    recorder.watch(pid);
    return pid;
  }

  /**
   * A ticker on `node` sending `{:work, now}` to `to` every `everyMs` at absolute ms
   * ticks; a late tick is skipped, not caught up (as R4's ticker).
   */
  ticker(node: string, to: Pid, everyMs: number): Pid {
    const tick = atom('tick');
    return this.world.spawn(node, {
      init: (ctx) => void ctx.sendAfter(everyMs, tick),
      handle: (ctx, _msg) => {
        ctx.send(to, workMsg(ctx.nowUs()));
        ctx.sendAfter(everyMs - ((ctx.nowUs() / 1000) % everyMs), tick);
      },
    });
  }
}
