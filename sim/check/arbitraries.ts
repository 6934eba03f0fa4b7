// fast-check arbitraries for check schedules (sim/check/schedule.ts): cluster shapes (2 to
// 6 nodes, some without ZenMonitor), ZenMonitor settings, workloads (spawn, monitor one
// process or several at once, demonitor with and without :flush, also of all the others
// from the handler of one DOWN, demonitor and re-monitor within one sweep, kills with varied reasons,
// alone or in bursts, subscribers exiting), plain ERTS traffic between the probes (bursts
// of numbered messages, ERTS monitors, timers) and faults (crash, restart, one-way and
// two-way partitions, heal, latency spikes, stopping, starting and restarting
// ZenMonitor, connecting nodes). A quarter of the steps fall on five shared moments, so
// that things happen in bursts (several deaths in one Batcher sweep).
//
// Rules: sizes stay small (≤ 6 nodes, ≤ 30 processes, ≤ 40 steps) so a run takes
// milliseconds and shrinking is effective; every choice shrinks toward the simplest
// value (ZenMonitor on every node, default settings, fewer steps, earlier indices).
import fc from 'fast-check';
import { MAX_PROCS, REASONS, SCHEDULE_VERSION, ZEN_COMPONENTS, type NodeShape, type Schedule, type Step, type ZenSettings } from './schedule.js';

export type ArbOptions = {
  /** Include faults (default true); false gives workloads on a healthy cluster. */
  readonly faults?: boolean;
  /** Include demonitor(ref, [:flush]) calls that race the Dispatcher (default true). */
  readonly racing?: boolean;
  /** Upper bounds (defaults 6 nodes, 12 processes at start, 40 steps). */
  readonly maxNodes?: number;
  readonly maxInitialProcs?: number;
  readonly maxSteps?: number;
  /** Steps happen within this many ms of the script's start; the faults stop then (default 6000). */
  readonly horizonMs?: number;
};


const nodeArb: fc.Arbitrary<NodeShape> = fc.record({
  schedulers: fc.constantFrom(2, 1, 3, 4),
  zen: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});

/** ZenMonitor settings: upstream defaults first (what shrinking goes back to), then small and fast values. */
export const settingsArb: fc.Arbitrary<ZenSettings> = fc.record({
  connector_sweep_interval: fc.constantFrom(100, 10, 20, 50),
  connector_chunk_size: fc.constantFrom(5000, 1, 2, 3),
  batcher_sweep_interval: fc.constantFrom(100, 10, 20, 50),
  batcher_chunk_size: fc.constantFrom(5000, 1, 2, 3),
  demand_interval: fc.constantFrom(100, 10, 20, 50),
  demand_amount: fc.constantFrom(1000, 1, 2, 5),
  truncation_depth: fc.constantFrom(3, 0, 1, 2, 4),
});

function stepArb(o: Required<ArbOptions>): fc.Arbitrary<Step> {
  // Some steps fall on a few shared moments, so that deaths, monitors and faults come in bursts.
  const moments = [1, 2, 3, 4, 5].map((k) => Math.round((k * o.horizonMs) / 6));
  const atMs = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: o.horizonMs }) }, { weight: 1, arbitrary: fc.constantFrom(...moments) });
  const node = fc.nat({ max: o.maxNodes - 1 });
  // Mostly the first few processes, so that targets are shared and deaths come in bursts.
  const proc = fc.oneof({ weight: 2, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: fc.nat({ max: MAX_PROCS - 1 }) });
  const reason = fc.nat({ max: REASONS.length - 1 });
  const pair = { a: node, b: node };
  const w = (weight: number, arbitrary: fc.Arbitrary<Step>) => ({ weight, arbitrary });
  const workload = [
    w(10, fc.record({ atMs, op: fc.constant('monitor' as const), sub: proc, target: proc })),
    w(2, fc.record({ atMs, op: fc.constant('monitor_burst' as const), sub: proc, target: proc, count: fc.integer({ min: 2, max: 6 }) })),
    w(4, fc.record({ atMs, op: fc.constant('kill' as const), proc, reason })),
    w(2, fc.record({ atMs, op: fc.constant('kill_burst' as const), proc, count: fc.integer({ min: 2, max: 6 }), reason })),
    w(2, fc.record({ atMs, op: fc.constant('spawn' as const), node })),
    w(2, fc.record({ atMs, op: fc.constant('demonitor' as const), monitor: fc.nat({ max: 39 }) })),
    w(2, fc.record({ atMs, op: fc.constant('demonitor_flush' as const), monitor: fc.nat({ max: 39 }) })),
    w(1, fc.record({ atMs, op: fc.constant('subscriber_exit' as const), proc, reason })),
    w(2, fc.record({ atMs, op: fc.constant('remonitor' as const), monitor: fc.nat({ max: 39 }) })),
    w(1, fc.record({ atMs, op: fc.constant('flush_others_on_down' as const), monitor: fc.nat({ max: 39 }) })),
    w(1, fc.record({ atMs, op: fc.constant('send' as const), proc, to: proc, count: fc.integer({ min: 1, max: 4 }) })),
    w(2, fc.record({ atMs, op: fc.constant('erts_monitor' as const), sub: proc, target: proc })),
    w(1, fc.record({ atMs, op: fc.constant('send_after' as const), proc, ms: fc.integer({ min: 0, max: 50 }) })),
  ];
  // A flush that races the Dispatcher, a few µs into the batch carrying the DOWN (its
  // take-to-send window), or a few tens (its DOWN and others for the same subscriber queued).
  const raceUs = fc.oneof({ weight: 2, arbitrary: fc.nat({ max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min: 5, max: 60 }) });
  if (o.racing) workload.push(w(1, fc.record({ atMs, op: fc.constant('demonitor_flush' as const), monitor: fc.nat({ max: 39 }), raceUs })));
  if (!o.faults) return fc.oneof(...workload);
  const faults = [
    w(1, fc.record({ atMs, op: fc.constant('crash' as const), node })),
    w(1, fc.record({ atMs, op: fc.constant('restart' as const), node })),
    w(1, fc.record({ atMs, op: fc.constant('partition' as const), ...pair })),
    w(1, fc.record({ atMs, op: fc.constant('partition_one_way' as const), ...pair })),
    w(1, fc.record({ atMs, op: fc.constant('heal' as const), ...pair })),
    w(1, fc.record({ atMs, op: fc.constant('latency' as const), ...pair, ms: fc.integer({ min: 1, max: 2000 }) })),
    w(1, fc.record({ atMs, op: fc.constant('stop_zen' as const), node })),
    w(1, fc.record({ atMs, op: fc.constant('start_zen' as const), node })),
    w(1, fc.record({ atMs, op: fc.constant('restart_zen' as const), node })),
    w(1, fc.record({ atMs, op: fc.constant('connect' as const), ...pair })),
    w(2, fc.record({ atMs, op: fc.constant('kill_zen' as const), node, component: fc.nat({ max: ZEN_COMPONENTS.length - 1 }), peer: node })),
  ];
  return fc.oneof(...workload, ...faults);
}

/** Random schedules. */
export function scheduleArb(opts: ArbOptions = {}): fc.Arbitrary<Schedule> {
  const o: Required<ArbOptions> = {
    faults: opts.faults ?? true,
    racing: opts.racing ?? true,
    maxNodes: opts.maxNodes ?? 6,
    maxInitialProcs: opts.maxInitialProcs ?? 12,
    maxSteps: opts.maxSteps ?? 40,
    horizonMs: opts.horizonMs ?? 6000,
  };
  return fc
    .record({
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      nodes: fc.array(nodeArb, { minLength: 2, maxLength: o.maxNodes }),
      zen: settingsArb,
      procs: fc.array(fc.nat({ max: o.maxNodes - 1 }), { minLength: 1, maxLength: o.maxInitialProcs, size: 'max' }),
      steps: fc.array(stepArb(o), { maxLength: o.maxSteps, size: 'max' }),
    })
    .map(({ seed, nodes, zen, procs, steps }): Schedule => ({
      version: SCHEDULE_VERSION,
      seed,
      // Subscribers need ZenMonitor on their node: the first node always runs it.
      nodes: nodes.map((n, i) => (i === 0 ? { ...n, zen: true } : n)),
      zen,
      procs,
      steps,
      faultsEndMs: o.horizonMs,
    }));
}
