// ZenMonitor's guarantees and the simulated ERTS's (sim/check/properties.ts,
// world_properties.ts) on a fixed-seed sample of random schedules: the fast subset
// `npm test` runs (`npm run check:long` runs thousands). Each test is one property, named
// for its guarantee. On the real code a property may fail only as a documented finding
// (every violation matching the finding's signature: sim/check/findings.ts,
// docs/findings.md); where a finding cannot occur (no faults, no flush racing the
// Dispatcher) every property must hold strictly; and no run may crash. A failure prints
// the schedule and the command that shrinks it.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scheduleArb, type ArbOptions } from '../../../sim/check/arbitraries.js';
import { classify } from '../../../sim/check/findings.js';
import { Facts, PROPERTIES, type PropertyName, type Verdict } from '../../../sim/check/properties.js';
import { runSchedule } from '../../../sim/check/run.js';
import { scheduleJson, type Schedule } from '../../../sim/check/schedule.js';
import type { Observations } from '../../../sim/check/observations.js';

const SEED = 2024;
const RUNS = 80;
const STRICT_RUNS = 40;

type Sample = { readonly schedule: Schedule; readonly obs: Observations; readonly again: () => Observations };

/** The schedules fast-check draws for (seed, runs) with `zensim check`'s arbitrary, run once each (a throw fails the test). */
function sample(arb: ArbOptions, runs: number, seed: number): Sample[] {
  return fc.sample(scheduleArb(arb), { seed, numRuns: runs }).map((schedule, i) => {
    let obs: Observations;
    try {
      obs = runSchedule(schedule);
    } catch (e) {
      throw new Error(`run ${i + 1} crashed: ${(e as Error).message}\nschedule: ${scheduleJson(schedule)}`);
    }
    return { schedule, obs, again: () => runSchedule(schedule) };
  });
}

function memo<T>(f: () => T): () => T {
  let v: T | undefined;
  return () => (v ??= f());
}

const withFaults = memo(() => sample({}, RUNS, SEED));
const healthy = memo(() => sample({ faults: false, racing: false }, STRICT_RUNS, SEED + 1));

function explain(name: PropertyName, s: Sample, i: number, v: Extract<Verdict, { ok: false }>, how: string): string {
  return [
    `${name} failed on run ${i + 1} (${how}): ${v.why}`,
    `schedule: ${scheduleJson(s.schedule)}`,
    `shrink it: npx zensim check --property ${name} --runs ${i + 1} ${how === 'with faults' ? `--seed ${SEED}` : `--seed ${SEED + 1} --no-faults --no-racing`}`,
  ].join('\n');
}

for (const p of PROPERTIES) {
  test(`${p.name}: ${p.guarantee} (${RUNS} schedules with faults; only documented findings may break it)`, () => {
    withFaults().forEach((s, i) => {
      const v = p.check(s.obs, s.again);
      if (!v.ok) assert.ok(classify(p.name, v, new Facts(s.obs)).kind === 'known', explain(p.name, s, i, v, 'with faults'));
    });
  });

  test(`${p.name}: holds strictly on ${STRICT_RUNS} schedules without faults or racing flushes`, () => {
    healthy().forEach((s, i) => {
      const v = p.check(s.obs, s.again);
      if (!v.ok) assert.unreachable(explain(p.name, s, i, v, 'healthy'));
    });
  });
}

test('the sample exercises what the properties judge: monitors, re-monitors, flushes, kills, DOWNs, crashes, faults, ERTS traffic, recovery probes, chunks, fires', () => {
  const all = withFaults();
  const count = (f: (o: Observations) => number) => all.reduce((n, s) => n + f(s.obs), 0);
  const steps = (op: string) => all.reduce((n, s) => n + s.schedule.steps.filter((st) => st.op === op).length, 0);
  assert.ok(count((o) => o.monitors.length) > 150, 'monitors');
  assert.ok(count((o) => o.demonitors.filter((d) => !d.flush).length) > 10, 'plain demonitors');
  assert.ok(count((o) => o.demonitors.filter((d) => d.flush).length) > 10, 'flushes');
  assert.ok(steps('remonitor') > 20, 'demonitor and re-monitor in one handler');
  assert.ok(count((o) => o.downs.length) > 50, 'DOWNs');
  assert.ok(count((o) => o.deaths.filter((d) => d.crash).length) > 5, 'deaths with a node');
  assert.ok(count((o) => o.faults.length) > 100, 'faults');
  assert.ok(count((o) => o.ertsDowns.length) > 5, 'ERTS DOWNs');
  assert.ok(count((o) => o.messages.filter((m) => m.deliveredUs !== null).length) > 15, 'numbered messages delivered');
  assert.ok(count((o) => o.timers.filter((t) => t.firedUs !== null).length) > 8, 'timers fired');
  assert.ok(count((o) => o.recovery.length) > 200, 'recovery probes');
  assert.ok(count((o) => o.chunks.filter((c) => c.kind === 'dead').length) > 20, 'Batcher chunks');
  assert.ok(count((o) => o.chunks.filter((c) => c.kind === 'process').length) > 50, 'Connector chunks');
  assert.ok(count((o) => o.fires.length) > 5, 'Connectors firing every monitor');
  assert.ok(all.every((s) => s.obs.quiet), 'every run became quiet');
});

test.run();
