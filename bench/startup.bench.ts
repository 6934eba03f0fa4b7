// Start-up cost of the command line, in CPU time of the whole command (child processes
// included; its wall time beside it): `zensim --help`, and `zensim run` of a 10-target
// herd, with a bare node start (`node -e 0`) measured beside them as the floor they stand
// on. Each is run once to warm caches (a build, the transform cache), then the three in
// turn, `RUNS` times, so a spell of slow host hits them alike; the median counts.
// DESIGN.md's target: under 400 ms of CPU each.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { commandCpuMs, median } from './measure.js';

const RUNS = 5;
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Each command's node arguments, the bare node start first: measured beside the commands
 * as their floor. On this virtual machine a page fault or a system call costs several
 * times more in some spells than in others (the whole command's CPU then reads 3-4× high:
 * `--help` 866-1,192 ms against ~250): a reference several times its usual (~110 ms here)
 * says the host, not the command, was slow.
 */
const COMMANDS: Record<string, string[]> = {
  reference: ['-e', '0'],
  help: ['bin/zensim.mjs', '--help'],
  run: ['bin/zensim.mjs', 'run', 'scenarios/herd.ts', '--set', 'targets=10', '--quiet'],
};

/** Median CPU ms of each start-up command (the reference not among them). */
export function bench(): Record<string, number> {
  const entries = Object.entries(COMMANDS);
  const cpu = new Map<string, number[]>(entries.map(([name]) => [name, []]));
  const wall = new Map<string, number[]>(entries.map(([name]) => [name, []]));
  for (const [, args] of entries) commandCpuMs([process.execPath, ...args], root);
  for (let i = 0; i < RUNS; i++) {
    for (const [name, args] of entries) {
      const t0 = performance.now();
      cpu.get(name)?.push(commandCpuMs([process.execPath, ...args], root));
      wall.get(name)?.push(performance.now() - t0);
    }
  }
  const out: Record<string, number> = {};
  for (const [name, args] of entries) {
    const cpuMs = median(cpu.get(name) ?? []);
    const what = name === 'reference' ? 'node -e 0 (a bare node start: the floor, for reference)' : `zensim ${args.slice(1).join(' ')}`;
    console.log(`startup: ${what}: ${cpuMs.toFixed(0)} ms CPU, ${median(wall.get(name) ?? []).toFixed(0)} ms wall (medians of ${RUNS})`);
    if (name !== 'reference') out[name] = cpuMs;
  }
  return out;
}
