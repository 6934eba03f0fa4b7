// The ZenMonitor application on simulated nodes (sim/zen). This layer runs core/'s pure
// state machines as processes of the simulated ERTS; it may import core/, sim/engine/
// and sim/beam/, never run/, report/, check/, plan/ or the CLI.
//
// Starts its processes (Local,
// Dispatcher, Proxy; Connectors and Batchers on demand, as GenRegistry does), owns each
// node's tables and app env, runs the pure state machines of core/ as process
// behaviours, and executes the effects they return through the process context, each
// at the CPU time it happens. Also the client API for simulated processes, which runs
// inside the calling process as upstream's ZenMonitor module does: `zen.timed.monitor(ctx,
// target)` … for a generator handler (`yield*`: each table read and write, cast and call
// at the CPU time the caller reaches it), and `zen.monitor(ctx, target)` … for a plain
// handler (all at once: its reads see the tables as the handling began). Mirrors
// zen_monitor's application.ex and supervisors; the behaviour itself lives in core/.
import { batcherStep } from '../../core/batcher.js';
import * as client from '../../core/client.js';
import { defaultZenConfig, setZenConfig, type ZenConfig } from '../../core/config.js';
import type { Env } from '../../core/effects.js';
import { connectorStep } from '../../core/connector.js';
import { dispatcherStep } from '../../core/dispatcher.js';
import { localStep } from '../../core/local.js';
import type { RegName, Target } from '../../core/messages.js';
import { proxyStep } from '../../core/proxy.js';
import { newZenTables, type ZenTables } from '../../core/tables.js';
import type { Compatibility } from '../../core/connector.js';
import type { Op } from '../../core/ops.js';
import { atom, type Pid, type Ref } from '../../core/terms.js';
import { labelProcess, type Ctx, type Proc, type Steps } from '../beam/process.js';
import type { World } from '../beam/world.js';
import { batcherC, component, connectorC, dispatcherC, envFor, LOCAL_C, PROXY_C, runAtOnce, StepRun } from './component.js';
import { zenTablesBytes } from './memory.js';

export const PROXY: RegName = 'ZenMonitor.Proxy';
export const LOCAL: RegName = 'ZenMonitor.Local';
export const DISPATCHER: RegName = 'ZenMonitor.Local.Dispatcher';
const SHUTDOWN = atom('shutdown');

/** One node's running ZenMonitor: its tables, app env and process registry. */
export class ZenApp {
  readonly tables: ZenTables = newZenTables();
  readonly connectors = new Map<string, Pid>();
  readonly batchers = new Map<number, Pid>();
  readonly pids: Pid[] = [];
  /** Instruments counters (`increment/3`), by name. */
  readonly counters = new Map<string, number>();

  constructor(
    readonly cluster: ZenCluster,
    readonly node: string,
    readonly creation: number,
    readonly config: ZenConfig,
  ) {}
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

  /** `Application.ensure_all_started(:zen_monitor)` on `node`, with app env overrides. */
  start(nodeName: string, overrides: Partial<Record<string, unknown>> = {}): ZenApp {
    const node = this.world.node(nodeName);
    if (this.app(nodeName) !== undefined) throw new Error(`ZenMonitor is already running on ${nodeName}`);
    const config = defaultZenConfig();
    for (const [k, v] of Object.entries(overrides)) setZenConfig(config, k, v);
    const app = new ZenApp(this, nodeName, node.creation, config);
    this.apps.set(nodeName, app);
    node.tables.set('zen_monitor', () => zenTablesBytes(app, this.world.cost));
    // The Proxy, Local and the Dispatcher set message_queue_data to off_heap in their init
    // (proxy.ex, local.ex, dispatcher.ex); the Connectors and Batchers keep it on the heap.
    app.pids.push(this.world.spawn(nodeName, component(app, PROXY_C), { name: PROXY, offHeapQueue: true }));
    const local = this.world.spawn(nodeName, component(app, LOCAL_C), { name: LOCAL, offHeapQueue: true });
    app.pids.push(local);
    app.pids.push(this.world.spawn(nodeName, component(app, dispatcherC(local)), { name: DISPATCHER, offHeapQueue: true }));
    return app;
  }

  /**
   * `Application.stop(:zen_monitor)`: its processes exit with :shutdown, its tables go.
   * Synchronous, as upstream's is (each supervisor waits for its children to exit): the
   * processes are dead when it returns, so a `start` right after it, at the same instant,
   * registers its names afresh instead of meeting the old Proxy still alive.
   */
  stop(nodeName: string): void {
    const app = this.app(nodeName);
    if (app === undefined) return;
    this.apps.delete(nodeName);
    this.world.node(nodeName).tables.delete('zen_monitor');
    const all = [...app.pids, ...app.connectors.values(), ...app.batchers.values()];
    for (const pid of all) {
      const p = this.world.alive(pid);
      if (p !== undefined) this.world.signals.bury(p, SHUTDOWN);
    }
  }

  /** The running app on `node` (none after a crash until started again). */
  app(nodeName: string): ZenApp | undefined {
    const app = this.apps.get(nodeName);
    const node = this.world.nodes.get(nodeName);
    if (app === undefined || node === undefined || !node.up || node.creation !== app.creation) return undefined;
    return app;
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
    monitor: (ctx: Ctx, target: Target): Steps<Ref> => this.timedSteps(ctx, (env) => client.monitor(env, target)),
    /** `ZenMonitor.demonitor(ref, opts)`: always true. */
    demonitor: (ctx: Ctx, ref: Ref, opts: ('flush' | 'info')[] = []): Steps<boolean> =>
      this.timedSteps(ctx, (env) => client.demonitor(env, ref, opts)),
    /** `ZenMonitor.compatibility(target)`. */
    compatibility: (ctx: Ctx, target: Target): Steps<Compatibility> => this.timedSteps(ctx, (env) => client.compatibility(env, target)),
    /** `ZenMonitor.compatibility_for_node(node)`. */
    compatibilityForNode: (ctx: Ctx, remote: string): Steps<Compatibility> =>
      this.timedSteps(ctx, (env) => client.compatibilityForNode(env, remote)),
    /** `ZenMonitor.connect(node)`: the caller blocks until the Connector replies. */
    connect: (ctx: Ctx, remote: string): Steps<Compatibility> => this.timedSteps(ctx, () => client.connect(remote)),
  };

  /** `ZenMonitor.monitor(target)` from a plain handler: its reads see the tables as the handling began. */
  monitor(ctx: Ctx, target: Target): Ref {
    return this.atOnce(ctx, (env) => client.monitor(env, target));
  }

  /** `ZenMonitor.demonitor(ref, opts)` from a plain handler: always true. */
  demonitor(ctx: Ctx, ref: Ref, opts: ('flush' | 'info')[] = []): boolean {
    return this.atOnce(ctx, (env) => client.demonitor(env, ref, opts));
  }

  /** `ZenMonitor.compatibility(target)` from a plain handler. */
  compatibility(ctx: Ctx, target: Target): Compatibility {
    return this.atOnce(ctx, (env) => client.compatibility(env, target));
  }

  /** `ZenMonitor.compatibility_for_node(node)` from a plain handler. */
  compatibilityForNode(ctx: Ctx, remote: string): Compatibility {
    return this.atOnce(ctx, (env) => client.compatibilityForNode(env, remote));
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

  private timedSteps<R>(ctx: Ctx, make: (env: Env) => Iterator<Op, R, unknown>): Steps<R> {
    const app = this.callerApp(ctx);
    return new StepRun(app, ctx, make(envFor(app, ctx)));
  }

  private atOnce<R>(ctx: Ctx, make: (env: Env) => Iterator<Op, R, unknown>): R {
    const app = this.callerApp(ctx);
    const r = runAtOnce(app, ctx, make(envFor(app, ctx)));
    if (!('done' in r)) throw new Error('a client function that makes a call must run in a generator handler');
    return r.done;
  }

  private callerApp(ctx: Ctx): ZenApp {
    const app = this.app(ctx.node);
    // Upstream the client's first ETS access raises badarg: the caller crashes.
    if (app === undefined) throw new Error(`ZenMonitor is not running on ${ctx.node}`);
    return app;
  }

  /** Gets or starts this node's Connector for `remote` (GenRegistry). */
  connectorFor(app: ZenApp, remote: string): Pid {
    const known = app.connectors.get(remote);
    if (known !== undefined && this.world.alive(known) !== undefined) return known;
    const pid = this.world.spawn(app.node, component(app, connectorC(remote)));
    labelProcess(this.world.proc(pid) as Proc, `ZenMonitor.Local.Connector for ${remote}`);
    app.connectors.set(remote, pid);
    return pid;
  }

  /** Gets or starts this node's Batcher for `connector` (GenRegistry.lookup_or_start). */
  batcherFor(app: ZenApp, connector: Pid): Pid {
    const known = app.batchers.get(connector.uid);
    if (known !== undefined && this.world.alive(known) !== undefined) return known;
    const pid = this.world.spawn(app.node, component(app, batcherC(connector)));
    labelProcess(this.world.proc(pid) as Proc, `ZenMonitor.Proxy.Batcher for ${connector.node}`);
    app.batchers.set(connector.uid, pid);
    return pid;
  }
}
