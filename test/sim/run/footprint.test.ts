// The up-front memory estimate (sim/run/footprint.ts): a run too big for the heap is
// refused at its start, naming the memory it would need; one that fits is not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import herd from '../../../scenarios/herd.js';
import { checkFootprint, footprintBytes, FOOTPRINT, RunElsewhere } from '../../../sim/run/footprint.js';
import { loadScenario } from '../../../sim/run/load.js';
import { InputError } from '../../../sim/run/params.js';
import { runScenario } from '../../../sim/run/runner.js';
import { defineScenario } from '../../../sim/run/scenario.js';

const GIB = 2 ** 30;

test('the estimate adds the measured bytes per process and per expected DOWN, per mode', () => {
  assert.is(footprintBytes(1000, 10, 'zen'), FOOTPRINT.baseBytes + 1000 * FOOTPRINT.processBytes + 10 * FOOTPRINT.monitorBytes.zen);
  assert.ok(FOOTPRINT.monitorBytes.zen > FOOTPRINT.monitorBytes.vanilla);
});

test('a run is refused when its most demanding mode does not fit the heap, with the memory it needs', () => {
  const need = footprintBytes(1_000_000, 1_000_000, 'zen');
  assert.is(checkFootprint(1_000_000, 1_000_000, ['vanilla', 'zen'], { limitBytes: need }), need, 'fits exactly, and answers its estimate');
  assert.throws(
    () => checkFootprint(1_000_000, 1_000_000, ['vanilla', 'zen'], { limitBytes: need - 1 }),
    (e: unknown) => e instanceof InputError && e.message.includes(`needs about ${(need / GIB).toFixed(1)} GB of memory in zen mode`) && /max-old-space-size=\d+/.test(e.message),
  );
  checkFootprint(1_000_000, 1_000_000, ['vanilla'], { limitBytes: need - 1 }); // vanilla alone needs less
});

test('herd at 5,000,000 targets is refused before it spawns anything on a default heap (it needs ~5.7 GB)', () => {
  assert.throws(
    () => runScenario(herd as never, { params: { targets: 5_000_000 } }),
    (e: unknown) => e instanceof InputError && /needs about 5\.7 GB of memory in zen mode \(5,000,000 expected DOWNs at ~1,200 bytes each, measured\)/.test(e.message),
  );
});

test("a run tells its host the estimate as its script declares its size, before the work, in its first mode only", () => {
  const told: number[] = [];
  const doc = runScenario(herd as never, { params: { targets: 7, work: false }, onFootprint: (b) => told.push(b) });
  assert.equal(doc.runs.map((r) => r.mode), ['vanilla', 'zen']);
  // herd.ts: expectDowns(7) before spawnMany(7); the estimate is the demanding mode's (zen),
  // told in the vanilla run; the zen run, after it, is not asked again.
  assert.equal(told, [footprintBytes(0, 7, 'zen'), footprintBytes(7, 7, 'zen')]);
});

test('a size declared after the first chunk of events is not told: the run goes on where it is', () => {
  const late = defineScenario({
    name: 'late',
    description: 'declares its size after 300,000 events',
    params: {},
    cluster: () => ({ nodes: [{ name: 'a@h' }] }),
    script: (run) => {
      run.expectDowns(0);
      for (let i = 1; i <= 300_000; i++) run.at(100 + i / 1000, () => {});
      run.at(400, () => run.spawnMany('a@h', 3));
      run.endAt(500);
    },
  });
  const told: number[] = [];
  const doc = runScenario(late, { params: { mode: 'zen' }, onFootprint: (b) => told.push(b) });
  assert.ok(doc.events > 300_000);
  assert.equal(told, [footprintBytes(0, 0, 'zen')], 'the declaration at the start only');
});

test("RunElsewhere thrown by the host stops the run at its first estimate, before it spawns, and reaches the caller as it is (not as the script's error)", async () => {
  // Loaded as the command loads it: an error thrown at a line of the file is reported as the script's.
  const loaded = await loadScenario(new URL('../../../scenarios/herd.ts', import.meta.url).pathname);
  const told: number[] = [];
  assert.throws(
    () =>
      runScenario(loaded, {
        params: { targets: 5 },
        onFootprint: (b) => {
          told.push(b);
          throw new RunElsewhere(b);
        },
      }),
    (e: unknown) => e instanceof RunElsewhere && e.estimateBytes === footprintBytes(0, 5, 'zen'),
  );
  assert.equal(told, [footprintBytes(0, 5, 'zen')], 'once: at expectDowns, before spawnMany (no process counted yet)');
});

test('plain DOWNs that hold a large reason count it, in vanilla only (ZenMonitor hands over the truncated one)', () => {
  assert.is(footprintBytes(0, 10, 'vanilla', 1000) - footprintBytes(0, 10, 'vanilla'), 10_000);
  assert.is(footprintBytes(0, 10, 'zen', 1000), footprintBytes(0, 10, 'zen'));
  const need = footprintBytes(0, 1000, 'vanilla', 10_000_000);
  assert.throws(
    () => checkFootprint(0, 1000, ['vanilla', 'zen'], { limitBytes: need - 1, heldBytesEach: 10_000_000 }),
    (e: unknown) => e instanceof InputError && /in vanilla mode .*each holding ~10,000,000 bytes of its exit reason/.test(e.message),
  );
});

test.run();
