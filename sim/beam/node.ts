// A simulated BEAM node: name, creation (incarnation) number, a fixed number of
// schedulers with one FIFO run queue, the host whose cores its schedulers run on
// (host.ts), the registered-name table, and its memory books (memory.ts), by
// `:erlang.memory/0` category. Mirrors beam.md "Processes and mailboxes".
import type { EtsTable, TableBody, TypedTable } from './ets.js';
import type { Host } from './host.js';
import { MemoryBooks, type MemoryByCategory } from './memory.js';
import type { Proc } from './process.js';
import { AtomTable } from './wire.js';

/** Something on a node that holds rows (an ETS table): counted in the node's memory. */
export type TableMemory = () => number;

export class SimNode {
  up = true;
  creation = 1;
  nextId = 0;
  freeSchedulers: number;
  /** A scheduling pass is queued for this node (see World.makeRunnable). */
  dispatchPending = false;
  readonly registered = new Map<string, Proc>();
  /** Live processes of the current incarnation, in spawn order. */
  readonly procs = new Set<Proc>();
  private runQueue: Proc[] = [];
  private runHead = 0;
  /** Remote monitors held by this node's processes, per peer node (ref uid -> monitor). */
  readonly remoteOut = new Map<string, Map<number, import('./process.js').Monitor>>();
  /** Monitors held by other nodes' processes on this node's processes, per peer. */
  readonly remoteIn = new Map<string, Map<number, import('./process.js').Monitor>>();
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
  /** Memory of ETS tables (this node's and ZenMonitor's), as functions returning bytes. */
  readonly tables = new Map<string, TableMemory>();
  /** Processes, refc binaries and monitors, as running totals. */
  readonly books = new MemoryBooks();
  /** CPU time spent handling messages, µs. */
  busyUs = 0;
  /** Cores of its host its scheduler threads hold: running a handling, or kept between two (`keptCores`). */
  coresHeld = 0;
  /** When each core kept between two handlings was taken, µs: the next handling goes on with its time slice. */
  readonly keptCores: number[] = [];
  /** The CPU time (fractional µs) at which the thread of each kept core ended its handling. */
  readonly keptFreeUs: number[] = [];
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

  constructor(
    readonly name: string,
    readonly index: number,
    readonly schedulers: number,
    /** The machine its schedulers run on (its own, with one core per scheduler, unless shared). */
    readonly host: Host,
  ) {
    if (!Number.isInteger(schedulers) || schedulers < 1) {
      throw new RangeError(`node ${name}: schedulers must be an integer >= 1, got ${schedulers}`);
    }
    this.freeSchedulers = schedulers;
  }
  /**
   * Starts its mailbox peaks afresh from the mailboxes as they are now (a run's trigger):
   * the node's and each process's since the mark. Returns the node's peak until now.
   */
  markMailboxPeaks(): { peak: number; proc: Proc | null } {
    const before = { peak: this.peakMailbox, proc: this.peakMailboxProc };
    this.peakMailbox = 0;
    this.peakMailboxProc = null;
    for (const p of this.procs) {
      p.mailboxPeakSinceMark = p.mailbox.length;
      if (p.mailbox.length > this.peakMailbox) {
        this.peakMailbox = p.mailbox.length;
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
    return this.runHead < this.runQueue.length ? (this.runQueue[this.runHead] as Proc) : undefined;
  }

  /** Takes the head of the run queue off it. */
  dropRunnable(): void {
    this.runHead++;
    if (this.runHead > 1024 && this.runHead * 2 > this.runQueue.length) {
      this.runQueue = this.runQueue.slice(this.runHead);
      this.runHead = 0;
    }
  }

  runQueueLength(): number {
    return this.runQueue.length - this.runHead;
  }

  /** Forgets everything of the current incarnation (crash). */
  reset(): void {
    this.registered.clear();
    this.procs.clear();
    this.runQueue = [];
    this.runHead = 0;
    this.remoteOut.clear();
    this.remoteIn.clear();
    this.nodeWatchers.clear();
    this.linkedTo.clear();
    this.tables.clear();
    this.ets.clear();
    this.typedEts.clear();
    this.atoms = new AtomTable();
    this.books.clear();
    this.freeSchedulers = this.schedulers;
    this.coresHeld = 0;
    this.keptCores.length = 0;
    this.keptFreeUs.length = 0;
    this.waitingThreads = 0;
  }

  /** `:erlang.memory/0` now, by category. */
  memory(): MemoryByCategory {
    let ets = 0;
    for (const t of this.tables.values()) ets += t();
    const b = this.books;
    const system = b.monitorBytes + ets + b.binaryBytes;
    return { processes: b.processBytes, system, ets, binary: b.binaryBytes, total: b.processBytes + system };
  }

  /** `:erlang.memory(:total)` now. */
  memoryBytes(): number {
    let bytes = this.books.processBytes + this.books.monitorBytes + this.books.binaryBytes;
    for (const t of this.tables.values()) bytes += t();
    return bytes;
  }
}
