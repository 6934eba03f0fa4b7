// The ZenMonitor application on simulated nodes (sim/zen). This layer runs core/'s pure
// state machines as processes of the simulated ERTS; it may import core/, sim/engine/
// and sim/beam/, never run/, report/, check/, plan/ or the CLI.
//
// Starts and stops ZenMonitor on a node as `Application.start/stop(:zen_monitor)` do:
// its supervision trees (tree.ts, as upstream's application.ex and supervisors), whose
// Tables processes own the shared tables, Local and the Proxy, and Connectors and
// Batchers started on demand by their GenRegistry; kills any of its processes (a
// component fault); keeps each node's app env; and runs the client API for simulated
// processes, inside the calling process as upstream's ZenMonitor module does:
// `zen.timed.monitor(ctx, target)` … for a generator handler (`yield*`: each table read
// and write, cast and call at the CPU time the caller reaches it; a first use of a
// Connector blocks it in GenRegistry's `lookup_or_start`), and `zen.monitor(ctx, target)`
// … for a plain handler (all at once: its reads see the tables as the handling began).
// The behaviour itself lives in core/; component.ts runs it.
import { batcherStep } from '../../core/batcher.js';
import * as client from '../../core/client.js';
import { defaultZenConfig, setZenConfig, type ZenConfig } from '../../core/config.js';
import type { Env } from '../../core/effects.js';
import { connectorStep } from '../../core/connector.js';
import { dispatcherStep } from '../../core/dispatcher.js';
import { localStep } from '../../core/local.js';
import type { Target } from '../../core/messages.js';
import { proxyStep } from '../../core/proxy.js';
import { NodesTable, PidSet, ProxySubscribersTable, ReferencesTable, type ZenTables } from '../../core/tables.js';
import { cachedFromStatus, type CachedCompatibility, type Compatibility } from '../../core/connector.js';
import type { Op } from '../../core/ops.js';
import { atom, type Pid, type Ref, type Term } from '../../core/terms.js';
import type { CostModel } from '../beam/cost.js';
import type { SimNode } from '../beam/node.js';
import type { Kernel } from '../engine/kernel.js';
import type { Ctx, Steps } from '../beam/process.js';
import { whichChildren } from '../beam/supervisor.js';
import type { World } from '../beam/world.js';
import { etsBadarg } from '../beam/ets.js';
import * as GenRegistry from '../beam/gen_registry.js';
import { lookupOrStart, runAtOnce, StepRun } from './component.js';
import { envFor, type ProcessEnv } from './env.js';
import { applicationTree, BATCHER_REGISTRY, CONNECTOR_REGISTRY, DISPATCHER, LOCAL, PROXY, TABLE } from './tree.js';
import { NO_STATES, STATE_READ, ZenTablesMemory, type TableStates } from './memory.js';

export { DISPATCHER, LOCAL, PROXY } from './tree.js';
const SHUTDOWN = atom('shutdown');
const KILL = atom('kill');
const KILLED = atom('killed');

/** ZenMonitor's processes a fault can kill: the singletons, the Connector for a remote, the Batcher for a remote's Connector. */
export type ZenProcess = 'local' | 'dispatcher' | 'proxy' | 'connector' | 'batcher';
export const ZEN_PROCESSES: readonly ZenProcess[] = ['connector', 'local', 'dispatcher', 'proxy', 'batcher'];

/** The body of each shared table as its owner made it last (read through `tables`, or by the runtime after checking its owner lives). */
export type TableBodies = {
  nodes: NodesTable;
  references: ReferencesTable;
  localSubscribers: PidSet;
  proxySubscribers: ProxySubscribersTable;
};

/** One node's running ZenMonitor: its supervision tree, tables and app env. */
export class ZenApp {
  readonly bodies: TableBodies = emptyBodies();
  /** The application's top supervisor. */
  top: Pid | undefined;
  /** The Connectors (pid uids) a Batcher was ever started for on this node (for checkers: the registry forgets a Batcher once it exits). */
  readonly batchersStarted = new Set<number>();
  /** The Connectors (pid uids) whose Proxy rows a Batcher deleted on their DOWN (for checkers: a row of theirs seen later came after). */
  readonly batchersCleanedUp = new Set<number>();
  /**
   * The words of the tables its Connectors and Proxy keep in their states, as zenTablesBytes
   * last read them (memory.ts), and whether one of those processes has stepped since: read
   * again only then. Those states (`states`) as found at `simNode.tablesEpoch` `statesEpoch`
   * (all else finding them reads, the registry's rows, the Proxy's name, who is alive, moves
   * that epoch; -1: to be found again, a state was made).
   */
  statesWords = 0;
  statesStale = true;
  states: TableStates = NO_STATES;
  statesEpoch = -1;
  /** Which of its shared tables were there (a bit each, memory.ts `sharedLive`) at `simNode.tablesEpoch` `sharedEpoch`. */
  sharedLive = 0;
  sharedEpoch = -1;
  /** The words of its seldom-changing shared tables (memory.ts `seldomWords`), with the live bits and row counts they were summed at. */
  seldomWords = 0;
  seldomLive = -1;
  nodesRows = -1;
  subscribersRows = -1;
  proxySubscribersRows = -1;
  /** component.ts `connectorFor`'s last answer: the Connector registry's row for `connectorRemote` at `simNode.tablesEpoch` `connectorEpoch`. */
  connectorRemote = '';
  connector: Pid | undefined = undefined;
  connectorEpoch = -1;
  /** envFor's env of the context it was last asked for (env.ts). */
  env: ProcessEnv | undefined = undefined;
  /** Uids of the processes whose state zenTablesBytes reads (memory.ts STATE_READ). */
  private readonly stateRead = new Set<number>();
  /** The world's cost model and kernel, at hand: a step's runner reads them at every operation (three loads through the cluster and world). */
  readonly cost: CostModel;
  readonly kernel: Kernel;

  constructor(
    readonly cluster: ZenCluster,
    readonly node: string,
    readonly creation: number,
    readonly config: ZenConfig,
    readonly simNode: SimNode,
  ) {
    this.cost = cluster.world.cost;
    this.kernel = cluster.world.kernel;
  }

  /** ZenMonitor's shared tables as they are now; a table whose owner is dead (restarting) reads empty. */
  get tables(): ZenTables {
    const b = this.bodies;
    const live = this.simNode.typedEts;
    return {
      nodes: live.has(TABLE.nodes) ? b.nodes : NO_ROWS.nodes,
      references: live.has(TABLE.references) ? b.references : NO_ROWS.references,
      localSubscribers: live.has(TABLE.localSubscribers) ? b.localSubscribers : NO_ROWS.localSubscribers,
      proxySubscribers: live.has(TABLE.proxySubscribers) ? b.proxySubscribers : NO_ROWS.proxySubscribers,
    };
  }

  /** A component's state was made (its init): from now on it counts in zenTablesBytes if it is one that counts. */
  stateMade(name: ZenProcess, pid: Pid): void {
    this.simNode.rowsChanged();
    if (!STATE_READ.includes(name)) return;
    this.stateRead.add(pid.uid);
    this.statesEpoch = -1;
  }

  /** Whether `pid`'s state is one zenTablesBytes reads (known from its init on: a component's step runner asks once; a client step's caller holds none). */
  readsState(pid: Pid): boolean {
    return this.stateRead.has(pid.uid);
  }

  /** A ZenMonitor step ran on in a process (a component or a caller; `readsState` its answer): the tables' rows, and that process's state, may have changed. */
  stepped(readsState: boolean): void {
    this.simNode.rowsChanged();
    if (readsState) this.statesStale = true;
  }

  /** The live process registered as `name` on this node (`Process.whereis/1`). */
  whereis(name: string): Pid | undefined {
    const p = this.simNode.registered.get(name);
    return p?.alive === true ? p.pid : undefined;
  }

  /** The Connector registry's rows: remote node -> Connector (which may have just died). */
  get connectors(): Map<string, Pid> {
    return new Map(this.registryRows(CONNECTOR_REGISTRY).map(([k, pid]) => [(k as Term & { t: 'atom' }).v, pid]));
  }

  /** The Batcher registry's rows: Connector pid uid -> Batcher (which may have just died). */
  get batchers(): Map<number, Pid> {
    return new Map(this.registryRows(BATCHER_REGISTRY).map(([k, pid]) => [(k as Pid).uid, pid]));
  }

  /** The Batcher registry's rows: [Connector, Batcher], in insertion order. */
  batcherRows(): [Pid, Pid][] {
    return this.registryRows(BATCHER_REGISTRY) as [Pid, Pid][];
  }

  private registryRows(name: string): [Term, Pid][] {
    const table = this.simNode.ets.get(name);
    if (table === undefined) return [];
    return table.keys().map((k) => [k, table.lookup(k) as Pid]);
  }
}

/** What a table whose owner is dead reads as (shared: `tables` is for reading). */
const NO_ROWS: Readonly<TableBodies> = emptyBodies();

function emptyBodies(): TableBodies {
  return { nodes: new NodesTable(), references: new ReferencesTable(), localSubscribers: new PidSet(), proxySubscribers: new ProxySubscribersTable() };
}

/**
 * The step function of each component. A test may replace one (a deliberately broken
 * variant, to show that a checker catches it); by default each is core's own.
 */
export type ComponentSteps = {
  connector: typeof connectorStep;
  local: typeof localStep;
  dispatcher: typeof dispatcherStep;
  proxy: typeof proxyStep;
  batcher: typeof batcherStep;
};

export const CORE_STEPS: Readonly<ComponentSteps> = Object.freeze({
  connector: connectorStep,
  local: localStep,
  dispatcher: dispatcherStep,
  proxy: proxyStep,
  batcher: batcherStep,
});

export type ZenClusterOptions = {
  /** Replaces components' step functions (mutation tests); the rest stay core's. */
  steps?: Partial<ComponentSteps>;
};

/** ZenMonitor across a simulated world: which nodes run it, and the client API. */
export class ZenCluster {
  private readonly apps = new Map<string, ZenApp>();
  readonly steps: Readonly<ComponentSteps>;
  /** Each component process's state, by pid uid (read-only inspection by checkers). */
  private readonly states = new Map<number, () => unknown>();

  constructor(
    readonly world: World,
    opts: ZenClusterOptions = {},
  ) {
    this.steps = { ...CORE_STEPS, ...opts.steps };
  }

  /**
   * The core state of a ZenMonitor process (a ConnectorState, LocalState, ...), for
   * checkers to read; undefined for a pid that is not a live component. Do not mutate.
   */
  inspectState(pid: Pid): unknown {
    if (this.world.alive(pid) === undefined) return undefined;
    return this.states.get(pid.uid)?.();
  }

  /** Records how to read a component's state (called once, when it starts). */
  registerState(pid: Pid, read: () => unknown): void {
    this.states.set(pid.uid, read);
  }

  /**
   * `Application.ensure_all_started(:zen_monitor)` on `node`, with app env overrides: its
   * supervision trees start now, each process once the one before it has initialised
   * (a few µs of virtual time; `started` says when all are up).
   */
  start(nodeName: string, overrides: Partial<Record<string, unknown>> = {}): ZenApp {
    const node = this.world.node(nodeName);
    if (this.app(nodeName) !== undefined) throw new Error(`ZenMonitor is already running on ${nodeName}`);
    const config = defaultZenConfig();
    for (const [k, v] of Object.entries(overrides)) setZenConfig(config, k, v);
    const app = new ZenApp(this, nodeName, node.creation, config, node);
    this.apps.set(nodeName, app);
    node.setTable('zen_monitor', new ZenTablesMemory(app, this.world.cost));
    app.top = this.world.spawn(nodeName, applicationTree(app));
    return app;
  }

  /** Whether ZenMonitor's whole tree is up on `node` (its start has finished). */
  started(nodeName: string): boolean {
    const app = this.app(nodeName);
    const top = app === undefined ? undefined : whichChildren(this.world, app.top as Pid)?.[0];
    return typeof top?.pid === 'object';
  }

  /**
   * `Application.stop(:zen_monitor)`: synchronous, as upstream's is (each supervisor waits
   * for its children to exit), so its processes are dead when it returns and a `start`
   * at the same instant registers its names afresh. Modelled as all of the tree exiting
   * at this instant, children before their supervisor in reverse start order, with the
   * reason the shutdown gives each (`:shutdown`; `:killed` for GenRegistry's workers,
   * which it kills); their tables go with them.
   */
  stop(nodeName: string): void {
    const app = this.app(nodeName);
    if (app === undefined) return;
    this.apps.delete(nodeName);
    this.world.node(nodeName).dropTable('zen_monitor');
    const procs: [Pid, Term][] = [];
    this.treeOf(app, app.top as Pid, procs);
    for (const [pid, reason] of procs.reverse()) {
      const p = this.world.alive(pid);
      if (p !== undefined) this.world.signals.bury(p, reason);
    }
  }

  /** The processes of the tree under `pid`, each before its children, in start order, with the reason a shutdown gives it. */
  private treeOf(app: ZenApp, pid: Pid, out: [Pid, Term][]): void {
    out.push([pid, SHUTDOWN]);
    for (const child of whichChildren(this.world, pid) ?? []) {
      if (typeof child.pid !== 'object') continue;
      if (child.id === CONNECTOR_REGISTRY) {
        out.push([child.pid, SHUTDOWN]);
        for (const w of app.connectors.values()) out.push([w, KILLED]);
      } else if (child.id === BATCHER_REGISTRY) {
        out.push([child.pid, SHUTDOWN]);
        for (const w of app.batchers.values()) out.push([w, KILLED]);
      } else this.treeOf(app, child.pid, out);
    }
  }

  /** The running app on `node` (none after a crash, a stop, or its tree giving up, until started again). */
  app(nodeName: string): ZenApp | undefined {
    const app = this.apps.get(nodeName);
    if (app === undefined) return undefined;
    // The world's node of that name: a world never replaces a node (a restart reboots it).
    const node = app.simNode;
    if (!node.up || node.creation !== app.creation) return undefined;
    // `top` is set once its spawn returns: its init (the tree's first start) may run inside that spawn.
    return app.top !== undefined && this.world.alive(app.top) === undefined ? undefined : app;
  }

  /**
   * The process `which` of ZenMonitor on `node` now: Local, the Dispatcher, the Proxy, the
   * Connector for `peer`, or the Batcher for the Connector on `peer` (as the calibration's
   * driver found them: by name, or through their GenRegistry's table; a registry row may
   * name a worker that just died). Undefined if there is none.
   */
  pidOf(nodeName: string, which: ZenProcess, peer?: string): Pid | undefined {
    const app = this.app(nodeName);
    if (app === undefined) return undefined;
    switch (which) {
      case 'local':
        return app.whereis(LOCAL);
      case 'dispatcher':
        return app.whereis(DISPATCHER);
      case 'proxy':
        return app.whereis(PROXY);
      case 'connector':
        return app.connectors.get(needPeer(which, peer));
      case 'batcher': {
        const rows = app.batcherRows().filter(([connector]) => connector.node === needPeer(which, peer));
        return (rows.find(([, b]) => this.world.alive(b) !== undefined) ?? rows[0])?.[1];
      }
    }
  }

  /**
   * A component fault: `Process.exit(pid, :kill)` of ZenMonitor's process `which` on `node`
   * (see `pidOf`), sent from `fromNode` (default `node`; from another node the exit signal
   * travels over the connection). Returns the pid killed, or undefined if there was none.
   */
  kill(nodeName: string, which: ZenProcess, peer?: string, fromNode = nodeName): Pid | undefined {
    const pid = this.pidOf(nodeName, which, peer);
    if (pid !== undefined) this.world.exit(pid, KILL, fromNode);
    return pid;
  }

  /**
   * What `Connector.compatibility/1` and `cached_compatibility/1` say on `node` about
   * `remote` now (a read of its Nodes table, as the calibration's sampler did); undefined
   * where ZenMonitor is not running.
   */
  compatibilityOf(nodeName: string, remote: string): { compatibility: Compatibility; cached: CachedCompatibility } | undefined {
    const app = this.app(nodeName);
    if (app === undefined) return undefined;
    const cached = cachedFromStatus(app.tables.nodes.get(remote), Math.floor(this.world.nowUs / 1000));
    return { compatibility: cached === 'compatible' ? 'compatible' : 'incompatible', cached };
  }

  /** Sets an app env key on every node running ZenMonitor (effect at next use). */
  setConfig(key: string, value: unknown): void {
    for (const name of this.apps.keys()) {
      const app = this.app(name);
      if (app !== undefined) setZenConfig(app.config, key, value);
    }
  }

  // ---- client API, run inside the calling process --------------------------------------

  /**
   * The client API for a generator handler: `const ref = yield* zen.timed.monitor(ctx, t)`.
   * Each table read and write, cast and call happens at the CPU time the caller reaches it,
   * as upstream's does, so (say) `monitor` stops asking Local to monitor the caller as
   * soon as Local has inserted it; `connect` blocks the caller until the Connector replies.
   */
  readonly timed = {
    /** `ZenMonitor.monitor(target)`. */
    monitor: (ctx: Ctx, target: Target): Steps<Ref> => this.timedSteps(ctx, client.monitor, target, undefined),
    /** `ZenMonitor.demonitor(ref, opts)`: always true. */
    demonitor: (ctx: Ctx, ref: Ref, opts: readonly ('flush' | 'info')[] = []): Steps<boolean> => this.timedSteps(ctx, client.demonitor, ref, opts),
    /** `ZenMonitor.compatibility(target)`. */
    compatibility: (ctx: Ctx, target: Target): Steps<Compatibility> => this.timedSteps(ctx, client.compatibility, target, undefined),
    /** `ZenMonitor.compatibility_for_node(node)`. */
    compatibilityForNode: (ctx: Ctx, remote: string): Steps<Compatibility> =>
      this.timedSteps(ctx, client.compatibilityForNode, remote, undefined),
    /** `ZenMonitor.connect(node)`: the caller blocks until the Connector replies. */
    connect: (ctx: Ctx, remote: string): Steps<Compatibility> => this.timedSteps(ctx, connectStep, remote, undefined),
    /** `Connector.get_for_node(remote)`: the Connector from its registry's table, or started (the caller blocks). */
    connectorFor: (ctx: Ctx, remote: string): Steps<Pid> => this.workerSteps(ctx, CONNECTOR_REGISTRY, atom(remote), 5_000),
    /** `Batcher.get(subscriber)`: the Batcher from its registry's table, or started (the caller blocks up to `batcher_lookup_timeout`). */
    batcherFor: (ctx: Ctx, subscriber: Pid): Steps<Pid> =>
      this.workerSteps(ctx, BATCHER_REGISTRY, subscriber, this.callerApp(ctx).config.batcher_lookup_timeout),
  };

  /**
   * Room in the References table for `n` more rows of the caller's, about to monitor `n`
   * targets (ReferencesTable.reserve); none in a table whose owner is dead (it reads empty).
   */
  reserveReferences(ctx: Ctx, n: number): void {
    const app = this.app(ctx.node);
    if (app !== undefined && app.simNode.typedEts.has(TABLE.references)) app.bodies.references.reserve(ctx.self, n);
  }

  /**
   * Room for `targets.length` more ERTS monitors in the Proxy of the node all `targets`
   * are pids on, when it is another node's (a herd's): a capacity hint (UidMap.reserve,
   * nothing the model reads), for a caller about to monitor them all. The Proxy monitors
   * each target its Connectors subscribe it to, 5,000 a sweep: its map doubled 8 ->
   * 131,072 slots for a herd's 100,000, each step a fresh copy.
   */
  reserveProxyMonitors(ctx: Ctx, targets: readonly Target[]): void {
    const first = targets[0];
    if (first === undefined || first.t !== 'pid' || first.node === ctx.node || !allPidsOn(targets, first.node)) return;
    const proxy = this.pidOf(first.node, 'proxy');
    if (proxy !== undefined) this.world.proc(proxy)?.ownMonitors().reserve(targets.length);
  }

  /**
   * The steps of `timed.monitor(ctx, t)` for a caller about to monitor many targets in
   * turn, each run once the one before has ended, their refs dropped (`run.timed
   * .monitorEach`): one StepRun and one client step (client.ts `MonitorsDropping`) run
   * again for each target, made anew only if the caller's env is another by then (an env
   * is its app's own: envFor, so a changed app is a changed env).
   */
  monitorsDropping(ctx: Ctx): (target: Target) => Steps<void> {
    let current: { monitors: client.MonitorsDropping; run: StepRun<void> } | undefined;
    return (target) => {
      // As timedSteps, per target: the caller's app (badarg when it is gone) and env.
      const app = this.callerApp(ctx);
      const env = envFor(app, ctx);
      if (current === undefined || current.monitors.env !== env) {
        const monitors = new client.MonitorsDropping(env);
        current = { monitors, run: new StepRun(app, ctx, monitors.of(target), false) };
        return current.run;
      }
      return current.run.restart(current.monitors.of(target));
    };
  }

  /** `ZenMonitor.monitor(target)` from a plain handler: its reads see the tables as the handling began. */
  monitor(ctx: Ctx, target: Target): Ref {
    return this.atOnce(ctx, client.monitor, target, undefined);
  }

  /** `ZenMonitor.demonitor(ref, opts)` from a plain handler: always true. */
  demonitor(ctx: Ctx, ref: Ref, opts: readonly ('flush' | 'info')[] = []): boolean {
    return this.atOnce(ctx, client.demonitor, ref, opts);
  }

  /** `ZenMonitor.compatibility(target)` from a plain handler. */
  compatibility(ctx: Ctx, target: Target): Compatibility {
    return this.atOnce(ctx, client.compatibility, target, undefined);
  }

  /** `ZenMonitor.compatibility_for_node(node)` from a plain handler. */
  compatibilityForNode(ctx: Ctx, remote: string): Compatibility {
    return this.atOnce(ctx, client.compatibilityForNode, remote, undefined);
  }

  /**
   * `ZenMonitor.connect(node)` from a plain handler: starts the call and returns its tag;
   * the caller is resumed with a `call_result` (`client.connectResult` reads it).
   */
  connect(ctx: Ctx, remote: string): Ref {
    const r = runAtOnce(this.callerApp(ctx), ctx, client.connect(remote));
    if (!('call' in r)) throw new Error('ZenMonitor.connect returned without a call');
    return r.call;
  }

  // The client function comes with its arguments, not in a closure: a closure per call
  // (a monitor each, in a large herd) is garbage the client API need not make.

  private timedSteps<A, B, R>(ctx: Ctx, fn: ClientFn<A, B, R>, a: A, b: B): Steps<R> {
    const app = this.callerApp(ctx);
    return new StepRun(app, ctx, fn(envFor(app, ctx), a, b), false);
  }

  private atOnce<A, B, R>(ctx: Ctx, fn: ClientFn<A, B, R>, a: A, b: B): R {
    const app = this.callerApp(ctx);
    const r = runAtOnce(app, ctx, fn(envFor(app, ctx), a, b));
    if (!('done' in r)) throw new Error('a client function that makes a call must run in a generator handler');
    return r.done;
  }

  private *workerSteps(ctx: Ctx, registry: string, key: Term, timeoutMs: number): Generator<undefined | Ref, Pid, unknown> {
    this.callerApp(ctx);
    yield;
    return GenRegistry.lookup(ctx, registry, key) ?? (yield* lookupOrStart(ctx, { name: registry, key, args: [key], timeoutMs }));
  }

  private callerApp(ctx: Ctx): ZenApp {
    const app = this.app(ctx.node);
    // Upstream the client's first ETS access raises badarg: the caller crashes.
    if (app === undefined) throw etsBadarg(this.world.node(ctx.node), TABLE.references, 'insert');
    return app;
  }

}

/** A client function of core/client.ts, run in the caller with its env and up to two arguments. */
type ClientFn<A, B, R> = (env: Env, a: A, b: B) => Iterator<Op, R, unknown>;

/** `ZenMonitor.connect(node)` needs no env. */
function connectStep(_env: Env, remote: string): Iterator<Op, Compatibility, unknown> {
  return client.connect(remote);
}

function needPeer(which: ZenProcess, peer: string | undefined): string {
  if (peer === undefined) throw new RangeError(`a ${which} is named by its peer node: give it`);
  return peer;
}

/**
 * Whether every one of `targets` after the first is a pid on `node` (ZenCluster
 * .reserveProxyMonitors). A function of its own: it runs once a run, and V8 replaces a
 * long loop's frame by optimized code mid-loop (on-stack replacement) before the code
 * after the loop has ever run; with that code inside, the optimized loop bailed out there
 * at once, in a fresh isolate's first run and again in each later one (the optimized
 * loop is kept and entered again). Indexed: before V8 optimizes it, a `for...of` made an
 * iterator result per target (~1.9 MB a 100k run).
 */
function allPidsOn(targets: readonly Target[], node: string): boolean {
  for (let i = 1; i < targets.length; i++) {
    const t = targets[i] as Target;
    if (t.t !== 'pid' || t.node !== node) return false;
  }
  return true;
}
