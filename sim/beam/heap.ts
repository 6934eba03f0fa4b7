// A process's heap as ERTS 13 (OTP 25) manages it, and its generational garbage
// collector. Mirrors erts/emulator/beam/erl_gc.c (garbage_collect, minor_collection,
// major_collection, adjust_after_fullsweep, erts_next_heap_size) and erl_message.c (where
// a message is built).
//
// Rules kept here:
// - A process starts with a young heap of `min_heap_size` words (233); heap sizes follow
//   ERTS's table (12, 38, then Fibonacci plus one, then +20% a step).
// - A message is built on the receiver's heap when it is local, the receiver is not
//   running, its queue is on_heap and the free words exceed its size; otherwise in a heap fragment, counted
//   from arrival. Taking a message out of the queue attaches its fragment to the heap; a GC
//   is due when the fragments outgrow the free heap, and runs at once in an OTP behaviour's
//   loop, as the handler ends in a plain receive loop (`receive`: remove_message). At a GC an on_heap queue's local messages
//   are copied into the new heap (above the high-water mark); an off_heap queue's stay, and so
//   does a message decoded from the wire (measured on OTP 25.2.3: docs/real-library/amp).
// - A minor collection moves the live data below the high-water mark (it survived one GC)
//   to the old heap (made at first need, one size up from the young usage) and the rest of
//   the live data to a new young heap sized for the whole young usage or the need; it grows or shrinks
//   that heap as erl_gc.c does. When the old heap cannot take the mature data, a major
//   collection copies everything live to one new heap and frees the old one.
// - A collection costs gc_cost reductions: one per 10 live words moved, one per 100 words
//   moved again by a resize.
// - During a collection the new heap (and an old heap made for it) exists beside what it
//   copies from (the young heap, the old heap, the fragments): the books hear of that moment
//   (`gcMoment`), which no state before or after the collection shows.
// What is live is known by holder: a queued or handled message, the message a process
// keeps, its state (in chunks, the oldest dropped first), and what a handler builds (live
// until it returns). Each holder remembers the GC count when it was placed; its region
// (fragment, young, mature, old) follows from the GCs since. Refc binaries a dead holder
// referenced are released at the next collection, when ERTS sweeps their handles.
// - Each queued message has its ErtsMessage entry (erl_message.h): `processes` counts a
//   40-byte message reference while it is queued and, for a local message in a fragment,
//   the fragment's 40-byte header too, both kept with a taken fragment until the next GC;
//   `process_info(:memory)` counts sizeof(ErtsMessage), 88 bytes, per queued message
//   (erts_process_memory) and no header for a taken one.
// Simplification (README, "Model and its limits"): the stack is empty; binaries of a
// process's state chunks are held until the chunk goes; the binary virtual heap does not
// trigger collections; message references are not taken from ERTS's per-scheduler pool.
import { assertNever } from '../../core/terms.js';
import { DoubleFields, objectElements } from '../engine/double_fields.js';
import { at, binsOf, bornOf, isRemote, Place, placeAt, placeOf, type Held } from './held.js';
import type { RefcBin } from './memory.js';

const HEAP_DOUBLES = new DoubleFields(['oldSz']);

/**
 * ERTS's heap sizes, words (erl_gc.c, erts_init_gc; 64-bit): none over max_heap_size, 2^53
 * bytes in words. Held as any values (double_fields.ts `objectElements`), not as doubles
 * (what its sizes past 2^31 would make it): a double read from the table outside optimized
 * code is a heap number, and stored as a process's heap size it deoptimized every
 * function compiled for a small integer there (the 100k herd's zen run: four).
 */
export const HEAP_SIZES: readonly number[] = (() => {
  const s = objectElements<number>([]);
  s.push(12, 38);
  for (let i = 2; i < 23; i++) s.push((s[i - 1] as number) + (s[i - 2] as number) + 1);
  for (;;) {
    const last = s[s.length - 1] as number;
    const next = last + Math.floor(last / 5);
    if (next > 2 ** 50) return s;
    s.push(next);
  }
})();

/** erts_next_heap_size: the smallest heap size >= `size` (offset 0), or the one after it. */
export function nextHeapSize(size: number, offset: 0 | 1): number {
  if (size < (HEAP_SIZES[0] as number)) return HEAP_SIZES[0] as number;
  let lo = 0;
  let hi = HEAP_SIZES.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((HEAP_SIZES[mid] as number) < size) lo = mid + 1;
    else hi = mid;
  }
  return HEAP_SIZES[Math.min(HEAP_SIZES.length - 1, lo + offset)] as number;
}

/** gc_cost: reductions of a collection that moved `live` words and then `resized` words. */
export function gcReductions(live: number, resized: number): number {
  return Math.max(1, Math.floor(live / 10) + Math.floor(resized / 100));
}

/** The node's books a heap reports its size changes to. */
export interface HeapBooks {
  processBytes: number;
  release(bins: readonly RefcBin[]): void;
  /** A collection's moment of both heaps: the node's `processes` then, bytes. */
  gcMoment(processBytes: number): void;
}

export type HeapConfig = {
  readonly minHeapWords: number;
  /** fullsweep_after: minor collections before a major one. */
  readonly fullsweepAfter: number;
  readonly structBytes: number;
  /** Words a process's loop keeps live on its heap when idle (its state's terms), unless its behaviour says (`heapWords`). */
  readonly baseWords: number;
  /** The distribution buffer a decoded message holds until its receiver's next GC, bytes. */
  readonly bufferBytes: number;
};

type Region = 'queued' | 'taken' | 'young' | 'mature' | 'old';

/** A message's bookkeeping in ERTS, bytes (a const enum: the bundle has the numbers in place, no variable read each message). */
export const enum EntryBytes {
  /** ErtsMessageRef (next, data, message, token, from): a queued message's entry. */
  MessageRef = 40,
  /** ErlHeapFragment before its data (next, off_heap, alloc_size, used_size): ERTS_HEAP_FRAG_SIZE(0). */
  FragmentHeader = 40,
  /** sizeof(ErtsMessage): what `process_info(:memory)` adds per queued message besides its data. */
  QueuedMessageInfo = 88,
}

export class ProcHeap {
  heapSz: number;
  htop: number;
  private hw = 0;
  oldSz = 0;
  private oldTop = 0;
  /** Fragments of messages taken out of the queue (live and garbage), words. */
  mbuf = 0;
  /** Fragments of messages still queued, words (all live). */
  queued = 0;
  /** Of those, messages decoded from the wire: a collection leaves them where they are (measured, README). */
  private queuedRemote = 0;
  private live = { young: 0, mature: 0, old: 0, taken: 0 };
  private buffersQueued = 0;
  private buffersTaken = 0;
  /** Messages in the queue, wherever their words are. */
  private queuedMsgs = 0;
  /** Queued local messages in a fragment of their own (with a header). */
  private queuedFrags = 0;
  /** Local messages taken out of a fragment: their reference and header stay until the next GC. */
  private takenFrags = 0;
  gcs = 0;
  private lastMajor = false;
  private minorsSinceMajor = 0;
  /** Taking a message in a fragment wanted a collection, after the handler let go of it: it runs as the handler ends. */
  private gcOnLeave = false;
  private heapGrow = false;
  private garbageBins: RefcBin[] = [];
  /**
   * What the current handler built: flat (born, words) pairs, merged by GC count, in
   * [0, tempsLen) (the array is kept between handlers: emptying it would drop its storage).
   */
  private readonly temps: number[] = [];
  private tempsLen = 0;
  /** The first pair of `temps` still live. */
  private tempsHead = 0;
  /** The state, oldest chunk first (from `stateHead` on). */
  private state: Held[] = [];
  private stateHead = 0;
  stateWords = 0;
  /** The process's `processes` bytes last reported to the books. */
  reported: number;

  constructor(
    private readonly books: HeapBooks,
    private readonly cfg: HeapConfig,
    readonly offHeapQueue: boolean,
    baseWords = cfg.baseWords,
  ) {
    this.heapSz = cfg.minHeapWords;
    this.htop = baseWords;
    this.live.young = baseWords;
    this.reported = ProcHeap.pristineBytes(cfg);
    HEAP_DOUBLES.made(this);
  }

  /** What a process that never got a message costs (its PCB and its first heap). */
  static pristineBytes(cfg: HeapConfig): number {
    return cfg.structBytes + 8 * cfg.minHeapWords;
  }

  /** The process's share of `:erlang.memory(:processes)`: PCB, heaps, fragments, held buffers, message entries. */
  get bytes(): number {
    return this.cfg.structBytes + 8 * this.words + this.buffersQueued + this.buffersTaken + this.entryBytes;
  }

  /** Queued messages' references, and fragment headers, in `processes`, bytes. */
  get entryBytes(): number {
    return EntryBytes.MessageRef * (this.queuedMsgs + this.takenFrags) + EntryBytes.FragmentHeader * (this.queuedFrags + this.takenFrags);
  }

  /** What `process_info(:memory)` counts for the queue besides its data: sizeof(ErtsMessage) each, bytes. */
  get queueInfoBytes(): number {
    return EntryBytes.QueuedMessageInfo * this.queuedMsgs;
  }

  /** Distribution buffers held by decoded messages (in `processes`, not in `process_info`), bytes. */
  get heldBufferBytes(): number {
    return this.buffersQueued + this.buffersTaken;
  }

  /** Heap, old heap and fragments, words (`total_heap_size` plus queued fragments). */
  get words(): number {
    return this.heapSz + this.oldSz + this.mbuf + this.queued;
  }

  /** A message arrives: built on the heap (`onHeap`, if more than its words are free) or in a fragment. */
  arrive(m: Held, onHeap: boolean): void {
    this.queuedMsgs++;
    // Its change to `bytes` reported as it is made (`moved`): its entry, and a fragment's words, buffer and header.
    let delta: number = EntryBytes.MessageRef;
    if (onHeap && !this.offHeapQueue && this.freeWords() > m.words) {
      placeAt(m, this.gcs, Place.Heap);
      this.htop += m.words;
      this.live.young += m.words;
    } else {
      placeAt(m, this.gcs, Place.Queued);
      this.queued += m.words;
      if (isRemote(m)) this.queuedRemote += m.words;
      const buffer = this.bufferOf(m);
      this.buffersQueued += buffer;
      delta += 8 * m.words + buffer;
      if (this.hasOwnFragment(m)) {
        this.queuedFrags++;
        delta += EntryBytes.FragmentHeader;
      }
    }
    this.moved(delta);
  }

  /**
   * A message is taken out of the queue to be handled; returns the reductions of a GC it
   * set off. beam_common.c remove_message does not collect at once: when the fragments
   * outgrow the free heap it leaves the process a few reductions, "giving the message some
   * time to turn into garbage". A process in an OTP behaviour's loop (`heldThrough`) still
   * holds the message then (gen_server's handle_msg keeps it until the callback returns),
   * so the collection copies it now; a plain receive loop has let go of it by then, so the
   * collection runs as its handler ends (`endHandler`), with the message garbage unless kept.
   */
  receive(m: Held, heldThrough: boolean): number {
    this.queuedMsgs--;
    // Its change to `bytes` (`moved`): its entry goes, unless its fragment stays (taken, with
    // its entry); its words and buffer move from the queue to the taken fragments.
    let delta: number = -EntryBytes.MessageRef;
    if (placeOf(m) === Place.Queued) {
      if (this.movedAtGc(m)) placeAt(m, bornOf(m) + 1, Place.Heap);
      else {
        if (this.hasOwnFragment(m)) {
          this.queuedFrags--;
          this.takenFrags++;
          delta = 0;
        }
        this.queued -= m.words;
        if (isRemote(m)) this.queuedRemote -= m.words;
        const buffer = this.bufferOf(m);
        this.buffersQueued -= buffer;
        this.buffersTaken += buffer;
        this.mbuf += m.words;
        this.live.taken += m.words;
        placeAt(m, this.gcs, Place.Taken);
      }
    }
    if (this.freeWords() < this.mbuf) {
      if (heldThrough) {
        const reds = this.gc(0);
        this.report();
        return reds;
      }
      this.gcOnLeave = true;
    }
    this.moved(delta);
    return 0;
  }

  /** The handler builds `count` terms of `words` each (garbage once it returns); returns GC reductions. */
  allocate(words: number, count = 1): number {
    let reds = 0;
    let left = count;
    while (left > 0 && words > 0) {
      const fit = Math.min(left, Math.floor(this.freeWords() / words));
      if (fit === 0) {
        reds += this.gc(words);
        this.report();
        continue;
      }
      this.place(fit * words);
      this.addTemp(fit * words);
      left -= fit;
    }
    return reds;
  }

  /** The handled message becomes part of the state (its words stay live, no copy). */
  absorb(m: Held): void {
    this.state.push(m);
    this.stateWords += m.words;
  }

  /** The state's chunks, oldest first. */
  private stateChunks(): Held[] {
    return this.state.slice(this.stateHead);
  }

  /** The state now holds `words`: growth is built on the heap, a shrink drops the oldest chunks. */
  setState(words: number): number {
    let reds = 0;
    if (words > this.stateWords) {
      const grow = words - this.stateWords;
      if (this.freeWords() < grow) {
        reds = this.gc(grow);
        this.report();
      }
      this.place(grow);
      const last = this.state[this.state.length - 1];
      // Growth since the last GC is one chunk: it is placed, and will die, together.
      if (last !== undefined && this.state.length > this.stateHead && placeOf(last) === Place.Heap && bornOf(last) === this.gcs && binsOf(last) === undefined) last.words += grow;
      else this.state.push({ words: grow, at: at(this.gcs, Place.Heap), carry: 0 });
    }
    let drop = this.stateWords - words;
    while (drop > 0 && this.stateHead < this.state.length) {
      const c = this.state[this.stateHead] as Held;
      if (c.words <= drop) {
        this.stateHead++;
        drop -= c.words;
        this.dies(c);
      } else {
        this.dropLive(this.region(c), drop);
        c.words -= drop;
        drop = 0;
      }
    }
    if (this.stateHead > 1024 && this.stateHead * 2 > this.state.length) {
      this.state = this.state.slice(this.stateHead);
      this.stateHead = 0;
    }
    this.stateWords = words;
    return reds;
  }

  /** `words` of what the handler built are garbage already (a list it has walked), the oldest first. */
  discard(words: number): void {
    let left = words;
    const t = this.temps;
    while (left > 0 && this.tempsHead < this.tempsLen) {
      const i = this.tempsHead;
      const n = Math.min(left, t[i + 1] as number);
      this.dropLive(this.heapRegion(t[i] as number), n);
      t[i + 1] = (t[i + 1] as number) - n;
      left -= n;
      if (t[i + 1] === 0) this.tempsHead += 2;
    }
  }

  /** The handler returned: what it built is garbage now; returns the reductions of a collection its message's take left due. */
  endHandler(): number {
    const t = this.temps;
    for (let i = this.tempsHead; i < this.tempsLen; i += 2) this.dropLive(this.heapRegion(t[i] as number), t[i + 1] as number);
    this.tempsLen = 0;
    this.tempsHead = 0;
    if (!this.gcOnLeave) return 0;
    this.gcOnLeave = false;
    if (this.freeWords() >= this.mbuf) return 0;
    const reds = this.gc(0);
    this.report();
    return reds;
  }

  /** A queued message leaves the queue without being handled (a flush): its entry goes. */
  unqueue(m: Held): void {
    this.queuedMsgs--;
    if (placeOf(m) === Place.Queued && !this.movedAtGc(m) && this.hasOwnFragment(m)) this.queuedFrags--;
    this.report();
  }

  /** A held term (a handled message, a replaced kept one) is garbage now. */
  dies(m: Held): void {
    const r = this.region(m);
    this.dropLive(r, m.words);
    if (r === 'queued') {
      // A message flushed from the queue: its fragment goes with it.
      this.queued -= m.words;
      if (isRemote(m)) this.queuedRemote -= m.words;
      this.buffersQueued -= this.bufferOf(m);
      this.report();
    }
    const bins = binsOf(m);
    if (bins !== undefined) for (const b of bins) this.garbageBins.push(b);
  }

  /** `erlang:garbage_collect/1`: a major collection now; returns its reductions. */
  collect(): number {
    this.minorsSinceMajor = this.cfg.fullsweepAfter;
    const reds = this.gc(0);
    this.report();
    return reds;
  }

  /** `erlang:hibernate`: everything live in a heap of its exact size, no old heap. */
  hibernate(): number {
    const live = this.totalLive();
    // erts_garbage_collect_hibernate collects into a heap of heap + old heap + fragments.
    this.bothHeaps(this.heapSz + this.oldSz + this.mbuf);
    const reds = gcReductions(live, live);
    this.promoteAll(live);
    this.heapSz = Math.max(1, this.htop);
    this.finishGc(true);
    this.report();
    return reds;
  }

  /** The process died: its bytes leave the books, its binaries are released. */
  free(queued: Iterable<Held>, kept: Held | undefined): void {
    this.books.processBytes -= this.reported;
    this.reported = 0;
    const bins = this.garbageBins;
    for (const m of [...queued, ...this.stateChunks(), ...(kept !== undefined ? [kept] : [])]) {
      const held = binsOf(m);
      if (held !== undefined) bins.push(...held);
    }
    this.garbageBins = [];
    this.books.release(bins);
  }

  // ---- collection -------------------------------------------------------------------------

  private gc(need: number): number {
    const ygen = this.htop + this.mbuf + (this.offHeapQueue ? 0 : this.queued - this.queuedRemote);
    if (this.minorsSinceMajor < this.cfg.fullsweepAfter) {
      // The old heap is made before the collection starts (and freed by a major one).
      if (this.oldSz === 0 && this.hw > 0) this.oldSz = nextHeapSize(ygen, 1);
      if (this.oldSz > 0 && this.hw <= this.oldSz - this.oldTop) return this.minor(ygen, need);
    }
    return this.major(ygen, need);
  }

  /**
   * The moment of a collection when `words` of new heap exist beside everything the
   * process held before it (its heaps, old heap and fragments): reported to the books.
   */
  private bothHeaps(words: number): void {
    this.books.gcMoment(this.books.processBytes - this.reported + this.bytes + 8 * words);
  }

  private minor(ygen: number, need: number): number {
    const promoted = this.live.mature;
    const young = this.live.young + this.live.taken;
    this.oldTop += promoted;
    this.live.old += promoted;
    this.live.mature = young;
    this.live.young = 0;
    this.live.taken = 0;
    this.htop = young;
    this.hw = young;
    // minor_collection sizes the new young heap for the young generation or the need, the larger.
    const newSz = this.sized(Math.max(ygen, need));
    this.bothHeaps(newSz);
    this.heapSz = newSz;
    const movedMsgs = this.moveQueue();
    this.minorsSinceMajor++;
    const needAfter = this.htop + need;
    let resized = 0;
    if (this.heapSz > 3000 && 4 * needAfter < this.heapSz && (this.heapSz > 8000 || this.heapSz > this.oldSz)) {
      let wanted = 3 * needAfter;
      if (wanted * 9 < this.oldSz) wanted = Math.max(wanted, Math.floor(this.oldSz / 8));
      wanted = wanted < this.cfg.minHeapWords ? this.cfg.minHeapWords : nextHeapSize(wanted, 0);
      if (wanted < this.heapSz) {
        this.heapSz = wanted;
        resized = this.htop;
      }
    } else if (needAfter > this.heapSz) {
      this.heapSz = this.sized(needAfter);
      resized = this.htop;
    }
    this.finishGc(false);
    return gcReductions(promoted + young + movedMsgs, resized);
  }

  private major(ygen: number, need: number): number {
    let newSz = this.sized(ygen + this.oldTop);
    if (newSz === this.heapSz && this.heapGrow) newSz = nextHeapSize(this.heapSz, 1);
    this.heapGrow = false;
    this.bothHeaps(newSz);
    const live = this.totalLive();
    this.promoteAll(live);
    this.heapSz = newSz;
    const movedMsgs = this.moveQueue();
    const needAfter = this.htop + need;
    let resized = 0;
    if (this.heapSz < needAfter) {
      this.heapSz = this.sized(needAfter);
      resized = this.htop;
    } else if (3 * this.heapSz < 4 * needAfter) {
      this.heapGrow = true;
    } else if (4 * needAfter < this.heapSz && this.heapSz > this.cfg.minHeapWords) {
      const wanted = 2 * needAfter;
      const sz = wanted < this.cfg.minHeapWords ? this.cfg.minHeapWords : nextHeapSize(wanted, 0);
      if (sz < this.heapSz) {
        this.heapSz = sz;
        resized = this.htop;
      }
    }
    this.finishGc(true);
    return gcReductions(live + movedMsgs, resized);
  }

  /** Words free above the heap's top. */
  private freeWords(): number {
    return this.heapSz - this.htop;
  }

  /** next_heap_size: a heap size for `words`, never under min_heap_size. */
  private sized(words: number): number {
    return Math.max(this.cfg.minHeapWords, nextHeapSize(words, 0));
  }

  /** Everything live to one new heap, below the high-water mark; the old heap goes. */
  private promoteAll(live: number): void {
    this.live = { young: 0, mature: live, old: 0, taken: 0 };
    this.htop = live;
    this.hw = live;
    this.oldSz = 0;
    this.oldTop = 0;
  }

  /**
   * An on_heap queue's local messages are copied into the new heap, above the high-water
   * mark; one decoded from the wire stays in its fragment, with its buffer, until taken.
   */
  private moveQueue(): number {
    const moved = this.queued - this.queuedRemote;
    if (this.offHeapQueue || moved === 0) return 0;
    this.htop += moved;
    this.live.young += moved;
    this.queued = this.queuedRemote;
    this.queuedFrags = 0;
    return moved;
  }

  private finishGc(major: boolean): void {
    this.mbuf = 0;
    this.buffersTaken = 0;
    this.takenFrags = 0;
    this.gcs++;
    this.lastMajor = major;
    if (major) this.minorsSinceMajor = 0;
    if (this.garbageBins.length > 0) {
      this.books.release(this.garbageBins);
      this.garbageBins = [];
    }
  }

  // ---- regions ----------------------------------------------------------------------------

  /**
   * A message built in a fragment of its own, with a header: a local one with words (one
   * decoded from the wire is in its calibrated buffer; an immediate needs no fragment).
   */
  private hasOwnFragment(m: Held): boolean {
    return !isRemote(m) && m.words > 0;
  }

  /** The distribution buffer `m` holds while it is queued or taken, bytes. */
  private bufferOf(m: Held): number {
    return isRemote(m) ? this.cfg.bufferBytes : 0;
  }

  /** An on_heap queue's local message in a fragment was copied into the heap at the first GC after it arrived. */
  private movedAtGc(m: Held): boolean {
    return placeOf(m) === Place.Queued && !isRemote(m) && !this.offHeapQueue && this.gcs > bornOf(m);
  }

  /** The region of a term the process built on its heap at GC count `born`. */
  private heapRegion(born: number): Region {
    const n = this.gcs - born;
    if (n === 0) return 'young';
    return this.lastMajor || n === 1 ? 'mature' : 'old';
  }

  private region(m: Held): Region {
    let born = bornOf(m);
    const place = placeOf(m);
    if (place === Place.Queued) {
      if (!this.movedAtGc(m)) return 'queued';
      born += 1;
    } else if (place === Place.Taken && born === this.gcs) return 'taken';
    const n = this.gcs - born;
    if (n === 0) return 'young';
    return this.lastMajor || n === 1 ? 'mature' : 'old';
  }

  private dropLive(r: Region, words: number): void {
    // A field each, not `live[r]`: a store keyed by four names went through V8's generic
    // (megamorphic) keyed path at every message that died.
    const l = this.live;
    switch (r) {
      case 'young':
        l.young -= words;
        return;
      case 'mature':
        l.mature -= words;
        return;
      case 'old':
        l.old -= words;
        return;
      case 'taken':
        l.taken -= words;
        return;
      case 'queued':
        return;
      default:
        assertNever(r);
    }
  }

  private totalLive(): number {
    const l = this.live;
    return l.young + l.mature + l.old + l.taken;
  }

  private place(words: number): void {
    this.htop += words;
    this.live.young += words;
  }

  private addTemp(words: number): void {
    const t = this.temps;
    const n = this.tempsLen;
    if (n > this.tempsHead && t[n - 2] === this.gcs) t[n - 1] = (t[n - 1] as number) + words;
    else {
      t[n] = this.gcs;
      t[n + 1] = words;
      this.tempsLen = n + 2;
    }
  }

  /**
   * Brings the books to `bytes`. Every method leaves `reported` equal to `bytes`, so one
   * that changes nothing `bytes` reads (heap sizes, fragments, buffers, queue entries: a
   * term that dies on the heap, one placed on it) reports nothing: a heap's bytes summed
   * again at each message that died were ~100 instructions.
   */
  private report(): void {
    const bytes = this.bytes;
    this.books.processBytes += bytes - this.reported;
    this.reported = bytes;
  }

  /**
   * `report` of a change of `delta` bytes the caller worked out (a message's arrival or
   * take: reading `bytes` again, nine fields, at each was ~40 instructions a message).
   */
  private moved(delta: number): void {
    this.books.processBytes += delta;
    this.reported += delta;
  }
}
