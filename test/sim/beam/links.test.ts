// Links, exit signals and trap_exit (sim/beam/links.ts, signals.ts) against the Erlang
// reference manual ("Processes": links, receiving exit signals) and erlang:link/1,
// unlink/1, exit/2: who dies, with which reason, when, and which `{:EXIT, from, reason}`
// messages a trapping process gets. Times are exact (zero CPU costs, no jitter).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from '../../../core/inspect.js';
import { atom, type Pid } from '../../../core/terms.js';
import type { Behaviour, Ctx, ExitMessage } from '../../../sim/beam/process.js';
import type { World } from '../../../sim/beam/world.js';
import { EPMD_ROUND_TRIPS } from '../../../sim/beam/net_config.js';
import { A, B, connect, drain, isAtomTerm, KILL, makeWorld, NORMAL, recorder, sleeper, type Got } from '../helpers.js';

const BOOM = atom('boom');

/** Every death in `w`: [pid uid, virtual µs, reason as Elixir text]. */
function deaths(w: World): [number, number, string][] {
  const out: [number, number, string][] = [];
  w.onExit = (p, reason) => out.push([p.uid, w.nowUs, inspect(reason)]);
  return out;
}

/** A process that links to `targets()` in its init (and traps exits when `trap`), then logs what it gets. */
function linker(log: Got[], targets: () => Pid[], trap = false): Behaviour {
  return recorder(log, undefined, (ctx) => {
    if (trap) ctx.trapExit(true);
    for (const t of targets()) ctx.link(t);
  });
}

/** The trapped exits in `log`: [at, from's uid (-1: a driver), reason as Elixir text]. */
function exits(log: Got[]): [number, number, string][] {
  return log
    .filter((g) => (g.msg as { kind?: unknown }).kind === 'EXIT')
    .map((g) => [g.at, (g.msg as ExitMessage).from?.uid ?? -1, inspect((g.msg as ExitMessage).reason)]);
}

test('links: a process dies with the reason of a linked process that died, both ways, hop by hop', () => {
  const w = makeWorld();
  const died = deaths(w);
  const a = w.spawn(A, sleeper);
  const b = w.spawn(A, linker([], () => [a]));
  const c = w.spawn(A, linker([], () => [b]));
  const d = w.spawn(A, sleeper);
  const e = w.spawn(A, linker([], () => [d]));
  w.at(100, () => w.exit(a, BOOM));
  w.at(200, () => w.exit(e, KILL));
  drain(w);
  assert.equal(died, [
    [a.uid, 100, ':boom'],
    [b.uid, 100, ':boom'],
    [c.uid, 100, ':boom'],
    [e.uid, 200, ':killed'],
    [d.uid, 200, ':killed'],
  ]);
});

test('links: exit(pid, :kill) is untrappable and kills with :killed; the links carry :killed, which a trapping process gets', () => {
  const w = makeWorld();
  const died = deaths(w);
  const v = w.spawn(A, sleeper);
  const log: Got[] = [];
  const t = w.spawn(A, linker(log, () => [v], true));
  w.at(100, () => w.exit(v, KILL));
  w.at(300, () => w.exit(t, KILL));
  drain(w);
  assert.equal(exits(log), [[100, v.uid, ':killed']]);
  assert.equal(died, [
    [v.uid, 100, ':killed'],
    [t.uid, 300, ':killed'],
  ]);
});

test('links: a process that exits with reason :kill itself sends :kill through its links, and that one is trappable (erlang:exit/1 docs)', () => {
  const w = makeWorld();
  const died = deaths(w);
  const k = w.spawn(A, { handle: (ctx) => ctx.stop(KILL) });
  const log: Got[] = [];
  const trapping = w.spawn(A, linker(log, () => [k], true));
  const plain = w.spawn(A, linker([], () => [k]));
  w.at(100, () => w.send(k, atom('go')));
  drain(w);
  assert.equal(exits(log), [[101, k.uid, ':kill']]);
  assert.equal(died, [
    [k.uid, 101, ':kill'],
    [plain.uid, 101, ':kill'],
  ]);
  assert.ok(w.alive(trapping));
});

test('trap_exit: exit signals become {:EXIT, from, reason} messages, :normal included; a trapped link is gone after it fired', () => {
  const w = makeWorld();
  const died = deaths(w);
  const log: Got[] = [];
  const t = w.spawn(A, recorder(log, undefined, (ctx) => assert.is(ctx.trapExit(true), false)));
  const s = w.spawn(A, {
    handle(ctx) {
      ctx.exit(t, BOOM);
      ctx.exit(t, NORMAL);
      ctx.exit(t, atom('shutdown'));
    },
  });
  const linked = w.spawn(A, { init: (ctx) => ctx.link(t), handle: (ctx) => ctx.stop(NORMAL) });
  w.at(100, () => w.send(s, atom('go')));
  w.at(200, () => w.send(linked, atom('stop')));
  w.at(300, () => w.exit(t, BOOM));
  drain(w);
  assert.equal(exits(log), [
    [100, s.uid, ':boom'],
    [101, s.uid, ':normal'],
    [102, s.uid, ':shutdown'],
    [201, linked.uid, ':normal'],
    [300, -1, ':boom'],
  ]);
  assert.ok(w.alive(t));
  assert.equal(died, [[linked.uid, 201, ':normal']]);
  assert.is(w.proc(t)?.ext?.links?.size, 0, 'the link fired once and is gone');
});

test(':normal: a non-trapping process ignores it from others and from links, and dies of the one it sent itself', () => {
  const w = makeWorld();
  const died = deaths(w);
  const n = w.spawn(A, sleeper);
  const self = w.spawn(A, { handle: (ctx) => ctx.exit(ctx.self, NORMAL) });
  const m = w.spawn(A, { handle: (ctx) => ctx.stop(NORMAL) });
  const l = w.spawn(A, linker([], () => [m]));
  const s = w.spawn(A, { handle: (ctx) => ctx.exit(n, NORMAL) });
  w.at(100, () => w.send(s, atom('go')));
  w.at(100, () => w.exit(n, NORMAL));
  w.at(200, () => w.send(self, atom('go')));
  w.at(300, () => w.send(m, atom('go')));
  drain(w);
  assert.equal(died, [
    [self.uid, 201, ':normal'],
    [m.uid, 301, ':normal'],
  ]);
  assert.ok(w.alive(n) && w.alive(l));
});

test('unlink: no exit signal of the link reaches the process afterwards, even one already on the wire', () => {
  const w = makeWorld({ net: { latencyUs: 500 } });
  connect(w, A, B);
  const died = deaths(w);
  const q = w.spawn(A, sleeper);
  const remote = w.spawn(B, sleeper);
  const log: Got[] = [];
  const p = w.spawn(
    A,
    recorder(
      log,
      (ctx, msg) => {
        if (isAtomTerm(msg, 'unlink')) {
          ctx.unlink(q);
          ctx.unlink(remote);
        }
      },
      (ctx) => {
        ctx.trapExit(true);
        ctx.link(q);
        ctx.link(remote);
      },
    ),
  );
  w.at(10_000, () => w.send(p, atom('unlink')));
  w.at(10_000, () => w.exit(q, BOOM));
  w.at(9_800, () => w.exit(remote, BOOM, B)); // its link's exit signal arrives at 10,301
  drain(w);
  assert.equal(exits(log), [], 'nothing came through the removed links');
  assert.equal(died.map(([uid]) => uid), [remote.uid, q.uid]);
  assert.ok(w.alive(p));
  assert.is(w.proc(remote)?.ext?.links, undefined);
});

test('link to a process that does not exist: a :noproc exit signal (trapped, or killing the caller), after a round trip for a remote one', () => {
  const w = makeWorld({ net: { latencyUs: 500 } });
  connect(w, A, B);
  const died = deaths(w);
  const deadLocal = w.spawn(A, sleeper);
  const deadRemote = w.spawn(B, sleeper);
  w.exit(deadLocal, KILL);
  w.exit(deadRemote, KILL);
  const log: Got[] = [];
  const t = w.spawn(A, recorder(log, (ctx, msg) => {
    if (!isAtomTerm(msg, 'go')) return;
    ctx.link(deadLocal);
    ctx.link(deadRemote);
  }, (ctx) => ctx.trapExit(true)));
  const n = w.spawn(A, { handle: (ctx) => ctx.link(deadLocal) });
  w.at(10_000, () => w.send(t, atom('go')));
  w.at(10_000, () => w.send(n, atom('go')));
  drain(w);
  assert.equal(exits(log), [
    [10_001, deadLocal.uid, ':noproc'],
    [10_000 + 2 * 501, deadRemote.uid, ':noproc'],
  ]);
  assert.equal(died.slice(2), [[n.uid, 10_001, ':noproc']]);
  assert.is(w.proc(t)?.ext?.links?.size, 0);
});

test('remote links: an exit signal crosses the wire; a lost connection breaks every link across it, on both sides, with :noconnection', () => {
  const w = makeWorld({ net: { latencyUs: 500 } });
  connect(w, A, B);
  const died = deaths(w);
  const logA: Got[] = [];
  const logB: Got[] = [];
  const q = w.spawn(B, sleeper);
  const pa = w.spawn(A, linker(logA, () => [q], true));
  const qb = w.spawn(B, linker(logB, () => [pa], true));
  const na = w.spawn(A, linker([], () => [qb]));
  w.at(10_000, () => w.exit(q, BOOM, B));
  const downs: [string, number][] = [];
  w.onConnection = (node, peer, up) => {
    if (!up) downs.push([`${node}->${peer}`, w.nowUs]);
  };
  w.at(20_000, () => w.net.partition(A, B));
  drain(w);
  const [[, aDown], [, bDown]] = [...downs].sort() as [[string, number], [string, number]];
  assert.equal(exits(logA), [
    [10_501, q.uid, ':boom'],
    [aDown, qb.uid, ':noconnection'],
  ]);
  assert.equal(exits(logB), [
    [bDown, pa.uid, ':noconnection'],
    [bDown + 1, na.uid, ':noconnection'],
  ]);
  assert.equal(died, [
    [q.uid, 10_000, ':boom'],
    [na.uid, aDown, ':noconnection'],
  ]);
});

test('remote links: a link toward a node that cannot be reached breaks with :noconnection when the connection attempt fails; a crash of the other node breaks its links', () => {
  const w = makeWorld({ nodes: [A, B, 'c@h'], net: { latencyUs: 500 } });
  connect(w, A, B);
  const q = w.spawn(B, sleeper);
  const far = w.spawn('c@h', sleeper);
  const log: Got[] = [];
  w.spawn(A, linker(log, () => [q], true));
  w.crash('c@h');
  const p = w.spawn(A, recorder(log, (ctx, msg) => isAtomTerm(msg, 'go') && ctx.link(far), (ctx) => ctx.trapExit(true)));
  w.at(10_000, () => w.send(p, atom('go')));
  w.at(20_000, () => w.crash(B));
  drain(w);
  assert.equal(exits(log), [
    // c's host refuses after its EPMD's two round trips; b's reset crosses the link.
    [10_000 + EPMD_ROUND_TRIPS * 2 * w.net.config.latencyUs, far.uid, ':noconnection'],
    [20_000 + w.net.config.resetDelayUs + w.net.config.latencyUs, q.uid, ':noconnection'],
  ]);
});

test('spawn_link: the link exists before the child runs, so a child that dies in its init takes the parent with it', () => {
  const w = makeWorld();
  const died = deaths(w);
  let child: Pid | undefined;
  const parent = w.spawn(A, {
    handle(ctx: Ctx) {
      child = ctx.spawnLink({ init: (c) => c.stop(BOOM), handle() {} });
    },
  });
  w.at(100, () => w.send(parent, atom('go')));
  drain(w);
  assert.equal(died, [
    [(child as Pid).uid, 101, ':boom'],
    [parent.uid, 101, ':boom'],
  ]);
});

test.run();
