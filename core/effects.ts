// What a ZenMonitor component asks the world to do, and what the world lends it while it
// handles one input. The closed union of effects, with the table operations of ops.ts,
// is the whole interface between core/ (pure state machines) and any runtime that
// executes them (the simulator in sim/).
//
// Mirrors the side effects ZenMonitor 2.1.0 performs through OTP: GenServer/GenStage
// casts and calls, GenRegistry get-or-start, Process.monitor, Node.monitor,
// Process.send_after, `receive` flushes, hibernation and stops. Rules: a step yields its
// effects one at a time, in program order (ops.ts), each performed at the CPU time it
// happens; a call blocks the step until its result; time comes in as `env.nowMs` (read
// when used) and timers go out as `send_after`.

import type { Pid, Ref, Term } from './terms.js';
import type { ZenConfig } from './config.js';
import type {
  BatcherInput,
  CallRequest,
  ConnectorInput,
  From,
  Msg,
  RegName,
  Target,
} from './messages.js';

/** The world as a component sees it while handling one input. */
export interface Env {
  /** Monotonic time in integer ms (`ZenMonitor.now/0`). */
  readonly nowMs: number;
  /** This node's name (`node()`). */
  readonly node: string;
  /** The pid of the process handling the input (`self()`). */
  readonly self: Pid;
  /** The `:zen_monitor` app env of this node, read on every use. */
  readonly config: ZenConfig;
  /** `make_ref()`. */
  makeRef(): Ref;
  /**
   * The uid of a `make_ref()` whose ref is kept only as its uid (a ref of `self`'s node, no
   * alias: monitor_msg.ts remakes it equal), without making the ref; none where only
   * `makeRef` is had.
   */
  makeRefUid?(): number;
}

/** `send(to, msg)`; with `noconnect`, dropped silently if `to`'s node is not connected. */
export type SendEffect = { readonly kind: 'send'; readonly to: Pid; readonly msg: Msg; readonly noconnect?: true };
/** `send({name, node}, msg)` (GenServer.cast / GenStage.cast to a registered name). */
export type SendNamedEffect = { readonly kind: 'send_named'; readonly name: RegName; readonly node: string; readonly msg: Msg };
/**
 * `GenServer.cast(Connector.get_for_node(node), msg)`: the runtime reads this node's
 * Connector registry (`GenRegistry.lookup`, keyed by `node`: the pid there may be of a
 * Connector that just died, and the cast is then lost) and, on a miss, calls
 * `GenRegistry.lookup_or_start` (the step blocks until the registry has started the
 * Connector; `{:ok, pid} =` of anything else crashes the process), then casts to it.
 */
export type CastConnectorEffect = { readonly kind: 'cast_connector'; readonly node: string; readonly msg: ConnectorInput };
/**
 * `Batcher.get(connector) |> Batcher.enqueue(...)`: as `cast_connector`, on this node's
 * Batcher registry keyed by `connector` (`lookup_or_start` with `lookupTimeoutMs`).
 */
export type CastBatcherEffect = {
  readonly kind: 'cast_batcher';
  readonly connector: Pid;
  readonly msg: BatcherInput;
  readonly lookupTimeoutMs: number;
};
/**
 * `GenServer.call({name, node}, request, timeoutMs)`. The step blocks (selective receive)
 * until the reply, the timeout or the callee's DOWN, and the `yield` answers a
 * `CallResult`: `{ok: reply}`, or `{exit: reason}` with reason `:timeout`, or
 * `callExitReason(downReason, node)` (`{:nodedown, node}` for `:noconnection`, `:noproc`
 * when the name is not registered). The callee receives `callMessage(request, from)`
 * with a `from` the runtime makes.
 */
export type CallEffect = {
  readonly kind: 'call';
  readonly to: { readonly name: RegName; readonly node: string };
  readonly msg: CallRequest;
  readonly timeoutMs: number;
};
/** `GenServer.call(Connector.get_for_node(node), :connect, timeoutMs)`: the Connector as `cast_connector` gets it, then as `call`. */
export type CallConnectorEffect = {
  readonly kind: 'call_connector';
  readonly node: string;
  readonly msg: CallRequest;
  readonly timeoutMs: number;
};
/** `GenServer.reply(from, value)`: the caller gets `{kind: 'reply', tag: from.tag, value}`. */
export type ReplyEffect = { readonly kind: 'reply'; readonly to: From; readonly value: Term };
/**
 * `Process.monitor(target)` under the given ref; without one, its ref is dropped (the
 * Proxy's: no ref is made, its monitor keeps the uid). A name monitor's DOWN names its
 * object `{name, node}` (ERTS), even when a bare atom was monitored.
 */
export type MonitorEffect = { readonly kind: 'monitor'; readonly ref?: Ref; readonly target: Target };
/** `Node.monitor(node, true)`: `{:nodedown, node}` when the connection goes down. */
export type MonitorNodeEffect = { readonly kind: 'monitor_node'; readonly node: string };
/** `Process.send_after(self(), msg, ms)`. */
export type SendAfterEffect = { readonly kind: 'send_after'; readonly ms: number; readonly msg: Msg };
/** `receive do {:DOWN, ^ref, _, _, _} -> nil after 0 -> nil end` in the calling process. */
export type FlushDownEffect = { readonly kind: 'flush_down'; readonly ref: Ref };
/** The process hibernates after this input (a CPU cost; no semantic effect). */
export type HibernateEffect = { readonly kind: 'hibernate' };
/** The process exits with `reason` after this input. */
export type StopEffect = { readonly kind: 'stop'; readonly reason: Term };
/**
 * An Erlang exception the step does not catch (core/raise.ts): the process crashes with
 * `reason` there, at the CPU time reached; nothing after it runs (the runtime never answers it).
 */
export type RaiseEffect = { readonly kind: 'raise'; readonly reason: Term };
/** An instruments counter increment (`increment(name, value, tags)`); no semantic effect. */
export type MetricEffect = { readonly kind: 'metric'; readonly name: string; readonly value: number; readonly tags?: readonly string[] };

export type Effect =
  | SendEffect
  | SendNamedEffect
  | CastConnectorEffect
  | CastBatcherEffect
  | CallEffect
  | CallConnectorEffect
  | ReplyEffect
  | MonitorEffect
  | MonitorNodeEffect
  | SendAfterEffect
  | FlushDownEffect
  | HibernateEffect
  | StopEffect
  | RaiseEffect
  | MetricEffect;

/** A component's initial state and the effects of its `init/1`. */
export type Init<S> = { readonly state: S; readonly effects: Effect[] };

/** The default `GenServer.call/2` timeout, ms. */
export const DEFAULT_CALL_TIMEOUT_MS = 5000;

/** `increment(prefix <> "." <> name, value, tags)`. */
export function metric(prefix: string, name: string, value = 1, tags?: readonly string[]): MetricEffect {
  if (value === 1 && tags === undefined) return increment(prefix, name);
  const fullName = `${prefix}.${name}`;
  return tags === undefined ? { kind: 'metric', name: fullName, value } : { kind: 'metric', name: fullName, value, tags };
}

/** The plain increments, one frozen effect per metric: a component counts one or more per message it handles. */
const increments = new Map<string, Map<string, MetricEffect>>();

function increment(prefix: string, name: string): MetricEffect {
  let byName = increments.get(prefix);
  if (byName === undefined) {
    byName = new Map();
    increments.set(prefix, byName);
  }
  let effect = byName.get(name);
  if (effect === undefined) {
    effect = Object.freeze({ kind: 'metric', name: `${prefix}.${name}`, value: 1 });
    byName.set(name, effect);
  }
  return effect;
}
