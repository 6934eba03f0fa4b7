// ZenMonitor's processes as simulated process behaviours: each runs one of core's pure
// state machines (Local, Dispatcher, Proxy, Connector, Batcher), translating ERTS
// messages into core inputs and performing the operations its step yields (core/ops.ts:
// table reads and writes, GenServer casts and calls, GenRegistry get-or-start,
// monitors, timers, flushes, stops) through the process context, each at the CPU time
// the step reaches it. A step runs as a generator handler of the world (sim/beam
// process.ts): before every operation another process can see or race with, it yields
// a synchronisation point, so the world runs every earlier event first; a call blocks
// the process until its result. The client API of cluster.ts runs core's client
// functions the same way inside the caller (`timed`), or all at once (plain handlers).
import { initBatcher, type BatcherState } from '../../core/batcher.js';
import type { ZenConfig } from '../../core/config.js';
import { initConnector, type ConnectorState } from '../../core/connector.js';
import { initDispatcher, type DispatcherState } from '../../core/dispatcher.js';
import type { Env, Init } from '../../core/effects.js';
import { initLocal, type LocalState } from '../../core/local.js';
import { callMessage, type CallRequest, type Target } from '../../core/messages.js';
import { applyTableOp, tableOpRows, type Op, type Step } from '../../core/ops.js';
import { initProxy, type ProxyState } from '../../core/proxy.js';
import type { Pid, Ref } from '../../core/terms.js';
import type { CostModel } from '../beam/cost.js';
import type { Behaviour, CallRequest as SimCall, Ctx, Dest, Handling, Steps, Yielded } from '../beam/process.js';
import type { ComponentSteps, ZenApp } from './cluster.js';
import { ComponentHeap } from './memory.js';


/** A core state machine, as the runtime needs to drive it; its step is the cluster's for `name`. */
type Component<S> = {
  readonly name: keyof ComponentSteps;
  init(env: Env): Init<S>;
};

export const PROXY_C: Component<ProxyState> = { name: 'proxy', init: initProxy };
export const LOCAL_C: Component<LocalState> = { name: 'local', init: initLocal };

export function dispatcherC(producer: Pid): Component<DispatcherState> {
  return { name: 'dispatcher', init: (env) => initDispatcher(producer, env) };
}

export function connectorC(remote: string): Component<ConnectorState> {
  return { name: 'connector', init: (env) => initConnector(remote, env) };
}

export function batcherC(connector: Pid): Component<BatcherState> {
  return { name: 'batcher', init: (env) => initBatcher(connector, env) };
}

/** A process running `comp`: translates ERTS messages into core inputs and runs its steps. */
export function component<S>(app: ZenApp, comp: Component<S>): Behaviour {
  let state: S;
  let env: Env;
  const step = app.cluster.steps[comp.name] as (state: S, input: never, env: Env) => Step;
  const heap = new ComponentHeap(comp.name, app.node, () => (state as { batch?: { length: number } }).batch?.length ?? 0);
  return {
    init(ctx) {
      env = envFor(app, ctx);
      const init = comp.init(env);
      state = init.state;
      app.cluster.registerState(ctx.self, () => state);
      return new StepRun(app, ctx, init.effects.values());
    },
    handle(ctx, msg) {
      const input = toInput(msg);
      const cost = app.cluster.world.cost;
      chargeItems(ctx, cost, input);
      ctx.cpu(privateTableOps(comp.name, input) * cost.etsOpUs);
      // Once the step ends, what it built and keeps on the process's heap (memory.ts).
      heap.begin(input);
      return new StepRun(app, ctx, step(state, input as never, env), heap);
    },
  };
}

function toInput(msg: unknown): unknown {
  if ((msg as { kind?: string }).kind !== '$gen_call') return msg;
  const c = msg as SimCall;
  return callMessage(c.msg as CallRequest, c.from);
}

/**
 * CPU for walking the lists a message carries: paid once by the component that builds or
 * splits off the list and once by the one that takes it in. DOWN work (certificates,
 * dispatches, events) costs `batchItemUs` an element, subscription instructions
 * (instructions, targets) `instructionItemUs`.
 */
function chargeItems(ctx: Ctx, cost: CostModel, input: unknown): void {
  const m = input as Partial<Record<'instructions' | 'certificates' | 'dispatches' | 'events' | 'targets', readonly unknown[]>>;
  const down = (m.certificates ?? m.dispatches ?? m.events)?.length ?? 0;
  const instructions = (m.instructions ?? m.targets)?.length ?? 0;
  if (down > 0) ctx.cpu(down * cost.batchItemUs);
  if (instructions > 0) ctx.cpu(instructions * cost.instructionItemUs);
}

/**
 * The `:ets` calls a component makes on its private `monitors` table for `input` (the
 * table is core state: no other process sees it, so they are counted, not performed), as
 * upstream makes them: the Connector's monitor cast (`unknown_target?`'s match, then the
 * insert) and demonitor cast (the delete, then the match); the Proxy's `insert_new` of
 * each target it subscribes to, and the delete of a target that died.
 */
function privateTableOps(name: keyof ComponentSteps, input: unknown): number {
  const m = input as { kind?: string; instructions?: readonly { op: string }[]; targets?: readonly unknown[] };
  if (name === 'connector') return m.kind === 'monitor' || m.kind === 'demonitor' ? 2 : 0;
  if (name !== 'proxy') return 0;
  switch (m.kind) {
    case 'process':
      return (m.instructions ?? []).filter((i) => i.op === 'subscribe').length;
    case 'subscribe':
      return m.targets?.length ?? 0;
    case 'DOWN':
      return 1;
    default:
      return 0;
  }
}

/**
 * The env of whichever process `ctx` is running now. A world has one context, re-aimed
 * at each handled message, and the env reads `self` and the time from it live: so one
 * env per app and context serves every process (components and client callers alike).
 */
export function envFor(app: ZenApp, ctx: Ctx): Env {
  let env = envs.get(app);
  if (env === undefined || env.ctx !== ctx) {
    env = new ProcessEnv(app, ctx);
    envs.set(app, env);
  }
  return env;
}

const envs = new WeakMap<ZenApp, ProcessEnv>();

class ProcessEnv implements Env {
  readonly node: string;
  readonly config: ZenConfig;

  constructor(
    app: ZenApp,
    readonly ctx: Ctx,
  ) {
    this.node = app.node;
    this.config = app.config;
  }

  get self(): Pid {
    return this.ctx.self;
  }

  get nowMs(): number {
    return Math.floor(this.ctx.nowUs() / 1000);
  }

  makeRef(): Ref {
    return this.ctx.makeRef();
  }
}

/** What watches a step run: each operation it performs, and its end. */
export type StepObserver = { seen(op: Op): void; done(ctx: Ctx): void };

/** A synchronisation point (shared: nothing reads it but its `done`). */
const SYNC: IteratorYieldResult<undefined> = Object.freeze({ done: false, value: undefined });

/**
 * One core step run inside the process `ctx` is running, as a generator handler the world
 * drives (and what the client API's `timed` form returns, for `yield*` in a caller's own
 * generator handler). Each operation the step yields is performed at the CPU time the
 * process has reached; before each one another process can see or race with, it yields a
 * synchronisation point; a call yields its tag, and the world answers with its result.
 */
export class StepRun<R> implements Handling, Steps<R> {
  /** The operation a synchronisation point was yielded for, performed on the next `next`. */
  private due: Op | undefined = undefined;
  /** Waiting for a call's result (the answer to the tag yielded). */
  private calling = false;

  constructor(
    private readonly app: ZenApp,
    private readonly ctx: Ctx,
    private readonly step: Iterator<Op, R, unknown>,
    /** Told each operation the step performs, and when it ends. */
    private readonly observer?: StepObserver,
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(answer?: unknown): IteratorResult<Yielded, R> {
    let result: unknown;
    if (this.calling) {
      this.calling = false;
      result = answer;
    } else if (this.due !== undefined) {
      const op = this.due;
      this.due = undefined;
      result = this.perform(op);
      if (isCall(op)) {
        this.calling = true;
        return { done: false, value: result as Ref };
      }
    }
    for (;;) {
      const r = this.step.next(result);
      if (r.done === true) {
        this.observer?.done(this.ctx);
        return r;
      }
      const op = r.value;
      if (synchronises(op)) {
        this.due = op;
        return SYNC;
      }
      result = this.perform(op);
    }
  }

  private perform(op: Op): unknown {
    this.observer?.seen(op);
    return perform(this.app, this.ctx, op);
  }
}

/**
 * Runs a step at once, all of it (or up to its first call, which it starts): the form for
 * a plain handler, which cannot pause. Its operations happen in program order, its sends
 * and monitors at the CPU time reached, but its reads see the tables as the handling began.
 */
export function runAtOnce<R>(app: ZenApp, ctx: Ctx, step: Iterator<Op, R, unknown>): { done: R } | { call: Ref } {
  let result: unknown;
  for (;;) {
    const r = step.next(result);
    if (r.done === true) return { done: r.value };
    result = perform(app, ctx, r.value);
    if (isCall(r.value)) return { call: result as Ref };
  }
}

function isCall(op: Op): boolean {
  return op.kind === 'call' || op.kind === 'call_connector';
}

/** Whether another process can see `op`, or race with it: all but counters, hibernation and the stop at the end. */
function synchronises(op: Op): boolean {
  return op.kind !== 'metric' && op.kind !== 'hibernate' && op.kind !== 'stop';
}

/** Performs one operation now, at the CPU time reached; returns its result (a call's tag for a call). */
function perform(app: ZenApp, ctx: Ctx, op: Op): unknown {
  const cost = app.cluster.world.cost;
  switch (op.kind) {
    case 'send':
      chargeItems(ctx, cost, op.msg);
      ctx.send(op.to, op.msg, op.noconnect === true ? { noconnect: true } : undefined);
      return undefined;
    case 'send_named':
      chargeItems(ctx, cost, op.msg);
      ctx.send({ name: op.name, node: op.node }, op.msg);
      return undefined;
    case 'cast_connector':
      chargeItems(ctx, cost, op.msg);
      ctx.send(registryLookup(ctx, cost, app.cluster.connectorFor(app, op.node)), op.msg);
      return undefined;
    case 'cast_batcher':
      chargeItems(ctx, cost, op.msg);
      ctx.send(registryLookup(ctx, cost, app.cluster.batcherFor(app, op.connector)), op.msg);
      return undefined;
    case 'call':
      return ctx.call({ name: op.to.name, node: op.to.node }, op.msg, op.timeoutMs);
    case 'call_connector':
      return ctx.call(registryLookup(ctx, cost, app.cluster.connectorFor(app, op.node)), op.msg, op.timeoutMs);
    case 'reply':
      return ctx.reply(op.to, op.value);
    case 'monitor':
      return ctx.monitor(targetDest(op.target, app.node), op.ref);
    case 'monitor_node':
      return ctx.monitorNode(op.node);
    case 'send_after':
      return ctx.sendAfter(op.ms, op.msg);
    case 'flush_down':
      return ctx.flushDown(op.ref);
    case 'hibernate':
      ctx.cpu(cost.receiveUs);
      return ctx.hibernate();
    case 'stop':
      return ctx.stop(op.reason);
    case 'metric':
      // instruments 2.1.1's FastCounter: an :ets.update_counter on the scheduler's table
      // (reported to statsd every 10 s by one process, not per increment).
      ctx.cpu(cost.etsOpUs);
      app.counters.set(op.name, (app.counters.get(op.name) ?? 0) + op.value);
      return undefined;
    case 'known_node':
      return ctx.isConnected(op.node);
    default: {
      // A table operation: it takes effect as it begins; its CPU is charged per row touched.
      const result = applyTableOp(app.tables, op);
      ctx.cpu(cost.etsOpUs * tableOpRows(op, result));
      return result;
    }
  }
}

/** `GenRegistry.lookup/2`, an `:ets.lookup` on the registry's table (started on a miss, as `lookup_or_start`). */
function registryLookup(ctx: Ctx, cost: CostModel, pid: Pid): Pid {
  ctx.cpu(cost.etsOpUs);
  return pid;
}

/** The ERTS destination of a ZenMonitor target: a pid, or `{name, node}`. */
export function targetDest(target: Target, localNode: string): Dest {
  if (target.t === 'pid') return target;
  if (target.t === 'atom') return { name: target.v, node: localNode };
  return { name: (target.v[0] as { v: string }).v, node: (target.v[1] as { v: string }).v };
}
