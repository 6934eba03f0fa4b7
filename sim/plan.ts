// Capacity planning, the pure part (`zensim plan`, `zensim merge`): the sweep definition
// (`--vary` axes, fixed `--set`, seeds), its jobs with stable ids and shards, the compact
// per-job result line, constraints (`[mode:]path<=number`) and their margins across
// seeds, the recommendation, and the closed-form estimates printed beside the
// simulation. No I/O and no clock here: the driver (plan_run.ts) reads and writes the
// files; everything the report shows is computed by `planData` from `sweep.json` and
// the result lines alone, sorted by job order, so merged shards give the same report.
import { createHash } from 'node:crypto';
import { InputError } from './params.js';
import type { RunResult } from './recorder.js';
import type { ResultDoc } from './runner.js';
import type { Mode } from './scenario.js';

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
export function runSettings(s: Pick<SweepDef, 'set'>, p: Point): [string, string][] {
  return [...s.set, ...p.settings].map(([k, v]) => [k, v]);
}

/** A job's stable id: a hash of the scenario path, the sorted settings and the seed (16 hex digits). */
export function jobId(scenario: string, settings: readonly (readonly [string, string])[], seed: number): string {
  const last = new Map<string, string>();
  for (const [k, v] of settings) last.set(k, v);
  const sorted = [...last.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return createHash('sha256').update(JSON.stringify([scenario, sorted, seed])).digest('hex').slice(0, 16);
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

// ---- metric paths -------------------------------------------------------------------------

/** Every scalar path of a run result (RunResult without series, per-node and per-link figures). */
export const SCALAR_PATHS: readonly string[] = [
  'triggerMs',
  'downs.expected',
  'downs.delivered',
  'downs.duplicates',
  'downs.missing',
  'downs.latencyMs.p50',
  'downs.latencyMs.p90',
  'downs.latencyMs.p99',
  'downs.latencyMs.max',
  'downs.firstMs',
  'downs.lastMs',
  'work.handled',
  'work.latencyMs.p50',
  'work.latencyMs.p99',
  'work.latencyMs.max',
  'subscribers.count',
  'subscribers.mailboxPeak',
  'network.messages',
  'network.bytes',
];
/** After `nodes.<node>.`: a node is named in full (`a@127.0.0.1`) or by its short name (`a`). */
export const NODE_PATHS: readonly string[] = ['memory.baselineBytes', 'memory.peakBytes', 'mailbox.peak', 'cpu.busyMs', 'cpu.utilization'];
/** After `network.links.<from>-><to>.`. */
export const LINK_PATHS: readonly string[] = ['messages', 'bytes'];

export type MetricPath =
  | { readonly kind: 'scalar'; readonly path: string }
  | { readonly kind: 'node'; readonly node: string; readonly rest: string }
  | { readonly kind: 'link'; readonly from: string; readonly to: string; readonly rest: string };

const KNOWN_PATHS = [...SCALAR_PATHS, ...NODE_PATHS.map((p) => `nodes.<node>.${p}`), ...LINK_PATHS.map((p) => `network.links.<from>-><to>.${p}`)];

/** Parses a dotted path into a run result; one line naming the known paths on failure. */
export function parseMetricPath(path: string): MetricPath {
  if (SCALAR_PATHS.includes(path)) return { kind: 'scalar', path };
  if (path.startsWith('nodes.')) {
    const rest = NODE_PATHS.find((p) => path.endsWith(`.${p}`) && path.length > 'nodes.'.length + p.length + 1);
    if (rest !== undefined) return { kind: 'node', node: path.slice('nodes.'.length, path.length - rest.length - 1), rest };
  }
  if (path.startsWith('network.links.')) {
    const rest = LINK_PATHS.find((p) => path.endsWith(`.${p}`));
    if (rest !== undefined) {
      const link = path.slice('network.links.'.length, path.length - rest.length - 1);
      const [from, to, more] = link.split('->');
      if (from !== undefined && to !== undefined && more === undefined && from !== '' && to !== '') return { kind: 'link', from, to, rest };
    }
  }
  throw new InputError(`unknown metric '${path}' (known: ${KNOWN_PATHS.join(', ')})`);
}

/** The node a name refers to: the full name, or the one node whose name before '@' it is. */
export function resolveNode(ref: string, nodes: readonly string[]): string | undefined {
  if (nodes.includes(ref)) return ref;
  const short = nodes.filter((n) => n.split('@')[0] === ref);
  return short.length === 1 ? short[0] : undefined;
}

/** Checks that a path's nodes exist among `nodes`; one line on failure. */
export function checkPathNodes(p: MetricPath, nodes: readonly string[], where: string): void {
  const names = p.kind === 'node' ? [p.node] : p.kind === 'link' ? [p.from, p.to] : [];
  for (const n of names) {
    if (resolveNode(n, nodes) === undefined) {
      const ambiguous = nodes.filter((x) => x.split('@')[0] === n).length > 1;
      throw new InputError(`${where}: ${ambiguous ? `node name '${n}' is ambiguous` : `no node '${n}'`} (nodes: ${nodes.join(', ')})`);
    }
  }
}

/** A metric's value in one run (null: the run has no such value, e.g. no DOWN delivered, no work). */
export function metricValue(run: RunMetrics, p: MetricPath): number | null {
  let v: unknown;
  if (p.kind === 'scalar') {
    v = run;
    for (const k of p.path.split('.')) v = v === null || v === undefined ? undefined : (v as Record<string, unknown>)[k];
  } else if (p.kind === 'node') {
    const name = resolveNode(p.node, Object.keys(run.nodes));
    v = name === undefined ? undefined : dig(run.nodes[name], p.rest);
  } else {
    const nodes = Object.keys(run.nodes);
    const from = resolveNode(p.from, nodes);
    const to = resolveNode(p.to, nodes);
    // A link that carried nothing is absent from the result: zero traffic.
    v = from === undefined || to === undefined ? undefined : (dig(run.network.links[`${from}->${to}`], p.rest) ?? 0);
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function dig(o: unknown, path: string): unknown {
  let v = o;
  for (const k of path.split('.')) v = v === null || v === undefined ? undefined : (v as Record<string, unknown>)[k];
  return v;
}

// ---- constraints --------------------------------------------------------------------------

export type Op = '<=' | '<' | '>=' | '>';
export type Constraint = {
  readonly text: string;
  /** null: the point's default mode (zen when it ran zen, else its only mode). */
  readonly mode: Mode | null;
  readonly path: string;
  readonly metric: MetricPath;
  readonly op: Op;
  readonly limit: number;
};

/** `[mode:]path(<=|<|>=|>)number`, e.g. `downs.latencyMs.p99<=5000`, `vanilla:nodes.a.mailbox.peak<10000`. */
export function parseConstraint(text: string): Constraint {
  const m = /^\s*(?:([A-Za-z]+):)?\s*(.+?)\s*(<=|>=|<|>)\s*([^<>=]+?)\s*$/.exec(text);
  if (m === null) throw new InputError(`cannot parse constraint '${text}' (expected [mode:]path<=number, e.g. downs.latencyMs.p99<=5000)`);
  const [, mode, path, op, num] = m as unknown as [string, string | undefined, string, Op, string];
  if (!/^[A-Za-z0-9_.@-]+(->[A-Za-z0-9_.@-]+)?[A-Za-z0-9_.@-]*$/.test(path)) {
    throw new InputError(`cannot parse constraint '${text}' (expected [mode:]path<=number, e.g. downs.latencyMs.p99<=5000)`);
  }
  if (mode !== undefined && mode !== 'zen' && mode !== 'vanilla') throw new InputError(`constraint '${text}': unknown mode '${mode}' (zen or vanilla)`);
  const limit = Number(num.replaceAll('_', ''));
  if (num.trim() === '' || !Number.isFinite(limit)) throw new InputError(`constraint '${text}': '${num}' is not a number`);
  let metric: MetricPath;
  try {
    metric = parseMetricPath(path);
  } catch (e) {
    throw new InputError(`constraint '${text}': ${(e as Error).message}`);
  }
  return { text: text.trim(), mode: (mode as Mode | undefined) ?? null, path, metric, op, limit };
}

const isUpper = (op: Op): boolean => op === '<=' || op === '<';

/** The mode a constraint reads at a point that ran `modes`. */
export function constraintMode(c: Pick<Constraint, 'mode'>, modes: readonly Mode[]): Mode | undefined {
  if (c.mode !== null) return modes.includes(c.mode) ? c.mode : undefined;
  return modes.includes('zen') ? 'zen' : modes.length === 1 ? modes[0] : undefined;
}

/** Relative slack of `worst` against the limit: > 0 inside, < 0 violated (|limit| or 1 when the limit is 0). */
export function margin(c: Pick<Constraint, 'op' | 'limit'>, worst: number): number {
  const d = c.limit === 0 ? 1 : Math.abs(c.limit);
  return round6((isUpper(c.op) ? c.limit - worst : worst - c.limit) / d);
}

export function meets(c: Pick<Constraint, 'op' | 'limit'>, worst: number): boolean {
  switch (c.op) {
    case '<=':
      return worst <= c.limit;
    case '<':
      return worst < c.limit;
    case '>=':
      return worst >= c.limit;
    case '>':
      return worst > c.limit;
  }
}

// ---- aggregation, recommendation --------------------------------------------------------

/** A metric across a point's seeds. */
export type Agg = { n: number; min: number; median: number; max: number; nulls: number };

export function aggregate(values: readonly (number | null)[]): Agg | null {
  const xs = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  const median = xs.length % 2 === 1 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
  return { n: xs.length, min: xs[0] as number, median: round6(median), max: xs[xs.length - 1] as number, nulls: values.length - xs.length };
}

export type ConstraintResult = {
  text: string;
  mode: Mode | null;
  /** The worst value across seeds (max for an upper bound, min for a lower); null when a seed had no value. */
  worst: number | null;
  limit: number;
  margin: number | null;
  pass: boolean;
};

export type Estimate = {
  /** DOWNs expected (zen run, first seed). */
  n: number;
  demandAmount: number;
  demandIntervalMs: number;
  /** demand_amount * 1000 / demand_interval, DOWNs per second. */
  dispatcherRate: number;
  /** N / R. */
  drainNominalMs: number;
  /** ceil(N / demand_amount) ticks of demand_interval + 1 ms (the re-arm after handling). */
  drainDriftedMs: number;
  /** batcher_chunk_size * 1000 / batcher_sweep_interval: remote deaths per second through the Batcher. */
  batcherRate: number;
  /** Remote process deaths pass the Batcher, then the Dispatcher: the slower stage's drifted drain. */
  drainRemoteMs: number;
  /** connector_chunk_size * 1000 / connector_sweep_interval: monitors set up per second. */
  connectorRate: number;
  /** N / connector rate. */
  setupMs: number;
  /** demand_amount × the scenario's downCostUs: how long one tick's batch keeps the subscriber busy (null without downCostUs). */
  burstMs: number | null;
  /** N × downCostUs: the vanilla herd handled at once (null without downCostUs). */
  vanillaBurstMs: number | null;
  /** Simulated last DOWN (zen), and its ratio to the drifted drain and to the remote-death drain. */
  simLastMs: Agg | null;
  ratioDrifted: number | null;
  ratioRemote: number | null;
  simFirstMs: Agg | null;
  simWorkP99Ms: Agg | null;
  simVanillaLastMs: Agg | null;
  /** DOWNs missing at the end of some seed's run: the run ended before the drain. */
  missing: number;
};

export type PointData = {
  index: number;
  settings: [string, string][];
  seeds: number[];
  complete: boolean;
  modes: Mode[];
  /** Per mode, per shown metric path. */
  metrics: Partial<Record<Mode, Record<string, Agg | null>>>;
  constraints: ConstraintResult[];
  /** The smallest margin over the constraints (null: no constraints, or some constraint has no value). */
  minMargin: number | null;
  pass: boolean;
  estimate: Estimate | null;
  traceHashes: string[];
};

/**
 * What the recommendation chooses between: a combination of the varied ZenMonitor
 * settings (`zen.*`), which must meet the constraints at every value of the other
 * varied keys (the cluster and failure cases: scenario parameters, `cost.*`, `net.*`).
 * When the sweep varies only settings, or no setting, each point is a choice of its own.
 */
export type Choice = {
  index: number;
  settings: [string, string][];
  /** The points of this choice, one per case. */
  points: number[];
  complete: boolean;
  /** Each constraint at its worst over the choice's points (`at`: the point where it is worst). */
  constraints: (ConstraintResult & { at: number })[];
  minMargin: number | null;
  pass: boolean;
};

export type Recommendation =
  | { kind: 'no-constraints' }
  | { kind: 'no-data' }
  | { kind: 'recommended'; choice: number; minMargin: number }
  | { kind: 'none'; binding: { text: string; failsAt: number; of: number; worstMargin: number | null }; closest: number };

/** A ZenMonitor setting (what the operator chooses); other varied keys are the cases it must survive. */
export const isSettingKey = (key: string): boolean => key.startsWith('zen.');

export type PlanData = {
  sweep: SweepDef;
  totalRuns: number;
  doneRuns: number;
  complete: boolean;
  modes: Mode[];
  /** The metric paths tabulated and plotted (constraint metrics first). */
  metrics: string[];
  points: PointData[];
  /** The varied keys the recommendation chooses, and the varied keys it must hold across ([] when each point is a choice). */
  settingKeys: string[];
  caseKeys: string[];
  choices: Choice[];
  recommendation: Recommendation;
};

/** The headline metrics every report shows. */
export const DEFAULT_METRICS: readonly string[] = ['downs.lastMs', 'downs.latencyMs.p99', 'work.latencyMs.p99', 'subscribers.mailboxPeak'];

/** Everything the report shows, from the sweep and its result lines alone. */
export function planData(sweep: SweepDef, results: Iterable<JobResult>): PlanData {
  const constraints = sweep.constraints.map(parseConstraint);
  const jobs = sweepJobs(sweep);
  const byId = new Map<string, JobResult>();
  for (const r of results) if (!byId.has(r.id)) byId.set(r.id, r);
  const metrics = [...new Set([...constraints.map((c) => c.path), ...DEFAULT_METRICS])];
  const parsedMetrics = new Map(metrics.map((m) => [m, parseMetricPath(m)]));
  const points: PointData[] = [];
  const allModes = new Set<Mode>();
  let done = 0;
  for (const p of sweepPoints(sweep)) {
    const rs = jobs.filter((j) => j.point === p.index).flatMap((j) => byId.get(j.id) ?? []);
    done += rs.length;
    const modes = ([...new Set(rs.flatMap((r) => r.runs.map((x) => x.mode)))] as Mode[]).sort((a, b) => MODE_ORDER[a] - MODE_ORDER[b]);
    for (const m of modes) allModes.add(m);
    const runsOf = (mode: Mode) => rs.map((r) => r.runs.find((x) => x.mode === mode));
    const metricsByMode: PointData['metrics'] = {};
    for (const mode of modes) {
      const runs = runsOf(mode);
      metricsByMode[mode] = Object.fromEntries(metrics.map((m) => [m, aggregate(runs.map((x) => (x === undefined ? null : metricValue(x, parsedMetrics.get(m) as MetricPath))))]));
    }
    const cres = constraints.map((c): ConstraintResult => {
      const mode = constraintMode(c, modes);
      const values = mode === undefined || rs.length === 0 ? [null] : runsOf(mode).map((x) => (x === undefined ? null : metricValue(x, c.metric)));
      let worst: number | null = null;
      if (values.every((v) => v !== null)) worst = (isUpper(c.op) ? Math.max : Math.min)(...(values as number[]));
      return {
        text: c.text,
        mode: c.mode,
        worst,
        limit: c.limit,
        margin: worst === null ? null : margin(c, worst),
        pass: worst !== null && meets(c, worst),
      };
    });
    const minMargin = cres.length === 0 ? null : cres.some((c) => c.margin === null) ? null : Math.min(...cres.map((c) => c.margin as number));
    points.push({
      index: p.index,
      settings: p.settings.map(([k, v]) => [k, v]),
      seeds: rs.map((r) => r.seed),
      complete: rs.length === sweep.seeds,
      modes,
      metrics: metricsByMode,
      constraints: cres,
      minMargin,
      pass: rs.length === sweep.seeds && cres.every((c) => c.pass),
      estimate: estimate(rs),
      traceHashes: rs.map((r) => r.traceHash),
    });
  }
  const keys = sweep.vary.map((a) => a.key);
  const grouped = keys.some(isSettingKey) && !keys.every(isSettingKey);
  const settingKeys = grouped ? keys.filter(isSettingKey) : keys;
  const choices = groupChoices(points, settingKeys, constraints.length);
  return {
    sweep,
    totalRuns: jobs.length,
    doneRuns: done,
    complete: done === jobs.length,
    modes: [...allModes].sort((a, b) => MODE_ORDER[a] - MODE_ORDER[b]),
    metrics,
    points,
    settingKeys,
    caseKeys: grouped ? keys.filter((k) => !isSettingKey(k)) : [],
    choices,
    recommendation: recommend(choices, constraints.length),
  };
}

/** The points grouped by their values of `settingKeys`, in point order, each constraint at its worst over the group. */
export function groupChoices(points: readonly PointData[], settingKeys: readonly string[], nConstraints: number): Choice[] {
  const groups = new Map<string, PointData[]>();
  for (const p of points) {
    const key = JSON.stringify(p.settings.filter(([k]) => settingKeys.includes(k)));
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.entries()].map(([key, ps], index): Choice => {
    const cres = Array.from({ length: nConstraints }, (_, i) => {
      let worst: (ConstraintResult & { at: number }) | undefined;
      for (const p of ps) {
        const r = { ...(p.constraints[i] as ConstraintResult), at: p.index };
        // The worst: no value at all, else the smallest margin (the first point on ties).
        if (worst === undefined || (worst.margin !== null && (r.margin === null || r.margin < worst.margin))) worst = r;
      }
      return worst as ConstraintResult & { at: number };
    });
    const minMargin = cres.length === 0 ? null : cres.some((c) => c.margin === null) ? null : Math.min(...cres.map((c) => c.margin as number));
    return {
      index,
      settings: JSON.parse(key) as [string, string][],
      points: ps.map((p) => p.index),
      complete: ps.every((p) => p.complete),
      constraints: cres,
      minMargin,
      pass: ps.every((p) => p.pass),
    };
  });
}

const MODE_ORDER: Record<Mode, number> = { vanilla: 0, zen: 1 };

/**
 * The complete choice meeting every constraint with the largest smallest margin (ties:
 * the earlier); if none does, the constraint failing at the most choices (ties: the
 * largest violation) binds first, and the closest choice is the one with the largest
 * smallest margin.
 */
export function recommend(choices: readonly Choice[], nConstraints: number): Recommendation {
  if (nConstraints === 0) return { kind: 'no-constraints' };
  const eligible = choices.filter((p) => p.complete);
  if (eligible.length === 0) return { kind: 'no-data' };
  const key = (p: Choice) => p.minMargin ?? -Infinity;
  const best = (ps: readonly Choice[]) => ps.reduce((a, b) => (key(b) > key(a) ? b : a));
  const passing = eligible.filter((p) => p.pass);
  if (passing.length > 0) {
    const b = best(passing);
    return { kind: 'recommended', choice: b.index, minMargin: b.minMargin as number };
  }
  let binding: { text: string; failsAt: number; of: number; worstMargin: number | null } | undefined;
  for (let c = 0; c < nConstraints; c++) {
    const fails = eligible.filter((p) => !(p.constraints[c] as ConstraintResult).pass);
    if (fails.length === 0) continue;
    // The most negative margin among the failures (null: no value, the worst of all).
    const margins = fails.map((p) => (p.constraints[c] as ConstraintResult).margin);
    const worstMargin = margins.includes(null) ? null : Math.min(...(margins as number[]));
    const worse = (a: number | null, b: number | null) => (a === null ? b !== null : b !== null && a < b);
    if (binding === undefined || fails.length > binding.failsAt || (fails.length === binding.failsAt && worse(worstMargin, binding.worstMargin))) {
      binding = { text: (eligible[0]?.constraints[c] as ConstraintResult).text, failsAt: fails.length, of: eligible.length, worstMargin };
    }
  }
  return { kind: 'none', binding: binding as NonNullable<typeof binding>, closest: best(eligible).index };
}

/** The closed-form model of one point (from its zen runs), or null when zen did not run. */
export function estimate(rs: readonly JobResult[]): Estimate | null {
  const first = rs[0];
  const zenRuns = rs.map((r) => r.runs.find((x) => x.mode === 'zen')).filter((x): x is RunMetrics => x !== undefined);
  const z = zenRuns[0];
  if (first === undefined || z === undefined) return null;
  const cfg = (k: string, d: number): number => {
    const v = first.zen[k];
    return typeof v === 'number' ? v : d;
  };
  const n = z.downs.expected;
  const a = cfg('demand_amount', 1000);
  const di = cfg('demand_interval', 100);
  const bc = cfg('batcher_chunk_size', 5000);
  const bi = cfg('batcher_sweep_interval', 100);
  const cc = cfg('connector_chunk_size', 5000);
  const ci = cfg('connector_sweep_interval', 100);
  const R = (a * 1000) / di;
  const Rb = (bc * 1000) / bi;
  const Rc = (cc * 1000) / ci;
  const drifted = Math.ceil(n / a) * (di + 1);
  const remote = Math.max(drifted, Math.ceil(n / bc) * (bi + 1));
  const cost = first.params.downCostUs;
  const downCostUs = typeof cost === 'number' ? cost : null;
  const simLast = aggregate(zenRuns.map((x) => x.downs.lastMs));
  const ratio = (model: number) => (simLast === null || model <= 0 ? null : round6(simLast.median / model));
  const vanillaRuns = rs.map((r) => r.runs.find((x) => x.mode === 'vanilla')).filter((x): x is RunMetrics => x !== undefined);
  return {
    n,
    demandAmount: a,
    demandIntervalMs: di,
    dispatcherRate: round6(R),
    drainNominalMs: round6((n / R) * 1000),
    drainDriftedMs: drifted,
    batcherRate: round6(Rb),
    drainRemoteMs: remote,
    connectorRate: round6(Rc),
    setupMs: round6((n / Rc) * 1000),
    burstMs: downCostUs === null ? null : round6((Math.min(a, n) * downCostUs) / 1000),
    vanillaBurstMs: downCostUs === null || vanillaRuns.length === 0 ? null : round6((n * downCostUs) / 1000),
    simLastMs: simLast,
    ratioDrifted: ratio(drifted),
    ratioRemote: ratio(remote),
    simFirstMs: aggregate(zenRuns.map((x) => x.downs.firstMs)),
    simWorkP99Ms: aggregate(zenRuns.map((x) => x.work?.latencyMs.p99 ?? null)),
    simVanillaLastMs: aggregate(vanillaRuns.map((x) => x.downs.lastMs)),
    missing: Math.max(0, ...zenRuns.map((x) => x.downs.missing)),
  };
}

// ---- commands -----------------------------------------------------------------------------

/** Quotes a shell word when it needs it. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The `zensim run` command of one point (`seed` given, or `--seed S`). */
export function runCommandLine(sweep: SweepDef, p: Pick<Point, 'settings'>, seed?: number): string {
  const sets = [...sweep.set, ...p.settings].map(([k, v]) => ` --set ${shellWord(`${k}=${v}`)}`).join('');
  return `npx zensim run ${shellWord(sweep.scenario)} --seed ${seed ?? 'S'}${sets}`;
}

/** The `zensim plan` command that reproduces the whole sweep. */
export function planCommandLine(sweep: SweepDef): string {
  const w = [`npx zensim plan ${shellWord(sweep.scenario)}`];
  for (const a of sweep.vary) w.push(`--vary ${shellWord(`${a.key}=${a.values.join(',')}`)}`);
  for (const [k, v] of sweep.set) w.push(`--set ${shellWord(`${k}=${v}`)}`);
  w.push(`--seeds ${sweep.seeds}`);
  if (sweep.seedBase !== 1) w.push(`--seed-base ${sweep.seedBase}`);
  for (const c of sweep.constraints) w.push(`--constraint ${shellWord(c)}`);
  return w.join(' ');
}

export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
