// A monitor's record keeps its ref's uid (and alias bit), not the Ref (sim/beam/monitor.ts):
// the ref its DOWN, signals and introspection name is made anew, an equal term, never the
// same object, so every match of a DOWN to a monitor must compare uids. These fail if a
// re-made ref is made unequal (node, alias) to the one returned; world.test.ts's flush of
// a queued DOWN by an equal copy of its ref, and the gen call and supervisor tests (a
// caller's DOWN matched to its monitor), fail if one is compared by identity.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, heapWords, type Ref } from '../../../core/terms.js';
import { holds, Monitor, MonitorEnd, monitorRef, monitorUid, setEnd } from '../../../sim/beam/monitor.js';
import type { DownSignal, Proc } from '../../../sim/beam/process.js';
import { A, B, connect, downs, drain, KILL, makeWorld, recorder, sleeper, type Got } from '../helpers.js';

test('monitor refs: a DOWN names a ref equal to the one monitor returned (local and remote, ordinary and alias), not the same object', () => {
  const w = makeWorld();
  connect(w, A, B);
  const local = w.spawn(A, sleeper);
  const remote = w.spawn(B, sleeper);
  const log: Got[] = [];
  const refs: Ref[] = [];
  w.spawn(A, recorder(log, undefined, (ctx) => {
    refs.push(ctx.monitor(local), ctx.monitor(remote), ctx.monitor(local, w.makeAliasRef(A)));
  }));
  w.at(1000, () => w.exit(local, KILL));
  w.at(2000, () => w.exit(remote, KILL));
  drain(w);
  const got = downs(log).map((d) => d.msg.ref).sort((a, b) => a.uid - b.uid);
  assert.equal(got, refs);
  for (let i = 0; i < refs.length; i++) assert.is.not(got[i], refs[i], 'made anew');
  assert.is(got[2]?.alias, true, 'the alias bit kept through both ends dropping');
  assert.is(heapWords(got[2] as Ref, A), 5, 'a pid reference is one word more: the DOWN is sized as before');
  assert.is(heapWords(got[0] as Ref, A), 4);
});

test('monitor refs: a remote monitor of a dead pid gives :noproc naming an equal ref', () => {
  const w = makeWorld();
  connect(w, A, B);
  const dead = w.spawn(B, sleeper);
  w.exit(dead, KILL);
  drain(w);
  const log: Got[] = [];
  let ref: Ref | undefined;
  w.spawn(A, recorder(log, undefined, (ctx) => void (ref = ctx.monitor(dead))));
  drain(w);
  const d = downs(log);
  assert.is(d.length, 1);
  assert.equal(d[0]?.msg.ref, ref);
  assert.is(d[0]?.msg.reason, atom('noproc'));
});

test("monitor refs: a local pid monitored by its process's own pid object or by an equal copy gives the same DOWN, alive (its exit reason) or dead (:noproc)", () => {
  // signals.ts monitorOf resolves a process's own pid object by one look (dest.ts
  // ownerOf) and any other destination through the world's checks: the two must agree.
  // Pids compare by value: an equal copy was accepted by checkDest but resolved as no
  // process (world.proc compared identity), so its monitor fired :noproc at once.
  const w = makeWorld();
  const alive = w.spawn(A, sleeper);
  const dead = w.spawn(A, sleeper);
  w.exit(dead, KILL);
  drain(w);
  const log: Got[] = [];
  w.spawn(A, recorder(log, undefined, (ctx) => {
    for (const pid of [alive, { ...alive }, dead, { ...dead }]) ctx.monitor(pid);
  }));
  w.at(1000, () => w.exit(alive, KILL));
  drain(w);
  const got = downs(log).map((d) => [d.msg.object, d.msg.reason]);
  assert.equal(got, [[dead, atom('noproc')], [dead, atom('noproc')], [alive, atom('killed')], [alive, atom('killed')]]);
});

test('monitor refs: a monitor whose ref is dropped takes the next uid; its DOWN names an ordinary ref of the watcher node', () => {
  const w = makeWorld();
  connect(w, A, B);
  const target = w.spawn(B, sleeper);
  const log: Got[] = [];
  let before: Ref | undefined;
  w.spawn(A, recorder(log, undefined, (ctx) => {
    before = ctx.makeRef();
    ctx.monitorDropping(target);
  }));
  w.at(1000, () => w.exit(target, KILL));
  drain(w);
  const d = downs(log)[0]?.msg as DownSignal;
  assert.equal(d.ref, { t: 'ref', uid: (before?.uid ?? 0) + 1, node: A, alias: false });
});

test("monitor refs: a ref made on another node than the watcher's is refused (the record keeps no node)", () => {
  const w = makeWorld();
  connect(w, A, B);
  const target = w.spawn(B, sleeper);
  let error: unknown;
  w.spawn(A, recorder([], undefined, (ctx) => {
    try {
      ctx.monitor(target, w.makeRef(B));
    } catch (e) {
      error = e;
    }
  }));
  drain(w);
  assert.instance(error, RangeError);
  assert.match(String(error), 'not on the watcher');
});


test('monitor records: the uid and the ends share one number (key), exact past a small integer', () => {
  const w = makeWorld();
  connect(w, A, B);
  const watcher = w.proc(w.spawn(A, sleeper)) as Proc;
  const local = w.proc(w.spawn(A, sleeper)) as Proc;
  const remote = w.proc(w.spawn(B, sleeper)) as Proc;
  for (const uid of [1, 2 ** 28 - 1, 2 ** 28, 2 ** 40 + 3]) {
    const l = Monitor.of(uid, watcher, local.pid, local, MonitorEnd.Watcher | MonitorEnd.Target | MonitorEnd.Alias);
    assert.is(monitorUid(l), uid);
    assert.ok(holds(l, MonitorEnd.Watcher) && holds(l, MonitorEnd.Target) && holds(l, MonitorEnd.Alias));
    w.signals.dropMonitor(l);
    w.signals.dropMonitor(l);
    assert.ok(!holds(l, MonitorEnd.Watcher) && !holds(l, MonitorEnd.Target), `${uid}: a local monitor's both ends dropped, once`);
    assert.is(monitorUid(l), uid, `${uid}: the uid kept through its ends' changes`);
    assert.equal(monitorRef(l), { t: 'ref', uid, node: A, alias: true });
    const r = Monitor.of(uid, watcher, remote.pid, null, MonitorEnd.Watcher);
    r.target = remote;
    setEnd(r, MonitorEnd.Target);
    setEnd(r, MonitorEnd.Target);
    w.signals.dropMonitor(r);
    assert.ok(!holds(r, MonitorEnd.Watcher) && holds(r, MonitorEnd.Target), `${uid}: the watcher's end of a remote one dropped, the target's kept`);
    w.signals.dropHeld(r);
    w.signals.dropHeld(r);
    assert.ok(!holds(r, MonitorEnd.Target) && !holds(r, MonitorEnd.Alias), `${uid}: its target's end dropped once`);
    assert.is(monitorUid(r), uid);
    assert.equal(monitorRef(r), { t: 'ref', uid, node: A, alias: false });
  }
});

test.run();
