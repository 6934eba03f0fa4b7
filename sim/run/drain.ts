// Closed-form drain times: how long after the trigger the DOWNs of one failure take to
// reach their subscribers, from the settings alone (the stages of spec §10 and the cost
// model). A scenario derives the cap of its run from them (`run.endWhenDrained`), so a
// run is never cut by a fixed guess; the plan report prints the same formulas beside
// the simulation. Estimates, not bounds: each stage is taken at its nominal rate and its
// worst phase, remote deaths pass the Batcher and then the Dispatcher, the CPU of the
// receiving subscribers bounds them both, and the margin of the cap absorbs queueing.
import type { ZenConfig } from '../../core/config.js';
import type { CostModel } from '../beam/cost.js';
import type { NetConfig } from '../beam/net_config.js';
import type { Mode } from './scenario.js';

/** What fails and who gets the DOWNs. */
export type DrainCase = {
  /** DOWNs to deliver in all. */
  readonly downs: number;
  /** CPU each subscriber spends on a DOWN, µs. */
  readonly downCostUs: number;
  /**
   * `nodedown`: the targets die with their node (vanilla: one connection loss; zen: the
   * Connector fires every monitor at once); `deaths`: they die one by one and each death
   * passes the Proxy's Batcher (zen) or sends its own DOWN signals (vanilla).
   */
  readonly cause: 'nodedown' | 'deaths';
  /** Processes that die (certificates through the Batcher); default `downs`. */
  readonly deaths?: number;
  /** Nodes the DOWNs are spread over, each with its own Dispatcher; default 1. */
  readonly receivingNodes?: number;
  /** Bytes of one DOWN on the wire (vanilla: each carries the whole exit reason); default 70. */
  readonly downBytes?: number;
  /**
   * Nodes the dying processes are spread over (`deaths`), evenly; default 1. Each has its
   * own Batchers (zen) and fires its own processes' monitors (vanilla), in parallel.
   */
  readonly sendingNodes?: number;
  /**
   * Cores of the one host every receiving node runs on (a cluster's shared `hosts`); by
   * default each node has cores of its own. Subscribers on more nodes than the host has
   * cores take turns: all the DOWNs' handling is spread over these cores.
   */
  readonly hostCores?: number;
};

export type DrainSettings = { readonly zen: ZenConfig; readonly cost: CostModel; readonly net: NetConfig };

/** ⌈n / demand_amount⌉ demand ticks of demand_interval + 1 ms (each is re-armed after it is handled). */
export function dispatcherDrainMs(n: number, demandAmount: number, demandIntervalMs: number): number {
  return Math.ceil(n / demandAmount) * (demandIntervalMs + 1);
}

/** ⌈n / batcher_chunk_size⌉ Batcher sweeps of batcher_sweep_interval + 1 ms. */
export function batcherDrainMs(n: number, chunk: number, intervalMs: number): number {
  return Math.ceil(n / chunk) * (intervalMs + 1);
}

/** The closed-form drain of `c` in `mode`, ms after the trigger. */
export function drainEstimateMs(mode: Mode, c: DrainCase, s: DrainSettings): number {
  const nodes = Math.max(1, c.receivingNodes ?? 1);
  const perNode = Math.ceil(c.downs / nodes);
  const senders = Math.max(1, c.sendingNodes ?? 1);
  const bytes = c.downBytes ?? 70;
  const perDownUs = s.cost.receiveUs + c.downCostUs + s.cost.perByteUs * bytes;
  // Every subscriber of a node handles its share of DOWNs; counted serially (an upper bound
  // with several), and on a shared host all of them over its cores.
  const handleMs = Math.max(perNode * perDownUs, c.hostCores === undefined ? 0 : (c.downs * perDownUs) / Math.max(1, c.hostCores)) / 1000;
  const detectMs = c.cause === 'nodedown' ? (s.net.resetDelayUs + s.net.latencyUs) / 1000 : s.net.latencyUs / 1000;
  if (mode === 'vanilla') {
    // A connection loss fires the monitors at once; a dying process fires its own, exitSignalUs each, in its exit's slices.
    const signalMs = c.cause === 'nodedown' ? (perNode * s.cost.connLossPerMonitorUs) / 1000 : (Math.ceil(c.downs / senders) * s.cost.exitSignalUs) / 1000;
    const wireMs = (c.downs * bytes * 1000) / s.net.bandwidthBytesPerS;
    return detectMs + Math.max(signalMs, wireMs) + handleMs;
  }
  const z = s.zen;
  const dispatcher = (n: number) => dispatcherDrainMs(n, z.demand_amount, z.demand_interval);
  // The Connector walks its monitors once and Local takes the list in: batchItemUs each, twice.
  const fireMs = (perNode * 2 * s.cost.batchItemUs) / 1000;
  if (c.cause === 'nodedown') return detectMs + fireMs + Math.max(dispatcher(perNode), handleMs);
  // Remote deaths pass two timed stages in a row: each sending node's Batcher hands its
  // certificates over batcher_chunk_size per sweep (the first a whole interval after the
  // first death), and each receiving node's Dispatcher drains what has arrived. The last
  // DOWN follows either the first sweep, with the whole drain behind it, or the last
  // sweep, with only its own chunk's DOWNs behind it.
  const deaths = Math.max(1, c.deaths ?? c.downs);
  const sweeps = Math.ceil(Math.ceil(deaths / senders) / z.batcher_chunk_size);
  const sweepMs = z.batcher_sweep_interval + 1;
  // DOWNs one receiving node gets from a round of sweeps (every sending node's Batcher once).
  const perRound = (senders * z.batcher_chunk_size * perNode) / deaths;
  const lastRound = Math.max(1, Math.ceil(perNode - (sweeps - 1) * perRound));
  return detectMs + fireMs + Math.max(sweepMs + Math.max(dispatcher(perNode), handleMs), sweeps * sweepMs + dispatcher(lastRound));
}

/** A drained run's cap: twice the larger of the estimate and the measurement window, plus 10 s. */
export function drainCapMs(estimateMs: number, windowMs: number): number {
  return 2 * Math.max(estimateMs, windowMs) + 10_000;
}
