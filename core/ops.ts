// A ZenMonitor step, one operation at a time. A step (a component handling one input, or
// a client function inside its caller) is an iterator, nearly always a generator: it
// yields each operation it performs, in program order (a read or write of a shared
// table, a send, a call, a monitor, a timer, ...), and the runtime answers each with its
// result. So a runtime can perform every operation at the CPU time the code reaches it,
// interleaved with the other processes of the node as upstream's are, while core stays
// pure: a test steps it by hand against plain tables (`applyTableOp`).
//
// Mirrors the `:ets` calls ZenMonitor 2.1.0 makes on the tables its processes share
// (ZenMonitor.Local.Tables' Nodes and References, Local's Subscribers,
// ZenMonitor.Proxy.Tables' Subscribers; spec §2), one operation per call, and
// `known_node?/1`'s read of the node's connections. Private tables (the Connector's and
// the Proxy's `monitors`) are component state, not operations: no other process sees them.

import type { Pid, Ref } from './terms.js';
import { assertNever } from './terms.js';
import type { Target } from './messages.js';
import type { Effect } from './effects.js';
import type { NodeStatus, ProxySubscriberRow, ReferenceRow, ZenTables } from './tables.js';

/** One `:ets` call on a shared ZenMonitor table; the comment gives what it returns. */
export type TableOp =
  /** `:ets.lookup(nodes, node)`: the status, or undefined. */
  | { readonly kind: 'nodes.lookup'; readonly node: string }
  /** `:ets.insert(nodes, {node, status})`. */
  | { readonly kind: 'nodes.insert'; readonly node: string; readonly status: NodeStatus }
  /**
   * `:ets.insert(references, {{subscriber, ref}, target})`: `row` is kept as it is (the
   * client hands its cast's message, which holds the same three: one object for both rows).
   */
  | { readonly kind: 'references.insert'; readonly row: ReferenceRow }
  /** `:ets.take(references, {subscriber, ref})`: the row, or undefined. */
  | { readonly kind: 'references.take'; readonly subscriber: Pid; readonly ref: Ref }
  /** `:ets.delete(references, {subscriber, ref})`. */
  | { readonly kind: 'references.delete'; readonly subscriber: Pid; readonly ref: Ref }
  /** `:ets.match(references, {{subscriber, :"$1"}, :"$2"})`: the subscriber's rows, in key order. */
  | { readonly kind: 'references.match'; readonly subscriber: Pid }
  /** `:ets.member(subscribers, pid)` on Local's Subscribers: a boolean. */
  | { readonly kind: 'subscribers.member'; readonly subscriber: Pid }
  /** `:ets.insert_new(subscribers, {pid})`: true if it was not there. */
  | { readonly kind: 'subscribers.insert_new'; readonly subscriber: Pid }
  /** `:ets.delete(subscribers, pid)`. */
  | { readonly kind: 'subscribers.delete'; readonly subscriber: Pid }
  /** `:ets.insert(proxy_subscribers, [{{target, connector}} ...])`: one call for the list. */
  | { readonly kind: 'proxy_subscribers.insert'; readonly targets: readonly Target[]; readonly connector: Pid }
  /** `:ets.delete(proxy_subscribers, {target, connector})`. */
  | { readonly kind: 'proxy_subscribers.delete'; readonly target: Target; readonly connector: Pid }
  /** `:ets.match(proxy_subscribers, {{target, :"$1"}})`: the target's rows, in key order. */
  | { readonly kind: 'proxy_subscribers.match'; readonly target: Target }
  /** `:ets.match_delete(proxy_subscribers, {{:_, connector}})`: how many rows went. */
  | { readonly kind: 'proxy_subscribers.match_delete'; readonly connector: Pid };

/** `known_node?(node)`: `node == node() or node in Node.list()`, a boolean. */
export type KnownNodeOp = { readonly kind: 'known_node'; readonly node: string };

/**
 * Everything a step can yield. Effects other than calls answer `undefined`; a `call` or
 * `call_connector` answers the call's `CallResult` once it returns (the caller blocks;
 * a `call_connector` that exits answers the exit GenServer.call gives its caller,
 * messages.ts `genServerCallExit`).
 */
export type Op = Effect | TableOp | KnownNodeOp;

/**
 * A step: yields operations, is answered with their results, returns R. Nearly every step
 * is a generator; those that run once per monitored target or per DOWN are written out
 * (a `StepOut`, `handOver`, `once`). A runtime reads each result before it asks for the
 * next, so a step may hand back one result object rewritten.
 */
export type Step<R = void> = Iterator<Op, R, unknown> & Iterable<Op, R, unknown>;

/**
 * The result object of a step written out as a state machine instead of a `function*`,
 * for the few that run once per monitored target or per DOWN (a herd runs hundreds of
 * thousands): a generator costs its object and a result per operation; a short-lived
 * such step rewrites one result of its own at each `next` (`stepOut`, `yields`,
 * `returns`), and one that lives long hands each operation over in a result of its own
 * (`handOver`). Each such step shows, in its comment, the generator it stands for.
 *
 * Every such result is made as one literal shape (`done`, then `value`): the runtime's
 * one read of every step's `done` and `value` (sim/zen/component.ts `StepRun.next`) then
 * meets two maps whatever the scenario, these and generators' own results. A step that
 * was its own result (`once`'s, `monitor`'s) was a map more for each such class: four in
 * most scenarios, the most V8 checks inline; a fifth made each read a megamorphic lookup.
 * (The herd's callgrind, side by side: 100k 10.111 -> 9.877 and 10.112 -> 9.900 G, 30k
 * 5.120 -> 5.101 and 5.119 -> 5.105 G.)
 */
export type StepOut = { done: boolean; value: unknown };

/** A result for a step to rewrite (`yields`, `returns`): of the one shape (see `StepOut`). */
export function stepOut(): StepOut {
  return { done: false, value: undefined };
}

/** `out` rewritten to hand over `op`. */
export function yields<R>(out: StepOut, op: Op): IteratorResult<Op, R> {
  out.done = false;
  out.value = op;
  return out as IteratorResult<Op, R>;
}

/** `out` rewritten to end the step with `value`. */
export function returns<R>(out: StepOut, value: R): IteratorResult<Op, R> {
  out.done = true;
  out.value = value;
  return out as IteratorResult<Op, R>;
}

/**
 * A result of its own handing over `op`, for a written-out step that lives long (the
 * Dispatcher's batch of DOWNs, handled over many slices, is promoted to V8's old space):
 * rewriting one result object stored a young operation into an old object at every
 * operation, each a call of V8's write barrier (remembered set, and marking while a full
 * collection marks); a result made anew is written as it is made, with no barrier.
 */
export function handOver(op: Op): IteratorYieldResult<Op> {
  return { done: false, value: op };
}

/**
 * The end of a step that returns nothing (shared: nothing reads it but its `done`). Not
 * frozen, nor is any shared result (client.ts): a frozen object has a map of its own, and
 * the runtime's one read of every step's `done` and `value` (sim/zen/component.ts
 * `StepRun.next`) met five maps in a herd (`--log-ic`), past the four V8 checks inline:
 * each read was a megamorphic lookup. Unfrozen, four (the herd's callgrind, side by side:
 * 30k 5.140 -> 5.122 and 5.093 -> 5.078 G, 100k 9.557 -> 9.514 and 9.636 -> 9.532 G);
 * with every written-out step's results of its shape (`StepOut`), two. It also ends
 * sim/run/timed_steps.ts `EachTarget`.
 */
export const ENDED: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * A step that hands over one result (`out`; none if undefined) and ends. Its results are
 * of the one shape (`StepOut`), not itself; `out` may be shared (an operation that never
 * changes handed over in a result made once: the Connector's per-monitor increments), so
 * such a step is its one field, 16 bytes (as its own result it was 24).
 */
export class Once implements Step {
  constructor(private out: IteratorYieldResult<Op> | undefined) {}

  [Symbol.iterator](): this {
    return this;
  }

  /**
   * This step, made to hand over `out` again: for a process whose `once` steps each run to
   * their end before its next handling begins (a GenServer's), one kept `Once` serves them
   * all. The Connector's per-target casts made one each (as a `function*`, a generator and
   * its results, ~250 bytes): 32 bytes of young garbage a monitored target. `out` is a
   * result made once, never a young object; undefined, the step ends at once.
   */
  again(out: IteratorYieldResult<Op> | undefined): this {
    this.out = out;
    return this;
  }

  next(): IteratorResult<Op, void> {
    const out = this.out;
    if (out === undefined) return ENDED;
    this.out = undefined;
    return out;
  }
}

/** Nothing to perform (it keeps no state, so one serves every such step). */
const NOTHING: Step = new Once(undefined);

/** The step of a handling that performs at most one operation and reads no answer (see `Once`). */
export function once(op: Op | undefined): Step {
  return op === undefined ? NOTHING : new Once(handOver(op));
}

/** The table operation of kind K (the functions below may be given the kind apart, so they narrow by hand). */
export type TableOpOf<K extends TableOp['kind']> = Extract<TableOp, { readonly kind: K }>;

/**
 * The number of rows an operation touches (its cost is per row): 1 for single-row calls.
 * `kind` is `op.kind`, given apart by a runtime that has read it already (as for `applyTableOp`).
 */
export function tableOpRows(op: TableOp, result: unknown, kind: TableOp['kind'] = op.kind): number {
  switch (kind) {
    case 'proxy_subscribers.insert':
      return Math.max(1, (op as TableOpOf<'proxy_subscribers.insert'>).targets.length);
    case 'references.match':
    case 'proxy_subscribers.match':
      return Math.max(1, (result as readonly unknown[]).length);
    case 'proxy_subscribers.match_delete':
      // The rows removed: ETS walks the whole table for the wildcard key (a simplification;
      // it runs when a Connector goes, README "Model and its limits").
      return Math.max(1, result as number);
    default:
      return 1;
  }
}

const TABLE_OP_KINDS: ReadonlySet<string> = new Set(
  Object.keys({
    'nodes.lookup': true,
    'nodes.insert': true,
    'references.insert': true,
    'references.take': true,
    'references.delete': true,
    'references.match': true,
    'subscribers.member': true,
    'subscribers.insert_new': true,
    'subscribers.delete': true,
    'proxy_subscribers.insert': true,
    'proxy_subscribers.delete': true,
    'proxy_subscribers.match': true,
    'proxy_subscribers.match_delete': true,
  } satisfies Record<TableOp['kind'], true>),
);

/** Whether `op` is a table operation. */
export function isTableOp(op: Op): op is TableOp {
  return TABLE_OP_KINDS.has(op.kind);
}

/**
 * Performs a table operation on `tables` and returns its result (what the `:ets` call
 * returns). `kind` is `op.kind`, given apart by a runtime that has read it already:
 * operations come in many shapes, and each read of their kind is a megamorphic lookup.
 * Only those made per monitor and per DOWN are here (a switch on strings tests its cases
 * in order); the rest are `applyOtherTableOp`'s: a small function is optimized sooner,
 * and a seldom kind's first coming does not throw its code away.
 */
export function applyTableOp(tables: ZenTables, op: TableOp, kind: TableOp['kind'] = op.kind): unknown {
  switch (kind) {
    case 'references.insert':
      return tables.references.insertRow((op as TableOpOf<'references.insert'>).row);
    case 'subscribers.member':
      return tables.localSubscribers.has((op as TableOpOf<'subscribers.member'>).subscriber);
    case 'references.take': {
      const o = op as TableOpOf<'references.take'>;
      return tables.references.take(o.subscriber, o.ref);
    }
    default:
      return applyOtherTableOp(tables, op, kind);
  }
}

/** `applyTableOp` of the kinds it does not perform itself (its switch exhaustive). */
function applyOtherTableOp(tables: ZenTables, op: TableOp, kind: Exclude<TableOp['kind'], 'references.insert' | 'subscribers.member' | 'references.take'>): unknown {
  switch (kind) {
    case 'nodes.lookup':
      return tables.nodes.get((op as TableOpOf<'nodes.lookup'>).node);
    case 'nodes.insert': {
      const o = op as TableOpOf<'nodes.insert'>;
      return tables.nodes.set(o.node, o.status);
    }
    case 'references.delete': {
      const o = op as TableOpOf<'references.delete'>;
      return void tables.references.take(o.subscriber, o.ref);
    }
    case 'references.match':
      return tables.references.rowsOf((op as TableOpOf<'references.match'>).subscriber) satisfies ReferenceRow[];
    case 'subscribers.insert_new':
      return tables.localSubscribers.insertNew((op as TableOpOf<'subscribers.insert_new'>).subscriber);
    case 'subscribers.delete':
      return tables.localSubscribers.delete((op as TableOpOf<'subscribers.delete'>).subscriber);
    case 'proxy_subscribers.insert': {
      const o = op as TableOpOf<'proxy_subscribers.insert'>;
      // Indexed: it runs once a subscribe (5,000 targets), mostly before V8 optimizes it,
      // where a `for...of` made an iterator result per target (4.3 MB a warm zen 100k run:
      // V8's sampling heap profiler).
      const targets = o.targets;
      for (let i = 0; i < targets.length; i++) tables.proxySubscribers.insert(targets[i] as Target, o.connector);
      return undefined;
    }
    case 'proxy_subscribers.delete': {
      const o = op as TableOpOf<'proxy_subscribers.delete'>;
      return tables.proxySubscribers.delete(o.target, o.connector);
    }
    case 'proxy_subscribers.match':
      return tables.proxySubscribers.rowsFor((op as TableOpOf<'proxy_subscribers.match'>).target) satisfies ProxySubscriberRow[];
    case 'proxy_subscribers.match_delete':
      return tables.proxySubscribers.deleteConnector((op as TableOpOf<'proxy_subscribers.match_delete'>).connector);
    default:
      return assertNever(kind);
  }
}
