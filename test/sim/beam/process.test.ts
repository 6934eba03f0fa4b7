// The process's containers: the mailbox's ring (FIFO order across wrap-around and growth,
// removal from the middle), the monitors held on a process (none, one, many), the
// monitors a process holds (a Map's behaviour), and a node's roster of remote monitors
// (walk order, compaction).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pid } from '../../../core/terms.js';
import { Mailbox } from '../../../sim/beam/mailbox.js';
import { isRemoteMonitor, Monitor, MonitorEnd, monitorPeer, monitorUid } from '../../../sim/beam/monitor.js';
import { Proc, type Envelope } from '../../../sim/beam/process.js';
import { UidMap } from '../../../core/uid_map.js';
import { PeerRosters, Roster } from '../../../sim/beam/roster.js';

const env = (n: number): Envelope => ({ msg: n, words: 1, carry: 0, at: 0, kind: undefined });
const msgs = (m: Mailbox): unknown[] => m.values().map((e) => e.msg);

test('mailbox: FIFO across wrap-around and growth, take from the middle keeps the order', () => {
  const m = new Mailbox();
  const seen: unknown[] = [];
  let next = 0;
  // Fill and drain unevenly so the ring wraps before and after it grows.
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < (round % 7) + 3; i++) m.push(env(next++));
    for (let i = 0; i < (round % 5) + 1; i++) seen.push(m.shift()?.msg);
  }
  while (m.length > 0) seen.push(m.shift()?.msg);
  assert.equal(seen, Array.from({ length: next }, (_, i) => i));
  assert.is(m.shift(), undefined);
  for (let i = 0; i < 12; i++) m.push(env(i));
  for (let i = 0; i < 5; i++) m.shift();
  for (let i = 12; i < 15; i++) m.push(env(i)); // wrapped: 5..14 over the ring's end
  assert.is(m.take((x) => x === 9)?.msg, 9);
  assert.is(m.take((x) => x === 99), undefined);
  assert.equal(msgs(m), [5, 6, 7, 8, 10, 11, 12, 13, 14]);
  assert.is(m.length, 9);
  m.clear();
  assert.is(m.length, 0);
  assert.equal(msgs(m), []);
});

const pid = (uid: number, node = 'b@h'): Pid => ({ t: 'pid', uid, node, id: uid, creation: 1 });

test('monitors held on a process: none, one, then many in the order made; dropped by ref uid', () => {
  const watcher = Proc.of(pid(0, 'a@h'), { handle() {} });
  const target = Proc.of(pid(1), { handle() {} });
  const mons = [1, 2, 3].map((u) => Monitor.of(u, watcher, target.pid, target, MonitorEnd.Target));
  assert.is(target.monitoredByCount(), 0);
  target.addMonitoredBy(mons[0] as Monitor);
  assert.is(target.monitoredByRef(1), mons[0]);
  assert.is(target.monitoredByRef(2), undefined);
  target.addMonitoredBy(mons[1] as Monitor);
  target.addMonitoredBy(mons[2] as Monitor);
  const order: number[] = [];
  target.forEachMonitoredBy((m) => order.push(monitorUid(m)));
  assert.equal(order, [1, 2, 3]);
  target.dropMonitoredBy(2);
  target.dropMonitoredBy(7);
  assert.is(target.monitoredByCount(), 2);
  target.dropMonitoredBy(1);
  target.dropMonitoredBy(3);
  assert.is(target.monitoredByCount(), 0);
  assert.is(isRemoteMonitor(mons[0] as Monitor), true, 'a@h watching b@h');
  assert.is(monitorPeer(mons[0] as Monitor), 'b@h');
});

/** Monitors held in a UidMap beside a Map as its model, and a check that they agree (size, order, `get` of each probe). */
function heldAndModel(): {
  mon: (uid: number) => Monitor;
  held: UidMap<Monitor>;
  model: Map<number, Monitor>;
  /** Sets one new monitor of each uid from `first` to `last` in both, in order. */
  put: (first: number, last: number) => void;
  check: (what: string, probes: readonly number[]) => void;
} {
  const watcher = Proc.of(pid(0, 'a@h'), { handle() {} });
  const target = Proc.of(pid(1), { handle() {} });
  const held = new UidMap<Monitor>();
  const model = new Map<number, Monitor>();
  const mon = (u: number): Monitor => Monitor.of(u, watcher, target.pid, target, MonitorEnd.Watcher | MonitorEnd.Target);
  return {
    mon,
    held,
    model,
    put: (first, last) => {
      for (let u = first; u <= last; u++) {
        const m = mon(u);
        held.set(u, m);
        model.set(u, m);
      }
    },
    check: (what, probes) => {
      assert.is(held.size, model.size, what);
      assert.equal(held.valuesArray().map(monitorUid), [...model.keys()], what);
      for (const u of probes) assert.is(held.get(u), model.get(u), `${what}: get ${u}`);
    },
  };
}

test('monitors a process holds behave as a Map by ref uid: in order, after compaction, and once a ref comes out of order', () => {
  const { mon, held, model, put, check } = heldAndModel();
  const same = (what: string): void => check(what, [0, 1, 2, 7, 2999, 3000, 4001, 5000]);
  put(1, 4000);
  same('appended in order');
  for (let u = 1; u <= 3000; u++) assert.is(held.delete(u), model.delete(u));
  assert.is(held.delete(2), false);
  same('most deleted (compacted on the way)');
  const again = mon(3500);
  held.set(3500, again); // a key held: keeps its place
  model.set(3500, again);
  same('a key held set again');
  for (const u of [5000, 2]) {
    // 5000 appended; 2 (deleted before) out of order: a Map from now on, the re-made key last.
    const m = mon(u);
    held.set(u, m);
    model.set(u, m);
  }
  same('a ref out of order');
  assert.is(held.delete(3001), model.delete(3001));
  same('deleted from the Map');
});

test('monitors a process holds behave as a Map when those gone leave holes: compacted around them, then in order again', () => {
  const { held, model, put, check } = heldAndModel();
  const same = (what: string): void => check(what, [1, 2, 3, 6, 2998, 2999, 3000, 5999, 6000, 6001]);
  put(1, 3000);
  // Two of every three go, from the first on: holes among those held (compacted around them).
  for (let u = 1; u <= 3000; u++) if (u % 3 !== 0) assert.is(held.delete(u), model.delete(u));
  same('holes among those held');
  put(3001, 6000);
  same('appended after a compaction');
  // In order from the first held: those gone are the first slots (compacted whole).
  for (let u = 3; u <= 5000; u++) assert.is(held.delete(u), model.delete(u));
  same('the first ones gone, in order');
});

test('monitors a process holds, emptied and refilled by turns (a call\'s monitor, a timer), behave as a Map: no entry left behind is found again', () => {
  const { held, model, put, check } = heldAndModel();
  // Small (arrays kept when emptied) and large (arrays dropped) rounds, each emptied in turn;
  // a round's uids start below the last round's, or above them and fewer (the slots past
  // it still hold the last round's smaller uids).
  for (const [first, count] of [[10, 3], [5, 2], [50, 10], [70, 2], [100, 100], [40, 1], [41, 70], [1000, 1]] as const) {
    put(first, first + count - 1);
    check(`filled from ${first}`, [first - 1, first, first + 1, first + count - 1, first + count, 10, 11, 12, 55, 100, 150]);
    for (let u = first; u < first + count; u++) assert.is(held.delete(u), model.delete(u));
    check(`emptied from ${first}`, [first, 10, 12, 41, 100, 150]);
  }
});

test('roster: walk in join order skipping those gone, compaction keeps order and count', () => {
  type M = { id: number; in: boolean };
  const r = new Roster<M>((m) => m.in);
  const all: M[] = Array.from({ length: 5000 }, (_, id) => ({ id, in: true }));
  for (const m of all) r.add(m);
  for (const m of all) {
    if (m.id % 3 === 0) continue;
    m.in = false;
    r.left(); // compacts on the way once over half are gone
  }
  assert.is(r.size, 1667);
  assert.equal(r.members().map((m) => m.id), all.filter((m) => m.id % 3 === 0).map((m) => m.id));
  const walked: number[] = [];
  r.forEach((m) => {
    walked.push(m.id);
    if (m.id === 4200) {
      // Those walked past leave: a compaction under the walk would move the rest back and skip some.
      for (const n of all) {
        if (!n.in || n.id >= 4200) continue;
        n.in = false;
        r.left();
      }
    }
    if (m.id === 4500) all[4998]!.in = false; // one not yet walked leaves: skipped
  });
  r.left();
  assert.equal(walked, all.filter((m) => m.id % 3 === 0 && m.id !== 4998).map((m) => m.id));
  assert.equal(r.members().map((m) => m.id), all.filter((m) => m.id % 3 === 0 && m.id >= 4200 && m.id !== 4998).map((m) => m.id));
  assert.throws(() => {
    for (let i = 0; i < 5000; i++) r.left();
  }, /more members left than joined/);
});

test('PeerRosters: each peer its own roster, the one kept at hand the one a lookup by name finds, none after clear', () => {
  type M = { peer: string; in: boolean };
  const rosters = new PeerRosters<M>((m) => m.in);
  const byName = new Map<string, M[]>(); // what each peer's roster must hold
  const join = (peer: string) => {
    const m = { peer, in: true };
    rosters.of(peer).add(m);
    byName.set(peer, [...(byName.get(peer) ?? []), m]);
  };
  const check = (what: string) => {
    for (const peer of ['a', 'b', 'c']) assert.equal(rosters.get(peer)?.members() ?? [], byName.get(peer) ?? [], `${what}: ${peer}`);
  };
  assert.is(rosters.get('a'), undefined);
  for (const peer of ['a', 'a', 'b', 'a', 'c', 'c', 'b']) join(peer);
  check('joined');
  assert.equal([...rosters.values()].map((r) => r.size), [3, 2, 2], 'in the order the peers were first met');
  rosters.clear();
  byName.clear();
  check('cleared');
  join('b');
  join('a');
  join('b');
  check('joined again');
});

test('Roster: members that all leave during a walk (a lost connection) are let go when the walk ends', () => {
  type M = { id: number; in: boolean };
  const r = new Roster<M>((m) => m.in);
  const all: M[] = Array.from({ length: 5000 }, (_, id) => ({ id, in: true }));
  for (const m of all) r.add(m);
  let walked = 0;
  r.forEach((m) => {
    walked++;
    m.in = false;
    r.left();
  });
  assert.is(walked, 5000);
  assert.is(r.size, 0);
  // What it still holds (private): none of the 5,000, not every one until some later leave.
  assert.is((r as unknown as { list: M[] }).list.length, 0);
  r.add({ id: 5000, in: true });
  assert.equal(r.members().map((m) => m.id), [5000]);
});

test.run();
