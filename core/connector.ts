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
// penalty or `:unavailable` (the sweep, or the `:connect` call being served, goes on
// with its result); "fire everything" walks the monitors in key order (target term
// order, then ref order), sorted once when firing. The monitors table is private
// upstream, so it is plain state here; the Nodes table is shared, read and written
// through operations (ops.ts).

import type { Pid, Ref, Term } from './terms.js';
import { assertNever, atom, comparePids, compareTerms, isAtom } from './terms.js';
import type {
  CallResult,
  Certificate,
  ConnectorInput,
  DeadMsg,
  DemonitorMsg,
  Dispatch,
  DownMsg,
  Instruction,
  MonitorMsg,
  Target,
} from './messages.js';
import { namedTarget, regNameAtom, targetKey, zenReason } from './messages.js';
import type { Effect, Env, Init } from './effects.js';
import { DEFAULT_CALL_TIMEOUT_MS, metric } from './effects.js';
import type { Op, Step } from './ops.js';
import { handOver, Once } from './ops.js';
import type { NodeStatus, ZenTables } from './tables.js';
import { InstructionBatch } from './instruction_batch.js';
import { InvariantError } from './invariant.js';
import { TargetTable } from './target_table.js';
import { enqueueWithLocal } from './local.js';
import { monitorRefUid, nodedownDispatch, rowDispatch } from './monitor_msg.js';

const METRIC_PREFIX = 'zen_monitor.local.connector';
const BASE_PENALTY_MS = 1_000;
const MAXIMUM_PENALTY_MS = 60_000;
/** `:math.ceil(:math.log2(@maximum_penalty))` = 16. */
const MAX_ATTEMPT = Math.ceil(Math.log2(MAXIMUM_PENALTY_MS));
const COMPATIBLE: NodeStatus = Object.freeze({ kind: 'compatible' });
const UNAVAILABLE: NodeStatus = Object.freeze({ kind: 'unavailable' });

export type Compatibility = 'compatible' | 'incompatible';
/** `Connector.cached_compatibility/1`. */
export type CachedCompatibility = Compatibility | 'miss' | 'unavailable' | { readonly expired: number };

/** One monitor: `{{target, ref}, subscriber}` in the Connector's private ordered_set. */
export type MonitorRow = { readonly target: Target; readonly ref: Ref; readonly subscriber: Pid };

/** A target's monitors once it has two or more (rows keyed by ref uid), with the target itself. */
class TargetMonitors extends Map<number, MonitorRow> {
  constructor(readonly target: Target) {
    super();
  }
}

/**
 * What the Connector holds for one monitored target: its one row (most targets, in a large
 * herd: no object besides the row), or its TargetMonitors once a second monitor comes.
 */
type TargetEntry = MonitorRow | TargetMonitors;

/** A `:ping` call in flight: the Connector is blocked in it (attempt: the connect attempt). */
type PendingPing = { readonly attempt: number };

export interface ConnectorState {
  readonly remote: string;
  /** Monitors by target (key: targetKey): a target's one row, or its rows keyed by ref uid. */
  readonly monitors: TargetTable<TargetEntry>;
  monitorCount: number;
  /** Pending instructions for the remote Proxy (`batch`, `length`). */
  readonly batch: InstructionBatch;
  remoteNodeMonitored: boolean;
  remoteProxyRef: Ref | null;
  /** The `:ping` call the Connector is blocked in, if any. */
  pending: PendingPing | null;
  /** The step of each monitor and demonitor cast, handed out again (ops.ts `Once.again`). */
  readonly once: Once;
}

/** `init/1`: an empty Connector for `remote`, with its first sweep scheduled. */
export function initConnector(remote: string, env: Env): Init<ConnectorState> {
  const state: ConnectorState = {
    remote,
    monitors: new TargetTable(),
    monitorCount: 0,
    batch: new InstructionBatch(),
    remoteNodeMonitored: false,
    remoteProxyRef: null,
    pending: null,
    once: new Once(undefined),
  };
  return { state, effects: [scheduleSweep(env)] };
}

export function connectorStep(state: ConnectorState, input: ConnectorInput, env: Env): Step {
  // Checks as plain throws: a message closure here would make every step allocate a context.
  if (state.pending !== null) throw new InvariantError(`Connector(${state.remote}) is blocked in a call but was fed '${input.kind}'`);
  // A monitor or demonitor (one per target) changes the state at once and casts at most
  // one increment: a `once` step, not a generator.
  switch (input.kind) {
    case 'monitor':
      return checkedOnce(state, monitor(state, input));
    case 'demonitor':
      return checkedOnce(state, demonitor(state, input));
    default:
      return otherStep(state, input, env);
  }
}

function* otherStep(state: ConnectorState, input: Exclude<ConnectorInput, MonitorMsg | DemonitorMsg>, env: Env): Step {
  switch (input.kind) {
    case 'sweep':
      yield* sweepTick(state, env);
      break;
    case 'connect': {
      const compatibility = yield* doCompatibility(state, env);
      yield { kind: 'reply', to: input.from, value: atom(compatibility) };
      break;
    }
    case 'nodedown':
      if (input.node === state.remote) yield* nodedown(state, env);
      else yield unhandled();
      break;
    case 'DOWN':
      yield* onDown(state, input, env);
      break;
    case 'dead':
      if (input.node === state.remote) yield* dead(state, input, env);
      else yield unhandled();
      break;
    case 'other':
      yield unhandled();
      break;
    default:
      assertNever(input);
  }
  checkCounts(state);
}

/** Every monitored target counts at least one monitor, and none are counted when none are held. */
function checkCounts(state: ConnectorState): void {
  if (state.monitorCount < state.monitors.size || (state.monitorCount === 0) !== (state.monitors.size === 0)) {
    throw new InvariantError(`Connector(${state.remote}): ${state.monitorCount} monitors counted over ${state.monitors.size} targets`);
  }
}

/** The `once` step of a monitor or demonitor, the counts checked after its change. */
function checkedOnce(state: ConnectorState, out: IteratorYieldResult<Op> | undefined): Step {
  checkCounts(state);
  return state.once.again(out);
}

/** `Connector.cached_compatibility/1` on a Nodes row (`status`, undefined for none) read at `nowMs`. */
export function cachedFromStatus(status: NodeStatus | undefined, nowMs: number): CachedCompatibility {
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

/** `Connector.cached_compatibility/1` on plain tables (tests and inspection). */
export function cachedCompatibility(tables: ZenTables, remote: string, nowMs: number): CachedCompatibility {
  return cachedFromStatus(tables.nodes.get(remote), nowMs);
}

/** `penalty/1`: 2 s, 4 s, 8 s, ... capped at 60 s. */
export function penaltyMs(attempt: number): number {
  return Math.min(MAXIMUM_PENALTY_MS, BASE_PENALTY_MS * Math.round(2 ** Math.min(attempt, MAX_ATTEMPT)));
}

/**
 * Target term order (a module-level function, not a closure per call: its optimized code
 * lives as long as the process). Pids, nearly every target, by `comparePids`: through
 * `compareTerms` each of a 100k sort's comparisons took ~5 calls.
 */
function byTarget(a: TargetEntry, b: TargetEntry): number {
  const x = a.target;
  const y = b.target;
  return x.t === 'pid' && y.t === 'pid' ? comparePids(x, y) : compareTerms(x, y);
}

/**
 * Whether `entries` are in target order already (the table's pages come in the order they
 * were made: a herd's targets, monitored in spawn order, mostly are): then the sort, which
 * V8 does in a copy of the array (800 KB freshly made at a 100k nodedown), is spared.
 */
function inTargetOrder(entries: readonly TargetEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) if (byTarget(entries[i - 1] as TargetEntry, entries[i] as TargetEntry) > 0) return false;
  return true;
}

/** Every monitor, in key order (target term order, then ref order). O(n log n). */
export function listMonitors(state: ConnectorState): MonitorRow[] {
  return mapMonitors(state, (row) => row);
}

/**
 * `f` of every monitor's row, in key order. When every target has one monitor (a herd),
 * the results are written over the sorted entries, which nobody else holds: at a 100k
 * nodedown, an array made at its size for the rows and another for the dispatches each
 * took ~200 page faults (800 KB freshly mapped), and two passes over them.
 */
function mapMonitors<R>(state: ConnectorState, f: (row: MonitorRow) => R): R[] {
  const entries = state.monitors.values();
  if (!inTargetOrder(entries)) entries.sort(byTarget);
  // As many monitors as targets: each entry gives one row, so out[n] is written after entries[n] is read.
  const out = state.monitorCount === entries.length ? (entries as unknown as R[]) : new Array<R>(state.monitorCount);
  let n = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as TargetEntry;
    if (!(entry instanceof TargetMonitors)) out[n++] = f(entry);
    else for (const row of rowsInOrder(entry)) out[n++] = f(row);
  }
  if (n !== out.length) throw new InvariantError(`Connector(${state.remote}): ${state.monitorCount} monitors counted, ${n} held`);
  return out;
}

// --- monitor bookkeeping ------------------------------------------------------------

/**
 * Records the monitor; the metric of the `:subscribe` it queues for a new target (in its
 * result, made once: `ENQUEUED`). The message is kept as its row (it has the row's fields,
 * and nothing changes either): a row made per monitor lived until its target died, copied
 * by each scavenge until promoted.
 * Its ref is read as its uid (`monitorRefUid`): the row may hold only that (monitor_msg.ts).
 */
function monitor(state: ConnectorState, input: MonitorMsg): IteratorYieldResult<Op> | undefined {
  const target = input.target;
  const uid = monitorRefUid(input);
  const key = targetKey(target);
  const row: MonitorRow = input;
  const entry = state.monitors.setNew(key, row);
  if (entry === undefined) {
    state.monitorCount++;
    return enqueueInstruction(state, 'subscribe', target);
  }
  if (entry instanceof TargetMonitors) {
    if (!entry.has(uid)) state.monitorCount++;
    entry.set(uid, row);
  } else if (monitorRefUid(entry) === uid) {
    state.monitors.set(key, row);
  } else {
    state.monitors.set(key, new TargetMonitors(entry.target).set(monitorRefUid(entry), entry).set(uid, row));
    state.monitorCount++;
  }
  return undefined;
}

/** Drops the monitor; the metric of the `:unsubscribe` it queues when its target has no more (in its result). */
function demonitor(state: ConnectorState, { target, ref }: DemonitorMsg): IteratorYieldResult<Op> | undefined {
  const key = targetKey(target);
  const entry = state.monitors.get(key);
  if (entry instanceof TargetMonitors ? entry.delete(ref.uid) : entry?.ref.uid === ref.uid) {
    state.monitorCount--;
    if (!(entry instanceof TargetMonitors) || entry.size === 0) state.monitors.delete(key);
  }
  return state.monitors.has(key) ? undefined : enqueueInstruction(state, 'unsubscribe', target);
}

function enqueueInstruction(state: ConnectorState, op: Instruction['op'], target: Target): IteratorYieldResult<Op> {
  state.batch.push(op, target);
  return ENQUEUED[op];
}

/** The `enqueue` increment of each instruction, handed over in a result, both made once (one per monitored target). */
const ENQUEUED: Readonly<Record<Instruction['op'], IteratorYieldResult<Op>>> = {
  subscribe: handOver(Object.freeze(metric(METRIC_PREFIX, 'enqueue', 1, Object.freeze(['op:subscribe'])))),
  unsubscribe: handOver(Object.freeze(metric(METRIC_PREFIX, 'enqueue', 1, Object.freeze(['op:unsubscribe'])))),
};

// --- compatibility --------------------------------------------------------------------

/** `do_compatibility/1`: the cached answer, or a connect attempt (which may block in a `:ping`). */
function* doCompatibility(state: ConnectorState, env: Env): Step<Compatibility> {
  const status = (yield { kind: 'nodes.lookup', node: state.remote }) as NodeStatus | undefined;
  const cached = cachedFromStatus(status, env.nowMs);
  if (cached === 'compatible' || cached === 'incompatible') return cached;
  return yield* doConnect(state, env, typeof cached === 'object' ? cached.expired + 1 : 1);
}

/** `do_connect/2`: never opens a connection itself; pings the remote Proxy if connected. */
function* doConnect(state: ConnectorState, env: Env, attempt: number): Step<Compatibility> {
  if (!((yield { kind: 'known_node', node: state.remote }) as boolean)) return yield* markUnavailable(state);
  state.pending = { attempt };
  const result = (yield {
    kind: 'call',
    to: { name: 'ZenMonitor.Proxy', node: state.remote },
    msg: { kind: 'ping' },
    timeoutMs: DEFAULT_CALL_TIMEOUT_MS,
  }) as CallResult;
  state.pending = null;
  if ('ok' in result && isAtom(result.ok, 'pong')) return yield* markCompatible(state, env);
  if ('exit' in result && isNodedownExit(result.exit)) return yield* markUnavailable(state);
  return yield* markIncompatible(state, env, attempt);
}

/** `catch :exit, {{:nodedown, _node}, _}`: the call's own reason is `{:nodedown, node}`. */
function isNodedownExit(reason: Term): boolean {
  return reason.t === 'tuple' && reason.v.length === 2 && reason.v[0] !== undefined && isAtom(reason.v[0], 'nodedown');
}

function* markCompatible(state: ConnectorState, env: Env): Step<Compatibility> {
  yield* monitorRemoteNode(state);
  if (state.remoteProxyRef === null) {
    state.remoteProxyRef = env.makeRef();
    yield { kind: 'monitor', ref: state.remoteProxyRef, target: remoteProxy(state.remote) };
  }
  yield { kind: 'nodes.insert', node: state.remote, status: COMPATIBLE };
  return 'compatible';
}

function* markIncompatible(state: ConnectorState, env: Env, attempt: number): Step<Compatibility> {
  yield* monitorRemoteNode(state);
  yield { kind: 'nodes.insert', node: state.remote, status: { kind: 'incompatible', enforceUntilMs: env.nowMs + penaltyMs(attempt), attempt } };
  return 'incompatible';
}

function* markUnavailable(state: ConnectorState): Step<Compatibility> {
  yield { kind: 'nodes.insert', node: state.remote, status: UNAVAILABLE };
  return 'incompatible';
}

function* monitorRemoteNode(state: ConnectorState): Step {
  if (state.remoteNodeMonitored) return;
  state.remoteNodeMonitored = true;
  yield { kind: 'monitor_node', node: state.remote };
}

/** `{ZenMonitor.Proxy, remote}`. */
function remoteProxy(remote: string): Target {
  return namedTarget(regNameAtom('ZenMonitor.Proxy').v, remote);
}

// --- sweeps, deaths and node loss -------------------------------------------------------

function scheduleSweep(env: Env): Effect {
  return { kind: 'send_after', ms: env.config.connector_sweep_interval, msg: { kind: 'sweep' } };
}

/** `handle_info(:sweep)`: sweep if compatible, else fire everything; then re-arm. */
function* sweepTick(state: ConnectorState, env: Env): Step {
  if ((yield* doCompatibility(state, env)) === 'compatible') yield* sweep(state, env);
  else yield* fireEverything(state, env);
  yield scheduleSweep(env);
}

/** `do_sweep/1`: up to `connector_chunk_size` instructions from the head, to the Proxy. */
function* sweep(state: ConnectorState, env: Env): Step {
  const instructions = state.batch.take(env.config.connector_chunk_size);
  yield metric(METRIC_PREFIX, 'sweep', instructions.length);
  if (instructions.length === 0) return;
  yield { kind: 'send_named', name: 'ZenMonitor.Proxy', node: state.remote, msg: { kind: 'process', connector: env.self, instructions } };
}

/** `do_down/1`: every monitor fires with `{:zen_monitor, :nodedown}`; monitors and batch cleared. */
function* fireEverything(state: ConnectorState, env: Env): Step {
  const dispatches = nodedownDispatches(state);
  state.monitors.clear();
  state.monitorCount = 0;
  state.batch.clear();
  const enqueue = enqueueWithLocal(env, dispatches);
  if (enqueue !== undefined) yield enqueue;
}

/** Each monitor's `{subscriber, {:DOWN, ref, :process, target, {:zen_monitor, :nodedown}}}`, in key order. */
function nodedownDispatches(state: ConnectorState): Dispatch[] {
  return mapMonitors(state, nodedownDispatch);
}

function* nodedown(state: ConnectorState, env: Env): Step {
  yield* markUnavailable(state);
  state.remoteNodeMonitored = false;
  yield* fireEverything(state, env);
}

function* onDown(state: ConnectorState, input: DownMsg, env: Env): Step {
  if (state.remoteProxyRef === null || input.ref.uid !== state.remoteProxyRef.uid) {
    yield unhandled();
    return;
  }
  if (isAtom(input.reason, 'noconnection')) yield* markUnavailable(state);
  else yield* markIncompatible(state, env, 1);
  state.remoteProxyRef = null;
  yield* fireEverything(state, env);
}

/** `{:dead, remote, certificates}`: consume each dead target's monitors, in order. */
function* dead(state: ConnectorState, input: DeadMsg, env: Env): Step {
  const dispatches: Dispatch[] = [];
  for (const certificate of input.certificates) consumeTarget(state, certificate, dispatches);
  const enqueue = enqueueWithLocal(env, dispatches);
  if (enqueue !== undefined) yield enqueue;
}

function consumeTarget(state: ConnectorState, { pid, reason }: Certificate, out: Dispatch[]): void {
  const key = targetKey(pid);
  const entry = state.monitors.get(key);
  if (entry === undefined) return;
  const wrapped = zenReason(reason);
  const rows = entry instanceof TargetMonitors ? rowsInOrder(entry) : [entry];
  for (const row of rows) {
    out.push(rowDispatch(row, pid, wrapped));
  }
  state.monitors.delete(key);
  state.monitorCount -= rows.length;
}

function rowsInOrder(group: TargetMonitors): MonitorRow[] {
  const rows = [...group.values()];
  if (rows.length > 1) rows.sort((a, b) => compareTerms(a.ref, b.ref));
  return rows;
}

function unhandled(): Effect {
  return metric(METRIC_PREFIX, 'unhandled_info');
}
