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

const STARTUP_COMMANDS: Record<string, string[]> = {
  help: ['--help'],
  run: ['run', 'scenarios/herd.ts', '--set', 'targets=10', '--quiet'],
};

/**
 * A bare node start, measured beside the commands. On this virtual machine a page fault
 * or a system call costs several times more in some spells than in others (the whole
 * command's CPU then reads 3-4× high: `--help` 866-1,192 ms against ~250): a reference
 * several times its usual (~110 ms here) says the host, not the command, was slow.
 */
const REFERENCE = ['-e', '0'];

type Times = { cpuMs: number[]; wallMs: number[] };

/** CPU and wall ms of one run of `node ...argv`, appended to `t`. */
function timeOnce(argv: readonly string[], t: Times): void {
  const t0 = performance.now();
  t.cpuMs.push(commandCpuMs([process.execPath, ...argv], root));
  t.wallMs.push(performance.now() - t0);
}

/** Median CPU ms of each start-up command (the reference not among them). */
export function bench(): Record<string, number> {
  const commands: [string, string[]][] = [['reference', REFERENCE], ...Object.entries(STARTUP_COMMANDS).map(([name, args]): [string, string[]] => [name, ['bin/zensim.mjs', ...args]])];
  const times = new Map<string, Times>(commands.map(([name]) => [name, { cpuMs: [], wallMs: [] }]));
  for (const [, argv] of commands) commandCpuMs([process.execPath, ...argv], root);
  for (let i = 0; i < RUNS; i++) for (const [name, argv] of commands) timeOnce(argv, times.get(name) as Times);
  const out: Record<string, number> = {};
  for (const [name, argv] of commands) {
    const t = times.get(name) as Times;
    const cpuMs = median(t.cpuMs);
    const what = name === 'reference' ? 'node -e 0 (a bare node start: the floor, for reference)' : `zensim ${argv.slice(1).join(' ')}`;
    console.log(`startup: ${what}: ${cpuMs.toFixed(0)} ms CPU, ${median(t.wallMs).toFixed(0)} ms wall (medians of ${RUNS})`);
    if (name !== 'reference') out[name] = cpuMs;
  }
  return out;
}
