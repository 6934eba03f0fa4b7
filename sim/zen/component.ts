// ZenMonitor's processes as simulated process behaviours: each runs one of core's pure
// state machines (Local, Dispatcher, Proxy, Connector, Batcher), translating ERTS
// messages into core inputs and executing the effects the step returns through the
// process context, each at the CPU time it happens (GenServer casts and calls,
// GenRegistry get-or-start, monitors, timers, flushes, stops). The client API of
// cluster.ts runs core's client functions through the same executor.
import { initBatcher, type BatcherState } from '../../core/batcher.js';
import type { ZenConfig } from '../../core/config.js';
import { initConnector, type ConnectorState } from '../../core/connector.js';
import { initDispatcher, type DispatcherState } from '../../core/dispatcher.js';
import type { Effect, Env, Init } from '../../core/effects.js';
import { initLocal, type LocalState } from '../../core/local.js';
import { callMessage, type CallRequest, type Target } from '../../core/messages.js';
import { initProxy, type ProxyState } from '../../core/proxy.js';
import type { ZenTables } from '../../core/tables.js';
import { assertNever, type Pid, type Ref } from '../../core/terms.js';
import type { CostModel } from '../beam/cost.js';
import type { Behaviour, CallRequest as SimCall, CallResult, Ctx, Dest } from '../beam/process.js';
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

/** A process running `comp`: translates ERTS messages into core inputs and runs effects. */
export function component<S>(app: ZenApp, comp: Component<S>): Behaviour {
  let state: S;
  let env: Env;
  const step = app.cluster.steps[comp.name] as (state: S, input: never, env: Env) => Effect[];
  const heap = new ComponentHeap(comp.name, app.node);
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
      const effects = step(state, input as never, env);
      run(app, ctx, effects);
      heap.handled(ctx, input, effects, (state as { batch?: { length: number } }).batch?.length ?? 0);
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
export function run(app: ZenApp, ctx: Ctx, effects: readonly Effect[]): Ref | undefined {
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
        ctx.hibernate();
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
