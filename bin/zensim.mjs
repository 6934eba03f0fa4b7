#!/usr/bin/env node
// zensim command-line entry: runs the precompiled CLI (dist/, built by npm's install
// step), rebuilding it first if the sources changed since (bin/build.mjs: a stale
// build never runs). Where dist/ cannot be written (a read-only install), it runs the
// TypeScript sources through tsx instead: slower to start, same results. A `zensim run`
// estimated to be large is started again in a node given V8 settings that only node's
// command line can set (bin/v8.mjs, largeRunRelaunch), before its work: same results.
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freshDist } from './build.mjs';
import { enterWorkerPool, growHeapFor, largeRunRelaunch, largeWorkerRuns, tuneV8 } from './v8.mjs';

// `zensim run` grows its heap by each run's estimate (onFootprint, below); plan and check as if each may be large.
tuneV8(process.argv[2] === 'run');

/** The signals a relaunched run's first process passes on; a child they end ends it by the same one. */
const PASSED_ON = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const PASS_ON_MS = 5000;

const argv = process.argv.slice(2);
let large = null;
if (argv[0] === 'run') {
  try {
    large = largeRunRelaunch();
  } catch (e) {
    process.stderr.write(`zensim: ${e.message}\n`);
    process.exit(2);
  }
}

const dist = await freshDist();
let cli;
if (dist !== null) {
  cli = await import(new URL('../dist/cli.js', import.meta.url).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../sim/cli.ts');
}
const largeRuns = largeWorkerRuns();
const host = {
  workerPool: (workers) => enterWorkerPool(workers),
  ...(largeRuns !== null ? { largeRuns } : {}),
  // A run's estimated peak, before its work: a large one starts again elsewhere, or here
  // (when it may not) grows its heap in smaller steps (bin/v8.mjs).
  onFootprint: (bytes) => {
    if (large !== null && bytes >= large.minBytes) throw new cli.RunElsewhere(bytes);
    growHeapFor(bytes);
  },
};
try {
  process.exitCode = await cli.main(argv, host);
} catch (e) {
  if (large === null || !(e instanceof cli.RunElsewhere)) throw e;
  process.exitCode = await relaunch(large.flags);
}

/**
 * This command again, in a node given `flags` too; answers its exit code. A signal sent
 * to the whole process group (a terminal's Ctrl-C, a job's cancellation) reaches both
 * processes: this one waits for the child's answer and passes the signal on only if the
 * child has not ended `PASS_ON_MS` later (then it was sent to this process alone), so the
 * child stops once, cleanly (a run looks at signals between chunks of events, a second
 * or so apart when cold; a second signal would stop it at once, its message unsaid). A
 * child ended by another signal (an abort) answers 128 + its number, as a shell does.
 */
async function relaunch(flags) {
  // Loaded here, not at the top: node:child_process costs every other command ~60 M instructions to load.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...argv], { stdio: 'inherit' });
    const passOn = (signal) => setTimeout(() => child.kill(signal), PASS_ON_MS).unref();
    for (const s of PASSED_ON) process.on(s, passOn);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const s of PASSED_ON) process.off(s, passOn);
      if (signal !== null && PASSED_ON.includes(signal)) process.kill(process.pid, signal);
      else resolve(signal !== null ? 128 + constants.signals[signal] : (code ?? 1));
    });
  });
}
