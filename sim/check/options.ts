// `zensim check`'s command line: its options and the command they parse to, apart from
// the check itself (command.ts), which the CLI loads only when it runs one: a `zensim
// run` does not load the checker, fast-check or the ExUnit export.
import type { Argv } from 'yargs';
import { withSettings } from './schedule.js';
import { PROPERTY_NAMES, type PropertyName } from './verdict.js';
import { outputName } from '../report/output.js';
import { InputError, integerFlag, keyValuePairs, settingValue } from '../run/params.js';

export type CheckCommand = {
  kind: 'check';
  runs: number;
  seed: number;
  property?: PropertyName;
  zen: [string, unknown][];
  /** Schedule generation: faults and flushes racing the Dispatcher (both on by default). */
  arb: { faults: boolean; racing: boolean };
  replay?: { file: string } | { inline: string };
  trace?: string;
  /** Write the schedule (a replay's, or each failing property's minimal one) as an ExUnit test. */
  exportExunit?: string;
  quiet: boolean;
  /** Exit 0 when the only failures are documented findings. */
  allowKnown: boolean;
  shrink: boolean;
  bail: boolean;
};

export function checkOptions<T>(y: Argv<T>) {
  return y
    .option('runs', { type: 'string', describe: 'random schedules to try (default 100)' })
    .option('seed', { type: 'string', describe: 'fast-check seed: same seed, same schedules, same verdicts (default 1)' })
    .option('property', { type: 'string', describe: `check one property: ${PROPERTY_NAMES.join(', ')}` })
    .option('set', { type: 'string', array: true, describe: "your ZenMonitor settings, zen.<key>=value (e.g. zen.demand_amount=500): they replace the generated ones (with --replay, the file's); repeatable" })
    .option('faults', { type: 'boolean', default: true, describe: 'generate faults (crashes, partitions, latency, ZenMonitor stops); --no-faults checks a healthy cluster' })
    .option('racing', { type: 'boolean', default: true, describe: 'generate demonitor(ref, [:flush]) calls that race the Dispatcher by a few µs; --no-racing leaves them out' })
    .option('allow-known', { type: 'boolean', default: false, describe: 'exit 0 when the only failures are documented findings (docs/findings.md): for a CI gate' })
    .option('shrink', { type: 'boolean', default: true, describe: 'shrink each failure to a minimal schedule; --no-shrink reports the first failing schedule as it is' })
    .option('bail', { type: 'boolean', default: false, describe: 'stop at the first run with a new failure or a crash' })
    .option('replay', { type: 'string', describe: 'run exactly the schedule in FILE (written by a failing check) and check it' })
    .option('replay-inline', { type: 'string', describe: 'as --replay, the schedule given inline (base64url JSON, printed by a failing check)' })
    .option('trace', { type: 'string', describe: 'with --replay: write every executed event, one JSON object per line, to FILE' })
    .option('export-exunit', { type: 'string', describe: "write the schedule (with --replay) or each failing property's minimal schedule as an ExUnit test, OUT.exs, to run on real BEAM nodes (mix test OUT.exs)" })
    .option('quiet', { type: 'boolean', default: false, describe: "print nothing but failures (the failing properties, crashes, their examples and the closing result line) and errors; nothing when every property holds" });
}


/** fast-check seeds are 32-bit; a run count beyond this is not a check anyone waits for. */
const MAX_SEED = 2 ** 31 - 1;
const MAX_RUNS = 10_000_000;

export function checkCommand(args: Record<string, unknown>): CheckCommand {
  const runs = integerFlag(args.runs, '--runs', 100, 1, MAX_RUNS);
  const seed = integerFlag(args.seed, '--seed', 1, 0, MAX_SEED);
  const flag = (k: string) => args[k] !== false && args[k] !== undefined;
  const cmd: CheckCommand = {
    kind: 'check',
    runs,
    seed,
    zen: [],
    arb: { faults: flag('faults'), racing: flag('racing') },
    quiet: flag('quiet'),
    allowKnown: flag('allow-known'),
    shrink: flag('shrink'),
    bail: flag('bail'),
  };
  const property = args.property;
  if (property !== undefined) {
    if (!(PROPERTY_NAMES as readonly string[]).includes(String(property))) throw new InputError(`unknown property '${String(property)}' (known: ${PROPERTY_NAMES.join(', ')})`);
    cmd.property = property as PropertyName;
  }
  for (const [key, value] of keyValuePairs(args.set, '--set', 'zen.<key>=value')) {
    if (!key.startsWith('zen.')) throw new InputError(`--set ${key}: zensim check takes ZenMonitor settings only (zen.<key>=value)`);
    cmd.zen.push([key.slice(4), settingValue(value)]);
  }
  withSettings({ version: 1, seed: 0, nodes: [], zen: {}, procs: [], steps: [], faultsEndMs: 0 }, cmd.zen);
  const file = args.replay;
  const inline = args['replay-inline'];
  if (file !== undefined && inline !== undefined) throw new InputError('give --replay FILE or --replay-inline DATA, not both');
  if (file !== undefined) cmd.replay = { file: String(file) };
  else if (inline !== undefined) cmd.replay = { inline: String(inline) };
  const trace = args.trace;
  if (trace !== undefined) {
    if (cmd.replay === undefined) throw new InputError('--trace needs --replay (the trace of one schedule)');
    cmd.trace = outputName(trace, '--trace', 'file');
  }
  const exunit = args['export-exunit'];
  if (exunit !== undefined) {
    const name = outputName(exunit, '--export-exunit', 'file');
    if (!name.endsWith('.exs')) throw new InputError(`--export-exunit takes a file name ending in .exs, got '${name}'`);
    cmd.exportExunit = name;
  }
  return cmd;
}
