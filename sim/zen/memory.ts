// ZenMonitor's own memory: its ETS tables in the node's `ets` (as `ets:info(T, memory)`
// counts them, checked against M1), and what each of its processes builds and keeps on
// its heap while it handles a message, read from the upstream code (lib/zen_monitor,
// v2.1.0) so that the heap model (sim/beam/heap.ts) grows and collects its heaps as ERTS
// does. Word counts are flat sizes of the terms each handler makes; a remote pid is 4
// words, a local ref 3, a cons cell 2, a tuple 1 + its arity.
//
// Simplification (README, "Model and its limits"): every References and Connector row is
// sized with a remote pid as its target (a local pid or a name is a few words less).
import type { Op } from '../../core/ops.js';
import { msgHeapWords, type Dispatch, type Msg } from '../../core/messages.js';
import type { CostModel } from '../beam/cost.js';
import { setBucketWords } from '../beam/ets.js';
import type { Ctx } from '../beam/process.js';
import type { ZenApp } from './cluster.js';

/** ets:info(T, memory) of ZenMonitor's tables when empty, words (M1). */
const EMPTY = {
  references: 133,
  nodes: 1361,
  localSubscribers: 337,
  genRegistry: 337,
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
  /** GenRegistry's {key, pid}. */
  registry: 3,
} as const;

/** `ets:info(T, memory)` of each of one node's ZenMonitor tables, words (the Connectors' summed). */
export type ZenTableWords = {
  references: number;
  nodes: number;
  localSubscribers: number;
  registries: number;
  connectorMonitors: number;
  proxySubscribers: number;
  proxyMonitors: number;
};

export function zenTableWords(app: ZenApp, cost: CostModel): ZenTableWords {
  const set = cost.etsSetObjectWords;
  const ordered = cost.etsOrderedSetObjectWords;
  const setOf = (rows: number, row: number) => rows * (row + set) + setBucketWords(rows);
  const t = app.tables;
  let connectorMonitors = 0;
  for (const pid of app.connectors.values()) {
    const s = app.cluster.inspectState(pid) as { monitorCount: number } | undefined;
    if (s !== undefined) connectorMonitors += EMPTY.connectorMonitors + s.monitorCount * (ROW.connectorMonitor + ordered);
  }
  const proxy = app.pids[0] !== undefined ? (app.cluster.inspectState(app.pids[0]) as { monitors: Map<unknown, unknown> } | undefined) : undefined;
  return {
    references: EMPTY.references + t.references.size * (ROW.reference + ordered),
    nodes: EMPTY.nodes + setOf(t.nodes.size, ROW.node),
    localSubscribers: EMPTY.localSubscribers + setOf(t.localSubscribers.size, ROW.pid),
    registries: 2 * EMPTY.genRegistry + setOf(app.connectors.size, ROW.registry) + setOf(app.batchers.size, ROW.registry),
    connectorMonitors,
    proxySubscribers: EMPTY.proxySubscribers + t.proxySubscribers.size * (ROW.proxySubscriber + ordered),
    proxyMonitors: proxy !== undefined ? EMPTY.proxyMonitors + setOf(proxy.monitors.size, ROW.pid) : 0,
  };
}

/** Bytes of one node's ZenMonitor tables, shared and private (its share of the node's `ets`). */
export function zenTablesBytes(app: ZenApp, cost: CostModel): number {
  let words = 0;
  for (const w of Object.values(zenTableWords(app, cost))) words += w;
  return 8 * words;
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

/**
 * What one ZenMonitor process holds on its heap between messages, and what it builds
 * while handling one: called after each step with its input and effects.
 */
export class ComponentHeap {
  /** The state's words: the struct, and the batch a Local or Batcher holds (the messages it took in). */
  private stateWords = STRUCT_WORDS;

  constructor(
    private readonly name: Name,
    private readonly node: string,
  ) {}

  handled(ctx: Ctx, input: unknown, effects: readonly Op[], batchLength: number): void {
    const m = input as Msg;
    ctx.allocate(HANDLER_WORDS);
    switch (this.name) {
      case 'connector':
        this.connector(ctx, m, effects, batchLength);
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
        ctx.allocate(ROW.proxySubscriber + 2 + 6, casts(effects));
        break;
      case 'batcher':
        this.batcher(ctx, m, effects);
        break;
    }
    ctx.holdState(this.stateWords);
  }

  private connector(ctx: Ctx, m: Msg, effects: readonly Op[], batchLength: number): void {
    const n = enqueued(effects);
    if (n > 0 && m.kind === 'dead') {
      // messages_for_death_certificates: match the rows, delete each, accumulate the
      // dispatches, then Enum.reverse them (a new list; the accumulator's cells die).
      walkList(ctx, n, MATCH_REF_SUB_WORDS, DISPATCH_WORDS + DELETE_KEY_WORDS);
      ctx.allocate(QUEUE_CELL_WORDS, n);
      ctx.discard(QUEUE_CELL_WORDS * n);
    } else if (n > 0) walkList(ctx, n, MATCH_ROW_WORDS, DISPATCH_WORDS); // do_down: every row
    const swept = instructionsSent(effects);
    if (swept > 0) ctx.allocate(QUEUE_CELL_WORDS, swept);
    this.stateWords = STRUCT_WORDS + batchLength * INSTRUCTION_WORDS;
  }

  private local(ctx: Ctx, m: Msg, effects: readonly Op[]): void {
    if (m.kind === 'enqueue' && 'dispatches' in m) {
      ctx.absorb();
      const n = m.dispatches.length;
      ctx.allocate(ENQUEUE_GARBAGE_WORDS, n);
      this.stateWords += flatWords(m, this.node) + n * QUEUE_CELL_WORDS;
      return;
    }
    const events = handedOver(effects);
    if (events !== undefined) {
      ctx.allocate(DEMAND_WORDS, events.length);
      this.stateWords = Math.max(STRUCT_WORDS, this.stateWords - dispatchWords(events, this.node) - events.length * QUEUE_CELL_WORDS);
    }
  }

  private batcher(ctx: Ctx, m: Msg, effects: readonly Op[]): void {
    if (m.kind === 'enqueue' && !('dispatches' in m)) {
      // The cast's terms become the certificate {pid, reason} in the queue.
      ctx.absorb();
      this.stateWords += flatWords(m, this.node) + QUEUE_CELL_WORDS;
      return;
    }
    const dead = effects.find((e) => e.kind === 'send' && e.msg.kind === 'dead');
    if (dead !== undefined && dead.kind === 'send' && dead.msg.kind === 'dead') {
      const n = dead.msg.certificates.length;
      ctx.allocate(QUEUE_CELL_WORDS, n);
      this.stateWords = Math.max(STRUCT_WORDS, this.stateWords - flatWords(dead.msg, this.node));
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

/** Dispatches a Connector handed to Local in this step (its one `{:enqueue, dispatches}` cast). */
function enqueued(effects: readonly Op[]): number {
  for (const e of effects) if (e.kind === 'send_named' && e.msg.kind === 'enqueue' && 'dispatches' in e.msg) return e.msg.dispatches.length;
  return 0;
}

/** Instructions a Connector's sweep sent to the Proxy (`:queue.to_list` of its chunk). */
function instructionsSent(effects: readonly Op[]): number {
  for (const e of effects) if (e.kind === 'send_named' && e.msg.kind === 'process') return e.msg.instructions.length;
  return 0;
}

function casts(effects: readonly Op[]): number {
  return effects.filter((e) => e.kind === 'cast_batcher').length;
}

/** The events Local handed to the Dispatcher in this step, if any. */
function handedOver(effects: readonly Op[]): readonly Dispatch[] | undefined {
  for (const e of effects) if (e.kind === 'send' && e.msg.kind === 'events') return e.msg.events;
  return undefined;
}

/** A message's flat size, as the envelope it came in counts it. */
function flatWords(m: Msg, node: string): number {
  return msgHeapWords(m, node) - 1;
}

/** Heap words of these dispatches in a list (the envelope of a message holding them aside). */
function dispatchWords(events: readonly Dispatch[], node: string): number {
  return msgHeapWords({ kind: 'enqueue', dispatches: events }, node) - msgHeapWords({ kind: 'enqueue', dispatches: [] }, node);
}
