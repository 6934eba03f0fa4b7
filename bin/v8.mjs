// The V8 settings zensim runs with, set by the command line (bin/zensim.mjs) and by the
// benchmarks (bench/run.ts), so that `npm run bench` measures the simulator as the
// command runs it.
import { setFlagsFromString } from 'node:v8';

// V8's optimizing compiler inlines at most 200 bytes of bytecode into a function, not 920:
// its background compilations of a short run's many small functions took as much CPU as
// the run itself (10-target herd: 940 -> 670 ms of CPU, the main thread's share unchanged;
// the 100,000-target herd: ~5% less CPU, main thread within noise). Set before any code is
// optimized; a value given on node's own command line is kept. What the simulation
// computes does not depend on it.
const INLINE_FLAG = '--max-inlined-bytecode-size-cumulative';

export function tuneV8() {
  if (!process.execArgv.some((a) => a.startsWith(INLINE_FLAG) || a.startsWith('--max_inlined_bytecode_size_cumulative'))) setFlagsFromString(`${INLINE_FLAG}=200`);
}
