// What a simulated world measures: counters, gauges (with their peak), histograms
// with exact percentiles, and gauge time series sampled at a fixed virtual interval.
// There is no upstream module to mirror; the percentile rule follows the calibration
// fixtures (shared/fixtures/README.md: "The p99 is nearest-rank").
//
// Rules: everything is a function of the values fed in and the virtual times passed
// in, so two runs of one seed measure the same numbers. Sampling needs no kernel
// events (it would change the trace hash and keep an idle world busy): the simulator
// calls `sampleUpTo(nowUs)` as virtual time advances and the registry fills in every
// sample point it has passed. Snapshots list names in sorted order. Names carry their
// unit last (`latencyUs`, `mailboxPeak`, `bytesSent`).
import { DoubleFields } from './double_fields.js';

/**
 * A growable list of numbers, so a million samples cost 8 MB and no boxing; 4 MB while
 * every one is a 32-bit integer (the run's times and latencies are whole µs): its values
 * then live in an Int32Array, copied into a Float64Array at the first that is not (-0
 * included). A 100k herd's DOWN times were 1.5 MiB of fresh typed arrays a warm round
 * (both modes), ~390 page faults.
 */
class Doubles {
  private a: Int32Array | Float64Array = new Int32Array(16);
  /** Whether `a` is still the Int32Array (every value so far a 32-bit integer). */
  private ints = true;
  length = 0;

  push(x: number): void {
    if (this.ints && !isInt32(x)) this.toDoubles();
    if (this.length === this.a.length) this.grow(this.a.length * 2);
    this.a[this.length++] = x;
  }

  /** Room for `n` values in all, made at once (a capacity hint: nothing read changes). */
  reserve(n: number): void {
    if (n > this.a.length) this.grow(n);
  }

  /** A view of the values (valid until the next push). */
  view(): Int32Array | Float64Array {
    return this.a.subarray(0, this.length);
  }

  private grow(slots: number): void {
    const b = this.ints ? new Int32Array(slots) : new Float64Array(slots);
    b.set(this.a.subarray(0, this.length));
    this.a = b;
  }

  /** The values so far copied into a Float64Array of as many slots, for good. */
  private toDoubles(): void {
    this.ints = false;
    this.grow(this.a.length);
  }
}

/** Whether an Int32Array holds `x` as it is (not -0: it would come back +0). */
function isInt32(x: number): boolean {
  return (x | 0) === x && (x !== 0 || 1 / x > 0);
}

/** A count that only goes up. */
export class Counter {
  private n = 0;

  inc(): void {
    this.n++;
  }

  add(n: number): void {
    if (!(n >= 0)) throw new RangeError(`a counter cannot go down (add ${n})`);
    this.n += n;
  }

  get value(): number {
    return this.n;
  }
}

/** A level that goes up and down (a mailbox length, bytes in use), and its peak. */
export class Gauge {
  private v = 0;
  private peak = 0;

  set(v: number): void {
    this.v = v;
    if (v > this.peak) this.peak = v;
  }

  add(delta: number): void {
    this.set(this.v + delta);
  }

  get value(): number {
    return this.v;
  }

  /** The highest value held so far (a gauge starts at 0). */
  get max(): number {
    return this.peak;
  }
}

export type HistogramSummary = {
  count: number;
  /** The remaining fields are null when nothing was recorded. */
  mean: number | null;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
};

const HISTOGRAM_DOUBLES = new DoubleFields(['sum']);

/**
 * Every recorded value, kept, so percentiles are exact (no buckets, no sketch). A
 * percentile is nearest-rank: the smallest value with at least p% of the values at or
 * below it, i.e. the ceil(p/100 * n)-th smallest.
 */
export class Histogram {
  private readonly data = new Doubles();
  private sorted: Int32Array | Float64Array | null = null;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;

  constructor() {
    HISTOGRAM_DOUBLES.made(this);
  }

  add(x: number): void {
    this.data.push(x);
    this.sum += x;
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
    this.sorted = null;
  }

  /**
   * Room for `n` values in all, made at once: a capacity hint (nothing read changes), for
   * a caller that knows how many will come (a run's expected DOWNs).
   */
  reserve(n: number): void {
    this.data.reserve(n);
  }

  get count(): number {
    return this.data.length;
  }

  /** NaN when empty. */
  get mean(): number {
    return this.count > 0 ? this.sum / this.count : NaN;
  }

  /** NaN when empty. */
  get min(): number {
    return this.count > 0 ? this.lo : NaN;
  }

  /** NaN when empty. */
  get max(): number {
    return this.count > 0 ? this.hi : NaN;
  }

  /**
   * Nearest-rank percentile, `p` in (0, 100]; NaN when empty. With `outOf` > count, the
   * rank is taken among `outOf` values of which the ones never recorded (censored: not
   * observed by the end, so larger than any recorded one) rank last: NaN when the rank
   * falls among them.
   */
  percentile(p: number, outOf = this.count): number {
    if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
    const n = Math.max(outOf, this.count);
    if (n === 0) return NaN;
    // p * n / 100 rather than p / 100 * n: exact for whole percents (0.07 * 100 is 7.000000000000001).
    const rank = Math.max(1, Math.ceil((p * n) / 100));
    return rank > this.count ? NaN : (this.sortedValues()[rank - 1] as number);
  }

  /** The values in the order they were added (a view: do not keep it across `add`). */
  values(): Int32Array | Float64Array {
    return this.data.view();
  }

  summary(): HistogramSummary {
    if (this.count === 0) {
      return { count: 0, mean: null, min: null, p50: null, p90: null, p99: null, max: null };
    }
    return {
      count: this.count,
      mean: this.mean,
      min: this.min,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      max: this.max,
    };
  }

  private sortedValues(): Int32Array | Float64Array {
    if (this.sorted === null) {
      // Values are often added in order (a subscriber's DOWN times): one pass finds it so,
      // and spares the sort and the copy (0.8 MiB of fresh pages a mode of a 100k herd).
      const values = this.data.view();
      // A copy of the view sorted as a typed array sorts: numerically (-0 first, NaN last).
      this.sorted = inSortOrder(values) ? values : values.slice().sort();
    }
    return this.sorted;
  }
}

/** Whether `a` is in the order a typed array's `sort` puts it in (-0 before +0, NaN last: a NaN is never taken as in order). */
function inSortOrder(a: ArrayLike<number>): boolean {
  for (let i = 1; i < a.length; i++) {
    const x = a[i - 1] as number;
    const y = a[i] as number;
    if (!(x < y || (x === y && !(x === 0 && 1 / x > 1 / y)))) return false;
  }
  return true;
}

export type SeriesSnapshot = {
  intervalUs: number;
  startUs: number;
  /** The virtual time of each sample. */
  tUs: number[];
  /** Per gauge, its value at each sample time (0 before the gauge existed). */
  gauges: Record<string, number[]>;
};

export type MetricsSnapshot = {
  counters: Record<string, number>;
  gauges: Record<string, { value: number; max: number }>;
  histograms: Record<string, HistogramSummary>;
  series: SeriesSnapshot | null;
};

type Sampling = { intervalUs: number; startUs: number; nextUs: number; tUs: Doubles };

/** The metrics of one world: named counters, gauges, histograms and the gauge series. */
export class Metrics {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, Histogram>();
  /** Per gauge, its sampled values, aligned with `sampling.tUs`. */
  private readonly series = new Map<string, Doubles>();
  private sampling: Sampling | null = null;

  counter(name: string): Counter {
    return this.named(this.counters, name, () => new Counter());
  }

  gauge(name: string): Gauge {
    return this.named(this.gauges, name, () => {
      const g = new Gauge();
      if (this.sampling !== null) this.series.set(name, zeros(this.sampling.tUs.length));
      return g;
    });
  }

  histogram(name: string): Histogram {
    return this.named(this.histograms, name, () => new Histogram());
  }

  /**
   * Samples every gauge at startUs, startUs + intervalUs, … from now on. A sample at
   * time t holds each gauge's value after every event at or before t.
   */
  sampleEvery(intervalUs: number, startUs = 0): void {
    if (!(Number.isSafeInteger(intervalUs) && intervalUs > 0)) {
      throw new RangeError(`sampling interval must be a positive whole number of µs, got ${intervalUs}`);
    }
    if (!(Number.isSafeInteger(startUs) && startUs >= 0)) {
      throw new RangeError(`sampling start must be a whole number of µs >= 0, got ${startUs}`);
    }
    if (this.sampling !== null) throw new Error('sampleEvery was already called for this world');
    this.sampling = { intervalUs, startUs, nextUs: startUs, tUs: new Doubles() };
    for (const name of this.gauges.keys()) this.series.set(name, new Doubles());
  }

  /**
   * Records every sample point strictly before `nowUs` not yet recorded, with the
   * gauges' current values. Call it before executing events at `nowUs` (for example
   * with the kernel's next event time), so the values are those of the last instant
   * before `nowUs`; a point at `nowUs` itself waits for the events at `nowUs`.
   */
  sampleUpTo(nowUs: number): void {
    const s = this.sampling;
    if (s === null) return;
    if (Number.isNaN(nowUs) || nowUs === Infinity) throw new RangeError(`cannot sample up to ${nowUs} µs`);
    while (s.nextUs < nowUs) {
      s.tUs.push(s.nextUs);
      for (const [name, g] of this.gauges) (this.series.get(name) as Doubles).push(g.value);
      s.nextUs += s.intervalUs;
    }
  }

  /** Records the sample points up to and including `endUs` (at the end of a run). */
  sampleThrough(endUs: number): void {
    this.sampleUpTo(endUs + 1);
  }

  /** Plain JSON: names sorted, empty histograms with null statistics. */
  snapshot(): MetricsSnapshot {
    const counters: MetricsSnapshot['counters'] = {};
    for (const name of sortedKeys(this.counters)) counters[name] = (this.counters.get(name) as Counter).value;
    const gauges: MetricsSnapshot['gauges'] = {};
    for (const name of sortedKeys(this.gauges)) {
      const g = this.gauges.get(name) as Gauge;
      gauges[name] = { value: g.value, max: g.max };
    }
    const histograms: MetricsSnapshot['histograms'] = {};
    for (const name of sortedKeys(this.histograms)) histograms[name] = (this.histograms.get(name) as Histogram).summary();
    return { counters, gauges, histograms, series: this.seriesSnapshot() };
  }

  private seriesSnapshot(): SeriesSnapshot | null {
    const s = this.sampling;
    if (s === null) return null;
    const gauges: SeriesSnapshot['gauges'] = {};
    for (const name of sortedKeys(this.series)) gauges[name] = Array.from((this.series.get(name) as Doubles).view());
    return { intervalUs: s.intervalUs, startUs: s.startUs, tUs: Array.from(s.tUs.view()), gauges };
  }

  /** One namespace for all kinds, so `x` cannot be both a counter and a gauge. */
  private named<T>(map: Map<string, T>, name: string, make: () => T): T {
    const found = map.get(name);
    if (found !== undefined) return found;
    if (this.counters.has(name) || this.gauges.has(name) || this.histograms.has(name)) {
      throw new Error(`metric ${name} already exists with another type`);
    }
    const made = make();
    map.set(name, made);
    return made;
  }
}

function zeros(n: number): Doubles {
  const d = new Doubles();
  for (let i = 0; i < n; i++) d.push(0);
  return d;
}

function sortedKeys(map: Map<string, unknown>): string[] {
  return [...map.keys()].sort();
}
