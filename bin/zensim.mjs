#!/usr/bin/env node
// zensim command-line entry: runs the precompiled CLI (dist/, built by npm's install
// step), rebuilding it first if the sources changed since (bin/build.mjs: a stale
// build never runs). Where dist/ cannot be written (a read-only install), it runs the
// TypeScript sources through tsx instead: slower to start, same results.
import { freshDist } from './build.mjs';
import { tuneV8 } from './v8.mjs';

tuneV8();

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
