// GenRegistry (sim/beam/gen_registry.ts) against discord/gen_registry v1.0.2:
// lookup_or_start is a call that blocks its caller while the registry starts the worker
// linked to itself; lookup reads the table with no message; a worker's :EXIT deletes its
// row only when the registry handles it, so a lookup right after a death can still
// return the dead pid; the registry's shutdown kills its workers and takes its table;
// under a rest_for_one supervisor it comes back empty. Times are exact (zero CPU costs).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from '../../../core/inspect.js';
import { atom, type Pid, type Term } from '../../../core/terms.js';
import { childSpec, lookup, lookupOrStart, lookupOrStartResult, type GenRegistrySpec } from '../../../sim/beam/gen_registry.js';
import type { Behaviour, CallResult, Ctx } from '../../../sim/beam/process.js';
import { supervisor } from '../../../sim/beam/supervisor.js';
import type { World } from '../../../sim/beam/world.js';
import { A, drain, KILL, makeWorld, runUntil } from '../helpers.js';
import { Tree } from './otp_trace.js';

const REG = 'Elixir.Worker';
const REG_DEST = { name: REG, node: A };

/** A registry of workers named after their first arg, each taking `initUs` of CPU to start (failing for `:bad`). */
function registrySpec(t: Tree, initUs = 0): GenRegistrySpec {
  return {
    name: REG,
    start: (args) => {
      const key = inspect(args[0] as Term);
      return t.child(`w${key}`, { initUs, ...(key === ':bad' ? { fail: atom('bad_arg') } : {}) })();
    },
  };
}

/** The registry under a one_for_one supervisor (its parent), spawned at 0. */
function started(initUs = 0): { w: World; t: Tree; sup: Pid } {
  const w = makeWorld();
  const t = new Tree(w);
  const reg = childSpec(registrySpec(t, initUs));
  const sup = w.spawn(A, supervisor({ strategy: 'one_for_one', children: [{ ...reg, start: () => t.named('registry', reg.start()) }] }));
  runUntil(w, 1_000);
  return { w, t, sup };
}

type Call = { at: number; result: string };

/** A client that, on `{key}` atoms, calls lookup_or_start(key, [key]) and logs when and what it got. */
function client(calls: Call[], timeoutMs?: number): Behaviour {
  return {
    handle(ctx: Ctx, msg) {
      const m = msg as CallResult;
      if (m.kind === 'call_result') {
        const r = lookupOrStartResult(m);
        calls.push({ at: ctx.nowUs(), result: 'ok' in r ? `ok ${r.ok.uid}` : `error ${inspect(r.error)}` });
        return;
      }
      lookupOrStart(ctx, REG_DEST, msg as Term, [msg as Term], timeoutMs);
    },
  };
}

test('lookup_or_start: blocks the caller while the registry starts the worker linked to itself; then the row answers, with no new start', () => {
  const { w, t } = started(500);
  const calls: Call[] = [];
  const c1 = w.spawn(A, client(calls));
  const c2 = w.spawn(A, client(calls));
  w.at(10_000, () => w.send(c1, atom('k1')));
  w.at(10_100, () => w.send(c2, atom('k1')));
  drain(w);
  const worker = t.pid('w:k1');
  assert.equal(calls, [
    // the worker's init ends at 10,500; the reply resumes the caller at the next free scheduler
    { at: 10_501, result: `ok ${worker.uid}` },
    { at: 10_502, result: `ok ${worker.uid}` },
  ]);
  assert.is(t.pids.get('w:k1')?.length, 1);
  const registry = w.proc(t.pid('registry'));
  assert.ok(registry?.ext?.links?.has(worker.uid), 'the worker is linked to the registry');
  assert.is(w.proc(worker)?.ext?.parent, registry?.pid);
  assert.is(w.node(A).ets.get(REG)?.lookup(atom('k1')), worker);
});

test('lookup: reads the table in the caller, with no message; a failed start leaves no row and answers {:error, reason}', () => {
  const { w } = started();
  const calls: Call[] = [];
  const c = w.spawn(A, client(calls));
  const seen: (Pid | undefined)[] = [];
  const reader = w.spawn(A, { handle: (ctx, msg) => void seen.push(lookup(ctx, REG, msg as Term)) });
  w.at(10_000, () => w.send(c, atom('k1')));
  w.at(10_000, () => w.send(reader, atom('k1')));
  w.at(20_000, () => w.send(reader, atom('k1')));
  w.at(30_000, () => w.send(c, atom('bad')));
  drain(w);
  assert.equal(calls.map((c) => c.result.replace(/\d+/, 'N')), ['ok N', 'error :bad_arg']);
  assert.equal(seen.map((p) => p?.uid), [undefined, Number(calls[0]?.result.split(' ')[1])]);
  assert.is(w.node(A).ets.get(REG)?.size, 1);
  assert.is(w.procs[reader.uid]?.mailboxPeak, 1, 'the reader got only its own messages');
});

test('a lookup right after a worker died still returns the dead pid, until the registry handles its :EXIT; then a new worker starts', () => {
  const { w, t } = started(500);
  const calls: Call[] = [];
  const slow = w.spawn(A, client(calls));
  const late = w.spawn(A, client(calls));
  const again = w.spawn(A, client(calls));
  const seen: (Pid | undefined)[] = [];
  const reader = w.spawn(A, { handle: (ctx) => void seen.push(lookup(ctx, REG, atom('k1'))) });
  w.at(10_000, () => w.send(slow, atom('k1')));
  w.at(20_000, () => w.send(slow, atom('k2'))); // the registry is busy starting k2 until 20,500
  w.at(20_100, () => w.send(late, atom('k1'))); // queued before k1's :EXIT
  w.at(20_200, () => w.exit(t.pid('w:k1'), KILL));
  w.at(20_300, () => w.send(reader, atom('go')));
  w.at(30_000, () => w.send(again, atom('k1')));
  drain(w);
  const [k1, k1b] = t.pids.get('w:k1') as [Pid, Pid];
  assert.equal(seen, [k1], 'the direct lookup after the death: the dead pid');
  assert.equal(calls, [
    { at: 10_501, result: `ok ${k1.uid}` },
    { at: 20_501, result: `ok ${t.pid('w:k2').uid}` },
    { at: 20_502, result: `ok ${k1.uid}` }, // the dead one: its :EXIT was still queued
    { at: 30_501, result: `ok ${k1b.uid}` },
  ]);
  assert.not.ok(w.alive(k1));
});

test('lookup_or_start: a registry busier than the timeout makes the call exit with :timeout (the late reply is dropped)', () => {
  const { w } = started(2_000_000);
  const calls: Call[] = [];
  const c = w.spawn(A, client(calls, 1_000));
  w.at(10_000, () => w.send(c, atom('k1')));
  drain(w);
  assert.equal(calls, [{ at: 1_010_000, result: 'error :timeout' }]);
});

test('shutdown by its supervisor: the registry unlinks and kills its workers, then exits; its table goes with it', () => {
  const w = makeWorld();
  const t = new Tree(w);
  const reg = childSpec(registrySpec(t));
  const sup = w.spawn(A, t.named('top', supervisor({ strategy: 'one_for_one', intensity: 0, children: [
    { ...reg, start: () => t.named('registry', reg.start()) },
    { id: 'other', start: t.child('other') },
  ] })));
  const c = w.spawn(A, client([]));
  w.at(10_000, () => w.send(c, atom('k1')));
  w.at(10_000, () => w.send(c, atom('k2')));
  w.at(20_000, () => w.exit(t.pid('other'), KILL)); // intensity 0: the supervisor gives up and shuts the registry down
  drain(w);
  assert.equal(t.since(20_000), [
    [0, 'exit other :killed'],
    [0, 'exit w:k1 :killed'],
    [0, 'exit w:k2 :killed'],
    [1, 'exit registry :shutdown'],
    [2, 'exit top :shutdown'],
  ]);
  assert.is(w.node(A).ets.get(REG), undefined);
  assert.not.ok(w.alive(sup));
});

test('a killed supervisor: its registry, told by the link, kills its workers and exits :killed', () => {
  const { w, t, sup } = started();
  const c = w.spawn(A, client([]));
  w.at(10_000, () => w.send(c, atom('k1')));
  w.at(20_000, () => w.exit(sup, atom('shutdown'))); // not from its parent: a trapped message it ignores
  w.at(30_000, () => w.exit(sup, KILL));
  drain(w);
  assert.equal(t.since(20_000), [
    [10_000, 'exit w:k1 :killed'],
    [10_001, 'exit registry :killed'],
  ]);
  assert.is(w.node(A).ets.get(REG), undefined);
});

test('under rest_for_one, a killed registry comes back empty after its Tables sibling kept its rows; its workers died with it', () => {
  const w = makeWorld();
  const t = new Tree(w);
  const reg = childSpec(registrySpec(t));
  w.spawn(A, supervisor({ strategy: 'rest_for_one', children: [
    { id: 'tables', start: t.child('tables', { init: (ctx) => ctx.etsNew('Nodes').insert(atom('b@h'), atom('compatible')) }) },
    { ...reg, start: () => t.named('registry', reg.start()) },
    { id: 'dispatcher', start: t.child('dispatcher') },
  ] }));
  const c = w.spawn(A, client([]));
  w.at(10_000, () => w.send(c, atom('k1')));
  w.at(20_000, () => w.exit(t.pid('registry'), KILL));
  const after: string[] = [];
  w.at(30_000, () => after.push(`${w.node(A).ets.get(REG)?.size}`, inspect(w.node(A).ets.get('Nodes')?.lookup(atom('b@h')) ?? atom('none'))));
  drain(w);
  assert.equal(t.since(20_000), [
    [0, 'exit registry :killed'],
    [0, 'exit w:k1 :killed'],
    [0, 'exit dispatcher :shutdown'],
    [1, 'start registry'],
    [2, 'start dispatcher'],
  ]);
  assert.equal(after, ['0', ':compatible']);
});

test.run();
