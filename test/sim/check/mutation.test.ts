// The check suite catches deliberate bugs: run against broken variants of core's
// components (test/sim/check/mutants.ts), with a fixed seed, on healthy clusters (no
// faults, no flush racing the Dispatcher: where the real core must pass every property),
// it fails for each mutant, with the property that guards the broken rule, and passes
// for the real core.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCheck, type CheckOptions } from '../../../sim/check/command.js';
import { MUTANTS } from './mutants.js';

const OPTIONS: CheckOptions = { runs: 40, seed: 1, arb: { faults: false, racing: false }, shrink: false, replayDir: null };

test('the real core passes the whole suite on the same schedules', () => {
  const r = runCheck(OPTIONS);
  const failed = r.outcomes.filter((o) => !o.ok).map((o) => `${o.name}: ${o.failure?.why}`);
  assert.equal(failed, []);
});

for (const m of MUTANTS) {
  test(`mutant ${m.name} (${m.breaks}) is caught by ${m.caughtBy}`, () => {
    const r = runCheck({ ...OPTIONS, steps: m.steps });
    assert.not.ok(r.ok, 'the suite passed');
    const caught = r.outcomes.filter((o) => !o.ok).map((o) => o.name);
    assert.ok(caught.includes(m.caughtBy), `caught by ${caught.join(', ')} only`);
  });
}

test.run();
