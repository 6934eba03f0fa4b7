// A check schedule: one randomized run of ZenMonitor on a simulated cluster, as plain
// JSON data, so that fast-check can generate and shrink it and a user can replay it
// exactly from a file. It names the cluster's shape, the ZenMonitor settings, the
// world's seed and a list of timed steps (workload and faults). Steps refer to nodes
// and processes by small indices (taken modulo what exists when the step runs, so every
// shrunk schedule is still valid), never by pids.
//
// Rules: the schedule is the whole input of a run (same schedule, same traceHash);
// `parseSchedule` is the only way in from untrusted text and rejects anything it does
// not understand with one line naming the problem.
import { ConfigError, defaultZenConfig, setZenConfig, type ZenConfigKey } from '../../core/config.js';
import { atom, bin, int, list, mapOf, tuple, type Term } from '../../core/terms.js';
import { InputError } from '../run/params.js';
import type { ZenProcess } from '../zen/cluster.js';

export const SCHEDULE_VERSION = 1;

/** One node: its schedulers and whether it runs ZenMonitor (at boot and after a restart). */
export type NodeShape = { readonly schedulers: number; readonly zen: boolean };

/** The ZenMonitor app env a schedule sets (the rest keep their defaults). */
export type ZenSettings = Partial<Record<ZenConfigKey, number | string>>;

type At = { readonly atMs: number };
/** A step of the workload or a fault. `proc`, `sub`, `target` index spawned processes; `monitor` indexes monitors made. */
export type Step = At &
  (
    | { readonly op: 'spawn'; readonly node: number }
    | { readonly op: 'monitor'; readonly sub: number; readonly target: number }
    | { readonly op: 'demonitor'; readonly monitor: number }
    | {
        readonly op: 'demonitor_flush';
        readonly monitor: number;
        /**
         * Adversarial timing: armed at `atMs`, the call runs `raceUs` µs after the
         * subscriber's Dispatcher next begins handling a batch that carries this monitor's
         * DOWN (never, if none comes), so that it races the Dispatcher's take-then-send.
         */
        readonly raceUs?: number;
      }
    | { readonly op: 'kill'; readonly proc: number; readonly reason: number }
    | { readonly op: 'subscriber_exit'; readonly proc: number; readonly reason: number }
    | { readonly op: 'crash'; readonly node: number }
    | { readonly op: 'restart'; readonly node: number }
    | { readonly op: 'partition'; readonly a: number; readonly b: number }
    | { readonly op: 'partition_one_way'; readonly a: number; readonly b: number }
    | { readonly op: 'heal'; readonly a: number; readonly b: number }
    | { readonly op: 'latency'; readonly a: number; readonly b: number; readonly ms: number }
    | { readonly op: 'stop_zen'; readonly node: number }
    | { readonly op: 'start_zen'; readonly node: number }
    | { readonly op: 'connect'; readonly a: number; readonly b: number }
    /**
     * A component fault: `Process.exit(pid, :kill)` of ZenMonitor's process
     * `ZEN_COMPONENTS[component]` on `node` (the Connector for `peer`, the Batcher for
     * `peer`'s Connector; `peer` is ignored by the others). Its supervisor restarts it.
     */
    | { readonly op: 'kill_zen'; readonly node: number; readonly component: number; readonly peer: number }
  );
export type Op = Step['op'];

export type Schedule = {
  readonly version: typeof SCHEDULE_VERSION;
  /** Seed of the world's random streams (jitter, tick phases, boot moments). */
  readonly seed: number;
  readonly nodes: readonly NodeShape[];
  /** ZenMonitor app env on every node that runs it. */
  readonly zen: ZenSettings;
  /** Node index of each process spawned when the script starts (process indices 0 … n-1). */
  readonly procs: readonly number[];
  readonly steps: readonly Step[];
  /**
   * When the faults stop, ms after the script starts: every cut is healed, latencies
   * restored and every pair of running nodes connected (the cluster re-forms). Steps
   * after it still run. The run then goes on until it is quiet.
   */
  readonly faultsEndMs: number;
};

/** The ZenMonitor processes a `kill_zen` step names by index. */
export const ZEN_COMPONENTS: readonly ZenProcess[] = ['connector', 'local', 'dispatcher', 'proxy', 'batcher'];

/** Processes a run spawns at most (initial ones and spawn steps); further spawns are skipped. */
export const MAX_PROCS = 30;

/** kernel net_ticktime of the checked cluster, s: short, so partitions resolve fast. */
export const CHECK_NET_TICKTIME_S = 4;

/**
 * Exit reasons by index: the ones the Truncator leaves alone and the ones it cuts.
 * `kill` is an exit signal's `:kill` (the process dies with `:killed`).
 */
export const REASONS: readonly { readonly name: string; readonly term: () => Term }[] = [
  { name: ':kill', term: () => atom('kill') },
  { name: ':normal', term: () => atom('normal') },
  { name: ':shutdown', term: () => atom('shutdown') },
  { name: '{:shutdown, [7 atoms]}', term: () => tuple(atom('shutdown'), list(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(atom))) },
  { name: '{:boom, {:deep, {:deeper, {:deepest, :x}}}}', term: () => tuple(atom('boom'), tuple(atom('deep'), tuple(atom('deeper'), tuple(atom('deepest'), atom('x'))))) },
  { name: '<<2000 bytes>>', term: () => bin(new Uint8Array(2000).fill(120)) },
  { name: '{1, 2, 3, 4, 5, 6}', term: () => tuple(int(1), int(2), int(3), int(4), int(5), int(6)) },
  { name: '%{code: 7, why: [:a, [:b, [:c]]]}', term: () => mapOf([[atom('code'), int(7)], [atom('why'), list([atom('a'), list([atom('b'), list([atom('c')])])])]]) },
  { name: '{:error, :econnreset}', term: () => tuple(atom('error'), atom('econnreset')) },
];

/** Node names of a schedule: n0@h, n1@h, … */
export function nodeName(i: number): string {
  return `n${i}@h`;
}

/** Steps in the order they run: by time, then by their place in the list. */
export function orderedSteps(s: Schedule): Step[] {
  return s.steps.map((step, i) => ({ step, i })).sort((x, y) => x.step.atMs - y.step.atMs || x.i - y.i).map((x) => x.step);
}

/** The schedule as one line of JSON (the replay file's content). */
export function scheduleJson(s: Schedule): string {
  return JSON.stringify(s);
}

/** Applies `zen.<key>=value` overrides (validated); throws InputError naming the key. */
export function withSettings(s: Schedule, overrides: readonly (readonly [string, unknown])[]): Schedule {
  if (overrides.length === 0) return s;
  const zen: ZenSettings = { ...s.zen };
  for (const [key, value] of overrides) {
    checkSetting(key, value, `--set zen.${key}`);
    zen[key as ZenConfigKey] = value as number | string;
  }
  return { ...s, zen };
}

function checkSetting(key: string, value: unknown, what: string): void {
  try {
    setZenConfig(defaultZenConfig(), key, value);
  } catch (e) {
    if (e instanceof ConfigError) throw new InputError(`${what}: ${e.message}`);
    throw e;
  }
}

// ---- parsing untrusted text ---------------------------------------------------------------

const STEP_FIELDS: Readonly<Record<Op, readonly string[]>> = {
  spawn: ['node'],
  monitor: ['sub', 'target'],
  demonitor: ['monitor'],
  demonitor_flush: ['monitor'],
  kill: ['proc', 'reason'],
  subscriber_exit: ['proc', 'reason'],
  crash: ['node'],
  restart: ['node'],
  partition: ['a', 'b'],
  partition_one_way: ['a', 'b'],
  heal: ['a', 'b'],
  latency: ['a', 'b', 'ms'],
  stop_zen: ['node'],
  start_zen: ['node'],
  connect: ['a', 'b'],
  kill_zen: ['node', 'component', 'peer'],
};

/** Reads a schedule from JSON text (a replay file); throws InputError with one line. */
export function parseSchedule(text: string, origin: string): Schedule {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${origin}: not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const bad = (why: string): never => {
    throw new InputError(`${origin}: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('a schedule must be a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.version !== SCHEDULE_VERSION) bad(`unknown schedule version ${JSON.stringify(o.version)} (expected ${SCHEDULE_VERSION})`);
  const seed = o.seed;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) bad('seed must be an integer');
  const nodes = o.nodes;
  if (!Array.isArray(nodes) || nodes.length < 1 || nodes.length > 16) bad('nodes must be a list of 1 to 16 node shapes');
  const shapes = (nodes as unknown[]).map((n, i): NodeShape => {
    const x = n as Record<string, unknown>;
    if (typeof x !== 'object' || x === null || !isIntIn(x.schedulers, 1, 64) || typeof x.zen !== 'boolean') {
      return bad(`nodes[${i}] must be {"schedulers": 1..64, "zen": true|false}`);
    }
    return { schedulers: x.schedulers as number, zen: x.zen };
  });
  const zenRaw = o.zen;
  if (typeof zenRaw !== 'object' || zenRaw === null || Array.isArray(zenRaw)) bad('zen must be an object of ZenMonitor settings');
  for (const [k, v] of Object.entries(zenRaw as object)) checkSetting(k, v, `${origin}: zen.${k}`);
  const procs = o.procs;
  if (!Array.isArray(procs) || !procs.every((p) => isIntIn(p, 0, 1e6))) bad('procs must be a list of node indices');
  if (!isIntIn(o.faultsEndMs, 0, 1e7)) bad('faultsEndMs must be an integer number of ms');
  const steps = o.steps;
  if (!Array.isArray(steps)) bad('steps must be a list');
  return {
    version: SCHEDULE_VERSION,
    seed: seed as number,
    nodes: shapes,
    zen: zenRaw as ZenSettings,
    procs: procs as number[],
    steps: (steps as unknown[]).map((st, i) => parseStep(st, `${origin}: steps[${i}]`)),
    faultsEndMs: o.faultsEndMs as number,
  };
}

function parseStep(raw: unknown, where: string): Step {
  const x = raw as Record<string, unknown>;
  if (typeof x !== 'object' || x === null) throw new InputError(`${where} must be an object`);
  const op = x.op;
  if (typeof op !== 'string' || !Object.hasOwn(STEP_FIELDS, op)) {
    throw new InputError(`${where}: unknown op ${JSON.stringify(op)} (known: ${Object.keys(STEP_FIELDS).join(', ')})`);
  }
  if (typeof x.atMs !== 'number' || !Number.isFinite(x.atMs) || x.atMs < 0) throw new InputError(`${where}: atMs must be a number >= 0`);
  const fields = STEP_FIELDS[op as Op];
  const out: Record<string, unknown> = { atMs: x.atMs, op };
  for (const f of fields) {
    if (!isIntIn(x[f], 0, 1e9)) throw new InputError(`${where}: ${op} needs ${f} (an integer >= 0)`);
    out[f] = x[f];
  }
  if (op === 'demonitor_flush' && x.raceUs !== undefined) {
    if (!isIntIn(x.raceUs, 0, 1e6)) throw new InputError(`${where}: raceUs must be an integer number of µs >= 0`);
    out.raceUs = x.raceUs;
  }
  return out as Step;
}

function isIntIn(v: unknown, lo: number, hi: number): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= lo && v <= hi;
}
