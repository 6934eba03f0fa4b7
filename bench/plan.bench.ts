// `npm run bench:plan`: how `zensim plan` scales with worker threads. Each sweep (herd.ts
// over 4 settings: at 10,000 targets × 4 seeds = 16 runs, then at 100,000 targets × 2
// seeds = 8 runs) runs as a whole command with `--jobs 1` and with `--jobs 2`, each into
// a fresh directory, alternating, its `rounds` times; per job count the median wall time
// and CPU time (of the whole command, its threads included) count. DESIGN.md's target on
// an idle 2-core machine: `--jobs 2` at least 1.6× the runs per second of `--jobs 1`,
// with at most 10% more total CPU. Wall-time speed-up needs idle cores: on a loaded
// machine read the CPU figure. Each line gives the 1-minute load average before and
// after the commands (the largest seen): a load near 0 means the wall times are the
// machine's, above ~1 they are shared. Beside each sweep, a reference for the machine at
// that hour: two `zensim run`s of the sweep's herd side by side against one after the
// other, as separate processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { commandCpuMs, median, shellWords } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The sweeps: the issue's small one, where each isolate's warm-up (~1.2 s of CPU, V8's
 * optimizing compiler) is most of the work, and one of operator-sized runs (100,000
 * targets, ~2 s each), where it is amortized. Its figures print with a suffix.
 */
const SWEEPS = [
  { suffix: '', targets: 10_000, seeds: 4, rounds: 3 },
  { suffix: ' (100k herd)', targets: 100_000, seeds: 2, rounds: 3 },
] as const;
const VALUES = ['250', '500', '1000', '2000'];
const POINTS = `zen.demand_amount=${VALUES.join(',')}`;

type Sweep = (typeof SWEEPS)[number];
type Times = { wallMs: number; cpuMs: number };
type Sample = Times & { load: number };

function once(sweep: Sweep, jobs: number): Sample {
  const dir = mkdtempSync(join(tmpdir(), 'zensim-plan-bench-'));
  try {
    const load0 = loadavg()[0] as number;
    const t0 = performance.now();
    const args = ['scenarios/herd.ts', '--set', `targets=${sweep.targets}`, '--vary', POINTS, '--seeds', String(sweep.seeds), '--quiet'];
    const cpuMs = commandCpuMs([process.execPath, 'bin/zensim.mjs', 'plan', ...args, '--out', join(dir, 'out'), '--jobs', String(jobs)], root);
    return { wallMs: performance.now() - t0, cpuMs, load: Math.max(load0, loadavg()[0] as number) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Wall and CPU ms of `n` `zensim run`s of the sweep's herd started together, each its own process. */
function runsTogether(sweep: Sweep, n: number): Times {
  const run = shellWords([process.execPath, 'bin/zensim.mjs', 'run', 'scenarios/herd.ts', '--set', `targets=${sweep.targets}`, '--quiet']);
  const starts = Array.from({ length: n }, (_, i) => `${run} & p${i}=$!;`).join(' ');
  const waits = Array.from({ length: n }, (_, i) => `wait $p${i}`).join(' && ');
  const t0 = performance.now();
  const cpuMs = commandCpuMs(['bash', '-c', `${starts} ${waits}`], root);
  return { wallMs: performance.now() - t0, cpuMs };
}

function measureSweep(sweep: Sweep): void {
  const runs = VALUES.length * sweep.seeds;
  const samples: Record<number, Sample[]> = { 1: [], 2: [] };
  // A reference for two jobs at once, measured in the same rounds: runs/s of two runs side
  // by side ÷ runs/s of the same two one after the other, separate processes. It holds
  // what a pool of workers does not change: the neighbours' load at that hour, and V8's
  // helper threads (compiles, collections), which use the second core while one run goes
  // alone. Each of its runs also pays a node start and its warm-up, which a pool's jobs
  // share: a reference, not a bound.
  const together: Times[] = [];
  const inTurn: Times[] = [];
  for (let r = 0; r < sweep.rounds; r++) {
    for (const jobs of [1, 2]) (samples[jobs] as Sample[]).push(once(sweep, jobs));
    const [a, b] = [runsTogether(sweep, 1), runsTogether(sweep, 1)];
    inTurn.push({ wallMs: a.wallMs + b.wallMs, cpuMs: a.cpuMs + b.cpuMs });
    together.push(runsTogether(sweep, 2));
  }
  const med = (xs: readonly Times[]): Times => ({ wallMs: median(xs.map((x) => x.wallMs)), cpuMs: median(xs.map((x) => x.cpuMs)) });
  const fig = (jobs: number) => {
    const s = samples[jobs] as Sample[];
    return { ...med(s), load: Math.max(...s.map((x) => x.load)) };
  };
  const one = fig(1);
  const two = fig(2);
  for (const [jobs, f] of [[1, one], [2, two]] as const) {
    console.log(
      `plan --jobs ${jobs}: ${runs} runs of a ${sweep.targets.toLocaleString('en-US')}-target herd in ${(f.wallMs / 1000).toFixed(2)} s wall (${((runs / f.wallMs) * 1000).toFixed(2)} runs/s), ${(f.cpuMs / 1000).toFixed(2)} s CPU (median of ${sweep.rounds}; load average up to ${f.load.toFixed(2)})`,
    );
  }
  const [side, turn] = [med(together), med(inTurn)];
  console.log(
    `reference: two runs of a ${sweep.targets.toLocaleString('en-US')}-target herd as two processes side by side in ${(side.wallMs / 1000).toFixed(2)} s wall, ${(side.cpuMs / 1000).toFixed(2)} s CPU; one after the other in ${(turn.wallMs / 1000).toFixed(2)} s wall, ${(turn.cpuMs / 1000).toFixed(2)} s CPU (medians of ${sweep.rounds})`,
  );
  console.log(`ratio plan runs/s jobs2/jobs1${sweep.suffix}: ${(one.wallMs / two.wallMs).toFixed(2)} (two processes side by side: ${(turn.wallMs / side.wallMs).toFixed(2)})`);
  console.log(`ratio plan cpu jobs2/jobs1${sweep.suffix}: ${(two.cpuMs / one.cpuMs).toFixed(2)} (two processes side by side: ${(side.cpuMs / turn.cpuMs).toFixed(2)})`);
}

once(SWEEPS[0], 1); // warm-up (a build, caches)
for (const sweep of SWEEPS) measureSweep(sweep);
