// ZenMonitor's own memory: its ETS tables in the node's `ets` (as `ets:info(T, memory)`
// counts them, checked against M1), and what each of its processes builds and keeps on
// its heap while it handles a message, read from the upstream code (lib/zen_monitor,
// v2.1.0) so that the heap model (sim/beam/heap.ts) grows and collects its heaps as ERTS
// does. Word counts are flat sizes of the terms each handler makes; a remote pid is 4
// words, a local ref 3, a cons cell 2, a tuple 1 + its arity.
//
// Simplification (README, "Model and its limits"): every References and Connector row is
// sized with a remote pid as its target (a local pid or a name is a few words less).
// GenRegistry's tables (the Connectors' and the Batchers') are not here: their GenRegistry
// processes own them as plain ETS tables (sim/beam/ets.ts, `read_concurrency: true`), which
// count themselves in the node's `ets`.
import type { Op } from '../../core/ops.js';
import { assertNever, type Pid } from '../../core/terms.js';
import { msgHeapWords, type Dispatch, type Msg } from '../../core/messages.js';
import type { CostModel } from '../beam/cost.js';
import { setBucketWords } from '../beam/ets.js';
import type { Ctx } from '../beam/process.js';
import type { TableMemory } from '../beam/node.js';
import type { ZenApp, ZenProcess } from './cluster.js';
import { CONNECTOR_REGISTRY, PROXY, TABLE } from './tree.js';

/** ets:info(T, memory) of ZenMonitor's tables when empty, words (M1). */
const EMPTY = {
  references: 133,
  nodes: 1361,
  localSubscribers: 337,
  proxySubscribers: 133,
  connectorMonitors: 139,
  proxyMonitors: 305,
} as const;

/** Flat words of each table's tuple. */
const ROW = {
  /** {{subscriber, ref}, target}: two 2-tuples, a ref, a remote pid. */
  reference: 3 + 3 + 3 + 4,
  /** {{target, ref}, subscriber} in a Connector's private table. */
  connectorMonitor: 3 + 3 + 4 + 3,
  /** {pid} */
  pid: 2,
  /** {{monitored, connector}}: the connector is a remote pid. */
  proxySubscriber: 2 + 3 + 4,
  /** {node, status} with an atom status (`{:incompatible, until, attempt}` adds 4). */
  node: 3,
} as const;

/** `ets:info(T, memory)` of each of one node's ZenMonitor tables but GenRegistry's, words (the Connectors' summed; 0 for a table whose owner is dead). */
export type ZenTableWords = {
  references: number;
  nodes: number;
  localSubscribers: number;
  connectorMonitors: number;
  proxySubscribers: number;
  proxyMonitors: number;
};

/** A shared table's name, and its words while it is there (a row count, read afresh at every look: nothing is built). */
type SharedTable = { readonly table: string; readonly words: (app: ZenApp, cost: CostModel) => number };

function referencesWords(app: ZenApp, cost: CostModel): number {
  return EMPTY.references + app.bodies.references.size * (ROW.reference + cost.etsOrderedSetObjectWords);
}
function nodesWords(app: ZenApp, cost: CostModel): number {
  return EMPTY.nodes + setWords(app.bodies.nodes.size, ROW.node, cost.etsSetObjectWords);
}
function localSubscribersWords(app: ZenApp, cost: CostModel): number {
  return EMPTY.localSubscribers + setWords(app.bodies.localSubscribers.size, ROW.pid, cost.etsSetObjectWords);
}
function proxySubscribersWords(app: ZenApp, cost: CostModel): number {
  return EMPTY.proxySubscribers + app.bodies.proxySubscribers.size * (ROW.proxySubscriber + cost.etsOrderedSetObjectWords);
}

/** ZenMonitor's shared tables, by the name zenTableWords gives each. */
const SHARED: { readonly [K in 'references' | 'nodes' | 'localSubscribers' | 'proxySubscribers']: SharedTable } = {
  references: { table: TABLE.references, words: referencesWords },
  nodes: { table: TABLE.nodes, words: nodesWords },
  localSubscribers: { table: TABLE.localSubscribers, words: localSubscribersWords },
  proxySubscribers: { table: TABLE.proxySubscribers, words: proxySubscribersWords },
};
/** Each shared table's place: in SHARED_TABLES, and its bit in `ZenApp.sharedLive` (`1 << place`). */
export const SHARED_PLACE: { readonly [K in keyof typeof SHARED]: number } = { references: 0, nodes: 1, localSubscribers: 2, proxySubscribers: 3 };
const SHARED_TABLES: readonly SharedTable[] = (Object.keys(SHARED) as (keyof typeof SHARED)[]).sort((a, b) => SHARED_PLACE[a] - SHARED_PLACE[b]).map((k) => SHARED[k]);

/** The components whose states hold tables (the Connectors' and the Proxy's private `monitors`): their words are kept (`statesWords`). */
export const STATE_READ: readonly ZenProcess[] = ['connector', 'proxy'];

/** Each table's words, read afresh (what the kept sums of zenTablesBytes are checked against). */
export function zenTableWords(app: ZenApp, cost: CostModel): ZenTableWords {
  const fresh = (t: SharedTable): number => (app.simNode.typedEts.has(t.table) ? t.words(app, cost) : 0);
  const states = findStates(app);
  return {
    references: fresh(SHARED.references),
    nodes: fresh(SHARED.nodes),
    localSubscribers: fresh(SHARED.localSubscribers),
    connectorMonitors: connectorMonitorWords(states, cost),
    proxySubscribers: fresh(SHARED.proxySubscribers),
    proxyMonitors: proxyMonitorWords(states, cost),
  };
}

/**
 * Which shared tables are there (a bit each at SHARED_PLACE; none while its owner is
 * dead: a Tables process, or Local for Subscribers, restarting), read again only when the
 * node's tables epoch moved (a table made or dropped moves it): four lookups by name at
 * every delivery of a zen run were ~1% of a herd's CPU.
 */
export function sharedLive(app: ZenApp): number {
  // The look again apart: a function this small is inlined into zenTablesBytes (V8 inlines by bytecode size, in a budget its caller's size sets).
  return app.sharedEpoch === app.simNode.tablesEpoch ? app.sharedLive : findSharedLive(app);
}

/** The name of the shared table at `place` (SHARED_PLACE). */
export function sharedTableName(place: number): string {
  return (SHARED_TABLES[place] as SharedTable).table;
}

function findSharedLive(app: ZenApp): number {
  let live = 0;
  for (let i = 0; i < SHARED_TABLES.length; i++) if (app.simNode.typedEts.has((SHARED_TABLES[i] as SharedTable).table)) live |= 1 << i;
  app.sharedLive = live;
  app.sharedEpoch = app.simNode.tablesEpoch;
  return live;
}

/** Words of a set of `rows` objects of `row` words. */
function setWords(rows: number, row: number, objectWords: number): number {
  return rows * (row + objectWords) + setBucketWords(rows);
}

/** What the private tables' words read of a Connector's state and of the Proxy's (core's ConnectorState, ProxyState). */
type ConnectorMonitors = { readonly monitorCount: number };
type ProxyMonitors = { readonly monitors: { readonly size: number } };

/** The states that hold ZenMonitor's private tables: the live Connectors' and the Proxy's (none while it is down). */
export type TableStates = { readonly connectors: readonly ConnectorMonitors[]; readonly proxy: ProxyMonitors | undefined };

/** What an app holds before it has looked for its states. */
export const NO_STATES: TableStates = { connectors: [], proxy: undefined };

/** The live Connectors' states, found through their registry's table, and the Proxy's, by its name. */
function findStates(app: ZenApp): TableStates {
  const connectors: ConnectorMonitors[] = [];
  const registry = app.simNode.ets.get(CONNECTOR_REGISTRY);
  if (registry !== undefined) {
    for (const row of registry.heldRows()) {
      const s = app.cluster.inspectState(row.value as Pid) as ConnectorMonitors | undefined;
      if (s !== undefined) connectors.push(s);
    }
  }
  const pid = app.whereis(PROXY);
  const proxy = pid !== undefined ? (app.cluster.inspectState(pid) as ProxyMonitors | undefined) : undefined;
  return { connectors, proxy };
}

/** The Connectors' private `monitors` tables. */
function connectorMonitorWords(states: TableStates, cost: CostModel): number {
  const connectors = states.connectors;
  let words = 0;
  for (let i = 0; i < connectors.length; i++) {
    words += EMPTY.connectorMonitors + (connectors[i] as ConnectorMonitors).monitorCount * (ROW.connectorMonitor + cost.etsOrderedSetObjectWords);
  }
  return words;
}

function proxyMonitorWords(states: TableStates, cost: CostModel): number {
  const proxy = states.proxy;
  return proxy !== undefined ? EMPTY.proxyMonitors + setWords(proxy.monitors.size, ROW.pid, cost.etsSetObjectWords) : 0;
}

/**
 * Bytes of one node's ZenMonitor tables, shared and private (its share of the node's `ets`);
 * = the sum of zenTableWords, unallocated (read at every delivery the node sums its tables
 * again for: after most ZenMonitor steps).
 */
export function zenTablesBytes(app: ZenApp, cost: CostModel): number {
  const live = sharedLive(app);
  // Each table's words called by name, bits at SHARED_PLACE: a loop over SHARED_TABLES
  // made one call site of four functions (~120 instructions a call, ~1% of a zen herd).
  return 8 * (statesWords(app, cost) + ((live & 1) !== 0 ? referencesWords(app, cost) : 0) + seldomWords(app, cost, live));
}

/**
 * The words of Nodes, Subscribers and Proxy Subscribers (those of `live`), kept while
 * `live` and their row counts stay the same: they change seldom (References, at every
 * monitor and DOWN, is read afresh), and their two set tables' words were two calls of
 * ~90 instructions at every read.
 */
function seldomWords(app: ZenApp, cost: CostModel, live: number): number {
  // The check alone, small enough for V8 to inline, as sharedLive's; the sum apart (a call at each read was ~65 instructions).
  const b = app.bodies;
  return live === app.seldomLive && b.nodes.size === app.nodesRows && b.localSubscribers.size === app.subscribersRows && b.proxySubscribers.size === app.proxySubscribersRows
    ? app.seldomWords
    : sumSeldomWords(app, cost, live);
}

/** The seldom-changed tables' words summed again, and the sizes they were summed at kept (`seldomWords`). */
function sumSeldomWords(app: ZenApp, cost: CostModel, live: number): number {
  const b = app.bodies;
  app.seldomLive = live;
  app.nodesRows = b.nodes.size;
  app.subscribersRows = b.localSubscribers.size;
  app.proxySubscribersRows = b.proxySubscribers.size;
  app.seldomWords =
    ((live & 2) !== 0 ? nodesWords(app, cost) : 0) +
    ((live & 4) !== 0 ? localSubscribersWords(app, cost) : 0) +
    ((live & 8) !== 0 ? proxySubscribersWords(app, cost) : 0);
  return app.seldomWords;
}

/** A node's ZenMonitor tables, as the node counts them in its `ets` (node.ts TableMemory). */
export class ZenTablesMemory implements TableMemory {
  readonly readsRows = true;

  constructor(
    private readonly app: ZenApp,
    private readonly cost: CostModel,
  ) {}

  bytes(): number {
    return zenTablesBytes(this.app, this.cost);
  }
}

/**
 * The private tables' words, kept while none of the processes that hold them has stepped
 * (ZenApp.stepped). Which states hold them is kept too, and found again only when the
 * node's tables epoch has moved (the registry's rows, the Proxy's name, who is alive) or a
 * component's state was made (ZenApp.stateMade): a step changes its process's state in
 * place (component.ts), and found afresh at every step they were ~400 instructions of
 * lookups a step of a Connector or the Proxy. Checked against zenTableWords by
 * test/sim/beam/ets_memory_cache.test.ts.
 */
function statesWords(app: ZenApp, cost: CostModel): number {
  // The sums again apart, as sharedLive's look.
  return app.statesStale || app.statesEpoch !== app.simNode.tablesEpoch ? sumStatesWords(app, cost) : app.statesWords;
}

function sumStatesWords(app: ZenApp, cost: CostModel): number {
  const epoch = app.simNode.tablesEpoch;
  if (app.statesEpoch !== epoch) {
    app.states = findStates(app);
    app.statesEpoch = epoch;
  }
  app.statesWords = connectorMonitorWords(app.states, cost) + proxyMonitorWords(app.states, cost);
  app.statesStale = false;
  return app.statesWords;
}

type Name = 'connector' | 'local' | 'dispatcher' | 'proxy' | 'batcher';

/** A GenServer's state struct and its loop's own terms, words. */
const STRUCT_WORDS = 12;
/** A queued instruction {op, target}: cons, 2-tuple, remote pid. */
const INSTRUCTION_WORDS = 2 + 3 + 4;
/** A dispatch `{sub, {:DOWN, ref, :process, pid, {:zen_monitor, reason}}}` and its cons cell. */
const DISPATCH_WORDS = 2 + 3 + 6 + 3;
/** An `:ets.match(monitors, {{pid, :"$1"}, :"$2"})` result `[ref, subscriber]`: outer cons, two cons cells, the ref. */
const MATCH_REF_SUB_WORDS = 2 + 4 + 3;
/** An `:ets.match(monitors, :"$1")` result `[row]`: cons, a one-element list, the row copied. */
const MATCH_ROW_WORDS = 2 + 2 + (3 + 3 + 4 + 3);
/** The key tuple `{pid, ref}` of each `:ets.delete` in messages_for_death_certificates. */
const DELETE_KEY_WORDS = 3;
/** Items a handler walks between two looks at what is garbage. */
const WALK_CHUNK = 64;
/** Objects a select BIF handles before it traps (erl_db: MAX_SELECT_ITERATIONS). */
const BIF_CHUNK = 1000;
/** Per event (dispatcher.ex, handle_events): `:ets.take` gives `[{{sub, ref}, target}]`, garbage once checked. */
const TAKE_WORDS = 2 + ROW.reference;
/** Per item Local queues (`Enum.reduce` with `:queue.in`): the queue's cons (kept), a new queue tuple and accumulator (garbage). */
const ENQUEUE_GARBAGE_WORDS = 3 + 3;
const QUEUE_CELL_WORDS = 2;
/** Per item Local hands over (`:queue.to_list` / `:queue.split`, GenStage's split of the events). */
const DEMAND_WORDS = 4;
/**
 * What every handler builds besides its own terms: the gen_server/GenStage loop's tuples,
 * the callback's return and new state struct, an `Application.get_env` (an ETS read), and
 * an Instruments `increment` (statix builds a statsd packet and hands it to a UDP port; M1
 * ran with instruments on). Estimate.
 */
const HANDLER_WORDS = 60;

/** What a step did that its heap use depends on, seen operation by operation. */
type Effects = {
  /** Dispatches a Connector handed to Local (its one `{:enqueue, dispatches}` cast). */
  enqueued: number;
  /** Instructions a Connector's sweep sent to the Proxy (`:queue.to_list` of its chunk). */
  instructions: number;
  /** Casts to a Batcher (a Proxy's death certificates). */
  casts: number;
  /** The events Local handed to the Dispatcher. */
  events: readonly Dispatch[] | undefined;
  /** The certificates a Batcher sent. */
  dead: Msg | undefined;
};

/** The kinds of operation `ComponentHeap.seen` reads (the rest it is not told). */
export type HeapSeenKind = 'send' | 'send_named' | 'cast_batcher';

/** Whether `ComponentHeap.seen` reads an operation of `kind`. Its switch takes `HeapSeenKind` alone (exhaustive), so a kind it gains is named in the type, and here beside it. */
export function heapSees(kind: Op['kind']): kind is HeapSeenKind {
  return kind === 'send' || kind === 'send_named' || kind === 'cast_batcher';
}

/**
 * What one ZenMonitor process holds on its heap between messages, and what it builds
 * while handling one: told the input (`begin`), each operation the step performs
 * (`seen`), and the step's end (`done`).
 */
export class ComponentHeap {
  /** The state's words: the struct, and the batch a Local or Batcher holds (the messages it took in). */
  private stateWords = STRUCT_WORDS;
  private input: Msg | undefined = undefined;
  private readonly effects: Effects = { enqueued: 0, instructions: 0, casts: 0, events: undefined, dead: undefined };

  constructor(
    private readonly name: Name,
    private readonly node: string,
    /** The length of the batch a Connector's state holds now. */
    private readonly batchLength: () => number,
  ) {}

  begin(input: unknown): void {
    this.input = input as Msg;
    const e = this.effects;
    e.enqueued = e.instructions = e.casts = 0;
    e.events = e.dead = undefined;
  }

  /** The step performs `op`, of kind `kind` (read once by the runner: a megamorphic lookup); told only the kinds `heapSees` names. */
  seen(op: Op, kind: HeapSeenKind): void {
    const e = this.effects;
    // Each kind read once: every read is a megamorphic lookup (operations and messages come in many shapes).
    switch (kind) {
      case 'send_named': {
        const msg = (op as Extract<Op, { kind: 'send_named' }>).msg;
        const kind = msg.kind;
        if (kind === 'enqueue' && 'dispatches' in msg && e.enqueued === 0) e.enqueued = msg.dispatches.length;
        else if (kind === 'process' && e.instructions === 0) e.instructions = msg.instructions.length;
        return;
      }
      case 'cast_batcher':
        e.casts++;
        return;
      case 'send': {
        const msg = (op as Extract<Op, { kind: 'send' }>).msg;
        const kind = msg.kind;
        if (kind === 'events') e.events ??= msg.events;
        else if (kind === 'dead') e.dead ??= msg;
        return;
      }
      default:
        assertNever(kind);
    }
  }

  done(ctx: Ctx): void {
    const m = this.input;
    if (m === undefined) return;
    this.input = undefined;
    const effects = this.effects;
    ctx.allocate(HANDLER_WORDS);
    switch (this.name) {
      case 'connector':
        this.connector(ctx, m, effects);
        break;
      case 'local':
        this.local(ctx, m, effects);
        break;
      case 'dispatcher':
        // Each event: a take (garbage at once) and the comprehension's cons (live until the end).
        if (m.kind === 'events') buildWhileWalking(ctx, m.events.length, TAKE_WORDS + QUEUE_CELL_WORDS, TAKE_WORDS);
        break;
      case 'proxy':
        // Per death certificate it casts: a Proxy.Tables row read and the cast's tuples.
        ctx.allocate(ROW.proxySubscriber + 2 + 6, effects.casts);
        break;
      case 'batcher':
        this.batcher(ctx, m, effects);
        break;
    }
    ctx.holdState(this.stateWords);
  }

  private connector(ctx: Ctx, m: Msg, effects: Effects): void {
    const n = effects.enqueued;
    if (n > 0) {
      // Both build their dispatches in a reversed accumulator and reverse it (a new list; the
      // accumulator's cells die): messages_for_death_certificates matches the rows, deletes
      // each and ends in Enum.reverse; do_down's `for` over every row compiles to
      // Enum.reduce and :lists.reverse (its import table, Elixir 1.14).
      if (m.kind === 'dead') walkList(ctx, n, MATCH_REF_SUB_WORDS, DISPATCH_WORDS + DELETE_KEY_WORDS);
      else walkList(ctx, n, MATCH_ROW_WORDS, DISPATCH_WORDS);
      ctx.allocate(QUEUE_CELL_WORDS, n);
      ctx.discard(QUEUE_CELL_WORDS * n);
    }
    const swept = effects.instructions;
    if (swept > 0) ctx.allocate(QUEUE_CELL_WORDS, swept);
    this.stateWords = STRUCT_WORDS + this.batchLength() * INSTRUCTION_WORDS;
  }

  private local(ctx: Ctx, m: Msg, effects: Effects): void {
    if (m.kind === 'enqueue' && 'dispatches' in m) {
      ctx.absorb();
      const n = m.dispatches.length;
      ctx.allocate(ENQUEUE_GARBAGE_WORDS, n);
      this.stateWords += flatWords(m, this.node) + n * QUEUE_CELL_WORDS;
      return;
    }
    const events = effects.events;
    if (events !== undefined) {
      ctx.allocate(DEMAND_WORDS, events.length);
      this.stateWords = Math.max(STRUCT_WORDS, this.stateWords - dispatchWords(events, this.node) - events.length * QUEUE_CELL_WORDS);
    }
  }

  private batcher(ctx: Ctx, m: Msg, effects: Effects): void {
    if (m.kind === 'enqueue' && !('dispatches' in m)) {
      // The cast's terms become the certificate {pid, reason} in the queue.
      ctx.absorb();
      this.stateWords += flatWords(m, this.node) + QUEUE_CELL_WORDS;
      return;
    }
    const dead = effects.dead;
    if (dead !== undefined && dead.kind === 'dead') {
      ctx.allocate(QUEUE_CELL_WORDS, dead.certificates.length);
      this.stateWords = Math.max(STRUCT_WORDS, this.stateWords - flatWords(dead, this.node));
    }
  }
}

/**
 * A handler gets a list of `n` items of `listWords` each from a BIF (an `:ets.match`
 * result: ERTS builds it in one piece per 1000 objects, trapping between them) and walks
 * it, building `builtWords` an item (live until it returns); the walked cells are garbage.
 */
function walkList(ctx: Ctx, n: number, listWords: number, builtWords: number): void {
  for (let done = 0; done < n; done += BIF_CHUNK) ctx.allocate(listWords * Math.min(BIF_CHUNK, n - done));
  buildWhileWalking(ctx, n, builtWords, listWords);
}

/** For each of `n` items the handler builds `words`, of which `dead` (an item it walked past, a value it checked) are garbage at once. */
function buildWhileWalking(ctx: Ctx, n: number, words: number, dead: number): void {
  for (let done = 0; done < n; done += WALK_CHUNK) {
    const k = Math.min(WALK_CHUNK, n - done);
    ctx.allocate(words, k);
    ctx.discard(dead * k);
  }
}

/** A message's flat size, as the envelope it came in counts it. */
function flatWords(m: Msg, node: string): number {
  return msgHeapWords(m, node) - 1;
}

/** Heap words of these dispatches in a list (the envelope of a message holding them aside). */
function dispatchWords(events: readonly Dispatch[], node: string): number {
  return msgHeapWords({ kind: 'enqueue', dispatches: events }, node) - msgHeapWords({ kind: 'enqueue', dispatches: [] }, node);
}
