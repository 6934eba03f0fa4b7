// The zensim command line: a pure `parseArgs(argv)` (yargs) that tests call directly,
// and a `main()` that only wires parsed commands to the library. Bad input ends with
// one line naming the problem and exit code 2 (a flag without its value, a single-valued
// flag given twice, a value out of range, a scenario that throws); nothing half-written
// is left behind, also when the run is interrupted (SIGINT, SIGTERM: temporaries removed,
// exit 130 or 143). `--json -` puts only the result document on stdout (the summary goes
// to stderr); a reader that closes the pipe early (`| head`) ends the command quietly.
// The wall clock is read here only, for `wallMs` and progress (wall-clock: ok).
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { checkCommand, checkOptions, type CheckCommand } from './check/options.js';
import { checkWritable, discardPending, outputName, PendingFile, writeAtomic } from './report/output.js';
import { commandLine, InputError, integerFlag, keyValuePairs, setFlags } from './run/params.js';
import { PerfettoRecorder } from './report/perfetto.js';
import { mergeCommand, mergeOptions, planCommand, planOptions, type MergeCommand, type PlanCommand } from './plan/options.js';
import type { PlanHooks } from './plan/pool.js';
import { prepareRun, runSteps, type ResultDoc, type RunOptions } from './run/runner.js';
import { loadScenario } from './run/load.js';
import type { Scenario } from './run/scenario.js';
import { summaryTable } from './run/summary.js';
import { compileTimeNotes, scenarioHelp } from './run/help.js';
import { warmUp } from './run/warm_up.js';

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

function runCommandOf(args: Record<string, unknown>): RunCommand {
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

let pipesGuarded = false;

/** A reader that closed our stdout or stderr (`zensim … | head`) ends the command quietly. */
function guardPipes(): void {
  if (pipesGuarded) return;
  pipesGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      discardPending();
      process.exit(0);
    });
  }
}

/**
 * What the process running the CLI provides (bin/zensim.mjs). `onFootprint`: told a
 * run's estimated peak memory before its work (RunOptions); it may throw `RunElsewhere`
 * to have the run started again in another process, which `main` then throws.
 * `workerPool`: told as a plan's worker threads start, and when they have ended (PlanHooks).
 */
export type CliHost = Pick<RunOptions, 'onFootprint'> & Pick<PlanHooks, 'workerPool'>;

export { RunElsewhere } from './run/footprint.js';

export async function main(argv: string[], host: CliHost = {}): Promise<number> {
  guardPipes();
  try {
    const cmd = parseArgs(argv);
    if (cmd.kind === 'print') {
      const extra = cmd.scenario !== undefined ? `\n${scenarioHelp(await loadScenario(cmd.scenario))}\n` : '';
      process.stdout.write(`${cmd.text}\n${extra}`);
      return 0;
    }
    // plan, merge and check are loaded when they run: a `zensim run` does not load them.
    if (cmd.kind === 'plan') return await (await import('./plan/command.js')).runPlanCommand(cmd, host.workerPool);
    if (cmd.kind === 'merge') return await (await import('./plan/command.js')).runMergeCommand(cmd);
    if (cmd.kind === 'check') return await (await import('./check/command.js')).runCheckCommand(cmd);
    return await runCommand(cmd, host);
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`zensim: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** Interrupted by a signal: the exit code says which (128 + its number). */
class Interrupted extends Error {
  constructor(readonly code: number) {
    super('interrupted');
  }
}

async function runCommand(cmd: RunCommand, host: CliHost): Promise<number> {
  for (const key of ['json', 'report', 'trace', 'perfetto'] as const) {
    const f = cmd[key];
    if (f !== undefined && !(key === 'json' && f === '-')) checkWritable(f, `--${key}`);
  }
  const sc = await loadScenario(cmd.scenario);
  prepareRun(sc, { seed: cmd.seed, set: cmd.set });
  const say = (s: string) => {
    if (!cmd.quiet) process.stderr.write(s);
  };
  try {
    return await withSignals(async (signalled) => {
      const doc = await simulate(cmd, sc, say, signalled, host);
      await writeOutputs(cmd, doc);
      // With the document on stdout, the summary goes to stderr.
      if (!cmd.quiet) (cmd.json === '-' ? process.stderr : process.stdout).write(`${summaryTable(doc)}\n`);
      return 0;
    });
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    process.stderr.write('\nzensim: interrupted; no output file written\n');
    return e.code;
  }
}

/** The wall clock, ms: node's monotonic clock read directly (the `performance` global loads a module, ~0.4% of a 10-target run's instructions). */
const wallMs = (): number => Number(process.hrtime.bigint()) / 1e6; // wall-clock: ok

/** Runs the scenario, yielding to signals between chunks of events; trace files are written whole or not at all. */
async function simulate(cmd: RunCommand, sc: Scenario, say: (s: string) => void, signalled: () => number, host: CliHost): Promise<ResultDoc> {
  const trace = cmd.trace !== undefined ? new PendingFile(cmd.trace) : undefined;
  const perfettoFile = cmd.perfetto !== undefined ? new PendingFile(cmd.perfetto) : undefined;
  const perfetto = perfettoFile !== undefined ? new PerfettoRecorder(perfettoFile) : undefined;
  warmUp(); // this isolate's first run: V8's feedback sees both modes before it optimizes (sim/run/warm_up.ts)
  const started = wallMs();
  let lastShown = started;
  // The command line (seed and settings: how to replay it) is printed with the first
  // progress line or the summary, so a run refused early prints one line only.
  let echoed = false;
  const echo = () => {
    if (echoed) return;
    say(`${commandLine(['zensim', 'run', cmd.scenario, '--seed', String(cmd.seed), ...setFlags(cmd.set)])}\n`);
    for (const note of compileTimeNotes(cmd.set.map(([k]) => k))) say(`  note: ${note}\n`);
    echoed = true;
  };
  const tty = process.stderr.isTTY === true;
  const progress: NonNullable<RunOptions['onProgress']> = ({ mode, virtualUs, events }) => {
    const now = wallMs();
    if (!progressDue(tty, now - started, now - lastShown)) return;
    lastShown = now;
    echo();
    say(progressLine(tty, mode, virtualUs, Math.round(events / ((now - started) / 1000))));
  };
  try {
    const steps = runSteps(sc, {
      seed: cmd.seed,
      set: cmd.set,
      ...(trace !== undefined ? { trace: (line: string) => trace.write(`${line}\n`) } : {}),
      ...(perfetto !== undefined ? { attach: perfetto.attach.bind(perfetto) } : {}),
      ...(host.onFootprint !== undefined ? { onFootprint: host.onFootprint } : {}),
      // A quiet run shows no progress: nothing to compute (the number format loads ICU's data).
      ...(cmd.quiet ? {} : { onProgress: progress }),
    });
    let step = steps.next();
    while (step.done !== true) {
      await new Promise((r) => setImmediate(r)); // wall-clock: ok (lets signals in between chunks of events)
      if (signalled() !== 0) throw new Interrupted(signalled());
      step = steps.next();
    }
    const doc = step.value;
    if (tty && lastShown !== started) say('\n');
    echo();
    doc.wallMs = Math.round(wallMs() - started);
    trace?.commit();
    perfetto?.finish();
    perfettoFile?.commit();
    return doc;
  } catch (e) {
    trace?.discard();
    perfettoFile?.discard();
    throw e;
  }
}

/**
 * Whether a run's progress is shown now, `sinceStart` and `sinceShown` ms of wall time
 * in: after its first second, then on a terminal 4 times a second (the line is redrawn),
 * in a log (a CI job, a redirect) every 10 s, a line each.
 */
export function progressDue(tty: boolean, sinceStart: number, sinceShown: number): boolean {
  return sinceStart >= 1000 && sinceShown >= (tty ? 250 : 10_000);
}

/** A run's progress: redrawn in place on a terminal, a whole line in a log. */
export function progressLine(tty: boolean, mode: string, virtualUs: number, eventsPerS: number): string {
  const text = `${mode}: virtual ${(virtualUs / 1e6).toFixed(2)} s, ${eventsPerS.toLocaleString('en-US')} events/s`;
  return tty ? `\r  ${text}   ` : `  ${text}\n`;
}

/**
 * Runs `f` with SIGINT and SIGTERM caught: the first asks it to stop (it polls
 * `signalled()`, the exit code to use), a second one removes the temporaries and exits.
 */
async function withSignals<T>(f: (signalled: () => number) => Promise<T>): Promise<T> {
  let code = 0;
  const on = (signal: NodeJS.Signals) => {
    if (code !== 0) {
      discardPending();
      process.exit(code);
    }
    code = signal === 'SIGINT' ? 130 : 143;
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  try {
    return await f(() => code);
  } finally {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  }
}

async function writeOutputs(cmd: RunCommand, doc: ResultDoc): Promise<void> {
  if (cmd.json !== undefined) {
    const json = `${JSON.stringify(doc, null, 2)}\n`;
    if (cmd.json === '-') process.stdout.write(json);
    else writeAtomic(cmd.json, json);
  }
  if (cmd.report !== undefined) {
    const { renderReport } = await import('./report/html.js');
    writeAtomic(cmd.report, renderReport(doc));
  }
}
