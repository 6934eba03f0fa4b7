// `npm run bench:footprint`: the memory one more monitored target costs at a run's peak,
// per mode, as sim/run/footprint.ts uses it to refuse runs too big for the heap up front.
// herd.ts runs at two sizes per mode, each in a child process; the growth of the peak
// live JS heap (the most a collection left alive) between the sizes, per target added,
// is the footprint, printed beside the figures footprint.ts holds.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as v8 from 'node:v8';
import { growHeapFor, tuneV8 } from '../bin/v8.mjs';
import herd from '../scenarios/herd.js';
import { FOOTPRINT } from '../sim/run/footprint.js';
import { runScenario } from '../sim/run/runner.js';
import { fmtInt } from './measure.js';

const SIZES = [200_000, 400_000] as const;

type Stat = { afterGC: { heapStatistics: { usedHeapSize: number } } };

function peakLiveBytes(mode: string, targets: number): number {
  const self = fileURLToPath(import.meta.url);
  return Number(execFileSync(process.execPath, ['--import', 'tsx', self, '--child', mode, String(targets)], { encoding: 'utf8' }).trim());
}

if (process.argv[2] === '--child') {
  // The command's V8 settings (its heap grows as the command's does, by the run's
  // estimate), not the full young generation it starts runs estimated at 512 MiB or more
  // with (bin/v8.mjs): not measured with it.
  tuneV8(true);
  const profiler = new v8.GCProfiler();
  profiler.start();
  runScenario(herd as never, { params: { targets: Number(process.argv[4]) }, set: [['mode', process.argv[3] as string]], onFootprint: (bytes) => void growHeapFor(bytes) });
  const stats = (profiler.stop() as unknown as { statistics: Stat[] }).statistics;
  console.log(Math.max(...stats.map((s) => s.afterGC.heapStatistics.usedHeapSize)));
} else {
  for (const mode of ['vanilla', 'zen'] as const) {
    const [small, large] = SIZES.map((n) => peakLiveBytes(mode, n)) as [number, number];
    const perTarget = (large - small) / (SIZES[1] - SIZES[0]);
    console.log(`${mode}: peak live heap ${fmtInt(small / 2 ** 20)} MiB at ${fmtInt(SIZES[0])} targets, ${fmtInt(large / 2 ** 20)} MiB at ${fmtInt(SIZES[1])}: ${fmtInt(perTarget)} bytes per monitored target (footprint.ts: ${fmtInt(FOOTPRINT.processBytes + FOOTPRINT.monitorBytes[mode])})`);
  }
}
