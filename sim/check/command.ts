// The check layer (sim/check): schedules (schedule.ts), their fast-check arbitraries
// (arbitraries.ts), running one on a simulated cluster (run.ts, recorder.ts,
// recovery.ts) and what it observed (observations.ts), the properties (properties.ts,
// world_properties.ts, with the rules they share in facts.ts and the checker's own
// Truncator in oracle.ts), the known findings and their signatures (findings.ts), the
// suite (suite.ts), the ExUnit export (exunit.ts, elixir.ts), the command's options
// (options.ts) and the command (this file). It may import report/, run/, zen/, beam/,
// engine/ and core/; never plan/ or the CLI.
//
// `zensim check`: ZenMonitor's guarantees, and the simulated ERTS's own, checked with
// fast-check against random schedules of workload and faults; every failing class
// shrunk to a minimal schedule, written to a replay file and printed with the one
// command that replays it exactly (and writes its trace); `--replay` runs one schedule;
// `--export-exunit` writes a schedule as an ExUnit test for real BEAM nodes (exunit.ts).
// Exit 0 when every property holds, 1 when one fails (a documented finding included,
// unless --allow-known) or a run crashes, 2 on bad input, 130/143 when interrupted
// (after printing what was found). On a terminal it shows progress.
import { writeExunitExports } from './exunit.js';
import { Facts } from './facts.js';
import { classify } from './findings.js';
import { parseSchedule, scheduleJson, withSettings, type Schedule } from './schedule.js';
import type { CheckCommand } from './options.js';
import { runCheck, replaySchedule, type CheckReport, type FailureClass, type Progress, type ReplayReport } from './suite.js';
import { checkWritable, PendingFile } from '../report/output.js';
import { compileTimeNotes } from '../run/help.js';
import { commandLine, InputError, setFlags } from '../run/params.js';

export { runCheck, replaySchedule } from './suite.js';
export type { CheckOptions, CheckReport, Example, FailureClass, PropertyOutcome, ReplayReport } from './suite.js';

/** Reads the schedule a replay command names; InputError with one line when it cannot. */
export async function loadReplay(r: { file: string } | { inline: string }): Promise<Schedule> {
  if ('file' in r) {
    const { readFileSync, existsSync, statSync } = await import('node:fs');
    if (!existsSync(r.file) || !statSync(r.file).isFile()) throw new InputError(`--replay ${r.file}: no such file`);
    return parseSchedule(readFileSync(r.file, 'utf8'), r.file);
  }
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(r.inline)) throw new InputError('--replay-inline: not base64url (as a failing check prints it)');
  const text = Buffer.from(r.inline, 'base64url').toString('utf8');
  // Valid base64url of something else decodes to bytes no message should echo.
  if (!text.trimStart().startsWith('{')) throw new InputError('--replay-inline: does not decode to a JSON schedule (as a failing check prints it)');
  return parseSchedule(text, '--replay-inline');
}

// ---- running it -------------------------------------------------------------------------------

/** SIGINT/SIGTERM while a check runs: stop where it is, report, exit 130/143; a second signal ends at once. */
class Interrupt {
  signal: NodeJS.Signals | undefined;
  private readonly handlers = new Map<NodeJS.Signals, () => void>();

  constructor() {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const h = () => {
        if (this.signal !== undefined) process.exit(exitCodeOf(sig));
        this.signal = sig;
      };
      this.handlers.set(sig, h);
      process.on(sig, h);
    }
  }

  release(): void {
    for (const [sig, h] of this.handlers) process.off(sig, h);
  }

  get code(): number | undefined {
    return this.signal === undefined ? undefined : exitCodeOf(this.signal);
  }
}

function exitCodeOf(sig: NodeJS.Signals): number {
  return sig === 'SIGINT' ? 130 : 143;
}

/** Lets a pending signal land (the pass is synchronous work between these awaits). */
function yieldToSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve)); // wall-clock: ok (no effect on results: only lets a signal handler run)
}

/** `zensim check`: see the module header for the exit codes. */
export async function runCheckCommand(cmd: CheckCommand): Promise<number> {
  const stop = new Interrupt();
  try {
    return cmd.replay !== undefined ? await replayCommand(cmd, cmd.replay, stop) : await suiteCommand(cmd, stop);
  } finally {
    stop.release();
  }
}

function printer(cmd: CheckCommand) {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  return { out, say: (s: string) => (cmd.quiet ? undefined : out(s)) };
}

async function suiteCommand(cmd: CheckCommand, stop: Interrupt): Promise<number> {
  const { out, say } = printer(cmd);
  // Bad input is one line before any output: the export's path is checked first.
  if (cmd.exportExunit !== undefined) checkWritable(cmd.exportExunit, '--export-exunit');
  say(
    commandLine([
      ...['zensim', 'check', '--runs', String(cmd.runs), '--seed', String(cmd.seed)],
      ...(cmd.property !== undefined ? ['--property', cmd.property] : []),
      ...(cmd.arb.faults ? [] : ['--no-faults']),
      ...(cmd.arb.racing ? [] : ['--no-racing']),
      ...(cmd.shrink ? [] : ['--no-shrink']),
      ...(cmd.bail ? ['--bail'] : []),
      ...setFlags(cmd.zen.map(([k, v]) => [`zen.${k}`, v])),
    ]),
  );
  for (const note of compileTimeNotes(cmd.zen.map(([k]) => `zen.${k}`))) say(`  note: ${note}`);
  const progress = new ProgressLine(!cmd.quiet && process.stderr.isTTY === true);
  const report = await runCheck({
    runs: cmd.runs,
    seed: cmd.seed,
    zen: cmd.zen,
    arb: cmd.arb,
    shrink: cmd.shrink,
    bail: cmd.bail,
    ...(cmd.property !== undefined ? { property: cmd.property } : {}),
    shouldStop: () => stop.signal !== undefined,
    tick: async (p) => {
      progress.show(p);
      await yieldToSignals();
    },
  });
  progress.clear();
  for (const line of reportLines(report, cmd.quiet)) out(line);
  if (cmd.exportExunit !== undefined) exportFailures(cmd, cmd.exportExunit, report, out, say);
  if (stop.code !== undefined) return stop.code;
  return report.clean || (report.ok && cmd.allowKnown) ? 0 : 1;
}

/**
 * The report: per property, runs passed, known failures per finding, new failures; then
 * each class's example; then one closing line. `quiet`: the failures alone (the failing
 * properties' and crashes' lines, their examples, the closing line), with the first line
 * when the check was cut short; nothing when every run completed and every property held.
 */
export function reportLines(r: CheckReport, quiet: boolean): string[] {
  const lines: string[] = [];
  const stopped = r.interrupted ? ` (interrupted after ${r.done})` : r.done < r.runs ? ` (stopped at the first new failure, run ${r.done})` : '';
  if (quiet && r.clean && stopped === '') return lines;
  const crashed = r.crashes.reduce((n, c) => n + c.runs, 0);
  if (!quiet || stopped !== '') lines.push(`  ${r.completed} of ${r.runs} runs completed${stopped}, ${crashed} crashed`);
  const width = Math.max(...r.outcomes.map((o) => o.name.length));
  for (const o of r.outcomes) {
    const known = o.classes.filter((c) => c.kind === 'known');
    const fresh = o.classes.filter((c) => c.kind === 'new');
    if (quiet && o.classes.length === 0) continue;
    const tag = fresh.length > 0 ? 'FAIL ' : known.length > 0 ? 'known' : 'ok   ';
    const parts = [`${o.passed} passed`, ...known.map((c) => `known ${c.findings.map((f) => f.id).join('+')} ×${c.runs} (first at run ${c.firstRun + 1})`), ...fresh.map((c) => `NEW ${c.key.slice(4)} ×${c.runs} (first at run ${c.firstRun + 1})`)];
    lines.push(`  ${tag} ${o.name.padEnd(width)}  ${parts.join(', ')}`);
  }
  for (const c of r.crashes) lines.push(`  CRASH ${c.runs} run(s) threw (first at run ${c.firstRun + 1}): ${c.why}`);
  if (r.proxyMonitorsKept > 0 && !quiet) lines.push(`  note: Proxies kept ${r.proxyMonitorsKept} ERTS monitor(s) on live targets after unsubscribe (documented upstream behaviour; counted, not a failure)`);
  for (const c of [...r.crashes, ...r.outcomes.flatMap((o) => o.classes)]) lines.push('', ...exampleLines(c));
  const known = [...r.knownByFinding].map(([id, n]) => `${id} ${n}`).join(', ');
  const firstCrash = r.crashes.length === 0 ? undefined : Math.min(...r.crashes.map((c) => c.firstRun));
  lines.push(
    '',
    `result: ${r.completed} runs completed, ${crashed} crashed${firstCrash !== undefined ? ` (first at run ${firstCrash + 1})` : ''}, ${r.newRuns} with new failures${r.firstNewRun !== undefined ? ` (first at run ${r.firstNewRun + 1})` : ''}, ${r.knownRuns} with documented findings only${known !== '' ? ` (${known})` : ''}`,
  );
  return lines;
}

/** Each failing property's example (its first new class's, else its first known one's) as an ExUnit test. */
function exportFailures(cmd: CheckCommand, file: string, r: CheckReport, out: (s: string) => void, say: (s: string) => void): void {
  const failed = r.outcomes.flatMap((o) => {
    const c = o.classes.find((x) => x.kind === 'new') ?? o.classes[0];
    return c?.example === undefined ? [] : [{ schedule: c.example.schedule, source: c.example.replayFile ?? `check --seed ${cmd.seed}`, property: o.name }];
  });
  for (const f of writeExunitExports(file, failed)) out(`ExUnit test: ${f}  (${commandLine(['mix', 'test', f])})`);
  if (failed.length === 0) say(`no property failed: no ExUnit test written to ${file}`);
}

function exampleLines(c: FailureClass): string[] {
  const e = c.example;
  const head =
    c.kind === 'crash' ? `CRASH: ${c.why}` : c.kind === 'known' ? `${c.property} fails as documented, ${c.findings.map((f) => `${f.id}: ${f.title} (${f.doc})`).join('; ')}` : `${c.property} FAILS (new): ${c.why}`;
  if (e === undefined) return [head];
  const lines = [head];
  if (c.kind === 'known' || e.why !== c.why) lines.push(`  this example: ${e.why}`);
  lines.push(`${e.minimal ? `minimal schedule (${e.shrinks} shrinks)` : e.shrinks > 0 ? `schedule (shrinking stopped after ${e.shrinks} shrinks)` : 'schedule (not shrunk)'}: ${scheduleJson(e.schedule)}`);
  lines.push(`replay: ${e.command}`);
  if (e.replayFile !== undefined) lines.push(`  (or anywhere: ${commandLine(['npx', 'zensim', 'check', ...(c.property !== undefined ? ['--property', c.property] : []), '--replay-inline', e.inline])})`);
  if (e.writeError !== undefined) lines.push(`note: ${e.writeError}; replay it with the inline form above`);
  return lines;
}

/** Progress on a terminal: one line, rewritten at most every 200 ms of wall time. */
class ProgressLine {
  private last = 0;
  private shown = false;
  private readonly started = performance.now(); // wall-clock: ok (progress display only)

  constructor(private readonly on: boolean) {}

  show(p: Progress): void {
    if (!this.on) return;
    const now = performance.now(); // wall-clock: ok (progress display only)
    if (now - this.last < 200) return;
    this.last = now;
    this.shown = true;
    const text =
      p.phase === 'pass'
        ? `run ${p.done}/${p.of}  new ${p.newRuns}  known ${p.knownRuns}  crashed ${p.crashed}  ETA ${eta(now - this.started, p.done, p.of)}`
        : `shrinking ${p.what ?? ''}: ${p.done} schedules tried`;
    process.stderr.write(`\r\x1b[K  ${text}`);
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
  }
}

function eta(elapsedMs: number, done: number, of: number): string {
  const s = done === 0 ? 0 : Math.round(((of - done) * elapsedMs) / done / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

async function replayCommand(cmd: CheckCommand, source: { file: string } | { inline: string }, stop: Interrupt): Promise<number> {
  const { out, say } = printer(cmd);
  if (cmd.trace !== undefined) checkWritable(cmd.trace, '--trace');
  if (cmd.exportExunit !== undefined) checkWritable(cmd.exportExunit, '--export-exunit');
  const schedule = withSettings(await loadReplay(source), cmd.zen);
  const trace = cmd.trace !== undefined ? new PendingFile(cmd.trace) : undefined;
  const rep = replaySchedule(schedule, {
    ...(cmd.property !== undefined ? { property: cmd.property } : {}),
    ...(trace !== undefined ? { trace: (line: string) => trace.write(`${line}\n`) } : {}),
  });
  await yieldToSignals();
  // A crashed run's trace is whole: every event executed, up to the one that threw.
  if (stop.code !== undefined) trace?.discard();
  else trace?.commit();
  if (rep.crashed) {
    out(`zensim check --replay (${schedule.nodes.length} nodes, ${schedule.steps.length} steps, seed ${schedule.seed})\n  CRASH the run threw: ${rep.why}`);
    if (cmd.trace !== undefined && stop.code === undefined) out(`trace (up to the crash): ${cmd.trace}`);
    return stop.code ?? 1;
  }
  say(`zensim check --replay (${schedule.nodes.length} nodes, ${schedule.steps.length} steps, seed ${schedule.seed})  traceHash ${rep.traceHash}  ${rep.events} events`);
  const onlyKnown = replayLines(rep, out, say);
  if (cmd.trace !== undefined && stop.code === undefined) say(`trace: ${cmd.trace}`);
  if (cmd.exportExunit !== undefined && stop.code === undefined) {
    const from = 'file' in source ? source.file : '--replay-inline';
    for (const f of writeExunitExports(cmd.exportExunit, [{ schedule, source: from, property: cmd.property }])) say(`ExUnit test: ${f}  (${commandLine(['mix', 'test', f])})`);
  }
  if (stop.code !== undefined) return stop.code;
  return rep.ok || (onlyKnown && cmd.allowKnown) ? 0 : 1;
}

/** Prints each property's verdict on the replayed run; true when every failure is a documented finding. */
function replayLines(rep: Extract<ReplayReport, { crashed: false }>, out: (s: string) => void, say: (s: string) => void): boolean {
  const facts = new Facts(rep.observations);
  let onlyKnown = true;
  for (const o of rep.outcomes) {
    const v = o.verdict;
    if (v.ok) {
      say(`  ok    ${o.name}${v.notes.map((n) => `\n        note: ${n}`).join('')}`);
      continue;
    }
    const c = classify(o.name, v, facts);
    if (c.kind === 'known') {
      out(`  known ${o.name}\n        ${v.why}\n        known: documented upstream behaviour, ${c.findings.map((f) => `${f.id}: ${f.title} (${f.doc})`).join('; ')}`);
      continue;
    }
    onlyKnown = false;
    const shown = c.kind === 'new' ? c.violation : v;
    out(`  FAIL  ${o.name}\n        ${shown.why}${v.violations.length > 1 ? `\n        (${v.violations.length} violations in all: ${[...new Set(v.violations.map((x) => x.code))].join(', ')})` : ''}`);
  }
  return onlyKnown;
}
