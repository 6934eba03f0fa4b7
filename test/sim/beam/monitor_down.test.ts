// A fired monitor's DOWN holds its monitor's record and reason (sim/beam/monitor.ts
// `MonitorDown`), its ref and object read off the record: these fail if what a reader
// sees of it (its fields, its ref's uid without the ref, its JSON, its size, a flush by
// an equal ref) differs from the four-field DOWN `{kind, ref, object, reason}` it stands
// for, for a local DOWN, a remote one (over the wire) and a lost connection's, and as its
// record's ends change after it fired.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, type Pid, type Ref } from '../../../core/terms.js';
import { dropEnds, downRefUid, Monitor, monitorDown, MonitorEnd, MonitorDown, setEnd } from '../../../sim/beam/monitor.js';
import { isRemote, wireBytes } from '../../../sim/beam/held.js';
import { envelope } from '../../../sim/beam/memory.js';
import type { DownSignal, Proc } from '../../../sim/beam/process.js';
import { wordsOf } from '../../../sim/beam/sizes.js';
import type { World } from '../../../sim/beam/world.js';
import { A, B, connect, downs, drain, isAtomTerm, KILL, makeWorld, recorder, sleeper, type Got } from '../helpers.js';

/** The four-field DOWN a reader would have seen for `d`. */
function plain(d: DownSignal): DownSignal {
  return { kind: 'DOWN', ref: d.ref, object: d.object, reason: d.reason };
}

/** Nodes a and b connected, with two processes on b: one to be killed, one lost with b. */
function onB(): { w: World; remote: Pid; lost: Pid } {
  const w = makeWorld();
  connect(w, A, B);
  return { w, remote: w.spawn(B, sleeper), lost: w.spawn(B, sleeper) };
}

test('monitor DOWN: local, remote and lost-connection DOWNs read as the four-field DOWN (ref, uid, object, JSON, words)', () => {
  const { w, remote, lost } = onB();
  const local = w.spawn(A, sleeper);
  const log: Got[] = [];
  const refs: Ref[] = [];
  w.spawn(A, recorder(log, undefined, (ctx) => {
    refs.push(ctx.monitor(local), ctx.monitor(remote), ctx.monitor(lost), ctx.monitor(local, w.makeAliasRef(A)));
  }));
  w.at(1000, () => w.exit(local, KILL));
  w.at(2000, () => w.exit(remote, KILL));
  w.at(50_000, () => w.crash(B));
  drain(w);
  const got = downs(log).map((g) => g.msg);
  assert.is(got.length, 4);
  const byUid = [...got].sort((a, b) => downRefUid(a) - downRefUid(b));
  assert.equal(byUid.map((d) => d.ref), refs);
  assert.equal(byUid.map((d) => d.object), [local, remote, lost, local]);
  assert.equal(byUid.map((d) => (d.reason as { v: string }).v), ['killed', 'killed', 'noconnection', 'killed']);
  for (const d of got) {
    assert.instance(d, MonitorDown);
    assert.is(d.kind, 'DOWN');
    assert.ok('kind' in d, 'its kind is seen by `in` (the scenario subscriber tests so)');
    assert.is(downRefUid(d), d.ref.uid);
    assert.is.not(d.ref, d.ref, 'made at each read');
    assert.is(JSON.stringify(d), JSON.stringify(plain(d)));
    for (const node of [A, B]) assert.is(wordsOf(d, 'DOWN', node), wordsOf(plain(d), 'DOWN', node), `its words on ${node}`);
  }
});

test('monitor DOWN: queued remote and lost-connection DOWNs are flushed by equal copies of their refs (world.test.ts flushes a local one)', () => {
  const { w, remote, lost } = onB();
  const log: Got[] = [];
  const refs: Ref[] = [];
  const flushed: boolean[] = [];
  const p = w.spawn(A, recorder(log, (ctx, msg) => {
    if (isAtomTerm(msg, 'busy')) ctx.cpu(2_000_000);
    if (isAtomTerm(msg, 'flush')) for (const r of refs) flushed.push(ctx.flushDown({ ...r }));
  }, (ctx) => void refs.push(ctx.monitor(remote), ctx.monitor(lost))));
  drain(w);
  const t0 = w.nowUs;
  w.at(t0 + 100, () => w.send(p, atom('busy')));
  w.at(t0 + 150, () => w.send(p, atom('flush'))); // queued first: the DOWNs queue behind it
  w.at(t0 + 200, () => w.exit(remote, KILL));
  w.at(t0 + 50_000, () => w.crash(B));
  drain(w);
  assert.equal(flushed, [true, true]);
  assert.equal(downs(log), [], 'both taken out before being handled');
});

test('monitor DOWN: it is its own envelope, queued with the words and wire bytes an envelope of the four-field DOWN gets (a remote one decoded from the wire)', () => {
  const { w, remote, lost } = onB();
  const local = w.spawn(A, sleeper);
  // Blocked in a receive of nothing: what arrives stays queued.
  const p = w.spawn(A, { init: (ctx) => [local, remote, lost].forEach((t) => void ctx.monitor(t)), handle: (ctx) => void ctx.receive(() => false, Infinity) });
  drain(w);
  w.send(p, atom('block'));
  w.at(w.nowUs + 1000, () => w.exit(local, KILL));
  w.at(w.nowUs + 2000, () => w.exit(remote, KILL));
  w.at(w.nowUs + 50_000, () => w.crash(B));
  drain(w);
  const queued = (w.proc(p) as Proc).mailbox.values();
  assert.equal(queued.map((e) => ((e.msg as DownSignal).object as Pid).id), [local, remote, lost].map((t) => t.id));
  for (const [i, e] of queued.entries()) {
    const d = e.msg as MonitorDown;
    assert.is(e, d, 'the DOWN is its envelope');
    assert.is(e.kind, 'DOWN');
    assert.not.ok(Object.keys(d).includes('msg'), 'msg is not a field of its own (no cycle for a deep compare)');
    const plainEnv = envelope(plain(d), A, wireBytes(e));
    assert.is(e.words, plainEnv.words);
    // Only the killed remote target's came from the wire: a lost connection's is made on the watcher's node.
    assert.is(isRemote(e), i === 1);
    assert.is(wireBytes(e) > 0, i === 1);
  }
});

test('monitor DOWN: read off its fired record, it keeps its ref and object as the record\'s ends change after (its target\'s node dropping its end)', () => {
  const w = makeWorld();
  const watcher = w.proc(w.spawn(A, sleeper)) as Proc;
  const target = w.spawn(A, sleeper);
  for (const alias of [false, true]) {
    const mon = Monitor.of(41, watcher, target, null, MonitorEnd.Watcher | MonitorEnd.Target | (alias ? MonitorEnd.Alias : 0));
    dropEnds(mon, MonitorEnd.Watcher);
    const d = monitorDown(mon, atom('noconnection'));
    const before = JSON.stringify(d);
    dropEnds(mon, MonitorEnd.Target);
    setEnd(mon, MonitorEnd.Target);
    dropEnds(mon, MonitorEnd.Watcher | MonitorEnd.Target);
    assert.is(JSON.stringify(d), before);
    assert.equal(d.ref, { t: 'ref', uid: 41, node: A, alias });
    assert.is(downRefUid(d), 41);
    assert.is(d.object, target);
  }
});

test.run();
