// OTP's supervisor as a simulated process (erlang/otp supervisor.erl, OTP 25, with the
// defaults of Elixir's Supervisor.init/2), data-driven as in OTP: a child spec list and a
// strategy. The rules it keeps, each as supervisor.erl has it:
// - it traps exits, and starts its children in order, each linked to it, synchronously
//   (proc_lib: it waits for each child's init); a child that fails to start makes the
//   ones started so far shut down and the supervisor fail with
//   `{:shutdown, {:failed_to_start_child, id, reason}}`;
// - a child's exit: `permanent` is restarted; `transient` unless it exited `:normal`,
//   `:shutdown` or `{:shutdown, _}`; `temporary` never (and it is forgotten);
// - a restart first counts against the intensity: restarts are stamped in whole seconds
//   of monotonic time (`erlang:monotonic_time(1)`: here, of virtual time), those older
//   than `period` seconds drop out, and one more than `intensity` within the period makes
//   the supervisor shut all its children down and exit with `:shutdown`;
// - `one_for_one` restarts the child; `rest_for_one` shuts down the children started after
//   it (last first) and starts it and them again in order; `one_for_all` does so for all;
//   a temporary child shut down this way is not started again; a start that fails marks
//   the child restarting and tries again later (a `try_again_restart` cast to itself,
//   counted as another restart);
// - shutdown, child by child in reverse start order: monitor, unlink, then `exit(:shutdown)`
//   and wait for the DOWN up to the child's `shutdown` ms before `exit(:kill)` (or at once
//   `:kill` for `:brutal_kill`, or wait forever for `:infinity`, the default of supervisors);
// - an exit signal from its own parent makes it shut its children down and exit with
//   that reason (gen_server's parent rule, gen_server.ts); any other stray `:EXIT` or
//   message is ignored.
// Not modelled: `simple_one_for_one`, `ignore` from a start function, auto_shutdown and
// significant children, and the supervisor's calls (which_children is `whichChildren`,
// read from outside; start_child, terminate_child and the like are not handled).
import { assertNever, atom, tuple, type Pid, type Term } from '../../core/terms.js';
import { GenServer, type Blocking } from './gen_server.js';
import type { Behaviour, DownSignal, ExitMessage } from './process.js';
import { isExitMessage, isExitOf, startResult } from './proc_lib.js';
import type { World } from './world.js';

export type Strategy = 'one_for_one' | 'rest_for_one' | 'one_for_all';
export type RestartType = 'permanent' | 'transient' | 'temporary';
/** How a child is shut down: wait up to this many ms for it to exit on `:shutdown`, or `:brutal_kill`, or wait forever. */
export type Shutdown = number | 'brutal_kill' | 'infinity';

/** One child, as `Supervisor.init/2` takes it (`%{id, start, restart, shutdown, type}`). */
export type ChildSpec = {
  readonly id: string;
  /** The start function: a fresh behaviour for each start, spawned linked to the supervisor. */
  readonly start: () => Behaviour;
  /** Default `permanent`. */
  readonly restart?: RestartType;
  /** Default 5000 ms for a worker, `infinity` for a supervisor. */
  readonly shutdown?: Shutdown;
  /** Default `worker`. */
  readonly type?: 'worker' | 'supervisor';
  /** A name the child is registered under (`start_link(..., name: name)`). */
  readonly name?: string;
  /** The child's queued messages stay off its heap (its init sets `message_queue_data` to `off_heap`). */
  readonly offHeapQueue?: boolean;
};

/** `Supervisor.init(children, strategy: ..., max_restarts: intensity, max_seconds: period)`. */
export type SupervisorSpec = {
  readonly strategy: Strategy;
  /** max_restarts; Elixir's default 3. */
  readonly intensity?: number;
  /** max_seconds; Elixir's default 5. */
  readonly period?: number;
  readonly children: readonly ChildSpec[];
};

type Resolved = Required<Omit<ChildSpec, 'name' | 'offHeapQueue'>> & Pick<ChildSpec, 'name' | 'offHeapQueue'>;

/** A child as the supervisor tracks it: its spec, and its pid while it runs. */
export type Child = { readonly spec: Resolved; pid: Pid | undefined; restarting: boolean };

/** What `whichChildren` reports of each child, in start order. */
export type ChildInfo = { readonly id: string; readonly pid: Pid | 'restarting' | undefined; readonly type: 'worker' | 'supervisor' };

/**
 * The two rules a test may replace with a broken variant, to show that a property
 * catches it (as ZenCluster's component steps); by default supervisor.erl's.
 */
export type SupervisorRules = {
  /** add_restart: the restarts kept (newest first, in whole seconds) and whether one more is allowed. */
  addRestart(restarts: readonly number[], nowS: number, intensity: number, period: number): { restarts: number[]; allowed: boolean };
  /** The children a restart of `children[i]` shuts down and starts again, in start order. */
  affected(strategy: Strategy, children: readonly Child[], i: number): Child[];
};

export const OTP_RULES: Readonly<SupervisorRules> = Object.freeze({
  addRestart(restarts: readonly number[], nowS: number, intensity: number, period: number) {
    const kept = [nowS];
    for (const r of restarts) {
      if (r < nowS - period) break;
      kept.push(r);
    }
    return { restarts: kept, allowed: kept.length <= intensity };
  },
  affected(strategy: Strategy, children: readonly Child[], i: number): Child[] {
    switch (strategy) {
      case 'one_for_one':
        return [children[i] as Child];
      case 'rest_for_one':
        return children.slice(i);
      case 'one_for_all':
        return [...children];
      default:
        return assertNever(strategy);
    }
  },
});

const SHUTDOWN = atom('shutdown');
const KILL = atom('kill');
const NORMAL = atom('normal');
const GEN_CAST = atom('$gen_cast');
const TRY_AGAIN = atom('try_again_restart');

/** A supervisor process for `spec` (spawn it, or give `() => supervisor(spec)` as a child's start). */
export function supervisor(spec: SupervisorSpec, rules: SupervisorRules = OTP_RULES): Behaviour {
  return new Supervisor(checkSpec(spec), rules);
}

/** The children of the supervisor `pid` now, in start order (undefined if it is not a live supervisor). */
export function whichChildren(w: World, pid: Pid): ChildInfo[] | undefined {
  return w.alive(pid) === undefined ? undefined : running.get(pid)?.which();
}

/**
 * Each running supervisor by its pid (the object itself: pids are unique per world).
 * Kept on a global symbol so that two copies of this module (a scenario file loaded by
 * its own loader, say) see the same supervisors; never iterated.
 */
const running: WeakMap<Pid, { which(): ChildInfo[] }> = ((globalThis as Record<symbol, unknown>)[Symbol.for('zensim.supervisors')] ??= new WeakMap()) as WeakMap<Pid, { which(): ChildInfo[] }>;

class Supervisor extends GenServer {
  readonly acksStart = true;
  private readonly children: Child[];
  /** Restart times in whole seconds, newest first. */
  private restarts: number[] = [];

  constructor(
    private readonly spec: Required<Omit<SupervisorSpec, 'children'>> & { children: readonly Resolved[] },
    private readonly rules: SupervisorRules,
  ) {
    super();
    this.children = spec.children.map((s) => ({ spec: s, pid: undefined, restarting: false }));
  }

  which(): ChildInfo[] {
    return this.children.map((c) => ({ id: c.spec.id, pid: c.restarting ? 'restarting' : c.pid, type: c.spec.type }));
  }

  protected *onInit(): Blocking {
    running.set(this.ctx.self, this);
    this.ctx.trapExit(true);
    const failed = yield* this.startChildren(this.children);
    if (failed === undefined) return this.ctx.initAck();
    yield* this.terminateChildren(this.children);
    const reason = tuple(SHUTDOWN, tuple(atom('failed_to_start_child'), atom(failed.child.spec.id), failed.reason));
    this.ctx.initAck(reason);
    this.ctx.stop(reason);
  }

  protected *onMessage(msg: unknown): Blocking {
    if (isExitMessage(msg)) return yield* this.childExited(msg);
    const again = tryAgainId(msg);
    const child = this.children.find((c) => c.spec.id === again);
    if (child?.restarting === true) yield* this.restart(child);
  }

  protected *onTerminate(): Blocking {
    yield* this.terminateChildren(this.children);
  }

  private *childExited(msg: ExitMessage): Blocking {
    const child = this.children.find((c) => c.pid !== undefined && c.pid.uid === msg.from?.uid);
    if (child === undefined) return;
    const restart = child.spec.restart;
    if (restart === 'permanent' || (restart === 'transient' && !isShutdownReason(msg.reason))) yield* this.restart(child);
    else this.forget(child);
  }

  /** supervisor.erl restart/2: count it, then restart by the strategy, or give up. */
  private *restart(child: Child): Blocking {
    const { intensity, period } = this.spec;
    const counted = this.rules.addRestart(this.restarts, this.ctx.monotonicS(), intensity, period);
    this.restarts = counted.restarts;
    if (!counted.allowed) {
      this.forget(child);
      return yield* this.terminated(SHUTDOWN);
    }
    // The child that exited is not shut down again (split_child and del_child clear its pid).
    child.pid = undefined;
    const affected = this.rules.affected(this.spec.strategy, this.children, this.children.indexOf(child));
    yield* this.terminateChildren(affected);
    const failed = yield* this.startChildren(affected.filter((c) => this.children.includes(c)));
    if (failed === undefined) return;
    failed.child.restarting = true;
    this.ctx.send(this.ctx.self, tuple(GEN_CAST, tuple(TRY_AGAIN, atom(failed.child.spec.id))));
  }

  /** start_children/2: in order; stops at the first that fails to start. */
  private *startChildren(list: readonly Child[]): Blocking<{ child: Child; reason: Term } | undefined> {
    for (const child of list) {
      const { name, offHeapQueue } = child.spec;
      const pid = this.ctx.startLink(child.spec.start(), { ...(name === undefined ? {} : { name }), ...(offHeapQueue === true ? { offHeapQueue } : {}) });
      const got: unknown = yield;
      const r = startResult(got, pid);
      if ('error' in r) return { child, reason: r.error };
      child.pid = pid;
      child.restarting = false;
    }
    return undefined;
  }

  /** terminate_children/2: shuts them down last first; a temporary child is forgotten. */
  private *terminateChildren(list: readonly Child[]): Blocking {
    for (const child of [...list].reverse()) {
      yield* this.shutdown(child);
      if (child.spec.restart === 'temporary') this.forget(child);
      else {
        child.pid = undefined;
        child.restarting = false;
      }
    }
  }

  /** supervisor.erl shutdown/2 (OTP 25: monitor_child, then the exit signal and the wait for the DOWN). */
  private *shutdown(child: Child): Blocking {
    const pid = child.pid;
    if (pid === undefined) return;
    const ctx = this.ctx;
    const ref = ctx.monitor(pid);
    ctx.unlink(pid);
    const isDown = (m: unknown) => (m as DownSignal).kind === 'DOWN' && (m as DownSignal).ref.uid === ref.uid;
    if (ctx.take((m) => isExitOf(m, pid)) !== undefined) {
      ctx.receive(isDown, Infinity); // it had died already: its DOWN follows
      yield;
      return;
    }
    const how = child.spec.shutdown;
    ctx.exit(pid, how === 'brutal_kill' ? KILL : SHUTDOWN);
    ctx.receive(isDown, typeof how === 'number' ? how : Infinity);
    if ((yield) !== undefined) return;
    ctx.exit(pid, KILL);
    ctx.receive(isDown, Infinity);
    yield;
  }

  /** del_child/2: a temporary child is removed, any other keeps its spec without a pid. */
  private forget(child: Child): void {
    if (child.spec.restart === 'temporary') this.children.splice(this.children.indexOf(child), 1);
    else {
      child.pid = undefined;
      child.restarting = false;
    }
  }
}

function isShutdownReason(reason: Term): boolean {
  return reason === NORMAL || reason === SHUTDOWN || (reason.t === 'tuple' && reason.v.length === 2 && reason.v[0] === SHUTDOWN);
}

/** The child id of a `{:"$gen_cast", {:try_again_restart, id}}`, if `msg` is one. */
function tryAgainId(msg: unknown): string | undefined {
  const t = msg as Term;
  if (typeof t !== 'object' || t === null || t.t !== 'tuple' || t.v[0] !== GEN_CAST) return undefined;
  const inner = t.v[1] as Term;
  return inner.t === 'tuple' && inner.v[0] === TRY_AGAIN && inner.v[1]?.t === 'atom' ? inner.v[1].v : undefined;
}

const STRATEGIES: readonly string[] = ['one_for_one', 'rest_for_one', 'one_for_all'];
const RESTARTS: readonly string[] = ['permanent', 'transient', 'temporary'];

/** Validates a spec and fills in the defaults; a bad one throws naming the field (supervisor.erl's check_startspec). */
function checkSpec(spec: SupervisorSpec): Required<Omit<SupervisorSpec, 'children'>> & { children: readonly Resolved[] } {
  const { strategy, intensity = 3, period = 5, children } = spec;
  if (!STRATEGIES.includes(strategy)) throw new RangeError(`supervisor strategy must be one of ${STRATEGIES.join(', ')}, got ${String(strategy)}`);
  if (!Number.isInteger(intensity) || intensity < 0) throw new RangeError(`supervisor intensity must be an integer >= 0, got ${intensity}`);
  if (!Number.isInteger(period) || period < 1) throw new RangeError(`supervisor period must be an integer >= 1 (seconds), got ${period}`);
  if (!Array.isArray(children)) throw new RangeError('supervisor children must be a list of child specs');
  const ids = new Set<string>();
  const resolved = children.map((c): Resolved => {
    if (typeof c.id !== 'string' || c.id === '') throw new RangeError(`child id must be a non-empty string, got ${String(c.id)}`);
    if (ids.has(c.id)) throw new RangeError(`duplicate child id '${c.id}'`);
    ids.add(c.id);
    if (typeof c.start !== 'function') throw new RangeError(`child '${c.id}': start must be a function returning a behaviour`);
    const restart = c.restart ?? 'permanent';
    if (!RESTARTS.includes(restart)) throw new RangeError(`child '${c.id}': restart must be one of ${RESTARTS.join(', ')}, got ${String(restart)}`);
    const type = c.type ?? 'worker';
    if (type !== 'worker' && type !== 'supervisor') throw new RangeError(`child '${c.id}': type must be worker or supervisor, got ${String(type)}`);
    const shutdown = c.shutdown ?? (type === 'worker' ? 5000 : 'infinity');
    const okShutdown = shutdown === 'brutal_kill' || shutdown === 'infinity' || (Number.isInteger(shutdown) && (shutdown as number) >= 0);
    if (!okShutdown) throw new RangeError(`child '${c.id}': shutdown must be ms >= 0, brutal_kill or infinity, got ${String(shutdown)}`);
    return { id: c.id, start: c.start, restart, shutdown, type, ...(c.name === undefined ? {} : { name: c.name }), ...(c.offHeapQueue === true ? { offHeapQueue: true } : {}) };
  });
  return { strategy, intensity, period, children: resolved };
}
