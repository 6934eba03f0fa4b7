// A healed cut lets its held bytes through at TCP's first retransmission after the heal
// (sim/beam/tcp_retransmit.ts), against OTP 25.2.3 over a delay line:
// docs/real-library/net/results/c_heal_before_timeout.json (experiment c2, exp_h.exs: a
// message a->b every 50 ms, a cut, a heal; times relative to the heal).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, int, type Pid } from '../../../core/terms.js';
import { defaultNetConfig } from '../../../sim/beam/net_config.js';
import { firstTickInCutUs, retransmitAtUs, rtoUs } from '../../../sim/beam/tcp_retransmit.js';
import type { World } from '../../../sim/beam/world.js';
import { A, B, connect, isAtomTerm, makeWorld, recorder, runUntil, type Got, type WorldSpec } from '../helpers.js';

const MS = 1000;
const S = 1_000_000;
const intOf = (msg: unknown) => Number((msg as { v: bigint }).v);

test('the retransmission timer expires 1, 3, 7, 15 ... RTOs after the send (it doubles at each expiry), capped at 120 s a wait', () => {
  assert.is(retransmitAtUs(0, 100, 0), 100);
  assert.is(retransmitAtUs(0, 100, 101), 300);
  assert.is(retransmitAtUs(0, 100, 300), 300);
  assert.is(retransmitAtUs(0, 100, 301), 700);
  assert.is(retransmitAtUs(1000, 210_600, 2000 * MS), 1000 + 15 * 210_600);
  // 60 s, then 120 s waits: 60, 180, 300, 420 s
  assert.is(retransmitAtUs(0, 60 * S, 200 * S), 300 * S);
  assert.is(rtoUs(defaultNetConfig.tcpRtoUs, 50), 210_600);
});

test('a tick written into the cut: the first tick time at or after the cut and a tick interval after the last write, if before the first message held', () => {
  // ticks at 300 + n × 1000
  assert.is(firstTickInCutUs(5000, 0, 300, 1000, 99_999), 5300);
  assert.is(firstTickInCutUs(5000, 4800, 300, 1000, 99_999), 6300, 'a write within the interval before a tick suppresses it');
  assert.is(firstTickInCutUs(5000, 4300, 300, 1000, 99_999), 5300, 'a write exactly one interval before: the tick goes');
  assert.is(firstTickInCutUs(5000, 0, 300, 1000, 5300), undefined, 'the first message held came first');
});

/** exp_h.exs on zensim: a message a->b every 50 ms from `firstSendUs`, a cut at `cutUs` healed after `cutMs`; arrivals (ms from the heal) of the messages sent during the cut and of the first sent after it. */
function cutAndHeal(spec: WorldSpec, firstSendUs: number, cutUs: number, cutMs: number): { held: number[]; after: number; nodedown: boolean } {
  const w: World = makeWorld(spec);
  connect(w, A, B);
  const got: Got[] = [];
  const sink = w.spawn(B, recorder(got));
  const downs: Got[] = [];
  const watcher = w.spawn(A, recorder(downs, (ctx, msg) => void (isAtomTerm(msg, 'watch') ? ctx.monitorNode(B) : undefined)));
  w.send(watcher, atom('watch'));
  const healUs = cutUs + cutMs * MS;
  const sentAt: number[] = [];
  for (let t = firstSendUs, i = 0; t < healUs + 3 * S; t += 50 * MS, i++) {
    sentAt.push(t);
    const k = i;
    w.at(t, () => w.send(sink, int(k), A));
  }
  w.at(cutUs, () => w.net.partition(A, B));
  w.at(healUs, () => w.net.heal(A, B));
  runUntil(w, healUs + 10 * S);
  const arrival = new Map(got.map((g) => [intOf(g.msg), (g.at - healUs) / MS]));
  const inCut = sentAt.flatMap((t, i) => (t >= cutUs && t < healUs ? [i] : []));
  const firstAfter = sentAt.findIndex((t) => t >= healUs);
  return { held: inCut.map((i) => arrival.get(i) ?? NaN), after: arrival.get(firstAfter) ?? NaN, nodedown: downs.some((g) => (g.msg as { kind?: string }).kind === 'nodedown') };
}

test('c2 at no added latency, a 2 s cut: every message held arrives together 1,109-1,156 ms after the heal (real), in order, and those sent after the heal behind them', () => {
  // Run 1's phase: the cut 2,036.0 ms before the heal, the first message into it 15.2 ms after the cut.
  const cutUs = 10 * S;
  const r = cutAndHeal({}, cutUs + 15_200 - 200 * MS, cutUs, 2036);
  // Sent at -2,020.8 ms, again 15 RTOs (210.6 ms) later: +1,138.2 ms, and 50 µs of latency (real run 1: 1,138.06).
  const expected = -2020.8 + (15 * 210_600) / MS + 0.05;
  assert.ok(r.held.length === 41, `${r.held.length} held`);
  for (const [i, at] of r.held.entries()) assert.ok(Math.abs(at - expected) < 0.2, `held #${i} at ${at} ms, expected ~${expected}`);
  assert.ok(r.held.every((at) => at >= 1109 && at <= 1156), 'within the three real runs');
  assert.ok(r.after >= (r.held.at(-1) as number) && r.after < expected + 1, `sent after the heal, arrived at ${r.after} ms: behind them`);
  assert.not.ok(r.nodedown);
});

test('c2 at 50 ms one way, a 3 s cut: the held messages arrive between the real runs\' 232 and 2,699 ms after the heal', () => {
  const cutUs = 10 * S;
  // Run 1's phase: the cut 3,072.7 ms before the heal, a message 15 ms into it (the one before on the wire, taken back).
  const r = cutAndHeal({ net: { latencyUs: 50 * MS } }, cutUs + 15 * MS - 1000 * MS, cutUs, 3073);
  // The oldest taken back was sent 35 ms before the cut; RTO 310.5 ms (210.5 and the 100 ms
  // round trip): 1, 3, 7 RTOs fall in the cut, the 15th at 4,657.6 ms after it, then 50 ms across.
  const expected = -35 + (15 * 310_500) / MS - 3073 + 50;
  for (const at of r.held) assert.ok(Math.abs(at - expected) < 1, `held at ${at} ms, expected ~${expected}`);
  assert.ok(expected > 232 && expected < 2699);
  assert.not.ok(r.nodedown);
});

test('a heal whose retransmission comes after the tick timeout: the connection goes down (nodedown), what was held is lost', () => {
  // net_ticktime 4 s: the receiving side gives up 4 to 5 s after it last heard. A message
  // sent 100 ms into a cut is sent again at +0.21, 0.63, 1.47, 3.16, 6.53 s: a heal at +3.3 s
  // waits for the last, after the tick timeout.
  const cutUs = 10 * S;
  const w = makeWorld({ net: { netTicktimeS: 4 } });
  connect(w, A, B);
  const got: Got[] = [];
  const sink = w.spawn(B, recorder(got));
  const downs: Got[] = [];
  const watcher = w.spawn(B, recorder(downs, (ctx, msg) => void (isAtomTerm(msg, 'watch') ? ctx.monitorNode(A) : undefined)));
  w.send(watcher, atom('watch'));
  // A message 10 ms before the cut: no tick falls due in the cut before +0.99 s.
  w.at(cutUs - 10 * MS, () => w.send(sink, int(0), A));
  w.at(cutUs, () => w.net.partition(A, B));
  w.at(cutUs + 100 * MS, () => w.send(sink, int(1), A));
  w.at(cutUs + 3300 * MS, () => w.net.heal(A, B));
  runUntil(w, cutUs + 20 * S);
  assert.equal(got.map((g) => intOf(g.msg)), [0]);
  const down = downs.find((g) => (g.msg as { kind?: string }).kind === 'nodedown');
  assert.ok(down !== undefined && down.at > cutUs + 3300 * MS && down.at < cutUs + 6.53 * S, `nodedown at ${down?.at}`);
  // Healed before its retransmission (3.16 s): delivered then, no nodedown.
  const w2 = makeWorld({ net: { netTicktimeS: 4 } });
  connect(w2, A, B);
  const got2: Got[] = [];
  const sink2 = w2.spawn(B, recorder(got2));
  w2.at(cutUs - 10 * MS, () => w2.send(sink2, int(0), A));
  w2.at(cutUs, () => w2.net.partition(A, B));
  w2.at(cutUs + 100 * MS, () => w2.send(sink2, int(1), A));
  w2.at(cutUs + 3000 * MS, () => w2.net.heal(A, B));
  runUntil(w2, cutUs + 20 * S);
  assert.equal(got2.map((g) => g.at), [cutUs - 10 * MS + 50 + 1, cutUs + 100 * MS + 15 * 210_600 + 50 + 1]);
  assert.ok(w2.net.connected(A, B));
});

/**
 * A connection idle since its set-up (net_ticktime 4: a tick a second), to be cut at `cutUs`
 * (10 s): a sink on b logging what arrives, and the first tick its sender writes into the cut.
 */
function idleConnection(): { w: World; got: Got[]; sink: Pid; cutUs: number; firstTick: number } {
  const w = makeWorld({ net: { netTicktimeS: 4 } });
  connect(w, A, B);
  const got: Got[] = [];
  const sink = w.spawn(B, recorder(got));
  const cutUs = 10 * S;
  const phase = w.net.tickPhaseUs(A, B) as number;
  return { w, got, sink, cutUs, firstTick: phase + Math.ceil((cutUs - phase) / S) * S };
}

test('an idle connection: the first tick written into the cut starts the timer, and a message written later waits behind it', () => {
  const { w, got, sink, cutUs, firstTick } = idleConnection();
  const tick = 1 * S;
  w.at(cutUs, () => w.net.partition(A, B));
  w.at(cutUs + 1900 * MS, () => w.send(sink, int(7), A));
  w.at(cutUs + 2000 * MS, () => w.net.heal(A, B));
  runUntil(w, cutUs + 10 * S);
  const retransmit = retransmitAtUs(firstTick, 210_600, cutUs + 2000 * MS);
  assert.ok(retransmit - firstTick > 2000 * MS - tick, 'the tick\'s timer, not the message\'s');
  assert.equal(got.map((g) => g.at), [retransmit + 50 + 1]);
});

// docs/real-library/net/exp_i.exs, results/i_idle_cut_T8.txt: net_ticktime 8 (a tick every 2 s
// on an idle connection), nothing sent for 9 s, a full cut, one message 1.9 s into it, the heal at
// 2.0 s. Six runs: it arrived 88, 111, 158, 353, 673 and 1,441 ms after the heal. Had only the
// message started the retransmission timer, every run would give ~110 ms (1.9 s + 210 ms); a tick
// written into the cut first (at a phase of its own each run) spreads them.
test('exp_i: an idle connection cut, one message late in the cut: the arrival after the heal follows the tick phase, spread as the real runs (88 to 1,441 ms)', () => {
  const real = [88, 111, 158, 353, 673, 1441];
  const got: number[] = [];
  for (let seed = 1; seed <= 40; seed++) {
    const w = makeWorld({ seed, net: { netTicktimeS: 8 } });
    connect(w, A, B);
    const log: Got[] = [];
    const sink = w.spawn(B, recorder(log));
    const cutUs = w.nowUs + 9 * S;
    w.at(cutUs, () => w.net.partition(A, B));
    w.at(cutUs + 1900 * MS, () => w.send(sink, int(1), A));
    w.at(cutUs + 2000 * MS, () => w.net.heal(A, B));
    runUntil(w, cutUs + 10 * S);
    assert.is(log.length, 1, `seed ${seed}: delivered, no nodedown`);
    got.push(((log[0] as Got).at - (cutUs + 2000 * MS)) / MS);
  }
  const [lo, hi] = [Math.min(...got), Math.max(...got)];
  // The message alone: 1.9 s + 210.6 ms, 110.7 ms after the heal; a tick first: from just after the
  // heal (written 1.79-1.9 s into the cut, sent again 210.6 ms later) to 3.15 s after it was written.
  assert.ok(lo >= 0 && lo < 111, `earliest ${lo} ms`);
  assert.ok(hi > 1441 && hi < 3160, `latest ${hi} ms`);
  for (const r of real) assert.ok(r >= lo && r <= hi, `real ${r} ms within zensim's ${lo}-${hi}`);
  assert.ok(got.filter((g) => g > 300).length >= 10, 'most phases put a tick first');
});

test('cut again before the retransmission: the oldest byte (here a tick) keeps its timer, backed off on, through the second cut', () => {
  const { w, got, sink, cutUs, firstTick: tick } = idleConnection();
  const rto = 210_600;
  // Healed just after the tick's second expiry (3 RTOs): its next is at 7 RTOs. A message
  // written 10 ms later waits behind it; a second cut 10 ms after that takes that expiry
  // too; healed at 2 s past the tick, the next is at 15 RTOs. (Had the message restarted the
  // timer, it would go at 7 of its own RTOs, 2.11 s past the tick.)
  const heal1 = tick + 3 * rto + 1000;
  w.at(cutUs, () => w.net.partition(A, B));
  w.at(heal1, () => w.net.heal(A, B));
  w.at(heal1 + 10 * MS, () => w.send(sink, int(7), A));
  w.at(heal1 + 20 * MS, () => w.net.partition(A, B));
  w.at(tick + 2000 * MS, () => w.net.heal(A, B));
  runUntil(w, cutUs + 10 * S);
  assert.equal(got.map((g) => g.at), [tick + 15 * rto + 50 + 1]);
});

test.run();
