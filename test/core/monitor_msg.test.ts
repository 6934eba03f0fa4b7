// A monitor cast holding its ref as the uid (core/monitor_msg.ts) is the message it
// stands for: its ref, remade at each read, equal to the one made; the same term, sizes
// and inspect; the Connector and References rows it becomes behave as a plain one's; and
// their down dispatches, made when read, are the plain ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectorStep, initConnector, listMonitors } from '../../core/connector.js';
import { inspect } from '../../core/inspect.js';
import type { Effect } from '../../core/effects.js';
import { msgDistBytes, msgHeapWords, msgToTerm, zenReason, type Dispatch, type LocalEnqueueMsg, type MonitorMsg, type Target } from '../../core/messages.js';
import { monitorMsg, monitorRefUid, nodedownDispatch, rowDispatch } from '../../core/monitor_msg.js';
import { newZenTables } from '../../core/tables.js';
import { atom, type Pid, type Ref } from '../../core/terms.js';
import { A, B, TestEnv, dispatchOf, noMetrics, pid, ref, runStep } from './zen_fixtures.js';

/** A ref as the runtime makes one (world.ts `makeRef`): `alias: false`, so the cast keeps its uid. */
function simRef(node: string = A): Ref {
  return { ...ref(node), alias: false };
}

function plain(msg: MonitorMsg): MonitorMsg {
  return { kind: 'monitor', target: msg.target, ref: msg.ref, subscriber: msg.subscriber };
}

test('a cast holding its ref as the uid reads as the message it stands for', () => {
  const sub = pid(A);
  const r = simRef(A);
  const msg = monitorMsg(pid(B), r, sub);
  assert.is(msg.kind, 'monitor');
  assert.equal(msg.ref, r);
  assert.is.not(msg.ref, msg.ref, 'made anew at each read');
  assert.is(monitorRefUid(msg), r.uid);
  assert.equal(msgToTerm(msg), msgToTerm(plain(msg)));
  assert.is(inspect(msgToTerm(msg)), inspect(msgToTerm(plain(msg))));
  assert.is(msgHeapWords(msg, A), msgHeapWords(plain(msg), A));
  const atoms = { add: (): void => undefined };
  assert.is(msgDistBytes(msg, atoms), msgDistBytes(plain(msg), atoms));
});

test('a ref that cannot be remade equal is kept as it is, in a plain object', () => {
  const sub = pid(A);
  for (const r of [ref(A), { ...simRef(B) }, { ...simRef(A), alias: true }] as Ref[]) {
    const msg = monitorMsg(pid(B), r, sub);
    assert.equal(msg, { kind: 'monitor', target: msg.target, ref: r, subscriber: sub });
    assert.is(msg.ref, r);
    assert.is(monitorRefUid(msg), r.uid);
  }
});

test('References rows and Connector rows holding ref uids behave as plain ones', () => {
  for (const make of [(t: Pid, r: Ref, s: Pid) => monitorMsg(t, r, s), (t: Pid, r: Ref, s: Pid): MonitorMsg => ({ kind: 'monitor', target: t, ref: r, subscriber: s })]) {
    const env = new TestEnv(A);
    env.connected.add(B);
    const { state } = initConnector(B, env);
    const tables = newZenTables();
    const sub = pid(A);
    const t1 = pid(B);
    const t2 = pid(B);
    const rows = [make(t1, simRef(A), sub), make(t1, simRef(A), sub), make(t2, simRef(A), sub)];
    for (const row of rows) {
      tables.references.insertRow(row);
      runStep(connectorStep(state, row, env), env);
    }
    assert.is(tables.references.size, 3);
    assert.equal(tables.references.take(sub, rows[1]!.ref)?.ref, rows[1]!.ref);
    assert.is(tables.references.has(sub, rows[1]!.ref), false);
    assert.equal(listMonitors(state).map((row) => [row.target, row.ref]), rows.map((row) => [row.target, row.ref]));
    const effects = noMetrics(runStep(connectorStep(state, { kind: 'demonitor', target: t1, ref: rows[0]!.ref }, env), env).effects);
    assert.equal(effects, []);
    assert.is(state.monitorCount, 2);
  }
});

test("a uid row's dispatches (node loss, death certificates) read as the plain ones, their DOWN made at each read", () => {
  const env = new TestEnv(A);
  env.connected.add(B);
  const { state } = initConnector(B, env);
  const sub = pid(A);
  const targets = [pid(B), pid(B), pid(B)];
  const refs = targets.map(() => simRef(A));
  targets.forEach((t, i) => runStep(connectorStep(state, monitorMsg(t, refs[i] as Ref, sub), env), env));
  const dispatchesOf = (effects: readonly Effect[]): Dispatch[] => {
    const enqueue = effects.find((e) => e.kind === 'send_named' && e.msg.kind === 'enqueue') as { msg: LocalEnqueueMsg };
    return [...enqueue.msg.dispatches];
  };
  const dead = dispatchesOf(runStep(connectorStep(state, { kind: 'dead', node: B, certificates: [{ pid: targets[0] as Pid, reason: atom('killed') }] }, env), env).effects);
  assert.equal(
    dead.map((d) => ({ subscriber: d.subscriber, down: d.down })),
    [dispatchOf(sub, refs[0] as Ref, targets[0] as Target, atom('killed'))],
  );
  assert.is.not(dead[0]?.down, dead[0]?.down, 'made anew at each read');
  const lost = dispatchesOf(runStep(connectorStep(state, { kind: 'nodedown', node: B }, env), env).effects);
  assert.equal(
    lost.map((d) => ({ subscriber: d.subscriber, down: d.down })),
    [1, 2].map((i) => dispatchOf(sub, refs[i] as Ref, targets[i] as Target, atom('nodedown'))),
  );
  const m = { add: (): void => undefined };
  const asPlain = (ds: Dispatch[]): Dispatch[] => ds.map((d) => ({ subscriber: d.subscriber, down: d.down }));
  assert.is(msgHeapWords({ kind: 'enqueue', dispatches: lost }, A), msgHeapWords({ kind: 'enqueue', dispatches: asPlain(lost) }, A));
  assert.is(msgDistBytes({ kind: 'events', events: lost, from: { pid: sub, tag: refs[0] as Ref } }, m), msgDistBytes({ kind: 'events', events: asPlain(lost), from: { pid: sub, tag: refs[0] as Ref } }, m));
});

test('refs kept as uids measure as the refs they stand for: casts and lists of dispatches, mixed with plain ones, on any node', () => {
  const C = 'c@host';
  const subs = [pid(A), pid(C)];
  const casts = [0, 1, 1, 0, 0].map((i) => monitorMsg(pid(B), simRef(subs[i]!.node), subs[i]!));
  const plainAlias = { subscriber: subs[0]!, down: { kind: 'DOWN' as const, ref: { ...simRef(A), alias: true }, object: pid(B), reason: atom('x') } };
  const reason = atom('nodedown');
  const uids: Dispatch[] = casts.map((c) => rowDispatch(c, c.target, reason));
  const mixed = [uids[0]!, plainAlias, uids[1]!, uids[2]!, plainAlias, uids[3]!, uids[4]!];
  const asPlain = (ds: Dispatch[]): Dispatch[] => ds.map((d) => ({ subscriber: d.subscriber, down: d.down }));
  for (const node of [A, B, C]) {
    for (const c of casts) assert.is(msgHeapWords(c, node), msgHeapWords(plain(c), node));
    for (const ds of [uids, mixed]) {
      assert.is(msgHeapWords({ kind: 'enqueue', dispatches: ds }, node), msgHeapWords({ kind: 'enqueue', dispatches: asPlain(ds) }, node));
    }
  }
  for (const ds of [uids, mixed]) {
    const seen: string[] = [];
    const plainSeen: string[] = [];
    const from = { pid: subs[0]!, tag: simRef(A) };
    assert.is(msgDistBytes({ kind: 'events', events: ds, from }, { add: (a: string) => seen.push(a) }), msgDistBytes({ kind: 'events', events: asPlain(ds), from }, { add: (a: string) => plainSeen.push(a) }));
    assert.equal([...new Set(seen)], [...new Set(plainSeen)], 'the atoms met, in order');
  }
  for (const c of casts) {
    const seen: string[] = [];
    const plainSeen: string[] = [];
    assert.is(msgDistBytes(c, { add: (a: string) => seen.push(a) }), msgDistBytes(plain(c), { add: (a: string) => plainSeen.push(a) }));
    assert.equal(seen, plainSeen);
  }
});

test('a nodedown dispatch, the row itself where it holds its ref as the uid, is the one rowDispatch makes: its DOWN made anew at each read, the same measures', () => {
  const sub = pid(A);
  const reason = zenReason(atom('nodedown'));
  const rows = [monitorMsg(pid(B), simRef(A), sub), monitorMsg(pid(B), ref(A), sub), monitorMsg(pid(B), { ...simRef(A), alias: true }, sub)];
  assert.is(nodedownDispatch(rows[0]!), rows[0] as unknown, 'a uid row is its own dispatch');
  const lost = rows.map(nodedownDispatch);
  const made = rows.map((row) => rowDispatch(row, row.target, reason));
  assert.equal(
    lost.map((d) => ({ subscriber: d.subscriber, down: d.down })),
    made.map((d) => ({ subscriber: d.subscriber, down: d.down })),
  );
  assert.is.not(lost[0]?.down, lost[0]?.down, 'made anew at each read');
  const m = { add: (): void => undefined };
  for (const node of [A, B]) assert.is(msgHeapWords({ kind: 'enqueue', dispatches: lost }, node), msgHeapWords({ kind: 'enqueue', dispatches: made }, node));
  const from = { pid: sub, tag: simRef(A) };
  assert.is(msgDistBytes({ kind: 'events', events: lost, from }, m), msgDistBytes({ kind: 'events', events: made, from }, m));
  assert.equal(msgToTerm({ kind: 'enqueue', dispatches: lost }), msgToTerm({ kind: 'enqueue', dispatches: made }));
});

test('a uid row, made as a literal with its class\'s prototype, has the three fields a row had, its kind on the prototype, and is its own nodedown dispatch', () => {
  const sub = pid(A);
  const r = simRef(A);
  const target = pid(B);
  const row = monitorMsg(target, r, sub);
  assert.equal(Object.keys(row), ['target', 'refUid', 'subscriber']);
  assert.ok(!Object.prototype.hasOwnProperty.call(row, 'kind'));
  assert.is(row.kind, 'monitor');
  assert.is(row.target, target);
  assert.is(row.subscriber, sub);
  assert.is(nodedownDispatch(row), row);
});

test.run();
