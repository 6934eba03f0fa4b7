// The run layer (sim/run): the scenario API (scenario.ts), parameters and `--set`
// overrides (params.ts), loading a scenario file (load.ts), running it (this file),
// recording its metrics (recorder.ts) and the summary table (summary.ts). It may import
// core/, engine/, beam/ and zen/; never report/, check/, plan/ or the CLI.
//
// Runs a scenario: resolves its parameters and the `--set` overrides, builds the
// world for each mode from the same seed, lets the script drive it, and assembles the
// result document of DESIGN.md ("Result document"). No wall clock here: the CLI
// measures wall time; progress is reported in virtual time and events.
import { ConfigError, defaultZenConfig, describeValue, setZenConfig, type ZenConfig } from '../../core/config.js';
import { defaultCostModel, setCost, type CostModel } from '../beam/cost.js';
import { ClockOverflow, type TraceSink } from '../engine/kernel.js';
import { defaultNetConfig, validateNetConfig, type NetConfig } from '../beam/net_config.js';
import { checkHostOptions } from '../beam/host.js';
import { checkNodeOptions } from '../beam/node.js';
import { checkSeed, InputError, resolveParams, settingValue } from './params.js';
import { Recorder, round3, type EndKind, type RunResult } from './recorder.js';
import { Run, type ClusterSpec, type Mode, type Scenario } from './scenario.js';
import { RunElsewhere } from './footprint.js';
import { fnv1a64Hex } from './digest.js';
import { World } from '../beam/world.js';
import { releaseProcs } from '../beam/proc_pool.js';
import { ZenCluster } from '../zen/cluster.js';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export type RunOptions = {
  seed?: number;
  /** `--set key=value` pairs, in order. */
  set?: readonly (readonly [string, string])[];
  /** Parameter values from code (validated like `--set`). */
  params?: Readonly<Record<string, unknown>>;
  trace?: TraceSink;
  /** Called every few hundred thousand events with the virtual time reached. */
  onProgress?: (p: { mode: Mode; virtualUs: number; events: number }) => void;
  /** Called with each mode's world right after it is built, before anything runs (trace recorders hook in). */
  attach?: (world: World, mode: Mode) => void;
  /**
   * Gives each mode's processes that never ran (a herd's targets), once its result is
   * complete, to this isolate's next spawns (beam/proc_pool.ts), which change them: only
   * for a caller that reads none of the run's worlds, processes or pids afterwards, nor
   * lets its `attach` or its scenario's closures do so (the Perfetto recorder reads the
   * processes at its end). `zensim run` (without --perfetto), `plan`'s workers and the
   * bench do.
   */
  reuseProcs?: boolean;
  /**
   * Called with the run's estimated peak memory, bytes (footprint.ts), each time its
   * script declares its size (`expectDowns`, `spawnMany`), before that work, while the
   * first mode's first chunk of events runs (a script's start: a later declaration goes
   * on where it is). Throwing `RunElsewhere` there stops the run and reaches the caller
   * as it is; anything else it throws is reported as the script's own error.
   */
  onFootprint?: (bytes: number) => void;
};

export type ResultDoc = {
  scenario: string;
  seed: number;
  params: Record<string, unknown>;
  config: { zen: Record<string, unknown>; cost: CostModel; net: NetConfig };
  traceHash: string;
  events: number;
  virtualMs: number;
  wallMs?: number;
  runs: RunResult[];
};

type Overrides = {
  params: Record<string, unknown>;
  zen: [string, string][];
  cost: Partial<CostModel>;
  net: Partial<Record<keyof NetConfig, unknown>>;
};

/** Splits `--set` pairs into parameters and `zen.`, `cost.`, `net.` overrides, validating each. */
export function splitOverrides(set: readonly (readonly [string, string])[]): Overrides {
  const o: Overrides = { params: {}, zen: [], cost: {}, net: {} };
  for (const [key, value] of set) {
    const [ns, ...rest] = key.split('.');
    const sub = rest.join('.');
    if (rest.length === 0) o.params[key] = value;
    else if (ns === 'zen') {
      try {
        setZenConfig(defaultZenConfig(), sub, settingValue(value));
      } catch (e) {
        throw new InputError(`--set ${key}: ${(e as Error).message}`);
      }
      o.zen.push([sub, value]);
    } else if (ns === 'cost') {
      const v = settingValue(value);
      try {
        setCost({ ...defaultCostModel }, sub, v);
      } catch (e) {
        throw new InputError(`--set ${key}: ${(e as Error).message}`);
      }
      (o.cost as Record<string, number>)[sub] = v as number;
    } else if (ns === 'net') {
      if (!Object.hasOwn(defaultNetConfig, sub)) {
        throw new InputError(`--set ${key}: unknown network key '${sub}' (known: ${Object.keys(defaultNetConfig).join(', ')})`);
      }
      o.net[sub as keyof NetConfig] = settingValue(value);
    } else throw new InputError(`unknown --set key '${key}' (use a parameter name, zen.<key>, cost.<key> or net.<key>)`);
  }
  return o;
}

export type Prepared = { seed: number; o: Overrides; params: Record<string, unknown>; cluster: ClusterSpec; zenConfig: ZenConfig };

/**
 * Checks everything a run will use (seed, `--set` keys and values, parameters, the
 * scenario's own cross-checks, the ZenMonitor app env) without running anything: bad
 * input fails here, before any output.
 */
export function prepareRun(sc: Scenario, opts: RunOptions = {}): Prepared {
  const seed = checkSeed(opts.seed ?? 1, 'seed');
  const o = splitOverrides(opts.set ?? []);
  const params = resolveParams(sc.params, { ...opts.params, ...o.params }) as Record<string, unknown>;
  let made: unknown;
  try {
    const invalid = sc.validate?.(params as never);
    if (invalid !== undefined) throw new InputError(invalid);
    made = sc.cluster(params as never);
  } catch (e) {
    throw scriptError(sc, e, 'checking its parameters');
  }
  let cluster: ClusterSpec;
  try {
    cluster = checkCluster(made);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const zenConfig = checkZen(cluster.zen ?? {}, o.zen);
  // A network setting the scenario takes as a parameter of its own (partition's
  // netTicktimeS) is set there, where its checks see it, not behind its back.
  const own = Object.keys(o.net).find((k) => k in sc.params && cluster.net !== undefined && k in cluster.net);
  if (own !== undefined) throw new InputError(`--set net.${own}: this scenario sets it from its parameter ${own}; use --set ${own}=…`);
  try {
    validateNetConfig({ ...defaultNetConfig, ...cluster.net, ...o.net } as NetConfig);
    for (const [k, v] of Object.entries({ ...cluster.cost, ...o.cost })) setCost({ ...defaultCostModel }, k, v);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  return { seed, o, params, cluster, zenConfig };
}

/**
 * What a scenario's `cluster()` returned, checked as the run will build it: a list of
 * nodes, each named once, with valid schedulers, on hosts it declares (each valid and
 * declared once). Throws (RangeError) naming the problem.
 */
export function checkCluster(made: unknown): ClusterSpec {
  const c = made as ClusterSpec | null;
  if (typeof c !== 'object' || c === null || !Array.isArray(c.nodes)) throw new RangeError(`cluster() must return { nodes: [...], hosts?, zen?, net?, cost? }, got ${describeValue(made)}`);
  if (c.hosts !== undefined && !Array.isArray(c.hosts)) throw new RangeError(`the cluster's hosts must be a list, got ${describeValue(c.hosts)}`);
  const hosts = new Set<string>();
  for (const h of c.hosts ?? []) {
    if (typeof h?.name !== 'string') throw new RangeError(`the cluster's hosts must be { name, cores, ... }, got ${describeValue(h)}`);
    if (hosts.has(h.name)) throw new RangeError(`host '${h.name}' is declared twice`);
    checkHostOptions(h.name, h);
    hosts.add(h.name);
  }
  const nodes = new Set<string>();
  for (const n of c.nodes) {
    if (typeof n?.name !== 'string') throw new RangeError(`the cluster's nodes must be { name, schedulers?, host?, zen? }, got ${describeValue(n)}`);
    checkNodeOptions(n.name, n.schedulers);
    if (nodes.has(n.name)) throw new RangeError(`node '${n.name}' is declared twice`);
    nodes.add(n.name);
    if (n.host !== undefined && !hosts.has(n.host)) throw new RangeError(`node '${n.name}': unknown host '${n.host}' (declare it in the cluster's hosts)`);
  }
  return c;
}

/** Runs a scenario to its end in every mode it asks for. */
export function runScenario(sc: Scenario, opts: RunOptions = {}): ResultDoc {
  const steps = runSteps(sc, opts);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/**
 * `runScenario` in steps: yields between chunks of events, so a driver can let signals
 * and I/O in (the CLI awaits there) and stop a run by not resuming it.
 */
export function* runSteps(sc: Scenario, opts: RunOptions = {}): Generator<void, ResultDoc> {
  const { seed, o, params, cluster, zenConfig } = prepareRun(sc, opts);
  const modes: Mode[] = params.mode === 'both' ? ['vanilla', 'zen'] : [params.mode as Mode];
  const runs: RunResult[] = [];
  const hashes: string[] = [];
  let events = 0;
  let virtualUs = 0;
  let lastWorld: World | undefined;
  const reuse = opts.reuseProcs === true;
  for (const mode of modes) {
    const world = new World({ seed, net: { ...cluster.net, ...o.net } as Partial<NetConfig>, cost: { ...cluster.cost, ...o.cost } });
    lastWorld = world;
    opts.attach?.(world, mode);
    if (opts.trace !== undefined) {
      const sink = opts.trace;
      world.kernel.setTrace((line) => sink(`{"mode":"${mode}",${line.slice(1)}`));
    }
    for (const h of cluster.hosts ?? []) world.addHost(h.name, h);
    for (const n of cluster.nodes) world.addNode(n.name, { ...(n.schedulers !== undefined ? { schedulers: n.schedulers } : {}), ...(n.host !== undefined ? { host: n.host } : {}) });
    const zen = mode === 'zen' ? new ZenCluster(world) : null;
    // Nodes boot at seeded moments in the first BOOT_MS, so their timers (sweeps,
    // demand ticks) run at phases that differ by seed, as on real nodes; the script
    // starts once all have booted.
    if (zen !== null) {
      for (const n of cluster.nodes) {
        if (n.zen === false) continue;
        const atUs = Math.floor(world.rng.stream(`boot/${n.name}`).float() * BOOT_MS * 1000);
        world.at(atUs, () => void startZen(zen, n.name, cluster.zen ?? {}, o.zen));
      }
    }
    const recorder = new Recorder(world);
    const run = new Run(world, zen, mode, recorder, zenConfig);
    run.modesOfRun = modes;
    if (zen !== null) {
      const zenNodes = new Set(cluster.nodes.filter((n) => n.zen !== false).map((n) => n.name));
      run.bootZen = (node) => {
        if (zenNodes.has(node)) startZen(zen, node, cluster.zen ?? {}, o.zen);
      };
    }
    if (runs.length === 0) run.onFootprint = opts.onFootprint;
    world.at(BOOT_MS * 1000, () => sc.script(run, params as never));
    let end: EndKind;
    try {
      end = yield* drive(world, run, mode, opts);
    } catch (e) {
      throw scriptError(sc, e, `${mode} run, at ${round3(world.nowUs / 1000)} virtual ms`);
    }
    runs.push(recorder.result(mode, { kind: end, expected: run.expectedDowns, ...run.endFigures() }));
    hashes.push(world.kernel.traceHash());
    events += world.kernel.executed;
    virtualUs = Math.max(virtualUs, world.nowUs);
    if (reuse) releaseProcs(world);
  }
  return {
    scenario: sc.name,
    seed,
    params,
    config: { zen: modes.includes('zen') && cluster.nodes.some((n) => n.zen !== false) ? { ...zenConfig } : {}, cost: (lastWorld as World).cost, net: (lastWorld as World).net.config },
    traceHash: combineHashes(hashes),
    events,
    virtualMs: round3(virtualUs / 1000),
    runs,
  };
}

/** Nodes boot within this many ms of the start; the script runs when all have. */
export const BOOT_MS = 100;

function zenEnv(base: Readonly<Record<string, unknown>>, overrides: [string, string][]): Record<string, unknown> {
  return { ...base, ...Object.fromEntries(overrides.map(([k, v]) => [k, settingValue(v)])) };
}

/** The app env every ZenMonitor node gets, checked before the run starts. */
function checkZen(base: Readonly<Record<string, unknown>>, overrides: [string, string][]): ZenConfig {
  const config = defaultZenConfig();
  try {
    for (const [k, v] of Object.entries(zenEnv(base, overrides))) setZenConfig(config, k, v);
  } catch (e) {
    if (e instanceof ConfigError) throw new InputError(e.message);
    throw e;
  }
  return config;
}

function startZen(zen: ZenCluster, node: string, base: Readonly<Record<string, unknown>>, overrides: [string, string][]) {
  return zen.start(node, zenEnv(base, overrides));
}

const CHUNK_EVENTS = 250_000;

function* drive(world: World, run: Run, mode: Mode, opts: RunOptions): Generator<void, EndKind> {
  let reached = false;
  // The script may set or move its end while the run goes on: the kernel reads the run's
  // limit (its `horizonUs`) after every event, and asks its condition before that.
  const over = () => (reached = run.endReached());
  for (;;) {
    const untilUs = run.horizonUs;
    const end = world.kernel.run({ untilUs, maxEvents: CHUNK_EVENTS, until: over, horizon: run });
    opts.onProgress?.({ mode, virtualUs: world.nowUs, events: world.kernel.executed });
    if (end === 'max_events') {
      run.onFootprint = undefined; // past the script's start: its host is asked no more (RunOptions)
      yield;
    } else if (end === 'condition' || run.horizonUs <= untilUs) {
      return run.endKind(world.kernel.pending() === 0, reached);
    }
    // Stopped at (or idle before) a limit the script has since moved later: run on to it.
  }
}

/**
 * An error a scenario's own code threw (or an API misuse it made: an unknown node, a
 * time in the past) as one line naming the scenario file and line; any other error
 * (a fault in zensim itself) is returned unchanged, with its stack.
 */
function scriptError(sc: Scenario, e: unknown, where: string): unknown {
  if (e instanceof InputError || e instanceof RunElsewhere) return e;
  if (!(e instanceof Error)) return new InputError(`scenario ${sc.name} threw ${String(e)} (${where})`);
  const loc = scriptLocation(e.stack ?? '', sc.file);
  if (loc === undefined && e instanceof ClockOverflow) return new InputError(`the virtual clock overflowed (${e.message}; ${where}): a time, rate or cost setting is too large for this run`);
  if (loc === undefined) return e;
  return new InputError(`${loc}: ${e.message.split('\n')[0] as string} (${where})`);
}

/**
 * `file:line:column` of the first stack frame in the scenario file (a helper it calls
 * that throws is reported at the line calling it); undefined when none is.
 */
export function scriptLocation(stack: string, file: string | undefined): string | undefined {
  const frames = [...stack.matchAll(/(?:\(|at )((?:file:\/\/)?\/[^():\s]+):(\d+):(\d+)\)?\s*$/gm)].map((m) => ({
    path: (m[1] as string).startsWith('file:') ? fileURLToPath(m[1] as string) : (m[1] as string),
    at: `${m[2]}:${m[3]}`,
  }));
  const frame = file === undefined ? undefined : frames.find((f) => f.path === file);
  return frame === undefined ? undefined : `${relative(process.cwd(), frame.path) || frame.path}:${frame.at}`;
}

/** One hash over several runs' hashes (FNV-1a 64 over their text), 16 hex digits. */
export function combineHashes(hashes: readonly string[]): string {
  if (hashes.length === 1) return hashes[0] as string;
  return fnv1a64Hex(Buffer.from(hashes.join('/'), 'latin1'));
}
