// Selective receive (sim/beam/receive.ts) and proc_lib's synchronous start
// (sim/beam/proc_lib.ts) against Erlang's `receive ... after` and OTP 25's
// proc_lib:start_link/init_ack: which message is taken, what waits meanwhile, when a
// timeout fires, and what a starting parent is told. Times are exact (zero CPU costs).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from '../../../core/inspect.js';
import { atom, type Pid, type Term } from '../../../core/terms.js';
import type { Behaviour, Ctx, Received } from '../../../sim/beam/process.js';
import { startResult, type StartResult } from '../../../sim/beam/proc_lib.js';
import { A, drain, isAtomTerm, makeWorld, recorder, sleeper, type Got } from '../helpers.js';

/** What a log shows: [at, the message as text ('received <msg>' for a resumed receive)]. */
function shown(log: Got[]): [number, string][] {
  return log.map((g) => {
    const m = g.msg as { kind?: string };
    if (m.kind === 'received') {
      const r = (g.msg as Received).msg;
      return [g.at, `received ${r === undefined ? 'timeout' : show(r)}`];
    }
    return [g.at, show(g.msg)];
  });
}

function show(msg: unknown): string {
  const m = msg as { kind?: string; reason?: Term };
  if (m.kind === 'EXIT') return `EXIT ${inspect(m.reason as Term)}`;
  return inspect(msg as Term).replace(/#PID<[^>]*>/g, 'pid');
}

/** A process that, on `go`, receives the first message `match` accepts within `timeoutMs` (and burns 100 µs on `busy`). */
function receiver(log: Got[], match: (m: unknown) => boolean, timeoutMs: number): Behaviour {
  return recorder(log, (ctx, msg) => {
    if (isAtomTerm(msg, 'go')) ctx.receive(match, timeoutMs);
    if (isAtomTerm(msg, 'busy')) ctx.cpu(100);
  });
}

const isX = (m: unknown) => isAtomTerm(m, 'x');

test('receive: takes the first matching message wherever it is queued; the others stay, in order, for after', () => {
  const w = makeWorld();
  const log: Got[] = [];
  const r = w.spawn(A, receiver(log, isX, Infinity));
  for (const m of ['busy', 'go', 'a', 'x', 'b', 'x']) w.send(r, atom(m));
  drain(w);
  assert.equal(shown(log), [
    [0, ':busy'],
    [100, ':go'],
    [101, 'received :x'],
    [102, ':a'],
    [103, ':b'],
    [104, ':x'],
  ]);
});

test('receive: a blocked process handles nothing until the match arrives, then what waited, in order', () => {
  const w = makeWorld();
  const log: Got[] = [];
  const r = w.spawn(A, receiver(log, isX, Infinity));
  w.send(r, atom('go'));
  w.at(10, () => w.send(r, atom('a')));
  w.at(20, () => w.send(r, atom('b')));
  w.at(50, () => w.send(r, atom('x')));
  drain(w);
  assert.equal(shown(log), [
    [0, ':go'],
    [50, 'received :x'],
    [51, ':a'],
    [52, ':b'],
  ]);
  assert.is(w.proc(r)?.mailbox.length, 0);
});

test('receive: the timeout resumes at exactly its ms (never early); a match first cancels it; after 0 does not block', () => {
  const w = makeWorld();
  const log: Got[] = [];
  const r = w.spawn(A, receiver(log, isX, 5));
  w.at(100, () => w.send(r, atom('go')));
  w.at(7_000, () => w.send(r, atom('x')));
  w.at(8_000, () => w.send(r, atom('go')));
  w.at(9_000, () => w.send(r, atom('x')));
  const log0: Got[] = [];
  const r0 = w.spawn(A, receiver(log0, isX, 0));
  w.at(100, () => w.send(r0, atom('go')));
  w.at(100, () => w.send(r0, atom('a')));
  drain(w);
  assert.equal(shown(log), [
    [100, ':go'],
    [6_000, 'received timeout'],
    [7_000, ':x'],
    [8_000, ':go'],
    [9_000, 'received :x'],
  ]);
  assert.equal(shown(log0), [
    [100, ':go'],
    [101, 'received timeout'],
    [102, ':a'],
  ]);
  assert.is(w.proc(r)?.timerCount(), 0);
});

test('take: receive ... after 0 takes a queued match out now, or nothing', () => {
  const w = makeWorld();
  const got: string[] = [];
  const r = w.spawn(A, {
    handle(ctx: Ctx, msg) {
      if (isAtomTerm(msg, 'busy')) return ctx.cpu(100);
      if (!isAtomTerm(msg, 'go')) return void got.push(show(msg));
      const x = ctx.take(isX);
      got.push(`took ${x === undefined ? 'nothing' : show(x)}`, `took ${show(ctx.take(isX) ?? atom('nothing'))}`);
    },
  });
  for (const m of ['busy', 'go', 'a', 'x', 'b']) w.send(r, atom(m));
  drain(w);
  assert.equal(got, ['took :x', 'took :nothing', ':a', ':b']);
});

/** A parent that, on `go`, starts `child()` with startLink (trapping exits when `trap`) and logs the result. */
function starter(log: Got[], results: StartResult[], child: () => Behaviour, trap: boolean, name?: string): Behaviour {
  let started: Pid | undefined;
  return recorder(
    log,
    (ctx, msg) => {
      if (isAtomTerm(msg, 'go')) started = ctx.startLink(child(), name === undefined ? {} : { name });
      else if ((msg as Received).kind === 'received') results.push(startResult((msg as Received).msg, started as Pid));
    },
    (ctx) => void ctx.trapExit(trap),
  );
}

test('startLink: the parent blocks until the child init returns and acks {:ok, child}; its other messages wait', () => {
  const w = makeWorld();
  const log: Got[] = [];
  const results: StartResult[] = [];
  let childPid: Pid | undefined;
  const p = w.spawn(A, starter(log, results, () => ({ init: (ctx) => void ((childPid = ctx.self), ctx.cpu(500)), handle() {} }), false));
  w.at(1_000, () => w.send(p, atom('go')));
  w.at(1_100, () => w.send(p, atom('a')));
  drain(w);
  assert.equal(shown(log), [
    [1_000, ':go'],
    [1_500, 'received {:ack, pid, {:ok, pid}}'],
    [1_501, ':a'],
  ]);
  assert.equal(results, [{ ok: childPid as Pid }]);
  assert.is(w.proc(childPid as Pid)?.ext?.parent, p);
  assert.ok(w.proc(p)?.ext?.links?.has((childPid as Pid).uid), 'linked');
});

test('startLink: an init that stops acks {:error, reason}, then the child exits; a trapping parent gets the :EXIT after', () => {
  const w = makeWorld();
  const log: Got[] = [];
  const results: StartResult[] = [];
  const p = w.spawn(A, starter(log, results, () => ({ init: (ctx) => ctx.stop(atom('bad_config')), handle() {} }), true));
  w.at(1_000, () => w.send(p, atom('go')));
  drain(w);
  assert.equal(shown(log), [
    [1_000, ':go'],
    [1_001, 'received {:ack, pid, {:error, :bad_config}}'],
    [1_002, 'EXIT :bad_config'],
  ]);
  assert.equal(results.map((r) => ('error' in r ? inspect(r.error) : 'ok')), [':bad_config']);
  assert.ok(w.alive(p));
});

test('startLink: a registered name held by a live process gives {:error, {:already_started, holder}} and spawns nothing', () => {
  const w = makeWorld();
  const holder = w.spawn(A, sleeper, { name: 'taken' });
  const log: Got[] = [];
  const results: StartResult[] = [];
  const p = w.spawn(A, starter(log, results, () => sleeper, false, 'taken'));
  const before = w.procs.length;
  w.at(1_000, () => w.send(p, atom('go')));
  drain(w);
  assert.equal(results.map((r) => ('error' in r ? show(r.error) : 'ok')), ['{:already_started, pid}']);
  assert.equal((results[0] as { error: Term & { t: 'tuple' } }).error.v[1], holder);
  assert.is(w.procs.length, before);
});

test('startLink: a behaviour that acks itself (acksStart) is started when it calls initAck, not when its init returns', () => {
  const w = makeWorld();
  const log: Got[] = [];
  const results: StartResult[] = [];
  const late: Behaviour = {
    acksStart: true,
    init: (ctx) => void ctx.sendAfter(3, atom('ready')),
    handle: (ctx) => ctx.initAck(),
  };
  const p = w.spawn(A, starter(log, results, () => late, false));
  w.at(1_000, () => w.send(p, atom('go')));
  drain(w);
  assert.equal(shown(log), [
    [1_000, ':go'],
    [4_000, 'received {:ack, pid, {:ok, pid}}'],
  ]);
  assert.is(results.length, 1);
  assert.ok('ok' in (results[0] as StartResult));
});

test('bad input: a receive with a negative or NaN timeout, a second wait, a link to a malformed pid name the problem', () => {
  const w = makeWorld();
  const errors: string[] = [];
  const r = w.spawn(A, {
    handle(ctx: Ctx) {
      for (const f of [
        () => ctx.receive(() => true, -1),
        () => ctx.receive(() => true, Number.NaN),
        () => ctx.link({ t: 'pid', uid: 999, node: A, id: 0, creation: 1 }),
        () => {
          ctx.receive(() => false, Infinity);
          ctx.receive(() => false, Infinity);
        },
      ]) {
        try {
          f();
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    },
  });
  w.send(r, atom('go'));
  drain(w);
  assert.is(errors.length, 4);
  assert.match(errors[0] as string, /receive timeout must be >= 0 ms/);
  assert.match(errors[1] as string, /receive timeout must be >= 0 ms/);
  assert.match(errors[2] as string, /link to a malformed pid/);
  assert.match(errors[3] as string, /already waiting/);
});

test.run();
