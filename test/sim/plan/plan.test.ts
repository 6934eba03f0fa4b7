// `zensim plan` and `zensim merge`: bad input refused before any work, the pure parts
// (constraints, jobs, shards, margins, the recommendation), and small real sweeps of
// the herd (targets 1000, no work ticker, zen only) whose answer is known in closed form:
// same inputs give the same bytes, an interrupted sweep resumes and ends equal to an
// uninterrupted one, and shards merged equal the single-machine result.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs } from '../../../sim/cli_parse.js';
import { InputError } from '../../../sim/run/params.js';
import { compactRun, jobId, parseShard, shardJobs, sweepJobs, sweepPoints, type JobResult, type SweepDef } from '../../../sim/plan/sweep.js';
import { planSummary, renderHtml, renderMarkdown } from '../../../sim/plan/report.js';
import { runMerge, runMergeCommand, runPlan, runPlanCommand } from '../../../sim/plan/command.js';
import type { PlanCommand } from '../../../sim/plan/options.js';
import type { PlanHooks } from '../../../sim/plan/pool.js';
import { runScenario } from '../../../sim/run/runner.js';
import { loadScenario } from '../../../sim/run/load.js';
import { constraintMode, LINK_PATHS, margin, metricValue, NODE_PATHS, parseConstraint, parseMetricPath, SCALAR_PATHS } from '../../../sim/plan/constraints.js';
import { planData } from '../../../sim/plan/recommend.js';

const HERD = fileURLToPath(new URL('../../../scenarios/herd.ts', import.meta.url));
const TMP = mkdtempSync(join(tmpdir(), 'zensim-plan-test-'));
const quiet: PlanHooks = { err: () => {}, out: () => {} };

/** The closed-form sweep: N = 1000 DOWNs on a nodedown, demand_amount 10, 100, 1000 (demand_interval 100 ms). */
const N = 1000;
const AMOUNTS = [10, 100, 1000];
const LAST_LIMIT = 5000;
const MAILBOX_LIMIT = 500;

function planCmd(out: string, extra: Partial<PlanCommand> = {}): PlanCommand {
  return {
    kind: 'plan',
    scenario: HERD,
    vary: [{ key: 'zen.demand_amount', values: AMOUNTS.map(String) }],
    set: [
      ['targets', String(N)],
      ['work', 'false'],
      ['mode', 'zen'],
    ],
    seeds: 2,
    seedBase: 1,
    constraints: [`downs.lastMs<=${LAST_LIMIT}`, `subscribers.mailboxPeak<=${MAILBOX_LIMIT}`],
    out,
    jobs: 1,
    maxPoints: 500,
    allowMissing: false,
    quiet: true,
    ...extra,
  };
}

const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
const lines = (dir: string) => read(dir, 'results.jsonl').split('\n').filter((l) => l !== '');

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, InputError, `an InputError, got ${String(e)}`);
    assert.match((e as Error).message, re, (e as Error).message);
    assert.not.match((e as Error).message, /\n/, 'one line');
    return;
  }
  assert.unreachable(`expected an InputError matching ${re}`);
}

function parseThrows(argv: string[], re: RegExp): void {
  try {
    parseArgs(argv);
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, re, (e as Error).message);
    return;
  }
  assert.unreachable(`expected ${argv.join(' ')} to be refused (${re})`);
}

// ---- pure parts -------------------------------------------------------------------------

test('constraints: grammar, modes, node and link paths, margins', () => {
  const c = parseConstraint('downs.latencyMs.p99<=5_000');
  assert.equal([c.mode, c.path, c.op, c.limit], [null, 'downs.latencyMs.p99', '<=', 5000]);
  const v = parseConstraint(' vanilla: nodes.a.mailbox.peak < 10000 ');
  assert.equal([v.mode, v.metric], ['vanilla', { kind: 'node', node: 'a', rest: 'mailbox.peak' }]);
  assert.equal(parseConstraint('nodes.a@127.0.0.1.memory.peakBytes>=1').metric, { kind: 'node', node: 'a@127.0.0.1', rest: 'memory.peakBytes' });
  assert.equal(parseConstraint('network.links.b->a.bytes>0').metric, { kind: 'link', from: 'b', to: 'a', rest: 'bytes' });
  // Unprefixed is zen, never the other mode when a point runs vanilla alone; vanilla: is vanilla.
  assert.equal([constraintMode(c, ['vanilla', 'zen']), constraintMode(c, ['zen']), constraintMode(c, ['vanilla'])], ['zen', 'zen', undefined]);
  assert.equal([constraintMode(v, ['vanilla', 'zen']), constraintMode(v, ['vanilla']), constraintMode(v, ['zen'])], ['vanilla', 'vanilla', undefined]);
  assert.is(margin({ op: '<=', limit: 200 }, 150), 0.25);
  assert.is(margin({ op: '>=', limit: 200 }, 150), -0.25);
  assert.is(margin({ op: '<=', limit: 0 }, 3), -3);
  for (const bad of ['downs.lastMs', 'downs.lastMs<=', 'downs.lastMs<=abc', 'downs.lastMs=<5', 'foo:downs.lastMs<=1', 'downs.nope<=1', 'nodes.a.mailbox<=1', 'network.links.a.bytes<=1']) {
    assert.throws(() => parseConstraint(bad), (e: unknown) => e instanceof InputError && !(e as Error).message.includes('\n'), bad);
  }
});

test('the metric path list matches a real run result', async () => {
  const sc = await loadScenario(HERD);
  const doc = runScenario(sc, { seed: 1, set: [['targets', '200'], ['mode', 'zen']] });
  const run = compactRun(doc.runs[0] as NonNullable<(typeof doc.runs)[0]>);
  /** The dotted paths of every number in `o`. */
  const numbers = (o: unknown, path = ''): string[] =>
    typeof o === 'number' ? [path] : o !== null && typeof o === 'object' ? Object.entries(o).flatMap(([k, x]) => numbers(x, path === '' ? k : `${path}.${k}`)) : [];
  assert.ok(run.work !== null, 'the run has work figures');
  const { nodes, network, ...rest } = run;
  const scalars = [...numbers(rest), ...numbers({ messages: network.messages, bytes: network.bytes }, 'network')];
  assert.equal(scalars.sort(), [...SCALAR_PATHS].sort(), 'every scalar number of a run result, and only those');
  assert.equal(numbers(nodes['a@127.0.0.1']).sort(), [...NODE_PATHS].sort());
  assert.equal(numbers(Object.values(network.links)[0]).sort(), [...LINK_PATHS].sort());
  for (const p of [...SCALAR_PATHS, ...NODE_PATHS.map((x) => `nodes.a.${x}`), ...LINK_PATHS.map((x) => `network.links.a->b.${x}`)]) {
    assert.type(metricValue(run, parseMetricPath(p)), 'number', p);
  }
  assert.is(metricValue(run, parseMetricPath('nodes.a.mailbox.peak')), run.nodes['a@127.0.0.1']?.mailbox.peak);
});

test('points, jobs, ids and shards are deterministic', () => {
  const s: SweepDef = {
    version: 1,
    scenario: 'scenarios/herd.ts',
    scenarioName: 'herd',
    scenarioSha256: 'x',
    vary: [
      { key: 'targets', values: ['1', '2'] },
      { key: 'zen.demand_amount', values: ['10', '20', '30'] },
    ],
    set: [['work', 'false']],
    seeds: 2,
    seedBase: 5,
    constraints: [],
  };
  assert.equal(
    sweepPoints(s).map((p) => p.settings.map(([k, v]) => `${k}=${v}`).join(' ')),
    ['targets=1 zen.demand_amount=10', 'targets=1 zen.demand_amount=20', 'targets=1 zen.demand_amount=30', 'targets=2 zen.demand_amount=10', 'targets=2 zen.demand_amount=20', 'targets=2 zen.demand_amount=30'],
  );
  const jobs = sweepJobs(s);
  assert.is(jobs.length, 12);
  assert.equal(jobs.slice(0, 3).map((j) => [j.point, j.seed]), [[0, 5], [0, 6], [1, 5]]);
  assert.is(new Set(jobs.map((j) => j.id)).size, 12);
  assert.is(jobId('a.ts', [['x', '1'], ['y', '2']], 1), jobId('a.ts', [['y', '2'], ['x', '1']], 1), 'settings are sorted');
  assert.is.not(jobId('a.ts', [['x', '1']], 1), jobId('a.ts', [['x', '1']], 2));
  const shards = [1, 2, 3, 4, 5].map((i) => shardJobs(jobs, { i, n: 5 }));
  assert.equal(shards.flat().map((j) => j.index).sort((a, b) => a - b), jobs.map((j) => j.index), 'the shards partition the jobs');
  assert.equal(shards[1]?.map((j) => j.index), [1, 6, 11]);
  assert.equal(parseShard('3/4'), { i: 3, n: 4 });
  for (const bad of ['0/4', '5/4', '1/0', 'a/b', '2']) assert.throws(() => parseShard(bad), (e: unknown) => e instanceof InputError, bad);
});

/** A result line with the given figures (the rest zero): for tests of the pure report data. */
function fakeResult(sweep: SweepDef, job: { id: string; index: number; point: number; seed: number }, f: { lastMs: number; workP99: number; missing?: number }): JobResult {
  const p = sweepPoints(sweep)[job.point] as { settings: readonly (readonly [string, string])[] };
  const lat = { p50: 0, p90: 0, p99: f.lastMs, max: f.lastMs };
  return {
    id: job.id,
    job: job.index,
    point: job.point,
    seed: job.seed,
    settings: p.settings.map(([k, v]) => [k, v]),
    traceHash: '0'.repeat(16),
    events: 0,
    virtualMs: 0,
    params: {},
    zen: {},
    runs: [
      {
        mode: 'zen',
        triggerMs: 0,
        endMs: f.lastMs,
        end: f.missing ? 'cap' : 'drained',
        drainEstimateMs: null,
        capMs: null,
        truncated: (f.missing ?? 0) > 0,
        pending: { downs: f.missing ?? 0, work: 0 },
        windowMs: null,
        downs: { expected: 1 + (f.missing ?? 0), delivered: 1, duplicates: 0, missing: f.missing ?? 0, beforeTrigger: 0, inWindow: null, latencyMs: lat, firstMs: 0, lastMs: f.lastMs },
        work: { handled: 1, latencyMs: { p50: 0, p99: f.workP99, max: f.workP99 } },
        subscribers: { count: 1, mailboxPeak: 0 },
        nodes: {},
        network: { messages: 0, bytes: 0, links: {} },
      },
    ],
  };
}

/** A herd sweep definition for the tests of the pure report data. */
function herdSweep(vary: SweepDef['vary'], over: Partial<SweepDef>): SweepDef {
  return { version: 1, scenario: 'scenarios/herd.ts', scenarioName: 'herd', scenarioSha256: 'x', vary, set: [], seeds: 1, seedBase: 1, constraints: [], ...over };
}

test('settings are recommended across the cases (the other varied keys), not point by point', () => {
  // The README's example, with the model's figures: a drain of ⌈N/a⌉·101 ms, work waiting a·20 µs.
  const sweep = herdSweep(
    [
      { key: 'zen.demand_amount', values: ['250', '500', '1000', '2000'] },
      { key: 'targets', values: ['10000', '100000'] },
    ],
    { constraints: ['work.latencyMs.p99<=50', 'downs.lastMs<=20000'] },
  );
  const results = sweepJobs(sweep).map((j) => {
    const [[, a], [, n]] = sweepPoints(sweep)[j.point]?.settings as [[string, string], [string, string]];
    return fakeResult(sweep, j, { lastMs: Math.ceil(Number(n) / Number(a)) * 101, workP99: (Number(a) * 20) / 1000 });
  });
  const d = planData(sweep, results);
  assert.equal([d.settingKeys, d.caseKeys], [['zen.demand_amount'], ['targets']]);
  assert.equal(d.choices.map((c) => [c.settings, c.points]), [
    [[['zen.demand_amount', '250']], [0, 1]],
    [[['zen.demand_amount', '500']], [2, 3]],
    [[['zen.demand_amount', '1000']], [4, 5]],
    [[['zen.demand_amount', '2000']], [6, 7]],
  ]);
  // 250 and 500 cannot drain 100,000 DOWNs in 20 s; 2000 makes work wait 40 ms (margin 20%);
  // 1000 drains in 10.1 s (margin 49.5%) with work at 20 ms (60%): 1000 has the most margin.
  assert.equal(d.choices.map((c) => c.pass), [false, false, true, true]);
  assert.equal(d.recommendation, { kind: 'recommended', choice: 2, minMargin: 0.495 });
  assert.is(d.choices[2]?.constraints[1]?.at, 5, 'the drain is worst at targets=100000');
  // Point by point, 500 at targets=10000 would have had more margin (89.9%), but an operator cannot choose the cluster size.
  assert.ok((d.points[2]?.minMargin as number) > 0.495 && d.points[2]?.pass === true);
  const md = renderMarkdown(d);
  assert.match(md, /\*\*Recommended: zen.demand_amount=1000\*\* \(setting 3\)\. It meets every constraint in every case and every seed with the most margin: its smallest margin is \+49.5%, on `downs.lastMs<=20000` at targets=100000/);
  assert.match(md, /## Settings across the cases/);
  // None meets a tighter drain: it binds first (fails at all four settings); the closest is the fastest.
  const none = planData({ ...sweep, constraints: ['work.latencyMs.p99<=50', 'downs.lastMs<=2000'] }, results);
  assert.equal(none.recommendation, { kind: 'none', binding: { text: 'downs.lastMs<=2000', failsAt: 4, of: 4, worstMargin: -19.2 }, closest: 3 });
});

test('a recommended compile-time ZenMonitor setting says a real node needs zen_monitor recompiled (the Truncator reads it when compiled); a run-time one does not', () => {
  const sweep = herdSweep([{ key: 'zen.truncation_depth', values: ['1', '3'] }], { set: [['zen.max_binary_size', '100']], constraints: ['work.latencyMs.p99<=10'] });
  const results = sweepJobs(sweep).map((j) => fakeResult(sweep, j, { lastMs: 1000, workP99: Number(sweepPoints(sweep)[j.point]?.settings[0]?.[1]) }));
  const d = planData(sweep, results);
  assert.equal(d.recommendation, { kind: 'recommended', choice: 0, minMargin: 0.9 });
  assert.is(
    planSummary(d),
    'recommended: zen.truncation_depth=1 (smallest margin +90.0%; zen.max_binary_size, zen.truncation_depth: compile time, recompile zen_monitor to apply)',
  );
  const md = renderMarkdown(d);
  assert.match(md, /\*\*Compile-time settings\.\*\* :max_binary_size is read when zen_monitor is compiled: on a real node set it in config\/config\.exs and recompile the dependency \(mix deps\.compile zen_monitor --force\); Application\.put_env at run time changes nothing\. :truncation_depth is read/);
  const runTime = herdSweep([{ key: 'zen.demand_amount', values: ['1', '3'] }], { constraints: ['work.latencyMs.p99<=10'] });
  const plain = planData(runTime, sweepJobs(runTime).map((j) => fakeResult(runTime, j, { lastMs: 1000, workP99: 1 })));
  assert.not.match(renderMarkdown(plain), /Compile-time/);
  assert.not.match(planSummary(plain), /compile time/);
});

test('a point whose runs left DOWNs undelivered is never recommended unless --allow-missing, and every table and plot shows the loss', () => {
  // Three choices; the one with the most margin (50) left 40 DOWNs undelivered in one seed.
  const sweep = herdSweep([{ key: 'zen.demand_amount', values: ['50', '100', '200'] }], { seeds: 2, constraints: ['work.latencyMs.p99<=10'] });
  const results = sweepJobs(sweep).map((j) => {
    const a = Number(sweepPoints(sweep)[j.point]?.settings[0]?.[1]);
    return fakeResult(sweep, j, { lastMs: 1000, workP99: a / 40, missing: a === 50 && j.seed === 2 ? 40 : 0 });
  });
  const d = planData(sweep, results);
  assert.equal(d.points.map((p) => p.missing), [{ zen: 40 }, { zen: 0 }, { zen: 0 }]);
  assert.equal(d.points.map((p) => p.truncated), [1, 0, 0]);
  assert.equal(d.points.map((p) => p.pass), [false, true, true]);
  assert.equal(d.recommendation, { kind: 'recommended', choice: 1, minMargin: 0.75 });
  const md = renderMarkdown(d);
  assert.match(md, /\*\*1 point left DOWNs undelivered\*\* \(lost, or pending when a run was cut short\) and is never recommended \(`--allow-missing` to consider them\)/);
  assert.match(md, /\| # \| `zen.demand_amount` \| `work.latencyMs.p99<=10` \| DOWNs missing \| smallest margin \| meets all \|/);
  assert.match(md, /\| 1 \| 50 \| 1.25 \(\+87.5%\) \| zen 40 ✗ \| \+87.5% \| no \|/);
  assert.match(md, /\| DOWNs missing \(most in a seed\) \|\n\|[-:|]+\|\n\| 1 \| 50 \| .* \| 40 \|/);
  assert.match(md, /\| no DOWN missing \(every run drained\) \| 0 DOWNs missing \| 0 \|  \| meets \|/);
  assert.match(md, /\| 1 \| 50 \| 1 \| .* \| 1,000 \(40 missing\) \|/, 'the closed-form table');
  const plot = d.metrics.includes('work.latencyMs.p99') ? renderHtml(d) : '';
  assert.match(plot, /stroke="#c92a2a" stroke-width="2"><title>zen: 50 → 1.25; 40 DOWNs missing<\/title>/, 'the point is ringed in the plots');
  assert.match(plot, /red ring or ▼: DOWNs missing/);
  // --allow-missing: the point with the most margin is recommended, and the report says what that means.
  const allowed = planData({ ...sweep, allowMissing: true }, results);
  assert.equal(allowed.recommendation, { kind: 'recommended', choice: 0, minMargin: 0.875 });
  assert.match(renderMarkdown(allowed), /`--allow-missing` lets them be recommended: read their DOWN figures as incomplete/);
  // When only the loss stands in the way, it is what binds first.
  const lossOnly = planData({ ...sweep, constraints: ['work.latencyMs.p99<=1.3'] }, results.filter((r) => r.point === 0));
  assert.equal(lossOnly.recommendation, { kind: 'none', binding: { text: 'no DOWN missing (every run drained)', failsAt: 1, of: 1, worstMargin: null }, closest: 0 });
});

test('the closed-form drain counts the busiest receiving node\'s DOWNs: each node has its own Dispatcher', () => {
  // fanout.ts, 4 nodes of 2000 watchers, demand_amount 100: 20 ticks of 101 ms on every
  // node at once (simulated last DOWN 2,101.5 ms), not 80 for all 8000 (8,080 ms: 0.26×).
  const sweep = herdSweep([{ key: 'zen.demand_amount', values: ['100'] }], {});
  const nodeDowns = (delivered: number) => ({ downs: { delivered, firstMs: 0, lastMs: 2101.5 } });
  const results = sweepJobs(sweep).map((j) => {
    const r = fakeResult(sweep, j, { lastMs: 2101.5, workP99: 0 });
    const z = r.runs[0] as JobResult['runs'][number];
    const nodes = Object.fromEntries(['t', 'w1', 'w2', 'w3', 'w4'].map((n) => [`${n}@127.0.0.1`, nodeDowns(n === 't' ? 0 : 2000)]));
    return { ...r, zen: { demand_amount: 100 }, runs: [{ ...z, downs: { ...z.downs, expected: 8000, delivered: 8000 }, nodes: nodes as never }] };
  });
  const e = planData(sweep, results).points[0]?.estimate;
  assert.equal([e?.n, e?.nodeN, e?.drainDriftedMs, e?.ratioDrifted], [8000, 2000, 2020, 1.040347]);
  assert.match(renderMarkdown(planData(sweep, results)), /\| 1 \| 100 \| 2,000 \| 1,000 \| 2,000 \| 2,020 \| 2,101.5 \| 1.04× \|/);
  // DOWNs missing may be the busiest node's: 300 missing (w1 got 1700) count as the busiest's, 2000 + 300.
  const short = results.map((r) => {
    const z = r.runs[0] as JobResult['runs'][number];
    const nodes = { ...z.nodes, 'w1@127.0.0.1': nodeDowns(1700) } as never;
    return { ...r, runs: [{ ...z, downs: { ...z.downs, delivered: 7700, missing: 300 }, nodes }] };
  });
  assert.is(planData(sweep, short).points[0]?.estimate?.nodeN, 2300);
});

// ---- bad input, refused before any work ------------------------------------------------

test('command-line syntax errors are one line', () => {
  parseThrows(['plan', HERD], /empty sweep/);
  parseThrows(['plan', HERD, '--vary', 'targets='], /empty sweep: --vary targets has no values/);
  parseThrows(['plan', HERD, '--vary', 'targets'], /--vary takes key=v1,v2/);
  parseThrows(['plan', HERD, '--vary', 'targets=1,,2'], /empty value/);
  parseThrows(['plan', HERD, '--vary', 'targets=1,1'], /given twice/);
  parseThrows(['plan', HERD, '--vary', 'targets=1', '--vary', 'targets=2'], /given twice/);
  parseThrows(['plan', HERD, '--vary', 'targets=1', '--set', 'targets=2'], /both varied/);
  parseThrows(['plan', HERD, '--vary', 'targets=1', '--constraint', 'downs.lastMs<5ms'], /not a number/);
  parseThrows(['plan', HERD, '--vary', 'targets=1', '--constraint', 'downs.last<5'], /unknown metric 'downs.last'/);
  parseThrows(['plan', HERD, '--vary', 'targets=1', '--seeds', '0'], /--seeds must be a positive integer/);
  parseThrows(['plan', HERD, '--vary', 'targets=1', '--shard', '3/2'], /--shard takes i\/n/);
  parseThrows(['plan', HERD, '--vary', 'targets=1', '--jobs', '0'], /--jobs/);
  parseThrows(['merge', 'a'], /--out DIR is required/);
  const ok = parseArgs(['plan', HERD, '--vary', 'zen.demand_amount=1,2', '--seeds', '4', '--seed-base', '7', '--constraint', 'work.latencyMs.p99<=50', '--shard', '2/3', '--jobs', '2', '--max-points', '9']);
  assert.equal(ok, {
    kind: 'plan',
    scenario: HERD,
    vary: [{ key: 'zen.demand_amount', values: ['1', '2'] }],
    set: [],
    seeds: 4,
    seedBase: 7,
    constraints: ['work.latencyMs.p99<=50'],
    maxPoints: 9,
    allowMissing: false,
    quiet: false,
    jobs: 2,
    shard: { i: 2, n: 3 },
  });
  assert.equal(parseArgs(['merge', 'x', 'y', '--out', 'z']), { kind: 'merge', dirs: ['x', 'y'], out: 'z', quiet: false });
});

test('scenario-dependent bad input is refused before any work (no directory written)', async () => {
  const out = join(TMP, 'refused');
  const cmd = (extra: Partial<PlanCommand>) => runPlan(planCmd(out, extra), quiet);
  await rejects(cmd({ vary: [{ key: 'nosuch', values: ['1'] }] }), /^--vary nosuch: unknown parameter 'nosuch'/);
  await rejects(cmd({ vary: [{ key: 'zen.nosuch', values: ['1'] }] }), /^--vary zen.nosuch: unknown zen_monitor config key/);
  await rejects(cmd({ vary: [{ key: 'zen.demand_amount', values: ['100', '0'] }] }), /demand_amount" must be a positive integer, got 0/);
  await rejects(cmd({ vary: [{ key: 'downCostUs', values: ['many'] }] }), /^--vary downCostUs: downCostUs must be a number/);
  await rejects(cmd({ vary: [{ key: 'net.nosuch', values: ['1'] }] }), /unknown network key/);
  await rejects(cmd({ set: [['nosuch', '1']] }), /^--set: unknown parameter 'nosuch'/);
  await rejects(cmd({ seeds: 200 }), /^this sweep has 600 runs; --max-points is 500$/);
  await rejects(cmd({ maxPoints: 5 }), /^this sweep has 6 runs; --max-points is 5$/);
  await rejects(cmd({ shard: { i: 1, n: 2 }, maxPoints: 2 }), /^this sweep has 6 runs \(3 in shard 1\/2\); --max-points is 2$/);
  await rejects(cmd({ constraints: ['nodes.c.mailbox.peak<=5'] }), /no node 'c' \(nodes: a@127.0.0.1, b@127.0.0.1\)/);
  await rejects(cmd({ constraints: ['vanilla:downs.lastMs<=5'] }), /does not run vanilla/);
  // The mirror case: an unprefixed constraint is read in the zen run, never in the vanilla one instead.
  const vanilla: [string, string][] = [['targets', String(N)], ['work', 'false'], ['mode', 'vanilla']];
  const unprefixed = "; an unprefixed constraint is read in the zen run \\(prefix vanilla: to read the other\\)$";
  await rejects(
    cmd({ vary: [{ key: 'downCostUs', values: ['10', '20'] }], set: vanilla }),
    new RegExp(`^constraint 'downs.lastMs<=${LAST_LIMIT}': point downCostUs=10 does not run zen \\(mode=vanilla\\)${unprefixed}`),
  );
  await rejects(
    cmd({ vary: [{ key: 'mode', values: ['zen', 'vanilla'] }], set: vanilla.slice(0, 2) }),
    new RegExp(`^constraint 'downs.lastMs<=${LAST_LIMIT}': point mode=vanilla does not run zen \\(mode=vanilla\\)${unprefixed}`),
  );
  // ZenMonitor settings varied where no point runs zen: they would change nothing.
  await rejects(cmd({ set: vanilla, constraints: [] }), /^--vary zen.demand_amount: no point of this sweep runs zen \(mode=vanilla\), so ZenMonitor settings have no effect$/);
  await rejects(cmd({ scenario: join(TMP, 'nosuch.ts') }), /scenario file not found/);
  assert.not.ok(existsSync(out), 'nothing was written');
});

// ---- real sweeps ------------------------------------------------------------------------

const REF = join(TMP, 'ref');

test('a closed-form sweep: the recommendation is the point the model says has the most margin', async () => {
  const r = await runPlan(planCmd(REF), quiet);
  assert.is(r.status, 'complete');
  assert.is(r.ran, 6);
  const d = r.data as NonNullable<typeof r.data>;
  // The model: ⌈N/a⌉ ticks of (demand_interval + 1) ms to drain; the subscriber's mailbox
  // peaks near one tick's hand-over (a, or N when a >= N).
  const model = AMOUNTS.map((a) => ({ a, last: Math.ceil(N / a) * 101, mailbox: Math.min(a, N) }));
  const passing = model.filter((m) => m.last <= LAST_LIMIT && m.mailbox <= MAILBOX_LIMIT);
  assert.equal(passing.map((m) => m.a), [100], 'the model: only demand_amount=100 meets both');
  assert.equal(d.points.map((p) => p.pass), AMOUNTS.map((a) => passing.some((m) => m.a === a)), 'the simulation agrees point by point');
  assert.equal(d.recommendation.kind, 'recommended');
  assert.equal([d.settingKeys, d.caseKeys], [['zen.demand_amount'], []], 'only settings varied: each point is a choice');
  assert.equal(d.choices[(d.recommendation as { choice: number }).choice]?.settings, [['zen.demand_amount', '100']]);
  for (const p of d.points) {
    const e = p.estimate as NonNullable<typeof p.estimate>;
    assert.is(e.n, N);
    assert.is(e.dispatcherRate, (Number(p.settings[0]?.[1]) * 1000) / 100);
    // Where the drain is many ticks, the simple model holds to a few percent.
    if (e.drainDriftedMs >= 1000) assert.ok(Math.abs((e.ratioDrifted as number) - 1) < 0.05, `${p.settings[0]?.[1]}: sim/model ${e.ratioDrifted}`);
  }
  // The most margin among several passing points: with the mailbox limit at 2000, 100 and
  // 1000 both pass; by the model 100's smallest margin is 1 - 1010/5000 ≈ 0.80 (drain),
  // 1000's is 1 - 1000/2000 = 0.5 (mailbox): 100 is recommended.
  const results = lines(REF).map((l) => JSON.parse(l) as JobResult);
  const loose = planData({ ...d.sweep, constraints: ['downs.lastMs<=5000', 'subscribers.mailboxPeak<=2000'] }, results);
  assert.equal(loose.points.map((p) => p.pass), [false, true, true]);
  const modelMargin = model.map((x) => Math.min(1 - x.last / 5000, 1 - x.mailbox / 2000));
  assert.ok((modelMargin[1] as number) > (modelMargin[2] as number));
  assert.is(loose.recommendation.kind, 'recommended');
  assert.is((loose.recommendation as { choice: number }).choice, 1);
  for (const i of [1, 2]) assert.ok(Math.abs((loose.points[i]?.minMargin as number) - (modelMargin[i] as number)) < 0.05, `margin of point ${i + 1} near the model's`);
  // None passes: the constraint failing at the most points binds first; the closest point has the largest smallest margin.
  const none = planData({ ...d.sweep, constraints: ['downs.lastMs<=50', 'subscribers.mailboxPeak<=50'] }, results);
  assert.is(none.recommendation.kind, 'none');
  const rec = none.recommendation as Extract<typeof none.recommendation, { kind: 'none' }>;
  assert.equal([rec.binding.text, rec.binding.failsAt, rec.binding.of], ['downs.lastMs<=50', 3, 3]);
  const closest = none.points.reduce((a, b) => ((b.minMargin as number) > (a.minMargin as number) ? b : a));
  assert.is(rec.closest, closest.index);
  assert.match(renderMarkdown(none), /No point meets every constraint.*binds first is `downs.lastMs<=50`: it fails at 3 of 3 points/);
  // No constraints: tables and plots, no recommendation.
  const free = planData({ ...d.sweep, constraints: [] }, results);
  assert.equal(free.recommendation, { kind: 'no-constraints' });
  assert.match(renderMarkdown(free), /nothing is recommended/);
  // The report: the recommendation, the closed form beside the simulation, the plots, every command.
  const md = read(REF, 'report.md');
  assert.match(md, /\*\*Recommended: zen.demand_amount=100\*\*/);
  assert.match(md, /Closed-form estimates beside the simulation/);
  assert.match(md, /npx zensim run \S+herd.ts --seed S --set targets=1000 --set work=false --set mode=zen --set zen.demand_amount=10`/);
  assert.match(md, /!\[last DOWN \(ms\) vs zen.demand_amount\]\(plots\/downs.lastMs--zen.demand_amount.svg\)/);
  assert.ok(existsSync(join(REF, 'plots', 'downs.lastMs--zen.demand_amount.svg')));
  const html = read(REF, 'report.html');
  assert.match(html, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.not.match(html, /<script|https?:\/\/(?!www.w3.org\/2000\/svg)/, 'self-contained');
  assert.is(html, renderHtml(planData(JSON.parse(read(REF, 'sweep.json')) as SweepDef, results)), 'the report comes from the files alone');
});

test('plan exits 1 when nothing meets the constraints, with the report written; 0 when something does', async () => {
  const none = join(TMP, 'none');
  assert.is(await runPlanCommand(planCmd(none, { seeds: 1, constraints: ['downs.lastMs<=50'] })), 1);
  assert.match(read(none, 'report.md'), /No point meets every constraint/);
  assert.is(await runMergeCommand({ kind: 'merge', dirs: [none], out: join(TMP, 'none-merged'), quiet: true }), 1, 'merge agrees');
  const some = join(TMP, 'some');
  assert.is(await runPlanCommand(planCmd(some, { seeds: 1 })), 0);
});

test('same inputs give the same results and the same report, byte for byte', async () => {
  const again = join(TMP, 'again');
  await runPlan(planCmd(again), quiet);
  for (const f of ['results.jsonl', 'sweep.json', 'report.json', 'report.md', 'report.html']) assert.is(read(again, f), read(REF, f), f);
  // Rerunning in the same directory runs nothing and renders the same report.
  const r = await runPlan(planCmd(again), quiet);
  assert.equal([r.ran, r.skipped], [0, 6]);
  assert.is(read(again, 'report.md'), read(REF, 'report.md'));
  // A different sweep is not mixed into it.
  await rejects(runPlan(planCmd(again, { seeds: 3 }), quiet), /holds a different sweep \(its seeds differs\)/);
});

test('an interrupted sweep resumes where it stopped and ends equal to an uninterrupted one', async () => {
  const dir = join(TMP, 'resume');
  const first = await runPlan(planCmd(dir), { ...quiet, maxJobs: 3 });
  assert.equal([first.status, first.ran], ['interrupted', 3]);
  assert.is(lines(dir).length, 3);
  assert.not.ok(existsSync(join(dir, 'report.md')), 'no report before the sweep is complete');
  // The machine died while writing the fourth line.
  const fourth = lines(REF)[3] as string;
  appendFileSync(join(dir, 'results.jsonl'), fourth.slice(0, 40));
  const notes: string[] = [];
  const second = await runPlan(planCmd(dir), { err: (s) => notes.push(s), out: () => {} });
  assert.equal([second.status, second.ran, second.skipped], ['complete', 3, 3], 'only the missing jobs ran');
  assert.match(notes.join(''), /ignoring a partly written last line/);
  for (const f of ['results.jsonl', 'report.json', 'report.md']) assert.is(read(dir, f), read(REF, f), f);
});

test('shards 1/2 and 2/2 (one on worker threads) merged equal the single-machine result', async () => {
  const s1 = join(TMP, 'shard1');
  const s2 = join(TMP, 'shard2');
  const r1 = await runPlan(planCmd(s1, { shard: { i: 1, n: 2 }, jobs: 2 }), quiet);
  assert.equal([r1.status, r1.ran, r1.workers], ['shard-done', 3, 2], 'shard 1 ran on two worker threads');
  assert.not.ok(existsSync(join(s1, 'report.md')));
  const r2 = await runPlan(planCmd(s2, { shard: { i: 2, n: 2 } }), quiet);
  assert.equal([r2.status, r2.ran], ['shard-done', 3]);
  assert.equal(lines(s1).map((l) => (JSON.parse(l) as JobResult).job), [0, 2, 4]);
  const merged = join(TMP, 'merged');
  const m = await runMerge({ kind: 'merge', dirs: [s2, s1], out: merged, quiet: true }, quiet);
  assert.is(m.status, 'complete');
  for (const f of ['results.jsonl', 'sweep.json', 'report.json', 'report.md', 'report.html']) assert.is(read(merged, f), read(REF, f), f);
  // Merging into one of the shards would turn it into the merge: refused, however the path is spelled, the shard untouched.
  const shard1 = ['sweep.json', 'results.jsonl'].map((f) => read(s1, f));
  for (const out of [s1, `${s1}/`, join(s2, '..', 'shard1')]) {
    await rejects(runMerge({ kind: 'merge', dirs: [s2, s1], out, quiet: true }, quiet), /^merge: --out .* is one of the directories merged; write the merged sweep to another directory$/);
  }
  assert.equal(['sweep.json', 'results.jsonl'].map((f) => read(s1, f)), shard1);
  assert.not.ok(existsSync(join(s1, 'report.md')));
  // Merging one shard alone: the report says it is incomplete.
  const part = join(TMP, 'part');
  const p = await runMerge({ kind: 'merge', dirs: [s1], out: part, quiet: true }, quiet);
  assert.is(p.status, 'incomplete');
  assert.match(read(part, 'report.md'), /incomplete: 3 of 6 runs have results/);
  // Shards of different sweeps are not merged.
  const other = join(TMP, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'sweep.json'), JSON.stringify({ ...(JSON.parse(read(s1, 'sweep.json')) as SweepDef), seedBase: 2 }));
  await rejects(runMerge({ kind: 'merge', dirs: [s1, other], out: join(TMP, 'm2'), quiet: true }, quiet), /holds a different sweep than .* \(its seedBase differs\)/);
});

test('merge reads an unprefixed constraint in the zen run only: runs without zen are refused, not judged on vanilla', async () => {
  const dir = join(TMP, 'vanilla-only');
  const set: [string, string][] = [['targets', String(N)], ['work', 'false'], ['mode', 'vanilla']];
  const r = await runPlan(planCmd(dir, { vary: [{ key: 'downCostUs', values: ['10', '20'] }], set, seeds: 1, constraints: ['vanilla:downs.lastMs<=5000'] }), quiet);
  assert.is(r.status, 'complete');
  const out = join(TMP, 'vanilla-merged');
  await rejects(runMerge({ kind: 'merge', dirs: [dir], out, constraints: ['downs.lastMs<=5000'], quiet: true }, quiet), /^constraint 'downs.lastMs<=5000': run 1 did not run zen$/);
  assert.not.ok(existsSync(out), 'nothing written');
});

/**
 * A `workerPool` hook that records what it is told: the worker count as the pool starts
 * (and whether a result line was written by then), and when it is left (and whether a
 * result was accepted after that).
 */
function poolWatch(dir: string): { hooks: PlanHooks; calls: string[] } {
  const calls: string[] = [];
  const linesNow = () => (existsSync(join(dir, 'results.jsonl')) ? lines(dir).length : 0);
  const hooks: PlanHooks = {
    ...quiet,
    workerPool: (workers) => {
      calls.push(`enter ${workers} after ${linesNow()} results`);
      return () => calls.push(`leave after ${linesNow()} results`);
    },
  };
  return { hooks, calls };
}

test('a sweep on worker threads writes the same bytes as one on a single worker; the pool hook is told before the first run and left once after the last', async () => {
  const dir = join(TMP, 'workers');
  const { hooks, calls } = poolWatch(dir);
  const r = await runPlan(planCmd(dir, { jobs: 2 }), hooks);
  assert.equal([r.status, r.ran, r.workers], ['complete', 6, 2]);
  for (const f of ['results.jsonl', 'sweep.json', 'report.json', 'report.md', 'report.html']) assert.is(read(dir, f), read(REF, f), f);
  assert.equal(calls, ['enter 2 after 0 results', 'leave after 6 results']);
});

test('a sweep with --jobs 1 runs on one worker thread, entering the pool (its heap settings) before the first run and leaving it once after the last', async () => {
  const dir = join(TMP, 'one-worker');
  const { hooks, calls } = poolWatch(dir);
  const r = await runPlan(planCmd(dir, { jobs: 1, seeds: 1 }), hooks);
  assert.equal([r.status, r.ran, r.workers], ['complete', 3, 1]);
  assert.equal(calls, ['enter 1 after 0 results', 'leave after 3 results']);
});

test('runs estimated at largeRuns.minBytes or more are handed back by the workers started before, and run on workers started after its one enter: the same bytes, left once after the last run', async () => {
  const dir = join(TMP, 'large-runs');
  const { hooks, calls } = poolWatch(dir);
  const largeRuns = {
    minBytes: 1, // every run is large
    enter: () => {
      calls.push(`enter large after ${lines(dir).length} results`);
      return () => calls.push(`leave large after ${lines(dir).length} results`);
    },
  };
  const r = await runPlan(planCmd(dir, { jobs: 2 }), { ...hooks, largeRuns });
  assert.equal([r.status, r.ran, r.workers], ['complete', 6, 2]);
  for (const f of ['results.jsonl', 'sweep.json', 'report.json', 'report.md', 'report.html']) assert.is(read(dir, f), read(REF, f), f);
  assert.equal(calls, ['enter 2 after 0 results', 'enter large after 0 results', 'leave large after 6 results', 'leave after 6 results']);
  const small = join(TMP, 'large-runs-none');
  const watched = poolWatch(small);
  await runPlan(planCmd(small, { jobs: 1, seeds: 1 }), { ...watched.hooks, largeRuns: { ...largeRuns, minBytes: 2 ** 40 } });
  assert.equal(watched.calls, ['enter 1 after 0 results', 'leave after 3 results'], 'no run that large: no worker started again');
});

test('a sweep on workers cut short by its run limit leaves the pool once', async () => {
  const dir = join(TMP, 'pool-cut');
  const { hooks, calls } = poolWatch(dir);
  const r = await runPlan(planCmd(dir, { jobs: 2 }), { ...hooks, maxJobs: 2 });
  assert.is(r.status, 'interrupted');
  assert.equal(calls.map((c) => c.replace(/leave after \d+/, 'leave after k')), ['enter 2 after 0 results', 'leave after k results']);
});

// ---- failures on worker threads ---------------------------------------------------------

/** A scenario whose run ends at once, or throws (fault=1), or calls process.exit(3) (fault=2: in a worker thread, ends the worker). */
const FAULTY = `import { defineScenario, param } from 'zensim';
export default defineScenario({
  name: 'faulty',
  description: 'a run that ends at once, or fails',
  params: { fault: param.int(0, 'the planted fault', { min: 0, max: 2 }) },
  cluster: () => ({ nodes: [{ name: 'a@h' }] }),
  script: (run, p) => {
    if (p.fault === 1) throw new Error('planted failure');
    if (p.fault === 2) process.exit(3);
    run.endAt(1000);
  },
});
`;

async function planFails(fault: number, re: RegExp): Promise<Error> {
  const scenario = join(TMP, 'faulty.ts');
  writeFileSync(scenario, FAULTY);
  const dir = join(TMP, `faulty-${fault}`);
  const cmd = planCmd(dir, { scenario, vary: [{ key: 'fault', values: ['0', String(fault)] }], set: [], seeds: 1, constraints: [], jobs: 2 });
  const { hooks, calls } = poolWatch(dir);
  try {
    await runPlan(cmd, hooks);
  } catch (e) {
    assert.match((e as Error).message, re, (e as Error).message);
    // The good run may or may not have finished first; nothing else is written.
    assert.ok(!existsSync(join(dir, 'results.jsonl')) || lines(dir).every((l) => (JSON.parse(l) as JobResult).job === 0), 'only whole lines of the good run');
    assert.not.ok(existsSync(join(dir, 'report.md')));
    assert.equal(calls.map((c) => c.replace(/ after \d+ results/, '')), ['enter 2', 'leave'], 'the pool is left once, failing too');
    return e as Error;
  }
  return assert.unreachable(`expected the sweep to fail (${re})`) as never;
}

test('a run that throws on a worker stops the sweep with one line naming the run, its point and seed, and where it threw', async () => {
  const e = await planFails(1, /^run 2 \(point fault=1, seed 1\): \S*faulty\.ts:8:\d+: planted failure \(vanilla run, at \d+ virtual ms\)$/);
  assert.instance(e, InputError, 'the scenario\'s error, as bad input');
});

test('a sweep refused by its first run (bad input, before any result) leaves no directory it made; one that was there stays', async () => {
  const scenario = join(TMP, 'faulty.ts');
  writeFileSync(scenario, FAULTY);
  const refused = /^run 1 \(point fault=1, seed 1\): \S*faulty\.ts:8:\d+: planted failure \(vanilla run, at \d+ virtual ms\)$/;
  const made = join(TMP, 'refused-new');
  const cmd = (out: string) => planCmd(out, { scenario, vary: [{ key: 'fault', values: ['1'] }], set: [], seeds: 1, constraints: [] });
  await rejects(runPlan(cmd(join(made, 'out')), quiet), refused);
  assert.not.ok(existsSync(made), 'the directory and the parent it made are gone');
  const there = join(TMP, 'refused-there');
  mkdirSync(there);
  await rejects(runPlan(cmd(there), quiet), refused);
  assert.ok(existsSync(join(there, 'sweep.json')), 'a directory that was there is kept, resumable');
});

/** Per `case`: 0, a slow run (20,000 DOWNs); 1, a run that throws once its 2,000 monitors are set up; 2, a fast run (10 DOWNs). */
const SLOW_FAILING_FAST = `import { defineScenario, param } from 'zensim';
export default defineScenario({
  name: 'slow_failing_fast',
  description: 'a slow run, a run that fails midway, a fast run',
  params: { case: param.int(0, 'which run', { min: 0, max: 2 }) },
  cluster: () => ({ nodes: [{ name: 'a@h' }, { name: 'b@h' }] }),
  script: (run, p) => {
    const n = [20000, 2000, 10][p.case] ?? 1;
    run.connect('a@h', 'b@h');
    run.expectDowns(n);
    const targets = run.spawnMany('b@h', n);
    run.when(() => run.connected('a@h', 'b@h'), () => {
      run.subscriber('a@h', { name: 'sub', downCostUs: 20, setup: function* (ctx) { for (const t of targets) yield* run.timed.monitor(ctx, t); } });
    });
    run.when(() => run.established() >= n, () => {
      if (p.case === 1) throw new Error('planted failure midway');
      run.trigger();
      run.crash('b@h');
      run.endWhenDrained(run.drainEstimateMs({ downs: n, downCostUs: 20, cause: 'nodedown' }));
    });
  },
});
`;

test('a run that fails keeps what one thread keeps, whatever --jobs: the runs before it finish and are kept, none after it', async () => {
  const scenario = join(TMP, 'slow_failing_fast.ts');
  writeFileSync(scenario, SLOW_FAILING_FAST);
  const kept: string[] = [];
  for (const jobs of [1, 3]) {
    const dir = join(TMP, `slow-failing-fast-${jobs}`);
    const cmd = planCmd(dir, { scenario, vary: [{ key: 'case', values: ['0', '1', '2'] }], set: [], seeds: 1, constraints: [], jobs });
    // With 3 workers the fast run after the failing one finishes first, and the slow one before it last.
    await rejects(runPlan(cmd, quiet), /^run 2 \(point case=1, seed 1\): \S*slow_failing_fast\.ts:\d+:\d+: planted failure midway \(vanilla run, at \d+ virtual ms\)$/);
    assert.equal(lines(dir).map((l) => (JSON.parse(l) as JobResult).job), [0], `--jobs ${jobs}: the run before the failure, only`);
    kept.push(read(dir, 'results.jsonl'));
  }
  assert.is(kept[1], kept[0], 'the same bytes');
});

test('a worker that dies stops the sweep, saying how it ended', async () => {
  assert.not.instance(await planFails(2, /^a plan worker exited \(code 3\)$/), InputError);
});

test('Ctrl-C at a terminal (SIGINT to the process group) interrupts a sweep on workers: finished runs kept, exit 130, nothing left running', async () => {
  const dir = join(TMP, 'sigint');
  const bin = fileURLToPath(new URL('../../../bin/zensim.mjs', import.meta.url));
  const args = ['plan', HERD, '--vary', 'zen.demand_amount=10,100,1000', '--set', `targets=${N}`, '--set', 'work=false', '--set', 'mode=zen', '--seeds', '10', '--out', dir, '--jobs', '2'];
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  const closed = new Promise<number | null>((r) => child.on('close', r));
  const results = join(dir, 'results.jsonl');
  while (!existsSync(results) || lines(dir).length === 0) await new Promise((r) => setTimeout(r, 20));
  process.kill(-(child.pid as number), 'SIGINT');
  assert.is(await closed, 130, err);
  const kept = lines(dir).map((l) => (JSON.parse(l) as JobResult).job);
  assert.ok(kept.length >= 1 && kept.length < 30, `${kept.length} runs kept`);
  // Whole lines, each run once: those finished in order, then any that finished ahead of a run cut short.
  assert.ok(kept.every((j, i) => i === 0 || j > (kept[i - 1] as number)), `increasing job numbers: ${kept.join(',')}`);
  assert.match(err, new RegExp(`interrupted: ${kept.length} of 30 runs have results`));
  assert.throws(() => process.kill(-(child.pid as number), 0), /ESRCH/, 'no process of the group is left');
});

test.after(() => rmSync(TMP, { recursive: true, force: true }));

test.run();
