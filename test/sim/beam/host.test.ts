// Hosts (sim/beam/host.ts): nodes sharing a machine's cores, served in turn with CFS's
// time slice, switching between handlings; and a node on a host of its own, whose
// schedulers never wait (as before hosts). Expected times are computed by hand: CPU
// costs are zeroed but for the handlers' own `ctx.cpu`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { int } from '../../../core/terms.js';
import { cfsDefaults, Host } from '../../../sim/beam/host.js';
import { World } from '../../../sim/beam/world.js';
import { drain, recorder, ZERO_CPU, type Got } from '../helpers.js';

const A = 'a@h';
const B = 'b@h';
const C = 'c@h';

/** A world whose nodes `names` share one host of `cores` cores (latency / granularity given), each with `schedulers`. */
function shared(names: string[], cores: number, schedulers: number, latencyUs: number, minGranularityUs: number): World {
  const w = new World({ seed: 1, net: { jitterUs: 0 }, cost: ZERO_CPU });
  w.addHost('m', { cores, latencyUs, minGranularityUs });
  for (const n of names) w.addNode(n, { schedulers, host: 'm' });
  return w;
}

/** A busy process on `node` handling `n` messages of `us` µs of CPU each; returns its log. */
function busy(w: World, node: string, n: number, us: number): Got[] {
  const log: Got[] = [];
  const p = w.spawn(node, recorder(log, (ctx) => ctx.cpu(us)));
  for (let i = 0; i < n; i++) w.send(p, int(i));
  return log;
}

test('CFS defaults scale with the cores as Linux does (factor 1 + log2 of the CPUs, at most 8 counted)', () => {
  assert.equal(cfsDefaults(1), { latencyUs: 6000, minGranularityUs: 750 });
  assert.equal(cfsDefaults(2), { latencyUs: 12_000, minGranularityUs: 1500 });
  assert.equal(cfsDefaults(8), { latencyUs: 24_000, minGranularityUs: 3000 });
  assert.equal(cfsDefaults(64), { latencyUs: 24_000, minGranularityUs: 3000 });
  const h = new Host('m', { cores: 2 });
  assert.is(h.sliceUs(), 12_000, 'no thread competes: the whole latency');
});

test('two nodes on one core take turns, one time slice each (the latency shared by the two threads)', () => {
  // Slice = max(500, 2000 / 2) = 1000 µs: each thread runs one 1000 µs handling, then yields.
  const w = shared([A, B], 1, 1, 2000, 500);
  const a = busy(w, A, 3, 1000);
  const b = busy(w, B, 3, 1000);
  drain(w);
  assert.equal(a.map((g) => g.at), [0, 2000, 4000]);
  assert.equal(b.map((g) => g.at), [1000, 3000, 5000]);
  assert.is(w.nowUs, 6000);
  assert.is(w.node(A).busyUs + w.node(B).busyUs, 6000, 'one core: the work is done one handling at a time');
  // b waited 1000, then 1000 twice more; a waited 1000 twice.
  assert.is(w.node(B).coreWaitUs, 3000);
  assert.is(w.node(A).coreWaitUs, 2000);
});

test('a thread keeps its core for handling after handling until its slice is used up', () => {
  // 300 µs handlings, 1000 µs slices: four handlings (1200 µs) before the core changes hands.
  const w = shared([A, B], 1, 1, 2000, 500);
  const a = busy(w, A, 8, 300);
  const b = busy(w, B, 4, 300);
  drain(w);
  assert.equal(a.map((g) => g.at), [0, 300, 600, 900, 2400, 2700, 3000, 3300]);
  assert.equal(b.map((g) => g.at), [1200, 1500, 1800, 2100]);
});

test('a thread alone on its host keeps its core: no slice ends without another thread waiting', () => {
  const w = shared([A, B], 1, 1, 2000, 500);
  const a = busy(w, A, 10, 300);
  drain(w);
  assert.equal(a.map((g) => g.at), [0, 300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700]);
  assert.is(w.node(A).coreWaitUs, 0);
});

test('the slice is never below the minimum granularity when many threads compete', () => {
  // Three threads on one core: max(1500, 2000 / 3) = 1500 µs slices; 500 µs handlings.
  const w = shared([A, B, C], 1, 1, 2000, 1500);
  const [a, b, c] = [A, B, C].map((n) => busy(w, n, 6, 500)) as [Got[], Got[], Got[]];
  drain(w);
  assert.equal(a.map((g) => g.at), [0, 500, 1000, 4500, 5000, 5500]);
  assert.equal(b.map((g) => g.at), [1500, 2000, 2500, 6000, 6500, 7000]);
  assert.equal(c.map((g) => g.at), [3000, 3500, 4000, 7500, 8000, 8500]);
});

test('three nodes of two schedulers on two cores: at most two handlings run at once, and all the work gets done', () => {
  const w = shared([A, B, C], 2, 2, 12_000, 1500);
  const logs = [A, B, C].flatMap((n) => [busy(w, n, 5, 1000), busy(w, n, 5, 1000)]);
  let running = 0;
  let most = 0;
  // Count overlapping handlings from their start and end times.
  const spans: [number, number][] = [];
  w.onSlice = (_p, startUs, durUs) => void spans.push([startUs, startUs + durUs]);
  drain(w);
  const edges = spans.flatMap(([s, e]) => [[s, 1] as const, [e, -1] as const]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  for (const [, d] of edges) most = Math.max(most, (running += d));
  assert.is(most, 2);
  assert.ok(logs.every((l) => l.length === 5));
  assert.is(w.nowUs, 15_000, '30 ms of work on 2 cores');
  assert.ok(w.node(A).coreWaitUs > 0 && w.node(B).coreWaitUs > 0 && w.node(C).coreWaitUs > 0);
});

test('over a thousand threads waiting for one core are served in the order they came, each waiting for those before it (the queue compacted on the way)', () => {
  // 2,100 nodes of one scheduler on one core, one 10 µs handling each, node i's runnable
  // at i µs: the core is never idle, so node i runs at 10i after waiting 9i. The queue
  // passes 1,024 served entries and is compacted with ~1,000 still waiting.
  const names = Array.from({ length: 2100 }, (_, i) => `n${i}@h`);
  const w = shared(names, 1, 1, 12_000, 1500);
  const logs: Got[][] = names.map((n, i) => {
    const log: Got[] = [];
    const p = w.spawn(n, recorder(log, (ctx) => ctx.cpu(10)));
    w.at(i, () => w.send(p, int(i)));
    return log;
  });
  drain(w);
  assert.equal(logs.map((l) => l.map((g) => g.at)), names.map((_, i) => [10 * i]));
  assert.equal(names.map((n) => w.node(n).coreWaitUs), names.map((_, i) => 9 * i));
});

test('a node on a host of its own has a core per scheduler: nothing waits (the model before hosts)', () => {
  const w = new World({ seed: 1, net: { jitterUs: 0 }, cost: ZERO_CPU });
  w.addNode(A, { schedulers: 2 });
  w.addNode(B, { schedulers: 2 });
  const logs = [A, A, B, B].map((n) => busy(w, n, 3, 1000));
  drain(w);
  for (const l of logs) assert.equal(l.map((g) => g.at), [0, 1000, 2000]);
  assert.is(w.node(A).host.cores, 2);
  assert.is(w.node(A).host === w.node(B).host, false);
  assert.is(w.node(A).coreWaitUs + w.node(B).coreWaitUs, 0);
});

test('a crashed node gives its host its cores at once; its waiting threads are forgotten', () => {
  const w = shared([A, B], 1, 1, 2000, 500);
  busy(w, A, 3, 5000);
  const b = busy(w, B, 2, 1000);
  w.at(1000, () => w.crash(A));
  drain(w);
  // a held the core from 0 (a 5000 µs handling); it crashes at 1000 and b runs at once.
  assert.equal(b.map((g) => g.at), [1000, 2000]);
  assert.is(w.node(B).coreWaitUs, 1000);
  assert.is(w.node(A).host.freeCores, 1);
  w.restart(A);
  const start = w.nowUs;
  const again = busy(w, A, 2, 100);
  drain(w);
  assert.equal(again.map((g) => g.at - start), [0, 100], 'the restarted node gets the core');
});

test('bad hosts are refused: an unknown host, cores out of range, a host declared twice', () => {
  const w = new World({ seed: 1 });
  assert.throws(() => w.addNode(A, { host: 'nowhere' }), /unknown host 'nowhere'/);
  assert.throws(() => w.addHost('m', { cores: 0 }), /cores must be an integer from 1 to 1024/);
  assert.throws(() => w.addHost('m', { cores: 2, latencyUs: 0 }), /latencyUs must be a number/);
  w.addHost('m', { cores: 2 });
  assert.throws(() => w.addHost('m', { cores: 2 }), /host 'm' already exists/);
});

test.run();
