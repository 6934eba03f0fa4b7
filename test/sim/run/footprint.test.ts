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
  checkFootprint(1_000_000, 1_000_000, ['vanilla', 'zen'], need); // fits exactly
  assert.throws(
    () => checkFootprint(1_000_000, 1_000_000, ['vanilla', 'zen'], need - 1),
    (e: unknown) => e instanceof InputError && e.message.includes(`needs about ${(need / GIB).toFixed(1)} GB of memory in zen mode`) && /max-old-space-size=\d+/.test(e.message),
  );
  checkFootprint(1_000_000, 1_000_000, ['vanilla'], need - 1); // vanilla alone needs less
});

test('herd at 5,000,000 targets is refused before it spawns anything (this heap is far below 14 GB)', () => {
  assert.throws(
    () => runScenario(herd as never, { params: { targets: 5_000_000 } }),
    (e: unknown) => e instanceof InputError && /needs about 14\.\d GB of memory in zen mode \(5,000,000 expected DOWNs at ~3,000 bytes each, measured\)/.test(e.message),
  );
});

test.run();
