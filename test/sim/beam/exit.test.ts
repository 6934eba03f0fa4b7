// A dead process's exit (sim/beam/signals.ts): it fires the monitors on it in slices of
// EXIT_MONITORS_PER_SLICE on its node's schedulers, `cost.exitSignalUs` each; the local
// watchers' first, then the remote ones by node and ref; a slice's remote DOWNs go on the
// wire when it ends; after each slice it goes to the back of the run queue. Times are
// computed by hand (other CPU costs zero, no jitter, an unlimited link).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, int, type Pid } from '../../../core/terms.js';
import { EXIT_MONITORS_PER_SLICE } from '../../../sim/beam/signals.js';
import { monitorRef } from '../../../sim/beam/monitor.js';
import type { DownSignal } from '../../../sim/beam/process.js';
import { World } from '../../../sim/beam/world.js';
import { connect, drain, KILL, recorder, sleeper, ZERO_CPU, type Got } from '../helpers.js';

const T = 't@h';
const A = 'a@h';
const C = 'c@h';
const LATENCY = 50;

function world(schedulers = 1): World {
  const w = new World({ seed: 1, net: { jitterUs: 0, latencyUs: LATENCY, bandwidthBytesPerS: 1e15 }, cost: { ...ZERO_CPU, exitSignalUs: 1 } });
  for (const n of [T, A, C]) w.addNode(n, { schedulers });
  connect(w, A, T);
  connect(w, C, T);
  return w;
}

/** `n` processes on `node` that monitor `target` at once and do nothing with their DOWN. */
function watchers(w: World, node: string, target: Pid, n: number): Pid[] {
  return Array.from({ length: n }, () => w.spawn(node, { init: (ctx) => void ctx.monitor(target), handle() {} }));
}

/** Every DOWN delivered into a mailbox from now on: the receiver's node, and when it arrived. */
function arrivals(w: World): { node: string; at: number }[] {
  const log: { node: string; at: number }[] = [];
  w.onDeliver = (p, msg) => {
    if ((msg as DownSignal).kind === 'DOWN') log.push({ node: p.pid.node, at: w.nowUs });
  };
  return log;
}

test('4000 monitors a slice (ERTS CONTEXT_REDS): 9000 remote DOWNs leave in three batches, each when its slice ends', () => {
  assert.is(EXIT_MONITORS_PER_SLICE, 4000);
  const w = world();
  const target = w.spawn(T, sleeper);
  watchers(w, A, target, 9000);
  drain(w);
  const busy = w.node(T).busyUs;
  const log = arrivals(w);
  const t0 = w.nowUs;
  w.exit(target, KILL);
  drain(w);
  // Slices of 4000, 4000 and 1000 µs back to back (nothing else runs on t): they end at
  // +4000, +8000, +9000; their DOWNs pack on the wire (69 bytes each at 1e15 B/s) and
  // arrive LATENCY later, rounded up to the next whole µs.
  const counts = new Map<number, number>();
  for (const g of log) counts.set(g.at - t0, (counts.get(g.at - t0) ?? 0) + 1);
  assert.equal([...counts], [
    [4000 + LATENCY + 1, 4000],
    [8000 + LATENCY + 1, 4000],
    [9000 + LATENCY + 1, 1000],
  ]);
  assert.is(w.node(T).busyUs - busy, 9000, "the exit is the target node's CPU: exitSignalUs a monitor");
});

test('after a slice the exiting process goes to the back of the run queue: a process queued meanwhile runs between its slices', () => {
  const w = world(1);
  const target = w.spawn(T, sleeper);
  watchers(w, A, target, 5000);
  const other: Got[] = [];
  const busy = w.spawn(T, recorder(other, (ctx) => ctx.cpu(300)));
  drain(w);
  const log = arrivals(w);
  const t0 = w.nowUs;
  w.exit(target, KILL);
  w.at(t0 + 10, () => w.send(busy, int(1)));
  drain(w);
  // Slice 1: t0..t0+4000; the busy process (queued at +10) runs 300 µs; slice 2: 1000 µs.
  assert.equal(other.map((g) => g.at - t0), [4000]);
  assert.is(Math.max(...log.map((g) => g.at - t0)), 4000 + 300 + 1000 + LATENCY + 1);
});

test("local watchers' DOWNs come first, at their CPU time; then remote ones by node name and ref order, whatever the monitors' order", () => {
  const w = world(2);
  const target = w.spawn(T, sleeper);
  // Interleaved: c, a, local, c, a, local ...
  for (let i = 0; i < 3; i++) {
    watchers(w, C, target, 1);
    watchers(w, A, target, 1);
    watchers(w, T, target, 1);
  }
  drain(w);
  const log = arrivals(w);
  const t0 = w.nowUs;
  w.exit(target, atom('boom'));
  drain(w);
  const local = log.filter((g) => g.node === T).map((g) => g.at - t0);
  assert.equal(local, [1, 2, 3], 'local DOWNs at 1, 2, 3 µs of the exit');
  // One slice of 9 monitors: 3 local, then a's 3 (a < c), then c's 3; all remote leave at 9 µs.
  const remote = log.filter((g) => g.node !== T);
  assert.equal(remote.map((g) => g.node), [A, A, A, C, C, C]);
  assert.ok(remote.every((g) => g.at - t0 === 9 + LATENCY + 1));
});

test('a monitor demonitored while its target is still exiting gets no DOWN, and costs the exit no CPU', () => {
  const w = world(1);
  const target = w.spawn(T, sleeper);
  watchers(w, A, target, 4500);
  // Monitors last, so its monitor is in the second slice; it demonitors during the first.
  const quitterLog: Got[] = [];
  const quitter = w.spawn(A, {
    init: (ctx) => void ctx.monitor(target),
    handle: (ctx, msg) => {
      quitterLog.push({ at: ctx.nowUs(), msg });
      if ((msg as { v?: string }).v === 'go') for (const ref of (w.proc(ctx.self)?.monitors?.valuesArray() ?? []).map(monitorRef)) ctx.demonitor(ref);
    },
  });
  drain(w);
  const log = arrivals(w);
  const t0 = w.nowUs;
  w.exit(target, KILL);
  w.at(t0 + 100, () => w.send(quitter, atom('go')));
  drain(w);
  assert.is(log.length, 4500);
  assert.equal(quitterLog.map((g) => (g.msg as { kind?: string; v?: string }).kind ?? (g.msg as { v: string }).v), ['go'], 'no DOWN for the quitter');
  // The second slice fires the 500 left: 500 µs, not 501.
  assert.is(Math.max(...log.map((g) => g.at - t0)), 4500 + LATENCY + 1);
});

test("a dying watcher's own monitors all go, local and remote, its node up (demonitored) or crashed", () => {
  for (const crash of [false, true]) {
    const w = world(1);
    const local = Array.from({ length: 3 }, () => w.spawn(A, sleeper));
    const remote = Array.from({ length: 3 }, () => w.spawn(T, sleeper));
    const watcher = w.spawn(A, { init: (ctx) => [...local, ...remote].forEach((t) => void ctx.monitor(t)), handle() {} });
    drain(w);
    assert.is(w.proc(watcher)?.monitorCount(), 6);
    assert.ok(w.node(T).books.monitorBytes > 0);
    if (crash) w.crash(A);
    else w.exit(watcher, KILL);
    drain(w);
    assert.is(w.proc(watcher)?.monitorCount(), 0, `crash ${crash}`);
    for (const t of [...local, ...remote]) assert.is(w.proc(t)?.monitoredByCount(), 0, `crash ${crash}`);
    // Every monitor left both nodes' books (the remote ones by their demonitor signals, or the lost connection).
    assert.is(w.node(A).books.monitorBytes, 0, `crash ${crash}`);
    assert.is(w.node(T).books.monitorBytes, 0, `crash ${crash}`);
  }
});

test.run();
