// A check schedule: one randomized run of ZenMonitor on a simulated cluster, as plain
// JSON data, so that fast-check can generate and shrink it and a user can replay it
// exactly from a file. It names the cluster's shape, the ZenMonitor settings, the
// world's seed and a list of timed steps (workload, plain ERTS traffic and faults). Steps
// refer to nodes, processes and monitors by small indices, never by pids. A generated
// schedule's indices are taken modulo what exists when the step runs (so every shrunk
// schedule still runs); the schedules the checker prints and writes are normalized (each
// index the one the run used), and a replay file must name only what exists.
//
// Rules: the schedule is the whole input of a run (same schedule, same traceHash);
// `parseSchedule` is the only way in from untrusted text and rejects anything it does
// not understand (unknown ops or fields, wrong types, out-of-range values, nodes,
// processes and monitors the schedule never makes) with one line naming the problem.
import { ConfigError, defaultZenConfig, setZenConfig, type ZenConfig, type ZenConfigKey } from '../../core/config.js';
import { atom, bin, int, list, mapOf, tuple, type Term } from '../../core/terms.js';
import { checkSeed, InputError } from '../run/params.js';
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
    /** `sub` monitors `count` processes from `target` on (wrapping around the processes that exist), in one handler. */
    | { readonly op: 'monitor_burst'; readonly sub: number; readonly target: number; readonly count: number }
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
    /**
     * When the subscriber of `monitor` handles its DOWN, it gives up on the others it watches:
     * demonitor(ref, [:flush]) on each of its other monitors, in that same handler.
     */
    | { readonly op: 'flush_others_on_down'; readonly monitor: number }
    /** The monitor's subscriber demonitors it and at once monitors the same target again (within one sweep). */
    | { readonly op: 'remonitor'; readonly monitor: number }
    | { readonly op: 'kill'; readonly proc: number; readonly reason: number }
    /** Exit signals to `count` processes at once, from `proc` on (wrapping around the processes that exist). */
    | { readonly op: 'kill_burst'; readonly proc: number; readonly count: number; readonly reason: number }
    | { readonly op: 'subscriber_exit'; readonly proc: number; readonly reason: number }
    | { readonly op: 'crash'; readonly node: number }
    | { readonly op: 'restart'; readonly node: number }
    | { readonly op: 'partition'; readonly a: number; readonly b: number }
    | { readonly op: 'partition_one_way'; readonly a: number; readonly b: number }
    | { readonly op: 'heal'; readonly a: number; readonly b: number }
    | { readonly op: 'latency'; readonly a: number; readonly b: number; readonly ms: number }
    | { readonly op: 'stop_zen'; readonly node: number }
    | { readonly op: 'start_zen'; readonly node: number }
    /** `Application.stop(:zen_monitor)` then `Application.start(:zen_monitor)` at once (a restart of the app). */
    | { readonly op: 'restart_zen'; readonly node: number }
    | { readonly op: 'connect'; readonly a: number; readonly b: number }
    /**
     * A component fault: `Process.exit(pid, :kill)` of ZenMonitor's process
     * `ZEN_COMPONENTS[component]` on `node` (the Connector for `peer`, the Batcher for
     * `peer`'s Connector; the others ignore `peer`). Its supervisor restarts it.
     */
    | { readonly op: 'kill_zen'; readonly node: number; readonly component: number; readonly peer: number }
    // Plain ERTS traffic between probes, the object of the world's own properties.
    /** `proc` sends `count` numbered messages to `to`, one after the other in one handler. */
    | { readonly op: 'send'; readonly proc: number; readonly to: number; readonly count: number }
    /** `erlang:monitor(:process, target)` by `sub` (no ZenMonitor). */
    | { readonly op: 'erts_monitor'; readonly sub: number; readonly target: number }
    /** `Process.send_after(self(), msg, ms)` by `proc`. */
    | { readonly op: 'send_after'; readonly proc: number; readonly ms: number }
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

/** The ZenMonitor processes a `kill_zen` step names, by index. */
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

/** What each field of a step indexes, or the integer range it must be in. */
type Field = 'node' | 'proc' | 'monitor' | 'reason' | readonly [lo: number, hi: number];

const STEP_FIELDS: Readonly<Record<Op, Readonly<Record<string, Field>>>> = {
  spawn: { node: 'node' },
  monitor: { sub: 'proc', target: 'proc' },
  monitor_burst: { sub: 'proc', target: 'proc', count: [1, MAX_PROCS] },
  demonitor: { monitor: 'monitor' },
  demonitor_flush: { monitor: 'monitor' },
  remonitor: { monitor: 'monitor' },
  flush_others_on_down: { monitor: 'monitor' },
  kill: { proc: 'proc', reason: 'reason' },
  kill_burst: { proc: 'proc', count: [1, MAX_PROCS], reason: 'reason' },
  subscriber_exit: { proc: 'proc', reason: 'reason' },
  crash: { node: 'node' },
  restart: { node: 'node' },
  partition: { a: 'node', b: 'node' },
  partition_one_way: { a: 'node', b: 'node' },
  heal: { a: 'node', b: 'node' },
  latency: { a: 'node', b: 'node', ms: [0, 600_000] },
  stop_zen: { node: 'node' },
  start_zen: { node: 'node' },
  restart_zen: { node: 'node' },
  connect: { a: 'node', b: 'node' },
  kill_zen: { node: 'node', component: [0, ZEN_COMPONENTS.length - 1], peer: 'node' },
  send: { proc: 'proc', to: 'proc', count: [1, 100] },
  erts_monitor: { sub: 'proc', target: 'proc' },
  send_after: { proc: 'proc', ms: [0, 600_000] },
};

/** Optional fields, by op. */
const OPTIONAL_FIELDS: Partial<Readonly<Record<Op, Readonly<Record<string, readonly [number, number]>>>>> = {
  demonitor_flush: { raceUs: [0, 1_000_000] },
};

/** How many monitors a step makes (at most: the ones `monitor` fields count). */
function monitorsMade(step: Step): number {
  if (step.op === 'monitor' || step.op === 'remonitor') return 1;
  return step.op === 'monitor_burst' ? step.count : 0;
}
const TOP_FIELDS = ['version', 'seed', 'nodes', 'zen', 'procs', 'steps', 'faultsEndMs'];
const MAX_AT_MS = 10_000_000;

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
  const unknown = Object.keys(o).find((k) => !TOP_FIELDS.includes(k));
  if (unknown !== undefined) bad(`unknown field "${unknown}" (known: ${TOP_FIELDS.join(', ')})`);
  const seed = checkSeed(o.seed, `${origin}: seed`);
  const nodes = o.nodes;
  if (!Array.isArray(nodes) || nodes.length < 1 || nodes.length > 16) bad('nodes must be a list of 1 to 16 node shapes');
  const shapes = (nodes as unknown[]).map((n, i): NodeShape => {
    const x = n as Record<string, unknown>;
    const ok = typeof x === 'object' && x !== null && isIntIn(x.schedulers, 1, 64) && typeof x.zen === 'boolean' && Object.keys(x).length === 2;
    return ok ? { schedulers: x.schedulers as number, zen: x.zen as boolean } : bad(`nodes[${i}] must be {"schedulers": 1..64, "zen": true|false}`);
  });
  const zenRaw = o.zen;
  if (typeof zenRaw !== 'object' || zenRaw === null || Array.isArray(zenRaw)) bad('zen must be an object of ZenMonitor settings');
  for (const [k, v] of Object.entries(zenRaw as object)) checkSetting(k, v, `${origin}: zen.${k}`);
  const procs = o.procs;
  if (!Array.isArray(procs) || procs.length > MAX_PROCS) bad(`procs must be a list of at most ${MAX_PROCS} node indices`);
  (procs as unknown[]).forEach((p, i) => {
    if (!isIntIn(p, 0, shapes.length - 1)) bad(`procs[${i}] must be a node index from 0 to ${shapes.length - 1}, got ${JSON.stringify(p)}`);
  });
  if (!isIntIn(o.faultsEndMs, 0, MAX_AT_MS)) bad(`faultsEndMs must be an integer number of ms from 0 to ${MAX_AT_MS}`);
  const steps = o.steps;
  if (!Array.isArray(steps)) bad('steps must be a list');
  const parsed = (steps as unknown[]).map((st, i) => parseStep(st, `${origin}: steps[${i}]`));
  const schedule: Schedule = {
    version: SCHEDULE_VERSION,
    seed,
    nodes: shapes,
    zen: zenRaw as ZenSettings,
    procs: procs as number[],
    steps: parsed,
    faultsEndMs: o.faultsEndMs as number,
  };
  checkReferences(schedule, origin);
  return schedule;
}

function parseStep(raw: unknown, where: string): Step {
  const x = raw as Record<string, unknown>;
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new InputError(`${where} must be an object`);
  const op = x.op;
  if (typeof op !== 'string' || !Object.hasOwn(STEP_FIELDS, op)) {
    throw new InputError(`${where}: unknown op ${JSON.stringify(op)} (known: ${Object.keys(STEP_FIELDS).join(', ')})`);
  }
  if (typeof x.atMs !== 'number' || !Number.isFinite(x.atMs) || x.atMs < 0 || x.atMs > MAX_AT_MS) {
    throw new InputError(`${where}: atMs must be a number of ms from 0 to ${MAX_AT_MS}`);
  }
  const fields = STEP_FIELDS[op as Op];
  const optional = OPTIONAL_FIELDS[op as Op] ?? {};
  const out: Record<string, unknown> = { atMs: x.atMs, op };
  for (const k of Object.keys(x)) {
    if (k !== 'atMs' && k !== 'op' && !Object.hasOwn(fields, k) && !Object.hasOwn(optional, k)) {
      throw new InputError(`${where}: ${op} has no field "${k}" (its fields: ${['atMs', ...Object.keys(fields), ...Object.keys(optional)].join(', ')})`);
    }
  }
  for (const [f, rule] of Object.entries(fields)) {
    const [lo, hi] = typeof rule === 'string' ? [0, rule === 'reason' ? REASONS.length - 1 : 1e9] : rule;
    if (!isIntIn(x[f], lo, hi)) throw new InputError(`${where}: ${op} needs ${f}, an integer from ${lo} to ${hi}${x[f] === undefined ? '' : `, got ${JSON.stringify(x[f])}`}`);
    out[f] = x[f];
  }
  for (const [f, [lo, hi]] of Object.entries(optional)) {
    if (x[f] === undefined) continue;
    if (!isIntIn(x[f], lo, hi)) throw new InputError(`${where}: ${f} must be an integer from ${lo} to ${hi}, got ${JSON.stringify(x[f])}`);
    out[f] = x[f];
  }
  return out as Step;
}

/**
 * Every node, process and monitor a step names exists: a node index below the node
 * count, a process made at the start or by a spawn step that runs before it, a monitor
 * made by a monitor step that runs before it.
 */
function checkReferences(s: Schedule, origin: string): void {
  let procs = s.procs.length;
  let monitors = 0;
  const order = s.steps.map((step, i) => ({ step, i })).sort((x, y) => x.step.atMs - y.step.atMs || x.i - y.i);
  for (const { step, i } of order) {
    const at = `${origin}: steps[${i}] (${step.op} at ${step.atMs} ms)`;
    for (const [f, rule] of Object.entries(STEP_FIELDS[step.op])) {
      const v = (step as unknown as Record<string, number>)[f] as number;
      if (rule === 'node' && v >= s.nodes.length) throw new InputError(`${at}: ${f} ${v} names no node (the schedule has ${s.nodes.length}: 0 to ${s.nodes.length - 1})`);
      if (rule === 'proc' && v >= procs) throw new InputError(`${at}: ${f} ${v} names no process (${procs} exist by then: 0 to ${procs - 1})`);
      if (rule === 'monitor' && v >= monitors) {
        throw new InputError(`${at}: ${f} ${v} names no monitor (${monitors === 0 ? 'none is made before it' : `${monitors} are made before it: 0 to ${monitors - 1}`})`);
      }
    }
    if (step.op === 'spawn') procs = Math.min(MAX_PROCS, procs + 1);
    monitors += monitorsMade(step);
  }
}

function isIntIn(v: unknown, lo: number, hi: number): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= lo && v <= hi;
}

/** The effective ZenMonitor config of a schedule. */
export function scheduleConfig(s: Schedule): ZenConfig {
  const config = defaultZenConfig();
  for (const [k, v] of Object.entries(s.zen)) setZenConfig(config, k, v);
  return config;
}
