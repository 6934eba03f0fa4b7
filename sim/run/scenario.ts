// The scenario API: a scenario is one exported definition with a name, a description,
// typed parameters with defaults, the cluster it needs, and a script that drives the
// workload in virtual time. A script reads like the incident it reproduces:
// `run.at(5_000, () => run.crash('b'))`, `yield* run.timed.monitor(ctx, pid)`. The same
// script runs with plain ERTS monitors (`vanilla`) and with ZenMonitor (`zen`):
// `run.timed.monitor` (in a generator handler) and `run.monitor` (in a plain one) pick
// the one the mode asks for.
//
// A run ends when the script says: `endWhenDrained(estimateMs)` (when every expected DOWN
// is delivered, the measurement window has closed and the work queued by then is served;
// cut short, and marked so, at a cap derived from the scenario's closed-form drain),
// or `endAt(ms, cond?)` (a fixed end). Times a script gives are checked: one in the
// past, or beyond the virtual clock, is an error naming it.
import { describeValue, type ZenConfig } from '../../core/config.js';
import type { Target } from '../../core/messages.js';
import { atom, type Pid, type Ref, type Term } from '../../core/terms.js';
import type { CostModel } from '../beam/cost.js';
import { MAX_TIMER_MS } from '../beam/calls.js';
import type { NetConfig } from '../beam/net_config.js';
import { checkFootprint } from './footprint.js';
import { InputError, param, parseParam, type Params, type ParamSpec, type ParamSpecs } from './params.js';
import type { Behaviour, Ctx, DownSignal, Handling, Steps } from '../beam/process.js';
import { workMsg, workSentUs, type EndKind, type NoteValue, type Recorder } from './recorder.js';
import { drainCapMs, drainEstimateMs, type DrainCase } from './drain.js';
import type { Rng } from '../engine/rng.js';
import { DoubleFields } from '../engine/double_fields.js';
import type { World } from '../beam/world.js';
import { ZEN_PROCESSES, type ZenCluster, type ZenProcess } from '../zen/cluster.js';
import { targetDest } from '../zen/component.js';
import { AtCpuTime, EachTarget } from './timed_steps.js';

export type Mode = 'zen' | 'vanilla';

export type NodeSpec = {
  readonly name: string;
  readonly schedulers?: number;
  /** The host (of `ClusterSpec.hosts`) whose cores its schedulers share; default: a host of its own, one core per scheduler. */
  readonly host?: string;
  /** Whether this node runs ZenMonitor in zen mode (default true). */
  readonly zen?: boolean;
};

/** A machine several nodes run on: their scheduler threads share its cores (sim/beam/host.ts). */
export type HostSpec = {
  readonly name: string;
  readonly cores: number;
  /** The OS scheduler's targeted latency and minimum granularity, µs (default: Linux CFS's for that many cores). */
  readonly latencyUs?: number;
  readonly minGranularityUs?: number;
};

export type ClusterSpec = {
  readonly nodes: readonly NodeSpec[];
  readonly hosts?: readonly HostSpec[];
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
  /** The file it was loaded from (absolute; set by loadScenario): errors in its script name their line there. */
  readonly file?: string;
};

/**
 * Declares a scenario (the default export of a scenario file). A definition of the wrong
 * shape (a file can bypass the types: `as any`, plain JavaScript) is refused here, with
 * one line naming what is wrong; loading the file adds the file and line.
 */
export function defineScenario<S extends ParamSpecs>(def: ScenarioDef<S>): Scenario<S> {
  checkDefinition(def);
  return {
    ...def,
    params: { ...def.params, mode: MODE_PARAM },
    kind: 'zensim-scenario',
  } as unknown as Scenario<S>;
}

/** The functions a definition holds, each with the form it takes (`validate` may be left out). */
const DEFINITION_FUNCTIONS = {
  cluster: '(params) => ({ nodes: [...] })',
  script: '(run, params) => { ... }',
  validate: '(params) => a message or undefined',
} as const;

/** What a parameter's default must be, by its kind: the type a script reads. */
const DEFAULT_TYPES = { int: 'number', number: 'number', enum: 'string', bool: 'boolean' } as const;

function checkDefinition(def: unknown): void {
  const bad = (why: string): never => {
    throw new InputError(`defineScenario: ${why}`);
  };
  if (typeof def !== 'object' || def === null) bad(`takes { name, description, params, cluster, script }, got ${describeValue(def)}`);
  const d = def as Record<string, unknown>;
  if (typeof d.name !== 'string' || d.name === '') bad(`name must be a non-empty string, got ${describeValue(d.name)}`);
  if (typeof d.description !== 'string') bad(`description must be a string, got ${describeValue(d.description)}`);
  for (const [key, form] of Object.entries(DEFINITION_FUNCTIONS)) {
    if (typeof d[key] !== 'function' && !(key === 'validate' && d[key] === undefined)) bad(`${key} must be a function ${form}, got ${describeValue(d[key])}`);
  }
  if (typeof d.params !== 'object' || d.params === null || Array.isArray(d.params)) bad(`params must be an object of param.int(…), param.enum(…), …, got ${describeValue(d.params)}`);
  for (const [key, spec] of Object.entries(d.params as object)) {
    const kind = (spec as { kind?: unknown } | null)?.kind;
    if (typeof kind !== 'string' || !Object.hasOwn(DEFAULT_TYPES, kind)) bad(`parameter ${key} must be made with param.int, param.number, param.enum or param.bool, got ${describeValue(spec)}`);
    const p = spec as ParamSpec;
    if (typeof p.default !== DEFAULT_TYPES[p.kind]) bad(`parameter ${key}: its default must be a ${DEFAULT_TYPES[p.kind]}, got ${describeValue(p.default)}`);
    try {
      parseParam(key, p, p.default);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      bad(`parameter ${key}: its default is not a value it takes: ${e.message}`);
    }
  }
}

export function isScenario(x: unknown): x is Scenario {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'zensim-scenario';
}

const SPIN = atom('spin');

/** A process that never does anything (a monitored target sleeping forever). */
export const sleeper: Behaviour = { handle() {} };

const monitorNow = (ctx: Ctx, target: Target): Ref => ctx.monitor(targetDest(target, ctx.node));
/** `monitorEach`'s: its refs are not returned, so none is made (signals.ts `monitorDropping`). */
const monitorDroppingNow = (ctx: Ctx, target: Target): void => ctx.monitorDropping(targetDest(target, ctx.node));
const demonitorNow = (ctx: Ctx, ref: Ref): boolean => ctx.demonitor(ref);
const demonitorFlushNow = (ctx: Ctx, ref: Ref): boolean => ctx.demonitor(ref, { flush: true });

/** ZenMonitor's demonitor options for `flush` (shared: nothing changes them). */
const FLUSH: readonly 'flush'[] = Object.freeze(['flush']);
const NO_FLUSH: readonly 'flush'[] = Object.freeze([]);

export { workMsg };

/**
 * The largest count a scenario parameter should allow (2^32 - 1, as ZenMonitor's own
 * counts): whether a run of that size fits in memory is checked when it starts
 * (footprint.ts), with the memory it would need.
 */
export const MAX_COUNT = 4_294_967_295;

export { MAX_TIMER_MS };

/** The latest virtual time a script may name, ms: the clock counts µs in a safe integer. */
export const MAX_VIRTUAL_MS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/** A script's end: a fixed time (with an optional condition), or drained with a cap. */
type EndSpec =
  | { readonly kind: 'at'; readonly atUs: number; readonly when: (() => boolean) | undefined }
  | { readonly kind: 'drained'; readonly fromUs: number; readonly estimateMs: number };

const RUN_DOUBLES = new DoubleFields(['triggerUs', 'horizonUs', 'endFromUs']);
/** `Run.endFromDowns` of an end that cannot hold: no count of DOWNs reaches it. */
const NEVER = Number.MAX_SAFE_INTEGER;

/**
 * A script that has not said when its run ends (`endWhenDrained`, `endAt`) by this
 * virtual time is stopped there, reported as `no-end` (a safety net for a script stuck
 * waiting, not a measurement cap: once an end is set, it alone governs).
 */
export const SETUP_LIMIT_MS = 3_600_000;

/** What a script drives: the world of one run, in one mode. */
export class Run {
  /** Virtual time of the trigger, µs (-1 until `trigger()`). */
  triggerUs = -1;
  expectedDowns = 0;
  private downsDeclared = false;
  private heldBytesEach = 0;
  private window: number | null = null;
  private endSpec: EndSpec | undefined;
  /**
   * The virtual time the run may not pass, µs: its end time or cap, or the setup limit
   * until the script sets an end. Worked out when it sets the end or the window
   * (`endMoved`; a script moves it only by those); the kernel's run loop reads it after
   * every event (a `Horizon`: no call).
   */
  horizonUs = SETUP_LIMIT_MS * 1000;
  /**
   * DOWNs delivered (`recorder.delivered`, which only grows) before which `endReached`
   * cannot hold, worked out where what it depends on is set (`gateEnd`): a drained end's
   * expected DOWNs once the trigger is in, 0 for a fixed end with a condition (asked at
   * every event), never for any other. The run loop asks after every event: the whole
   * check there was a call of ~40 instructions; this one V8 inlines.
   */
  private endFromDowns = NEVER;
  /**
   * The virtual time before which `endReached` cannot hold either (`gateEnd`): a drained
   * end's window close once the trigger is in, 0 otherwise. Past the last DOWN, a drained
   * run with a window open asked the whole condition at every event (the 10k herd: 40% of them).
   */
  private endFromUs = 0;
  /** Processes spawned by spawnMany, for the up-front memory estimate (footprint.ts). */
  private spawned = 0;
  /** Every mode the scenario runs in this time (set by the runner; the estimate takes the most demanding). */
  modesOfRun: readonly Mode[] | undefined;
  /** Told the estimate each time it is made (set by the runner from RunOptions.onFootprint). */
  onFootprint: ((bytes: number) => void) | undefined;
  /** Starts ZenMonitor on a restarted node that booted with it, with the app env it booted with (set by the runner in zen mode). */
  bootZen: ((node: string) => void) | undefined;

  constructor(
    readonly world: World,
    readonly zen: ZenCluster | null,
    readonly mode: Mode,
    readonly recorder: Recorder,
    /** The ZenMonitor app env every ZenMonitor node starts with (also in vanilla mode, for estimates). */
    readonly zenConfig: Readonly<ZenConfig>,
  ) {
    RUN_DOUBLES.made(this);
  }

  /** A named random stream of this run (same names, same numbers, in both modes). */
  rng(name: string): Rng {
    return this.world.rng.stream(`scenario/${name}`);
  }

  /** Runs `fn` at virtual time `ms` (not in the past). */
  at(ms: number, fn: () => void): void {
    this.world.at(this.checkTime('run.at', ms), fn);
  }

  /** `ms` as µs; an error naming `what` when it is in the past or beyond the clock. */
  private checkTime(what: string, ms: number): number {
    if (typeof ms !== 'number' || Number.isNaN(ms)) throw new RangeError(`${what}(${describeValue(ms)}): not a time in ms`);
    if (ms > MAX_VIRTUAL_MS) throw new RangeError(`${what}(${ms}): beyond the virtual clock's limit of ${MAX_VIRTUAL_MS} ms`);
    const us = Math.round(ms * 1000);
    if (us < this.world.nowUs) throw new RangeError(`${what}(${ms}): ${ms} ms is in the past (now ${this.world.nowUs / 1000} ms)`);
    return us;
  }

  /** Marks now as the trigger: latencies and timelines count from here. */
  trigger(): void {
    if (this.triggerUs >= 0) throw new Error(`run.trigger(): called twice (first at ${this.triggerUs / 1000} virtual ms); a run has one trigger, its figures count from it`);
    this.triggerUs = this.world.nowUs;
    this.gateEnd();
    this.recorder.markTrigger(this.world.nowUs);
    this.world.onFault?.('trigger', '');
  }

  /**
   * Declares how many DOWNs the subscribers should get in all; `heldBytesEach`: the memory
   * (JS heap) each plain DOWN holds for its exit reason, when that is large, so that a run
   * too big for the heap is refused at once.
   */
  expectDowns(n: number, opts: { heldBytesEach?: number } = {}): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`run.expectDowns(${describeValue(n)}): not a count`);
    if (this.downsDeclared) throw new Error(`run.expectDowns(${n}): called twice (first with ${this.expectedDowns}); a run declares every DOWN it expects in one call`);
    this.downsDeclared = true;
    this.expectedDowns = n;
    this.recorder.expectDowns(n);
    this.gateEnd();
    this.heldBytesEach = opts.heldBytesEach ?? 0;
    this.footprint();
  }

  /** Refuses a run too big for this heap (footprint.ts), and tells the host its estimate: both before the work, not minutes into it. */
  private footprint(): void {
    const bytes = checkFootprint(this.spawned, this.expectedDowns, this.modesOfRun ?? [this.mode], { heldBytesEach: this.heldBytesEach });
    this.onFootprint?.(bytes);
  }

  /**
   * The measurement window, from the trigger: work latency counts the :work messages sent
   * in it, `downs.inWindow` the DOWNs delivered in it, and a drained run lasts at least
   * this long. Without one, work counts until the last expected DOWN.
   */
  measureFor(ms: number): void {
    if (!(ms > 0 && ms <= MAX_VIRTUAL_MS)) throw new RangeError(`run.measureFor(${describeValue(ms)}): not a window in ms`);
    this.window = ms;
    this.endMoved();
    this.gateEnd();
  }

  /** The measurement window from the trigger, ms (null: none; set by `measureFor`). */
  get windowMs(): number | null {
    return this.window;
  }

  /**
   * Ends the run at `ms` (virtual), or earlier when `when` holds: a fixed end, by design.
   * Called again, it moves that end; a run that ends when drained has no fixed end to move.
   */
  endAt(ms: number, when?: () => boolean): void {
    const atUs = this.checkTime('run.endAt', ms);
    this.oneKindOfEnd('at', `run.endAt(${ms})`);
    this.endSpec = { kind: 'at', atUs, when };
    this.endMoved();
    this.gateEnd();
  }

  /** Refuses an end of another kind than the one the script set (fixed, or drained). */
  private oneKindOfEnd(kind: EndSpec['kind'], call: string): void {
    const e = this.endSpec;
    if (e === undefined || e.kind === kind) return;
    const set = e.kind === 'at' ? `a fixed end (run.endAt, at ${e.atUs / 1000} virtual ms)` : `an end when drained (run.endWhenDrained, set at ${e.fromUs / 1000} virtual ms)`;
    throw new Error(`${call}: this run already has ${set}; a run ends one way, fixed or drained`);
  }

  /**
   * Ends the run once it is drained: every expected DOWN delivered, the measurement
   * window closed, and the work queued by then served. If that has not happened by the
   * cap (`drainCapMs`: twice the larger of `estimateMs`, the scenario's closed-form drain
   * time from now, and the window, plus 10 s), the run stops there, marked truncated.
   * Called again, it sets a new estimate from then; a run with a fixed end cannot drain.
   */
  endWhenDrained(estimateMs: number): void {
    if (!(estimateMs >= 0 && estimateMs <= MAX_VIRTUAL_MS)) throw new RangeError(`run.endWhenDrained(${describeValue(estimateMs)}): not a time in ms`);
    this.oneKindOfEnd('drained', `run.endWhenDrained(${estimateMs})`);
    this.endSpec = { kind: 'drained', fromUs: this.world.nowUs, estimateMs };
    this.endMoved();
    this.gateEnd();
  }

  /** The closed-form drain of `c` in this run's mode and settings, ms (see drain.ts). */
  drainEstimateMs(c: DrainCase): number {
    return drainEstimateMs(this.mode, c, { zen: this.zenConfig, cost: this.world.cost, net: this.world.net.config });
  }

  /** Works out `horizonUs` again: what it reads, the end and the window, was just set. */
  private endMoved(): void {
    const e = this.endSpec;
    if (e === undefined) return;
    this.horizonUs = e.kind === 'at' ? e.atUs : Math.min(Number.MAX_SAFE_INTEGER, e.fromUs + Math.round(this.capMs() * 1000));
  }

  private capMs(): number {
    const e = this.endSpec;
    return e?.kind === 'drained' ? drainCapMs(e.estimateMs, this.window ?? 0) : 0;
  }

  /** Whether the script's end condition holds (checked after every event: a count and a time compared until the DOWNs are in and the window closed). */
  endReached(): boolean {
    return this.recorder.delivered >= this.endFromDowns && this.world.nowUs >= this.endFromUs && this.endHolds();
  }

  /** Works out `endFromDowns` and `endFromUs` again: the end, the expected DOWNs, the trigger or the window was just set. */
  private gateEnd(): void {
    const e = this.endSpec;
    this.endFromUs = 0;
    if (e === undefined) this.endFromDowns = NEVER;
    else if (e.kind === 'at') this.endFromDowns = e.when === undefined ? NEVER : 0;
    else {
      this.endFromDowns = this.triggerUs < 0 ? NEVER : this.expectedDowns;
      if (this.triggerUs >= 0 && this.window !== null) this.endFromUs = this.triggerUs + this.window * 1000;
    }
  }

  /** `endReached` worked out afresh, without its gate (what tests check the gate against). */
  endHolds(): boolean {
    const e = this.endSpec;
    if (e === undefined) return false;
    if (e.kind === 'at') return e.when?.() ?? false;
    if (this.recorder.delivered < this.expectedDowns || this.triggerUs < 0) return false;
    if (this.window !== null && this.world.nowUs < this.triggerUs + this.window * 1000) return false;
    return this.recorder.workServed();
  }

  /** How the run ended, once it has stopped (`idle`: the kernel ran out of events). */
  endKind(idle: boolean, reached: boolean): EndKind {
    const e = this.endSpec;
    if (reached) return e?.kind === 'drained' ? 'drained' : 'condition';
    if (e?.kind === 'drained' && this.triggerUs < 0) {
      throw new InputError(`the ${this.mode} run set run.endWhenDrained() but never called run.trigger(): a run drains from its trigger`);
    }
    if (idle) return 'idle';
    if (e === undefined) return 'no-end';
    return e.kind === 'drained' ? 'cap' : 'time';
  }

  /** The end figures the result reports (ms after the trigger). */
  endFigures(): { windowMs: number | null; estimateMs: number | null; capMs: number | null } {
    const e = this.endSpec;
    if (e?.kind !== 'drained') return { windowMs: this.window, estimateMs: null, capMs: null };
    const fromMs = (e.fromUs - Math.max(0, this.triggerUs)) / 1000;
    return { windowMs: this.window, estimateMs: fromMs + e.estimateMs, capMs: fromMs + this.capMs() };
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
      if (this.zen === null) for (const r of node.remoteIn.values()) n += r.size;
      else n += this.zen.app(node.name)?.tables.proxySubscribers.size ?? 0;
    }
    return n;
  }

  /** `Node.connect(b)` from `a`: sets the connection up (ZenMonitor never connects by itself), whatever dist_auto_connect says. */
  connect(a: string, b: string): void {
    this.knownNodes(a, b);
    this.world.net.ensureConnected(a, b, 'explicit');
  }

  /** Whether `a` sees `b` as connected now. */
  connected(a: string, b: string): boolean {
    this.knownNodes(a, b);
    return this.world.net.connected(a, b);
  }

  /** Throws, naming it, for a node the cluster does not have (`world.node`'s one line). */
  private knownNodes(...names: (string | undefined)[]): void {
    for (const n of names) if (n !== undefined) this.world.node(n);
  }

  crash(node: string): void {
    this.world.crash(node);
    this.world.onFault?.('crash', node);
  }

  /**
   * The node boots again, a new creation under the same name: its applications start, as a
   * release's do, so ZenMonitor too on a node that booted with it (zen mode). It connects
   * to no one until something refers to a node (or `connect`).
   */
  restart(node: string): void {
    this.world.restart(node);
    this.world.onFault?.('restart', node);
    this.bootZen?.(node);
  }

  partition(a: string, b: string, oneWay = false): void {
    this.world.net.partition(a, b, oneWay);
    this.world.onFault?.('partition', oneWay ? `${a} -> ${b}` : `${a} <-> ${b}`);
  }

  heal(a: string, b: string): void {
    this.world.net.heal(a, b);
    this.world.onFault?.('heal', `${a} <-> ${b}`);
  }

  /**
   * A component fault: `Process.exit(pid, :kill)` of ZenMonitor's process `which` on
   * `node` (`local`, `dispatcher`, `proxy`; the `connector` for the remote `peer`; the
   * `batcher` for `peer`'s Connector), sent from `fromNode` (default `node`: from another
   * node the exit signal crosses the connection). Its supervisor restarts it as upstream's
   * would. Nothing in vanilla mode; returns the pid killed (undefined: none was running).
   */
  killZen(node: string, which: ZenProcess, peer?: string, fromNode?: string): Pid | undefined {
    if (!ZEN_PROCESSES.includes(which)) throw new RangeError(`run.killZen(${node}, ${describeValue(which)}): not one of ${ZEN_PROCESSES.join(', ')}`);
    if ((which === 'connector' || which === 'batcher') && peer === undefined) throw new RangeError(`run.killZen(${node}, ${which}): name the peer node`);
    this.knownNodes(node, peer, fromNode);
    if (this.zen === null) return undefined;
    const pid = this.zen.kill(node, which, peer, fromNode);
    this.world.onFault?.('kill', `${which}${peer === undefined ? '' : ` for ${peer}`} on ${node}${pid === undefined ? ' (none running)' : ''}`);
    return pid;
  }

  /** Records a figure of the scenario's own in the run's result (`notes.<key>`; plain JSON). */
  note(key: string, value: NoteValue): void {
    this.recorder.note(key, value);
  }

  /** Spawns `n` processes on `node` (sleepers unless a behaviour is given). */
  spawnMany(node: string, n: number, behaviour: Behaviour = sleeper): Pid[] {
    this.spawned += n;
    this.footprint();
    return this.world.spawnMany(node, n, behaviour);
  }

  /**
   * Monitoring from a generator handler, per mode (ERTS monitor or ZenMonitor):
   * `const ref = yield* run.timed.monitor(ctx, target)`. Each happens at the CPU time the
   * handler reaches it, its table reads and writes included (see `Behaviour`).
   */
  readonly timed = {
    /** Monitors `target`. */
    monitor: (ctx: Ctx, target: Target): Steps<Ref> =>
      this.zen === null ? new AtCpuTime(ctx, monitorNow, target) : this.zen.timed.monitor(ctx, target),
    /** Demonitors `ref` (with `flush`, also drops a DOWN for it already queued). */
    demonitor: (ctx: Ctx, ref: Ref, flush = false): Steps<boolean> =>
      this.zen === null ? new AtCpuTime(ctx, flush ? demonitorFlushNow : demonitorNow, ref) : this.zen.timed.demonitor(ctx, ref, flush ? FLUSH : NO_FLUSH),
    /**
     * Monitors each of `targets` in turn: the steps of `for (const t of targets) yield*
     * run.timed.monitor(ctx, t)`, as a handling of its own (`setup: (ctx) =>
     * run.timed.monitorEach(ctx, targets)`) or for `yield*`.
     */
    monitorEach: (ctx: Ctx, targets: readonly Target[]): Steps<void> & Handling => {
      // Room for them all at once (a capacity hint, invisible to the model): see UidMap.reserve.
      if (this.zen !== null) {
        this.zen.reserveReferences(ctx, targets.length);
        this.zen.reserveProxyMonitors(ctx, targets);
        return EachTarget.of(targets, this.zen.monitorsDropping(ctx));
      }
      if (targets.length > 0) this.world.proc(ctx.self)?.ownMonitors().reserve(targets.length);
      return EachTarget.atCpuTime(ctx, monitorDroppingNow, targets, this.world.kernel);
    },
  };

  /** Monitors `target` from a plain handler, per mode (ZenMonitor's table reads see the tables as the handling began). */
  monitor(ctx: Ctx, target: Target): Ref {
    return this.zen === null ? ctx.monitor(targetDest(target, ctx.node)) : this.zen.monitor(ctx, target);
  }

  /** Demonitors `ref` from a plain handler, per mode. */
  demonitor(ctx: Ctx, ref: Ref, flush = false): boolean {
    if (this.zen === null) return ctx.demonitor(ref, { flush });
    return this.zen.demonitor(ctx, ref, flush ? FLUSH : NO_FLUSH);
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
    const pid = this.world.spawn(
      node,
      new Subscriber(recorder, opts),
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
    if (!(everyMs > 0 && everyMs <= MAX_TIMER_MS)) throw new RangeError(`run.ticker(…, ${describeValue(everyMs)}): the interval must be in (0, ${MAX_TIMER_MS}] ms`);
    const tick = atom('tick');
    this.recorder.workTicks();
    return this.world.spawn(node, new Ticker(to, everyMs, tick));
  }
}

type SubscriberOpts = Parameters<Run['subscriber']>[1];

/** `Run.subscriber`'s behaviour: a class, so that its `init` and `handle` are one function for every process (and world), whose optimized code lives as long as the process. */
class Subscriber implements Behaviour {
  // A GenServer, as the calibration runs' subscriber (fixtures README).
  readonly otpLoop = true;
  private readonly downCostUs: number;
  private readonly keepDowns: boolean;

  constructor(
    private readonly recorder: Recorder,
    private readonly opts: SubscriberOpts,
  ) {
    this.downCostUs = opts.downCostUs ?? 0;
    this.keepDowns = opts.keepDowns === true;
  }

  init(ctx: Ctx): void | Handling {
    return this.opts.setup?.(ctx);
  }

  handle(ctx: Ctx, msg: unknown): void {
    const m = msg as DownSignal | Term;
    if ('kind' in m && m.kind === 'DOWN') {
      this.recorder.down(ctx.nowUs(), m, ctx.node);
      ctx.cpu(this.downCostUs);
      if (this.keepDowns) ctx.keep();
      return;
    }
    // Read only of a message that is no DOWN (a DOWN has no term tag to read).
    const sent = workSentUs(m);
    if (sent !== undefined) {
      this.recorder.work(ctx.self, sent, ctx.nowUs());
    } else if ('t' in m && m.t === 'tuple' && m.v[0] === SPIN) {
      ctx.cpu(Number((m.v[1] as { v: bigint }).v));
    }
  }
}

/** `Run.ticker`'s behaviour, a class for the same reason as `Subscriber`. */
class Ticker implements Behaviour {
  constructor(
    private readonly to: Pid,
    private readonly everyMs: number,
    private readonly tick: Term,
  ) {}

  init(ctx: Ctx): void {
    void ctx.sendAfter(this.everyMs, this.tick);
  }

  handle(ctx: Ctx, _msg: unknown): void {
    ctx.send(this.to, workMsg(ctx.nowUs()));
    ctx.sendAfter(this.everyMs - ((ctx.nowUs() / 1000) % this.everyMs), this.tick);
  }
}
