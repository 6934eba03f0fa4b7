// The analysis of a finished sweep: each metric aggregated over a point's seeds, each
// constraint at its worst, points grouped into choices of the varied ZenMonitor
// settings, the recommendation (the choice whose smallest margin is largest), and the
// closed-form estimates printed beside the simulation. Pure: computed from `sweep.json`
// and the result lines alone, so merged shards give the same report.
import type { Mode } from '../run/scenario.js';
import { batcherDrainMs, dispatcherDrainMs } from '../run/drain.js';
import { type JobResult, round6, type RunMetrics, type SweepDef, sweepJobs, sweepPoints } from './sweep.js';
import { constraintMode, isUpper, margin, meets, type MetricPath, metricValue, parseConstraint, parseMetricPath } from './constraints.js';

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
  /**
   * The DOWNs of the busiest receiving node (the expected less the other nodes' delivered),
   * which the drain columns count: each node has its own Dispatcher, so its rate limit is per node.
   */
  nodeN: number;
  demandAmount: number;
  demandIntervalMs: number;
  /** demand_amount * 1000 / demand_interval, DOWNs per second. */
  dispatcherRate: number;
  /** nodeN / R. */
  drainNominalMs: number;
  /** ceil(nodeN / demand_amount) ticks of demand_interval + 1 ms (the re-arm after handling). */
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
  /** Per mode, the most DOWNs any seed's run left undelivered (lost, or pending when the run was cut short). */
  missing: Partial<Record<Mode, number>>;
  /** Runs (over seeds and modes) cut short with something pending. */
  truncated: number;
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
  /** The most DOWNs a run of this choice left undelivered, over its points, seeds and modes. */
  missing: number;
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
  /** Whether points with DOWNs missing may be recommended (`--allow-missing`). */
  allowMissing: boolean;
  /** Whether any run of the sweep left DOWNs undelivered: the tables and plots then show how many. */
  anyMissing: boolean;
};

/** The pseudo-constraint every recommendation meets unless `--allow-missing`: no run leaves a DOWN undelivered. */
export const NO_MISSING = 'no DOWN missing (every run drained)';

/** The headline metrics every report shows. */
export const DEFAULT_METRICS: readonly string[] = ['downs.lastMs', 'downs.latencyMs.p99', 'work.latencyMs.p99', 'subscribers.mailboxPeak'];

/** Everything the report shows, from the sweep and its result lines alone. */
export function planData(sweep: SweepDef, results: Iterable<JobResult>): PlanData {
  const constraints = sweep.constraints.map(parseConstraint);
  const allowMissing = sweep.allowMissing === true;
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
    const missing = Object.fromEntries(modes.map((m) => [m, Math.max(0, ...runsOf(m).map((x) => x?.downs.missing ?? 0))])) as PointData['missing'];
    const drained = allowMissing || Object.values(missing).every((n) => n === 0);
    points.push({
      index: p.index,
      settings: p.settings.map(([k, v]) => [k, v]),
      seeds: rs.map((r) => r.seed),
      complete: rs.length === sweep.seeds,
      modes,
      missing,
      truncated: rs.reduce((n, r) => n + r.runs.filter((x) => x.truncated === true).length, 0),
      metrics: metricsByMode,
      constraints: cres,
      minMargin,
      pass: rs.length === sweep.seeds && cres.every((c) => c.pass) && drained,
      estimate: estimate(rs),
      traceHashes: rs.map((r) => r.traceHash),
    });
  }
  const keys = sweep.vary.map((a) => a.key);
  const grouped = keys.some(isSettingKey) && !keys.every(isSettingKey);
  const settingKeys = grouped ? keys.filter(isSettingKey) : keys;
  const choices = groupChoices(points, settingKeys, constraints.length);
  const anyMissing = points.some((p) => Object.values(p.missing).some((n) => n > 0));
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
    recommendation: recommend(choices, constraints.length, allowMissing),
    allowMissing,
    anyMissing,
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
      missing: Math.max(0, ...ps.flatMap((p) => Object.values(p.missing))),
      pass: ps.every((p) => p.pass),
    };
  });
}

const MODE_ORDER: Record<Mode, number> = { vanilla: 0, zen: 1 };

/**
 * The complete choice meeting every constraint with the largest smallest margin (ties:
 * the earlier), among those whose runs all drained unless `allowMissing`; if none
 * does, the constraint failing at the most choices (ties: the largest violation; the
 * drain counts as one, NO_MISSING) binds first, and the closest choice is the one
 * with the largest smallest margin.
 */
export function recommend(choices: readonly Choice[], nConstraints: number, allowMissing = false): Recommendation {
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
  const undrained = allowMissing ? 0 : eligible.filter((p) => p.missing > 0).length;
  if (binding === undefined || undrained > binding.failsAt) binding = { text: NO_MISSING, failsAt: undrained, of: eligible.length, worstMargin: null };
  return { kind: 'none', binding, closest: best(eligible).index };
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
  const nodeN = busiestNodeDowns(z);
  const a = cfg('demand_amount', 1000);
  const di = cfg('demand_interval', 100);
  const bc = cfg('batcher_chunk_size', 5000);
  const bi = cfg('batcher_sweep_interval', 100);
  const cc = cfg('connector_chunk_size', 5000);
  const ci = cfg('connector_sweep_interval', 100);
  const R = (a * 1000) / di;
  const Rb = (bc * 1000) / bi;
  const Rc = (cc * 1000) / ci;
  const drifted = dispatcherDrainMs(nodeN, a, di);
  const remote = Math.max(drifted, batcherDrainMs(nodeN, bc, bi));
  const cost = first.params.downCostUs;
  const downCostUs = typeof cost === 'number' ? cost : null;
  const simLast = aggregate(zenRuns.map((x) => x.downs.lastMs));
  const ratio = (model: number) => (simLast === null || model <= 0 ? null : round6(simLast.median / model));
  const vanillaRuns = rs.map((r) => r.runs.find((x) => x.mode === 'vanilla')).filter((x): x is RunMetrics => x !== undefined);
  return {
    n,
    nodeN,
    demandAmount: a,
    demandIntervalMs: di,
    dispatcherRate: round6(R),
    drainNominalMs: round6((nodeN / R) * 1000),
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

/**
 * The DOWNs of a run's busiest receiving node: the expected ones less those every other
 * node got (so its own, and any missing: they may be its); all of them with one node.
 */
function busiestNodeDowns(r: RunMetrics): number {
  const got = Object.values(r.nodes).map((node) => node.downs.delivered);
  const others = got.reduce((sum, x) => sum + x, 0) - Math.max(0, ...got);
  return Math.max(0, r.downs.expected - others);
}
