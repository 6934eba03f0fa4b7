// The isolate warm-up (sim/run/warm_up.ts): its small herd runs to its end in both modes,
// every DOWN delivered (a warm-up that stopped early would leave the zen mode's paths
// cold, and say nothing), its threads wait for a core, it runs once per isolate, and it
// leaves nothing behind: a run after it gives the same result document, byte for byte,
// as the same run before it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../../sim/run/runner.js';
import { runWarmUp, WARM_UP_TARGETS, WARM_UP_WORK_MS, warmUp } from '../../../sim/run/warm_up.js';
import { tinyHerd } from './tiny_herd.js';

test('the warm-up herd drains in both modes, every DOWN delivered and every :work of its ticker served', () => {
  const doc = runWarmUp();
  assert.equal(
    doc.runs.map((r) => [r.mode, r.end, r.truncated, r.downs.delivered, r.downs.missing, r.work?.handled]),
    [
      ['vanilla', 'drained', false, WARM_UP_TARGETS, 0, WARM_UP_WORK_MS],
      ['zen', 'drained', false, WARM_UP_TARGETS, 0, WARM_UP_WORK_MS],
    ],
  );
});

test("the warm-up's scheduler threads wait for its host's one core, in both modes (the paths of a shared host under contention warmed too)", () => {
  const doc = runWarmUp();
  for (const r of doc.runs) {
    const waitedMs = Object.values(r.nodes).reduce((sum, n) => sum + n.cpu.coreWaitMs, 0);
    assert.ok(waitedMs > 0, `${r.mode}: no thread waited for a core after the trigger`);
  }
});

test('warmUp runs the warm-up once per isolate', () => {
  warmUp();
  assert.is(warmUp(), false);
});

test('a run after the warm-up gives the same result document as before it', () => {
  const sc = tinyHerd();
  const before = JSON.stringify(runScenario(sc, { seed: 7, params: { targets: 30 } }));
  runWarmUp();
  const after = JSON.stringify(runScenario(sc, { seed: 7, params: { targets: 30 } }));
  assert.is(after, before);
});

test.run();
