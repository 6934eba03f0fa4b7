// Preloaded (`node --import`) into a command the benchmarks run as users run it (the
// 1,000,000-target herd): at exit it writes the process's peak RSS, its minor page faults
// (each a page of memory touched for the first time) and the time V8 spent in garbage
// collection (all pauses, and the scavenges among them), as one JSON line appended to the
// file named by ZENSIM_BENCH_PROBE: a line per node process, as a large run is started
// again in a second one (bin/zensim.mjs) that node's options, this preload among them, reach.
import { appendFileSync } from 'node:fs';
import { GCProfiler } from 'node:v8';

const file = process.env.ZENSIM_BENCH_PROBE;
if (file !== undefined) {
  const profiler = new GCProfiler();
  profiler.start();
  process.on('exit', () => {
    const stats = profiler.stop().statistics;
    const gcUs = stats.reduce((sum, s) => sum + s.cost, 0);
    const scavengeUs = stats.reduce((sum, s) => sum + (s.gcType === 'Scavenge' ? s.cost : 0), 0);
    const usage = process.resourceUsage();
    appendFileSync(file, `${JSON.stringify({ maxRssKiB: usage.maxRSS, minorFaults: usage.minorPageFault, gcMs: gcUs / 1000, scavengeMs: scavengeUs / 1000 })}\n`);
  });
}
