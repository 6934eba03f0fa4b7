// Generator handlers in sim/beam/world.ts (process.ts `Behaviour`): a bare `yield` is a
// synchronisation point, where every event due by the handler's CPU time runs first, so
// what the handler does next happens at that time, seen by and racing with the other
// processes; `yield tag` of a call blocks the process off its scheduler until the
// result; a kill while paused takes effect at once. Expected times are computed by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, int, type Pid, type Term } from '../../../core/terms.js';
import type { CallRequest, CallResult, Ctx, DownSignal, Received } from '../../../sim/beam/process.js';
import { startResult, type StartResult } from '../../../sim/beam/proc_lib.js';
import { A, drain, isAtomTerm, KILL, makeWorld, recorder, runUntil, sleeper, type Got } from '../helpers.js';

const K = atom('k');
const GO = atom('go');

/** A world with one ETS table `t` on `a@h` (owned by a sleeper) and `schedulers` schedulers. */
function tableWorld(schedulers = 2) {
  const w = makeWorld({ schedulers, cost: { etsOpUs: 0 } });
  const owner = w.spawn(A, { init: (ctx) => void ctx.etsNew('t'), handle() {} });
  drain(w);
  return { w, owner };
}

test('a sync point first runs the events due by its CPU time: the reader sees a write made meanwhile on the other scheduler', () => {
  const { w } = tableWorld();
  const writer = w.spawn(A, {
    *handle(ctx) {
      ctx.cpu(10);
      yield;
      ctx.ets('t').insert(K, int(1)); // at 10 µs
    },
  });
  let seen: Term | undefined;
  let seenAt = -1;
  const reader = w.spawn(A, {
    *handle(ctx) {
      ctx.cpu(20);
      yield;
      seen = ctx.ets('t').lookup(K); // at 20 µs
      seenAt = w.nowUs;
    },
  });
  w.at(1000, () => {
    w.send(reader, GO); // the reader starts first, the writer on the other scheduler
    w.send(writer, GO);
  });
  drain(w);
  assert.equal(seen, int(1));
  assert.is(seenAt, 1020, 'the clock is at the reader\'s CPU time when it reads');
});

test('a plain handler reads what the world holds when its handling starts (the write 10 µs into the other is not there yet)', () => {
  const { w } = tableWorld();
  const writer = w.spawn(A, {
    *handle(ctx) {
      ctx.cpu(10);
      yield;
      ctx.ets('t').insert(K, int(1));
    },
  });
  let seen: Term | undefined = int(0);
  const reader = w.spawn(A, {
    handle(ctx) {
      ctx.cpu(20);
      seen = ctx.ets('t').lookup(K);
    },
  });
  w.at(1000, () => {
    w.send(writer, GO);
    w.send(reader, GO);
  });
  drain(w);
  assert.is(seen, undefined);
});

test('an operation at a CPU time comes after the events already due at that time (same-time events run in insertion order)', () => {
  const { w } = tableWorld();
  const order: string[] = [];
  const a = w.spawn(A, {
    *handle(ctx) {
      ctx.cpu(5);
      yield; // due at 1005, as b's: b's resume was scheduled first
      order.push('a');
    },
  });
  const b = w.spawn(A, {
    *handle(ctx) {
      ctx.cpu(5);
      yield;
      order.push('b');
    },
  });
  w.at(1000, () => {
    w.send(b, GO);
    w.send(a, GO);
  });
  drain(w);
  assert.equal(order, ['b', 'a']);
});

test('a sync point with nothing due moves the clock without an event; each handling keeps its CPU time', () => {
  const { w } = tableWorld(1);
  const times: number[] = [];
  const p = w.spawn(A, {
    *handle(ctx) {
      for (let i = 0; i < 3; i++) {
        ctx.cpu(7);
        yield;
        times.push(w.nowUs);
      }
    },
  });
  w.at(1000, () => w.send(p, GO));
  const before = w.kernel.executed;
  const busy = w.node(A).busyUs;
  drain(w);
  assert.equal(times, [1007, 1014, 1021]);
  // The script, the delivery and the slice's end: no event for the sync points.
  assert.is(w.kernel.executed - before, 3);
  assert.is(w.node(A).busyUs - busy, 21);
});

test('a process killed while paused at a sync point dies at once: it does nothing more, and its monitors fire then', () => {
  const w = makeWorld({ cost: { sendLocalUs: 0 } });
  const log: Got[] = [];
  const observer = w.spawn(A, recorder(log));
  const victim = w.spawn(A, {
    *handle(ctx) {
      ctx.cpu(50);
      yield; // paused: the killer's exit signal is due at 10 µs
      ctx.send(observer, atom('late'));
    },
  });
  const killer = w.spawn(A, {
    handle(ctx) {
      ctx.cpu(10);
      ctx.exit(victim, KILL);
    },
  });
  w.spawn(A, { init: (ctx) => void ctx.monitor(victim), handle: (_ctx, msg) => void log.push({ at: w.nowUs, msg }) });
  drain(w);
  w.at(1000, () => {
    w.send(victim, GO);
    w.send(killer, GO);
    w.send(victim, atom('never'));
  });
  drain(w);
  assert.equal(log.filter((g) => isAtomTerm(g.msg, 'late')), []);
  const down = log.find((g) => (g.msg as DownSignal).kind === 'DOWN');
  assert.ok(down !== undefined && isAtomTerm((down.msg as DownSignal).reason, 'killed'));
  // The kill arrives at 10 µs; the victim's exit slice (1 µs at least) fires the DOWN then, on
  // the scheduler the killer freed, and the observer handles it when that slice ends.
  assert.is(down.at, 1011, 'the DOWN fires when the kill arrives, not when the handler would have ended (1050)');
  assert.is(w.alive(victim), undefined);
  assert.is(w.node(A).freeSchedulers, 2, 'its scheduler was given back');
});

test("yielding a call's tag blocks the process off its scheduler until the reply, and the yield returns it", () => {
  const w = makeWorld({ schedulers: 1 });
  // With one scheduler, the server can answer only if the caller left it.
  w.spawn(
    A,
    {
      handle(ctx, msg) {
        const m = msg as CallRequest;
        ctx.cpu(100);
        if (m.kind === '$gen_call') ctx.reply(m.from, atom('pong'));
      },
    },
    { name: 'srv' },
  );
  const results: { at: number; r: CallResult['result'] }[] = [];
  const handled: Got[] = [];
  const c = w.spawn(A, {
    *handle(ctx, msg) {
      handled.push({ at: ctx.nowUs(), msg });
      if (!isAtomTerm(msg, 'call')) return;
      const r = (yield ctx.call({ name: 'srv', node: A }, atom('ping'), 5000)) as CallResult['result'];
      results.push({ at: ctx.nowUs(), r });
    },
  });
  w.at(1000, () => {
    w.send(c, atom('call'));
    w.send(c, atom('after'));
  });
  drain(w);
  assert.is(results.length, 1);
  const [{ at, r }] = results as [(typeof results)[number]];
  assert.ok('ok' in r && isAtomTerm(r.ok, 'pong'));
  assert.is(at, 1101, 'the server ran 100 µs on the only scheduler; the caller took the reply at once');
  // Selective receive: the message queued meanwhile waits until the handler has ended.
  assert.equal(
    handled.map((g) => [g.at, (g.msg as { v: string }).v]),
    [
      [1000, 'call'],
      [1102, 'after'], // the rest of the handling after the reply takes its 1 µs
    ],
  );
});

test("a call that times out returns {exit, :timeout} at the yield, at exactly the timeout", () => {
  const w = makeWorld();
  w.spawn(A, sleeper, { name: 'silent' });
  let got: { at: number; r: CallResult['result'] } | undefined;
  const c = w.spawn(A, {
    *handle(ctx) {
      const r = (yield ctx.call({ name: 'silent', node: A }, atom('ping'), 10)) as CallResult['result'];
      got = { at: ctx.nowUs(), r };
    },
  });
  w.at(1000, () => w.send(c, GO));
  drain(w);
  assert.ok(got !== undefined && 'exit' in got.r && isAtomTerm(got.r.exit, 'timeout'));
  assert.is(got.at, 11_000);
});

test("yielding a receive's tag waits for the matching message and returns it; what arrived meanwhile waits for after", () => {
  const w = makeWorld();
  const got: [string, number][] = [];
  const p = w.spawn(A, {
    *handle(ctx, msg) {
      if (!isAtomTerm(msg, 'wait')) {
        got.push([(msg as { v: string }).v, ctx.nowUs()]);
        return;
      }
      const m = (yield ctx.receive((x) => isAtomTerm(x, 'wanted'), Infinity)) as Term;
      got.push([`received ${(m as { v: string }).v}`, ctx.nowUs()]);
      const none = (yield ctx.receive((x) => isAtomTerm(x, 'never'), 5)) as Term | undefined;
      got.push([`then ${String(none)}`, ctx.nowUs()]);
    },
  });
  w.at(1000, () => w.send(p, atom('wait')));
  w.at(2000, () => {
    w.send(p, atom('other'));
    w.send(p, atom('wanted'));
  });
  drain(w);
  assert.equal(got, [
    ['received wanted', 2000],
    ['then undefined', 7000],
    ['other', 7001],
  ]);
});

test('a generator init started with startLink acknowledges its parent when it ends, not when it pauses', () => {
  const w = makeWorld();
  let initEnd = -1;
  const acks: [number, StartResult][] = [];
  const child = {
    *init(ctx: Ctx) {
      ctx.cpu(10);
      w.send(ctx.self, atom('due')); // an event due before the init's CPU time: it pauses
      yield;
      initEnd = w.nowUs;
    },
    handle() {},
  };
  let kid: Pid | undefined;
  const parent = w.spawn(A, {
    handle(ctx, msg) {
      if (isAtomTerm(msg, 'start')) kid = ctx.startLink(child);
      else if ((msg as { kind?: unknown }).kind === 'received') acks.push([ctx.nowUs(), startResult((msg as Received).msg, kid as Pid)]);
    },
  });
  w.at(1000, () => w.send(parent, atom('start')));
  drain(w);
  assert.is(initEnd, 1010);
  assert.equal(acks, [[1010, { ok: kid as Pid }]]);
});

test('yielding a ref that is no call or receive in flight is a bug in the handler: it throws, naming the process', () => {
  const w = makeWorld();
  const p = w.spawn(A, {
    *handle(ctx) {
      yield ctx.makeRef();
    },
  });
  w.send(p, GO);
  assert.throws(() => drain(w), /yielded .* not the tag of a call or receive in flight/);
});

test('a handler that runs past the end of a run pauses there: the clock stops at the end, and the next run goes on', () => {
  const w = makeWorld();
  const log: Got[] = [];
  const sink = w.spawn(A, recorder(log));
  const p = w.spawn(A, {
    *handle(ctx) {
      ctx.cpu(500);
      yield;
      ctx.send(sink, atom('done'));
    },
  });
  w.at(1000, () => w.send(p, GO));
  runUntil(w, 1100);
  assert.is(w.nowUs, 1100);
  assert.equal(log, []);
  runUntil(w, 2000);
  assert.equal(
    log.map((g) => g.at),
    [1500],
  );
});

test('init may be a generator too, and its handling keeps its scheduler while paused', () => {
  const w = makeWorld({ schedulers: 1 });
  const order: string[] = [];
  const hog = w.spawn(A, { handle: (ctx) => void (ctx.cpu(5), order.push('hog')) });
  w.spawn(A, {
    *init(ctx) {
      ctx.cpu(10);
      w.send(hog, GO); // due at once: the init pauses behind it, holding the only scheduler
      yield;
      order.push('init');
    },
    handle() {},
  });
  drain(w);
  assert.equal(order, ['init', 'hog']);
});

test("handlings of different kinds one after another each run with their own `next` (the world reuses a handling's record)", () => {
  // A generator, then an iterator of another class, then a generator again: each step of a
  // handling calls the `next` read when that handling began (world.ts `drive`), not the
  // one of the handling whose record it took over (handling.ts `SliceRecords`).
  class Steps implements Iterator<undefined, void> {
    private left = 2;
    constructor(private readonly log: string[]) {}
    next(): IteratorResult<undefined, void> {
      this.log.push(`steps ${this.left}`);
      return this.left-- > 0 ? { done: false, value: undefined } : { done: true, value: undefined };
    }
  }
  const w = makeWorld({ schedulers: 1 });
  const log: string[] = [];
  const p = w.spawn(A, {
    handle(_ctx, msg) {
      if ((msg as { v: bigint }).v === 1n) return new Steps(log);
      return (function* () {
        log.push(`gen ${(msg as { v: bigint }).v} before`);
        yield;
        log.push(`gen ${(msg as { v: bigint }).v} after`);
      })();
    },
  });
  for (let i = 0; i < 3; i++) w.send(p, int(i));
  drain(w);
  assert.equal(log, ['gen 0 before', 'gen 0 after', 'steps 2', 'steps 1', 'steps 0', 'gen 2 before', 'gen 2 after']);
});

test('a generator handler paused at a sync point keeps the message it handles, and its handling is reported with it', () => {
  // world.ts: `drive` goes on with the envelope its caller set (runOne, resumeSlice); a
  // record holds the message only when it has no envelope (handling.ts `sliceMsg`).
  const { w } = tableWorld();
  const writer = w.spawn(A, {
    *handle(ctx) {
      ctx.cpu(10);
      yield;
    },
  });
  let resumedAt = -1;
  const reader = w.spawn(A, {
    *handle(ctx) {
      ctx.cpu(20);
      yield; // the writer's sync point at 10 µs comes first: the reader pauses
      resumedAt = w.nowUs;
      ctx.keep();
    },
  });
  const stretches: unknown[] = [];
  w.onSlice = (p, _startUs, _durUs, msg) => void (p.pid === reader && stretches.push(msg));
  w.at(1000, () => {
    w.send(reader, GO);
    w.send(writer, GO);
  });
  drain(w);
  assert.is(resumedAt, 1020);
  assert.equal(w.proc(reader)?.kept?.msg, GO);
  assert.ok(stretches.length === 1 && stretches.every((m) => m === GO), JSON.stringify(stretches));
});

test.run();
