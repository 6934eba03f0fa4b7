// Running the check suite (`runCheck`) and one schedule (`replaySchedule`): the library
// half of `zensim check` (command.ts is the command line).
//
// How a run of the suite goes: one pass over `runs` generated schedules (fast-check,
// seeded) runs each one (twice for the determinism property) and judges every selected
// property on it. Every run counts or fails: a run that throws (a model invariant, a
// kernel error, an unexpected state) is a crash, a failure of its own; the others are
// "completed", and each property's verdict on each is classified (findings.ts): passed,
// a documented finding (only when every violation matches that finding's signature), or
// new. Then each class met (a crash message, a finding, a new violation code) is shrunk
// on its own from its first run, by fast-check replaying that run (its `path`) and
// keeping only schedules of the same class, so shrinking never trades one failure for
// another. The shrunk schedule is written, normalized (replay files name only what
// exists), to a replay file named for its class, the seed and a hash of its content:
// the same schedule, the same file; checks with other options in the same folder never
// overwrite another's.
//
// Rules: same seed, same schedules, same verdicts; the pass can be stopped between runs
// (`shouldStop`), and then reports what it did, shrinking what it has with what it has.
import { join } from 'node:path';
import type { Arbitrary } from 'fast-check';
import type { ArbOptions } from './arbitraries.js';
import { Facts } from './facts.js';
import { classify, classKey, type Finding } from './findings.js';
import type { Observations } from './observations.js';
import { PROPERTIES, propertyByName } from './properties.js';
import { CRASHED_REPLAYABLE, runSchedule, type RunOptions } from './run.js';
import { scheduleJson, withSettings, type Schedule } from './schedule.js';
import type { Property, PropertyName, Verdict } from './verdict.js';
import { makeDirs, writeAtomic, writeError as fileWriteError } from '../report/output.js';
import { commandLine } from '../run/params.js';
import { sha256Hex } from '../run/digest.js';
import type { ComponentSteps } from '../zen/cluster.js';

export type CheckOptions = {
  /** Schedules to try (default 100). */
  runs?: number;
  /** fast-check seed (default 1). */
  seed?: number;
  /** Check this property alone (default: all). */
  property?: PropertyName;
  /** `zen.<key>` overrides as (key without `zen.`, value) pairs: the user's own settings. */
  zen?: readonly (readonly [string, unknown])[];
  /** Replaced component step functions (tests). */
  steps?: Partial<ComponentSteps>;
  arb?: ArbOptions;
  /** Shrink failures to a minimal schedule (default true). */
  shrink?: boolean;
  /** Stop the pass at the first run with a new failure or a crash (default false). */
  bail?: boolean;
  /** Where replay files go (default `.zensim`; `check-<property>-<class>-seed<S>-<content hash>.json`); null writes none. */
  replayDir?: string | null;
  /** Called after each run of the pass and each shrink step; the command shows progress and lets signals land here. */
  tick?: (p: Progress) => void | Promise<void>;
  /** Checked between runs: true stops the pass (and shrinking) where it is. */
  shouldStop?: () => boolean;
};

export type Progress = { readonly phase: 'pass' | 'shrink'; readonly done: number; readonly of: number; readonly newRuns: number; readonly knownRuns: number; readonly crashed: number; readonly what?: string };

/** One class of failure of a property (or a crash), with how often and where it first showed. */
export type FailureClass = {
  /** `crash:<message>`, `known:F1`, `new:<code>`. */
  readonly key: string;
  readonly kind: 'crash' | 'known' | 'new';
  readonly property: PropertyName | undefined;
  readonly findings: readonly Finding[];
  runs: number;
  /** Index of its first run in the pass. */
  readonly firstRun: number;
  readonly firstSchedule: Schedule;
  /** Its first explanation in the pass (a crash: the error, and where it was thrown). */
  readonly why: string;
  /** The shrunk example, once shrunk (or the first run's schedule when shrinking is off or was stopped). */
  example?: Example;
};

export type Example = {
  readonly why: string;
  /** The schedule as a replay file holds it (indices resolved). */
  readonly schedule: Schedule;
  readonly shrinks: number;
  /** Shrinking ran to the end (false: off, or stopped). */
  readonly minimal: boolean;
  readonly replayFile: string | undefined;
  /** Why the replay file could not be written (then the inline form is the way to replay it). */
  readonly writeError: string | undefined;
  readonly command: string;
  readonly inline: string;
};

export type PropertyOutcome = { readonly name: PropertyName; passed: number; readonly classes: FailureClass[] };

export type CheckReport = {
  /** Nothing failed but documented findings (no crash, no new failure). */
  readonly ok: boolean;
  /** Nothing failed at all. */
  readonly clean: boolean;
  readonly seed: number;
  /** Runs asked for, runs that completed, runs that crashed. */
  readonly runs: number;
  readonly completed: number;
  readonly crashes: FailureClass[];
  /** The pass was stopped (a signal) before it did every run. */
  readonly interrupted: boolean;
  /** Runs the pass did (fewer than `runs` when interrupted or, with `bail`, stopped at the first new failure). */
  readonly done: number;
  readonly outcomes: PropertyOutcome[];
  /** Runs with a new failure (any property) and the first of them; runs whose failures were all documented, by finding. */
  readonly newRuns: number;
  readonly firstNewRun: number | undefined;
  readonly knownRuns: number;
  readonly knownByFinding: Map<string, number>;
  /** ERTS monitors Proxies kept on live targets after unsubscribe, summed over the runs' ends (documented upstream). */
  readonly proxyMonitorsKept: number;
};

type Observe = (s: Schedule, fresh?: boolean) => Observations;

/** Runs the suite; never throws on a failing property or a crashing run (see the report). */
export async function runCheck(opts: CheckOptions = {}): Promise<CheckReport> {
  const runs = opts.runs ?? 100;
  const seed = opts.seed ?? 1;
  const props = opts.property === undefined ? PROPERTIES : [propertyByName(opts.property) as Property];
  // fast-check and the arbitraries are loaded here, not with the library: every scenario
  // file imports this module's layer through 'zensim', and loading fast-check cost every
  // command 25-40 ms of CPU (`zensim run`, `--help`, each plan worker).
  const { default: fc } = await import('fast-check');
  const { scheduleArb } = await import('./arbitraries.js');
  const arb = scheduleArb(opts.arb).map((s) => withSettings(s, opts.zen ?? []));
  const observe = observer(opts.steps);
  const pass = new Pass(props, observe, opts);
  await fc.check(
    fc.asyncProperty(arb, async (s) => {
      await pass.run(s);
      return true;
    }),
    { seed, numRuns: runs },
  );
  const shrinkOpts = { seed, runs, shrink: opts.shrink !== false, replayDir: opts.replayDir === undefined ? '.zensim' : opts.replayDir };
  for (const c of pass.allClasses()) c.example = await example(fc, c, arb, observe, shrinkOpts, opts);
  return pass.report(seed, runs);
}

/** Tallies of the pass. */
class Pass {
  index = 0;
  completed = 0;
  newRuns = 0;
  firstNewRun: number | undefined;
  knownRuns = 0;
  kept = 0;
  stopped = false;
  interrupted = false;
  readonly crashes: FailureClass[] = [];
  readonly outcomes: PropertyOutcome[];
  readonly knownByFinding = new Map<string, number>();

  constructor(
    readonly props: readonly Property[],
    readonly observe: Observe,
    readonly opts: CheckOptions,
  ) {
    this.outcomes = props.map((p) => ({ name: p.name, passed: 0, classes: [] }));
  }

  async run(s: Schedule): Promise<void> {
    if (!this.stopped && this.opts.shouldStop?.() === true) this.stopped = this.interrupted = true;
    if (this.stopped) return;
    const i = this.index++;
    const judged = judgeRun(s, this.props, this.observe);
    if ('crash' in judged) this.tally(this.crashes, undefined, `crash:${judged.crash.key}`, judged.crash.why, [], i, s);
    else this.tallyRun(judged, i, s);
    if (this.opts.bail === true && (this.crashes.length > 0 || this.newRuns > 0)) this.stopped = true;
    await this.opts.tick?.({ phase: 'pass', done: this.index, of: this.opts.runs ?? 100, newRuns: this.newRuns, knownRuns: this.knownRuns, crashed: this.crashedRuns() });
  }

  private tallyRun(judged: { obs: Observations; verdicts: Verdict[] }, i: number, s: Schedule): void {
    this.completed++;
    for (const e of judged.obs.ends) this.kept += e.proxyMonitorsKept;
    const facts = new Facts(judged.obs);
    let isNew = false;
    const known = new Set<string>();
    this.props.forEach((p, k) => {
      const outcome = this.outcomes[k] as PropertyOutcome;
      const c = classify(p.name, judged.verdicts[k] as Verdict, facts);
      if (c.kind === 'pass') return void outcome.passed++;
      const v = judged.verdicts[k] as Extract<Verdict, { ok: false }>;
      this.tally(outcome.classes, p.name, classKey(c), c.kind === 'new' ? c.violation.why : v.why, c.kind === 'known' ? c.findings : [], i, s);
      if (c.kind === 'new') isNew = true;
      else for (const f of c.findings) known.add(f.id);
    });
    if (isNew) {
      this.newRuns++;
      this.firstNewRun ??= i;
    } else if (known.size > 0) {
      this.knownRuns++;
      for (const id of known) this.knownByFinding.set(id, (this.knownByFinding.get(id) ?? 0) + 1);
    }
  }

  private tally(list: FailureClass[], property: PropertyName | undefined, key: string, why: string, findings: readonly Finding[], i: number, s: Schedule): void {
    const c = list.find((x) => x.key === key);
    if (c !== undefined) return void c.runs++;
    const kind = key.startsWith('crash:') ? 'crash' : key.startsWith('known:') ? 'known' : 'new';
    list.push({ key, kind, property, findings, runs: 1, firstRun: i, firstSchedule: s, why });
  }

  crashedRuns(): number {
    return this.crashes.reduce((n, c) => n + c.runs, 0);
  }

  /** Crashes first, then each property's new classes, then its known ones. */
  allClasses(): FailureClass[] {
    const order = (c: FailureClass) => (c.kind === 'new' ? 0 : 1);
    return [...this.crashes, ...this.outcomes.flatMap((o) => [...o.classes].sort((a, b) => order(a) - order(b)))];
  }

  report(seed: number, runs: number): CheckReport {
    const failing = this.outcomes.some((o) => o.classes.length > 0);
    const ok = this.crashes.length === 0 && this.newRuns === 0;
    return {
      ok,
      clean: ok && !failing,
      seed,
      runs,
      completed: this.completed,
      crashes: this.crashes,
      interrupted: this.interrupted,
      done: this.index,
      outcomes: this.outcomes,
      newRuns: this.newRuns,
      firstNewRun: this.firstNewRun,
      knownRuns: this.knownRuns,
      knownByFinding: this.knownByFinding,
      proxyMonitorsKept: this.kept,
    };
  }
}

/** A crash's class key: its message with numbers blanked (pids, refs and times differ between runs of one bug). */
function crashOf(e: unknown): { key: string; why: string } {
  const err = e instanceof Error ? e : new Error(String(e));
  const message = err.message.split('\n')[0] ?? '';
  const frame = (err.stack ?? '').split('\n').find((l) => /\/(core|sim)\//.test(l))?.trim().replace(/^at /, '');
  return { key: `${err.name}: ${message.replace(/\d+/g, '#')}`, why: `${err.name}: ${message}${frame !== undefined ? ` (${frame.replace(/^.*\/((core|sim)\/)/, '$1').replace(/\)$/, '')})` : ''}` };
}

/** Runs a schedule and judges every property; a throw anywhere is the run's crash. */
function judgeRun(s: Schedule, props: readonly Property[], observe: Observe): { obs: Observations; verdicts: Verdict[] } | { crash: { key: string; why: string } } {
  try {
    const obs = observe(s);
    return { obs, verdicts: props.map((p) => p.check(obs, () => observe(s, true))) };
  } catch (e) {
    return { crash: crashOf(e) };
  }
}

/** The class `s` falls in for `c`'s property (or whether it crashes the same way), and why. */
function classOf(c: FailureClass, s: Schedule, observe: Observe): { key: string; why: string } {
  const p = c.property === undefined ? undefined : (propertyByName(c.property) as Property);
  const judged = judgeRun(s, p === undefined ? [] : [p], observe);
  if ('crash' in judged) return { key: `crash:${judged.crash.key}`, why: judged.crash.why };
  const v = judged.verdicts[0];
  if (p === undefined || v === undefined || v.ok) return { key: 'pass', why: '' };
  const cl = classify(p.name, v, new Facts(judged.obs));
  return { key: classKey(cl), why: cl.kind === 'new' ? cl.violation.why : v.why };
}

/** Runs schedules, remembering the last few (the pass and shrinking meet the same ones again). */
function observer(steps: Partial<ComponentSteps> | undefined): Observe {
  const cache = new Map<string, Observations>();
  const run: RunOptions = steps !== undefined ? { steps } : {};
  return (s, fresh = false) => {
    const key = scheduleJson(s);
    const hit = fresh ? undefined : cache.get(key);
    if (hit !== undefined) return hit;
    const obs = runSchedule(s, run);
    if (!fresh) {
      cache.set(key, obs);
      if (cache.size > 64) cache.delete(cache.keys().next().value as string);
    }
    return obs;
  };
}

type ShrinkOptions = { seed: number; runs: number; shrink: boolean; replayDir: string | null };

type FastCheck = typeof import('fast-check').default;

/** Shrinks class `c` from its first run, keeping its class; writes and describes the example. */
async function example(fc: FastCheck, c: FailureClass, arb: Arbitrary<Schedule>, observe: Observe, o: ShrinkOptions, opts: CheckOptions): Promise<Example> {
  let found = c.firstSchedule;
  let shrinks = 0;
  let minimal = false;
  if (o.shrink && opts.shouldStop?.() !== true) {
    let step = 0;
    const details = await fc.check(
      fc.asyncProperty(arb, async (s) => {
        if (opts.shouldStop?.() === true) return true;
        await opts.tick?.({ phase: 'shrink', done: step++, of: 0, newRuns: 0, knownRuns: 0, crashed: 0, what: c.key });
        return classOf(c, s, observe).key !== c.key;
      }),
      { seed: o.seed, numRuns: o.runs, path: String(c.firstRun) },
    );
    const ce = details.counterexample?.[0];
    if (details.failed && ce !== undefined) {
      found = ce;
      shrinks = details.numShrinks;
      minimal = opts.shouldStop?.() !== true;
    }
  }
  const schedule = replayable(c, found, observe);
  return describeExample(c, schedule, classOf(c, schedule, observe).why, shrinks, minimal, o);
}

/** The normalized form of `s` when it still falls in `c`'s class (it should: only steps that named nothing are left out). */
function replayable(c: FailureClass, s: Schedule, observe: Observe): Schedule {
  let norm: Schedule;
  try {
    norm = observe(s).replayable;
  } catch (e) {
    const soFar = typeof e === 'object' && e !== null ? CRASHED_REPLAYABLE.get(e) : undefined;
    if (soFar === undefined) return s;
    norm = soFar;
  }
  return classOf(c, norm, observe).key === c.key ? norm : s;
}

function describeExample(c: FailureClass, s: Schedule, why: string, shrinks: number, minimal: boolean, o: ShrinkOptions): Example {
  const json = scheduleJson(s);
  const inline = Buffer.from(json).toString('base64url');
  let replayFile: string | undefined;
  let writeError: string | undefined;
  if (o.replayDir !== null) {
    const text = `${json}\n`;
    const hash = sha256Hex(text).slice(0, 8);
    const file = join(o.replayDir, `check-${c.property ?? 'crash'}-${c.key.startsWith('crash:') ? 'crash' : c.key.replace(/^(known|new):/, '')}-seed${o.seed}-${hash}.json`);
    try {
      makeDirs(o.replayDir);
      writeAtomic(file, text);
      replayFile = file;
    } catch (e) {
      writeError = fileWriteError(file, e).message;
    }
  }
  const prop = c.property !== undefined ? ['--property', c.property] : [];
  const source = replayFile !== undefined ? ['--replay', replayFile] : ['--replay-inline', inline];
  return { why, schedule: s, shrinks, minimal, replayFile, writeError, command: commandLine(['npx', 'zensim', 'check', ...prop, ...source, '--trace', 'trace.jsonl']), inline };
}

// ---- one schedule --------------------------------------------------------------------------

export type ReplayOutcome = { readonly name: PropertyName; readonly verdict: Verdict };
export type ReplayReport =
  | { readonly crashed: false; readonly ok: boolean; readonly outcomes: ReplayOutcome[]; readonly traceHash: string; readonly events: number; readonly observations: Observations }
  | { readonly crashed: true; readonly ok: false; readonly why: string };

/** Runs one schedule exactly and checks it (one property, or all); a throw is reported as the run's crash. */
export function replaySchedule(s: Schedule, opts: { property?: PropertyName; trace?: RunOptions['trace']; steps?: Partial<ComponentSteps> } = {}): ReplayReport {
  const run: RunOptions = opts.steps !== undefined ? { steps: opts.steps } : {};
  const props = opts.property === undefined ? PROPERTIES : [propertyByName(opts.property) as Property];
  try {
    const obs = runSchedule(s, opts.trace !== undefined ? { ...run, trace: opts.trace } : run);
    const outcomes = props.map((p) => ({ name: p.name, verdict: p.check(obs, () => runSchedule(s, run)) }));
    return { crashed: false, ok: outcomes.every((o) => o.verdict.ok), outcomes, traceHash: obs.traceHash, events: obs.events, observations: obs };
  } catch (e) {
    return { crashed: true, ok: false, why: crashOf(e).why };
  }
}
