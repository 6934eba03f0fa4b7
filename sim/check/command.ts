// The check layer (sim/check): schedules (schedule.ts), their fast-check arbitraries
// (arbitraries.ts), running one on a simulated cluster (run.ts) and what it observed
// (observations.ts), the properties (properties.ts), the known findings (findings.ts)
// and the command (this file). It may import report/, run/, zen/, beam/, engine/ and
// core/; never plan/ or the CLI.
//
// `zensim check`: ZenMonitor's guarantees (sim/check/properties.ts) checked with
// fast-check against random schedules of workload and faults (sim/check/arbitraries.ts)
// run on the simulated cluster (sim/check/run.ts). A failing property is shrunk to a
// minimal schedule, written to a replay file, and printed with the one command that
// replays it exactly (and writes its trace); `--replay` runs that schedule alone.
//
// How a run of the suite goes: one pass over `runs` generated schedules checks every
// selected property on each (a schedule is run once, or twice for the determinism
// property); then each property that failed is shrunk on its own, by fast-check
// replaying the failing run (its `path`) with that property alone, so shrinking keeps
// the failure it started from. Same seed, same schedules, same verdicts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import fc from 'fast-check';
import { scheduleArb, type ArbOptions } from './arbitraries.js';
import { knownFinding, type Finding } from './findings.js';
import { Facts, PROPERTIES, PROPERTY_NAMES, propertyByName, type Property, type PropertyName, type Verdict } from './properties.js';
import { writeExunitExports } from './exunit.js';
import { runSchedule } from './run.js';
import { parseSchedule, scheduleJson, withSettings, type Schedule } from './schedule.js';
import { checkWritable, PendingFile, writeAtomic } from '../report/output.js';
import { InputError } from '../run/params.js';
import type { ComponentSteps } from '../zen/cluster.js';
import type { Observations } from './observations.js';

export type CheckOptions = {
  /** Schedules to try (default 100). */
  runs?: number;
  /** fast-check seed (default 1). */
  seed?: number;
  /** Check this property alone (default: all). */
  property?: PropertyName;
  /** `zen.<key>` overrides as (key without `zen.`, value) pairs: the user's own settings. */
  zen?: readonly (readonly [string, unknown])[];
  /** Replaced component step functions (mutation tests). */
  steps?: Partial<ComponentSteps>;
  arb?: ArbOptions;
  /** Shrink failures to a minimal schedule (default true). */
  shrink?: boolean;
  /** Where replay files go (default `.zensim`); null writes none. */
  replayDir?: string | null;
  /** Progress and report lines. */
  log?: (line: string) => void;
};

export type Failure = {
  readonly why: string;
  /** The documented upstream behaviour this failure is, if it is one (docs/findings.md). */
  readonly finding: Finding | undefined;
  readonly schedule: Schedule;
  /** Index of the first failing run of the pass. */
  readonly runIndex: number;
  readonly shrinks: number;
  readonly replayFile: string | undefined;
  readonly command: string;
  readonly inline: string;
};
export type PropertyOutcome = { readonly name: PropertyName; readonly ok: boolean; readonly failure?: Failure };
export type CheckReport = {
  readonly ok: boolean;
  readonly seed: number;
  readonly runs: number;
  readonly outcomes: PropertyOutcome[];
  /** ERTS monitors Proxies kept on live targets after unsubscribe, summed over the runs' ends (documented upstream). */
  readonly proxyMonitorsKept: number;
};

/** Runs the suite; never throws on a failing property (see `ok`). */
export function runCheck(opts: CheckOptions = {}): CheckReport {
  const runs = opts.runs ?? 100;
  const seed = opts.seed ?? 1;
  const log = opts.log ?? (() => {});
  const props = opts.property === undefined ? PROPERTIES : [propertyByName(opts.property) as Property];
  const zen = opts.zen ?? [];
  const arb = scheduleArb(opts.arb).map((s) => withSettings(s, zen));
  const observe = observer(opts.steps);
  const firstFailure = new Map<PropertyName, number>();
  let kept = 0;
  let index = 0;
  fc.check(
    fc.property(arb, (s) => {
      const obs = observe(s);
      for (const e of obs.ends) kept += e.proxyMonitorsKept;
      for (const p of props) {
        if (firstFailure.has(p.name)) continue;
        if (!p.check(obs, () => observe(s, true)).ok) firstFailure.set(p.name, index);
      }
      index++;
      return true;
    }),
    { seed, numRuns: runs },
  );
  const outcomes: PropertyOutcome[] = [];
  for (const p of props) {
    const at = firstFailure.get(p.name);
    if (at === undefined) {
      outcomes.push({ name: p.name, ok: true });
      log(`  ok    ${p.name} (${runs} runs)`);
      continue;
    }
    log(`  FAIL  ${p.name} (first at run ${at + 1} of ${runs})${opts.shrink === false ? '' : '; shrinking…'}`);
    const failure = minimize(p, arb, observe, { seed, runs, at, shrink: opts.shrink !== false, replayDir: opts.replayDir === undefined ? '.zensim' : opts.replayDir });
    outcomes.push({ name: p.name, ok: false, failure });
  }
  return { ok: outcomes.every((o) => o.ok), seed, runs, outcomes, proxyMonitorsKept: kept };
}

/** Runs schedules, remembering the last few (the pass and shrinking meet the same ones again). */
function observer(steps: Partial<ComponentSteps> | undefined): (s: Schedule, fresh?: boolean) => Observations {
  const cache = new Map<string, Observations>();
  return (s, fresh = false) => {
    const key = scheduleJson(s);
    const hit = fresh ? undefined : cache.get(key);
    if (hit !== undefined) return hit;
    const obs = runSchedule(s, steps !== undefined ? { steps } : {});
    if (!fresh) {
      cache.set(key, obs);
      if (cache.size > 64) cache.delete(cache.keys().next().value as string);
    }
    return obs;
  };
}

function minimize(
  p: Property,
  arb: fc.Arbitrary<Schedule>,
  observe: (s: Schedule, fresh?: boolean) => Observations,
  o: { seed: number; runs: number; at: number; shrink: boolean; replayDir: string | null },
): Failure {
  const holds = (s: Schedule) => p.check(observe(s), () => observe(s, true)).ok;
  const details = fc.check(fc.property(arb, holds), {
    seed: o.seed,
    numRuns: o.runs,
    path: String(o.at),
    endOnFailure: !o.shrink,
  });
  const found = details.counterexample?.[0];
  if (!details.failed || found === undefined) throw new Error(`${p.name}: run ${o.at + 1} failed in the pass but not when replayed`);
  const verdict = p.check(observe(found), () => observe(found, true)) as Extract<Verdict, { ok: false }>;
  const inline = Buffer.from(scheduleJson(found)).toString('base64url');
  let replayFile: string | undefined;
  if (o.replayDir !== null) {
    mkdirSync(o.replayDir, { recursive: true });
    replayFile = join(o.replayDir, `check-${p.name}-seed${o.seed}.json`);
    writeAtomic(replayFile, `${scheduleJson(found)}\n`);
  }
  const source = replayFile !== undefined ? `--replay ${replayFile}` : `--replay-inline ${inline}`;
  return {
    why: verdict.why,
    finding: knownFinding(p.name, verdict, new Facts(observe(found))),
    schedule: found,
    runIndex: o.at,
    shrinks: details.numShrinks,
    replayFile,
    command: `npx zensim check --property ${p.name} ${source} --trace trace.jsonl`,
    inline,
  };
}

export type ReplayOutcome = { readonly name: PropertyName; readonly verdict: Verdict };
export type ReplayReport = {
  readonly ok: boolean;
  readonly outcomes: ReplayOutcome[];
  readonly traceHash: string;
  readonly events: number;
  readonly observations: Observations;
};

/** Runs one schedule exactly and checks it (one property, or all); writes its trace if asked. */
export function replaySchedule(
  s: Schedule,
  opts: { property?: PropertyName; trace?: string; steps?: Partial<ComponentSteps> } = {},
): ReplayReport {
  const trace = opts.trace !== undefined ? new PendingFile(opts.trace) : undefined;
  let obs: Observations;
  try {
    obs = runSchedule(s, {
      ...(opts.steps !== undefined ? { steps: opts.steps } : {}),
      ...(trace !== undefined ? { trace: (line: string) => trace.write(`${line}\n`) } : {}),
    });
    trace?.commit();
  } catch (e) {
    trace?.discard();
    throw e;
  }
  const props = opts.property === undefined ? PROPERTIES : [propertyByName(opts.property) as Property];
  const rerun = () => runSchedule(s, opts.steps !== undefined ? { steps: opts.steps } : {});
  const outcomes = props.map((p) => ({ name: p.name, verdict: p.check(obs, rerun) }));
  return { ok: outcomes.every((o) => o.verdict.ok), outcomes, traceHash: obs.traceHash, events: obs.events, observations: obs };
}

// ---- the command line --------------------------------------------------------------------------

export type CheckCommand = {
  kind: 'check';
  runs: number;
  seed: number;
  property?: PropertyName;
  zen: [string, unknown][];
  /** Schedule generation: faults and flushes racing the Dispatcher (both on by default). */
  arb: { faults: boolean; racing: boolean };
  replay?: { file: string } | { inline: string };
  trace?: string;
  /** Write the schedule (a replay's, or each failing property's minimal one) as an ExUnit test. */
  exportExunit?: string;
  quiet: boolean;
};

export function checkOptions<T>(y: Argv<T>) {
  return y
    .option('runs', { type: 'number', default: 100, describe: 'random schedules to try' })
    .option('seed', { type: 'number', default: 1, describe: 'fast-check seed (same seed, same schedules, same verdicts)' })
    .option('property', { type: 'string', describe: `check one property: ${PROPERTY_NAMES.join(', ')}` })
    .option('set', { type: 'string', array: true, default: [] as string[], describe: "your ZenMonitor settings, zen.<key>=value (e.g. zen.demand_amount=500): they replace the generated ones (with --replay, the file's); repeatable" })
    .option('faults', { type: 'boolean', default: true, describe: 'generate faults (crashes, partitions, latency, ZenMonitor stops); --no-faults checks a healthy cluster' })
    .option('racing', { type: 'boolean', default: true, describe: 'generate demonitor(ref, [:flush]) calls that race the Dispatcher by a few µs; --no-racing leaves them out' })
    .option('replay', { type: 'string', describe: 'run exactly the schedule in FILE (written by a failing check) and check it' })
    .option('replay-inline', { type: 'string', describe: 'as --replay, the schedule given inline (base64url JSON, printed by a failing check)' })
    .option('trace', { type: 'string', describe: 'with --replay: write every executed event, one JSON object per line, to FILE' })
    .option('export-exunit', { type: 'string', describe: 'write the schedule (with --replay) or each failing property\'s minimal schedule as an ExUnit test, OUT.exs, to run on real BEAM nodes (mix test OUT.exs)' })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but failures and errors' });
}

export function checkCommand(args: Record<string, unknown>): CheckCommand {
  const runs = args.runs as number;
  if (!Number.isSafeInteger(runs) || runs < 1) throw new InputError(`--runs must be a positive integer, got ${String(runs)}`);
  const seed = args.seed as number;
  if (!Number.isSafeInteger(seed)) throw new InputError(`--seed must be an integer, got ${String(seed)}`);
  const cmd: CheckCommand = { kind: 'check', runs, seed, zen: [], arb: { faults: args.faults !== false, racing: args.racing !== false }, quiet: args.quiet === true };
  if (args.property !== undefined) {
    const p = String(args.property);
    if (propertyByName(p) === undefined) throw new InputError(`unknown property '${p}' (known: ${PROPERTY_NAMES.join(', ')})`);
    cmd.property = p as PropertyName;
  }
  for (const kv of (args.set as string[] | undefined) ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new InputError(`--set takes zen.<key>=value, got '${kv}'`);
    const key = kv.slice(0, i);
    if (!key.startsWith('zen.')) throw new InputError(`--set ${key}: zensim check takes ZenMonitor settings only (zen.<key>=value)`);
    cmd.zen.push([key.slice(4), coerce(kv.slice(i + 1))]);
  }
  withSettings({ version: 1, seed: 0, nodes: [], zen: {}, procs: [], steps: [], faultsEndMs: 0 }, cmd.zen);
  const file = args.replay;
  const inline = args['replay-inline'] ?? args.replayInline;
  if (file !== undefined && inline !== undefined) throw new InputError('give --replay FILE or --replay-inline DATA, not both');
  if (file !== undefined) {
    if (String(file) === '') throw new InputError('--replay needs a file name');
    cmd.replay = { file: String(file) };
  } else if (inline !== undefined) cmd.replay = { inline: String(inline) };
  if (args.trace !== undefined) {
    if (cmd.replay === undefined) throw new InputError('--trace needs --replay (the trace of one schedule)');
    if (String(args.trace) === '') throw new InputError('--trace needs a file name');
    cmd.trace = String(args.trace);
  }
  const exunit = args['export-exunit'] ?? args.exportExunit;
  if (exunit !== undefined) {
    if (!String(exunit).endsWith('.exs')) throw new InputError(`--export-exunit takes a file name ending in .exs, got '${String(exunit)}'`);
    cmd.exportExunit = String(exunit);
  }
  return cmd;
}

function coerce(v: string): unknown {
  const n = Number(v.replaceAll('_', ''));
  return v.trim() !== '' && Number.isFinite(n) ? n : v;
}

/** Reads the schedule a replay command names; InputError with one line when it cannot. */
export async function loadReplay(r: { file: string } | { inline: string }): Promise<Schedule> {
  if ('file' in r) {
    const { readFileSync, existsSync, statSync } = await import('node:fs');
    if (!existsSync(r.file) || !statSync(r.file).isFile()) throw new InputError(`--replay ${r.file}: no such file`);
    return parseSchedule(readFileSync(r.file, 'utf8'), r.file);
  }
  let text: string;
  try {
    text = Buffer.from(r.inline, 'base64url').toString('utf8');
  } catch {
    throw new InputError('--replay-inline: not base64url');
  }
  return parseSchedule(text, '--replay-inline');
}

/** `zensim check`: exit 0 when every property holds, 1 when one fails. */
export async function runCheckCommand(cmd: CheckCommand): Promise<number> {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const say = (s: string) => {
    if (!cmd.quiet) out(s);
  };
  const sets = cmd.zen.map(([k, v]) => ` --set zen.${k}=${String(v)}`).join('');
  if (cmd.replay !== undefined) {
    if (cmd.trace !== undefined) checkWritable(cmd.trace, '--trace');
    if (cmd.exportExunit !== undefined) checkWritable(cmd.exportExunit, '--export-exunit');
    const schedule = withSettings(await loadReplay(cmd.replay), cmd.zen);
    const rep = replaySchedule(schedule, { ...(cmd.property !== undefined ? { property: cmd.property } : {}), ...(cmd.trace !== undefined ? { trace: cmd.trace } : {}) });
    say(`zensim check --replay (${schedule.nodes.length} nodes, ${schedule.steps.length} steps, seed ${schedule.seed})  traceHash ${rep.traceHash}  ${rep.events} events`);
    for (const o of rep.outcomes) {
      if (o.verdict.ok) say(`  ok    ${o.name}${o.verdict.notes.map((n) => `\n        note: ${n}`).join('')}`);
      else {
        out(`  FAIL  ${o.name}\n        ${o.verdict.why}`);
        const known = knownFinding(o.name, o.verdict, new Facts(rep.observations));
        if (known !== undefined) out(`        known: documented upstream behaviour, ${known.id}: ${known.title} (${known.doc})`);
      }
    }
    if (cmd.trace !== undefined) say(`trace: ${cmd.trace}`);
    if (cmd.exportExunit !== undefined) {
      const source = 'file' in cmd.replay ? cmd.replay.file : '--replay-inline';
      for (const f of writeExunitExports(cmd.exportExunit, [{ schedule, source, property: cmd.property }])) say(`ExUnit test: ${f}  (mix test ${f})`);
    }
    return rep.ok ? 0 : 1;
  }
  const flags = `${cmd.arb.faults ? '' : ' --no-faults'}${cmd.arb.racing ? '' : ' --no-racing'}`;
  say(`zensim check --runs ${cmd.runs} --seed ${cmd.seed}${cmd.property !== undefined ? ` --property ${cmd.property}` : ''}${flags}${sets}`);
  if (cmd.exportExunit !== undefined) checkWritable(cmd.exportExunit, '--export-exunit');
  const report = runCheck({
    runs: cmd.runs,
    seed: cmd.seed,
    zen: cmd.zen,
    arb: cmd.arb,
    ...(cmd.property !== undefined ? { property: cmd.property } : {}),
    log: say,
  });
  if (report.proxyMonitorsKept > 0) {
    say(`  note: Proxies kept ${report.proxyMonitorsKept} ERTS monitor(s) on live targets after unsubscribe (documented upstream behaviour; counted, not a failure)`);
  }
  for (const o of report.outcomes) {
    const f = o.failure;
    if (f === undefined) continue;
    out(`\n${o.name} FAILS: ${f.why}`);
    out(`minimal schedule (${f.shrinks} shrinks): ${scheduleJson(f.schedule)}`);
    out(`replay: ${f.command}`);
    if (f.replayFile !== undefined) out(`  (or anywhere: npx zensim check --property ${o.name} --replay-inline ${f.inline})`);
    if (f.finding !== undefined) out(`known: this is documented upstream behaviour, ${f.finding.id}: ${f.finding.title} (${f.finding.doc})`);
  }
  if (cmd.exportExunit !== undefined) {
    const failed = report.outcomes.flatMap((o) => (o.failure === undefined ? [] : [{ schedule: o.failure.schedule, source: o.failure.replayFile ?? `check --seed ${cmd.seed}`, property: o.name }]));
    for (const f of writeExunitExports(cmd.exportExunit, failed)) out(`ExUnit test: ${f}  (mix test ${f})`);
    if (failed.length === 0) say(`no property failed: no ExUnit test written to ${cmd.exportExunit}`);
  }
  return report.ok ? 0 : 1;
}
