// Properties of supervision (fast-check, fixed seed): for any strategy, intensity,
// period, number of children and sequence of kills, the supervisor restarts exactly the
// children its strategy names, in start order, for every exit within its intensity,
// never exceeds its intensity (it gives up, with :shutdown, at the first restart one
// too many within the period, counted in whole seconds), and while it runs its tree is
// whole again after every kill. The oracle is written from supervisor.erl's rules
// independently of sim/beam/supervisor.ts; planted bugs (an intensity off by one, a
// rest_for_one that restarts only the child) must make the property fail.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, type Pid } from '../../../core/terms.js';
import { OTP_RULES, supervisor, whichChildren, type Strategy, type SupervisorRules } from '../../../sim/beam/supervisor.js';
import { A, drain, makeWorld } from '../helpers.js';
import { Tree } from './otp_trace.js';

type Case = {
  strategy: Strategy;
  intensity: number;
  period: number;
  children: number;
  /** The node's monotonic clock phase, µs: its whole seconds fall at this past each virtual second. */
  clockPhaseUs: number;
  kills: { atMs: number; child: number; reason: 'kill' | 'boom' | 'shutdown' }[];
};

const arbCase: fc.Arbitrary<Case> = fc
  .record({
    strategy: fc.constantFrom<Strategy>('one_for_one', 'rest_for_one', 'one_for_all'),
    intensity: fc.integer({ min: 0, max: 4 }),
    period: fc.integer({ min: 1, max: 6 }),
    children: fc.integer({ min: 1, max: 5 }),
    clockPhaseUs: fc.integer({ min: 0, max: 999_999 }),
    kills: fc.array(
      fc.record({ atMs: fc.integer({ min: 1, max: 20_000 }), child: fc.nat(), reason: fc.constantFrom('kill' as const, 'boom' as const, 'shutdown' as const) }),
      { maxLength: 14 },
    ),
  })
  .map((c) => ({ ...c, kills: c.kills.map((k) => ({ ...k, child: k.child % c.children })) }));

/** What supervisor.erl does with each kill: the children started again, in order, or the end. */
function oracle(c: Case, killsMs: { atMs: number; child: number }[]): { starts: string[][]; givesUpAtMs: number | undefined } {
  const restarts: number[] = [];
  const starts: string[][] = [];
  for (const k of killsMs) {
    const nowS = Math.floor((k.atMs * 1000 + c.clockPhaseUs) / 1_000_000);
    const within = restarts.filter((r) => r >= nowS - c.period);
    restarts.splice(0, restarts.length, ...within, nowS);
    if (restarts.length > c.intensity) return { starts, givesUpAtMs: k.atMs };
    const from = c.strategy === 'one_for_one' ? k.child : c.strategy === 'rest_for_one' ? k.child : 0;
    const to = c.strategy === 'one_for_one' ? k.child : c.children - 1;
    starts.push(Array.from({ length: to - from + 1 }, (_, j) => `c${from + j}`));
  }
  return { starts, givesUpAtMs: undefined };
}

/** Runs a case; returns a description of the first disagreement with the oracle, or undefined. */
function disagreement(c: Case, rules: SupervisorRules): string | undefined {
  const w = makeWorld({ schedulers: 2, clockPhaseUs: c.clockPhaseUs });
  const t = new Tree(w);
  const ids = Array.from({ length: c.children }, (_, i) => `c${i}`);
  const sup = w.spawn(A, t.named('top', supervisor({ strategy: c.strategy, intensity: c.intensity, period: c.period, children: ids.map((id) => ({ id, start: t.child(id) })) }, rules)));
  const performed: { atMs: number; child: number }[] = [];
  const byMs = new Map(c.kills.map((k) => [k.atMs, k]));
  for (const k of [...byMs.values()].sort((x, y) => x.atMs - y.atMs)) {
    w.at(k.atMs * 1000, () => {
      const pid = whichChildren(w, sup)?.[k.child]?.pid;
      if (typeof pid !== 'object') return;
      performed.push(k);
      w.exit(pid, atom(k.reason));
    });
  }
  drain(w);
  const want = oracle(c, performed);
  for (const [n, k] of performed.entries()) {
    if (want.givesUpAtMs !== undefined && k.atMs >= want.givesUpAtMs) break;
    const got = t.events.filter(([us, e]) => us >= k.atMs * 1000 && us < (k.atMs + 1) * 1000 && e.startsWith('start ')).map(([, e]) => e.slice(6));
    const expected = want.starts[n] as string[];
    if (got.join() !== expected.join()) return `kill of c${k.child} at ${k.atMs} ms restarted [${got}], supervisor.erl restarts [${expected}]`;
  }
  const death = t.events.find(([, e]) => e.startsWith('exit top'));
  if (want.givesUpAtMs === undefined) {
    if (death !== undefined) return `the supervisor exited (${death[1]} at ${death[0]} µs) within its intensity`;
    const dead = (whichChildren(w, sup) ?? []).filter((ch) => typeof ch.pid !== 'object' || w.alive(ch.pid as Pid) === undefined);
    if (dead.length > 0) return `the tree is not whole: ${dead.map((ch) => ch.id)} not running`;
    return undefined;
  }
  if (death === undefined || Math.floor(death[0] / 1000) !== want.givesUpAtMs || death[1] !== 'exit top :shutdown') {
    return `the supervisor should give up with :shutdown at ${want.givesUpAtMs} ms, got ${death === undefined ? 'none' : `${death[1]} at ${death[0]} µs`}`;
  }
  return undefined;
}

const RUNS = { seed: 11, numRuns: 150 };

const property = (rules: SupervisorRules) =>
  fc.property(arbCase, (c) => {
    const why = disagreement(c, rules);
    if (why !== undefined) throw new Error(why);
  });

test('a supervisor restarts exactly what its strategy names, never exceeds its intensity, and keeps its tree whole within it', () => {
  fc.assert(property(OTP_RULES), RUNS);
});

const PLANTED: [string, SupervisorRules][] = [
  [
    'an intensity off by one (gives up at the intensity-th restart)',
    { ...OTP_RULES, addRestart: (r, now, i, p) => ({ ...OTP_RULES.addRestart(r, now, i, p), allowed: OTP_RULES.addRestart(r, now, i, p).restarts.length < i }) },
  ],
  ['a period counted as exclusive (a restart exactly `period` seconds old drops out)', { ...OTP_RULES, addRestart: (r, now, i, p) => OTP_RULES.addRestart(r, now, i, p - 1 < 0 ? 0 : p - 1) }],
  ['a rest_for_one that restarts only the child', { ...OTP_RULES, affected: (s, ch, i) => OTP_RULES.affected(s === 'rest_for_one' ? 'one_for_one' : s, ch, i) }],
];

for (const [name, rules] of PLANTED) {
  test(`planted bug, caught: ${name}`, () => {
    const r = fc.check(property(rules), { ...RUNS, endOnFailure: true });
    assert.ok(r.failed, 'the property passed with the bug planted');
  });
}

test.run();
