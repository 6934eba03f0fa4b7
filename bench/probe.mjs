// Preloaded (`node --import`) into a command the benchmarks run as users run it (the
// 1,000,000-target herd): at exit it writes the process's peak RSS and the time V8 spent
// in garbage collection, as one JSON line, to the file named by ZENSIM_BENCH_PROBE.
import { writeFileSync } from 'node:fs';
import { GCProfiler } from 'node:v8';

const file = process.env.ZENSIM_BENCH_PROBE;
if (file !== undefined) {
  const profiler = new GCProfiler();
  profiler.start();
  process.on('exit', () => {
    const gcUs = profiler.stop().statistics.reduce((sum, s) => sum + s.cost, 0);
    writeFileSync(file, `${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, gcMs: gcUs / 1000 })}\n`);
  });
}
