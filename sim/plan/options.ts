// `zensim plan`'s and `zensim merge`'s command lines: their options and the commands they
// parse to, apart from running them (command.ts), which the CLI loads only when it runs
// one: a `zensim run` does not load the planner, its report or its worker pool.
import type { Argv } from 'yargs';
import { outputName } from '../report/output.js';
import { InputError, integerFlag, keyValuePairs } from '../run/params.js';
import { parseConstraint } from './constraints.js';
import { checkAxes, parseShard, parseVary, type Shard, type VaryAxis } from './sweep.js';

export type PlanCommand = {
  kind: 'plan';
  scenario: string;
  vary: VaryAxis[];
  set: [string, string][];
  seeds: number;
  seedBase: number;
  constraints: string[];
  out?: string;
  /** Worker threads (1 too runs its jobs on a worker). Default: os.availableParallelism(). */
  jobs?: number;
  shard?: Shard;
  maxPoints: number;
  /** Let a point whose runs leave DOWNs undelivered be recommended. */
  allowMissing: boolean;
  quiet: boolean;
};

export type MergeCommand = { kind: 'merge'; dirs: string[]; out: string; constraints?: string[]; allowMissing?: boolean; quiet: boolean };

const ALLOW_MISSING_HELP =
  'let a point whose runs leave DOWNs undelivered (lost, or still pending when a run was cut short) be recommended; by default such a point never is';

const CONSTRAINT_HELP =
  'a limit the recommendation must meet, [mode:]path(<=|<|>=|>)number, e.g. downs.latencyMs.p99<=5000, nodes.a.mailbox.peak<=10000, work.latencyMs.p99<=50; read in the zen run unless prefixed vanilla:, at its worst over the seeds; repeatable';

export function planOptions<T>(y: Argv<T>) {
  return y
    .positional('scenario', { type: 'string', describe: 'scenario file, e.g. scenarios/herd.ts' })
    .option('vary', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'a setting and its values, key=v1,v2,… (keys as --set: a scenario parameter, zen.<key>, cost.<key>, net.<key>); repeatable: the sweep is the Cartesian product, the first --vary outermost',
    })
    .option('set', { type: 'string', array: true, default: [] as string[], describe: 'a fixed override for every point, key=value (as zensim run --set); repeatable' })
    .option('seeds', { type: 'string', describe: 'runs per point, seeds seed-base … seed-base+N-1 (default 3)' })
    .option('seed-base', { type: 'string', describe: 'the first seed (default 1)' })
    .option('constraint', { type: 'string', array: true, default: [] as string[], describe: CONSTRAINT_HELP })
    .option('out', { type: 'string', describe: 'output directory (default plan-<scenario name>, or plan-<name>-shard-<i>-of-<n>): sweep.json, results.jsonl, report.md, report.html, report.json, plots/; rerunning the same sweep there resumes it' })
    .option('jobs', { type: 'string', describe: 'worker threads (default: the available cores)' })
    .option('shard', { type: 'string', describe: 'run only slice i of n (1-based): the jobs whose index mod n is i-1; combine the shard directories with zensim merge' })
    .option('max-points', { type: 'string', describe: 'refuse a sweep of more runs (points × seeds; in this shard with --shard) than this (default 500)' })
    .option('allow-missing', { type: 'boolean', default: false, describe: ALLOW_MISSING_HELP })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' });
}

export function mergeOptions<T>(y: Argv<T>) {
  return y
    .positional('dirs', { type: 'string', array: true, describe: 'directories written by zensim plan (--shard i/n) for the same sweep' })
    .option('out', { type: 'string', describe: 'output directory for the merged results.jsonl and the report (not one of the inputs)' })
    .option('constraint', { type: 'string', array: true, describe: `${CONSTRAINT_HELP}; default: the shards' constraints` })
    .option('allow-missing', { type: 'boolean', describe: `${ALLOW_MISSING_HELP}; default: as the shards were run` })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' });
}

/** Upper bounds of plan's counts (seeds, runs) and threads: beyond these is no plan anyone waits for. */
const MAX_COUNT = 1_000_000;
const MAX_JOBS = 1024;


/** The plan command from parsed yargs arguments; syntax errors as one line. */
export function planCommand(args: Record<string, unknown>): PlanCommand {
  const set = keyValuePairs(args.set, '--set');
  const vary = ((args.vary as string[] | undefined) ?? []).map(parseVary);
  checkAxes(vary, set);
  const constraints = ((args.constraint as string[] | undefined) ?? []).map((c) => parseConstraint(c).text);
  const cmd: PlanCommand = {
    kind: 'plan',
    scenario: String(args.scenario),
    vary,
    set,
    seeds: integerFlag(args.seeds, '--seeds', 3, 1, MAX_COUNT),
    seedBase: integerFlag(args['seed-base'], '--seed-base', 1, 0, Number.MAX_SAFE_INTEGER),
    constraints,
    maxPoints: integerFlag(args['max-points'], '--max-points', 500, 1, MAX_COUNT),
    allowMissing: (args.allowMissing ?? args['allow-missing']) === true,
    quiet: args.quiet === true,
  };
  if (args.jobs !== undefined) cmd.jobs = integerFlag(args.jobs, '--jobs', 1, 1, MAX_JOBS);
  if (args.shard !== undefined) cmd.shard = parseShard(String(args.shard));
  if (args.out !== undefined) cmd.out = outputName(args.out, '--out', 'directory');
  return cmd;
}

export function mergeCommand(args: Record<string, unknown>): MergeCommand {
  const dirs = ((args.dirs as string[] | undefined) ?? []).map(String);
  if (dirs.length === 0) throw new InputError('merge: name the directories to merge');
  if (args.out === undefined || String(args.out) === '') throw new InputError('merge: --out DIR is required');
  const cmd: MergeCommand = { kind: 'merge', dirs, out: outputName(args.out, '--out', 'directory'), quiet: args.quiet === true };
  if (args.constraint !== undefined) cmd.constraints = (args.constraint as string[]).map((c) => parseConstraint(c).text);
  const allow = args.allowMissing ?? args['allow-missing'];
  if (typeof allow === 'boolean') cmd.allowMissing = allow;
  return cmd;
}
