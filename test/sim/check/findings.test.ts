// The findings of docs/findings.md still reproduce: each minimal schedule checked in under
// docs/findings/ is replayed and the property it breaks still fails, with the finding's
// signature, while every other property holds. The hints that turned out not to be
// violations are replayed too, and shown to hold.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from '../../../core/inspect.js';
import { classify, classKey, FINDINGS, knownFinding } from '../../../sim/check/findings.js';
import { Facts, PROPERTIES, type PropertyName, type Verdict } from '../../../sim/check/properties.js';
import { runSchedule, type RunOptions } from '../../../sim/check/run.js';
import { parseSchedule, type Schedule } from '../../../sim/check/schedule.js';
import type { Observations } from '../../../sim/check/observations.js';

function load(file: string): Schedule {
  return parseSchedule(readFileSync(file, 'utf8'), file);
}

function verdicts(s: Schedule, opts: RunOptions = {}): { obs: Observations; v: Map<PropertyName, Verdict> } {
  const obs = runSchedule(s, opts);
  return { obs, v: new Map(PROPERTIES.map((p) => [p.name, p.check(obs, () => runSchedule(s))])) };
}

/** `broken` fails (returned), every other property holds but the `also` ones (which may fail). */
function onlyFails(v: Map<PropertyName, Verdict>, broken: PropertyName, also: readonly PropertyName[] = []): Extract<Verdict, { ok: false }> {
  for (const [name, verdict] of v) {
    if (name !== broken && !also.includes(name)) assert.ok(verdict.ok, `${name} should hold: ${verdict.ok ? '' : verdict.why}`);
  }
  const b = v.get(broken) as Verdict;
  assert.not.ok(b.ok, `${broken} holds: the finding no longer reproduces`);
  return b as Extract<Verdict, { ok: false }>;
}

/** The DOWNs and deaths of the schedule's own processes (not of the recovery probes the run adds at its end). */
function scheduled(obs: Observations): { downs: Observations['downs']; deaths: Observations['deaths'] } {
  const probes = new Set(obs.recovery.flatMap((r) => [obs.monitors[r.monitor]?.sub, obs.monitors[r.monitor]?.target]));
  return { downs: obs.downs.filter((d) => !probes.has(d.proc)), deaths: obs.deaths.filter((d) => !probes.has(d.proc)) };
}

function allHold(v: Map<PropertyName, Verdict>): void {
  for (const [name, verdict] of v) assert.ok(verdict.ok, `${name}: ${verdict.ok ? '' : verdict.why}`);
}

test('every finding names a checked-in schedule that reproduces it', () => {
  for (const f of FINDINGS) {
    const s = load(f.schedule);
    const { obs, v } = verdicts(s);
    const b = onlyFails(v, f.property, f.consequences);
    assert.is(knownFinding(f.property, b, new Facts(obs))?.id, f.id);
    for (const p of f.consequences ?? []) {
      const c = v.get(p) as Verdict;
      if (!c.ok) assert.is(knownFinding(p, c, new Facts(obs))?.id, f.id, `${p}: what ${f.id} leaves behind is ${f.id}`);
    }
  }
});

test("docs/findings.md quotes each finding's signature exactly as sim/check/findings.ts has it", () => {
  const doc = readFileSync('docs/findings.md', 'utf8');
  const code = readFileSync('sim/check/findings.ts', 'utf8');
  const quoted = [...doc.matchAll(/\*\*Signature\*\*[\s\S]*?```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  assert.is(quoted.length, FINDINGS.length, 'one signature per finding');
  for (const [i, q] of quoted.entries()) assert.ok(code.includes(q), `${FINDINGS[i]?.id}'s quoted signature is not the code:\n${q}`);
});

test('F1: demonitor(ref, [:flush]) run 1 µs into the Dispatcher batch carrying its DOWN is followed by that DOWN', () => {
  const s = load('docs/findings/flush-race.json');
  const { obs, v } = verdicts(s);
  const b = onlyFails(v, 'no-down-after-flush');
  assert.is(b.code, 'delivered-after-flush');
  const ev = b.violations[0]?.evidence;
  assert.ok(ev?.kind === 'late-down', 'the violation carries the flush and the DOWN');
  const gapUs = ev.down.deliveredUs - ev.flush.atUs;
  assert.is(gapUs, 0, 'the DOWN lands in the µs of the flush, right after it');
  const [down] = scheduled(obs).downs;
  assert.ok(down !== undefined && down.handledUs !== null, 'the subscriber handled the DOWN');
  assert.is(inspect(down.reason), '{:zen_monitor, :killed}');
  // The window is the Dispatcher's take-to-send gap: a µs earlier the demonitor takes the
  // row first (no DOWN); a µs later the flush finds the DOWN.
  const at = (raceUs: number): Schedule => ({ ...s, steps: s.steps.map((st) => (st.op === 'demonitor_flush' ? { ...st, raceUs } : st)) });
  allHold(verdicts(at(0)).v);
  allHold(verdicts(at(2)).v);
  // Not racing (the flush after the DOWN was delivered): it holds.
  const plain = { ...s, steps: s.steps.map((st) => (st.op === 'demonitor_flush' ? { atMs: 900, op: st.op, monitor: st.monitor } : st)) };
  allHold(verdicts(plain).v);
});

test('F2: the Proxy keeps the subscription of a Connector whose node crashed, when no Batcher had started for it', () => {
  const s = load('docs/findings/proxy-rows-dead-connector.json');
  const b = onlyFails(verdicts(s).v, 'no-leaks-when-quiet');
  assert.is(b.code, 'proxy-row-dead-connector');
  // The same, with ZenMonitor stopped instead of the node crashing.
  const stopped = { ...s, steps: s.steps.map((st) => (st.op === 'crash' ? { atMs: st.atMs, op: 'stop_zen' as const, node: st.node } : st)) };
  assert.is(onlyFails(verdicts(stopped).v, 'no-leaks-when-quiet').code, 'proxy-row-dead-connector');
  // Had a death of another of its targets started a Batcher, that Batcher's DOWN of the
  // Connector would have cleaned the rows up: no leak.
  const withBatcher: Schedule = {
    ...s,
    procs: [...s.procs, 1],
    steps: [{ atMs: 0, op: 'monitor', sub: 0, target: 2 }, { atMs: 300, op: 'kill', proc: 2, reason: 0 }, ...s.steps],
  };
  allHold(verdicts(withBatcher).v);
});

test("F2: after a partition fires its monitors with :nodedown, the Proxy keeps the subscriptions the Connector dropped", () => {
  const s = load('docs/findings/proxy-rows-after-nodedown.json');
  const { obs, v } = verdicts(s);
  const b = onlyFails(v, 'no-leaks-when-quiet');
  assert.is(b.code, 'proxy-row-unneeded');
  assert.equal(
    scheduled(obs).downs.map((d) => inspect(d.reason)),
    ['{:zen_monitor, :nodedown}'],
    'the subscriber got its :nodedown',
  );
  assert.ok(new Facts(obs).obs.fires.length > 0, 'the Connector fired its monitor (do_down)');
});

test('F2: an :unsubscribe sent on a connection that a partition then takes down is lost; the Proxy keeps the row (no Batcher to clean up)', () => {
  const s = load('docs/findings/proxy-rows-unsubscribe-lost.json');
  const { obs, v } = verdicts(s);
  const b = onlyFails(v, 'no-leaks-when-quiet');
  assert.is(b.code, 'proxy-row-unneeded');
  assert.is(knownFinding('no-leaks-when-quiet', b, new Facts(obs))?.id, 'F2');
  assert.equal(obs.fires, [], 'the Connector fired nothing: the unsubscribe was lost on the wire');
  assert.equal(scheduled(obs).downs, [], 'the demonitored monitor got no DOWN');
  // Without the partition, the unsubscribe arrives and nothing leaks.
  allHold(verdicts({ ...s, steps: s.steps.filter((st) => st.op !== 'partition') }).v);
});

test("F2: a dead Connector's :subscribe held on the wire by a cut arrives just after its Batcher cleaned up and stopped; the Proxy keeps that late row", () => {
  const s = load('docs/findings/proxy-rows-late-subscription.json');
  const { obs, v } = verdicts(s);
  const b = v.get('no-leaks-when-quiet') as Extract<Verdict, { ok: false }>;
  assert.not.ok(b.ok);
  assert.ok(b.violations.every((x) => x.code === 'proxy-row-dead-connector'), b.why);
  const late = b.violations.map((x) => x.evidence).filter((e) => e?.kind === 'proxy-row' && e.row.batcherStarted);
  assert.is(late.length, 1, 'one row of a Connector a Batcher had watched (the other: one no Batcher ever watched)');
  assert.ok(late[0]?.kind === 'proxy-row' && late[0].row.batcherCleanedUp, 'that Batcher had cleaned up and stopped before the row came');
  assert.is(knownFinding('no-leaks-when-quiet', b, new Facts(obs))?.id, 'F2');
});

test('not a violation: Batcher :noconnect sends dropped around a reconnect lose no DOWN (the subscriber side saw nodedown first)', () => {
  const s = load('docs/findings/batcher-noconnect-reconnect.json');
  let dropped = 0;
  const { obs, v } = verdicts(s, {
    attach: (world) => {
      const send = world.net.send.bind(world.net);
      world.net.send = (from, to, payload, bytes, noconnect) => {
        const r = send(from, to, payload, bytes, noconnect);
        const msg = (payload as { m?: { msg?: { kind?: unknown } } }).m?.msg;
        if (noconnect && r === 'dropped' && msg?.kind === 'dead') dropped++;
        return r;
      };
    },
  });
  assert.ok(dropped >= 1, 'certificates were dropped by :noconnect');
  allHold(v);
  assert.equal(
    scheduled(obs).downs.map((d) => inspect(d.reason)),
    ['{:zen_monitor, :nodedown}', '{:zen_monitor, :nodedown}', '{:zen_monitor, :nodedown}'],
  );
});

test('not a violation: a monitor made while the node is marked unavailable fires :nodedown at the next sweep, though its target lives', () => {
  const s = load('docs/findings/monitor-while-unavailable.json');
  const { obs, v } = verdicts(s);
  allHold(v);
  const [first, during, after] = obs.monitors;
  assert.ok(first !== undefined && during !== undefined && after !== undefined);
  const downOf = (refUid: number) => obs.downs.filter((d) => d.refUid === refUid);
  assert.equal(downOf(first.ref.uid).map((d) => inspect(d.reason)), ['{:zen_monitor, :nodedown}']);
  const [d] = downOf(during.ref.uid);
  assert.ok(d !== undefined && inspect(d.reason) === '{:zen_monitor, :nodedown}', 'the monitor made while unavailable fired :nodedown');
  assert.ok(d.deliveredUs - during.atUs <= 2 * 100_000 + 10_000, 'within a Connector sweep and a demand interval');
  assert.is(scheduled(obs).deaths.length, 0, 'the target lives throughout');
  assert.equal(downOf(after.ref.uid), [], 'once the nodes are connected again, a new monitor holds');
});

/** The F3 schedule with its kill_zen step changed by `change`. */
function f3With(change: (st: Extract<Schedule['steps'][number], { op: 'kill_zen' }>) => Schedule['steps'][number] | Schedule['steps'][number][]): Schedule {
  const s = load('docs/findings/connector-killed.json');
  return { ...s, steps: s.steps.flatMap((st) => (st.op === 'kill_zen' ? change(st) : [st])) };
}

test("F3: the Connector for the target's node killed after the monitor: the target's death never reaches the subscriber; so with Local killed (it takes the Connectors with it)", () => {
  for (const component of [0, 1]) {
    const s = f3With((st) => ({ ...st, component }));
    const { obs, v } = verdicts(s);
    const b = onlyFails(v, 'exactly-one-down-per-undemonitored-monitor', ['no-leaks-when-quiet']);
    assert.is(b.code, 'missing-down');
    assert.is(knownFinding('exactly-one-down-per-undemonitored-monitor', b, new Facts(obs))?.id, 'F3');
    assert.equal(scheduled(obs).downs, [], 'no DOWN at all');
  }
});

test('F3: a monitor made after the kill fires for its target, but a node loss after it never does: the new Connector never watches the node', () => {
  // p0 monitors p2 (the Connector starts), demonitors it, the Connector is killed; then p0 monitors p1.
  const base = load('docs/findings/connector-killed.json');
  const late: Schedule = {
    ...base,
    procs: [0, 1, 1],
    steps: [
      { atMs: 0, op: 'monitor', sub: 0, target: 2 },
      { atMs: 200, op: 'demonitor', monitor: 0 },
      { atMs: 300, op: 'kill_zen', node: 0, component: 0, peer: 1 },
      { atMs: 500, op: 'monitor', sub: 0, target: 1 },
      { atMs: 1000, op: 'kill', proc: 1, reason: 0 },
    ],
  };
  allHold(verdicts(late).v);
  const crash = { ...late, steps: late.steps.map((st) => (st.op === 'kill' ? { atMs: 1000, op: 'crash' as const, node: 1 } : st)) };
  const { obs, v } = verdicts(crash);
  const b = onlyFails(v, 'exactly-one-down-per-undemonitored-monitor', ['no-leaks-when-quiet']);
  assert.match(b.why, /the target died with its node/);
  assert.is(knownFinding('exactly-one-down-per-undemonitored-monitor', b, new Facts(obs))?.id, 'F3');
});

test('F3 is not every kill: a Dispatcher or a Batcher killed while nothing is in flight loses no DOWN', () => {
  for (const [component, node, peer] of [
    [2, 0, 0],
    [4, 1, 0],
  ] as const) {
    const { obs, v } = verdicts(f3With((st) => ({ ...st, component, node, peer })));
    allHold(v);
    assert.is(scheduled(obs).downs.length, 1);
  }
});

test("F3: a Proxy killed fires :nodedown for the monitors of its node (as it must), and its successor never monitors the targets whose rows outlived it in Proxy.Tables: a dead target's row stays", () => {
  const { obs, v } = verdicts(f3With((st) => ({ ...st, component: 3, node: 1, peer: 0 })));
  assert.equal(scheduled(obs).downs.map((d) => inspect(d.reason)), ['{:zen_monitor, :nodedown}']);
  const b = onlyFails(v, 'no-leaks-when-quiet');
  assert.is(b.code, 'proxy-row-dead-target');
  assert.is(knownFinding('no-leaks-when-quiet', b, new Facts(obs))?.id, 'F3');
});

/** The class of `property` on `obs` with the DOWNs of `refUids` taken out, as if they had never come. */
function classWithout(s: Schedule, obs: Observations, property: PropertyName, refUids: readonly number[]): string {
  const cut: Observations = { ...obs, downs: obs.downs.filter((d) => !refUids.includes(d.refUid)) };
  const v = (PROPERTIES.find((p) => p.name === property) as (typeof PROPERTIES)[number]).check(cut, () => runSchedule(s));
  return classKey(classify(property, v, new Facts(cut)));
}

/** The connector-killed fixture's nodes and settings, with p0 on n0 and p1, p2 on n1, running `steps`. */
function connectorKilledWith(steps: Schedule['steps']): Schedule {
  return { ...load('docs/findings/connector-killed.json'), procs: [0, 1, 1], steps };
}

test('F3: a Proxy killed after its subscriber\'s Connector was replaced loses the monitors made on the replacement (it never watched that Proxy)', () => {
  // p0 monitors p1; n0's Connector for n1 is killed; p0 monitors p2 (on the replacement, which
  // found n1 :compatible and never connected); n1's Proxy is killed, then p2.
  const s = connectorKilledWith([
    { atMs: 0, op: 'monitor', sub: 0, target: 1 },
    { atMs: 300, op: 'kill_zen', node: 0, component: 0, peer: 1 },
    { atMs: 600, op: 'monitor', sub: 0, target: 2 },
    { atMs: 1000, op: 'kill_zen', node: 1, component: 3, peer: 0 },
    { atMs: 2000, op: 'kill', proc: 2, reason: 0 },
  ]);
  const { obs, v } = verdicts(s);
  const b = onlyFails(v, 'exactly-one-down-per-undemonitored-monitor', ['no-leaks-when-quiet']);
  assert.match(b.why, /monitored p2@n1@h at 600\.009 ms\) got no DOWN, though the target exited with :killed/);
  assert.equal(scheduled(obs).downs, [], 'no DOWN at all');
  const holder = obs.ends[0]?.connectors.find((c) => c.remote === 1);
  assert.ok(holder !== undefined && !holder.watchesRemote && holder.monitors.length === 1, "the replacement holds p2's row and watches neither n1 nor its Proxy");
  assert.is(knownFinding('exactly-one-down-per-undemonitored-monitor', b, new Facts(obs))?.id, 'F3');
});

test('F3 is not a Connector killed before it ever connected: its replacement connects and fires :nodedown at the node\'s loss; a DOWN missing there is new', () => {
  // The Connector is killed at 50 ms, before its first sweep (100 ms): the Nodes table has no row for n1.
  const s = connectorKilledWith([
    { atMs: 0, op: 'monitor', sub: 0, target: 1 },
    { atMs: 50, op: 'kill_zen', node: 0, component: 0, peer: 1 },
    { atMs: 60, op: 'monitor', sub: 0, target: 2 },
    { atMs: 1000, op: 'crash', node: 1 },
  ]);
  const { obs, v } = verdicts(s);
  const b = onlyFails(v, 'exactly-one-down-per-undemonitored-monitor', ['no-leaks-when-quiet']);
  assert.is(knownFinding('exactly-one-down-per-undemonitored-monitor', b, new Facts(obs))?.id, 'F3', 'p1, monitored before the kill, is lost');
  const late = obs.monitors.find((m) => m.target === 2);
  assert.ok(late !== undefined);
  assert.equal(
    obs.downs.filter((d) => d.refUid === late.ref.uid).map((d) => inspect(d.reason)),
    ['{:zen_monitor, :nodedown}'],
  );
  assert.is(classWithout(s, obs, 'exactly-one-down-per-undemonitored-monitor', [late.ref.uid]), 'new:missing-down');
});

test("F3 is not a Proxy killed while its Batcher held a death: the Connector watching that Proxy fires :nodedown for it; a DOWN missing there is new", () => {
  // p1 dies at 1000 ms; n1's Proxy (and with it the Batcher holding p1's certificate) is killed 20 ms later.
  const s = f3With((st) => ({ ...st, atMs: 1020, node: 1, component: 3, peer: 0 }));
  const { obs, v } = verdicts(s);
  allHold(v);
  const [m] = obs.monitors;
  assert.ok(m !== undefined && m.target === 1);
  assert.equal(scheduled(obs).downs.map((d) => inspect(d.reason)), ['{:zen_monitor, :nodedown}']);
  assert.is(classWithout(s, obs, 'exactly-one-down-per-undemonitored-monitor', [m.ref.uid]), 'new:missing-down');
});

test('F3 for a Dispatcher kill is the batch it was handed and had not sent: a DOWN missing after it, whose event it never got, is new', () => {
  // p1 dies at 1000 ms; n0's Dispatcher is killed at 1100 ms, before the DOWN's batch reaches it (~1200 ms).
  const s = f3With((st) => ({ ...st, atMs: 1100, node: 0, component: 2, peer: 0 }));
  const { obs, v } = verdicts(s);
  allHold(v);
  const [m] = obs.monitors;
  const [kill] = obs.zenKills;
  assert.ok(m !== undefined && kill !== undefined && kill.which === 'dispatcher');
  assert.equal(scheduled(obs).downs.map((d) => inspect(d.reason)), ['{:zen_monitor, :killed}'], 'the restarted Dispatcher delivers it');
  assert.not.ok(obs.eventsIn.some((e) => e.dispatcher === kill.pid), 'the killed Dispatcher was handed nothing');
  assert.is(classWithout(s, obs, 'exactly-one-down-per-undemonitored-monitor', [m.ref.uid]), 'new:missing-down');
  const handed: Observations = { ...obs, eventsIn: [...obs.eventsIn, { node: 0, dispatcher: kill.pid, k: 1, atUs: kill.atUs - 1, refs: [m.ref.uid] }] };
  assert.is(classWithout(s, handed, 'exactly-one-down-per-undemonitored-monitor', [m.ref.uid]), 'known:F3', 'had it been handed the event, its loss is F3');
});

test.run();
