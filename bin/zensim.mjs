#!/usr/bin/env node
// zensim command-line entry: runs the precompiled CLI (dist/, built by npm's install
// step), rebuilding it first if the sources changed since (bin/build.mjs: a stale
// build never runs). Where dist/ cannot be written (a read-only install), it runs the
// TypeScript sources through tsx instead: slower to start, same results.
import { setFlagsFromString } from 'node:v8';
import { freshDist } from './build.mjs';

// V8's optimizing compiler inlines at most 200 bytes of bytecode into a function, not 920:
// its background compilations of a short run's many small functions took as much CPU as
// the run itself (10-target herd: 940 -> 670 ms of CPU, the main thread's share unchanged;
// the 100,000-target herd: ~5% less CPU, main thread within noise). Set before any code is
// optimized; a value given on node's own command line is kept. What the simulation
// computes does not depend on it.
const INLINE_FLAG = '--max-inlined-bytecode-size-cumulative';
if (!process.execArgv.some((a) => a.startsWith(INLINE_FLAG) || a.startsWith('--max_inlined_bytecode_size_cumulative'))) setFlagsFromString(`${INLINE_FLAG}=200`);

const dist = await freshDist();
let cli;
if (dist !== null) {
  cli = await import(new URL('../dist/cli.js', import.meta.url).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../sim/cli.ts');
}
process.exitCode = await cli.main(process.argv.slice(2));
