// ZenMonitor's own memory: its ETS tables in the node's `ets` (as `ets:info(T, memory)`
// counts them, checked against M1), and what each of its processes builds and keeps on
// its heap while it handles a message, read from the upstream code (lib/zen_monitor,
// v2.1.0) so that the heap model (sim/beam/heap.ts) grows and collects its heaps as ERTS
// does. Word counts are flat sizes of the terms each handler makes; a remote pid is 4
// words, a local ref 3, a cons cell 2, a tuple 1 + its arity.
//
// Simplification (README, "Model and its limits"): every References and Connector row is
// sized with a remote pid as its target (a local pid or a name is a few words less).
import type { Effect } from '../../core/effects.js';
import { msgHeapWords, type Dispatch, type Msg } from '../../core/messages.js';
import type { CostModel } from '../beam/cost.js';
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
  /** {node, status}; a status is an atom or a 3-tuple. */
  node: 3 + 4,
  /** GenRegistry's {key, pid}. */
  registry: 3,
} as const;

/** Bytes of one node's ZenMonitor tables, shared and private. */
export function zenTablesBytes(app: ZenApp, cost: CostModel): number {
  const set = cost.etsSetObjectWords;
  const ordered = cost.etsOrderedSetObjectWords;
  const t = app.tables;
  let words =
    EMPTY.references + t.references.size * (ROW.reference + ordered) +
    EMPTY.nodes + t.nodes.size * (ROW.node + set) +
    EMPTY.localSubscribers + t.localSubscribers.size * (ROW.pid + set) +
    EMPTY.proxySubscribers + t.proxySubscribers.size * (ROW.proxySubscriber + ordered) +
    2 * EMPTY.genRegistry + (app.connectors.size + app.batchers.size) * (ROW.registry + set);
  for (const pid of app.connectors.values()) {
    const s = app.cluster.inspectState(pid) as { monitorCount: number } | undefined;
    if (s !== undefined) words += EMPTY.connectorMonitors + s.monitorCount * (ROW.connectorMonitor + ordered);
  }
  const proxy = app.pids[0] !== undefined ? (app.cluster.inspectState(app.pids[0]) as { monitors: Map<unknown, unknown> } | undefined) : undefined;
  if (proxy !== undefined) words += EMPTY.proxyMonitors + proxy.monitors.size * (ROW.pid + set);
  return 8 * words;
}

type Name = 'connector' | 'local' | 'dispatcher' | 'proxy' | 'batcher';

/** A GenServer's state struct and its loop's own terms, words. */
const STRUCT_WORDS = 12;
/** A queued instruction {op, target}: cons, 2-tuple, remote pid. */
const INSTRUCTION_WORDS = 2 + 3 + 4;
/**
 * Per row of a certificate (connector.ex, messages_for_death_certificates): the
 * `:ets.match` result `[ref, subscriber]` (outer cons, two cons cells, the ref), the
 * dispatch `{sub, {:DOWN, ref, :process, pid, {:zen_monitor, reason}}}` with its cons,
 * and Enum.reverse's cons.
 */
const DEAD_ROW_WORDS = 2 + 4 + 3 + (2 + 3 + 6 + 3) + 2;
/** Per monitor of do_down: `:ets.match(monitors, :"$1")` gives `[row]` (cons, list, the row copied), then the dispatch. */
const DOWN_ROW_WORDS = 2 + 2 + (3 + 3 + 4 + 3) + (2 + 3 + 6 + 3);
/** Per event (dispatcher.ex, handle_events): `:ets.take` gives `[{{sub, ref}, target}]`, and the comprehension's cons. */
const EVENT_WORDS = 2 + ROW.reference + 2;
/** Per item Local queues (`Enum.reduce` with `:queue.in`): the queue's cons (kept), a new queue tuple and accumulator (garbage). */
const ENQUEUE_GARBAGE_WORDS = 3 + 3;
const QUEUE_CELL_WORDS = 2;
/** Per item Local hands over (`:queue.to_list` / `:queue.split`, GenStage's split of the events). */
const DEMAND_WORDS = 4;
/** A small handler's own terms (a lookup, a match with limit 1, a cast tuple). */
const SMALL_WORDS = 12;

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

  handled(ctx: Ctx, input: unknown, effects: readonly Effect[], batchLength: number): void {
    const m = input as Msg;
    switch (this.name) {
      case 'connector':
        this.connector(ctx, m, effects, batchLength);
        break;
      case 'local':
        this.local(ctx, m, effects);
        break;
      case 'dispatcher':
        if (m.kind === 'events') ctx.allocate(EVENT_WORDS, m.events.length);
        else ctx.allocate(SMALL_WORDS);
        break;
      case 'proxy':
        ctx.allocate(SMALL_WORDS, 1 + sent(effects));
        break;
      case 'batcher':
        this.batcher(ctx, m, effects);
        break;
    }
    ctx.holdState(this.stateWords);
  }

  private connector(ctx: Ctx, m: Msg, effects: readonly Effect[], batchLength: number): void {
    const dispatches = enqueued(effects);
    // {:dead, ...} matches its certificates' rows; anything else that enqueues is do_down (every row).
    if (dispatches > 0) ctx.allocate(m.kind === 'dead' ? DEAD_ROW_WORDS : DOWN_ROW_WORDS, dispatches);
    else ctx.allocate(SMALL_WORDS);
    const swept = instructionsSent(effects);
    if (swept > 0) ctx.allocate(QUEUE_CELL_WORDS, swept);
    this.stateWords = STRUCT_WORDS + batchLength * INSTRUCTION_WORDS;
  }

  private local(ctx: Ctx, m: Msg, effects: readonly Effect[]): void {
    if (m.kind === 'enqueue' && 'dispatches' in m) {
      ctx.absorb();
      const n = m.dispatches.length;
      ctx.allocate(ENQUEUE_GARBAGE_WORDS, n);
      this.stateWords += msgHeapWords(m, this.node) + n * QUEUE_CELL_WORDS;
      return;
    }
    const events = handedOver(effects);
    if (events !== undefined) {
      ctx.allocate(DEMAND_WORDS, events.length);
      this.stateWords = Math.max(STRUCT_WORDS, this.stateWords - dispatchWords(events, this.node) - events.length * QUEUE_CELL_WORDS);
    } else ctx.allocate(SMALL_WORDS);
  }

  private batcher(ctx: Ctx, m: Msg, effects: readonly Effect[]): void {
    if (m.kind === 'enqueue' && !('dispatches' in m)) {
      // The cast's terms become the certificate {pid, reason} in the queue.
      ctx.absorb();
      this.stateWords += msgHeapWords(m, this.node) + QUEUE_CELL_WORDS;
      return;
    }
    const dead = effects.find((e) => e.kind === 'send' && e.msg.kind === 'dead');
    if (dead !== undefined && dead.kind === 'send' && dead.msg.kind === 'dead') {
      const n = dead.msg.certificates.length;
      ctx.allocate(QUEUE_CELL_WORDS, n);
      this.stateWords = Math.max(STRUCT_WORDS, this.stateWords - msgHeapWords(dead.msg, this.node));
    } else ctx.allocate(SMALL_WORDS);
  }
}

/** Dispatches a Connector handed to Local in this step (its one `{:enqueue, dispatches}` cast). */
function enqueued(effects: readonly Effect[]): number {
  for (const e of effects) if (e.kind === 'send_named' && e.msg.kind === 'enqueue' && 'dispatches' in e.msg) return e.msg.dispatches.length;
  return 0;
}

/** Instructions a Connector's sweep sent to the Proxy (`:queue.to_list` of its chunk). */
function instructionsSent(effects: readonly Effect[]): number {
  for (const e of effects) if (e.kind === 'send_named' && e.msg.kind === 'process') return e.msg.instructions.length;
  return 0;
}

function sent(effects: readonly Effect[]): number {
  return effects.filter((e) => e.kind === 'cast_batcher').length;
}

/** The events Local handed to the Dispatcher in this step, if any. */
function handedOver(effects: readonly Effect[]): readonly Dispatch[] | undefined {
  for (const e of effects) if (e.kind === 'send' && e.msg.kind === 'events') return e.msg.events;
  return undefined;
}

/** Heap words of these dispatches in a list (the envelope of a message holding them aside). */
function dispatchWords(events: readonly Dispatch[], node: string): number {
  return msgHeapWords({ kind: 'enqueue', dispatches: events }, node) - msgHeapWords({ kind: 'enqueue', dispatches: [] }, node);
}
