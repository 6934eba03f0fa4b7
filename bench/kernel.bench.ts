// Hold-model benchmark of the event kernel against a bare typed-array binary heap doing
// the same work per event (bench/hold.ts). DESIGN.md's target: the kernel does at least
// half the bare heap's events per CPU second. Each case is warmed up, then the two are
// timed in alternating slices until each has run `MIN_MS` of CPU, so a change in the
// machine's load falls on both alike; CPU time decides, wall time is shown beside it.
import { performance } from 'node:perf_hooks';
import { bareCase, kernelCase, workload, type HoldCase } from './hold.js';
import { cpuMs } from './measure.js';

const SIZES = [1_000, 100_000];
const CHUNK = 50_000;
const WARMUP_MS = 300;
const MIN_MS = 1_000;
const SLICE_MS = 100;

type Tally = { ops: number; cpuMs: number; wallMs: number };

/** Runs chunks for about `ms` of CPU time. */
function slice(c: HoldCase, ms: number, into: Tally): void {
  const c0 = cpuMs();
  const t0 = performance.now();
  let spent = 0;
  do {
    c.hold(CHUNK);
    into.ops += CHUNK;
    spent = cpuMs() - c0;
  } while (spent < ms);
  into.cpuMs += spent;
  into.wallMs += performance.now() - t0;
}

function timeAlternating(cases: HoldCase[]): Tally[] {
  const tallies = cases.map(() => ({ ops: 0, cpuMs: 0, wallMs: 0 }));
  while (tallies.some((t) => t.cpuMs < MIN_MS)) cases.forEach((c, i) => slice(c, SLICE_MS, tallies[i] as Tally));
  return tallies;
}

const rate = (ops: number, ms: number) => (ops / ms) * 1000;
const fmt = (eventsPerS: number) => `${(eventsPerS / 1e6).toFixed(2)} M`;

/** Prints a line per queue size; returns the ratio kernel/bare-heap (CPU), the smaller over the sizes. */
export function bench(): number {
  const ratios: number[] = [];
  for (const size of SIZES) {
    const w = workload(size);
    const cases = [kernelCase(w), bareCase(w)];
    for (const c of cases) slice(c, WARMUP_MS, { ops: 0, cpuMs: 0, wallMs: 0 });
    const [k, b] = timeAlternating(cases) as [Tally, Tally];
    const ratio = rate(k.ops, k.cpuMs) / rate(b.ops, b.cpuMs);
    const wallRatio = rate(k.ops, k.wallMs) / rate(b.ops, b.wallMs);
    ratios.push(ratio);
    console.log(
      `hold N=${size}: kernel ${fmt(rate(k.ops, k.cpuMs))}, bare-heap ${fmt(rate(b.ops, b.cpuMs))} events per CPU s, kernel/bare ${ratio.toFixed(2)} (wall: ${wallRatio.toFixed(2)})`,
    );
  }
  return Math.min(...ratios);
}
