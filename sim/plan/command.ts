// The plan layer (sim/plan): the sweep and its jobs (sweep.ts), constraints
// (constraints.ts), the analysis and recommendation (recommend.ts), the report
// (report.ts), running jobs on worker threads (pool.ts, worker.ts) and the commands
// with their options (options.ts, this file). It may import report/, run/, zen/, beam/,
// engine/ and core/; never check/ or the CLI.
//
// The `zensim plan` and `zensim merge` driver: the checks made before any work (every
// `--vary` and `--set` value through the same code as `zensim run --set`, every point
// through the scenario's own checks, constraints against the nodes and modes each point
// runs, the run budget), the output directory (`sweep.json`, `results.jsonl`, the
// report), resume (jobs already in results.jsonl are skipped, a partly written last line
// is dropped), shards, and merging shard directories. The jobs themselves run in pool.ts.
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, truncateSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { checkWritable, discardPending, makeDirs, writeAtomic } from '../report/output.js';
import { InputError, resolveParams } from '../run/params.js';
import { sha256Hex } from '../run/digest.js';
import { checkAxes, type Job, type JobResult, parseResults, type Point, pointText, runCount, runSettings, type Shard, shardJobs, SWEEP_VERSION, type SweepDef, sweepDifference, sweepJobs, sweepPoints } from './sweep.js';
import { planPlots, planSummary, renderHtml, renderMarkdown } from './report.js';
import { loadScenario } from '../run/load.js';
import { prepareRun, splitOverrides, type Prepared } from '../run/runner.js';
import type { Mode, Scenario } from '../run/scenario.js';
import { checkPathNodes, constraintMode, parseConstraint } from './constraints.js';
import { isSettingKey, type PlanData, planData } from './recommend.js';
import { execute, type PlanHooks } from './pool.js';
import type { MergeCommand, PlanCommand } from './options.js';

// ---- checks before any work ---------------------------------------------------------------

function settingsError(e: unknown, flag: '--set' | '--vary', key: string): never {
  if (!(e instanceof InputError)) throw e;
  const m = e.message;
  if (m.includes('--set')) throw new InputError(m.replace(/--set\b/g, flag));
  throw new InputError(key === '' ? `${flag}: ${m}` : `${flag} ${key}: ${m}`);
}

/** Checks overrides with the code `zensim run --set` uses. */
function checkSettings(sc: Scenario, set: readonly (readonly [string, string])[], flag: '--set' | '--vary', key: string): void {
  try {
    const o = splitOverrides(set);
    resolveParams(sc.params, o.params);
  } catch (e) {
    settingsError(e, flag, key);
  }
}

/** Every check that can be made before a run starts; one line on failure. */
export function checkSweep(sc: Scenario, sweep: SweepDef, shard: Shard | undefined, maxPoints: number): void {
  checkAxes(sweep.vary, sweep.set);
  if (sweep.set.length > 0) checkSettings(sc, sweep.set, '--set', '');
  for (const axis of sweep.vary) for (const v of axis.values) checkSettings(sc, [...sweep.set, [axis.key, v]], '--vary', axis.key);
  const total = runCount(sweep);
  if (total === 0) throw new InputError('empty sweep: nothing to run');
  const mine = shard === undefined ? total : shardSize(total, shard);
  if (mine > maxPoints) {
    throw new InputError(`this sweep has ${total} runs${shard !== undefined ? ` (${mine} in shard ${shard.i}/${shard.n})` : ''}; --max-points is ${maxPoints}`);
  }
  const points = sweepPoints(sweep).map((p) => pointRuns(sc, sweep, p));
  // Without a zen run, ZenMonitor's settings change nothing: a sweep over them is no choice.
  const zenAxis = sweep.vary.find((a) => isSettingKey(a.key));
  if (zenAxis !== undefined && !points.some((x) => x.modes.includes('zen'))) {
    throw new InputError(`--vary ${zenAxis.key}: no point of this sweep runs zen (mode=vanilla), so ZenMonitor settings have no effect`);
  }
  const constraints = sweep.constraints.map(parseConstraint);
  for (const { p, mode, modes, nodes } of points) {
    for (const c of constraints) {
      if (constraintMode(c, modes) === undefined) {
        const hint = c.mode === null ? '; an unprefixed constraint is read in the zen run (prefix vanilla: to read the other)' : '';
        throw new InputError(`constraint '${c.text}': point ${pointText(p)} does not run ${c.mode ?? 'zen'} (mode=${mode})${hint}`);
      }
      checkPathNodes(c.metric, nodes, `constraint '${c.text}'`);
    }
  }
}

/**
 * Every check a run of point `p` makes before it starts (its settings together, the
 * scenario's own cross-checks, its cluster), so that no run of the sweep fails on them;
 * the modes it runs and its nodes.
 */
function pointRuns(sc: Scenario, sweep: SweepDef, p: Point): { p: Point; mode: string; modes: Mode[]; nodes: string[] } {
  let run: Prepared;
  try {
    run = prepareRun(sc, { set: runSettings(sweep, p) });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(`point ${pointText(p)}: ${e.message}`);
  }
  const mode = String(run.params.mode);
  const modes: Mode[] = mode === 'both' ? ['vanilla', 'zen'] : [mode as Mode];
  return { p, mode, modes, nodes: run.cluster.nodes.map((n) => n.name) };
}

function shardSize(total: number, s: Shard): number {
  return s.i - 1 >= total ? 0 : Math.floor((total - s.i) / s.n) + 1;
}

// ---- the output directory -----------------------------------------------------------------

const SWEEP_FILE = 'sweep.json';
const RESULTS_FILE = 'results.jsonl';

function readSweep(dir: string): SweepDef | undefined {
  const f = join(dir, SWEEP_FILE);
  if (!existsSync(f)) return undefined;
  try {
    const s = JSON.parse(readFileSync(f, 'utf8')) as SweepDef;
    if (s.version !== SWEEP_VERSION || !Array.isArray(s.vary) || !Array.isArray(s.set)) throw new Error('bad');
    return s;
  } catch {
    throw new InputError(`${f} is not a zensim sweep definition`);
  }
}

/**
 * Creates `dir` or checks it holds the same sweep; one line when it holds another.
 * Returns the outermost directory it made (undefined: `dir` was there).
 */
function openDir(dir: string, sweep: SweepDef, flag: string): string | undefined {
  let made: string | undefined;
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new InputError(`${flag} ${dir}: not a directory`);
    const old = readSweep(dir);
    if (old !== undefined) {
      const diff = sweepDifference(old, sweep);
      if (diff !== undefined) {
        throw new InputError(`${dir} holds a different sweep (its ${diff} differs); use another ${flag} or remove the directory`);
      }
    } else if (readdirSync(dir).length > 0) throw new InputError(`${flag} ${dir}: the directory exists and holds no ${SWEEP_FILE} (not a plan directory)`);
  } else {
    try {
      made = makeDirs(dir);
    } catch {
      throw new InputError(`${flag} ${dir}: cannot create the directory`);
    }
  }
  checkWritable(join(dir, RESULTS_FILE), flag);
  return made;
}

/** The results in `dir` for this sweep; a partly written last line is cut off the file. */
function loadResults(dir: string, jobsById: ReadonlyMap<string, Job>, say: (s: string) => void, repair: boolean): Map<string, JobResult> {
  const f = join(dir, RESULTS_FILE);
  if (!existsSync(f)) return new Map();
  const text = readFileSync(f, 'utf8');
  const r = parseResults(text, jobsById);
  const bytes = Buffer.byteLength(text);
  if (r.validBytes < bytes) {
    say(`  ${f}: ignoring a partly written last line\n`);
    if (repair) truncateSync(f, r.validBytes);
  }
  if (r.bad > 0) say(`  ${f}: ignoring ${r.bad} unreadable line${r.bad === 1 ? '' : 's'}\n`);
  if (r.foreign > 0) say(`  ${f}: ignoring ${r.foreign} line${r.foreign === 1 ? '' : 's'} of jobs not in this sweep\n`);
  return r.results;
}

/** Writes report.md, report.html, report.json and plots/*.svg (stale plots removed). */
export function writeReport(dir: string, data: PlanData): void {
  const plotsDir = join(dir, 'plots');
  makeDirs(plotsDir);
  const plots = planPlots(data);
  const keep = new Set(plots.map((p) => p.file));
  for (const f of readdirSync(plotsDir)) if (f.endsWith('.svg') && !keep.has(f)) rmSync(join(plotsDir, f), { force: true });
  for (const p of plots) writeAtomic(join(plotsDir, p.file), `${p.svg}\n`);
  writeAtomic(join(dir, 'report.json'), `${JSON.stringify(data, null, 1)}\n`);
  writeAtomic(join(dir, 'report.md'), renderMarkdown(data));
  writeAtomic(join(dir, 'report.html'), renderHtml(data));
}

// ---- running ------------------------------------------------------------------------------


export type PlanOutcome = {
  status: 'complete' | 'shard-done' | 'interrupted' | 'incomplete';
  dir: string;
  /** Jobs run in this session, and skipped because their results were there. */
  ran: number;
  skipped: number;
  /** Worker threads used (0: none, no job was left to run). */
  workers: number;
  data?: PlanData;
};

/** The scenario path as it is recorded (and hashed into job ids): normalised, forward slashes. */
function scenarioPath(file: string): string {
  return posix.normalize(file.replaceAll('\\', '/'));
}

export async function runPlan(cmd: PlanCommand, hooks: PlanHooks = {}): Promise<PlanOutcome> {
  const err = hooks.err ?? ((s: string) => void (cmd.quiet ? undefined : process.stderr.write(s)));
  const out = hooks.out ?? ((s: string) => void (cmd.quiet ? undefined : process.stdout.write(s)));
  const sc = await loadScenario(cmd.scenario);
  const sweep: SweepDef = {
    version: SWEEP_VERSION,
    scenario: scenarioPath(cmd.scenario),
    scenarioName: sc.name,
    scenarioSha256: sha256Hex(readFileSync(resolve(cmd.scenario))),
    vary: cmd.vary,
    set: cmd.set,
    seeds: cmd.seeds,
    seedBase: cmd.seedBase,
    constraints: cmd.constraints,
    ...(cmd.allowMissing ? { allowMissing: true } : {}),
  };
  checkSweep(sc, sweep, cmd.shard, cmd.maxPoints);
  const dir = cmd.out ?? (cmd.shard !== undefined ? `plan-${sc.name}-shard-${cmd.shard.i}-of-${cmd.shard.n}` : `plan-${sc.name}`);
  const made = openDir(dir, sweep, '--out');
  const jobs = sweepJobs(sweep);
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const done = loadResults(dir, byId, err, true);
  const mine = shardJobs(jobs, cmd.shard);
  const todo = mine.filter((j) => !done.has(j.id));
  writeAtomic(join(dir, SWEEP_FILE), `${JSON.stringify(sweep, null, 2)}\n`);

  const points = sweepPoints(sweep);
  // `--jobs 1` too runs on a worker thread: a worker's isolate starts with the pool's first
  // old-generation limit (bin/v8.mjs workerOldSpaceMiB), which this thread's, started
  // before, cannot be given. In this thread the 100k sweep's 8 runs took ~15% more CPU
  // (full collections a 128 MiB start does not make), for a worker's start of ~65 ms.
  const nWorkers = todo.length === 0 ? 0 : Math.min(cmd.jobs ?? availableParallelism(), todo.length);
  err(
    `zensim plan ${sweep.scenario}: ${points.length} point${points.length === 1 ? '' : 's'} × ${sweep.seeds} seed${sweep.seeds === 1 ? '' : 's'} = ${jobs.length} runs${
      cmd.shard !== undefined ? `; shard ${cmd.shard.i}/${cmd.shard.n}: ${mine.length}` : ''
    }; ${mine.length - todo.length} done, ${todo.length} to run${todo.length > 0 ? ` on ${nWorkers} worker thread${nWorkers === 1 ? '' : 's'}` : ''} → ${dir}\n`,
  );
  const file = join(dir, RESULTS_FILE);
  const status = await execute(
    todo.map((job) => ({ job, point: points[job.point] as Point })),
    { scenario: resolve(cmd.scenario), set: sweep.set, workers: nWorkers, file, hooks, err },
  ).catch((e: unknown) => {
    // A run refused as bad input (the scenario's own mistake) before any result: the
    // directory this sweep made holds nothing of use, and goes.
    if (made !== undefined && e instanceof InputError && !(existsSync(file) && statSync(file).size > 0)) rmSync(made, { recursive: true, force: true });
    throw e;
  });
  const ran = status.finished;
  const base = { dir, ran, skipped: mine.length - todo.length, workers: nWorkers };
  if (status.interrupted) {
    err(`interrupted: ${mine.length - todo.length + ran} of ${mine.length} runs have results in ${file}; run the same command again to resume\n`);
    return { status: 'interrupted', ...base };
  }
  if (cmd.shard !== undefined) {
    out(`shard ${cmd.shard.i}/${cmd.shard.n}: ${mine.length} runs done in ${dir}; combine the shards with: npx zensim merge <shard dirs…> --out <dir>\n`);
    return { status: 'shard-done', ...base };
  }
  // The report comes from the files alone, like a merge's.
  const data = planData(sweep, [...loadResults(dir, byId, err, false).values()].sort((a, b) => a.job - b.job));
  writeReport(dir, data);
  out(`${planSummary(data)}\nreport: ${join(dir, 'report.md')}, ${join(dir, 'report.html')}\n`);
  return { status: data.complete ? 'complete' : 'incomplete', ...base, data };
}

// ---- merge --------------------------------------------------------------------------------

/** Combines shard directories of one sweep into `out`: the union of their results, and the report. */
export async function runMerge(cmd: MergeCommand, hooks: PlanHooks = {}): Promise<PlanOutcome> {
  const err = hooks.err ?? ((s: string) => void (cmd.quiet ? undefined : process.stderr.write(s)));
  const out = hooks.out ?? ((s: string) => void (cmd.quiet ? undefined : process.stdout.write(s)));
  for (const d of cmd.dirs) if (!existsSync(d) || !statSync(d).isDirectory()) throw new InputError(`merge: ${d} is not a directory`);
  // Writing the merge into a shard would turn that shard into it.
  if (existsSync(cmd.out) && cmd.dirs.some((d) => realpathSync(d) === realpathSync(cmd.out))) {
    throw new InputError(`merge: --out ${cmd.out} is one of the directories merged; write the merged sweep to another directory`);
  }
  const sweeps = cmd.dirs.map((d) => {
    const s = readSweep(d);
    if (s === undefined) throw new InputError(`merge: ${d} holds no ${SWEEP_FILE} (not a plan directory)`);
    return s;
  });
  const first = sweeps[0] as SweepDef;
  sweeps.forEach((s, i) => {
    const diff = sweepDifference(first, s);
    if (diff !== undefined) throw new InputError(`merge: ${cmd.dirs[i]} holds a different sweep than ${cmd.dirs[0]} (its ${diff} differs)`);
  });
  let constraints = cmd.constraints;
  if (constraints === undefined) {
    const differ = sweeps.findIndex((s) => JSON.stringify(s.constraints) !== JSON.stringify(first.constraints));
    if (differ >= 0) throw new InputError(`merge: ${cmd.dirs[differ]} and ${cmd.dirs[0]} have different --constraint lists; give --constraint to merge`);
    constraints = [...first.constraints];
  }
  const allowMissing = cmd.allowMissing ?? sweeps.every((s) => s.allowMissing === true);
  const { allowMissing: _shards, ...base } = first;
  const sweep: SweepDef = { ...base, constraints, ...(allowMissing ? { allowMissing: true } : {}) };
  const jobs = sweepJobs(sweep);
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const all = new Map<string, JobResult>();
  cmd.dirs.forEach((d) => {
    for (const [id, r] of loadResults(d, byId, err, false)) {
      const had = all.get(id);
      if (had === undefined) all.set(id, r);
      else if (had.traceHash !== r.traceHash) err(`warning: run ${r.job + 1} (seed ${r.seed}) differs between shards (traceHash ${had.traceHash} vs ${r.traceHash} in ${d}); keeping the first\n`);
    }
  });
  checkMergedConstraints(sweep, all);
  openDir(cmd.out, sweep, '--out');
  const sorted = [...all.values()].sort((a, b) => a.job - b.job);
  writeAtomic(join(cmd.out, SWEEP_FILE), `${JSON.stringify(sweep, null, 2)}\n`);
  writeAtomic(join(cmd.out, RESULTS_FILE), sorted.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const data = planData(sweep, [...loadResults(cmd.out, byId, err, false).values()].sort((a, b) => a.job - b.job));
  writeReport(cmd.out, data);
  if (!data.complete) {
    const missing = jobs.filter((j) => !all.has(j.id));
    const m = missing[0] as Job;
    err(`merge: incomplete: ${missing.length} of ${jobs.length} runs have no result (the first: run ${m.index + 1}, point ${pointText(sweepPoints(sweep)[m.point] as Point)}, seed ${m.seed}); the report marks the incomplete points\n`);
  }
  out(`merged ${sorted.length} of ${jobs.length} runs from ${cmd.dirs.length} director${cmd.dirs.length === 1 ? 'y' : 'ies'}\n${planSummary(data)}\nreport: ${join(cmd.out, 'report.md')}, ${join(cmd.out, 'report.html')}\n`);
  return { status: data.complete ? 'complete' : 'incomplete', dir: cmd.out, ran: 0, skipped: sorted.length, workers: 0, data };
}

/** Merge has no scenario to ask: constraints are checked against the nodes and modes in the results. */
function checkMergedConstraints(sweep: SweepDef, results: ReadonlyMap<string, JobResult>): void {
  const nodes = [...new Set([...results.values()].flatMap((r) => r.runs.flatMap((x) => Object.keys(x.nodes))))];
  for (const c of sweep.constraints.map(parseConstraint)) {
    if (nodes.length > 0) checkPathNodes(c.metric, nodes, `constraint '${c.text}'`);
    for (const r of results.values()) {
      if (constraintMode(c, r.runs.map((x) => x.mode)) === undefined) throw new InputError(`constraint '${c.text}': run ${r.job + 1} did not run ${c.mode ?? 'zen'}`);
    }
  }
}

// ---- the CLI's entry points ---------------------------------------------------------------

async function withSignals(f: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const ac = new AbortController();
  let count = 0;
  const onSignal = () => {
    count++;
    if (count > 1) {
      discardPending();
      process.exit(130);
    }
    process.stderr.write('\nzensim: interrupting (the finished runs are kept; again to quit at once)\n');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await f(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The exit code of a finished plan or merge: 1 when runs are missing or nothing meets the constraints (the report is written either way). */
function exitCode(r: PlanOutcome): number {
  if (r.status === 'interrupted') return 130;
  if (r.status === 'incomplete' || r.data?.recommendation.kind === 'none') return 1;
  return 0;
}

/**
 * `zensim plan`: exit 0 when done (or the shard is), 1 when nothing meets the constraints, 130 when interrupted.
 * `host`: the process's hooks for a pool of worker threads and its large runs (PlanHooks).
 */
export function runPlanCommand(cmd: PlanCommand, host: Pick<PlanHooks, 'workerPool' | 'largeRuns'> = {}): Promise<number> {
  return withSignals(async (signal) => exitCode(await runPlan(cmd, { ...host, signal })));
}

/** `zensim merge`: exit 0 when the merged sweep is complete, 1 when runs are missing or nothing meets the constraints. */
export async function runMergeCommand(cmd: MergeCommand): Promise<number> {
  return exitCode(await runMerge(cmd));
}
