// The zensim command line: `parseCommand(argv)` (a plain `zensim run` by the quick path,
// cli_quick.ts; anything else by yargs, cli_parse.ts, loaded then) and a `main()` that
// only wires parsed commands to the library. Bad input ends with one line naming the
// problem and exit code 2 (a flag without its value, a single-valued
// flag given twice, a value out of range, a scenario that throws); nothing half-written
// is left behind, also when the run is interrupted (SIGINT, SIGTERM: temporaries removed,
// exit 130 or 143). `--json -` puts only the result document on stdout (the summary goes
// to stderr); a reader that closes the pipe early (`| head`) ends the command quietly.
// The wall clock is read here only, for `wallMs` and progress (wall-clock: ok).
import { quickRunCommand, type Command, type RunCommand } from './cli_quick.js';
import { checkWritable, discardPending, PendingFile, writeAtomic } from './report/output.js';
import { commandLine, InputError, setFlags } from './run/params.js';
import { PerfettoRecorder } from './report/perfetto.js';
import type { PlanHooks } from './plan/pool.js';
import { prepareRun, runSteps, type ResultDoc, type RunOptions } from './run/runner.js';
import { loadScenario } from './run/load.js';
import type { Scenario } from './run/scenario.js';
import { summaryTable } from './run/summary.js';
import { compileTimeNotes, scenarioHelp } from './run/help.js';
import { warmUp } from './run/warm_up.js';

export type { Command, PrintCommand, RunCommand } from './cli_quick.js';

/** The command `argv` names; throws InputError with one line on bad input. */
export async function parseCommand(argv: string[]): Promise<Command> {
  return quickRunCommand(argv) ?? (await import('./cli_parse.js')).parseArgs(argv);
}

let pipesGuarded = false;

/**
 * A reader that closed our stdout or stderr (`zensim … | head`) ends the command quietly.
 * Set up before the first write (`stdout()`, `stderr()`), not at the start: making either
 * stream loads node's stream modules, and a pipe's or a terminal's `net` too, which a
 * quiet run that writes nothing does not need: its 10-target command with stderr a pipe
 * 1.962, 1.967 -> 1.941, 1.945 G instructions (a file: within noise).
 */
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

/** process.stdout, guarded against a closed pipe. */
function stdout(): NodeJS.WriteStream {
  guardPipes();
  return process.stdout;
}

/** process.stderr, guarded against a closed pipe. */
function stderr(): NodeJS.WriteStream {
  guardPipes();
  return process.stderr;
}

/**
 * What the process running the CLI provides (bin/zensim.mjs). `onFootprint`: told a
 * run's estimated peak memory before its work (RunOptions); it may throw `RunElsewhere`
 * to have the run started again in another process, which `main` then throws.
 * `workerPool`: told as a plan's worker threads start, and when they have ended;
 * `largeRuns`: where a plan's large runs go (PlanHooks).
 */
export type CliHost = Pick<RunOptions, 'onFootprint'> & Pick<PlanHooks, 'workerPool' | 'largeRuns'>;

export { RunElsewhere } from './run/footprint.js';

export async function main(argv: string[], host: CliHost = {}): Promise<number> {
  try {
    const cmd = await parseCommand(argv);
    // The other commands write through their own modules: guarded from their start.
    if (cmd.kind !== 'run') guardPipes();
    if (cmd.kind === 'print') {
      const extra = cmd.scenario !== undefined ? `\n${scenarioHelp(await loadScenario(cmd.scenario))}\n` : '';
      stdout().write(`${cmd.text}\n${extra}`);
      return 0;
    }
    // plan, merge and check are loaded when they run: a `zensim run` does not load them.
    if (cmd.kind === 'plan') return await (await import('./plan/command.js')).runPlanCommand(cmd, host);
    if (cmd.kind === 'merge') return await (await import('./plan/command.js')).runMergeCommand(cmd);
    if (cmd.kind === 'check') return await (await import('./check/command.js')).runCheckCommand(cmd);
    return await runCommand(cmd, host);
  } catch (e) {
    if (e instanceof InputError) {
      stderr().write(`zensim: ${e.message}\n`);
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
    if (!cmd.quiet) stderr().write(s);
  };
  try {
    return await withSignals(async (signalled) => {
      const doc = await simulate(cmd, sc, say, signalled, host);
      await writeOutputs(cmd, doc);
      // With the document on stdout, the summary goes to stderr.
      if (!cmd.quiet) (cmd.json === '-' ? stderr() : stdout()).write(`${summaryTable(doc)}\n`);
      return 0;
    });
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    stderr().write('\nzensim: interrupted; no output file written\n');
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
  const tty = !cmd.quiet && stderr().isTTY === true; // a quiet run shows no progress
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
      ...(perfetto !== undefined ? { attach: perfetto.attach.bind(perfetto) } : { reuseProcs: true }),
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
    if (cmd.json === '-') stdout().write(json);
    else writeAtomic(cmd.json, json);
  }
  if (cmd.report !== undefined) {
    const { renderReport } = await import('./report/html.js');
    writeAtomic(cmd.report, renderReport(doc));
  }
}
