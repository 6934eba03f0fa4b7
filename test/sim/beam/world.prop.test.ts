// Properties of the simulated world (fast-check, fixed seeds so every run checks the same
// cases): determinism of a randomized 3-node workload with faults (same seed → same
// traceHash, different seeds → different hashes, virtual time never goes backwards), and
// per-pair message order across links with random latency and jitter.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, int, tuple, type Pid, type Term } from '../../../core/terms.js';
import type { Behaviour } from '../../../sim/beam/process.js';
import { World } from '../../../sim/beam/world.js';
import { A, B, C, drain, makeWorld, type Got, recorder } from '../helpers.js';

const S = 1_000_000;
const NODES = [A, B, C] as const;

/**
 * A worker that keeps the world busy: on an integer n it burns n % 40 µs, passes n - 1
 * on to another worker, and now and then monitors one or arms a timer.
 */
function worker(pids: Pid[]): Behaviour {
  return {
    handle(ctx, msg) {
      const m = msg as Term;
      if (m.t !== 'int') return;
      const n = Number(m.v);
      ctx.cpu(n % 40);
      if (n <= 0 || pids.length === 0) return;
      const next = pids[n % pids.length] as Pid;
      ctx.send(next, int(n - 1));
      if (n % 7 === 0) ctx.monitor(pids[(n * 3) % pids.length] as Pid);
      if (n % 11 === 0) ctx.sendAfter(n % 50, int(n - 2));
    },
  };
}

type RunResult = { hash: string; events: number; endUs: number; backwards: number };

/** A workload on 3 nodes, all of it drawn from the seed: spawns, sends, kills, faults. */
function randomRun(seed: number): RunResult {
  const w = new World({ seed });
  for (const n of NODES) w.addNode(n, { schedulers: 2 });
  const rng = w.rng.stream('test/workload');
  const pids: Pid[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)] as T;
  for (let i = 0; i < 12; i++) pids.push(w.spawn(pick(NODES), worker(pids)));
  for (let i = 0; i < 120; i++) {
    const atUs = rng.int(1, 20 * S);
    const what = rng.int(0, 99);
    const n = rng.int(1, 60);
    const from = pick(NODES);
    w.at(atUs, () => {
      if (what < 60) w.send(pick(pids), int(n), from);
      else if (what < 75) {
        const node = pick(NODES);
        if (w.node(node).up) pids.push(w.spawn(node, worker(pids)));
      } else if (what < 85) w.exit(pick(pids), n % 2 === 0 ? atom('kill') : tuple(atom('shutdown'), int(n)), from);
      else w.send(pick(pids), int(n * 2), from);
    });
  }
  const [x, y] = rng.float() < 0.5 ? [A, B] : [A, C];
  const cutUs = rng.int(1 * S, 10 * S);
  w.at(cutUs, () => w.net.partition(x, y));
  w.at(cutUs + rng.int(1 * S, 90 * S), () => w.net.heal(x, y));
  const crashUs = rng.int(1 * S, 15 * S);
  const victim = pick([B, C]);
  w.at(crashUs, () => w.crash(victim));
  w.at(crashUs + rng.int(10_000, 5 * S), () => {
    w.restart(victim);
    for (let i = 0; i < 3; i++) pids.push(w.spawn(victim, worker(pids)));
  });
  let last = 0;
  let backwards = 0;
  w.kernel.run({
    untilUs: 200 * S,
    maxEvents: 5_000_000,
    until: () => {
      if (w.nowUs < last) backwards++;
      last = w.nowUs;
      return false;
    },
  });
  return { hash: w.kernel.traceHash(), events: w.kernel.executed, endUs: w.nowUs, backwards };
}

test('determinism: the same seed gives the same traceHash; time never goes backwards', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const r1 = randomRun(seed);
      const r2 = randomRun(seed);
      return r1.hash === r2.hash && r1.events === r2.events && r1.events > 500 && r1.backwards === 0 && r1.endUs === 200 * S;
    }),
    { seed: 4242, numRuns: 12 },
  );
});

test('determinism: different seeds give different traceHashes', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 1000 }), (seed, delta) => {
      return randomRun(seed).hash !== randomRun(seed + delta).hash;
    }),
    { seed: 777, numRuns: 8 },
  );
});

test('determinism: no state leaks from one world into the next', () => {
  const first = randomRun(1);
  randomRun(2);
  randomRun(3);
  const again = randomRun(1);
  assert.match(first.hash, /^[0-9a-f]{16}$/);
  assert.equal(again, first);
});

/**
 * Senders on a and c send numbered messages to receivers on b, from processes (spaced by
 * CPU time) and from drivers at scheduled times; every receiver must see each sender's
 * messages in the order sent.
 */
test('per-pair order holds under random latency', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.integer({ min: 0, max: 2000 }),
      fc.integer({ min: 0, max: 20_000 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 30 })), {
        minLength: 1,
        maxLength: 12,
      }),
      (seed, latencyUs, jitterUs, bursts) => {
        const w = makeWorld({ seed, nodes: [A, B, C], net: { latencyUs, jitterUs } });
        const logs: Got[][] = [[], [], []];
        const receivers = logs.map((l) => w.spawn(B, recorder(l)));
        const senders = [A, C, A].map((node, s) =>
          w.spawn(node, {
            handle(ctx, msg) {
              const [r, count, gap] = (msg as { v: Term[] }).v.map((t) => Number((t as { v: bigint }).v)) as [number, number, number];
              for (let i = 0; i < count; i++) {
                ctx.cpu(gap);
                ctx.send(receivers[r] as Pid, tuple(int(s), int(seqs[s]![r]!++)));
              }
            },
          }),
        );
        const seqs = senders.map(() => [0, 0, 0]);
        bursts.forEach(([s, r, count, gap], k) => {
          w.at(k * 137, () => w.send(senders[s] as Pid, tuple(int(r), int(count), int(gap))));
        });
        drain(w);
        for (let r = 0; r < 3; r++) {
          const bySender = new Map<number, number[]>();
          for (const g of logs[r] as Got[]) {
            const [s, n] = (g.msg as { v: Term[] }).v.map((t) => Number((t as { v: bigint }).v)) as [number, number];
            let l = bySender.get(s);
            if (l === undefined) bySender.set(s, (l = []));
            l.push(n);
          }
          for (let s = 0; s < senders.length; s++) {
            const got = bySender.get(s) ?? [];
            const expected = Array.from({ length: seqs[s]![r]! }, (_, i) => i);
            if (got.length !== expected.length || got.some((v, i) => v !== i)) return false;
          }
        }
        return true;
      },
    ),
    { seed: 31337, numRuns: 80 },
  );
});

test.run();
