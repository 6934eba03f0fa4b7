// Hold-model benchmark of the event kernel (sim/engine/kernel.ts) against a bare typed-array
// binary heap. The hold model is the classic priority-queue benchmark for simulators:
// prefill N pending events, then repeatedly pop the earliest and schedule one at
// now + a random (exponential) increment, so the queue stays at N. Both sides draw the
// same prefill times and the same increments (precomputed from one Rng stream), so the
// only difference is the queue and dispatch machinery. DESIGN.md's target: the kernel
// does at least half the bare heap's events/s.
//
// Wall time is measured here (bench/ only) with performance.now(); each case is warmed
// up, then the two are timed in alternating slices until each has run for `MIN_MS`.
import { performance } from 'node:perf_hooks';
import { Kernel } from '../sim/engine/kernel.js';
import { Rng } from '../sim/engine/rng.js';

const SIZES = [1_000, 100_000];
const MEAN_INCREMENT_US = 1_000;
/** Power of two, so the increment index wraps with a mask. */
const INCREMENTS = 1 << 20;
const CHUNK = 50_000;
const WARMUP_MS = 300;
const MIN_MS = 1_000;
const SLICE_MS = 100;

type Workload = { prefill: Float64Array; increments: Float64Array };

function workload(size: number): Workload {
  const rng = new Rng(42, `bench/hold/${size}`);
  const draw = () => 1 + Math.floor(rng.exp(MEAN_INCREMENT_US));
  const prefill = new Float64Array(size);
  for (let i = 0; i < size; i++) prefill[i] = draw();
  const increments = new Float64Array(INCREMENTS);
  for (let i = 0; i < INCREMENTS; i++) increments[i] = draw();
  return { prefill, increments };
}

/** A case runs `ops` hold operations per call. */
type Case = { name: string; hold: (ops: number) => void };

function kernelCase(w: Workload): Case {
  const k = new Kernel();
  const inc = w.increments;
  const mask = INCREMENTS - 1;
  let i = 0;
  const hold = k.defineKind('hold', (subject) => {
    k.at(k.nowUs + (inc[i++ & mask] as number), hold, subject);
  });
  for (let j = 0; j < w.prefill.length; j++) k.at(w.prefill[j] as number, hold, j);
  return { name: 'kernel', hold: (ops) => void k.run({ maxEvents: ops }) };
}

/** The baseline: priorities only, in one Float64Array, with hand-written sifts. */
class BareHeap {
  private a: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.a = new Float64Array(capacity);
  }

  push(t: number): void {
    if (this.size === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    const a = this.a;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = a[p] as number;
      if (pt <= t) break;
      a[i] = pt;
      i = p;
    }
    a[i] = t;
  }

  pop(): number {
    const a = this.a;
    const top = a[0] as number;
    const last = --this.size;
    const t = a[last] as number;
    const half = last >> 1;
    let i = 0;
    while (i < half) {
      let c = 2 * i + 1;
      let ct = a[c] as number;
      const r = c + 1;
      if (r < last) {
        const rt = a[r] as number;
        if (rt < ct) {
          c = r;
          ct = rt;
        }
      }
      if (t <= ct) break;
      a[i] = ct;
      i = c;
    }
    a[i] = t;
    return top;
  }
}

function bareCase(w: Workload): Case {
  const h = new BareHeap(w.prefill.length);
  const inc = w.increments;
  const mask = INCREMENTS - 1;
  let i = 0;
  for (let j = 0; j < w.prefill.length; j++) h.push(w.prefill[j] as number);
  const hold = (ops: number) => {
    for (let n = 0; n < ops; n++) {
      const now = h.pop();
      h.push(now + (inc[i++ & mask] as number));
    }
  };
  return { name: 'bare-heap', hold };
}

/** Runs chunks for about `ms` of wall time; returns [operations, elapsed ms]. */
function timeFor(c: Case, ms: number): [number, number] {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    c.hold(CHUNK);
    ops += CHUNK;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return [ops, elapsed];
}

/**
 * Times the cases in alternating slices until each has run `MIN_MS`, so a change in the
 * machine's load (CI neighbours) falls on both alike. Returns events/s per case.
 */
function timeAlternating(cases: Case[]): number[] {
  const ops = cases.map(() => 0);
  const ms = cases.map(() => 0);
  while (ms.some((m) => m < MIN_MS)) {
    cases.forEach((c, i) => {
      const [o, e] = timeFor(c, SLICE_MS);
      ops[i] = (ops[i] as number) + o;
      ms[i] = (ms[i] as number) + e;
    });
  }
  return ops.map((o, i) => (o / (ms[i] as number)) * 1000);
}

function fmt(eventsPerS: number): string {
  return `${(eventsPerS / 1e6).toFixed(2)} M events/s`;
}

export function bench(): void {
  const ratios: number[] = [];
  for (const size of SIZES) {
    const w = workload(size);
    const cases = [kernelCase(w), bareCase(w)];
    for (const c of cases) timeFor(c, WARMUP_MS);
    const [kernel, bare] = timeAlternating(cases) as [number, number];
    const ratio = kernel / bare;
    ratios.push(ratio);
    console.log(`hold N=${size}: kernel ${fmt(kernel)}, bare-heap ${fmt(bare)}, kernel/bare ${ratio.toFixed(2)}`);
  }
  console.log(`ratio kernel/bare-heap: ${Math.min(...ratios).toFixed(2)}`);
}
