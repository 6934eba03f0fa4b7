// The V8 settings zensim runs with, set by the command line (bin/zensim.mjs) and by the
// benchmarks (bench/run.ts, bench/footprint.bench.ts), so that `npm run bench` measures the simulator as the
// command runs it; the heap growth of a run estimated to be large; the ones a plan's
// worker pool runs with; and, last below, the one a large run is started again with,
// which only node's command line can give. Each is set before the isolates it is for
// start, or any code is optimized, or the run it is for has done its work; a value given
// on node's own command line is kept. What the
// simulation computes does not depend on them: only how fast, and in how much memory.
import { availableParallelism, totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';

const FLAGS = [
  // V8's optimizing compiler inlines at most 200 bytes of bytecode into a function, not
  // 920: its background compilations of a short run's many small functions took as much
  // CPU as the run itself (10-target herd: 940 -> 670 ms of CPU, the main thread's share
  // unchanged; the 100,000-target herd: ~5% less CPU, main thread within noise).
  ['max-inlined-bytecode-size-cumulative', '200'],
];

/**
 * A run estimated (sim/run/footprint.ts) to peak at this many bytes or more grows its
 * heap at most ×2 after each full collection (`growHeapFor`).
 */
export const LARGE_HEAP_BYTES = 512 * 2 ** 20;

/**
 * A run estimated to peak at this many bytes or more has its young generation grow to its
 * full size at its first growth (`growHeapFor`): the 100,000-target herd (~180 MiB), not
 * the 30,000-target one (~100 MiB) nor smaller.
 */
export const FULL_YOUNG_BYTES = 128 * 2 ** 20;

/**
 * V8's young generation (two semi-spaces) starts at 1 MB and, when enough survives a
 * scavenge, grows by this factor: 16 takes it to 16 MB, its most on 64-bit, in one step,
 * where V8's own 2 takes four (1, 2, 4, 8, 16) and starts over after a full collection
 * has shrunk it (as each run of a process does, at the end of the one before).
 */
const FULL_YOUNG_GROWTH = 16;

/**
 * V8 settings for a run estimated to peak at `bytes`, set (through `set`) as the run
 * declares its size, before its work; answers the flags it set. A setting node's own
 * command line gave is never changed.
 * - From `FULL_YOUNG_BYTES` on, the young generation grows to its full size at once
 *   (`FULL_YOUNG_GROWTH`). V8 decides to make an allocation site's objects in the old
 *   generation (pretenuring: what a run keeps, its processes, monitors and refs) only at
 *   scavenges of a young generation at its full size; until then they are copied once or
 *   twice and promoted. V8 reads the factor at each growth. The 100,000-target herd, run
 *   four times in a process: scavenges 17 -> 14 and memory they promoted 66 -> 46 MB in
 *   the first run, 9-11 -> 7-8 and 35-39 -> 19-20 MB in the next three; in the bench's
 *   rounds GC pauses 6.7 -> 4.7% of the wall time, CPU 671 -> 620 ms (medians over six
 *   processes of three rounds); its `zensim run` 1,349 -> 1,311 ms of CPU (nine pairs),
 *   peak RSS +22 MB. Part of what the collector saves goes to page faults (the old
 *   generation holds objects a scavenge would have freed). Runs of 10,000 and 30,000
 *   targets, `plan` and `check`: within noise. Not for smaller runs: a 10- or
 *   1,000-target run took 30-45 ms more CPU and +21 MB of RSS (its young generation, once
 *   grown, spread over 32 MB of fresh pages), as `largeRunRelaunch`'s full size from the
 *   start (below) costs a small run more.
 * - From `LARGE_HEAP_BYTES` on, after each full collection the old generation may grow to
 *   twice what survived before the next one, not up to four times (V8's default factor,
 *   chosen from how fast the program allocates, reaches 4 while a simulation builds its
 *   monitors). A run's heap only grows while it sets up, so the difference is memory held
 *   as garbage: the 1,000,000-target herd peaked at 1.63-1.73 GB of RSS, the vanilla
 *   run's world still uncollected while the zen run grew; with the factor at 2, 1.05-1.12
 *   GB, for ~4% more CPU there. Smaller runs keep V8's own factor: at 2 the
 *   100,000-target herd's command made a full collection more, at 5-11% more CPU and no
 *   less memory (pass 21). V8 reads the factor at each collection.
 * `zensim run` sets them this way (bin/zensim.mjs, a run's `onFootprint`), and so does
 * the bench; the other commands from their start (`tuneV8`).
 */
export function growHeapFor(bytes, set = setFlagsFromString, execArgv = process.execArgv) {
  const flags = [];
  if (bytes >= FULL_YOUNG_BYTES && !given('semi-space-growth-factor', execArgv)) flags.push(`--semi-space-growth-factor=${FULL_YOUNG_GROWTH}`);
  if (bytes >= LARGE_HEAP_BYTES && !given('heap-growing-percent', execArgv)) flags.push('--heap-growing-percent=100');
  for (const flag of flags) set(flag);
  return flags;
}

/** Whether node's own command line (`execArgv`) gave V8 flag `name`, in any spelling: dashes or underscores, a value, or (a switch) negated with `no-`. */
function given(name, execArgv = process.execArgv) {
  const spellings = [name, `no-${name}`].flatMap((n) => [`--${n}`, `--${n.replaceAll('-', '_')}`]);
  return execArgv.some((a) => spellings.some((s) => a === s || a.startsWith(`${s}=`)));
}

/**
 * Sets the options above. `heapPerRun`: the caller tells `growHeapFor` each run's estimate
 * (`zensim run`, and the benches that mirror it); otherwise (`plan`, whose runs go on in
 * this isolate or in workers that share its settings, and `check`) any run may be large,
 * so the heap is set throughout as `growHeapFor` sets it for a large run.
 */
export function tuneV8(heapPerRun = false, set = setFlagsFromString, execArgv = process.execArgv) {
  for (const [name, value] of FLAGS) if (!given(name, execArgv)) set(`--${name}=${value}`);
  if (!heapPerRun) growHeapFor(Infinity, set, execArgv);
}

/**
 * V8's helper threads while a plan's worker threads fill every core (`workers` at least
 * `cores`): each worker isolate hands its hot functions to V8's platform threads to
 * compile (TurboFan, in the background) and has them help its young-generation
 * collections (parallel scavenge tasks). With a worker on every core those threads only
 * take a core from another worker, a compile done in the background costs ~1.7× the CPU
 * of the same compile done in line, and a scavenge's tasks wait for a core. So while such
 * a pool runs, worker isolates compile in line (an isolate reads this as it starts) and
 * scavenge on their own thread (read at each scavenge); the main isolate, idle then,
 * keeps its compiler thread. `plan --jobs 2` on 2 cores, commands interleaved with and
 * without: 16 runs of a 10k herd -4.5% CPU and -6% wall (5 pairs; 0.84-0.98x both in 8
 * pairs on a busier host), 8 runs of a 100k herd -4.3% and -4.7% (3 pairs). Turning off
 * V8's other GC helpers too (parallel compaction and pointer update, concurrent
 * sweeping) gave nothing more, and parallel marking off crashes node 20's V8 (cppgc's
 * marker), even from node's command line. With a core to spare, nothing changes. The
 * names of the switches turned off; none given on node's own command line.
 */
export function workerPoolSwitches(workers, cores = availableParallelism(), execArgv = process.execArgv) {
  if (workers < cores) return [];
  return ['concurrent-recompilation', 'parallel-scavenge'].filter((name) => !given(name, execArgv));
}

/** The initial old generation of a plan's worker isolates, MiB (`workerOldSpaceMiB`), where memory allows. */
const WORKER_OLD_SPACE_MIB = 128;
/** At most this share of the machine's memory goes to the workers' initial old generations together. */
const WORKER_OLD_SPACE_SHARE = 1 / 8;
/** V8's own first limit is about this (MiB): below it the setting would only start collections earlier. */
const V8_FIRST_LIMIT_MIB = 16;

/**
 * The initial old generation, MiB, each of a plan's `workers` isolates is given (V8's
 * `initial-old-space-size`; 0: left to V8). V8 otherwise lowers an isolate's first
 * old-generation limit as its young collections find little surviving, so a fresh
 * isolate's full collections come at ~20 MB, ~60 MB and so on: each marks all that
 * lives, and while it marks every pointer store takes the write barrier's slow path (a
 * 100k herd's command: three full collections, ~9% of its CPU against one with the
 * first limit at 128 MB). In `plan --jobs 2` over 16 runs of a 10k herd each worker made
 * 5 and 6 full collections, none with it: -13% CPU, +128 MB peak RSS. What it costs is
 * garbage held up to that size before the first collection, per worker: the workers
 * together take at most an eighth of the machine's memory (`totalBytes`), else each gets
 * its share of that, or nothing when the share is below V8's own first limit. An isolate
 * reads this as it starts, so it is set for the workers only: the command's own isolate
 * started before, and node's command line alone could set it there (so `--jobs 1` runs
 * on a worker too: in this isolate the 100k herd's 8-run sweep took ~15% more CPU). Never
 * against a size node's command line gave.
 */
export function workerOldSpaceMiB(workers, totalBytes = totalmem(), execArgv = process.execArgv) {
  if (given('initial-old-space-size', execArgv) || given('initial-heap-size', execArgv)) return 0;
  const share = Math.floor((totalBytes * WORKER_OLD_SPACE_SHARE) / Math.max(1, workers) / 2 ** 20);
  const mib = Math.min(WORKER_OLD_SPACE_MIB, share);
  return mib > V8_FIRST_LIMIT_MIB ? mib : 0;
}

/**
 * Turns off `workerPoolSwitches(workers)` and sets `workerOldSpaceMiB(workers)` as a
 * plan's pool of `workers` threads starts (before any of them); answers what puts them
 * back, called once they have all ended.
 */
export function enterWorkerPool(workers, set = setFlagsFromString, cores = availableParallelism(), execArgv = process.execArgv, totalBytes = totalmem()) {
  const names = workerPoolSwitches(workers, cores, execArgv);
  const oldSpace = workerOldSpaceMiB(workers, totalBytes, execArgv);
  for (const name of names) set(`--no-${name}`);
  if (oldSpace > 0) set(`--initial-old-space-size=${oldSpace}`);
  return () => {
    for (const name of names) set(`--${name}`);
    if (oldSpace > 0) set('--initial-old-space-size=0');
  };
}

/**
 * A large run's semi-space size, MB, twice V8's most on 64-bit: `largeRunRelaunch`'s
 * relaunched node has it from its start, `largeWorkerRuns`' plan workers may grow to it.
 */
const LARGE_RUN_SEMI_SPACE_MB = 32;

/** Whether node's own command line gave a semi-space size (least or most): a large run's is then left as given. */
function semiSpaceGiven(execArgv = process.execArgv) {
  return given('min-semi-space-size', execArgv) || given('max-semi-space-size', execArgv);
}

/**
 * Where a plan's runs estimated (sim/run/footprint.ts) at `LARGE_HEAP_BYTES` or more go:
 * to worker isolates whose young generation may grow to 32 MB semi-spaces, not V8's 16
 * (PlanHooks.largeRuns). An isolate reads that size as its heap is set up, and a run's
 * estimate is known only at its script's start, in a worker already running: so the
 * pool starts such a worker again after `enter()`, and the run in it (what it computes
 * does not depend on the heap). `enter` answers what puts V8's own size back, called
 * once the workers have all ended. A sweep of two runs of the 1,000,000-target herd
 * (three alternating rounds against pass 39's code): `--jobs 1` 11.42-11.79 -> 11.02-11.14
 * s of CPU, 9.92-10.09 -> 9.58-9.66 s of wall; `--jobs 2` 11.85-12.11 -> 11.61-11.76 s of
 * CPU, its wall within noise (6.20-6.52 -> 6.21-6.31 s), the workers started again
 * included (~0.2 s each: a start and a warm-up).
 * Not for smaller runs: 32 MB for every worker cost the 100,000-target sweep's `--jobs 2`
 * 0.05-0.25 s of CPU (+17,000 page faults) and the 10,000-target one's 0.02-0.06 s, for
 * nothing back. Null when node's own command line gave a semi-space size.
 */
export function largeWorkerRuns(set = setFlagsFromString, execArgv = process.execArgv) {
  if (semiSpaceGiven(execArgv)) return null;
  return {
    minBytes: LARGE_HEAP_BYTES,
    enter: () => {
      set(`--max-semi-space-size=${LARGE_RUN_SEMI_SPACE_MB}`);
      return () => set('--max-semi-space-size=0');
    },
  };
}

/**
 * V8's young generation fixed at 32 MB semi-spaces from a process's start (twice the 16 MB
 * it grows to at most on 64-bit), for runs estimated (sim/run/footprint.ts) to peak at
 * `minBytes` or more: `zensim run` relaunches node with it there (bin/zensim.mjs). V8
 * reads these sizes only as a heap is set up, so they must be on node's command line.
 * - At its full size from the start: V8 decides to make an allocation site's objects in
 *   the old generation (pretenuring) only at collections of a young generation at its
 *   full size; left to grow (1 MB doubling to 16 over the first seconds of a herd) it
 *   reaches that size too, yet the kept records are copied about twice as much: which
 *   decisions the early collections fix is not established, the effect is measured. The
 *   1,000,000-target herd at 16 MB from the start: GC pauses 3.5-4.2 s -> 1.9-2.2 s, peak
 *   RSS 1.02-1.28 -> 0.87-0.89 GB (two pairs of runs, pass 7).
 * - 32 MB rather than 16: what a large run's scavenges copy is what is in flight (queued
 *   DOWNs, the casts in the Connector's mailbox), and twice the room lets twice as much of
 *   it die before a scavenge. The 1,000,000-target herd, seven alternating pairs (pass 40):
 *   GC pauses 511-656 -> 422-510 ms (9.5-11.2% -> 8.2-9.4% of the wall), user CPU
 *   5.9-6.5 -> 5.5-6.0 s, peak RSS +30-60 MB; 64 MB was no better than 32 (three runs,
 *   +100-160 MB). At 400,000 targets GC within noise, CPU 2.65-2.80 -> 2.57-2.67 s, RSS
 *   +66 MB (five pairs).
 * Not for small runs: a 10-target herd took ~250 ms more CPU at 16 MB from the start (twice
 * the page faults, its allocations spread over 32 MB), and the 100,000-target command
 * gained nothing measurable (GC 284-412 against 306-336 ms). The relaunch costs a second
 * node start (~0.3 s of CPU). ZENSIM_LARGE_RUN_MB sets the threshold in MiB (0: never);
 * null when node's own command line gave a semi-space size or a debugger (--inspect), or
 * the threshold is 0.
 */
export function largeRunRelaunch(env = process.env) {
  const text = env.ZENSIM_LARGE_RUN_MB;
  const mb = text === undefined || text === '' ? 512 : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(mb)) throw new RangeError(`ZENSIM_LARGE_RUN_MB must be a whole number of MiB (0: never relaunch), got '${text}'`);
  // Never under a debugger: the process it is attached to runs the command.
  const debugged = process.execArgv.some((a) => /^--(inspect|debug)/.test(a));
  if (mb === 0 || semiSpaceGiven() || debugged) return null;
  return { minBytes: mb * 2 ** 20, flags: [`--min-semi-space-size=${LARGE_RUN_SEMI_SPACE_MB}`, `--max-semi-space-size=${LARGE_RUN_SEMI_SPACE_MB}`] };
}
