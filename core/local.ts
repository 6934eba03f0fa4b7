// Local: the singleton GenStage producer on every node. It monitors each subscriber once
// (to clean up after it dies) and holds the FIFO of down dispatches that the Dispatcher
// drains on demand.
//
// Mirrors ZenMonitor.Local's server side (lib/zen_monitor/local.ex, v2.1.0) and the
// GenStage producer machinery it relies on. Rules kept: `{:enqueue, dispatches}` only
// appends (a producer emits nothing outside `handle_demand`); a demand of n hands over the
// whole batch if `length <= n`, else its first n; an empty hand-over sends nothing; every
// time the whole batch is handed over a counter grows, and on reaching
// `hibernation_threshold` the process hibernates and the counter restarts. GenStage's
// DemandDispatcher counts the demand its consumer has asked for and not been sent (it
// grows by `demand_amount` every idle tick); when that consumer goes (the Dispatcher is
// killed), its outstanding demand becomes `pending`, and each later ask is first taken
// from `pending` without calling `handle_demand`: a new Dispatcher delivers nothing until
// it has asked as much as the old one had outstanding (measured on the real library:
// docs/real-library/fail). Its
// Subscribers table (protected upstream: Local writes, callers read) and References are
// shared tables, used through operations (ops.ts).

import type { Term } from './terms.js';
import { assertNever } from './terms.js';
import type { Effect, Env, Init } from './effects.js';
import { metric } from './effects.js';
import type { AskMsg, ConnectorInput, Dispatch, DownMsg, LocalInput, Target } from './messages.js';
import { targetNode } from './messages.js';
import type { Op, Step } from './ops.js';
import type { ReferenceRow } from './tables.js';
import { Fifo } from './fifo.js';
import { InvariantError } from './invariant.js';
import { functionClause, raise } from './raise.js';

const METRIC_PREFIX = 'zen_monitor.local';

export interface LocalState {
  /** Down dispatches awaiting demand (`batch`, `length`). */
  readonly batch: Fifo<Dispatch>;
  /** Times the whole batch was handed over since the last hibernation (`queue_emptied`). */
  queueEmptied: number;
  /** The subscribed consumer's demand asked for and not yet sent (DemandDispatcher's counter). */
  demand: number;
  /** Demand of cancelled consumers still to be set against new asks (DemandDispatcher's `pending`). */
  pending: number;
}

/** `init/1`: an empty producer. */
export function initLocal(_env: Env): Init<LocalState> {
  return { state: { batch: new Fifo(), queueEmptied: 0, demand: 0, pending: 0 }, effects: [] };
}

export function* localStep(state: LocalState, input: LocalInput, env: Env): Step {
  switch (input.kind) {
    case 'monitor_subscriber':
      if ((yield { kind: 'subscribers.insert_new', subscriber: input.subscriber }) as boolean) {
        yield { kind: 'monitor', ref: env.makeRef(), target: input.subscriber };
      }
      return;
    case 'DOWN':
      return yield* subscriberDown(input, env);
    case 'enqueue':
      // The cast's list is Local's from here (its Connector built it for this message alone).
      state.batch.pushAll(input.dispatches as Dispatch[]);
      yield metric(METRIC_PREFIX, 'enqueue', input.dispatches.length);
      return;
    case 'ask':
      for (const effect of handleDemand(state, input, env)) yield effect;
      return;
    default:
      return assertNever(input);
  }
}

/**
 * A new Dispatcher subscribes (GenStage's `cancel` of the dead one's subscription, then
 * `subscribe`): the outstanding demand of the old consumer is added to `pending`.
 */
export function subscribeConsumer(state: LocalState): void {
  state.pending += state.demand;
  state.demand = 0;
}

/** `ZenMonitor.Local.enqueue/1`, used by Connectors: one cast, none when empty. */
export function enqueueWithLocal(env: Env, dispatches: Dispatch[]): Effect | undefined {
  if (dispatches.length === 0) return undefined;
  return { kind: 'send_named', name: 'ZenMonitor.Local', node: env.node, msg: { kind: 'enqueue', dispatches } };
}

/**
 * `Connector.monitor/3` and `Connector.demonitor/2`: `target |> Connector.get() |>
 * GenServer.cast(msg)`. A target whose node (`find_node/1`) is not an atom matches no
 * clause of `get_for_node/1`: the operation is the raise that crashes the process there.
 */
export function castToConnector(env: Env, target: Target, msg: ConnectorInput): Op {
  const node = targetNode(target, env.node);
  if (node !== undefined) return { kind: 'cast_connector', node, msg };
  return raise(functionClause('Elixir.ZenMonitor.Local.Connector', 'get_for_node', [target.t === 'tuple' ? (target.v[1] as Term) : target]));
}

/** A subscriber died: delete each of its references and demonitor it through its Connector. */
function* subscriberDown(input: DownMsg, env: Env): Step {
  const subscriber = input.object;
  if (subscriber.t !== 'pid') return;
  const rows = (yield { kind: 'references.match', subscriber }) as readonly ReferenceRow[];
  for (const row of rows) {
    yield { kind: 'references.delete', subscriber, ref: row.ref };
    yield castToConnector(env, row.target, { kind: 'demonitor', target: row.target, ref: row.ref });
  }
  yield { kind: 'subscribers.delete', subscriber };
}

/**
 * GenStage's ask: the demand is counted for the consumer, first set against `pending`
 * (no `handle_demand` for that part), the rest given to `handle_demand/2`, whose events
 * go to the consumer.
 */
function handleDemand(state: LocalState, { n: asked, from }: AskMsg, env: Env): Effect[] {
  if (!Number.isSafeInteger(asked) || asked <= 0) throw new InvariantError(`Local: demand must be a positive integer, got ${asked}`);
  const absorbed = Math.min(state.pending, asked);
  state.pending -= absorbed;
  state.demand += asked;
  const n = asked - absorbed;
  if (n === 0) return [];
  let events: Dispatch[];
  let hibernate = false;
  if (state.batch.length <= n) {
    events = state.batch.takeAll();
    state.queueEmptied++;
    if (state.queueEmptied >= env.config.hibernation_threshold) {
      state.queueEmptied = 0;
      hibernate = true;
    }
  } else {
    events = state.batch.take(n);
  }
  state.demand -= events.length;
  const effects: Effect[] = [];
  if (events.length > 0) {
    effects.push({ kind: 'send', to: from.pid, msg: { kind: 'events', events, from: { pid: env.self, tag: from.tag } } });
  }
  if (hibernate) effects.push({ kind: 'hibernate' });
  return effects;
}
