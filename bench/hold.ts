// The hold model, the classic priority-queue benchmark for simulators: prefill N
// pending events, then repeatedly pop the earliest and schedule one at now + a random
// (exponential) increment, so the queue stays at N. Two queues run it: the kernel
// (sim/engine/kernel.ts) and a bare typed-array binary heap doing the same work per
// event: (time, sequence) order so same-time events run first-in first-out, a payload
// (a subject number and an argument) carried with each event and handed to a handler.
// Both draw the same prefill times and increments (precomputed from one Rng stream), so
// the only difference is the queue and dispatch machinery.
import { Kernel } from '../sim/engine/kernel.js';
import { Rng } from '../sim/engine/rng.js';

const MEAN_INCREMENT_US = 1_000;
/** Power of two, so the increment index wraps with a mask. */
const INCREMENTS = 1 << 20;
/** The argument every event carries (no allocation per event on either side). */
const ARG = { payload: true };

export type Workload = { prefill: Float64Array; increments: Float64Array };

export function workload(size: number): Workload {
  const rng = new Rng(42, `bench/hold/${size}`);
  const draw = () => 1 + Math.floor(rng.exp(MEAN_INCREMENT_US));
  const prefill = new Float64Array(size);
  for (let i = 0; i < size; i++) prefill[i] = draw();
  const increments = new Float64Array(INCREMENTS);
  for (let i = 0; i < INCREMENTS; i++) increments[i] = draw();
  return { prefill, increments };
}

/** A queue primed with a workload; `hold(ops)` runs that many hold operations. */
export type HoldCase = { name: string; hold: (ops: number) => void };

export function kernelCase(w: Workload): HoldCase {
  const k = new Kernel();
  const inc = w.increments;
  const mask = INCREMENTS - 1;
  let i = 0;
  const hold = k.defineKind('hold', (subject, arg) => {
    k.at(k.nowUs + (inc[i++ & mask] as number), hold, subject, arg);
  });
  for (let j = 0; j < w.prefill.length; j++) k.at(w.prefill[j] as number, hold, j, ARG);
  return { name: 'kernel', hold: (ops) => void k.run({ maxEvents: ops }) };
}

/** The baseline: a binary heap over parallel typed arrays, ordered by (time, seq). */
class BareHeap {
  private t: Float64Array;
  private s: Float64Array;
  private sub: Float64Array;
  private arg: unknown[];
  private seq = 0;
  size = 0;
  /** The payload of the event `pop` returned. */
  subject = 0;
  popped: unknown;

  constructor(capacity: number) {
    this.t = new Float64Array(capacity);
    this.s = new Float64Array(capacity);
    this.sub = new Float64Array(capacity);
    this.arg = new Array<unknown>(capacity).fill(undefined);
  }

  push(time: number, subject: number, arg: unknown): void {
    if (this.size === this.t.length) this.grow();
    const { t, s } = this;
    const seq = this.seq++;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = t[p] as number;
      if (pt < time || (pt === time && (s[p] as number) < seq)) break;
      this.move(p, i);
      i = p;
    }
    this.put(i, time, seq, subject, arg);
  }

  /** Removes the earliest event; returns its time (its payload in `subject`, `popped`). */
  pop(): number {
    const { t, s, sub } = this;
    const top = t[0] as number;
    this.subject = sub[0] as number;
    this.popped = this.arg[0];
    const last = --this.size;
    const lt = t[last] as number;
    const ls = s[last] as number;
    const lsub = sub[last] as number;
    const larg = this.arg[last];
    this.arg[last] = undefined;
    const half = last >> 1;
    let i = 0;
    while (i < half) {
      let c = 2 * i + 1;
      const r = c + 1;
      if (r < last) {
        const ct = t[c] as number;
        const rt = t[r] as number;
        if (rt < ct || (rt === ct && (s[r] as number) < (s[c] as number))) c = r;
      }
      const ct = t[c] as number;
      if (lt < ct || (lt === ct && ls < (s[c] as number))) break;
      this.move(c, i);
      i = c;
    }
    this.put(i, lt, ls, lsub, larg);
    return top;
  }

  private put(i: number, time: number, seq: number, subject: number, arg: unknown): void {
    this.t[i] = time;
    this.s[i] = seq;
    this.sub[i] = subject;
    this.arg[i] = arg;
  }

  private move(from: number, to: number): void {
    this.t[to] = this.t[from] as number;
    this.s[to] = this.s[from] as number;
    this.sub[to] = this.sub[from] as number;
    this.arg[to] = this.arg[from];
  }

  private grow(): void {
    const n = this.t.length * 2;
    for (const f of ['t', 's', 'sub'] as const) {
      const b = new Float64Array(n);
      b.set(this[f]);
      this[f] = b;
    }
    for (let i = this.arg.length; i < n; i++) this.arg.push(undefined);
  }
}

export function bareCase(w: Workload): HoldCase {
  const h = new BareHeap(w.prefill.length);
  const inc = w.increments;
  const mask = INCREMENTS - 1;
  let i = 0;
  let now = 0;
  const handler = (subject: number, arg: unknown) => h.push(now + (inc[i++ & mask] as number), subject, arg);
  for (let j = 0; j < w.prefill.length; j++) h.push(w.prefill[j] as number, j, ARG);
  const hold = (ops: number) => {
    for (let n = 0; n < ops; n++) {
      now = h.pop();
      handler(h.subject, h.popped);
    }
  };
  return { name: 'bare-heap', hold };
}
