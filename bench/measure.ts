// What the benchmarks measure (bench/ only: the wall clock and V8's GC profiler are read
// here, never in sim/): wall and CPU time of a piece of work, the time V8 spent in
// garbage collection during it, and the bytes it allocated on the JS heap. CPU time
// (process.cpuUsage: user + system, every thread of the process, GC helpers included)
// holds on a loaded machine where wall time does not.
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';

/**
 * gcMs: every collection pause; scavengeMs: the young generation's (V8's scavenger) among
 * them. systemMs: the kernel's share of cpuMs, and minorFaults the pages touched for the
 * first time meanwhile (the heap growing; what each costs on the host, the herd bench
 * measures and prints beside them: 16-19 µs on the project's virtual machine).
 */
export type Measured<T> = { value: T; wallMs: number; cpuMs: number; systemMs: number; minorFaults: number; gcMs: number; scavengeMs: number; allocatedBytes: number };

/** CPU time of this process so far (all its threads), ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

type HeapStats = { usedHeapSize: number };
type GcStat = { gcType: string; cost: number; beforeGC: { heapStatistics: HeapStats }; afterGC: { heapStatistics: HeapStats } };

/**
 * Runs `f` once, measuring it. Allocation is read from the used heap around each
 * collection (what a collection finds was allocated since the previous one left off),
 * so objects that lived and died between two collections count too.
 */
export function measure<T>(f: () => T): Measured<T> {
  const profiler = new v8.GCProfiler();
  const used0 = v8.getHeapStatistics().used_heap_size;
  profiler.start();
  const r0 = process.resourceUsage();
  const c0 = cpuMs();
  const t0 = performance.now();
  const value = f();
  const wallMs = performance.now() - t0;
  const cpu = cpuMs() - c0;
  const r1 = process.resourceUsage();
  const used1 = v8.getHeapStatistics().used_heap_size;
  const stats = (profiler.stop() as unknown as { statistics: GcStat[] }).statistics;
  let allocatedBytes = 0;
  let gcUs = 0;
  let scavengeUs = 0;
  let after = used0;
  for (const s of stats) {
    allocatedBytes += s.beforeGC.heapStatistics.usedHeapSize - after;
    after = s.afterGC.heapStatistics.usedHeapSize;
    gcUs += s.cost;
    if (s.gcType === 'Scavenge') scavengeUs += s.cost;
  }
  allocatedBytes += used1 - after;
  return { value, wallMs, cpuMs: cpu, systemMs: (r1.systemCPUTime - r0.systemCPUTime) / 1000, minorFaults: r1.minorPageFault - r0.minorPageFault, gcMs: gcUs / 1000, scavengeMs: scavengeUs / 1000, allocatedBytes };
}

/** `argv` as one bash command, each word quoted. */
export function shellWords(argv: readonly string[]): string {
  return argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
}

/**
 * CPU time of a whole command (its child processes included), ms, user and system: run
 * under bash, whose `times` builtin reports the CPU of the children it waited for. Its
 * stderr shows; `env` is added to this process's environment.
 */
export function commandTimes(argv: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): { userMs: number; systemMs: number } {
  const quoted = shellWords(argv);
  const out = execFileSync('bash', ['-c', `${quoted} >/dev/null; rc=$?; times; exit $rc`], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  const children = out.trim().split('\n')[1] ?? '';
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`cannot read the CPU time of ${argv.join(' ')} from: ${out}`);
  return { userMs: (secs[0] as number) * 1000, systemMs: (secs[1] as number) * 1000 };
}

/** CPU time of a whole command (see commandTimes), ms. */
export function commandCpuMs(argv: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): number {
  const t = commandTimes(argv, cwd, env);
  return t.userMs + t.systemMs;
}

/** The one of `runs` (at least one) that took the least CPU: on a shared machine the others carry its noise. */
export function leastCpu<T extends { cpuMs: number }>(runs: readonly T[]): T {
  return runs.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
