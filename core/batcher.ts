// The Batcher: one per remote Connector, on the Proxy's node. It collects the death
// certificates destined for its Connector and sends them in chunks on a timer.
//
// Mirrors ZenMonitor.Proxy.Batcher (lib/zen_monitor/proxy/batcher.ex, v2.1.0). Rules
// kept: at start it monitors its Connector and schedules a sweep; a sweep re-arms after
// it is handled and, if the batch is non-empty, sends up to `batcher_chunk_size`
// certificates from the head as `{:dead, node(), certificates}` with `:noconnect` (dropped
// silently if the Connector's node is not connected at that moment); when its Connector
// goes DOWN it deletes every Proxy subscribers row of that Connector and stops with
// `{:shutdown, {:subscriber_down, reason}}`. The Proxy Subscribers table it cleans is
// shared, used through operations (ops.ts).

import type { Pid } from './terms.js';
import { assertNever, atom, tuple } from './terms.js';
import type { Effect, Env, Init } from './effects.js';
import { metric } from './effects.js';
import type { BatcherInput, Certificate, DownMsg } from './messages.js';
import type { Step } from './ops.js';
import { Fifo } from './fifo.js';
import { invariant } from './invariant.js';

const METRIC_PREFIX = 'zen_monitor.proxy.batcher';

export interface BatcherState {
  /** The Connector (on a remote node) the certificates are for (`subscriber`). */
  readonly connector: Pid;
  /** Certificates awaiting the next sweep (`batch`, `length`). */
  readonly batch: Fifo<Certificate>;
}

/** `init/1`: monitor the Connector, schedule the first sweep. */
export function initBatcher(connector: Pid, env: Env): Init<BatcherState> {
  return {
    state: { connector, batch: new Fifo() },
    effects: [{ kind: 'monitor', ref: env.makeRef(), target: connector }, scheduleSweep(env)],
  };
}

export function* batcherStep(state: BatcherState, input: BatcherInput, env: Env): Step {
  switch (input.kind) {
    case 'enqueue':
      state.batch.push({ pid: input.pid, reason: input.reason });
      yield metric(METRIC_PREFIX, 'enqueue');
      return;
    case 'sweep':
      yield* sweep(state, env);
      yield scheduleSweep(env);
      return;
    case 'DOWN':
      return yield* connectorDown(state, input);
    default:
      return assertNever(input);
  }
}

/** `do_sweep/1`. */
function* sweep(state: BatcherState, env: Env): Step {
  if (state.batch.length === 0) return;
  const certificates = state.batch.take(env.config.batcher_chunk_size);
  yield metric(METRIC_PREFIX, 'sweep', certificates.length);
  yield { kind: 'send', to: state.connector, msg: { kind: 'dead', node: env.node, certificates }, noconnect: true };
}

function* connectorDown(state: BatcherState, { object, reason }: DownMsg): Step {
  // The Batcher monitors nothing else; upstream would crash on any other DOWN.
  invariant(object.t === 'pid' && object.uid === state.connector.uid, 'Batcher: DOWN of a process other than its Connector');
  yield { kind: 'proxy_subscribers.match_delete', connector: state.connector };
  yield { kind: 'stop', reason: tuple(atom('shutdown'), tuple(atom('subscriber_down'), reason)) };
}

function scheduleSweep(env: Env): Effect {
  return { kind: 'send_after', ms: env.config.batcher_sweep_interval, msg: { kind: 'sweep' } };
}
