// The command line as yargs parses it: every command, `--help` and `--version`, and the
// messages for bad input. Loaded only when the quick path (cli_quick.ts) leaves a command
// line to it, so a plain `zensim run` does not load yargs. A pure `parseArgs(argv)` that
// tests call directly.
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { checkCommand, checkOptions } from './check/options.js';
import { runCommandOf, type Command } from './cli_quick.js';
import { mergeCommand, mergeOptions, planCommand, planOptions } from './plan/options.js';
import { InputError } from './run/params.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The options of the command being parsed: those taking one value may be given once, each with its value. */
type Seen = { single: string[] };

/** Makes every value option of a command require its value (`--seed` alone is refused) and records the single-valued ones. */
function strictValues<T, U>(build: (y: Argv<T>) => Argv<U>, seen: Seen): (y: Argv<T>) => Argv<U> {
  return (y) => {
    const b = build(y);
    const o = (b as unknown as { getOptions(): { string: string[]; number: string[]; boolean: string[]; array: string[] } }).getOptions();
    const positional = new Set(['scenario', 'dirs']);
    const valued = [...o.string, ...o.number].filter((k) => !positional.has(k));
    seen.single = [...valued, ...o.boolean].filter((k) => !o.array.includes(k) && k !== 'help' && k !== 'version');
    skipHelpCache(b);
    return b.requiresArg(valued);
  };
}

type UsageInternals = { getInternalMethods?: () => { getUsageInstance(): { cacheHelpMessage: () => void } } };

/**
 * yargs renders a command's whole help text whenever it runs the command, to show it if
 * an asynchronous handler fails later: a third of the time it takes to parse a command
 * line. Ours has no handlers and fails through `.fail()`, which never shows help, and
 * `--help` renders its text on its own path: the render is skipped (if yargs' internals
 * ever move, it is simply done again).
 */
function skipHelpCache(y: unknown): void {
  const usage = (y as UsageInternals).getInternalMethods?.().getUsageInstance();
  if (usage !== undefined && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

function parser(argv: string[], seen: Seen) {
  return yargs(argv)
    .scriptName('zensim')
    .usage('$0 <command> [options]\n\nDeterministic simulation of BEAM clusters running ZenMonitor.')
    .command('run <scenario>', 'run a scenario file (vanilla ERTS monitors vs ZenMonitor); with --help, also lists its parameters', strictValues(runOptions, seen))
    .command('plan <scenario>', 'sweep settings and cluster sizes over seeds, check constraints, recommend a configuration', strictValues(planOptions, seen))
    .command('merge <dirs..>', 'combine the directories of a sharded plan (--shard i/n) into one report', strictValues(mergeOptions, seen))
    .command('check', "check ZenMonitor's guarantees against random workloads and faults (shrinks failures; --replay runs one schedule)", strictValues(checkOptions, seen))
    .demandCommand(1, 'name a command: run, plan, merge or check')
    .strict()
    .help()
    .alias('help', 'h')
    .version(VERSION)
    .exitProcess(false);
}

function runOptions<T>(y: Argv<T>) {
  return y
    .positional('scenario', { type: 'string', describe: 'scenario file, e.g. scenarios/herd.ts' })
    .option('seed', { type: 'string', describe: 'seed of every random stream (same seed, same traceHash; default 1)' })
    .option('set', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'override: a scenario parameter (targets=200000), zen.<key>, cost.<key> or net.<key>; repeatable (zensim run <scenario> --help lists them)',
    })
    .option('json', { type: 'string', describe: 'write the result document to FILE (- for stdout: the summary then goes to stderr)' })
    .option('report', { type: 'string', describe: 'write a self-contained HTML report to FILE.html' })
    .option('trace', { type: 'string', describe: 'write every executed event, one JSON object per line, to FILE' })
    .option('perfetto', { type: 'string', describe: 'write a Chrome trace-event JSON file for the Perfetto UI' })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' });
}

/** yargs's messages for a missing value, as the one line zensim prints. */
function failureLine(msg: string, argv: readonly string[]): string {
  const m = /^Not enough arguments following: (\S+)/.exec(msg);
  if (m !== null) return `--${m[1]} needs a value`;
  // yargs names an unknown flag twice, as written and camel-cased (`bogus-flag, bogusFlag`),
  // and a stray word (`frob`) the same way as a flag.
  const u = /^Unknown arguments?: (.*)$/.exec(msg.split('\n')[0] as string);
  if (u !== null) {
    const names = (u[1] as string).split(', ');
    const written = names.filter((n) => !(/[A-Z]/.test(n) && names.includes(n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))));
    const flag = (n: string) => (n.length === 1 ? `-${n}` : `--${n}`);
    const isFlag = (n: string) => argv.some((a) => a === flag(n) || a.startsWith(`${flag(n)}=`));
    const parts = written.map((n) => (isFlag(n) ? `unknown option ${flag(n)}` : `unexpected argument '${n}'`));
    return `${parts.join(', ')} (try: zensim --help)`;
  }
  return msg.split('\n')[0] as string;
}

/** Parses the command line; throws InputError with one line on bad input. */
export function parseArgs(argv: string[]): Command {
  let failure: string | undefined;
  let output = '';
  const empty = argv.find((a) => /^--[\w-]+=$/.test(a));
  if (empty !== undefined) throw new InputError(`${empty.slice(0, -1)} needs a value`);
  // yargs reads a lone '-' as a positional; `--json -` means stdout.
  argv = argv.flatMap((a, i) => (a === '-' && argv[i - 1] === '--json' ? [] : a === '--json' && argv[i + 1] === '-' ? ['--json=-'] : [a]));
  const seen: Seen = { single: [] };
  const args = parser(argv, seen)
    .fail((msg, err) => {
      failure = msg ?? err?.message ?? 'bad command line';
    })
    .parse(argv, {}, (_err, _argv, out) => {
      output = out;
    }) as Record<string, unknown>;
  if (failure !== undefined) throw new InputError(failureLine(failure, argv));
  if (output !== '') {
    // `run <scenario> --help` (or plan's): yargs stops before the positionals, so take it from argv.
    const at = argv.findIndex((a) => a === 'run' || a === 'plan');
    const scenario = at === 0 ? argv.slice(1).find((a) => !a.startsWith('-')) : undefined;
    return scenario !== undefined ? { kind: 'print', text: output, scenario } : { kind: 'print', text: output };
  }
  const cmd = (args._ as string[])[0];
  const twice = seen.single.find((k) => Array.isArray(args[k]));
  if (twice !== undefined) throw new InputError(`--${twice} is given more than once (it takes one value)`);
  if (cmd === 'plan') return planCommand(args);
  if (cmd === 'merge') return mergeCommand(args);
  if (cmd === 'check') return checkCommand(args);
  if (cmd !== 'run') throw new InputError(`unknown command '${String(cmd)}' (try: zensim --help)`);
  return runCommandOf(args);
}
