// ZenMonitor's processes as simulated process behaviours: each runs one of core's pure
// state machines (Local, Dispatcher, Proxy, Connector, Batcher), translating ERTS
// messages into core inputs and performing the operations its step yields (core/ops.ts:
// table reads and writes, GenServer casts and calls, GenRegistry get-or-start,
// monitors, timers, flushes, stops, raises) through the process context, each at the CPU
// time the step reaches it. A step runs as a generator handler of the world (sim/beam
// process.ts): before every operation another process can see or race with, every
// earlier event runs first (it yields a synchronisation point when one is due, and goes
// on at once when none is); a call blocks the process until its result. The client API
// of cluster.ts runs core's client functions the same way inside the caller (`timed`),
// or all at once (plain handlers).
//
// The shared tables belong to their owners (tree.ts): an operation on a table whose
// owner is dead is badarg (table_op.ts), and the process crashes, as upstream's would. Connectors and
// Batchers are found as `Connector.get_for_node/1` and `Batcher.get/1` find them: a read
// of the GenRegistry's table in the caller (which may give a worker that just died: what
// is sent to it is lost), and on a miss a `lookup_or_start` call that blocks the caller
// until the registry has started the worker (a plain handler, which cannot block, has it
// started at once); anything but `{:ok, pid}` crashes the caller.
import { initBatcher, type BatcherState } from '../../core/batcher.js';
import { initConnector, type ConnectorState } from '../../core/connector.js';
import { initDispatcher, type DispatcherState } from '../../core/dispatcher.js';
import type { Env, Init } from '../../core/effects.js';
import { inspect } from '../../core/inspect.js';
import { initLocal, subscribeConsumer, type LocalState } from '../../core/local.js';
import { callMessage, genServerCallExit, isDestination, type CallRequest, type CallResult, type DeadMsg, type EventsMsg, type LocalEnqueueMsg, type Msg, type ProcessMsg, type SubscribeMsg, type Target } from '../../core/messages.js';
import type { Op, Step, TableOp } from '../../core/ops.js';
import { initProxy, type ProxyState } from '../../core/proxy.js';
import { badarg, badmatch } from '../../core/raise.js';
import { assertNever, atom, int, list, tuple, type Pid, type Ref, type Term } from '../../core/terms.js';
import type { CostModel } from '../beam/cost.js';
import * as GenRegistry from '../beam/gen_registry.js';
import { ProcessCrash, type Behaviour, type CallRequest as SimCall, type Ctx, type Dest, type Handling, type Steps, type Yielded } from '../beam/process.js';
import type { ComponentSteps, ZenApp } from './cluster.js';
import { envFor } from './env.js';
import { BATCHER_REGISTRY, CONNECTOR_REGISTRY, LOCAL, newLocalSubscribers } from './tree.js';
import { ComponentHeap, heapSees, type HeapSeenKind } from './memory.js';
import { tableOp } from './table_op.js';


/** A core state machine, as the runtime needs to drive it; its step is the cluster's for `name`. */
type Component<S> = {
  readonly name: keyof ComponentSteps;
  /** `init/1`, in the new process (`ctx`): its state and first effects. */
  init(env: Env, ctx: Ctx, app: ZenApp): Init<S>;
  /** How reports name an unregistered one (a Connector, a Batcher). */
  readonly label?: string;
};

/** The Proxy makes its private `monitors` table in `init/1` (its rows are ProxyState's). */
export const PROXY_C: Component<ProxyState> = {
  name: 'proxy',
  init: (env, ctx) => {
    ctx.etsNewPrivate();
    return initProxy(env);
  },
};

/** Local makes its own Subscribers table in `init/1` (it goes with Local). */
export const LOCAL_C: Component<LocalState> = {
  name: 'local',
  init: (env, ctx, app) => {
    newLocalSubscribers(app, ctx);
    return initLocal(env);
  },
};

/**
 * The Dispatcher subscribes to Local, found by its name when the Dispatcher starts
 * (GenStage's `subscribe_to: [ZenMonitor.Local]`; the subscription handshake itself is
 * not modelled: its effect on Local's demand accounting, the cancel of a dead
 * predecessor's subscription included, is applied to Local's state at once; no ask of
 * the new Dispatcher can come before it). Local is always up then: it starts before the
 * Dispatcher (rest_for_one).
 */
export const DISPATCHER_C: Component<DispatcherState> = {
  name: 'dispatcher',
  init: (env, ctx, app) => {
    const producer = ctx.whereis(LOCAL);
    if (producer === undefined) throw new ProcessCrash(atom('noproc'), 'ZenMonitor.Local.Dispatcher: no ZenMonitor.Local to subscribe to');
    subscribeConsumer(app.cluster.inspectState(producer) as LocalState);
    return initDispatcher(producer, env);
  },
};

export function connectorC(remote: string): Component<ConnectorState> {
  // Its private `monitors` table is made in init/1 too (its rows are ConnectorState's).
  return {
    name: 'connector',
    init: (env, ctx) => {
      ctx.etsNewPrivate();
      return initConnector(remote, env);
    },
    label: `ZenMonitor.Local.Connector for ${remote}`,
  };
}

export function batcherC(connector: Pid): Component<BatcherState> {
  return {
    name: 'batcher',
    init: (env, _ctx, app) => {
      app.batchersStarted.add(connector.uid);
      return initBatcher(connector, env);
    },
    label: `ZenMonitor.Proxy.Batcher for ${connector.node}`,
  };
}

/** A process running `comp`: translates ERTS messages into core inputs and runs its steps. */
export function component<S>(app: ZenApp, comp: Component<S>): Behaviour {
  return new ComponentProcess(app, comp);
}

/** `component`'s behaviour: a class, so that its `init` and `handle` are one function for every process (and world), whose optimized code lives as long as the process. */
class ComponentProcess<S> implements Behaviour {
  // ZenMonitor's processes are GenServers and GenStages.
  readonly otpLoop = true;
  /** Made by its init, then changed in place by its steps: one object for the process's life (memory.ts keeps it between tables epochs). */
  private state!: S;
  private env!: Env;
  private readonly step: (state: S, input: never, env: Env) => Step;
  private readonly heap: ComponentHeap;
  // Its handlings come one at a time (a handle only once the one before has ended): one
  // StepRun runs each message's step in turn (a new one a message was 64 bytes).
  private run: StepRun<void> | undefined = undefined;

  constructor(
    private readonly app: ZenApp,
    private readonly comp: Component<S>,
  ) {
    this.step = app.cluster.steps[comp.name] as (state: S, input: never, env: Env) => Step;
    this.heap = new ComponentHeap(comp.name, app.node, () => (this.state as { batch?: { length: number } }).batch?.length ?? 0);
  }

  init(ctx: Ctx): Handling {
    const app = this.app;
    const comp = this.comp;
    this.env = envFor(app, ctx);
    if (comp.label !== undefined) ctx.setLabel(comp.label);
    const init = comp.init(this.env, ctx, app);
    this.state = init.state;
    app.cluster.registerState(ctx.self, () => this.state);
    app.stateMade(comp.name, ctx.self);
    return new StepRun(app, ctx, init.effects.values(), app.readsState(ctx.self));
  }

  handle(ctx: Ctx, msg: unknown): Handling {
    const app = this.app;
    // The kind, read once (a megamorphic lookup: chargeItems); a call is its request's.
    const raw = (msg as Msg | SimCall).kind;
    let input = msg as Msg;
    let kind = raw as Msg['kind'];
    if (raw === '$gen_call') {
      input = callMessage((msg as SimCall).msg as CallRequest, (msg as SimCall).from);
      kind = input.kind;
    }
    const cost = app.cost;
    chargeItems(ctx, cost, input, kind);
    ctx.cpu(privateTableOps(this.comp.name, input, kind) * cost.etsOpUs);
    // Once the step ends, what it built and keeps on the process's heap (memory.ts).
    this.heap.begin(input);
    const next = this.step(this.state, input as never, this.env);
    const run = this.run === undefined ? (this.run = new StepRun(app, ctx, next, app.readsState(ctx.self), this.heap)) : this.run.restart(next);
    run.stepped(); // a step that is not a generator has changed its state already
    return run;
  }
}

/**
 * CPU for walking the lists a message carries: paid once by the component that builds or
 * splits off the list and once by the one that takes it in. DOWN work (certificates,
 * dispatches, events) costs `batchItemUs` an element, subscription instructions
 * (instructions, targets) `instructionItemUs`. Found by the message's `kind`, read once (by
 * the caller, for privateTableOps too): messages come in many shapes, and each read of a
 * field a shape lacks is a megamorphic lookup (five a message, two a monitored target).
 */
function chargeItems(ctx: Ctx, cost: CostModel, input: unknown, kind: Msg['kind']): void {
  switch (kind) {
    case 'dead':
      return chargeDown(ctx, cost, (input as DeadMsg).certificates.length);
    case 'enqueue':
      // Local's `{:enqueue, dispatches}`; a Batcher's `{:enqueue, pid, reason}` carries none.
      return 'dispatches' in (input as object) ? chargeDown(ctx, cost, (input as LocalEnqueueMsg).dispatches.length) : undefined;
    case 'events':
      return chargeDown(ctx, cost, (input as EventsMsg).events.length);
    case 'process':
      return chargeInstructions(ctx, cost, (input as ProcessMsg).instructions.length);
    case 'subscribe':
      return chargeInstructions(ctx, cost, (input as SubscribeMsg).targets.length);
    default:
      return undefined;
  }
}

function chargeDown(ctx: Ctx, cost: CostModel, n: number): void {
  if (n > 0) ctx.cpu(n * cost.batchItemUs);
}

function chargeInstructions(ctx: Ctx, cost: CostModel, n: number): void {
  if (n > 0) ctx.cpu(n * cost.instructionItemUs);
}

/**
 * The `:ets` calls a component makes on its private `monitors` table for `input` (the
 * table is core state: no other process sees it, so they are counted, not performed), as
 * upstream makes them: the Connector's monitor cast (`unknown_target?`'s match, then the
 * insert) and demonitor cast (the delete, then the match); the Proxy's `insert_new` of
 * each target it subscribes to, and the delete of a target that died.
 */
function privateTableOps(name: keyof ComponentSteps, input: unknown, kind: string | undefined): number {
  const m = input as { instructions?: readonly { op: string }[]; targets?: readonly unknown[] };
  if (name === 'connector') return kind === 'monitor' || kind === 'demonitor' ? 2 : 0;
  if (name !== 'proxy') return 0;
  switch (kind) {
    case 'process': {
      // Counted, not filtered: a sweep's instructions run to thousands.
      let subscribes = 0;
      for (const i of m.instructions ?? []) if (i.op === 'subscribe') subscribes++;
      return subscribes;
    }
    case 'subscribe':
      return m.targets?.length ?? 0;
    case 'DOWN':
      return 1;
    default:
      return 0;
  }
}

/** What watches a step run: each operation it performs of a kind `heapSees` names, and its end. */
export type StepObserver = { seen(op: Op, kind: HeapSeenKind): void; done(ctx: Ctx): void };

/** A synchronisation point (shared, not frozen: of the one result shape, core/ops.ts `StepOut`). */
export const SYNC: IteratorYieldResult<undefined> = { done: false, value: undefined };

/**
 * One core step run inside the process `ctx` is running, as a generator handler the world
 * drives (and what the client API's `timed` form returns, for `yield*` in a caller's own
 * generator handler). Each operation the step yields is performed at the CPU time the
 * process has reached; before each one another process can see or race with, it yields a
 * synchronisation point when an earlier event is due (none due: it goes on); an operation
 * that blocks (a call, a GenRegistry miss) yields the tag it waits for, and the world
 * answers with the result.
 */
export class StepRun<R> implements Handling, Steps<R> {
  /**
   * The operation a synchronisation point was yielded for, performed on the next `next`;
   * or the rest of an operation that blocks (a call, a registry miss), while it waits.
   */
  private pending: Op | Waits | undefined = undefined;
  /** The kind of a pending operation, read as it came (see `synchronises`). */
  private pendingKind: Op['kind'] = 'metric';
  /**
   * The step's own `next`, read once a step: steps come in many shapes (each generator
   * function's objects have their own), so reading it at every call was a megamorphic lookup.
   */
  private stepNext: (answer: unknown) => IteratorResult<Op, R>;
  private step: Iterator<Op, R, unknown> | undefined; // none once it has ended: what it held (a Proxy's run of instructions) goes with it

  constructor(
    private readonly app: ZenApp,
    private readonly ctx: Ctx,
    step: Iterator<Op, R, unknown>,
    /**
     * Whether its process's state is one zenTablesBytes reads (`ZenApp.readsState`): asked
     * once, not at every `next` (a set lookup); false for a client step, which runs in its
     * caller, a process that holds no component state.
     */
    private readonly readsState: boolean,
    /** Told each operation the step performs, and when it ends. */
    private readonly observer?: StepObserver,
  ) {
    this.step = step;
    this.stepNext = step.next;
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** Runs `step` from its start, in the same process, once the one before has ended. */
  restart(step: Iterator<Op, R, unknown>): this {
    this.step = step;
    this.stepNext = step.next;
    this.pending = undefined;
    return this;
  }

  /** The step's code may have changed what zenTablesBytes reads (its state, its tables). */
  stepped(): void {
    this.app.stepped(this.readsState);
  }

  next(answer?: unknown): IteratorResult<Yielded, R> {
    let result = answer;
    const pending = this.pending;
    if (pending !== undefined && !(pending instanceof Waits)) {
      this.pending = undefined;
      result = this.perform(pending, this.pendingKind);
    }
    for (;;) {
      // Only the blocked rest of an operation can be pending here.
      const blocked = this.pending as Waits | undefined;
      if (blocked !== undefined) {
        const r = blocked.it.next(result);
        if (r.done !== true) return r;
        this.pending = undefined;
        result = r.value;
      }
      const r = this.stepNext.call(this.step, result);
      // The step's code and operation since the last look (as `stepped` says).
      this.app.stepped(this.readsState);
      if (r.done === true) {
        this.step = undefined;
        this.observer?.done(this.ctx);
        return r;
      }
      const op = r.value;
      const kind = op.kind; // read once (see `synchronises`)
      // A synchronisation point that no event due by the process's CPU time precedes goes
      // on at once: what the world does when it is yielded one (world.ts `drive`: the
      // kernel's `advanceTo`, which moves nothing when it says no), without the round trip
      // through it and the handlers that pass the point up (twice through them an operation).
      if (synchronises(kind) && !this.app.kernel.advanceTo(this.ctx.nowUs())) {
        this.pending = op;
        this.pendingKind = kind;
        return SYNC;
      }
      result = this.perform(op, kind);
    }
  }

  private perform(op: Op, kind: Op['kind']): unknown {
    // Only the kinds it reads: most operations are table operations and metrics, and a call for each was ~70 instructions.
    if (this.observer !== undefined && heapSees(kind)) this.observer.seen(op, kind);
    const out = perform(this.app, this.ctx, op, kind, true);
    if (!(out instanceof Waits)) return out;
    this.pending = out;
    return undefined;
  }
}

/**
 * Runs a client step at once, all of it (or up to its first call, which it starts): the
 * form for a plain handler, which cannot pause. Its operations happen in program order,
 * its sends and monitors at the CPU time reached, but its reads see the tables as the
 * handling began; a GenRegistry miss has its worker started at once.
 */
export function runAtOnce<R>(app: ZenApp, ctx: Ctx, step: Iterator<Op, R, unknown>): { done: R } | { call: Ref } {
  let result: unknown;
  for (;;) {
    const r = step.next(result);
    app.stepped(false); // as in StepRun.next: a client step, in a caller that holds no component state
    if (r.done === true) return { done: r.value };
    const op = r.value;
    const kind = op.kind; // read once (see `synchronises`)
    result = perform(app, ctx, op, kind, false);
    if (kind === 'call' || kind === 'call_connector') return { call: result as Ref };
  }
}

/** The rest of an operation that blocks: yields the tag it waits for, returns the operation's result. */
type Blocked = Generator<Yielded, unknown, unknown>;

/** What `perform` gives for an operation that must wait (only when the caller can block). */
class Waits {
  constructor(readonly it: Blocked) {}
}

/**
 * Whether another process can see an operation of `kind`, or race with it: all but
 * counters, hibernation, the stop and a raise. Given the kind, read once by the runner
 * and passed on to `perform` and `tableOp`: each read of an operation's kind is a
 * megamorphic lookup (operations come in many shapes).
 */
function synchronises(kind: Op['kind']): boolean {
  return kind !== 'metric' && kind !== 'hibernate' && kind !== 'stop' && kind !== 'raise';
}

/** The operation of kind K (`perform` is given the kind apart, so it narrows by hand). */
type OpOf<K extends Op['kind']> = Extract<Op, { readonly kind: K }>;

/** The kinds of operation performed per monitor and per DOWN (`perform`'s own); the rest go to `performOther`. */
type HotKind = 'metric' | 'send' | 'cast_connector' | 'monitor' | 'references.insert' | 'subscribers.member' | 'references.take';

/**
 * Performs one operation of `kind` now, at the CPU time reached; returns its result (for a
 * call from a caller that cannot block, its tag), or, when `blocking` and it must wait, the
 * rest of it (`Waits`). Only the kinds performed per monitor and per DOWN are here, the
 * most performed first (a switch on strings tests its cases in order); the rest are
 * `performOther`'s: a small function is optimized sooner, and its code is not thrown away
 * when a seldom kind first comes (each deoptimization recompiled the whole switch).
 */
function perform(app: ZenApp, ctx: Ctx, op: Op, kind: Op['kind'], blocking: boolean): unknown {
  switch (kind) {
    case 'metric':
      // instruments 2.1.1's FastCounter: an :ets.update_counter on the scheduler's table
      // (reported to statsd every 10 s by one process, not per increment). Its CPU only:
      // nothing reads the counts.
      ctx.cpu(app.cost.etsOpUs);
      return undefined;
    case 'send': {
      const o = op as OpOf<'send'>;
      chargeItems(ctx, app.cost, o.msg, o.msg.kind);
      ctx.send(o.to, o.msg, o.noconnect === true ? { noconnect: true } : undefined);
      return undefined;
    }
    case 'cast_connector': {
      const o = op as OpOf<'cast_connector'>;
      chargeItems(ctx, app.cost, o.msg, o.msg.kind);
      const known = connectorFor(app, ctx, o.node);
      if (known !== undefined) return ctx.send(known, o.msg);
      return startWorker(app, ctx, connectorRegistry(o.node), blocking, sendTo(ctx, o.msg));
    }
    case 'monitor': {
      const o = op as OpOf<'monitor'>;
      return o.ref === undefined ? ctx.monitorDropping(targetDest(o.target, app.node)) : ctx.monitor(targetDest(o.target, app.node), o.ref);
    }
    case 'references.insert':
    case 'subscribers.member':
    case 'references.take':
      return tableOp(app, ctx, op as TableOp, kind);
    default:
      return performOther(app, ctx, op, kind, blocking);
  }
}

/** `perform` of the kinds it does not perform itself (its switch exhaustive: a kind Op gains must be named here). */
function performOther(app: ZenApp, ctx: Ctx, op: Op, kind: Exclude<Op['kind'], HotKind>, blocking: boolean): unknown {
  switch (kind) {
    case 'send_named': {
      const o = op as OpOf<'send_named'>;
      chargeItems(ctx, app.cost, o.msg, o.msg.kind);
      ctx.send({ name: o.name, node: o.node }, o.msg);
      return undefined;
    }
    case 'send_after': {
      const o = op as OpOf<'send_after'>;
      return ctx.sendAfter(o.ms, o.msg);
    }
    case 'cast_batcher': {
      const o = op as OpOf<'cast_batcher'>;
      chargeItems(ctx, app.cost, o.msg, o.msg.kind);
      const known = GenRegistry.lookup(ctx, BATCHER_REGISTRY, o.connector);
      if (known !== undefined) return ctx.send(known, o.msg);
      return startWorker(app, ctx, batcherRegistry(o.connector, o.lookupTimeoutMs), blocking, sendTo(ctx, o.msg));
    }
    case 'call': {
      const o = op as OpOf<'call'>;
      return waitFor(ctx.call({ name: o.to.name, node: o.to.node }, o.msg, o.timeoutMs), blocking);
    }
    case 'call_connector': {
      const o = op as OpOf<'call_connector'>;
      const known = connectorFor(app, ctx, o.node);
      if (known !== undefined) return genServerCall(ctx, known, o.msg, o.timeoutMs, blocking);
      return startWorker(app, ctx, connectorRegistry(o.node), blocking, callTo(ctx, o.msg, o.timeoutMs, blocking));
    }
    case 'reply': {
      const o = op as OpOf<'reply'>;
      return ctx.reply(o.to, o.value);
    }
    case 'monitor_node':
      return ctx.monitorNode((op as OpOf<'monitor_node'>).node);
    case 'flush_down':
      return ctx.flushDown((op as OpOf<'flush_down'>).ref);
    case 'hibernate':
      ctx.cpu(app.cost.receiveUs);
      return ctx.hibernate();
    case 'stop':
      return ctx.stop((op as OpOf<'stop'>).reason);
    case 'raise': {
      const reason = (op as OpOf<'raise'>).reason;
      throw new ProcessCrash(reason, `${ctx.node}: ZenMonitor process ${inspect(ctx.self)} crashed: ${inspect(reason)}`);
    }
    case 'known_node':
      return ctx.isConnected((op as OpOf<'known_node'>).node);
    case 'nodes.lookup':
    case 'nodes.insert':
    case 'references.delete':
    case 'references.match':
    case 'subscribers.insert_new':
    case 'subscribers.delete':
    case 'proxy_subscribers.insert':
    case 'proxy_subscribers.delete':
    case 'proxy_subscribers.match':
    case 'proxy_subscribers.match_delete':
      return tableOp(app, ctx, op as TableOp, kind);
    default:
      return assertNever(kind);
  }
}

/**
 * `Connector.get_for_node(remote)`'s read of the registry's table (`GenRegistry.lookup`: its
 * CPU, and badarg if the registry is gone), its answer kept for the remote last asked while
 * the node's tables epoch stays the same: a row written or deleted and the table made or
 * dropped move it. The read was five map lookups a cast (the atom, the node, the table, the
 * key, the row); a kept answer costs the read's CPU, as `ctx.ets` charges it, and no lookup.
 */
export function connectorFor(app: ZenApp, ctx: Ctx, remote: string): Pid | undefined {
  const epoch = app.simNode.tablesEpoch;
  if (app.connectorEpoch === epoch && app.connectorRemote === remote) {
    ctx.cpu(app.cost.etsOpUs);
    return app.connector;
  }
  const pid = GenRegistry.lookup(ctx, CONNECTOR_REGISTRY, atom(remote));
  app.connectorRemote = remote;
  app.connector = pid;
  app.connectorEpoch = epoch;
  return pid;
}

/** What to do with a worker a registry miss got (made here: a closure in `perform` would cost a context per operation). */
function sendTo(ctx: Ctx, msg: unknown): (pid: Pid) => unknown {
  return (pid) => ctx.send(pid, msg);
}

/**
 * `genServerCall` to the pid it is given. Made here: a closure in `perform` over its
 * parameters made V8 allocate their context at every `perform` (~40 bytes an event).
 */
function callTo(ctx: Ctx, msg: CallRequest, timeoutMs: number, blocking: boolean): (pid: Pid) => unknown {
  return (pid) => genServerCall(ctx, pid, msg, timeoutMs, blocking);
}

/**
 * `GenServer.call(pid, msg, timeoutMs)`: a caller that blocks gets the reply, or the exit
 * GenServer.call exits it with (`genServerCallExit`); one that cannot, the call's tag.
 */
function genServerCall(ctx: Ctx, pid: Pid, msg: CallRequest, timeoutMs: number, blocking: boolean): unknown {
  const tag = ctx.call(pid, msg, timeoutMs);
  return blocking ? new Waits(awaitGenServerCall(tag, pid, msg, timeoutMs)) : tag;
}

function* awaitGenServerCall(tag: Ref, pid: Pid, msg: CallRequest, timeoutMs: number): Blocked {
  const result = (yield tag) as CallResult;
  return 'exit' in result ? { exit: genServerCallExit(result.exit, pid, msg, timeoutMs) } : result;
}

/** A call just started: when the caller can block, the rest of it waits for its result (`{ok}` or `{exit}`); else its tag. */
function waitFor(tag: Ref, blocking: boolean): unknown {
  return blocking ? new Waits(awaitTag(tag)) : tag;
}

function* awaitTag(tag: Ref): Blocked {
  return yield tag;
}

/** A GenRegistry worker as ZenMonitor gets it: the registry's name, the worker's key and start args, the lookup_or_start timeout. */
type Registry = { readonly name: string; readonly key: Term; readonly args: readonly Term[]; readonly timeoutMs: number };

function connectorRegistry(remote: string): Registry {
  const key = atom(remote);
  return { name: CONNECTOR_REGISTRY, key, args: [key], timeoutMs: GenRegistry.LOOKUP_OR_START_TIMEOUT_MS };
}

function batcherRegistry(connector: Pid, timeoutMs: number): Registry {
  return { name: BATCHER_REGISTRY, key: connector, args: [connector], timeoutMs };
}

/**
 * `Connector.get_for_node/1` and `Batcher.get/1` read their registry's table in the
 * caller (`GenRegistry.lookup`, `etsOpUs`; the pid may be of a worker that just died) and
 * use a worker found there at once. On a miss, this gets `reg`'s worker and runs `then`
 * with it: after a `lookup_or_start` call (`blocking`), or with the worker started at once
 * (a plain handler). Returns what `then` returns (or `Waits`).
 */
function startWorker(app: ZenApp, ctx: Ctx, reg: Registry, blocking: boolean, then: (pid: Pid) => unknown): unknown {
  if (!blocking) return then(startNow(app, ctx, reg));
  return new Waits(startThen(ctx, reg, then));
}

function* startThen(ctx: Ctx, reg: Registry, then: (pid: Pid) => unknown): Blocked {
  const pid = yield* lookupOrStart(ctx, reg);
  const out = then(pid);
  return out instanceof Waits ? yield* out.it : out;
}

/** `{:ok, pid} = GenRegistry.lookup_or_start(registry, key, args, timeout)`: blocks; anything else crashes the caller. */
export function* lookupOrStart(ctx: Ctx, reg: Registry): Generator<Yielded, Pid, unknown> {
  const registry = { name: reg.name, node: ctx.node };
  const result = (yield GenRegistry.lookupOrStart(ctx, registry, reg.key, reg.args, reg.timeoutMs)) as { ok: Term } | { exit: Term };
  const got = GenRegistry.lookupOrStartResult(result);
  if ('ok' in got) return got.ok;
  const request = GenRegistry.lookupOrStartRequest(reg.key, reg.args);
  const reason =
    'exit' in result
      ? tuple(result.exit, tuple(atom('Elixir.GenServer'), atom('call'), list([atom(reg.name), request, int(reg.timeoutMs)])))
      : badmatch(result.ok, `Elixir.${reg.name}`, reg.name === CONNECTOR_REGISTRY ? 'get_for_node' : 'get', [reg.key]);
  throw new ProcessCrash(reason, `${ctx.node}: GenRegistry ${reg.name} did not give a worker for ${inspect(reg.key)}: ${inspect(reason)}`);
}

/** A plain handler's registry miss: the registry starts the worker at once (a registry that is gone is badarg, from its table read). */
function startNow(app: ZenApp, ctx: Ctx, reg: Registry): Pid {
  const registry = ctx.whereis(reg.name) as Pid;
  return GenRegistry.lookupOrStartNow(app.cluster.world, registry, reg.key, reg.args);
}

/** The ERTS destination of a ZenMonitor target: a pid, or `{name, node}`; `Process.monitor` of anything else is badarg (the caller crashes). */
export function targetDest(target: Target, localNode: string): Dest {
  if (target.t === 'pid') return target;
  if (target.t === 'atom') return { name: target.v, node: localNode };
  if (!isDestination(target)) {
    const reason = badarg('erlang', 'monitor', [atom('process'), target]);
    throw new ProcessCrash(reason, `Process.monitor(${inspect(target)}): badarg`);
  }
  const [name, node] = (target as Term & { t: 'tuple' }).v as [Term & { t: 'atom' }, Term & { t: 'atom' }];
  return { name: name.v, node: node.v };
}
