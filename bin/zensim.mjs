#!/usr/bin/env node
// zensim command-line entry: runs the precompiled CLI (dist/, built by npm's install
// step), rebuilding it first if the sources changed since (bin/build.mjs: a stale
// build never runs). Where dist/ cannot be written (a read-only install), it runs the
// TypeScript sources through tsx instead: slower to start, same results. A `zensim run`
// estimated to be large is started again in a node given V8 settings that only node's
// command line can set (bin/v8.mjs, largeRunRelaunch), before its work: same results.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freshDist } from './build.mjs';
import { largeRunRelaunch, tuneV8 } from './v8.mjs';

tuneV8();

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
const host =
  large === null
    ? {}
    : {
        onFootprint: (bytes) => {
          if (bytes >= large.minBytes) throw new cli.RunElsewhere(bytes);
        },
      };
try {
  process.exitCode = await cli.main(argv, host);
} catch (e) {
  if (large === null || !(e instanceof cli.RunElsewhere)) throw e;
  process.exitCode = await relaunch(large.flags);
}

/**
 * This command again, in a node given `flags` too; answers its exit code. A terminal's
 * Ctrl-C reaches both processes: this one waits for the child's answer, and passes an
 * interrupt on only if the child has not ended a second later (it was sent to this
 * process alone). A termination or hang-up is passed on at once. A child ended by a
 * signal ends this process by the same signal.
 */
function relaunch(flags) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...argv], { stdio: 'inherit' });
    const onInterrupt = () => setTimeout(() => child.kill('SIGINT'), 1000).unref();
    const passOn = (signal) => child.kill(signal);
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', passOn);
    process.on('SIGHUP', passOn);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', passOn);
      process.off('SIGHUP', passOn);
      if (signal !== null) process.kill(process.pid, signal);
      else resolve(code ?? 1);
    });
  });
}
