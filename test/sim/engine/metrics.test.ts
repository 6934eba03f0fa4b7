// The metrics registry (sim/engine/metrics.ts): counters, gauges and their peak, nearest-rank
// percentiles on known arrays, gauge sampling in virtual time on a known timeline
// (driven by the kernel, as the simulator does), and the JSON snapshot.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../../sim/engine/kernel.js';
import { Histogram, Metrics } from '../../../sim/engine/metrics.js';

function histogramOf(values: number[]): Histogram {
  const h = new Histogram();
  for (const v of values) h.add(v);
  return h;
}

test('a counter counts up and refuses to go down', () => {
  const m = new Metrics();
  const c = m.counter('downsDelivered');
  c.inc();
  c.inc();
  c.add(40);
  c.add(0);
  assert.is(c.value, 42);
  assert.is(m.counter('downsDelivered'), c);
  assert.throws(() => c.add(-1), (e: unknown) => e instanceof RangeError && e.message.includes('-1'));
  assert.throws(() => c.add(NaN), RangeError);
  assert.is(c.value, 42);
});

test('a gauge goes up and down and remembers its peak', () => {
  const g = new Metrics().gauge('mailboxLength');
  assert.is(g.value, 0);
  assert.is(g.max, 0);
  g.set(5);
  g.add(10);
  g.add(-12);
  assert.is(g.value, 3);
  assert.is(g.max, 15);
  g.set(-4);
  assert.is(g.value, -4);
  assert.is(g.max, 15);
});

test('one name is one metric: another type under the same name throws', () => {
  const m = new Metrics();
  m.counter('x');
  assert.throws(() => m.gauge('x'), /x/);
  assert.throws(() => m.histogram('x'), /x/);
  m.histogram('y');
  assert.throws(() => m.counter('y'), /y/);
});

test('nearest-rank percentiles of 1..100, added in a scrambled order', () => {
  const values = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
  const h = histogramOf(values);
  assert.is(h.count, 100);
  assert.is(h.percentile(50), 50);
  assert.is(h.percentile(90), 90);
  assert.is(h.percentile(99), 99);
  assert.is(h.percentile(100), 100);
  assert.is(h.percentile(1), 1);
  // 0.07 * 100 is 7.000000000000001 in floating point; the rank must still be 7.
  assert.is(h.percentile(7), 7);
  assert.is(h.percentile(0.5), 1);
  assert.is(h.percentile(99.5), 100);
  assert.is(h.min, 1);
  assert.is(h.max, 100);
  assert.is(h.mean, 50.5);
});

test('nearest-rank on the textbook example [15, 20, 35, 40, 50]', () => {
  const h = histogramOf([50, 35, 15, 40, 20]);
  assert.equal([5, 30, 40, 50, 100].map((p) => h.percentile(p)), [15, 20, 20, 35, 50]);
});

test('nearest-rank on ten values: p99 is the largest, p90 the ninth', () => {
  const h = histogramOf([7, 1, 3, 9, 5, 2, 8, 4, 10, 6]);
  assert.equal(h.summary(), { count: 10, mean: 5.5, min: 1, p50: 5, p90: 9, p99: 10, max: 10 });
});

test('a histogram keeps duplicates, fractions and insertion order', () => {
  const h = histogramOf([2.5, 1, 1, 1, 1000.25]);
  assert.is(h.percentile(50), 1);
  assert.is(h.percentile(80), 2.5);
  assert.is(h.percentile(81), 1000.25);
  assert.equal(Array.from(h.values()), [2.5, 1, 1, 1, 1000.25]);
  h.add(0);
  assert.is(h.percentile(1), 0);
  assert.equal(Array.from(h.values()), [2.5, 1, 1, 1, 1000.25, 0]);
  assert.is(h.mean, 1005.75 / 6);
});

test('a histogram grows past its first buffer', () => {
  const h = new Histogram();
  for (let i = 100_000; i >= 1; i--) h.add(i);
  assert.equal(h.summary(), { count: 100_000, mean: 50_000.5, min: 1, p50: 50_000, p90: 90_000, p99: 99_000, max: 100_000 });
});

test('a reserved histogram holds what an unreserved one does, past its reserve and before it', () => {
  const values = Array.from({ length: 300 }, (_, i) => (i * 37) % 101);
  for (const reserved of [0, 5, 100, 300, 1000]) {
    const h = new Histogram();
    h.add(values[0] as number);
    h.reserve(reserved); // after a value: it is kept
    for (const v of values.slice(1)) h.add(v);
    const plain = histogramOf(values);
    assert.equal(Array.from(h.values()), values, `reserve ${reserved}`);
    assert.equal(h.summary(), plain.summary(), `reserve ${reserved}`);
  }
});

test('a histogram of whole numbers holds them as it holds any: past 32 bits, a fraction or -0 coming after them, reserved or not', () => {
  const wholes = Array.from({ length: 40 }, (_, i) => (i * 13) % 29);
  for (const odd of [2 ** 31, -(2 ** 31) - 1, 0.5, -0, NaN]) {
    for (const reserved of [0, 20, 100]) {
      const values = [...wholes.slice(0, 20), odd, ...wholes.slice(20)];
      const h = new Histogram();
      h.reserve(reserved);
      for (const v of values) h.add(v);
      const got = Array.from(h.values());
      assert.is(got.length, values.length, `${odd}, reserve ${reserved}`);
      values.forEach((v, i) => assert.ok(Object.is(got[i], v), `${odd}, reserve ${reserved}: value ${i}`));
      const sorted = Float64Array.from(values).sort();
      for (const p of [1, 50, 51, 90, 100]) {
        const rank = Math.max(1, Math.ceil((p * values.length) / 100));
        assert.ok(Object.is(h.percentile(p), sorted[rank - 1]), `${odd}, reserve ${reserved}: p${p}`);
      }
    }
  }
  const ints = new Histogram();
  for (let i = 10; i >= 0; i--) ints.add(i); // whole numbers out of order: sorted as they are
  assert.is(ints.percentile(50), 5);
  assert.ok(ints.values() instanceof Int32Array);
});

test('an empty histogram gives NaN statistics and a null summary', () => {
  const h = new Histogram();
  assert.is(h.count, 0);
  assert.ok(Number.isNaN(h.percentile(50)));
  assert.ok(Number.isNaN(h.max));
  assert.ok(Number.isNaN(h.min));
  assert.ok(Number.isNaN(h.mean));
  assert.equal(h.summary(), { count: 0, mean: null, min: null, p50: null, p90: null, p99: null, max: null });
  assert.throws(() => h.percentile(0), RangeError);
  assert.throws(() => h.percentile(101), RangeError);
});

/**
 * A known gauge timeline, driven as the simulator drives it: before the clock moves to
 * the next event, the registry samples up to that event's time.
 *   t=3  queue := 5
 *   t=10 queue := 7, then queue += 1, and `bytesInUse` is created and set to 100
 *   t=25 queue := 2
 *   t=40 queue := 9 (at the last sample point itself)
 */
function sampledRun(): Metrics {
  const k = new Kernel();
  const m = new Metrics();
  m.sampleEvery(10);
  const queue = m.gauge('queueLength');
  const set = k.defineKind('set', (v) => queue.set(v));
  const add = k.defineKind('add', (v) => queue.add(v));
  const bytes = k.defineKind('bytes', (v) => m.gauge('bytesInUse').set(v));
  k.at(3, set, 5);
  k.at(10, set, 7);
  k.at(10, add, 1);
  k.at(10, bytes, 100);
  k.at(25, set, 2);
  k.at(40, set, 9);
  k.at(60, set, 1);
  const endUs = 40;
  const sampleBeforeNext = () => m.sampleUpTo(Math.min(k.peekUs(), endUs + 1));
  sampleBeforeNext();
  k.run({ untilUs: endUs, until: () => (sampleBeforeNext(), false) });
  m.sampleThrough(endUs);
  return m;
}

test('gauges are sampled at fixed virtual times, after the events at each time', () => {
  const snap = sampledRun().snapshot();
  assert.equal(snap.series, {
    intervalUs: 10,
    startUs: 0,
    tUs: [0, 10, 20, 30, 40],
    gauges: {
      bytesInUse: [0, 100, 100, 100, 100],
      queueLength: [0, 8, 8, 2, 9],
    },
  });
  assert.equal(snap.gauges, { bytesInUse: { value: 100, max: 100 }, queueLength: { value: 9, max: 9 } });
});

test('sampleUpTo is idempotent and only fills points strictly before now', () => {
  const m = new Metrics();
  const g = m.gauge('level');
  m.sampleEvery(100, 50);
  m.sampleUpTo(50);
  assert.equal(m.snapshot().series?.tUs, []);
  g.set(3);
  m.sampleUpTo(51);
  m.sampleUpTo(51);
  g.set(4);
  m.sampleUpTo(351);
  assert.equal(m.snapshot().series, { intervalUs: 100, startUs: 50, tUs: [50, 150, 250, 350], gauges: { level: [3, 4, 4, 4] } });
});

test('without sampleEvery there is no series; bad sampling arguments throw', () => {
  const m = new Metrics();
  m.gauge('g').set(1);
  m.sampleUpTo(1000);
  assert.is(m.snapshot().series, null);
  assert.throws(() => m.sampleEvery(0), RangeError);
  assert.throws(() => m.sampleEvery(1.5), RangeError);
  assert.throws(() => m.sampleEvery(10, -1), RangeError);
  m.sampleEvery(10);
  assert.throws(() => m.sampleEvery(10), /already/);
  assert.throws(() => m.sampleUpTo(Infinity), RangeError);
});

test('snapshot is plain JSON with names sorted', () => {
  const m = new Metrics();
  m.counter('zeta').add(3);
  m.counter('alpha').inc();
  m.gauge('memoryBytes').set(2048);
  m.histogram('workLatencyUs').add(250);
  m.histogram('downLatencyUs');
  const snap = m.snapshot();
  assert.equal(snap, {
    counters: { alpha: 1, zeta: 3 },
    gauges: { memoryBytes: { value: 2048, max: 2048 } },
    histograms: {
      downLatencyUs: { count: 0, mean: null, min: null, p50: null, p90: null, p99: null, max: null },
      workLatencyUs: { count: 1, mean: 250, min: 250, p50: 250, p90: 250, p99: 250, max: 250 },
    },
    series: null,
  });
  assert.equal(Object.keys(snap.counters), ['alpha', 'zeta']);
  assert.equal(JSON.parse(JSON.stringify(snap)), snap);
  const sampled = sampledRun().snapshot();
  assert.equal(JSON.parse(JSON.stringify(sampled)), sampled);
});

test('percentiles out of a larger population: values never recorded rank last (NaN where the rank falls among them)', () => {
  const h = new Histogram();
  for (let i = 1; i <= 60; i++) h.add(i);
  // 60 recorded of 100: ranks 1..60 are values, 61..100 were never observed.
  assert.is(h.percentile(50, 100), 50);
  assert.is(h.percentile(60, 100), 60);
  assert.ok(Number.isNaN(h.percentile(61, 100)));
  assert.ok(Number.isNaN(h.percentile(99, 100)));
  // A population no larger than what was recorded changes nothing.
  assert.is(h.percentile(99, 10), h.percentile(99));
  assert.ok(Number.isNaN(new Histogram().percentile(50, 0)));
  assert.ok(Number.isNaN(new Histogram().percentile(50, 3)));
});

test('a histogram of 50,000 ranks values added in order and out of order the same', () => {
  const n = 50000;
  const inOrder = new Histogram();
  const shuffled = new Histogram();
  for (let i = 0; i < n; i++) inOrder.add(i);
  for (let i = 0; i < n; i++) shuffled.add((i * 7919) % n); // 7919 is prime to n: each value once
  for (const p of [1, 50, 90, 99, 100]) assert.is(shuffled.percentile(p), inOrder.percentile(p), `p${p}`);
  assert.is(inOrder.percentile(99), 49499);
  inOrder.add(-1); // out of order now: the next ranks sort a copy
  assert.is(inOrder.percentile(1), 499);
  assert.is(inOrder.values()[n], -1);
});

test.run();
