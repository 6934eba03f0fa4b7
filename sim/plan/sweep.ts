// Capacity planning, the sweep (`zensim plan`, `zensim merge`): the sweep definition
// (`--vary` axes, fixed `--set`, seeds), its jobs with stable ids and shards, the compact
// per-job result line, and the commands that reproduce a point or the whole sweep. No
// I/O and no clock here: the driver (command.ts) reads and writes the files;
// constraints.ts and recommend.ts compute what the report shows from `sweep.json` and
// the result lines alone, sorted by job order, so merged shards give the same report.
import { commandLine, InputError, setFlags } from '../run/params.js';
import { sha256Hex } from '../run/digest.js';
import type { RunResult } from '../run/recorder.js';
import type { ResultDoc } from '../run/runner.js';

// ---- the sweep --------------------------------------------------------------------------

export type VaryAxis = { readonly key: string; readonly values: readonly string[] };

/** `sweep.json`: what identifies a sweep (every field but `constraints`), and its constraints. */
export type SweepDef = {
  readonly version: 1;
  /** The scenario file as given on the command line (normalised, forward slashes). */
  readonly scenario: string;
  readonly scenarioName: string;
  /** sha256 of the scenario file's text: a sweep is not resumed over an edited scenario. */
  readonly scenarioSha256: string;
  readonly vary: readonly VaryAxis[];
  /** Fixed `--set` overrides, applied before each point's settings. */
  readonly set: readonly (readonly [string, string])[];
  readonly seeds: number;
  readonly seedBase: number;
  /** Constraint texts; not part of the sweep's identity (changing them only re-renders). */
  readonly constraints: readonly string[];
  /** Whether a point with DOWNs missing may be recommended (`--allow-missing`); not part of the identity either. */
  readonly allowMissing?: boolean;
};

export const SWEEP_VERSION = 1;

/** The fields that identify a sweep's jobs, in a fixed order (for comparison). */
const IDENTITY: readonly (keyof SweepDef)[] = ['version', 'scenario', 'scenarioName', 'scenarioSha256', 'vary', 'set', 'seeds', 'seedBase'];

/** The first identity field in which two sweeps differ, or undefined when they are the same sweep. */
export function sweepDifference(a: SweepDef, b: SweepDef): string | undefined {
  for (const k of IDENTITY) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return k;
  return undefined;
}

export type Point = { readonly index: number; readonly settings: readonly (readonly [string, string])[] };
export type Job = { readonly index: number; readonly id: string; readonly point: number; readonly seed: number };

/** Runs in the sweep (points × seeds), computed without enumerating them. */
export function runCount(s: Pick<SweepDef, 'vary' | 'seeds'>): number {
  return s.vary.reduce((n, a) => n * a.values.length, 1) * s.seeds;
}

/** The Cartesian product of the axes, the first `--vary` outermost. */
export function sweepPoints(s: Pick<SweepDef, 'vary'>): Point[] {
  let combos: (readonly [string, string])[][] = [[]];
  for (const axis of s.vary) combos = combos.flatMap((c) => axis.values.map((v) => [...c, [axis.key, v] as const]));
  return combos.map((settings, index) => ({ index, settings }));
}

/** Every job in job order: point by point, seeds ascending within a point. */
export function sweepJobs(s: SweepDef): Job[] {
  const jobs: Job[] = [];
  for (const p of sweepPoints(s)) {
    for (let k = 0; k < s.seeds; k++) {
      const seed = s.seedBase + k;
      jobs.push({ index: jobs.length, id: jobId(s.scenario, runSettings(s, p), seed), point: p.index, seed });
    }
  }
  return jobs;
}

/** All `--set` pairs of a point's runs: the fixed ones, then the point's. */
/** A point's settings as `k=v k=v`. */
export const pointText = (p: Point): string => p.settings.map(([k, v]) => `${k}=${v}`).join(' ');

export function runSettings(s: Pick<SweepDef, 'set'>, p: Point): [string, string][] {
  return [...s.set, ...p.settings].map(([k, v]) => [k, v]);
}

/** A job's stable id: a hash of the scenario path, the sorted settings and the seed (16 hex digits). */
export function jobId(scenario: string, settings: readonly (readonly [string, string])[], seed: number): string {
  const last = new Map<string, string>();
  for (const [k, v] of settings) last.set(k, v);
  const sorted = [...last.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return sha256Hex(JSON.stringify([scenario, sorted, seed])).slice(0, 16);
}

export type Shard = { readonly i: number; readonly n: number };

/** `--shard i/n` (1-based): one deterministic slice of the jobs. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const i = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (m === null || !Number.isSafeInteger(i) || !Number.isSafeInteger(n) || n < 1 || i < 1 || i > n) {
    throw new InputError(`--shard takes i/n with 1 <= i <= n (e.g. 2/8), got '${text}'`);
  }
  return { i, n };
}

/** The jobs of shard i/n: those whose index ≡ i-1 (mod n). */
export function shardJobs<J extends { index: number }>(jobs: readonly J[], shard: Shard | undefined): J[] {
  return shard === undefined ? [...jobs] : jobs.filter((j) => j.index % shard.n === shard.i - 1);
}

/** `--vary key=v1,v2,…`: the key and its values (syntax only; the key is checked against the scenario later). */
export function parseVary(text: string): VaryAxis {
  const i = text.indexOf('=');
  if (i <= 0) throw new InputError(`--vary takes key=v1,v2,…, got '${text}'`);
  const key = text.slice(0, i).trim();
  const raw = text.slice(i + 1);
  if (raw.trim() === '') throw new InputError(`empty sweep: --vary ${key} has no values`);
  const values = raw.split(',').map((v) => v.trim());
  if (values.some((v) => v === '')) throw new InputError(`--vary ${key}: an empty value in '${raw}'`);
  const dup = values.find((v, j) => values.indexOf(v) !== j);
  if (dup !== undefined) throw new InputError(`--vary ${key}: value '${dup}' given twice`);
  return { key, values };
}

/** Checks the axes against each other and the fixed settings (keys given twice). */
export function checkAxes(vary: readonly VaryAxis[], set: readonly (readonly [string, string])[]): void {
  if (vary.length === 0) throw new InputError('empty sweep: give at least one --vary key=v1,v2,…');
  const seen = new Set<string>();
  for (const a of vary) {
    if (seen.has(a.key)) throw new InputError(`--vary ${a.key} is given twice (list all its values in one --vary)`);
    seen.add(a.key);
    if (set.some(([k]) => k === a.key)) throw new InputError(`${a.key} is both varied (--vary) and fixed (--set)`);
  }
}

// ---- result lines -----------------------------------------------------------------------

/** One run's figures in a result line: the run result without its series, timeline and sample. */
export type RunMetrics = Omit<RunResult, 'series' | 'downs'> & { downs: Omit<RunResult['downs'], 'timeline' | 'sample'> };

/** One line of `results.jsonl`: one finished job. */
export type JobResult = {
  id: string;
  job: number;
  point: number;
  seed: number;
  /** The point's varied settings, in `--vary` order. */
  settings: [string, string][];
  traceHash: string;
  events: number;
  virtualMs: number;
  /** The scenario's resolved parameters. */
  params: Record<string, unknown>;
  /** The effective ZenMonitor app env (for the closed-form estimates); {} when zen did not run. */
  zen: Record<string, unknown>;
  runs: RunMetrics[];
};

export function compactRun(r: RunResult): RunMetrics {
  const { series: _series, downs, ...rest } = r;
  const { timeline: _timeline, sample: _sample, ...d } = downs;
  return { ...rest, downs: d };
}

export function jobResult(job: Job, point: Point, doc: ResultDoc): JobResult {
  return {
    id: job.id,
    job: job.index,
    point: job.point,
    seed: job.seed,
    settings: point.settings.map(([k, v]) => [k, v]),
    traceHash: doc.traceHash,
    events: doc.events,
    virtualMs: doc.virtualMs,
    params: doc.params,
    zen: doc.config.zen,
    runs: doc.runs.map(compactRun),
  };
}

/**
 * Reads `results.jsonl` text: the lines of this sweep's jobs (by id; the first of
 * duplicates kept), a partially written last line ignored, unreadable lines counted.
 * `validBytes` is the length of the text up to the last complete line.
 */
export function parseResults(text: string, jobsById: ReadonlyMap<string, Job>): { results: Map<string, JobResult>; validBytes: number; bad: number; foreign: number } {
  const results = new Map<string, JobResult>();
  const end = text.lastIndexOf('\n') + 1;
  let bad = 0;
  let foreign = 0;
  for (const line of text.slice(0, end).split('\n')) {
    if (line.trim() === '') continue;
    let r: JobResult;
    try {
      r = JSON.parse(line) as JobResult;
    } catch {
      bad++;
      continue;
    }
    if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || !Array.isArray(r.runs)) {
      bad++;
      continue;
    }
    const job = jobsById.get(r.id);
    if (job === undefined) {
      foreign++;
      continue;
    }
    if (!results.has(r.id)) results.set(r.id, { ...r, job: job.index, point: job.point, seed: job.seed });
  }
  return { results, validBytes: Buffer.byteLength(text.slice(0, end)), bad, foreign };
}

// ---- commands -----------------------------------------------------------------------------

/** The `zensim run` command of one point (`seed` given, or `--seed S`). */
export function runCommandLine(sweep: SweepDef, p: Pick<Point, 'settings'>, seed?: number): string {
  return commandLine(['npx', 'zensim', 'run', sweep.scenario, '--seed', String(seed ?? 'S'), ...setFlags([...sweep.set, ...p.settings])]);
}

/** The `zensim plan` command that reproduces the whole sweep. */
export function planCommandLine(sweep: SweepDef): string {
  return commandLine([
    ...['npx', 'zensim', 'plan', sweep.scenario],
    ...sweep.vary.flatMap((a) => ['--vary', `${a.key}=${a.values.join(',')}`]),
    ...setFlags(sweep.set),
    ...['--seeds', String(sweep.seeds)],
    ...(sweep.seedBase !== 1 ? ['--seed-base', String(sweep.seedBase)] : []),
    ...sweep.constraints.flatMap((c) => ['--constraint', c]),
    ...(sweep.allowMissing === true ? ['--allow-missing'] : []),
  ]);
}

export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
