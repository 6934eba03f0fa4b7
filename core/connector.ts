// The Connector: one per remote node, on the subscriber's node. It records every
// monitor on that node's targets, batches subscribe/unsubscribe instructions for the
// remote Proxy, keeps the node's compatibility cache, and turns death certificates and
// node losses into down dispatches for Local.
//
// Mirrors ZenMonitor.Local.Connector (lib/zen_monitor/local/connector.ex, v2.1.0).
// Rules kept: a target is queued for subscription only by its first monitor and for
// unsubscription only when its last monitor goes (or when an unknown target is
// demonitored); a sweep re-arms itself after it is handled; the compatibility check
// consults the Nodes cache first and blocks in a `:ping` call only on a miss, an expired
// penalty or `:unavailable`; "fire everything" walks the monitors in key order (target
// term order, then ref order), sorted once when firing.

import type { Pid, Ref, Term } from './terms.js';
import { assertNever, atom, compareTerms, isAtom } from './terms.js';
import type {
  CallResultInput,
  Certificate,
  ConnectorInput,
  DeadMsg,
  DemonitorMsg,
  Dispatch,
  DownMsg,
  From,
  Instruction,
  MonitorMsg,
  Target,
} from './messages.js';
import { namedTarget, regNameAtom, targetKey, zenReason } from './messages.js';
import type { Effect, Env, Init } from './effects.js';
import { DEFAULT_CALL_TIMEOUT_MS, metric } from './effects.js';
import type { ZenTables } from './tables.js';
import { Fifo } from './fifo.js';
import { invariant } from './invariant.js';
import { enqueueWithLocal } from './local.js';

const METRIC_PREFIX = 'zen_monitor.local.connector';
const BASE_PENALTY_MS = 1_000;
const MAXIMUM_PENALTY_MS = 60_000;
/** `:math.ceil(:math.log2(@maximum_penalty))` = 16. */
const MAX_ATTEMPT = Math.ceil(Math.log2(MAXIMUM_PENALTY_MS));

export type Compatibility = 'compatible' | 'incompatible';
/** `Connector.cached_compatibility/1`. */
export type CachedCompatibility = Compatibility | 'miss' | 'unavailable' | { readonly expired: number };

/** One monitor: `{{target, ref}, subscriber}` in the Connector's private ordered_set. */
export type MonitorRow = { readonly target: Target; readonly ref: Ref; readonly subscriber: Pid };

type TargetMonitors = { readonly target: Target; readonly rows: Map<number, MonitorRow> };

/** What to do once the compatibility of the remote is known. */
type Continuation = { readonly kind: 'sweep' } | { readonly kind: 'reply'; readonly from: From };

/** A `:ping` call in flight: the Connector is blocked until its `call_result`. */
type PendingPing = { readonly tag: string; readonly attempt: number; readonly then: Continuation };

export interface ConnectorState {
  readonly remote: string;
  /** Monitors grouped by target (key: targetKey); rows keyed by ref uid. */
  readonly monitors: Map<number | string, TargetMonitors>;
  monitorCount: number;
  /** Pending instructions for the remote Proxy (`batch`, `length`). */
  readonly batch: Fifo<Instruction>;
  remoteNodeMonitored: boolean;
  remoteProxyRef: Ref | null;
  pending: PendingPing | null;
  /** Calls made so far (names their tags). */
  calls: number;
}

/** `init/1`: an empty Connector for `remote`, with its first sweep scheduled. */
export function initConnector(remote: string, env: Env): Init<ConnectorState> {
  const state: ConnectorState = {
    remote,
    monitors: new Map(),
    monitorCount: 0,
    batch: new Fifo(),
    remoteNodeMonitored: false,
    remoteProxyRef: null,
    pending: null,
    calls: 0,
  };
  return { state, effects: [scheduleSweep(env)] };
}

export function connectorStep(state: ConnectorState, input: ConnectorInput, env: Env): Effect[] {
  invariant(
    state.pending === null || input.kind === 'call_result',
    () => `Connector(${state.remote}) is blocked in a call but was fed '${input.kind}'`,
  );
  const effects = handle(state, input, env);
  invariant(
    state.monitorCount >= state.monitors.size && (state.monitorCount === 0) === (state.monitors.size === 0),
    () => `Connector(${state.remote}): ${state.monitorCount} monitors counted over ${state.monitors.size} targets`,
  );
  return effects;
}

function handle(state: ConnectorState, input: ConnectorInput, env: Env): Effect[] {
  switch (input.kind) {
    case 'monitor':
      return monitor(state, input);
    case 'demonitor':
      return demonitor(state, input);
    case 'sweep':
      return withCompatibility(state, env, { kind: 'sweep' });
    case 'connect':
      return withCompatibility(state, env, { kind: 'reply', from: input.from });
    case 'nodedown':
      return input.node === state.remote ? nodedown(state, env) : unhandled();
    case 'DOWN':
      return onDown(state, input, env);
    case 'dead':
      return input.node === state.remote ? dead(state, input, env) : unhandled();
    case 'call_result':
      return onCallResult(state, input, env);
    case 'other':
      return unhandled();
    default:
      return assertNever(input);
  }
}

/** `Connector.cached_compatibility/1`: reads the Nodes table only. */
export function cachedCompatibility(tables: ZenTables, remote: string, nowMs: number): CachedCompatibility {
  const status = tables.nodes.get(remote);
  if (status === undefined) return 'miss';
  switch (status.kind) {
    case 'compatible':
    case 'unavailable':
      return status.kind;
    case 'incompatible':
      return status.enforceUntilMs < nowMs ? { expired: status.attempt } : 'incompatible';
    default:
      return assertNever(status);
  }
}

/** `penalty/1`: 2 s, 4 s, 8 s, ... capped at 60 s. */
export function penaltyMs(attempt: number): number {
  return Math.min(MAXIMUM_PENALTY_MS, BASE_PENALTY_MS * Math.round(2 ** Math.min(attempt, MAX_ATTEMPT)));
}

/** Every monitor, in key order (target term order, then ref order). O(n log n). */
export function listMonitors(state: ConnectorState): MonitorRow[] {
  const out: MonitorRow[] = [];
  const groups = [...state.monitors.values()].sort((a, b) => compareTerms(a.target, b.target));
  for (const group of groups) out.push(...rowsInOrder(group));
  return out;
}

// --- monitor bookkeeping ------------------------------------------------------------

function monitor(state: ConnectorState, { target, ref, subscriber }: MonitorMsg): Effect[] {
  const key = targetKey(target);
  let group = state.monitors.get(key);
  const unknownTarget = group === undefined;
  if (group === undefined) {
    group = { target, rows: new Map() };
    state.monitors.set(key, group);
  }
  if (!group.rows.has(ref.uid)) state.monitorCount++;
  group.rows.set(ref.uid, { target, ref, subscriber });
  return unknownTarget ? [enqueueInstruction(state, 'subscribe', target)] : [];
}

function demonitor(state: ConnectorState, { target, ref }: DemonitorMsg): Effect[] {
  const key = targetKey(target);
  const group = state.monitors.get(key);
  if (group?.rows.delete(ref.uid)) {
    state.monitorCount--;
    if (group.rows.size === 0) state.monitors.delete(key);
  }
  return state.monitors.has(key) ? [] : [enqueueInstruction(state, 'unsubscribe', target)];
}

function enqueueInstruction(state: ConnectorState, op: Instruction['op'], target: Target): Effect {
  state.batch.push({ op, target });
  return metric(METRIC_PREFIX, 'enqueue', 1, [`op:${op}`]);
}

// --- compatibility --------------------------------------------------------------------

/** `do_compatibility/1` followed by `then`; may block the Connector in a `:ping` call. */
function withCompatibility(state: ConnectorState, env: Env, then: Continuation): Effect[] {
  const cached = cachedCompatibility(env.tables, state.remote, env.nowMs);
  if (cached === 'compatible' || cached === 'incompatible') return proceed(state, env, then, cached);
  const attempt = typeof cached === 'object' ? cached.expired + 1 : 1;
  return connect(state, env, attempt, then);
}

/** `do_connect/2`: never opens a connection itself; pings the remote Proxy if connected. */
function connect(state: ConnectorState, env: Env, attempt: number, then: Continuation): Effect[] {
  if (state.remote !== env.node && !env.isConnected(state.remote)) {
    markUnavailable(state, env);
    return proceed(state, env, then, 'incompatible');
  }
  const tag = `zen_connector_ping:${state.remote}:${++state.calls}`;
  state.pending = { tag, attempt, then };
  return [
    {
      kind: 'call',
      to: { name: 'ZenMonitor.Proxy', node: state.remote },
      msg: { kind: 'ping' },
      timeoutMs: DEFAULT_CALL_TIMEOUT_MS,
      tag,
    },
  ];
}

function onCallResult(state: ConnectorState, input: CallResultInput, env: Env): Effect[] {
  const pending = state.pending;
  invariant(pending !== null && pending.tag === input.tag, () => `Connector(${state.remote}): unexpected call_result ${input.tag}`);
  state.pending = null;
  const effects: Effect[] = [];
  const result = input.result;
  let compatibility: Compatibility;
  if ('ok' in result && isAtom(result.ok, 'pong')) {
    compatibility = markCompatible(state, env, effects);
  } else if ('exit' in result && isNodedownExit(result.exit)) {
    compatibility = markUnavailable(state, env);
  } else {
    compatibility = markIncompatible(state, env, pending.attempt, effects);
  }
  effects.push(...proceed(state, env, pending.then, compatibility));
  return effects;
}

/** `catch :exit, {{:nodedown, _node}, _}`: the call's own reason is `{:nodedown, node}`. */
function isNodedownExit(reason: Term): boolean {
  return reason.t === 'tuple' && reason.v.length === 2 && reason.v[0] !== undefined && isAtom(reason.v[0], 'nodedown');
}

function proceed(state: ConnectorState, env: Env, then: Continuation, compatibility: Compatibility): Effect[] {
  switch (then.kind) {
    case 'sweep': {
      const effects = compatibility === 'compatible' ? sweep(state, env) : fireEverything(state, env);
      effects.push(scheduleSweep(env));
      return effects;
    }
    case 'reply':
      return [{ kind: 'reply', to: then.from, value: atom(compatibility) }];
    default:
      return assertNever(then);
  }
}

function markCompatible(state: ConnectorState, env: Env, effects: Effect[]): Compatibility {
  monitorRemoteNode(state, effects);
  if (state.remoteProxyRef === null) {
    state.remoteProxyRef = env.makeRef();
    effects.push({ kind: 'monitor', ref: state.remoteProxyRef, target: remoteProxy(state.remote) });
  }
  env.tables.nodes.set(state.remote, { kind: 'compatible' });
  return 'compatible';
}

function markIncompatible(state: ConnectorState, env: Env, attempt: number, effects: Effect[]): Compatibility {
  monitorRemoteNode(state, effects);
  env.tables.nodes.set(state.remote, { kind: 'incompatible', enforceUntilMs: env.nowMs + penaltyMs(attempt), attempt });
  return 'incompatible';
}

function markUnavailable(state: ConnectorState, env: Env): Compatibility {
  env.tables.nodes.set(state.remote, { kind: 'unavailable' });
  return 'incompatible';
}

function monitorRemoteNode(state: ConnectorState, effects: Effect[]): void {
  if (state.remoteNodeMonitored) return;
  state.remoteNodeMonitored = true;
  effects.push({ kind: 'monitor_node', node: state.remote });
}

/** `{ZenMonitor.Proxy, remote}`. */
function remoteProxy(remote: string): Target {
  return namedTarget(regNameAtom('ZenMonitor.Proxy').v, remote);
}

// --- sweeps, deaths and node loss -------------------------------------------------------

function scheduleSweep(env: Env): Effect {
  return { kind: 'send_after', ms: env.config.connector_sweep_interval, msg: { kind: 'sweep' } };
}

/** `do_sweep/1`: up to `connector_chunk_size` instructions from the head, to the Proxy. */
function sweep(state: ConnectorState, env: Env): Effect[] {
  const instructions = state.batch.take(env.config.connector_chunk_size);
  const effects: Effect[] = [metric(METRIC_PREFIX, 'sweep', instructions.length)];
  if (instructions.length > 0) {
    effects.push({
      kind: 'send_named',
      name: 'ZenMonitor.Proxy',
      node: state.remote,
      msg: { kind: 'process', connector: env.self, instructions },
    });
  }
  return effects;
}

/** `do_down/1`: every monitor fires with `{:zen_monitor, :nodedown}`; monitors and batch cleared. */
function fireEverything(state: ConnectorState, env: Env): Effect[] {
  const reason = zenReason(atom('nodedown'));
  const dispatches: Dispatch[] = [];
  for (const row of listMonitors(state)) {
    dispatches.push({ subscriber: row.subscriber, down: { kind: 'DOWN', ref: row.ref, object: row.target, reason } });
  }
  state.monitors.clear();
  state.monitorCount = 0;
  state.batch.clear();
  return enqueueWithLocal(env, dispatches);
}

function nodedown(state: ConnectorState, env: Env): Effect[] {
  markUnavailable(state, env);
  state.remoteNodeMonitored = false;
  return fireEverything(state, env);
}

function onDown(state: ConnectorState, input: DownMsg, env: Env): Effect[] {
  if (state.remoteProxyRef === null || input.ref.uid !== state.remoteProxyRef.uid) return unhandled();
  const effects: Effect[] = [];
  if (isAtom(input.reason, 'noconnection')) {
    markUnavailable(state, env);
  } else {
    markIncompatible(state, env, 1, effects);
  }
  state.remoteProxyRef = null;
  effects.push(...fireEverything(state, env));
  return effects;
}

/** `{:dead, remote, certificates}`: consume each dead target's monitors, in order. */
function dead(state: ConnectorState, input: DeadMsg, env: Env): Effect[] {
  const dispatches: Dispatch[] = [];
  for (const certificate of input.certificates) consumeTarget(state, certificate, dispatches);
  return enqueueWithLocal(env, dispatches);
}

function consumeTarget(state: ConnectorState, { pid, reason }: Certificate, out: Dispatch[]): void {
  const key = targetKey(pid);
  const group = state.monitors.get(key);
  if (group === undefined) return;
  const wrapped = zenReason(reason);
  for (const row of rowsInOrder(group)) {
    out.push({ subscriber: row.subscriber, down: { kind: 'DOWN', ref: row.ref, object: pid, reason: wrapped } });
  }
  state.monitors.delete(key);
  state.monitorCount -= group.rows.size;
}

function rowsInOrder(group: TargetMonitors): MonitorRow[] {
  const rows = [...group.rows.values()];
  if (rows.length > 1) rows.sort((a, b) => compareTerms(a.ref, b.ref));
  return rows;
}

function unhandled(): Effect[] {
  return [metric(METRIC_PREFIX, 'unhandled_info')];
}
