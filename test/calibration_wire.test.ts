// zensim's wire against the real distribution (shared/fixtures/calibration/w1_wire_sizes.json,
// W1): bytes per message kind on a's connection to b, counted as the fixture counts them
// (packet length, distribution header with its atom cache, control message, payload). Each
// kind runs its 200-operation warm-up and its 10,000-operation batch, in the fixture's order,
// on one connection; an rpc-like message first puts both node names in the atom caches, as
// the real driver's set-up traffic did. The tolerance is 5%; the model is exact.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, int, tuple, type Pid, type Ref } from '../core/terms.js';
import type { Ctx } from '../sim/beam/process.js';
import { World } from '../sim/beam/world.js';

type Stat = { median: number };
type Kind = { a_to_b_bytes_per_op: Stat; b_to_a_bytes_per_op: Stat; warmup_200_a_to_b_bytes_per_op_per_run: number[]; warmup_200_b_to_a_bytes_per_op_per_run: number[] };
const w1 = JSON.parse(readFileSync(new URL('../../shared/fixtures/calibration/w1_wire_sizes.json', import.meta.url), 'utf8')) as {
  summary: Record<string, Kind>;
};

const A = 'a@127.0.0.1';
const B = 'b@127.0.0.1';
const WARMUP = 200;
const BATCH = 10_000;
const GO = atom('go');

/** One world for all kinds, as the fixture used one connection per run. */
class Bench {
  readonly w = new World({ seed: 1, net: { jitterUs: 0 } });
  readonly driver: Pid;
  private job: ((ctx: Ctx) => void) | undefined;

  constructor() {
    this.w.addNode(A);
    this.w.addNode(B);
    this.driver = this.w.spawn(A, { handle: (ctx, msg) => (msg === GO ? this.job?.(ctx) : undefined) });
    this.w.spawn(B, { handle() {} }, { name: 'some_name' });
    // The set-up rpc, both ways (a request to {:rex, b} that names a pid on b, and its reply):
    // it puts both node names in both directions' atom caches, and the '' of REG_SEND.
    const rex = this.w.spawn(B, { handle() {} }, { name: 'rex' });
    this.w.send({ name: 'rex', node: B }, tuple(atom('setup'), rex), A);
    this.w.send(this.driver, atom('setup'), B);
    this.settle();
  }

  sleepers(n: number): Pid[] {
    return Array.from({ length: n }, () => this.w.spawn(B, { handle() {} }));
  }

  /** Runs `job` in the driver process and returns the bytes per operation each way. */
  measure(ops: number, job: (ctx: Ctx) => void): { aToB: number; bToA: number } {
    const before = this.bytes();
    this.job = job;
    this.w.send(this.driver, GO, A);
    this.settle();
    const after = this.bytes();
    return { aToB: (after.aToB - before.aToB) / ops, bToA: (after.bToA - before.bToA) / ops };
  }

  /** Bytes each way while `fn` runs outside any process (kills on b by its own agent). */
  measureOutside(ops: number, fn: () => void): { aToB: number; bToA: number } {
    const before = this.bytes();
    fn();
    this.settle();
    const after = this.bytes();
    return { aToB: (after.aToB - before.aToB) / ops, bToA: (after.bToA - before.bToA) / ops };
  }

  private bytes(): { aToB: number; bToA: number } {
    const t = this.w.net.traffic;
    return { aToB: t.get(`${A}->${B}`)?.bytes ?? 0, bToA: t.get(`${B}->${A}`)?.bytes ?? 0 };
  }

  private settle(): void {
    this.w.kernel.run({ untilUs: this.w.nowUs + 1_000_000 });
  }
}

type Result = { warm: { aToB: number; bToA: number }; batch: { aToB: number; bToA: number } };

function runAll(): Record<string, Result> {
  const b = new Bench();
  const out: Record<string, Result> = {};
  const twice = (name: string, run: (n: number) => { aToB: number; bToA: number }) => {
    out[name] = { warm: run(WARMUP), batch: run(BATCH) };
  };
  const monitored: Pid[][] = [];
  twice('1_monitor_remote_pid_A_to_B', (n) => {
    const ts = b.sleepers(n);
    monitored.push(ts);
    return b.measure(n, (ctx) => ts.forEach((t) => ctx.monitor(t)));
  });
  let round = 0;
  twice('2a_down_reason_killed_B_to_A', (n) => {
    const ts = monitored[round++] as Pid[];
    return b.measureOutside(n, () => ts.forEach((t) => b.w.exit(t, atom('kill'), B)));
  });
  round = 0;
  twice('2b_monitor_dead_pid_and_down_noproc', (n) => {
    const ts = monitored[round++] as Pid[];
    return b.measure(n, (ctx) => ts.forEach((t) => ctx.monitor(t)));
  });
  twice('3_demonitor_A_to_B', (n) => {
    const ts = b.sleepers(n);
    const refs: Ref[] = [];
    b.measure(n, (ctx) => ts.forEach((t) => refs.push(ctx.monitor(t))));
    return b.measure(n, (ctx) => refs.forEach((r) => ctx.demonitor(r)));
  });
  const [sink] = b.sleepers(1) as [Pid];
  twice('4_send_pid_ping_A_to_B', (n) => b.measure(n, (ctx) => { for (let i = 0; i < n; i++) ctx.send(sink, atom('ping')); }));
  twice('5_send_pid_work_tuple_A_to_B', (n) => b.measure(n, (ctx) => { for (let i = 0; i < n; i++) ctx.send(sink, tuple(atom('work'), int(12345))); }));
  twice('6_send_registered_name_hello_A_to_B', (n) =>
    b.measure(n, (ctx) => { for (let i = 0; i < n; i++) ctx.send({ name: 'some_name', node: B }, atom('hello')); }),
  );
  twice('7_exit_signal_kill_A_to_B', (n) => {
    const ts = b.sleepers(n);
    return b.measure(n, (ctx) => ts.forEach((t) => ctx.exit(t, atom('kill'))));
  });
  return out;
}

const results = runAll();

/** The fixture's message kinds (its other summary keys are idle counters). */
function kinds(): [string, Kind][] {
  return Object.entries(w1.summary).filter(([k]) => /^\d/.test(k));
}

function within5(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 0.05 * expected, `${what}: zensim ${actual}, real ${expected} (5%)`);
}

test('W1: every message kind costs within 5% of the real bytes per operation, each way', () => {
  for (const [kind, real] of kinds()) {
    const sim = results[kind];
    assert.ok(sim !== undefined, `kind ${kind} not reproduced`);
    for (const dir of ['aToB', 'bToA'] as const) {
      const expected = (dir === 'aToB' ? real.a_to_b_bytes_per_op : real.b_to_a_bytes_per_op).median;
      if (expected < 1) continue; // the other way of a one-way kind (or 2a's one trigger message)
      within5(sim.batch[dir], expected, `${kind} ${dir}`);
    }
  }
});

test('W1: exactly the measured bytes: monitor, demonitor 66, DOWN 69, :ping 48, {:work, 12345} 55, named send 39, exit 48', () => {
  const exact: Record<string, [number, number]> = {
    '1_monitor_remote_pid_A_to_B': [66, 0],
    '2b_monitor_dead_pid_and_down_noproc': [66, 69],
    '3_demonitor_A_to_B': [66, 0],
    '4_send_pid_ping_A_to_B': [48, 0],
    '5_send_pid_work_tuple_A_to_B': [55, 0],
    '6_send_registered_name_hello_A_to_B': [39, 0],
    '7_exit_signal_kill_A_to_B': [48, 0],
  };
  for (const [kind, [aToB, bToA]] of Object.entries(exact)) assert.equal(results[kind]?.batch, { aToB, bToA }, kind);
  assert.is(results['2a_down_reason_killed_B_to_A']?.batch.bToA, 69);
});

test('W1 warm-up: a new atom is written out once per connection (the first :killed, :ping, :some_name and :hello), as measured', () => {
  for (const [kind, real] of kinds()) {
    const sim = results[kind] as Result;
    const [aToB] = real.warmup_200_a_to_b_bytes_per_op_per_run as [number];
    const [bToA] = real.warmup_200_b_to_a_bytes_per_op_per_run as [number];
    if (!kind.startsWith('2a')) assert.is(sim.warm.aToB, aToB, `${kind} a->b warm-up`);
    assert.is(sim.warm.bToA, bToA, `${kind} b->a warm-up`);
  }
});

test.run();
