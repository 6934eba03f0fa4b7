// The V8 settings zensim runs with, set by the command line (bin/zensim.mjs) and by the
// benchmarks (bench/run.ts, bench/footprint.bench.ts), so that `npm run bench` measures the simulator as the
// command runs it. Each is set before any code is optimized or the heap has grown; a
// value given on node's own command line is kept. What the simulation computes does not
// depend on them: only how fast, and in how much memory.
import { setFlagsFromString } from 'node:v8';

const FLAGS = [
  // V8's optimizing compiler inlines at most 200 bytes of bytecode into a function, not
  // 920: its background compilations of a short run's many small functions took as much
  // CPU as the run itself (10-target herd: 940 -> 670 ms of CPU, the main thread's share
  // unchanged; the 100,000-target herd: ~5% less CPU, main thread within noise).
  ['max-inlined-bytecode-size-cumulative', '200'],
  // After each full collection the old generation may grow to twice what survived before
  // the next one, not up to four times (V8's default factor, chosen from how fast the
  // program allocates, reaches 4 while a simulation builds its monitors). A run's heap
  // only grows while it sets up, so the difference is memory held as garbage: the
  // 1,000,000-target herd peaked at 1.63-1.73 GB of RSS, the vanilla run's world still
  // uncollected while the zen run grew; with the factor at 2, 1.05-1.12 GB, for ~4% more
  // CPU there. The 100,000-target herd was within noise, its GC share lower.
  ['heap-growing-percent', '100'],
];

/** Whether node's own command line gave V8 flag `name` (either spelling). */
function given(name) {
  const spellings = [`--${name}`, `--${name.replaceAll('-', '_')}`];
  return process.execArgv.some((a) => spellings.some((s) => a === s || a.startsWith(`${s}=`)));
}

export function tuneV8() {
  for (const [name, value] of FLAGS) if (!given(name)) setFlagsFromString(`--${name}=${value}`);
}
