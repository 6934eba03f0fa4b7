// A simulated BEAM node: name, creation (incarnation) number, a fixed number of
// schedulers with one FIFO run queue, the host whose cores its schedulers run on
// (host.ts), the registered-name table, and its memory books (memory.ts), by
// `:erlang.memory/0` category. Mirrors beam.md "Processes and mailboxes".
import { describeValue } from '../../core/config.js';
import { DoubleFields, objectElements } from '../engine/double_fields.js';
import type { Rng } from '../engine/rng.js';
import type { EtsTable, TableBody, TypedTable } from './ets.js';
import { KeptCores, type Host } from './host.js';
import { MemoryBooks, newMemoryByCategory, type MemoryByCategory } from './memory.js';
import { targetHolds, watcherHolds, type Monitor } from './monitor.js';
import type { Proc } from './process.js';
import { Ring } from './ring.js';
import { PeerRosters } from './roster.js';
import { AtomTable } from './wire.js';

/**
 * Something on a node that holds rows (an ETS table): counted in the node's memory, its
 * bytes now. An object with a method, not a closure per table, so that `bytes` is one
 * function for every table and world, whose optimized code lives as long as the process.
 */
export type TableMemory = {
  bytes(): number;
  /** It reads typed rows or process states (ZenMonitor's), which `rowsChanged` says may have moved: the only tables summed again then. */
  readonly readsRows?: boolean;
};

/**
 * Throws, naming it, for a node name that is not a plain atom or a scheduler count that
 * is not a whole number >= 1 (undefined: the default). Checked as a node is added
 * (World.addNode) and as a scenario's cluster is, before its run (sim/run/runner.ts).
 */
export function checkNodeOptions(name: string, schedulers: number | undefined, clockPhaseUs?: number): void {
  if (!/^[A-Za-z0-9_.@-]+$/.test(name)) throw new RangeError(`node name must be a plain atom like a@host, got '${name}'`);
  if (schedulers !== undefined && (!Number.isInteger(schedulers) || schedulers < 1)) {
    throw new RangeError(`node ${name}: schedulers must be an integer >= 1, got ${describeValue(schedulers)}`);
  }
  if (clockPhaseUs !== undefined && !(Number.isInteger(clockPhaseUs) && clockPhaseUs >= 0 && clockPhaseUs < 1_000_000)) {
    throw new RangeError(`node ${name}: clockPhaseUs must be an integer from 0 to 999999 µs, got ${describeValue(clockPhaseUs)}`);
  }
}

const NODE_DOUBLES = new DoubleFields(['busyUs', 'takenFreeUs', 'coreWaitUs']);

export class SimNode {
  up = true;
  creation = 1;
  nextId = 0;
  freeSchedulers: number;
  /** A scheduling pass is queued for this node (see World.makeRunnable). */
  dispatchPending = false;
  readonly registered = new Map<string, Proc>();
  /** Its processes suspended on a busy connection (one that dies leaves it then: signals.ts bury). */
  readonly suspendedProcs = new Set<Proc>();
  /**
   * Its processes that ever had a message, in the order of their first (dead ones too):
   * only they can hold a mailbox, so `markMailboxPeaks` finds the largest one without
   * walking a million sleeping targets.
   */
  readonly messaged: Proc[] = objectElements([]);
  private readonly runQueue = new Ring<Proc>();
  /** Remote monitors held by this node's processes, per peer node, in the order they were made. */
  readonly remoteOut = new PeerRosters<Monitor>(watcherHolds);
  /** Monitors held by other nodes' processes on this node's processes, per peer, in the order they arrived. */
  readonly remoteIn = new PeerRosters<Monitor>(targetHolds);
  /** Processes of this node with a link to a process on `peer`, per peer (may hold stale entries; links.ts checks). */
  readonly linkedTo = new Map<string, Set<Proc>>();
  /** Processes that called monitor_node(peer), per peer (count per process). */
  readonly nodeWatchers = new Map<string, Map<Proc, number>>();
  /** This incarnation's atom table (its order indexes the distribution's atom caches). */
  atoms = new AtomTable();
  /** ETS-like tables of this node's processes, by name. */
  readonly ets = new Map<string, EtsTable>();
  /** Tables whose rows live in typed structures (ZenMonitor's, counted by sim/zen), by name: one namespace with `ets`. */
  readonly typedEts = new Map<string, TypedTable<TableBody>>();
  /** Memory of ETS tables (this node's and ZenMonitor's), as functions returning bytes, by name. */
  private readonly tables = new Map<string, TableMemory>();
  /** The same functions, in the same order, as an array: summed without an iterator. */
  private tableList: TableMemory[] = [];
  /** Those that read rows (`readsRows`), and the others' sum when last summed (`rowsChanged` leaves it as it is). */
  private rowsTableList: TableMemory[] = [];
  private plainCached = 0;
  /**
   * Their sum when last summed, read at every delivery (the recorder's peaks): summed again
   * only once `tablesChanged` or `rowsChanged` has said that one may have moved since. What
   * keeps it right: everything a table's memory reads says so when it changes (a table made
   * or dropped, an ETS row written or deleted, a process's death or registration, this
   * node's reset; each stretch of a ZenMonitor step's code and operations); checked against
   * fresh sums at every delivery and event by test/sim/beam/ets_memory_cache.test.ts.
   */
  private etsCached = 0;
  private etsStale = true;
  private rowsStale = true;
  /**
   * Counts `tablesChanged`: a table made or dropped, an ETS row written or deleted, a death, a
   * registration, a reset. What a table's memory reads of processes and plain tables (a
   * ZenMonitor app's Connectors, found through their registry; its Proxy, by name) can change
   * only with it, so such a part may be kept while it stays the same (sim/zen/memory.ts).
   */
  tablesEpoch = 0;
  /** Processes, refc binaries and monitors, as running totals. */
  readonly books = new MemoryBooks();
  /** CPU time spent handling messages, µs. */
  busyUs = 0;
  /** Cores of its host its scheduler threads hold: running a handling, or kept between two (`keptCores`). */
  coresHeld = 0;
  /** The cores kept between two handlings: when each was taken (the next handling goes on with its time slice), and when its thread ended its handling. */
  readonly keptCores = new KeptCores();
  /** Set by `Host.take`: the CPU time the thread of the core just taken is free from (its kept end, or now). */
  takenFreeUs = 0;
  /** Its scheduler threads waiting for a core of its host. */
  waitingThreads = 0;
  /** Time its scheduler threads have waited for a core of its host, µs (summed over threads). */
  coreWaitUs = 0;
  peakMemoryBytes = 0;
  baselineMemoryBytes = -1;
  /** Its largest mailbox since the start (or since `markMailboxPeaks`) and whose it was. */
  peakMailbox = 0;
  peakMailboxProc: Proc | null = null;

  /**
   * Where its runtime's monotonic clock puts the second boundaries: `erlang:monotonic_time(:second)`
   * is the virtual time plus this, in whole seconds (µs, [0, 1 s)). A real runtime's clock
   * starts at an arbitrary offset, drawn here from the seed for each runtime started
   * (`clock`), unless given. Supervisors stamp their restarts with it.
   */
  clockPhaseUs: number;

  constructor(
    readonly name: string,
    readonly index: number,
    readonly schedulers: number,
    /** The machine its schedulers run on (its own, with one core per scheduler, unless shared). */
    readonly host: Host,
    private readonly clock: Rng,
    clockPhaseUs?: number,
  ) {
    this.freeSchedulers = schedulers;
    this.clockPhaseUs = clockPhaseUs ?? clock.int(0, 999_999);
    NODE_DOUBLES.made(this);
  }

  /** The node boots again after a crash: a new creation, pids from 0, a new runtime's clock. */
  reboot(): void {
    this.up = true;
    this.creation++;
    this.nextId = 0;
    this.clockPhaseUs = this.clock.int(0, 999_999);
  }

  /** `erlang:monotonic_time(:second)` on this node at virtual time `nowUs`. */
  monotonicS(nowUs: number): number {
    return Math.floor((nowUs + this.clockPhaseUs) / 1_000_000);
  }
  /**
   * Starts its mailbox peaks afresh from the mailboxes as they are now (a run's trigger):
   * the node's and each process's since the mark. Returns the node's peak until now.
   */
  markMailboxPeaks(): { peak: number; proc: Proc | null } {
    const before = { peak: this.peakMailbox, proc: this.peakMailboxProc };
    this.peakMailbox = 0;
    this.peakMailboxProc = null;
    // Only a process that ever had a message has a mailbox or a peak to start afresh: the
    // live ones of `messaged`, not every sleeping target; the first spawned (lowest uid)
    // of equals, as a walk of its processes in spawn order picks.
    for (const p of this.messaged) {
      if (!p.alive) continue;
      p.markPeak();
      const length = p.mailbox.length;
      if (length > this.peakMailbox || (length > 0 && length === this.peakMailbox && p.uid < (this.peakMailboxProc as Proc).uid)) {
        this.peakMailbox = length;
        this.peakMailboxProc = p;
      }
    }
    return before;
  }

  enqueueRunnable(p: Proc): void {
    this.runQueue.push(p);
  }

  /** The process at the head of the run queue, left there. */
  peekRunnable(): Proc | undefined {
    return this.runQueue.peek();
  }

  /** Takes the head of the run queue off it. */
  dropRunnable(): void {
    this.runQueue.shift();
  }

  runQueueLength(): number {
    return this.runQueue.length;
  }

  /** Forgets everything of the current incarnation (crash). */
  reset(): void {
    this.registered.clear();
    this.suspendedProcs.clear();
    this.messaged.length = 0;
    this.runQueue.clear();
    this.remoteOut.clear();
    this.remoteIn.clear();
    this.nodeWatchers.clear();
    this.linkedTo.clear();
    this.tables.clear();
    this.tableList = [];
    this.rowsTableList = [];
    this.tablesChanged();
    this.ets.clear();
    this.typedEts.clear();
    this.atoms = new AtomTable();
    this.books.clear();
    this.freeSchedulers = this.schedulers;
    this.coresHeld = 0;
    this.keptCores.length = 0;
    this.waitingThreads = 0;
  }

  /** Counts a table's memory in the node's `ets` under `name` (replacing one of that name). */
  setTable(name: string, bytes: TableMemory): void {
    this.tables.set(name, bytes);
    this.listTables();
  }

  dropTable(name: string): void {
    if (this.tables.delete(name)) this.listTables();
    else this.tablesChanged();
  }

  private listTables(): void {
    this.tableList = [...this.tables.values()];
    this.rowsTableList = this.tableList.filter((t) => t.readsRows === true);
    this.tablesChanged();
  }

  /** A table, an ETS row, a process or a name that a table's memory reads may have changed: the next look sums them again. */
  tablesChanged(): void {
    this.etsStale = true;
    this.tablesEpoch++;
  }

  /** Only the rows of typed tables (or a process's state that a table's memory reads, which its reader tracks) may have changed: the next look sums them again. */
  rowsChanged(): void {
    this.rowsStale = true;
  }

  /** The memory of its tables now, summed afresh. */
  sumTables(): number {
    return sumBytes(this.tableList, true);
  }

  /** The memory of its tables now: `sumTables`, summed again only when one may have changed. */
  etsBytes(): number {
    // A ZenMonitor step says only that its rows may have moved (after most steps, and the
    // recorder reads this at every delivery): the plain tables' sum is kept then.
    if (this.etsStale) {
      this.plainCached = sumBytes(this.tableList, false);
      this.etsStale = false;
      this.rowsStale = true;
    }
    if (this.rowsStale) {
      this.etsCached = this.plainCached + sumRowsBytes(this.rowsTableList);
      this.rowsStale = false;
    }
    return this.etsCached;
  }

  /** `:erlang.memory/0` now, by category; written into `into` when given (the recorder's peaks: nothing allocated). */
  memory(into?: MemoryByCategory): MemoryByCategory {
    const ets = this.etsBytes();
    const b = this.books;
    const system = b.monitorBytes + ets + b.binaryBytes;
    const m = into ?? newMemoryByCategory();
    m.processes = b.processBytes;
    m.system = system;
    m.ets = ets;
    m.binary = b.binaryBytes;
    m.total = b.processBytes + system;
    return m;
  }

  /** `:erlang.memory(:total)` now. */
  memoryBytes(): number {
    return this.books.processBytes + this.books.monitorBytes + this.books.binaryBytes + this.etsBytes();
  }
}

/**
 * The node of each process of a world, by pid uid: an index into its nodes, kept outside
 * the JS heap. The per-event paths find a process's node without a lookup by its name.
 */
export class NodesByProc {
  private index = new Int32Array(1024);
  /** The world's nodes, by `SimNode.index` (the order they were added). */
  private readonly nodes: SimNode[] = [];

  added(node: SimNode): void {
    this.nodes.push(node);
  }

  /** Room for processes up to uid `count - 1` (a batch of spawns): `set` then grows nothing. */
  reserve(count: number): void {
    if (count <= this.index.length) return;
    const grown = new Int32Array(Math.max(count, 2 * this.index.length));
    grown.set(this.index);
    this.index = grown;
  }

  /** Process `uid` (the next one spawned) lives on `node`. */
  set(uid: number, node: SimNode): void {
    if (uid === this.index.length) this.reserve(uid + 1);
    this.index[uid] = node.index;
  }

  of(uid: number): SimNode {
    return this.nodes[this.index[uid] as number] as SimNode;
  }
}

/**
 * The bytes of the tables that read rows, summed at most deliveries of a zen run (after
 * most ZenMonitor steps): a call site of their own, which meets only those (ZenMonitor's,
 * one kind), not every kind of table as `sumBytes`'s (~110 instructions a sum there).
 */
function sumRowsBytes(tables: readonly TableMemory[]): number {
  let ets = 0;
  for (let i = 0; i < tables.length; i++) ets += (tables[i] as TableMemory).bytes();
  return ets;
}

/** The bytes of `tables` summed, all of them (`withRows`) or only those that read no rows. */
function sumBytes(tables: readonly TableMemory[], withRows: boolean): number {
  let ets = 0;
  for (let i = 0; i < tables.length; i++) {
    const t = tables[i] as TableMemory;
    if (withRows || t.readsRows !== true) ets += t.bytes();
  }
  return ets;
}
