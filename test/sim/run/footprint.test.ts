// The up-front memory estimate (sim/run/footprint.ts): a run too big for the heap is
// refused at its start, naming the memory it would need; one that fits is not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import herd from '../../../scenarios/herd.js';
import { checkFootprint, footprintBytes, FOOTPRINT } from '../../../sim/run/footprint.js';
import { InputError } from '../../../sim/run/params.js';
import { runScenario } from '../../../sim/run/runner.js';

const GIB = 2 ** 30;

test('the estimate adds the measured bytes per process and per expected DOWN, per mode', () => {
  assert.is(footprintBytes(1000, 10, 'zen'), FOOTPRINT.baseBytes + 1000 * FOOTPRINT.processBytes + 10 * FOOTPRINT.monitorBytes.zen);
  assert.ok(FOOTPRINT.monitorBytes.zen > FOOTPRINT.monitorBytes.vanilla);
});

test('a run is refused when its most demanding mode does not fit the heap, with the memory it needs', () => {
  const need = footprintBytes(1_000_000, 1_000_000, 'zen');
  checkFootprint(1_000_000, 1_000_000, ['vanilla', 'zen'], { limitBytes: need }); // fits exactly
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
