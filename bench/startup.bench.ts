// Start-up cost of the command line, in CPU time of the whole command (child processes
// included; its wall time beside it): `zensim --help`, and `zensim run` of a 10-target
// herd. Each is run once to warm caches (a build, the transform cache), then `RUNS`
// times; the median counts.
// DESIGN.md's target: under 400 ms of CPU each.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { commandCpuMs, median } from './measure.js';

const RUNS = 5;
const root = fileURLToPath(new URL('..', import.meta.url));

export const STARTUP_COMMANDS: Record<string, string[]> = {
  help: ['--help'],
  run: ['run', 'scenarios/herd.ts', '--set', 'targets=10', '--quiet'],
};

/** Median CPU and wall ms of a command (wall: the same runs, through the shell that times them). */
function timesOf(args: readonly string[]): { cpuMs: number; wallMs: number } {
  const argv = [process.execPath, 'bin/zensim.mjs', ...args];
  commandCpuMs(argv, root);
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    cpu.push(commandCpuMs(argv, root));
    wall.push(performance.now() - t0);
  }
  return { cpuMs: median(cpu), wallMs: median(wall) };
}

/** Median CPU ms of each start-up command. */
export function bench(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, args] of Object.entries(STARTUP_COMMANDS)) {
    const t = timesOf(args);
    out[name] = t.cpuMs;
    console.log(`startup: zensim ${args.join(' ')}: ${t.cpuMs.toFixed(0)} ms CPU, ${t.wallMs.toFixed(0)} ms wall (medians of ${RUNS})`);
  }
  return out;
}
