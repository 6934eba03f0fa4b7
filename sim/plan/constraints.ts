// Constraints of a plan (`[mode:]path<=number`): the metric paths a constraint may name in
// a run's result (scalars, per node, per link), how a value is read from a compact run,
// and a constraint's margin and verdict at its worst over the seeds. Pure; used by the
// recommendation (recommend.ts) and checked against the scenario before any work.
import { InputError } from '../run/params.js';
import type { Mode } from '../run/scenario.js';
import { round6, type RunMetrics } from './sweep.js';

// ---- metric paths -------------------------------------------------------------------------

/** Every scalar path of a run result (RunResult without series, per-node and per-link figures). */
export const SCALAR_PATHS: readonly string[] = [
  'triggerMs',
  'endMs',
  'drainEstimateMs',
  'capMs',
  'pending.downs',
  'pending.work',
  'windowMs',
  'downs.expected',
  'downs.delivered',
  'downs.duplicates',
  'downs.missing',
  'downs.beforeTrigger',
  'downs.inWindow',
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
export const NODE_PATHS: readonly string[] = [
  'memory.baselineBytes',
  'memory.peakBytes',
  'memory.byCategory.processes',
  'memory.byCategory.binary',
  'memory.byCategory.ets',
  'memory.byCategory.system',
  'mailbox.peak',
  'mailbox.beforeTrigger.peak',
  'cpu.busyMs',
  'cpu.utilization',
  'cpu.coreWaitMs',
  'downs.delivered',
  'downs.firstMs',
  'downs.lastMs',
];
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
  /** null: unprefixed, read in the zen run (a point that does not run zen cannot be judged by it). */
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

export const isUpper = (op: Op): boolean => op === '<=' || op === '<';

/**
 * The mode a constraint reads at a point that ran `modes`: its prefix's, zen without one;
 * undefined when the point did not run it (never the other mode: a limit on ZenMonitor's
 * figures says nothing about plain monitors).
 */
export function constraintMode(c: Pick<Constraint, 'mode'>, modes: readonly Mode[]): Mode | undefined {
  const mode = c.mode ?? 'zen';
  return modes.includes(mode) ? mode : undefined;
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

