// The zensim command line: a pure `parseArgs(argv)` (yargs) that tests call directly,
// and a `main()` that only wires parsed commands to the library. Bad input ends with
// one line naming the problem and exit code 2; nothing half-written is left behind.
// The wall clock is read here only, for `wallMs` and progress (wall-clock: ok).
import yargs from 'yargs';
import { checkCommand, checkOptions, runCheckCommand, type CheckCommand } from './check/command.js';
import { checkWritable, PendingFile, writeAtomic } from './report/output.js';
import { InputError } from './run/params.js';
import { PerfettoRecorder } from './report/perfetto.js';
import { mergeCommand, mergeOptions, planCommand, planOptions, runMergeCommand, runPlanCommand, type MergeCommand, type PlanCommand } from './plan/command.js';
import { prepareRun, runScenario, type ResultDoc } from './run/runner.js';
import { loadScenario } from './run/load.js';
import { summaryTable } from './run/summary.js';

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
export type Command = RunCommand | PlanCommand | MergeCommand | CheckCommand | { kind: 'print'; text: string };

function parser(argv: string[]) {
  return yargs(argv)
    .scriptName('zensim')
    .usage('$0 <command> [options]\n\nDeterministic simulation of BEAM clusters running ZenMonitor.')
    .command('run <scenario>', 'run a scenario file (vanilla ERTS monitors vs ZenMonitor)', (y) =>
      y
        .positional('scenario', { type: 'string', describe: 'scenario file, e.g. scenarios/herd.ts' })
        .option('seed', { type: 'number', default: 1, describe: 'seed of every random stream (same seed, same traceHash)' })
        .option('set', {
          type: 'string',
          array: true,
          default: [],
          describe: 'override: a scenario parameter (targets=200000), zen.<key>, cost.<key> or net.<key>; repeatable',
        })
        .option('json', { type: 'string', describe: 'write the result document to FILE (- for stdout)' })
        .option('report', { type: 'string', describe: 'write a self-contained HTML report to FILE.html' })
        .option('trace', { type: 'string', describe: 'write every executed event, one JSON object per line, to FILE' })
        .option('perfetto', { type: 'string', describe: 'write a Chrome trace-event JSON file for the Perfetto UI' })
        .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' }),
    )
    .command('plan <scenario>', 'sweep settings and cluster sizes over seeds, check constraints, recommend a configuration', planOptions)
    .command('merge <dirs..>', 'combine the directories of a sharded plan (--shard i/n) into one report', mergeOptions)
    .command('check', "check ZenMonitor's guarantees against random workloads and faults (shrinks failures; --replay runs one schedule)", checkOptions)
    .demandCommand(1, 'name a command: run, plan, merge or check')
    .strict()
    .help()
    .version(false)
    .exitProcess(false);
}

/** Parses the command line; throws InputError with one line on bad input. */
export function parseArgs(argv: string[]): Command {
  let failure: string | undefined;
  let output = '';
  // yargs reads a lone '-' as a positional; `--json -` means stdout.
  argv = argv.flatMap((a, i) => (a === '-' && argv[i - 1] === '--json' ? [] : a === '--json' && argv[i + 1] === '-' ? ['--json=-'] : [a]));
  const args = parser(argv)
    .fail((msg, err) => {
      failure = msg ?? err?.message ?? 'bad command line';
    })
    .parse(argv, {}, (_err, _argv, out) => {
      output = out;
    }) as Record<string, unknown>;
  if (failure !== undefined) throw new InputError(failure.split('\n')[0] as string);
  if (output !== '') return { kind: 'print', text: output };
  const cmd = (args._ as string[])[0];
  if (cmd === 'plan') return planCommand(args);
  if (cmd === 'merge') return mergeCommand(args);
  if (cmd === 'check') return checkCommand(args);
  if (cmd !== 'run') throw new InputError(`unknown command '${String(cmd)}' (try: zensim --help)`);
  const seed = args.seed as number;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`--seed must be a non-negative integer, got ${String(seed)}`);
  const set = (args.set as string[]).map((kv): [string, string] => {
    const i = kv.indexOf('=');
    if (i <= 0) throw new InputError(`--set takes key=value, got '${kv}'`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  });
  const out: RunCommand = { kind: 'run', scenario: args.scenario as string, seed, set, quiet: args.quiet === true };
  for (const key of ['json', 'report', 'trace', 'perfetto'] as const) {
    const v = args[key];
    if (typeof v === 'string') {
      if (v === '') throw new InputError(`--${key} needs a file name`);
      out[key] = v;
    }
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const cmd = parseArgs(argv);
    if (cmd.kind === 'print') {
      process.stdout.write(`${cmd.text}\n`);
      return 0;
    }
    if (cmd.kind === 'plan') return await runPlanCommand(cmd);
    if (cmd.kind === 'merge') return await runMergeCommand(cmd);
    if (cmd.kind === 'check') return await runCheckCommand(cmd);
    return await runCommand(cmd);
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`zensim: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

async function runCommand(cmd: RunCommand): Promise<number> {
  for (const key of ['json', 'report', 'trace', 'perfetto'] as const) {
    const f = cmd[key];
    if (f !== undefined && !(key === 'json' && f === '-')) checkWritable(f, `--${key}`);
  }
  const sc = await loadScenario(cmd.scenario);
  prepareRun(sc, { seed: cmd.seed, set: cmd.set });
  const say = (s: string) => {
    if (!cmd.quiet) process.stderr.write(s);
  };
  const trace = cmd.trace !== undefined ? new PendingFile(cmd.trace) : undefined;
  const perfettoFile = cmd.perfetto !== undefined ? new PendingFile(cmd.perfetto) : undefined;
  const perfetto = perfettoFile !== undefined ? new PerfettoRecorder(perfettoFile) : undefined;
  const started = performance.now(); // wall-clock: ok
  let lastShown = started;
  let doc: ResultDoc;
  try {
    say(`zensim run ${cmd.scenario} --seed ${cmd.seed}${cmd.set.map(([k, v]) => ` --set ${k}=${v}`).join('')}\n`);
    doc = runScenario(sc, {
      seed: cmd.seed,
      set: cmd.set,
      ...(trace !== undefined ? { trace: (line: string) => trace.write(`${line}\n`) } : {}),
      ...(perfetto !== undefined ? { attach: perfetto.attach.bind(perfetto) } : {}),
      onProgress: ({ mode, virtualUs, events }) => {
        const now = performance.now(); // wall-clock: ok
        if (now - started < 1000 || now - lastShown < 250) return;
        lastShown = now;
        const rate = Math.round(events / ((now - started) / 1000));
        say(`\r  ${mode}: virtual ${(virtualUs / 1e6).toFixed(2)} s, ${rate.toLocaleString('en-US')} events/s   `);
      },
    });
    if (lastShown !== started) say('\n');
    doc.wallMs = Math.round(performance.now() - started); // wall-clock: ok
    trace?.commit();
    perfetto?.finish();
    perfettoFile?.commit();
  } catch (e) {
    trace?.discard();
    perfettoFile?.discard();
    throw e;
  }
  await writeOutputs(cmd, doc);
  if (!cmd.quiet) process.stdout.write(`${summaryTable(doc)}\n`);
  return 0;
}

async function writeOutputs(cmd: RunCommand, doc: ResultDoc): Promise<void> {
  const json = `${JSON.stringify(doc, null, 2)}\n`;
  if (cmd.json === '-') process.stdout.write(json);
  else if (cmd.json !== undefined) writeAtomic(cmd.json, json);
  if (cmd.report !== undefined) {
    const { renderReport } = await import('./report/html.js');
    writeAtomic(cmd.report, renderReport(doc));
  }
}
