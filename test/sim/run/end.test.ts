// How a run ends and what its figures count: a run ends when drained (every expected
// DOWN delivered, the window closed, the work queued by then served) or, cut short, at
// the cap derived from its closed-form drain, and then says so (truncated, pending,
// end kind, null latencies where the rank is a DOWN never delivered); work still
// queued at the end counts; a DOWN that can never come (the world is idle) is missing
// but the run is not truncated; memory and mailbox peaks count from the trigger.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, bin, int, list, tuple, type Pid } from '../../../core/terms.js';
import { drainCapMs, drainEstimateMs } from '../../../sim/run/drain.js';
import { param } from '../../../sim/run/params.js';
import { runScenario } from '../../../sim/run/runner.js';
import { boundedDistribution, MAX_SERIES_POINTS, SERIES_KEPT_POINTS } from '../../../sim/run/recorder.js';
import { defineScenario, SETUP_LIMIT_MS, type Scenario } from '../../../sim/run/scenario.js';
import { summaryTable } from '../../../sim/run/summary.js';
import { defaultCostModel } from '../../../sim/beam/cost.js';
import { defaultNetConfig } from '../../../sim/beam/net_config.js';
import { defaultZenConfig } from '../../../core/config.js';

const A = 'a@h';
const B = 'b@h';

/**
 * `targets` on b monitored from a subscriber on a; b crashes at 1000 ms. `end` picks
 * the end: drained with the given estimate, or a fixed time after the trigger.
 * With `work`, a ticker sends :work every ms and the window is `windowMs`.
 */
function crashScenario(end: { drainedEstimateMs?: number; atMs?: number }, zen: Record<string, number> = {}): Scenario {
  return defineScenario({
    name: 'crash',
    description: 'b crashes under a subscriber on a',
    params: {
      targets: param.int(300, 'targets on b', { min: 1 }),
      downCostUs: param.number(20, 'CPU per DOWN, µs', { min: 0 }),
      work: param.bool(false, 'a :work ticker'),
      windowMs: param.int(0, 'measurement window, ms (0: none)', { min: 0 }),
    },
    cluster: () => ({ nodes: [{ name: A }, { name: B }], zen }),
    script: (run, p) => {
      run.connect(A, B);
      const targets = run.spawnMany(B, p.targets as number);
      run.expectDowns(p.targets as number);
      let sub: Pid;
      run.when(
        () => run.connected(A, B),
        () => {
          sub = run.subscriber(A, { name: 'subscriber', downCostUs: p.downCostUs as number, setup: (ctx) => targets.forEach((t) => run.monitor(ctx, t)) });
          if (p.work) run.ticker(A, sub, 1);
        },
      );
      run.at(1000, () => {
        run.trigger();
        run.crash(B);
        if ((p.windowMs as number) > 0) run.measureFor(p.windowMs as number);
        if (end.atMs !== undefined) run.endAt(1000 + end.atMs);
        else run.endWhenDrained(end.drainedEstimateMs ?? 0);
      });
    },
  }) as unknown as Scenario;
}

test('a run that drains ends drained: nothing pending, not truncated, every latency a value', () => {
  for (const r of runScenario(crashScenario({ drainedEstimateMs: 1000 }), { seed: 1 }).runs) {
    assert.is(r.end, 'drained', r.mode);
    assert.is(r.truncated, false);
    assert.equal(r.pending, { downs: 0, work: 0 });
    assert.is(r.downs.missing, 0);
    assert.ok(r.downs.latencyMs.p99 !== null && r.downs.lastMs !== null && r.downs.latencyMs.max === r.downs.lastMs);
    // It ends at the last DOWN (nothing else to wait for), well before the cap.
    assert.is(r.endMs, r.downs.lastMs, `${r.mode} ended at ${r.endMs}, last DOWN ${r.downs.lastMs}`);
    assert.is(r.capMs, drainCapMs(1000, 0));
  }
});

test('a run cut at its cap says so: truncated, what was pending, null latencies beyond the run, a warning line', () => {
  // 300 DOWNs at 1 per 100 ms need 30 s; an estimate of 0 makes the cap 10 s.
  const doc = runScenario(crashScenario({ drainedEstimateMs: 0 }, { demand_amount: 1 }), { seed: 1, set: [['mode', 'zen']] });
  const r = doc.runs[0];
  assert.ok(r !== undefined);
  assert.is(r.end, 'cap');
  assert.is(r.truncated, true);
  assert.is(r.capMs, 10_000);
  assert.ok(r.endMs <= 10_000 && r.endMs > 9_900, `ended at ${r.endMs}`);
  const delivered = r.downs.delivered;
  assert.ok(delivered > 90 && delivered < 110, `${delivered} delivered in 10 s at 1 per ~101 ms`);
  assert.equal(r.pending, { downs: 300 - delivered, work: 0 });
  assert.is(r.downs.missing, 300 - delivered);
  // Over the 300 expected, p50 and p99 are DOWNs never delivered: longer than the run.
  assert.equal([r.downs.latencyMs.p50, r.downs.latencyMs.p90, r.downs.latencyMs.p99, r.downs.latencyMs.max, r.downs.lastMs], [null, null, null, null, null]);
  const summary = summaryTable(doc);
  assert.match(summary, /DOWN latency p50 \/ p99 +>\d[\d,.]* ms \/ >\d[\d,.]* ms/);
  assert.match(summary, /\nwarning: the zen run was cut short at its cap, 10,000 ms after the trigger \(twice the closed-form drain of 0 ms, plus 10 s\): \d+ of 300 DOWNs not delivered;/);
});

test('a percentile over delivered DOWNs stays a value while its rank is delivered', () => {
  // 300 DOWNs at 10 per ~101 ms: all in ~3 s; a fixed end at 2 s leaves about a third out.
  const r = runScenario(crashScenario({ atMs: 2000 }, { demand_amount: 10 }), { seed: 1, set: [['mode', 'zen']] }).runs[0];
  assert.ok(r !== undefined);
  assert.is(r.end, 'time');
  assert.is(r.truncated, true);
  const missing = r.downs.missing;
  assert.ok(missing > 50 && missing < 150, `${missing} missing`);
  assert.ok(r.downs.latencyMs.p50 !== null, 'p50 falls among the delivered DOWNs');
  assert.is(r.downs.latencyMs.p99, null, 'p99 falls among the missing ones');
});

test(':work still queued counts: the run waits for what was queued when the DOWNs were in; cut short, the rest is pending and unknown', () => {
  // Vanilla: 300 DOWNs of 20 ms each keep the subscriber busy 6 s, while :work arrives every ms.
  const herd = crashScenario({ drainedEstimateMs: 6000 });
  const set: [string, string][] = [['mode', 'vanilla'], ['work', 'true'], ['downCostUs', '20000']];
  const drained = runScenario(herd, { seed: 1, set }).runs[0];
  assert.ok(drained !== undefined && drained.work !== null);
  assert.is(drained.end, 'drained');
  assert.is(drained.pending.work, 0);
  // Every :work sent from the trigger to the last DOWN was served and counted (~6,000), the latest after waiting behind the herd.
  assert.ok(drained.work.handled > 5900, `${drained.work.handled} handled`);
  assert.ok((drained.work.latencyMs.p99 as number) > 5000, `p99 ${drained.work.latencyMs.p99}`);
  assert.ok(drained.endMs > (drained.downs.lastMs as number), 'served after the last DOWN');
  // With a fixed end at 3 s, half the DOWNs and every :work since the trigger are still queued.
  const cut = runScenario(crashScenario({ atMs: 3000 }), { seed: 1, set }).runs[0];
  assert.ok(cut !== undefined && cut.work !== null);
  assert.is(cut.truncated, true);
  assert.ok(cut.pending.work > 2900, `${cut.pending.work} :work pending`);
  assert.equal([cut.work.latencyMs.p50, cut.work.latencyMs.p99, cut.work.latencyMs.max], [null, null, null]);
  assert.match(summaryTable({ ...runScenario(crashScenario({ atMs: 3000 }), { seed: 1, set }) }), /work latency p50 \/ p99 \/ max +n\/a\* \/ n\/a\* \/ n\/a\*/);
});

test('a measurement window: work counts the messages sent in it; the drained run lasts at least as long', () => {
  const r = runScenario(crashScenario({ drainedEstimateMs: 1000 }), { seed: 1, set: [['mode', 'vanilla'], ['work', 'true'], ['windowMs', '4000']] }).runs[0];
  assert.ok(r !== undefined && r.work !== null);
  assert.is(r.windowMs, 4000);
  assert.ok(r.endMs >= 4000 && r.endMs < 4010, `ended at ${r.endMs}`);
  // One :work per ms in [trigger, trigger + 4 s).
  assert.ok(r.work.handled >= 3990 && r.work.handled <= 4000, `${r.work.handled} handled`);
  assert.is(r.downs.inWindow, 300);
});

/** A scenario of one node `a@h` with no parameters, driven by `script`. */
const oneNode = (script: (run: Parameters<Scenario['script']>[0]) => void): Scenario =>
  defineScenario({ name: 'one-node', description: 'one node', params: {}, cluster: () => ({ nodes: [{ name: A }] }), script }) as unknown as Scenario;

test('a DOWN that can never come: missing, the world idle, not truncated', () => {
  const sc = oneNode((run) => {
    const [t] = run.spawnMany(A, 1);
    run.expectDowns(2);
    run.subscriber(A, { setup: (ctx) => void run.monitor(ctx, t as Pid) });
    run.at(200, () => {
      run.trigger();
      run.world.exit(t as Pid, atom('kill'), A);
      run.endWhenDrained(100);
    });
  });
  const r = runScenario(sc, { seed: 1, set: [['mode', 'vanilla']] }).runs[0];
  assert.ok(r !== undefined);
  assert.is(r.end, 'idle');
  assert.is(r.truncated, false);
  assert.equal([r.downs.delivered, r.downs.missing], [1, 1]);
  assert.is(r.downs.latencyMs.p99, null);
});

test('an end set again the same way moves it: a second endAt is the end; a second endWhenDrained the estimate', () => {
  const fixed = runScenario(
    oneNode((run) => {
      run.when(() => false, () => {}); // the world never goes idle
      run.endAt(1000);
      run.at(300, () => run.endAt(600));
    }),
    { seed: 1, set: [['mode', 'vanilla']] },
  );
  assert.equal([fixed.runs[0]?.end, fixed.virtualMs], ['time', 600]);
  const drained = runScenario(
    oneNode((run) => {
      run.when(() => false, () => {});
      run.expectDowns(1);
      run.trigger();
      run.endWhenDrained(50_000);
      run.at(300, () => run.endWhenDrained(100));
    }),
    { seed: 1, set: [['mode', 'vanilla']] },
  ).runs[0];
  assert.equal([drained?.end, drained?.drainEstimateMs, drained?.capMs], ['cap', 300, drainCapMs(100, 0) + 200]);
});

// The run loop asks `endReached` after every event; it compares the DOWNs delivered with a
// count, and the clock with a time (the window's close), worked out where the end, the
// expected DOWNs, the trigger and the window are set (Run.gateEnd), and works the
// condition out only past both. Each script sets those in another order.
test('the end check asked after every event gives what the condition worked out afresh gives, whatever order the script sets its end in', () => {
  const scripts: [string, (run: Parameters<Scenario['script']>[0], t: Pid) => void, boolean][] = [
    ['downs expected first, drained after the trigger', (run, t) => {
      run.expectDowns(1);
      run.at(200, () => {
        run.trigger();
        run.world.exit(t, atom('kill'), A);
        run.endWhenDrained(100);
      });
    }, true],
    ['drained set before the trigger', (run, t) => {
      run.expectDowns(1);
      run.endWhenDrained(10_000);
      run.at(200, () => {
        run.trigger();
        run.world.exit(t, atom('kill'), A);
      });
    }, true],
    ['a window set before the drained end and the trigger, open past the last DOWN', (run, t) => {
      run.when(() => false, () => {}); // events go on after the DOWN, while the window is open
      run.measureFor(500);
      run.expectDowns(1);
      run.endWhenDrained(100);
      run.at(200, () => void [run.trigger(), run.world.exit(t, atom('kill'), A)]);
    }, true],
    ['a window set again, shorter, after the drained end and the trigger', (run, t) => {
      run.expectDowns(1);
      run.measureFor(2000);
      run.when(() => false, () => {});
      run.at(200, () => {
        run.endWhenDrained(100);
        run.trigger();
        run.world.exit(t, atom('kill'), A);
        run.measureFor(300);
      });
    }, true],
    ['a fixed end with a condition', (run) => {
      run.when(() => false, () => {}); // the world never goes idle
      run.at(100, () => run.endAt(1000, () => run.world.nowUs >= 400_000));
    }, true],
    ['a fixed end without one', (run) => {
      run.when(() => false, () => {});
      run.endAt(300);
    }, false],
  ];
  for (const [what, script, holds] of scripts) {
    let asked = 0;
    let held = 0;
    const sc = oneNode((run) => {
      const gated = run.endReached.bind(run);
      run.endReached = () => {
        const r = gated();
        assert.is(r, run.endHolds(), `${what}, at ${run.world.nowUs} µs`);
        asked++;
        if (r) held++;
        return r;
      };
      const [t] = run.spawnMany(A, 1);
      run.subscriber(A, { setup: (ctx) => void run.monitor(ctx, t as Pid) });
      script(run, t as Pid);
    });
    runScenario(sc, { seed: 1, set: [['mode', 'vanilla']] });
    assert.ok(asked > 2, `${what}: asked ${asked} times`);
    assert.is(held, holds ? 1 : 0, what);
  }
});

// The run loop compares the next event's time with the limit the run keeps (Run.limitUs),
// worked out when the end or the window is set: each of those must work it out again.
test('an end moved later, or a window set after a drained end, moves the limit the run stops at', () => {
  const fixed = runScenario(
    oneNode((run) => {
      run.when(() => false, () => {});
      run.endAt(600);
      run.at(300, () => run.endAt(1000));
    }),
    { seed: 1, set: [['mode', 'vanilla']] },
  );
  assert.equal([fixed.runs[0]?.end, fixed.virtualMs], ['time', 1000]);
  const windowed = runScenario(
    oneNode((run) => {
      run.when(() => false, () => {});
      run.expectDowns(1);
      run.trigger();
      run.endWhenDrained(0);
      run.at(300, () => run.measureFor(30_000));
    }),
    { seed: 1, set: [['mode', 'vanilla']] },
  ).runs[0];
  // The window, larger than the estimate, sets the cap: the run stops there, not at the estimate's cap (10 s).
  assert.equal([windowed?.end, windowed?.capMs, windowed?.endMs], ['cap', drainCapMs(0, 30_000), drainCapMs(0, 30_000)]);
});

// The run loop runs the kernel in chunks of events, each up to the limit as it stood when
// the chunk began: an end moved later within a chunk, past a limit set in a chunk before,
// is run on to, not stopped at the old limit. 300,000 events before the move: the end is
// set in the first chunk and moved in the second.
test('an end moved later after the run has passed a chunk of events is run on to: not stopped at the old end', () => {
  // The script starts at 100 ms: an event every µs to 400 ms.
  const events = (run: Parameters<Scenario['script']>[0]) => {
    for (let i = 1; i <= 300_000; i++) run.at(100 + i / 1000, () => undefined);
    run.when(() => false, () => {}); // the world never goes idle
  };
  const fixed = runScenario(
    oneNode((run) => {
      events(run);
      run.endAt(600);
      run.at(500, () => run.endAt(1000));
    }),
    { seed: 1, set: [['mode', 'vanilla']] },
  );
  assert.equal([fixed.runs[0]?.end, fixed.virtualMs], ['time', 1000]);
  const beyondSetup = runScenario(
    oneNode((run) => {
      events(run);
      run.at(500, () => run.endAt(SETUP_LIMIT_MS + 1000));
    }),
    { seed: 1, set: [['mode', 'vanilla']] },
  );
  assert.equal([beyondSetup.runs[0]?.end, beyondSetup.virtualMs], ['time', SETUP_LIMIT_MS + 1000]);
});

test('a script that never sets its end stops at the setup limit, reported: no-end, truncated, a warning', () => {
  const doc = runScenario(
    oneNode((run) => {
      run.expectDowns(1);
      run.trigger();
      run.when(() => false, () => {}, 1000);
    }),
    { seed: 1, set: [['mode', 'vanilla']] },
  );
  const r = doc.runs[0];
  assert.ok(r !== undefined);
  assert.equal([r.end, r.truncated, r.pending], ['no-end', true, { downs: 1, work: 0 }]);
  assert.ok(r.endMs <= SETUP_LIMIT_MS && r.endMs > SETUP_LIMIT_MS - 1100, `ended at ${r.endMs}`);
  assert.match(summaryTable(doc), /warning: the vanilla run was cut short at the setup limit, [\d,]+ ms \(the scenario never set its end\): 1 of 1 DOWNs not delivered;/);
});

test('a run whose trigger never fires says so: no trigger time, its expected DOWNs missing, truncated at the setup limit, DOWNs it did not count on flagged', () => {
  // Two targets die and their DOWNs come, but the script waits for a condition that never
  // holds, so it never triggers, never kills the one target it expects a DOWN from, and never sets its end.
  const doc = runScenario(
    oneNode((run) => {
      const ts = run.spawnMany(A, 3);
      run.expectDowns(1);
      run.subscriber(A, { setup: (ctx) => ts.forEach((t) => run.monitor(ctx, t)) });
      run.at(100, () => ts.slice(0, 2).forEach((t) => run.world.exit(t, atom('kill'), A)));
      run.when(() => false, () => run.trigger(), 1000);
    }),
    { seed: 1, set: [['mode', 'vanilla']] },
  );
  const r = doc.runs[0];
  assert.ok(r !== undefined);
  assert.equal([r.triggerMs, r.end, r.truncated, r.downs.delivered, r.downs.expected, r.downs.beforeTrigger], [null, 'no-end', true, 2, 1, 2]);
  assert.equal([r.downs.latencyMs, r.downs.firstMs, r.downs.lastMs, r.downs.timeline.counts], [{ p50: null, p90: null, p99: null, max: null }, null, null, []], 'no DOWN times without a trigger');
  assert.equal(r.nodes[A]?.downs, { delivered: 2, firstMs: null, lastMs: null });
  assert.equal([r.downs.missing, r.pending.downs], [1, 1], 'the DOWN expected from the trigger never came: the two delivered are not it');
  const text = summaryTable(doc);
  assert.match(text, /warning: the vanilla run never reached its trigger \(the scenario never called run\.trigger\(\)\)/);
  assert.match(text, /warning: the vanilla run's subscribers got 2 DOWNs where the scenario expected 1: 1 it did not count on/);
  assert.match(text, /warning: the vanilla run was cut short at the setup limit, [\d,]+ ms \(the scenario never set its end\): 1 of 1 DOWNs not delivered; its latency/);
});

test('DOWNs before the trigger count as delivered and beforeTrigger, not in the timeline from the trigger', () => {
  const sc = oneNode((run) => {
    const [early, late] = run.spawnMany(A, 2) as [Pid, Pid];
    run.expectDowns(2);
    run.subscriber(A, { setup: (ctx) => [early, late].forEach((t) => run.monitor(ctx, t)) });
    run.at(100, () => run.world.exit(early, atom('kill'), A));
    run.at(500, () => {
      run.trigger();
      run.world.exit(late, atom('kill'), A);
      run.endWhenDrained(100);
    });
  });
  const r = runScenario(sc, { seed: 1, set: [['mode', 'vanilla']] }).runs[0];
  assert.ok(r !== undefined);
  assert.equal([r.triggerMs, r.downs.delivered, r.downs.beforeTrigger, r.downs.missing], [500, 2, 1, 0]);
  assert.ok((r.downs.firstMs as number) < -399, `first DOWN ${r.downs.firstMs} ms, before the trigger`);
  assert.equal(r.downs.timeline.counts, [1]);
});

/** One target on a, monitored by a subscriber a ticker sends :work every `everyMs`; the target killed at 200 ms (the trigger), then `end(run)`. */
const tickedKill = (everyMs: number, end: (run: Parameters<Scenario['script']>[0]) => void): Scenario =>
  oneNode((run) => {
    const [t] = run.spawnMany(A, 1);
    run.expectDowns(1);
    const sub = run.subscriber(A, { setup: (ctx) => void run.monitor(ctx, t as Pid) });
    run.ticker(A, sub, everyMs);
    run.at(200, () => {
      run.trigger();
      run.world.exit(t as Pid, atom('kill'), A);
      end(run);
    });
  });

test('a ticker that sent no :work in the run still reports work: none handled, latencies unknown', () => {
  const sc = tickedKill(100_000, (run) => run.endWhenDrained(100));
  const r = runScenario(sc, { seed: 1, set: [['mode', 'vanilla']] }).runs[0];
  assert.ok(r !== undefined);
  assert.equal(r.work, { handled: 0, latencyMs: { p50: null, p99: null, max: null } });
  assert.equal([r.series.workLatencyMs, r.series.workMessages], [[], 0]);
});

test('memory peaks count from the trigger: a peak before it is not the run\'s', () => {
  let before = 0;
  // A process holding a large message exits before the trigger.
  const sc = oneNode((run) => {
    const hog = run.world.spawn(A, { handle: (ctx) => ctx.keep() });
    run.world.send(hog, bin(new Uint8Array(5_000_000)), A);
    run.at(300, () => {
      before = (run.world.nodes.get(A) as { memoryBytes(): number }).memoryBytes();
      run.world.exit(hog, atom('kill'), A);
    });
    run.at(500, () => {
      run.trigger();
      run.endAt(1000);
    });
  });
  const r = runScenario(sc, { seed: 1, set: [['mode', 'vanilla']] }).runs[0];
  const mem = r?.nodes[A]?.memory;
  assert.ok(mem !== undefined);
  assert.ok(before > mem.baselineBytes + 4_000_000, `${before} held before, baseline ${mem.baselineBytes}`);
  assert.is(mem.peakBytes, mem.baselineBytes, 'nothing rose after the trigger');
});

test('a memory peak includes a collection\'s moment of both heaps (erl_gc.c: the new heap is made before the old one is freed)', () => {
  // A kept 2006-word message (a 2-tuple of a 2-tuple of :boom and 1000 small integers) reaches
  // an idle receive loop: no room on its 233-word heap, so a fragment (reference and header,
  // 80 bytes). Taking it sets off a major GC into a heap of next_heap_size(10 + 2006) = 2586
  // words, made while the old 233-word heap and the fragment are still there.
  const sc = oneNode((run) => {
    const keeper = run.world.spawn(A, { handle: (ctx) => ctx.keep() });
    run.at(500, () => {
      run.trigger();
      run.world.send(keeper, tuple(atom('DOWN'), tuple(atom('boom'), list(Array.from({ length: 1000 }, (_, i) => int(i + 1))))), A);
      run.endAt(1000);
    });
  });
  const mem = runScenario(sc, { seed: 1, set: [['mode', 'vanilla']] }).runs[0]?.nodes[A]?.memory;
  assert.ok(mem !== undefined);
  const pristine = 776 + 8 * 233;
  const beforeGc = 776 + 8 * (233 + 2006) + 80;
  assert.is(mem.peakBytes - mem.baselineBytes, beforeGc + 8 * 2586 - pristine, 'both heaps and the fragment at once');
  assert.is(mem.byCategory.processes - mem.baselineBytes, beforeGc + 8 * 2586 - pristine);
});

test('mailbox peaks count from the trigger, the set-up\'s kept apart: whose and how long', () => {
  // `early` gets 50 messages at once before the trigger and 10 after it, `late` 5 after it:
  // from the trigger on, early's 9 is the node's peak though early had more before (each
  // burst's first message is taken at once by a free scheduler: 49, 9 and 4 queue).
  let early: Pid | undefined;
  let late: Pid | undefined;
  let world: Parameters<Scenario['script']>[0]['world'] | undefined;
  const busy = { handle: (ctx: { cpu(us: number): void }) => ctx.cpu(1000) };
  const sc = oneNode((run) => {
    world = run.world;
    early = run.world.spawn(A, busy, { name: 'early' });
    late = run.world.spawn(A, busy, { name: 'late' });
    run.at(100, () => {
      for (let i = 0; i < 50; i++) run.world.send(early as Pid, atom('x'), A);
    });
    run.at(500, () => {
      run.trigger();
      for (let i = 0; i < 10; i++) run.world.send(early as Pid, atom('x'), A);
      for (let i = 0; i < 5; i++) run.world.send(late as Pid, atom('x'), A);
      run.endAt(600);
    });
  });
  const r = runScenario(sc, { seed: 1, set: [['mode', 'vanilla']] }).runs[0];
  const proc = (pid: Pid | undefined) => world?.proc(pid as Pid);
  assert.is(proc(early)?.mailboxPeak, 49, 'the whole run');
  assert.is(proc(early)?.mailboxPeakSinceMark, 9, 'from the trigger');
  assert.is(proc(late)?.mailboxPeakSinceMark, 4);
  assert.equal(r?.nodes[A]?.mailbox, { peak: 9, peakProcess: 'early', beforeTrigger: { peak: 49, peakProcess: 'early' } });
});

test('a run of virtual days keeps its series bounded: buckets merged k at a time, bucketMs says so', () => {
  // 400 s after the trigger: 40,000 samples of 10 ms, kept as 20,000 of 20 ms.
  let early: Pid | undefined;
  const sc = oneNode((run) => {
    early = run.world.spawn(A, { handle: (ctx: { cpu(us: number): void }) => ctx.cpu(1000) });
    run.at(200, () => {
      run.trigger();
      for (let i = 0; i < 7; i++) run.world.send(early as Pid, atom('x'), A);
      run.endAt(200 + 400_000);
    });
    // Something happens every second, so the sampler (which stops when the world is idle) runs on.
    for (let t = 1000; t < 400_200; t += 1000) run.at(t, () => undefined);
  });
  const r = runScenario(sc, { seed: 1, set: [['mode', 'vanilla']] }).runs[0];
  assert.ok(r !== undefined);
  assert.is(r.series.bucketMs, 20);
  assert.ok(r.series.subscriberMailbox.length <= MAX_SERIES_POINTS && r.series.subscriberMailbox.length > 0.99 * MAX_SERIES_POINTS, `${r.series.subscriberMailbox.length} points`);
  for (const xs of Object.values(r.series.memoryBytes)) assert.is(xs.length, r.series.subscriberMailbox.length);
});

test('a triggered run that never sets its end, nothing pending, is still cut short at the setup limit and says so', () => {
  const doc = runScenario(tickedKill(1000, () => undefined), { seed: 1, set: [['mode', 'vanilla']] });
  const r = doc.runs[0];
  assert.ok(r !== undefined);
  assert.equal([r.end, r.truncated, r.pending, r.downs.missing], ['no-end', true, { downs: 0, work: 0 }, 0]);
  assert.match(summaryTable(doc), /warning: the vanilla run was cut short at the setup limit, [\d,]+ ms \(the scenario never set its end\); its latency figures are incomplete/);
});

test('work latency past MAX_SERIES_POINTS messages is kept as that many order statistics: least to largest, the count beside', () => {
  const sc = tickedKill(1, (run) => {
    run.measureFor(MAX_SERIES_POINTS + 5000);
    run.endAt(200 + MAX_SERIES_POINTS + 6000);
  });
  const r = runScenario(sc, { seed: 1, set: [['mode', 'vanilla']] }).runs[0];
  assert.ok(r !== undefined);
  const xs = r.series.workLatencyMs;
  assert.ok(r.series.workMessages > MAX_SERIES_POINTS + 4000, `${r.series.workMessages} :work messages`);
  assert.is(r.series.workMessages, r.work?.handled, 'the messages work counts: those sent in the window');
  assert.is(xs.length, MAX_SERIES_POINTS);
  for (let i = 1; i < xs.length; i++) assert.ok((xs[i] as number) >= (xs[i - 1] as number), `sorted at ${i}`);
  const least = Math.min(...xs);
  const largest = Math.max(...xs);
  assert.ok(largest > least, 'latencies differ');
  const spread = Array.from({ length: MAX_SERIES_POINTS + 999 }, (_, i) => (i * 7919) % (MAX_SERIES_POINTS + 999));
  const kept = boundedDistribution(spread);
  assert.equal([kept.length, kept[0], kept[kept.length - 1]], [MAX_SERIES_POINTS, 0, MAX_SERIES_POINTS + 998]);
  assert.equal(boundedDistribution([3, 1, 2]), [3, 1, 2], 'a short one is kept as it is, in order');
});

test('every direction of a connection is a link, one that carried nothing at zero', () => {
  const r = runScenario(crashScenario({ drainedEstimateMs: 50 }), { seed: 1, set: [['mode', 'vanilla'], ['targets', '3']] }).runs[0];
  assert.ok(r !== undefined);
  assert.equal(Object.keys(r.network.links), [`${A}->${B}`, `${B}->${A}`]);
  assert.ok((r.network.links[`${A}->${B}`]?.messages ?? 0) > 0, 'the monitors went a->b');
});

test('a run longer than SERIES_KEPT_POINTS samples keeps its series bounded while it runs: pairs merged, peaks kept', () => {
  // 1,700 s after the trigger: 170,000 samples of 10 ms, halved at 80,000 kept points (twice),
  // ~42,500 points of 40 ms at the end, merged 3 at a time into ~14,167 of 120 ms.
  let kept = 0;
  let rec: unknown;
  const sc = oneNode((run) => {
    rec = run.recorder;
    const p = run.world.spawn(A, { handle: (ctx: { cpu(us: number): void }) => ctx.cpu(1000) });
    run.at(200, () => {
      run.trigger();
      run.endAt(200 + 1_700_000);
    });
    // A burst of 50 messages at 1,000 s: a mailbox peak the merged series must keep.
    run.at(1_000_200, () => {
      for (let i = 0; i < 50; i++) run.world.send(p, atom('x'), A);
    });
    run.recorder.watch(p);
    for (let t = 1000; t < 1_700_200; t += 1000) {
      run.at(t, () => {
        kept = Math.max(kept, (rec as { mailboxSeries: number[] }).mailboxSeries.length);
      });
    }
  });
  const r = runScenario(sc, { seed: 1, set: [['mode', 'vanilla']] }).runs[0];
  assert.ok(r !== undefined);
  assert.ok(kept <= SERIES_KEPT_POINTS, `at most ${SERIES_KEPT_POINTS} points kept while running, saw ${kept}`);
  assert.is(r.series.bucketMs, 120);
  const n = r.series.subscriberMailbox.length;
  assert.ok(n > 14_150 && n <= 14_167, `${n} points of 120 ms over ~1,700 s`);
  assert.ok(r.subscribers.mailboxPeak >= 49, `the burst queued ${r.subscribers.mailboxPeak}`);
  assert.is(Math.max(...r.series.subscriberMailbox), r.subscribers.mailboxPeak, 'the burst\'s peak is kept through the merges');
  for (const xs of Object.values(r.series.memoryBytes)) assert.is(xs.length, r.series.subscriberMailbox.length);
});

test('the closed-form drain: dispatcher ticks for a nodedown, the Batcher for remote deaths, the subscriber when slower', () => {
  const s = { zen: defaultZenConfig(), cost: { ...defaultCostModel }, net: { ...defaultNetConfig } };
  // 100,000 on a nodedown: 100 ticks of 101 ms, plus detection (36 ms) and the Connector's walk (0.15 s).
  assert.is(Math.round(drainEstimateMs('zen', { downs: 100_000, downCostUs: 0, cause: 'nodedown' }, s)), 10_100 + 36 + 150);
  // 10 certificates per 101 ms through the Batcher: 10,000 deaths take 101 s.
  const slowBatcher = { ...s, zen: { ...s.zen, batcher_chunk_size: 10 } };
  assert.ok(drainEstimateMs('zen', { downs: 10_000, downCostUs: 0, cause: 'deaths' }, slowBatcher) >= 101_000);
  // A subscriber spending 1 ms per DOWN is slower than 1000 per 101 ms.
  assert.ok(drainEstimateMs('zen', { downs: 100_000, downCostUs: 1000, cause: 'nodedown' }, s) >= 100_000);
  // Vanilla: every DOWN handled by the one subscriber (1 µs receive + 20 µs) after a connection loss.
  assert.is(Math.round(drainEstimateMs('vanilla', { downs: 100_000, downCostUs: 20, cause: 'nodedown' }, s)), 36 + 50 + 2100 + 4);
});

test('times a script names are checked: in the past, or beyond the clock, is an error naming the call', () => {
  assert.throws(() => runScenario(oneNode((run) => run.at(50, () => {}))), /run\.at\(50\): 50 ms is in the past \(now 100 ms\)/);
  assert.throws(() => runScenario(oneNode((run) => run.endAt(1e13))), /run\.endAt\(10000000000000\): beyond the virtual clock's limit/);
  assert.throws(() => runScenario(oneNode((run) => run.endWhenDrained(-1))), /run\.endWhenDrained\(-1\)/);
});

test.run();
