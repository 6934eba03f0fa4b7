// The ZenMonitor application on simulated nodes: starts its processes (Local,
// Dispatcher, Proxy; Connectors and Batchers on demand, as GenRegistry does), owns each
// node's tables and app env, runs the pure state machines of core/ as process
// behaviours, and executes the effects they return through the process context, each
// at the CPU time it happens. Also the client API for simulated processes
// (`ZenCluster.monitor(ctx, target)` …), which runs inside the calling process as
// upstream's ZenMonitor module does. Mirrors zen_monitor's application.ex and
// supervisors; the behaviour itself lives in core/.
import { batcherStep, initBatcher, type BatcherState } from '../core/batcher.js';
import * as client from '../core/client.js';
import { defaultZenConfig, setZenConfig, type ZenConfig } from '../core/config.js';
import { connectorStep, initConnector, type ConnectorState } from '../core/connector.js';
import { dispatcherStep, initDispatcher, type DispatcherState } from '../core/dispatcher.js';
import type { Effect, Env, Init } from '../core/effects.js';
import { initLocal, localStep, type LocalState } from '../core/local.js';
import { callMessage, type CallRequest, type RegName, type Target } from '../core/messages.js';
import { initProxy, proxyStep, type ProxyState } from '../core/proxy.js';
import { newZenTables, tableRowCount, type ZenTables } from '../core/tables.js';
import { assertNever, atom, type Pid, type Ref } from '../core/terms.js';
import type { CostModel } from './cost.js';
import type { Behaviour, CallRequest as SimCall, CallResult, Ctx, Dest } from './process.js';
import type { World } from './world.js';

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
  /** Core tags of calls in flight, by the runtime's call ref uid. */
  readonly callTags = new Map<number, string>();
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
    node.tables.set('zen_monitor', () => tableRowCount(app.tables) * this.world.cost.etsRowBytes);
    app.pids.push(this.world.spawn(nodeName, component(app, PROXY_C), { name: PROXY }));
    const local = this.world.spawn(nodeName, component(app, LOCAL_C), { name: LOCAL });
    app.pids.push(local);
    app.pids.push(this.world.spawn(nodeName, component(app, dispatcherC(local)), { name: DISPATCHER }));
    return app;
  }

  /** `Application.stop(:zen_monitor)`: its processes exit with :shutdown, its tables go. */
  stop(nodeName: string): void {
    const app = this.app(nodeName);
    if (app === undefined) return;
    this.apps.delete(nodeName);
    this.world.node(nodeName).tables.delete('zen_monitor');
    const all = [...app.pids, ...app.connectors.values(), ...app.batchers.values()];
    for (const pid of all) this.world.exit(pid, SHUTDOWN);
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

  /** `ZenMonitor.monitor(target)`. */
  monitor(ctx: Ctx, target: Target): Ref {
    const app = this.callerApp(ctx);
    const { ref, effects } = client.monitor(envFor(app, ctx), target);
    run(app, ctx, effects);
    return ref;
  }

  /** `ZenMonitor.demonitor(ref, opts)`: always true. */
  demonitor(ctx: Ctx, ref: Ref, opts: ('flush' | 'info')[] = []): boolean {
    const app = this.callerApp(ctx);
    const { result, effects } = client.demonitor(envFor(app, ctx), ref, opts);
    run(app, ctx, effects);
    return result;
  }

  /** `ZenMonitor.compatibility(target)`. */
  compatibility(ctx: Ctx, target: Target): 'compatible' | 'incompatible' {
    return client.compatibility(envFor(this.callerApp(ctx), ctx), target);
  }

  /** `ZenMonitor.compatibility_for_node(node)`. */
  compatibilityForNode(ctx: Ctx, remote: string): 'compatible' | 'incompatible' {
    return client.compatibilityForNode(envFor(this.callerApp(ctx), ctx), remote);
  }

  /** `ZenMonitor.connect(node)`: a call; the caller is resumed with a `call_result`. */
  connect(ctx: Ctx, remote: string): Ref {
    const app = this.callerApp(ctx);
    const { effects } = client.connect(envFor(app, ctx), remote);
    return run(app, ctx, effects) as Ref;
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
    app.connectors.set(remote, pid);
    return pid;
  }

  /** Gets or starts this node's Batcher for `connector` (GenRegistry.lookup_or_start). */
  batcherFor(app: ZenApp, connector: Pid): Pid {
    const known = app.batchers.get(connector.uid);
    if (known !== undefined && this.world.alive(known) !== undefined) return known;
    const pid = this.world.spawn(app.node, component(app, batcherC(connector)));
    app.batchers.set(connector.uid, pid);
    return pid;
  }
}

// ---- components as behaviours ----------------------------------------------------------

/** A core state machine, as the runtime needs to drive it; its step is the cluster's for `name`. */
type Component<S> = {
  readonly name: keyof ComponentSteps;
  init(env: Env): Init<S>;
};

const PROXY_C: Component<ProxyState> = { name: 'proxy', init: initProxy };
const LOCAL_C: Component<LocalState> = { name: 'local', init: initLocal };

function dispatcherC(producer: Pid): Component<DispatcherState> {
  return { name: 'dispatcher', init: (env) => initDispatcher(producer, env) };
}

function connectorC(remote: string): Component<ConnectorState> {
  return { name: 'connector', init: (env) => initConnector(remote, env) };
}

function batcherC(connector: Pid): Component<BatcherState> {
  return { name: 'batcher', init: (env) => initBatcher(connector, env) };
}

/** A process running `comp`: translates ERTS messages into core inputs and runs effects. */
function component<S>(app: ZenApp, comp: Component<S>): Behaviour {
  let state: S;
  let env: Env;
  const step = app.cluster.steps[comp.name] as (state: S, input: never, env: Env) => Effect[];
  return {
    init(ctx) {
      env = envFor(app, ctx);
      const init = comp.init(env);
      state = init.state;
      app.cluster.registerState(ctx.self, () => state);
      run(app, ctx, init.effects);
    },
    handle(ctx, msg) {
      const input = toInput(app, msg);
      chargeItems(ctx, app.cluster.world.cost, input);
      run(app, ctx, step(state, input as never, env));
    },
  };
}

function toInput(app: ZenApp, msg: unknown): unknown {
  const m = msg as { kind?: string };
  switch (m.kind) {
    case '$gen_call': {
      const c = msg as SimCall;
      return callMessage(c.msg as CallRequest, c.from);
    }
    case 'call_result': {
      const r = msg as CallResult;
      const tag = app.cluster.callTags.get(r.tag.uid) ?? '';
      app.cluster.callTags.delete(r.tag.uid);
      return { kind: 'call_result', tag, result: r.result };
    }
    default:
      return msg;
  }
}

/**
 * CPU for walking the lists a message carries (instructions, certificates, dispatches,
 * events): paid once by the component that builds the list and once by the one that
 * takes it in.
 */
function chargeItems(ctx: Ctx, cost: CostModel, input: unknown): void {
  const n = listLength(input);
  if (n > 0) ctx.cpu(n * cost.batchItemUs);
}

function listLength(x: unknown): number {
  const m = x as Partial<Record<'instructions' | 'certificates' | 'dispatches' | 'events' | 'targets', readonly unknown[]>>;
  return (m.instructions ?? m.certificates ?? m.dispatches ?? m.events ?? m.targets ?? []).length;
}

/**
 * The env of the process `ctx` is running now. The world's context is re-aimed at each
 * handled message, so one env per process serves all its handlers: `nowMs` is read live.
 */
/**
 * The env of whichever process `ctx` is running now. A world has one context, re-aimed
 * at each handled message, and the env reads `self` and the time from it live: so one
 * env per app and context serves every process (components and client callers alike).
 */
function envFor(app: ZenApp, ctx: Ctx): Env {
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
  readonly tables: ZenTables;

  constructor(
    app: ZenApp,
    readonly ctx: Ctx,
  ) {
    this.node = app.node;
    this.config = app.config;
    this.tables = app.tables;
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

  isConnected(node: string): boolean {
    return this.ctx.isConnected(node);
  }
}

/** Executes effects in order; returns the ref of a call it started, if any. */
function run(app: ZenApp, ctx: Ctx, effects: readonly Effect[]): Ref | undefined {
  let callRef: Ref | undefined;
  const cost = app.cluster.world.cost;
  for (const e of effects) {
    switch (e.kind) {
      case 'send':
        chargeItems(ctx, cost, e.msg);
        ctx.send(e.to, e.msg, e.noconnect === true ? { noconnect: true } : undefined);
        break;
      case 'send_named':
        chargeItems(ctx, cost, e.msg);
        ctx.send({ name: e.name, node: e.node }, e.msg);
        break;
      case 'cast_connector':
        chargeItems(ctx, cost, e.msg);
        ctx.send(app.cluster.connectorFor(app, e.node), e.msg);
        break;
      case 'cast_batcher':
        chargeItems(ctx, cost, e.msg);
        ctx.send(app.cluster.batcherFor(app, e.connector), e.msg);
        break;
      case 'call':
        callRef = ctx.call({ name: e.to.name, node: e.to.node }, e.msg, e.timeoutMs);
        app.cluster.callTags.set(callRef.uid, e.tag);
        break;
      case 'call_connector':
        callRef = ctx.call(app.cluster.connectorFor(app, e.node), e.msg, e.timeoutMs);
        app.cluster.callTags.set(callRef.uid, e.tag);
        break;
      case 'reply':
        ctx.reply(e.to, e.value);
        break;
      case 'monitor':
        ctx.monitor(targetDest(e.target, app.node), e.ref);
        break;
      case 'monitor_node':
        ctx.monitorNode(e.node);
        break;
      case 'send_after':
        ctx.sendAfter(e.ms, e.msg);
        break;
      case 'flush_down':
        ctx.flushDown(e.ref);
        break;
      case 'hibernate':
        ctx.cpu(cost.receiveUs);
        break;
      case 'stop':
        ctx.stop(e.reason);
        break;
      case 'metric':
        app.counters.set(e.name, (app.counters.get(e.name) ?? 0) + e.value);
        break;
      default:
        assertNever(e);
    }
  }
  return callRef;
}

/** The ERTS destination of a ZenMonitor target: a pid, or `{name, node}`. */
export function targetDest(target: Target, localNode: string): Dest {
  if (target.t === 'pid') return target;
  if (target.t === 'atom') return { name: target.v, node: localNode };
  return { name: (target.v[0] as { v: string }).v, node: (target.v[1] as { v: string }).v };
}
