// The Dispatcher: the singleton GenStage consumer (manual demand) that delivers down
// dispatches to subscribers at a bounded rate.
//
// Mirrors ZenMonitor.Local.Dispatcher (lib/zen_monitor/local/dispatcher.ex, v2.1.0).
// Rules kept: every `demand_interval` ms it asks Local for `demand_amount` events and
// re-arms after handling; each event is delivered only if its `{subscriber, ref}` row
// could be *taken* from References (a demonitored ref is dropped here, and a ref is
// never delivered twice); after a batch it asks again at once for
// `min(delivered, demand_amount) - sent` (if positive) so dropped events do not eat the
// rate. Maximum rate: `demand_amount * 1000 / demand_interval` events per second. Each
// event's take and send are operations of their own (ops.ts): a subscriber on another
// scheduler can demonitor between them (finding F1).

import type { Pid, Ref } from './terms.js';
import { assertNever } from './terms.js';
import type { Effect, Env, Init } from './effects.js';
import { metric } from './effects.js';
import type { Dispatch, DispatcherInput, DownMsg } from './messages.js';
import type { Op, Step } from './ops.js';
import { ENDED, handOver } from './ops.js';
import { invariant } from './invariant.js';

const METRIC_PREFIX = 'zen_monitor.local.dispatcher';

export interface DispatcherState {
  /** The producer (Local) this consumer is subscribed to. */
  readonly producer: Pid;
  /** The GenStage subscription reference (tags demand and events). */
  readonly subscription: Ref;
}

/**
 * `init/1` + `handle_subscribe/4`: subscribed to `producer` in manual mode; the demand loop
 * starts with the first `:generate_demand` one interval later.
 */
export function initDispatcher(producer: Pid, env: Env): Init<DispatcherState> {
  return { state: { producer, subscription: env.makeRef() }, effects: [scheduleDemand(env)] };
}

/**
 * The Dispatcher's step for `input`: a batch of events is its `HandleEvents` itself, not
 * `yield*`-ed from a generator (which was resumed and suspended at each of a DOWN's two
 * operations).
 */
export function dispatcherStep(state: DispatcherState, input: DispatcherInput, env: Env): Step {
  switch (input.kind) {
    case 'generate_demand':
      return generateDemand(state, env);
    case 'events':
      invariant(input.from.tag.uid === state.subscription.uid, 'Dispatcher: events from an unknown subscription');
      return new HandleEvents(state, input.events, env);
    default:
      return assertNever(input);
  }
}

/** `handle_info(:generate_demand)`: ask for `demand_amount`, then re-arm. */
function* generateDemand(state: DispatcherState, env: Env): Step {
  const asked = ask(state, env.config.demand_amount, env);
  if (asked !== undefined) yield asked;
  yield scheduleDemand(env);
}

/**
 * `handle_events/3`: deliver what is still monitored, then refill the unfulfilled demand.
 * Written out (two operations per DOWN; as a generator, ~80 bytes more a DOWN), each
 * operation handed over in a result of its own (`handOver`: a batch lives long). As a
 * generator it reads:
 *
 *     yield metric('events.delivered', events.length)
 *     for (const {subscriber, down} of events) {
 *       // `still_monitored?/2`: `:ets.take(references, {subscriber, ref}) != []`, then the send.
 *       if ((yield references.take(subscriber, down.ref)) === undefined) continue
 *       yield send(subscriber, down); sent++
 *     }
 *     yield metric('events.processed', sent)
 *     const asked = ask(state, min(events.length, demand_amount) - sent); if (asked) yield asked
 */
class HandleEvents implements Step<void> {
  /** What the next `next` does: `taken` reads the take of `events[at]`. */
  private phase: 'start' | 'take' | 'taken' | 'processed' | 'done' = 'start';
  /** The event being delivered. */
  private at = 0;
  /**
   * Its DOWN, made once for its take (by the DOWN's ref) and its send: a dispatch may make
   * its DOWN at each read (monitor_msg.ts), and the take's ref made apart was ~56 bytes a DOWN.
   */
  private down: DownMsg | undefined = undefined;
  private sent = 0;

  constructor(
    private readonly state: DispatcherState,
    private readonly events: readonly Dispatch[],
    private readonly env: Env,
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(answer: unknown): IteratorResult<Op, void> {
    switch (this.phase) {
      case 'start':
        this.phase = 'take';
        return handOver(metric(METRIC_PREFIX, 'events.delivered', this.events.length));
      case 'take':
        return this.takeNext();
      case 'taken': {
        const { subscriber } = this.events[this.at++] as Dispatch;
        const down = this.down as DownMsg;
        this.down = undefined;
        if (answer === undefined) return this.takeNext();
        this.sent++;
        this.phase = 'take';
        return handOver({ kind: 'send', to: subscriber, msg: down });
      }
      case 'processed': {
        this.phase = 'done';
        const asked = ask(this.state, Math.min(this.events.length, this.env.config.demand_amount) - this.sent, this.env);
        return asked === undefined ? ENDED : handOver(asked);
      }
      case 'done':
        return ENDED;
      default:
        return assertNever(this.phase);
    }
  }

  /** The take of the next event, or, after the last, the processed count. */
  private takeNext(): IteratorResult<Op, void> {
    const e = this.events[this.at];
    if (e === undefined) {
      this.phase = 'processed';
      return handOver(metric(METRIC_PREFIX, 'events.processed', this.sent));
    }
    this.phase = 'taken';
    const down = e.down;
    this.down = down;
    return handOver({ kind: 'references.take', subscriber: e.subscriber, ref: down.ref });
  }
}

/** `ask/2`: `GenStage.ask(producer, n)` unless n <= 0. */
function ask(state: DispatcherState, n: number, env: Env): Effect | undefined {
  if (n <= 0) return undefined;
  return { kind: 'send', to: state.producer, msg: { kind: 'ask', n, from: { pid: env.self, tag: state.subscription } } };
}

function scheduleDemand(env: Env): Effect {
  return { kind: 'send_after', ms: env.config.demand_interval, msg: { kind: 'generate_demand' } };
}
