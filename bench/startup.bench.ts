// Start-up cost of the command line, in CPU time of the whole command (child processes
// included): `zensim --help`, and `zensim run` of a 10-target herd. Each is run once to
// warm caches (a build, the transform cache), then `RUNS` times; the median counts.
// DESIGN.md's target: under 400 ms of CPU each.
import { fileURLToPath } from 'node:url';
import { commandCpuMs, median } from './measure.js';

const RUNS = 5;
const root = fileURLToPath(new URL('..', import.meta.url));

export const STARTUP_COMMANDS: Record<string, string[]> = {
  help: ['--help'],
  run: ['run', 'scenarios/herd.ts', '--set', 'targets=10', '--quiet'],
};

function cpuOf(args: readonly string[]): number {
  const argv = [process.execPath, 'bin/zensim.mjs', ...args];
  commandCpuMs(argv, root);
  return median(Array.from({ length: RUNS }, () => commandCpuMs(argv, root)));
}

/** Median CPU ms of each start-up command. */
export function bench(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, args] of Object.entries(STARTUP_COMMANDS)) {
    out[name] = cpuOf(args);
    console.log(`startup: zensim ${args.join(' ')}: ${out[name].toFixed(0)} ms CPU (median of ${RUNS})`);
  }
  return out;
}
