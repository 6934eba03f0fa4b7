// The command line's quick path: `zensim run <scenario>` with the usual options, each
// word exactly as yargs reads it, parsed without loading yargs (cli_parse.ts). yargs'
// load and its parse of a command line were ~85 M instructions, 4% of a 10-target run's
// whole command (2.018, 2.023 -> 1.928, 1.941 G). Any other form (another command,
// `--help`, `--opt=value`, a flag given twice, an unknown or misplaced word, a value that
// starts with '-') is left to yargs, so what a command line means never depends on which
// path read it (test/sim/cli_quick.test.ts compares the two on generated lines).
import type { CheckCommand } from './check/options.js';
import type { MergeCommand, PlanCommand } from './plan/options.js';
import { outputName } from './report/output.js';
import { InputError, integerFlag, keyValuePairs } from './run/params.js';

export type RunCommand = {
  kind: 'run';
  scenario: string;
  seed: number;
  set: [string, string][];
  json?: string;
  report?: string;
  trace?: string;
  perfetto?: string;
  quiet: boolean;
};
/** Text to print; with `scenario`, that scenario's parameters follow (`run <scenario> --help`). */
export type PrintCommand = { kind: 'print'; text: string; scenario?: string };
export type Command = RunCommand | PlanCommand | MergeCommand | CheckCommand | PrintCommand;

/** `run`'s options that take one value, given at most once each on the quick path. */
const VALUED = new Set(['seed', 'json', 'report', 'trace', 'perfetto']);

/** A value or the scenario as yargs takes it: declared strings, they are kept as written (numbers too). */
const plainWord = (w: string | undefined): w is string => w !== undefined && w !== '' && !w.startsWith('-');
const optionOrEnd = (w: string | undefined): boolean => w === undefined || w.startsWith('--');

/**
 * `argv` as yargs parses it, when it is `run <scenario>` followed by `--quiet`,
 * `--<option> <value>` (each at most once; `--json -` too) and `--set <value>`
 * (repeatable) only; undefined otherwise. Throws InputError as `parseArgs` would for bad
 * values (runCommandOf).
 */
export function quickRunCommand(argv: readonly string[]): RunCommand | undefined {
  if (argv[0] !== 'run' || !plainWord(argv[1])) return undefined;
  const args: Record<string, unknown> = { scenario: argv[1], set: [] as string[], quiet: false };
  const seen = new Set<string>();
  for (let i = 2; i < argv.length; i++) {
    const name = /^--([a-z]+)$/.exec(argv[i] as string)?.[1];
    if (name === undefined || seen.has(name) || !(name === 'quiet' || name === 'set' || VALUED.has(name))) return undefined;
    if (name !== 'set') seen.add(name);
    if (name === 'quiet') {
      args.quiet = true;
      if (!optionOrEnd(argv[i + 1])) return undefined; // `--quiet true`: yargs reads the word as its value
      continue;
    }
    const value = argv[++i];
    // The word after a value must be an option: yargs reads `--set a=1 b=2` as two settings.
    if (!(plainWord(value) || (name === 'json' && value === '-')) || !optionOrEnd(argv[i + 1])) return undefined;
    if (name === 'set') (args.set as string[]).push(value as string);
    else args[name] = value;
  }
  return runCommandOf(args);
}

/** The run command of yargs' parsed `args` (or the quick path's), its values checked. */
export function runCommandOf(args: Record<string, unknown>): RunCommand {
  const seed = integerFlag(args.seed, '--seed', 1, 0, Number.MAX_SAFE_INTEGER);
  const set = keyValuePairs(args.set, '--set');
  const out: RunCommand = { kind: 'run', scenario: args.scenario as string, seed, set, quiet: args.quiet === true };
  const given = (['json', 'report', 'trace', 'perfetto'] as const).filter((k) => typeof args[k] === 'string');
  // Stdout named twice is a clash too (`--json - --trace -`), before `-` is refused where it cannot go.
  const clash = given.find((k, i) => args[k] !== '' && given.findIndex((j) => args[j] === args[k]) !== i);
  if (clash !== undefined) throw new InputError(`--${clash} ${String(args[clash])}: the same ${args[clash] === '-' ? 'output (stdout)' : 'file'} is named by another output option`);
  for (const k of given) out[k] = k === 'json' && args[k] === '-' ? '-' : outputName(args[k], `--${k}`, 'file');
  return out;
}
