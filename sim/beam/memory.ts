// A node's memory books, by the categories of `:erlang.memory/0`: `processes` (each
// process's PCB, heaps and heap fragments, heap.ts), `ets` (tables), `binary` (refc
// binaries) and `system` (everything not a process's: monitors, ETS, binaries), with
// `total` = processes + system as ERTS reports it. Also how a message's refc binaries are
// held: a local send shares the sender's binary (only a handle is copied); a message
// decoded from the wire refers to its own copy, the whole received payload buffer when
// the binary is over a quarter of it (external.c, dec_term: the buffer is kept rather
// than copied), else a binary of its own size. A binary lives while any holder, live or
// garbage not yet collected, has a handle to it.
import { DoubleFields } from '../engine/double_fields.js';
import type { CostModel } from './cost.js';
import { describeValue } from '../../core/config.js';
import { At, isHeld, isRemote, wireBytes } from './held.js';
import { ProcHeap, type HeapConfig } from './heap.js';
import type { SimNode } from './node.js';
import { isRemoteMonitor, type Monitor, type MonitorDown } from './monitor.js';
import type { Behaviour, Envelope, Proc } from './process.js';
import { ProcStatus } from './process.js';
import { kindOf, refcBinariesOf, wordsOf } from './sizes.js';

/** A refc binary on a node: its size and how many handles point at it. */
export type RefcBin = { readonly size: number; refs: number; readonly bytes: Uint8Array | undefined };

/** `:erlang.memory/0` of a node, bytes. `system` includes `ets` and `binary`; `total` = processes + system. */
export type MemoryByCategory = { processes: number; system: number; ets: number; binary: number; total: number };

/** A node's memory by category, all 0, its byte counts held as doubles (double_fields.ts). */
export function newMemoryByCategory(): MemoryByCategory {
  const m = { processes: 0, system: 0, ets: 0, binary: 0, total: 0 };
  CATEGORY_DOUBLES.made(m);
  return m;
}

const CATEGORY_DOUBLES = new DoubleFields(['processes', 'system', 'ets', 'binary', 'total']);

/** The Binary struct before the bytes (flags, refc, orig_size, apply data). */
const BINARY_STRUCT_BYTES = 32;
/** binary_alloc's block header. */
const ALLOC_HEADER_BYTES = 8;

/**
 * What `:erlang.memory(:binary)` counts for a refc binary of `size` bytes: the struct and
 * the bytes, 8-byte aligned, and the allocator's header (M1: 1009 bytes count 1056).
 */
export function refcBinBytes(size: number): number {
  return Math.ceil((size + BINARY_STRUCT_BYTES) / 8) * 8 + ALLOC_HEADER_BYTES;
}

/**
 * A message on its way to a process on `node`; `payload`: its bytes on the wire when it was
 * decoded from there. Its words are its flat size (`erts_debug:flat_size`): what a heap
 * fragment holds (the word that points at it is the queue's).
 */
export function envelope(msg: unknown, node: string, payload = 0): Envelope {
  return envelopeOf(msg, kindOf(msg), node, payload);
}

/** `envelope` for a message whose kind (`kindOf`) the caller read already (`checkMessage`'s answer). */
export function envelopeOf(msg: unknown, kind: string | undefined, node: string, payload: number): Envelope {
  return new SentEnvelope(msg, flatWords(msg, kind, node), payload, unplaced(payload), kind);
}

/**
 * An envelope made by `new`, not as a literal: V8 pretenures a literal's allocation site
 * once most of what it makes survives scavenges, and then made every envelope of the
 * process in old space, where each kept its message (a Dispatcher's DOWNs, a sweep's
 * instructions) alive until the next full collection. So in 6 of 15 processes of warm
 * zen 100k rounds a round took 12,000-13,500 page faults instead of ~5,000: ~30 MB more
 * in old space (an allocation-sampling profile: envelopes 13.6 MB, DOWNs 11.4, a sweep's
 * instructions 4.1).
 */
class SentEnvelope implements Envelope {
  constructor(
    readonly msg: unknown,
    public words: number,
    public carry: number | readonly RefcBin[],
    public at: number,
    readonly kind: string | undefined,
  ) {}
}

/** `envelopeOf` a fired monitor's DOWN: the DOWN itself, given its envelope's fields (monitor.ts `MonitorDown`). */
export function downEnvelope(down: MonitorDown, node: string, payload: number): Envelope {
  down.words = flatWords(down, 'DOWN', node);
  down.carry = payload;
  down.at = unplaced(payload);
  return down;
}

/** A message's flat size on `node`: its heap words less the word that points at it (the queue's). */
function flatWords(msg: unknown, kind: string | undefined, node: string): number {
  return wordsOf(msg, kind, node) - 1;
}

/** An envelope's `at` before it arrives: placed nowhere yet (GC count 0, Place.Heap: 0; heap.ts places it as it arrives), decoded from the wire if it has a payload. */
function unplaced(payload: number): number {
  return payload > 0 ? At.Remote : 0;
}

const BOOKS_DOUBLES = new DoubleFields(['processBytes', 'gcPeakProcessBytes']);

/** Binaries and buffers of a node's messages; the node's `system` share of monitors and tables. */
export class MemoryBooks {
  processBytes = 0;
  binaryBytes = 0;
  monitorBytes = 0;
  /** The largest `processes` at a collection's moment of both heaps since `takeGcMoment` (0: none). */
  private gcPeakProcessBytes = 0;
  /** The refc binary a local send of these bytes shares (the latest made or decoded on this node). */
  private readonly byBytes = new Map<Uint8Array, RefcBin>();

  constructor() {
    BOOKS_DOUBLES.made(this);
  }

  /** Gives `e` its refc binaries as it reaches a process (each gets a handle). */
  attach(e: Envelope): void {
    const found = refcBinariesOf(e.msg, e.kind);
    if (found === undefined) return;
    const payload = wireBytes(e);
    const bins: RefcBin[] = [];
    let buffer: RefcBin | undefined;
    for (const [bytes, size] of found) {
      let b: RefcBin;
      if (payload === 0) b = this.byBytes.get(bytes) ?? this.made(bytes, size);
      else if (size > payload / 4) b = buffer ??= this.made(undefined, payload);
      else b = this.made(bytes, size);
      if (payload > 0) this.byBytes.set(bytes, b);
      if (!bins.includes(b)) bins.push(b);
    }
    for (const b of bins) b.refs++;
    e.carry = bins;
  }

  /** Handles dropped (at their holder's GC or death): a binary with none left is freed. */
  release(bins: readonly RefcBin[]): void {
    for (const b of bins) {
      if (--b.refs > 0) continue;
      this.binaryBytes -= refcBinBytes(b.size);
      if (b.bytes !== undefined && this.byBytes.get(b.bytes) === b) this.byBytes.delete(b.bytes);
    }
  }

  /** A collection holds its new heap beside the old one: `processes` is `processBytes` for that moment. */
  gcMoment(processBytes: number): void {
    if (processBytes > this.gcPeakProcessBytes) this.gcPeakProcessBytes = processBytes;
  }

  /** The largest `processes` at a collection since the last call (0: no collection), and forgets it. */
  takeGcMoment(): number {
    const b = this.gcPeakProcessBytes;
    this.gcPeakProcessBytes = 0;
    return b;
  }

  /** Forgets everything (the node crashed). */
  clear(): void {
    this.gcPeakProcessBytes = 0;
    this.processBytes = 0;
    this.binaryBytes = 0;
    this.monitorBytes = 0;
    this.byBytes.clear();
  }

  private made(bytes: Uint8Array | undefined, size: number): RefcBin {
    const b: RefcBin = { size, refs: 0, bytes };
    this.binaryBytes += refcBinBytes(size);
    if (bytes !== undefined) this.byBytes.set(bytes, b);
    return b;
  }
}

/**
 * Each end's share of a monitor in its process's `process_info(:memory)`, bytes (M1: 64
 * local, 88 watcher, 96 target; a watcher of `{name, node}` 72, measured on erts 13.1.5:
 * docs/real-library/pure/monname.exs).
 */
export const MONITOR_SHARE = { local: 64, remoteWatcher: 88, remoteWatcherByName: 72, remoteTarget: 96 } as const;

/**
 * What else `process_info(:memory)` counts besides the heap and monitors (erts_process_memory),
 * bytes, measured on erts 13.1.5 with idle collected processes (a plain spawn is 2640):
 * each link, at each end, 40 (`spawn_link`: 2680, five links: 2840); the process dictionary
 * of a proc_lib process (`$ancestors`, `$initial_call`: up to 8 keys) 88 (`proc_lib:spawn`:
 * 2728, `proc_lib:spawn_link` and a linked Agent: 2768); the process-specific data an ETS
 * table's owner gets, 80 (ZenMonitor.Local.Tables, owner of two tables, one link: 2848;
 * ZenMonitor.Proxy, owner of a private one: 2848; the Dispatcher, none: 2896 with its two
 * monitors); `monitor_node(peer, true)`, once or more, 60 (2700; docs/real-library/pure/monnode.exs).
 */
export const PROCESS_INFO_EXTRA = { link: 40, procLibDictionary: 88, tableOwner: 80, nodeMonitor: 60 } as const;

/** The watcher's share of monitor `m` in its `process_info(:memory)`. */
function watcherShare(m: Monitor): number {
  if (!isRemoteMonitor(m)) return MONITOR_SHARE.local;
  return m.object.t === 'tuple' ? MONITOR_SHARE.remoteWatcherByName : MONITOR_SHARE.remoteWatcher;
}

/** What the process memory glue needs of the world. */
export interface MemoryHost {
  readonly cost: CostModel;
  nodeOf(p: Proc): SimNode;
}

/**
 * The processes' side of the books: where each message is built (heap.ts), what a handler
 * builds and keeps, what a collection costs, and what a death frees. Every GC it sets off
 * returns its CPU time, µs, for the handler it happened in.
 */
export class ProcessMemory {
  private cfg: HeapConfig | undefined;
  /** Uids of the processes that made a private table (few: ZenMonitor's Connectors and Proxies). */
  private readonly privateTableOwners = new Set<number>();

  constructor(private readonly w: MemoryHost) {}

  /** A new process on `node`: its PCB and first heap; an off_heap message queue gets its heap now. */
  spawned(p: Proc, node: SimNode, offHeapQueue: boolean): void {
    node.books.processBytes += ProcHeap.pristineBytes(this.config());
    if (offHeapQueue) p.heap = this.newHeap(p, true);
  }

  /** `n` new processes on `node` (none with an off_heap queue): `spawned` `n` times. */
  spawnedMany(node: SimNode, n: number): void {
    node.books.processBytes += n * ProcHeap.pristineBytes(this.config());
  }

  /** `e` reaches `p`'s queue (on `node`, its node): built on its heap when it is local and `p` is not running, else in a fragment. */
  arrive(p: Proc, node: SimNode, e: Envelope): void {
    node.books.attach(e);
    this.heap(p).arrive(e, !isRemote(e) && p.status !== ProcStatus.Running);
  }

  /** `p` takes `e` out of its queue to handle it; returns the CPU of a GC that set off now (`otpLoop`: see heap.ts `receive`). */
  take(p: Proc, e: Envelope, otpLoop: boolean): number {
    return this.cpu(this.heap(p).receive(e, otpLoop));
  }

  /** `e` (taken, flushed or replaced) is garbage now. */
  drop(p: Proc, e: Envelope): void {
    this.heap(p).dies(e);
  }

  /** `e` is removed from `p`'s queue unhandled (`demonitor(ref, [:flush])`): garbage now. */
  flush(p: Proc, e: Envelope): void {
    const h = this.heap(p);
    h.unqueue(e);
    h.dies(e);
  }

  /** The handler of `handled` returned; it is garbage unless the process kept or absorbed it. Returns the CPU of a collection its take left due. */
  handlerDone(p: Proc, handled: Envelope | undefined): number {
    const h = p.heap;
    if (h === undefined) return 0;
    if (handled !== undefined && !isHeld(handled)) h.dies(handled);
    return this.cpu(h.endHandler());
  }

  /** `p` keeps `e` in its state instead of what it kept before (a message kept or absorbed already stays as it is). */
  keep(p: Proc, e: Envelope): void {
    if (isHeld(e)) return;
    if (p.kept !== undefined && p.kept !== e) this.drop(p, p.kept);
    e.at |= At.Held;
    p.kept = e;
  }

  allocate(p: Proc, words: number, count: number): number {
    return this.cpu(this.heap(p).allocate(words, count));
  }

  discard(p: Proc, words: number): void {
    this.heap(p).discard(words);
  }

  /** `p` takes `e` into its state (a message kept or absorbed already stays as it is). */
  absorb(p: Proc, e: Envelope): void {
    if (isHeld(e)) return;
    e.at |= At.Held;
    this.heap(p).absorb(e);
  }

  setState(p: Proc, words: number): number {
    return this.cpu(this.heap(p).setState(words));
  }

  /** `erlang:garbage_collect(pid)`: a major collection; returns its CPU. */
  collect(p: Proc): number {
    return this.cpu(this.heap(p).collect());
  }

  hibernate(p: Proc): number {
    return this.cpu(this.heap(p).hibernate());
  }

  /** `p` died: its heap, fragments and handles go. */
  died(p: Proc): void {
    const node = this.w.nodeOf(p);
    if (p.heap === undefined) node.books.processBytes -= ProcHeap.pristineBytes(this.config());
    else p.heap.free(p.mailbox.values(), p.kept);
    p.kept = undefined;
  }

  /**
   * `process_info(pid, :memory)`: PCB, heaps, fragments, sizeof(ErtsMessage) per queued
   * message (rather than the entries `processes` counts), the process's share of its
   * monitors and links, a proc_lib process's dictionary, and a table owner's
   * process-specific data (PROCESS_INFO_EXTRA; these three are not in the node's books).
   */
  processInfoBytes(p: Proc): number {
    const h = p.heap;
    let bytes = h === undefined ? ProcHeap.pristineBytes(this.config()) : h.bytes - h.heldBufferBytes - h.entryBytes + h.queueInfoBytes;
    p.monitors?.forEachValue((m) => (bytes += watcherShare(m)));
    p.forEachMonitoredBy((m) => (bytes += isRemoteMonitor(m) ? MONITOR_SHARE.remoteTarget : MONITOR_SHARE.local));
    const ext = p.ext;
    if (ext?.links !== undefined) bytes += PROCESS_INFO_EXTRA.link * ext.links.size;
    if (ext?.parent !== undefined) bytes += PROCESS_INFO_EXTRA.procLibDictionary;
    if (this.ownsTable(p)) bytes += PROCESS_INFO_EXTRA.tableOwner;
    for (const watchers of this.w.nodeOf(p).nodeWatchers.values()) if (watchers.has(p)) bytes += PROCESS_INFO_EXTRA.nodeMonitor;
    return bytes;
  }

  /** `p` made an unnamed table whose rows its behaviour keeps (`ctx.etsNewPrivate`): it owns a table no node lists. */
  ownPrivateTable(p: Proc): void {
    this.privateTableOwners.add(p.uid);
  }

  /** Whether `p` owns an ETS table: one of its node's, or a private one. */
  private ownsTable(p: Proc): boolean {
    if (this.privateTableOwners.has(p.uid)) return true;
    const node = this.w.nodeOf(p);
    for (const t of node.ets.values()) if (t.ownerUid === p.uid) return true;
    for (const t of node.typedEts.values()) if (t.ownerUid === p.uid) return true;
    return false;
  }

  /** `p`'s heap, made at first use; the making apart, as `Proc.ownMailbox`'s (inlined where a call was ~35 instructions, at each message taken). */
  private heap(p: Proc): ProcHeap {
    return p.heap ?? this.firstHeap(p);
  }

  private firstHeap(p: Proc): ProcHeap {
    return (p.heap = this.newHeap(p, false));
  }

  /** A new heap for `p`, with the words its behaviour's loop keeps (`heapWords`), or the default. */
  private newHeap(p: Proc, offHeapQueue: boolean): ProcHeap {
    const cfg = this.config();
    return new ProcHeap(this.w.nodeOf(p).books, cfg, offHeapQueue, p.behaviour.heapWords ?? cfg.baseWords);
  }

  private config(): HeapConfig {
    const c = this.w.cost;
    return (this.cfg ??= {
      minHeapWords: c.minHeapWords,
      fullsweepAfter: c.fullsweepAfter,
      structBytes: c.processStructBytes,
      baseWords: c.processBaseWords,
      bufferBytes: c.remoteMessageBufferBytes,
    });
  }

  private cpu(reductions: number): number {
    return reductions * this.w.cost.gcReductionUs;
  }
}

/** The most words a behaviour's loop may say it keeps (`heapWords`): 1e9 words, 8 GB. */
const MAX_HEAP_WORDS = 1e9;

/** Refuses a behaviour whose `heapWords` is not a whole number of words in range. */
export function checkHeapWords(b: Behaviour): void {
  if (b === lastChecked) return;
  const w = b.heapWords;
  if (w !== undefined && !(Number.isInteger(w) && w >= 0 && w <= MAX_HEAP_WORDS)) {
    throw new RangeError(`spawn: heapWords must be an integer from 0 to ${MAX_HEAP_WORDS}, got ${describeValue(w)}`);
  }
  lastChecked = b;
}

/** The behaviour that passed last (its `heapWords` is read-only): spawns of one behaviour (a herd's targets) read it once. */
let lastChecked: Behaviour | undefined = undefined;
