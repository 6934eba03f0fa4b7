// What a run measures: DOWN deliveries to the subscribers (when handled, duplicates,
// one sample), work latency, per-node memory, mailbox and CPU, network traffic, and
// the time series the HTML report plots. It turns them into one `runs[]` entry of
// the result document (DESIGN.md, "Result document").
//
// Rules: every figure counts what did not happen. A DOWN never delivered and a :work
// message still queued at the end rank above every observed latency (a percentile that
// falls among them is null: it is longer than the run); memory peaks count from the
// trigger, over the baseline taken there.
import { downToTerm, type DownMsg } from '../../core/messages.js';
import { inspect } from '../../core/inspect.js';
import { atom, int, tuple, type Pid, type Term } from '../../core/terms.js';
import { DoubleFields } from '../engine/double_fields.js';
import { Histogram } from '../engine/metrics.js';
import type { MemoryByCategory } from '../beam/memory.js';
import type { SimNode } from '../beam/node.js';
import { downRefUid } from '../beam/monitor.js';
import { displayName, type DownSignal, type Proc } from '../beam/process.js';
import { Ring } from '../beam/ring.js';
import { UidSet } from './uid_set.js';
import type { World } from '../beam/world.js';

export const TIMELINE_BUCKET_MS = 100;
export const SERIES_BUCKET_MS = 10;

/** Null: the value is a DOWN never delivered (or work never served) by the end of the run. */
export type Percentiles = { p50: number | null; p90: number | null; p99: number | null; max: number | null };

/**
 * How a run ended: `drained` (every expected DOWN delivered, the window closed and the
 * work queued by then served), `condition` (the script's own end condition), `time`
 * (the end time the script set), `cap` (the cap derived from the closed-form drain,
 * reached first), `idle` (nothing left to happen), `no-end` (the script never said when
 * to end and the run reached the setup limit).
 */
export type EndKind = 'drained' | 'condition' | 'time' | 'cap' | 'idle' | 'no-end';

/** What the run knows of its own end, for the result. */
export type RunEnd = { kind: EndKind; expected: number; windowMs: number | null; estimateMs: number | null; capMs: number | null };

/** A value a scenario records in its result (`run.note`): plain JSON. */
export type NoteValue = string | number | boolean | null | readonly NoteValue[] | { readonly [key: string]: NoteValue };

export type RunResult = {
  mode: 'zen' | 'vanilla';
  /** When the script called `run.trigger()`; null: it never did (its DOWN times are then null, and `endMs` counts from its start). */
  triggerMs: number | null;
  /** When the run ended, ms after the trigger, and why. */
  endMs: number;
  end: EndKind;
  /** The closed-form drain the scenario derived its cap from, and the cap (ms after the trigger); null without. */
  drainEstimateMs: number | null;
  capMs: number | null;
  /**
   * True when the run stopped with DOWNs or work still pending (see `pending`), or at the
   * setup limit (`no-end`: the script never said when to end): its figures are incomplete.
   */
  truncated: boolean;
  /** At the end: expected DOWNs not delivered, and :work messages sent in the window still queued. */
  pending: { downs: number; work: number };
  /** The measurement window from the trigger (work latency counts messages sent in it), ms; null: until the last DOWN. */
  windowMs: number | null;
  downs: {
    expected: number;
    delivered: number;
    duplicates: number;
    missing: number;
    /** DOWNs delivered before the trigger (among `delivered`; not in `timeline`, which counts from the trigger). */
    beforeTrigger: number;
    /** DOWNs delivered within the measurement window (null without one). */
    inWindow: number | null;
    latencyMs: Percentiles;
    firstMs: number | null;
    lastMs: number | null;
    timeline: { bucketMs: number; counts: number[] };
    sample: string | null;
  };
  /** Null: the subscribers serve no :work (no `run.ticker`, none handled). */
  work: { handled: number; latencyMs: Omit<Percentiles, 'p90'> } | null;
  /** The watched subscriber processes: how many, and the largest mailbox any of them had from the trigger on (the whole run without one). */
  subscribers: { count: number; mailboxPeak: number };
  nodes: Record<
    string,
    {
      /** `byCategory`: `:erlang.memory/0`'s categories at the peak (`system` includes `ets` and `binary`; processes + system = peakBytes). */
      memory: { baselineBytes: number; peakBytes: number; byCategory: MemoryCategories };
      /**
       * The largest mailbox on the node from the trigger on (the whole run without one) and
       * whose it was; `beforeTrigger`: the same over the set-up, before the trigger.
       */
      mailbox: { peak: number; peakProcess: string | null; beforeTrigger: { peak: number; peakProcess: string | null } };
      /**
       * `coreWaitMs`: how long its scheduler threads waited for a core of the host it
       * shares with other nodes (summed over threads; 0 on a host of its own).
       */
      cpu: { busyMs: number; utilization: number; coreWaitMs: number };
      /** The DOWNs the watched subscribers on this node handled: how many, the first and the last (ms after the trigger; null for none). */
      downs: { delivered: number; firstMs: number | null; lastMs: number | null };
    }
  >;
  network: { messages: number; bytes: number; links: Record<string, { messages: number; bytes: number }> };
  /** Figures of the scenario's own (`run.note`), by name; absent when it recorded none. */
  notes?: Record<string, NoteValue>;
  /**
   * Every `bucketMs` from the trigger (10 ms; more for a run too long for MAX_SERIES_POINTS
   * buckets: merged two by two as the run goes on past SERIES_KEPT_POINTS, then as needed
   * at its end), for plots: the subscriber mailbox is the largest in each bucket, memory a
   * sample at its end.
   */
  series: {
    bucketMs: number;
    subscriberMailbox: number[];
    memoryBytes: Record<string, number[]>;
    /** Each node's memory by category, sampled with `memoryBytes`. */
    memoryCategories: Record<string, Record<keyof MemoryCategories, number[]>>;
    /**
     * The latency of each :work message `work` counts as handled (sent in the window), in
     * the order handled; past MAX_SERIES_POINTS
     * messages, that many of their order statistics instead, evenly spaced from the least to
     * the largest (sorted): the distribution, at a bounded size.
     */
    workLatencyMs: number[];
    /** How many :work messages `workLatencyMs` stands for (`work.handled`). */
    workMessages: number;
  };
};

/** The DOWNs the watched subscribers on one node handled: how many, the first and the last, µs. */
type NodeDowns = { delivered: number; firstUs: number; lastUs: number };

/** `:erlang.memory/0` by category, bytes (`system` includes `ets` and `binary`). */
export type MemoryCategories = { processes: number; binary: number; ets: number; system: number };

function categories(m: MemoryByCategory): MemoryCategories {
  return { processes: m.processes, binary: m.binary, ets: m.ets, system: m.system };
}

const WORK = atom('work');

/** `{:work, sent_at_us}`: the unit of real work a subscriber also serves. */
export function workMsg(sentAtUs: number): Term {
  return tuple(WORK, int(sentAtUs));
}

/** The send time of a `{:work, sent_at_us}` message, or undefined for any other message. */
export function workSentUs(msg: unknown): number | undefined {
  const m = msg as Term;
  if (typeof m !== 'object' || m === null || m.t !== 'tuple' || m.v[0] !== WORK) return undefined;
  return Number((m.v[1] as { v: bigint }).v);
}

const RECORDER_DOUBLES = new DoubleFields(['triggerUs']);

/** The most DOWN times reserved at once (4 MB as whole µs, 8 MB once any is not: metrics.ts `Doubles`): a declared count past it grows by doubling as they come. */
const MAX_RESERVED_DOWNS = 1 << 20;

export class Recorder {
  private readonly watched: Pid[] = [];
  /** The watched processes' uids, a bitset (asked at every delivery: a `Set` lookup each time). */
  private readonly watchedUids = new UidSet();
  /** Largest subscriber mailbox since the last sample: a sample is the bucket's maximum. */
  private bucketMailboxMax = 0;
  private readonly downTimes = new Histogram();
  /** Per node of the subscribers, the DOWNs handled there: count, first and last, µs. */
  private readonly nodeDowns = new Map<string, NodeDowns>();
  /** The node `down` counted for last, and its counts (a subscriber's DOWNs come on one node: a lookup by name at each was ~12 M instructions of the 100k herd). */
  private lastDownNode = '';
  private lastNodeDowns: NodeDowns | undefined = undefined;
  private readonly seenRefs = new UidSet();
  private duplicates = 0;
  private sample: DownSignal | null = null;
  private readonly workSentAt: number[] = [];
  private readonly workLatencyUs: number[] = [];
  /**
   * Per watched process, the send times of the :work messages in its mailbox, oldest first
   * (a ring: a core Fifo made an array at every take, and emptied, made its storage anew).
   */
  private readonly workQueued = new Map<number, Ring<number>>();
  /** Per process, how many of its queued :work messages must still be served before the run is drained. */
  private workOwed: Map<number, number> | null = null;
  private triggerUs = -1;
  /** Whether a ticker sends :work (`run.ticker`): then the result reports work, none handled included. */
  private workTicked = false;
  private readonly baseline = new Map<string, number>();
  /** Per node (by its index), the most memory it held since the trigger (since the start before it). */
  private readonly peaks: number[] = [];
  private mailboxSeries: number[] = [];
  /** Samples each kept point of the series stands for (doubled as they are halved: halveSeries). */
  private seriesK = 1;
  /** Samples in the newest kept point. */
  private pointSamples = 1;
  private readonly memorySeries = new Map<string, number[]>();
  private readonly categorySeries = new Map<string, Record<keyof MemoryCategories, number[]>>();
  /** Each node's (by its index) categories when it reached its peak (rewritten in place at each new peak: most set-up deliveries are one). */
  private readonly peakCategories: (MemoryByCategory | undefined)[] = [];
  /** Per node, its largest mailbox over the set-up, before the trigger, and whose (the node keeps the one since). */
  private readonly setupMailboxPeaks = new Map<string, MailboxPeak>();
  private readonly kSample: number;
  private readonly notes = new Map<string, NoteValue>();

  constructor(private readonly world: World) {
    RECORDER_DOUBLES.made(this);
    this.kSample = world.kernel.defineKind('sample', Recorder.sampleEvent, undefined, this);
    const prev = world.onDeliver;
    world.onDeliver = (p, msg, node) => {
      if (prev !== undefined) prev(p, msg, node);
      this.trackPeak(node);
      if (!this.watchedUids.has(p.uid)) return;
      if (p.mailbox.length > this.bucketMailboxMax) this.bucketMailboxMax = p.mailbox.length;
      const sent = workSentUs(msg);
      if (sent !== undefined) this.queueOf(p.uid).push(sent);
    };
  }

  /** The `sample` kind's handler, one function for every recorder, which comes as the owner (kernel.ts). */
  private static sampleEvent(_s: number, _a: unknown, r: Recorder): void {
    r.sampleNow();
  }

  /** Records a figure of the scenario's own under `key` (a later note of the same key replaces it). */
  note(key: string, value: NoteValue): void {
    this.notes.set(key, value);
  }

  /** Counts this process's DOWNs and samples its mailbox. */
  watch(pid: Pid): void {
    this.watched.push(pid);
    this.watchedUids.add(pid.uid);
  }

  /**
   * The run expects `n` DOWNs (`run.expectDowns`): room for their times at once (up to
   * MAX_RESERVED_DOWNS; a capacity hint, nothing reported changes). Grown from 16 by
   * doubling, a 100k herd's made ~2 MB of typed arrays a mode for its 0.8 MB of times.
   */
  expectDowns(n: number): void {
    this.downTimes.reserve(Math.min(n, MAX_RESERVED_DOWNS));
  }

  markTrigger(nowUs: number): void {
    this.triggerUs = nowUs;
    for (const node of this.world.nodes.values()) {
      node.books.takeGcMoment(); // the set-up's collections are not the failure's
      const bytes = node.up ? node.memoryBytes() : 0;
      this.baseline.set(node.name, bytes);
      this.peaks[node.index] = bytes;
      if (node.up) this.peakCategories[node.index] = node.memory();
      this.setupMailboxPeaks.set(node.name, node.markMailboxPeaks());
    }
    this.world.kernel.at(nowUs, this.kSample, 0);
  }

  /** A watched subscriber on `node` handles `msg` at `nowUs` (its CPU time). */
  down(nowUs: number, msg: DownSignal, node: string): void {
    if (!this.seenRefs.add(downRefUid(msg))) {
      this.duplicates++;
      return;
    }
    if (this.sample === null) this.sample = msg;
    this.downTimes.add(nowUs);
    let n = this.lastNodeDowns;
    if (n === undefined || node !== this.lastDownNode) {
      n = this.nodeDowns.get(node);
      if (n === undefined) {
        n = { delivered: 0, firstUs: nowUs, lastUs: nowUs };
        this.nodeDowns.set(node, n);
      }
      this.lastDownNode = node;
      this.lastNodeDowns = n;
    }
    n.delivered++;
    n.firstUs = Math.min(n.firstUs, nowUs);
    n.lastUs = Math.max(n.lastUs, nowUs);
  }

  /** A ticker sends :work in this run (`run.ticker`): its result reports work even if none was served. */
  workTicks(): void {
    this.workTicked = true;
  }

  /** A watched process (`pid`) handles, at `nowUs` (its CPU time), a :work message sent at `sentAtUs`. */
  work(pid: Pid, sentAtUs: number, nowUs: number): void {
    this.workSentAt.push(sentAtUs);
    this.workLatencyUs.push(nowUs - sentAtUs);
    const q = this.workQueued.get(pid.uid);
    if (q === undefined || q.length === 0) return;
    q.shift();
    const owed = this.workOwed?.get(pid.uid);
    if (owed === undefined) return;
    if (owed <= 1) this.workOwed?.delete(pid.uid);
    else this.workOwed?.set(pid.uid, owed - 1);
  }

  get delivered(): number {
    return this.downTimes.count;
  }

  /**
   * Whether the :work queued at the first call has all been served (the first call
   * takes the snapshot: every live watched process owes what its mailbox holds now).
   */
  workServed(): boolean {
    if (this.workOwed === null) {
      this.workOwed = new Map();
      for (const [uid, q] of this.workQueued) if (q.length > 0 && this.world.procs[uid]?.alive === true) this.workOwed.set(uid, q.length);
    }
    return this.workOwed.size === 0;
  }

  private queueOf(uid: number): Ring<number> {
    let q = this.workQueued.get(uid);
    if (q === undefined) {
      q = new Ring<number>();
      this.workQueued.set(uid, q);
    }
    return q;
  }

  private trackPeaks(): void {
    for (const node of this.world.nodes.values()) this.trackPeak(node);
  }

  /**
   * A delivery changes only its own node's memory. A collection since the last look held
   * its new heap beside the old one for a moment: `processes` was higher then (the other
   * categories are taken as they are now).
   */
  private trackPeak(node: SimNode): void {
    if (!node.up) return;
    const gcProcesses = node.books.takeGcMoment();
    const now = node.memoryBytes();
    const atGc = now - node.books.processBytes + gcProcesses;
    const bytes = Math.max(now, atGc);
    if (bytes <= (this.peaks[node.index] ?? 0)) return;
    this.peaks[node.index] = bytes;
    let at = this.peakCategories[node.index];
    if (at === undefined) this.peakCategories[node.index] = at = node.memory();
    else node.memory(at);
    if (atGc > now) {
      at.processes = gcProcesses;
      at.total = bytes;
    }
  }

  /** Samples every SERIES_BUCKET_MS from the trigger while other events are pending. */
  private sampleNow(): void {
    let mailbox = 0;
    for (const pid of this.watched) mailbox = Math.max(mailbox, this.world.alive(pid)?.mailbox.length ?? 0);
    const current = mailbox;
    mailbox = Math.max(mailbox, this.bucketMailboxMax);
    this.bucketMailboxMax = current;
    // A sample starts a kept point, or goes into the newest one while it holds fewer than `seriesK`.
    const fresh = this.pointSamples === this.seriesK;
    addSample(this.mailboxSeries, mailbox, fresh, Math.max);
    for (const node of this.world.nodes.values()) {
      let s = this.memorySeries.get(node.name);
      if (s === undefined) {
        s = [];
        this.memorySeries.set(node.name, s);
      }
      addSample(s, node.up ? node.memoryBytes() : 0, fresh, later);
      let c = this.categorySeries.get(node.name);
      if (c === undefined) {
        c = { processes: [], binary: [], ets: [], system: [] };
        this.categorySeries.set(node.name, c);
      }
      const m: MemoryCategories = node.up ? node.memory() : { processes: 0, binary: 0, ets: 0, system: 0 };
      for (const k of CATEGORY_KEYS) addSample(c[k], m[k], fresh, later);
    }
    this.pointSamples = fresh ? 1 : this.pointSamples + 1;
    if (this.pointSamples === this.seriesK && this.mailboxSeries.length >= SERIES_KEPT_POINTS) this.halveSeries();
    this.trackPeaks();
    if (this.world.kernel.pending() > 0) this.world.kernel.after(SERIES_BUCKET_MS * 1000, this.kSample, 0);
  }

  /**
   * Merges the kept series' points two by two (the larger mailbox, the later memory
   * sample), so a run of any length keeps at most SERIES_KEPT_POINTS of each while it runs.
   */
  private halveSeries(): void {
    this.mailboxSeries = coarsen(this.mailboxSeries, 2, largest);
    for (const [name, xs] of this.memorySeries) this.memorySeries.set(name, coarsen(xs, 2, last));
    for (const c of this.categorySeries.values()) for (const k of CATEGORY_KEYS) c[k] = coarsen(c[k], 2, last);
    this.seriesK *= 2;
    this.pointSamples = this.seriesK;
  }

  result(mode: 'zen' | 'vanilla', end: RunEnd): RunResult {
    const triggered = this.triggerUs >= 0;
    const t0 = Math.max(0, this.triggerUs);
    const ms = (us: number) => round3((us - t0) / 1000);
    const times = this.downTimes.values();
    const { counts, beforeTrigger } = downTimeline(times, triggered ? t0 : Infinity);
    const delivered = this.downTimes.count;
    // A run that never triggered never did what its expected DOWNs were to follow from: none
    // of those it got can be told to be theirs, so every expected one is missing.
    const missing = Math.max(0, end.expected - (triggered ? delivered : 0));
    const outOf = delivered + missing;
    // DOWN times count from the trigger: a run without one has none (null).
    const since = (us: number): number | null => (triggered ? ms(us) : null);
    const pct = (p: number) => orNull(since(this.downTimes.percentile(p, outOf)));
    const windowEndUs = end.windowMs !== null ? t0 + end.windowMs * 1000 : missing === 0 && delivered > 0 ? this.downTimes.max + 1 : Infinity;
    const work = this.workResult(t0, windowEndUs);
    const pendingWork = work?.queued ?? 0;
    return {
      mode,
      triggerMs: triggered ? round3(t0 / 1000) : null,
      // A handler records at the CPU time it reached, a little past the event's own time.
      endMs: ms(Math.max(this.world.nowUs, delivered > 0 ? this.downTimes.max : 0)),
      end: end.kind,
      drainEstimateMs: end.estimateMs === null ? null : round3(end.estimateMs),
      capMs: end.capMs === null ? null : round3(end.capMs),
      truncated: end.kind === 'no-end' || (end.kind !== 'idle' && (missing > 0 || pendingWork > 0)),
      pending: { downs: missing, work: pendingWork },
      windowMs: end.windowMs,
      downs: {
        expected: end.expected,
        delivered,
        duplicates: this.duplicates,
        missing,
        beforeTrigger,
        inWindow: end.windowMs === null ? null : countBelow(times, windowEndUs),
        latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: missing > 0 ? null : orNull(since(this.downTimes.max)) },
        firstMs: delivered > 0 ? since(this.downTimes.min) : null,
        lastMs: delivered > 0 && missing === 0 ? since(this.downTimes.max) : null,
        timeline: coarseTimeline(counts),
        sample: this.sample === null ? null : inspectDown(this.sample, this.world),
      },
      work: work === null ? null : { handled: work.handled, latencyMs: work.latencyMs },
      subscribers: {
        count: this.watched.length,
        mailboxPeak: this.watched.reduce((m, pid) => Math.max(m, this.world.proc(pid)?.mailboxPeakSinceMark ?? 0), 0),
      },
      nodes: this.nodesResult(since),
      network: this.networkResult(),
      ...(this.notes.size > 0 ? { notes: Object.fromEntries(this.notes) } : {}),
      series: this.seriesResult(work?.inWindowUs ?? EMPTY_LATENCIES),
    };
  }

  /**
   * The sampled series, at most MAX_SERIES_POINTS each: a longer run's buckets are merged
   * k at a time (the largest mailbox of the k, the memory sample at their end), so a run of
   * virtual days still makes a document of bounded size.
   */
  private seriesResult(workUs: ArrayLike<number>): RunResult['series'] {
    const k = mergeFactor(this.mailboxSeries.length);
    const categories = (c: Record<keyof MemoryCategories, number[]>) =>
      Object.fromEntries(Object.entries(c).map(([name, xs]) => [name, coarsen(xs, k, last)])) as Record<keyof MemoryCategories, number[]>;
    return {
      bucketMs: SERIES_BUCKET_MS * this.seriesK * k,
      subscriberMailbox: coarsen(this.mailboxSeries, k, largest),
      memoryBytes: Object.fromEntries([...this.memorySeries].map(([n, xs]) => [n, coarsen(xs, k, last)])),
      memoryCategories: Object.fromEntries([...this.categorySeries].map(([n, c]) => [n, categories(c)])),
      workLatencyMs: boundedDistribution(Array.from(workUs)).map(msOfUs),
      workMessages: workUs.length,
    };
  }

  /**
   * Latency of the :work messages sent in [t0, windowEnd): those handled, and those
   * still queued in a live watched mailbox at the end (ranked above every handled one).
   */
  private workResult(t0: number, windowEndUs: number): (NonNullable<RunResult['work']> & { queued: number; inWindowUs: ArrayLike<number> }) | null {
    if (!this.workTicked && this.workSentAt.length === 0 && this.workQueued.size === 0) return null;
    const h = new Histogram();
    // Room for every latency at once (a capacity hint): grown from 16 by doubling, a 100k
    // herd's ~10,000 a mode made ~380 KB of typed arrays a warm round for their ~160 KB.
    h.reserve(this.workSentAt.length);
    addInWindow(h, this.workSentAt, this.workLatencyUs, t0, windowEndUs);
    let queued = 0;
    for (const [uid, q] of this.workQueued) {
      if (this.world.procs[uid]?.alive !== true) continue;
      for (const sent of q.values()) if (inWindow(sent, t0, windowEndUs)) queued++;
    }
    const ms = (us: number) => orNull(round3(us / 1000));
    const outOf = h.count + queued;
    return {
      handled: h.count,
      queued,
      inWindowUs: h.values(),
      latencyMs: { p50: ms(h.percentile(50, outOf)), p99: ms(h.percentile(99, outOf)), max: queued > 0 ? null : ms(h.max) },
    };
  }

  private nodesResult(since: (us: number) => number | null): RunResult['nodes'] {
    const out: RunResult['nodes'] = {};
    const elapsedUs = Math.max(1, this.world.nowUs);
    for (const node of this.world.nodes.values()) {
      const mailbox: MailboxPeak = { peak: node.peakMailbox, proc: node.peakMailboxProc };
      const setup = this.setupMailboxPeaks.get(node.name) ?? NO_MAILBOX;
      const baselineBytes = this.baseline.get(node.name) ?? 0;
      const d = this.nodeDowns.get(node.name);
      out[node.name] = {
        memory: {
          baselineBytes,
          peakBytes: Math.max(baselineBytes, this.peaks[node.index] ?? 0),
          byCategory: categories(this.peakCategories[node.index] ?? node.memory()),
        },
        mailbox: { ...mailboxResult(mailbox), beforeTrigger: mailboxResult(setup) },
        cpu: {
          busyMs: round3(node.busyUs / 1000),
          utilization: round3(node.busyUs / (elapsedUs * node.schedulers)),
          coreWaitMs: round3(node.coreWaitUs / 1000),
        },
        downs: d === undefined ? { delivered: 0, firstMs: null, lastMs: null } : { delivered: d.delivered, firstMs: since(d.firstUs), lastMs: since(d.lastUs) },
      };
    }
    return out;
  }

  private networkResult(): RunResult['network'] {
    let messages = 0;
    let bytes = 0;
    const links: Record<string, { messages: number; bytes: number }> = {};
    for (const [k, v] of [...this.world.net.traffic.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      links[k] = { ...v };
      messages += v.messages;
      bytes += v.bytes;
    }
    return { messages, bytes, links };
  }
}

/** NaN (no such value) as null. */
function orNull(x: number | null): number | null {
  return x === null || Number.isNaN(x) ? null : x;
}

/**
 * DOWNs per TIMELINE_BUCKET_MS from the trigger at `t0` (µs; Infinity: no trigger, every
 * DOWN came before it), and how many came before it. This loop and `addInWindow`'s, over
 * a run's DOWNs and :work messages (~10,000 each in a 10,000-target herd, ~11,000 :work
 * in a 10-target one), are functions of their own: they run once a mode, so a fresh
 * isolate's first runs optimize them on the stack (OSR), and compiling a loop alone is
 * cheap where compiling the whole of `Recorder.result` or `workResult` around it was not
 * (`--trace-opt`, a plan worker's isolate: ~35 and ~25 ms of TurboFan, the loops alone
 * ~6 and ~1; `result`'s code was also thrown away at each later run, at a call of the
 * closure it makes per call).
 */
function downTimeline(times: ArrayLike<number>, t0: number): { counts: number[]; beforeTrigger: number } {
  const counts: number[] = [];
  let beforeTrigger = 0;
  // Indexed: a for...of makes an iterator result per DOWN.
  for (let i = 0; i < times.length; i++) {
    const t = times[i] as number;
    if (t < t0) {
      beforeTrigger++;
      continue;
    }
    const b = Math.floor((t - t0) / 1000 / TIMELINE_BUCKET_MS);
    while (counts.length <= b) counts.push(0);
    counts[b] = (counts[b] as number) + 1;
  }
  return { counts, beforeTrigger };
}

/** Adds to `h` the latency of each :work message sent in [t0, windowEndUs). */
function addInWindow(h: Histogram, sentAt: ArrayLike<number>, latencyUs: ArrayLike<number>, t0: number, windowEndUs: number): void {
  for (let i = 0; i < sentAt.length; i++) {
    const sent = sentAt[i] as number;
    if (inWindow(sent, t0, windowEndUs)) h.add(latencyUs[i] as number);
  }
}

/** Whether a :work message sent at `sent` (µs) counts in the window [t0, windowEndUs). */
function inWindow(sent: number, t0: number, windowEndUs: number): boolean {
  return sent >= t0 && sent < windowEndUs;
}

function countBelow(values: ArrayLike<number>, limit: number): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if ((values[i] as number) < limit) n++;
  return n;
}

function inspectDown(d: DownSignal, world: World): string {
  const localNode = [...world.nodes.keys()][0];
  return inspect(downToTerm(d as unknown as DownMsg), localNode !== undefined ? { localNode } : {});
}

const CATEGORY_KEYS: readonly (keyof MemoryCategories)[] = ['processes', 'binary', 'ets', 'system'];

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** µs as ms to 3 decimals (a module-level function for `map`, not a closure per call: its optimized code lives as long as the process). */
function msOfUs(us: number): number {
  return round3(us / 1000);
}

/** A node's largest mailbox over some time and whose it was. */
type MailboxPeak = { peak: number; proc: Proc | null };

const NO_MAILBOX: MailboxPeak = { peak: 0, proc: null };

function mailboxResult(m: MailboxPeak): { peak: number; peakProcess: string | null } {
  return { peak: m.peak, peakProcess: m.proc === null ? null : displayName(m.proc) };
}

/** The most points a series or the DOWN timeline keeps (longer ones are merged k buckets at a time). */
export const MAX_SERIES_POINTS = 20_000;

/** How many buckets to merge into one so that `n` of them fit MAX_SERIES_POINTS. */
const mergeFactor = (n: number): number => Math.max(1, Math.ceil(n / MAX_SERIES_POINTS));

/** Each run of `k` values merged into one by `merge` (the values themselves when k is 1). */
function coarsen(xs: readonly number[], k: number, merge: (group: readonly number[]) => number): number[] {
  if (k === 1) return xs.slice();
  const out: number[] = [];
  for (let i = 0; i < xs.length; i += k) out.push(merge(xs.slice(i, i + k)));
  return out;
}

/**
 * `xs` itself while it has at most MAX_SERIES_POINTS values; else that many of its order
 * statistics, evenly spaced from the least to the largest: its distribution, bounded.
 */
export function boundedDistribution(xs: readonly number[]): readonly number[] {
  if (xs.length <= MAX_SERIES_POINTS) return xs;
  const sorted = Float64Array.from(xs).sort();
  const top = sorted.length - 1;
  return Array.from({ length: MAX_SERIES_POINTS }, (_, j) => sorted[Math.round((j * top) / (MAX_SERIES_POINTS - 1))] as number);
}

const EMPTY_LATENCIES: readonly number[] = [];

/** The series' kept points, at most, while a run goes on: past it, pairs are merged (halveSeries). */
export const SERIES_KEPT_POINTS = 4 * MAX_SERIES_POINTS;

/** The later of two samples (memory is the sample at a bucket's end). */
const later = (_a: number, b: number): number => b;

/** A sample `x` as a new kept point of `xs` (`fresh`), or merged into its newest one. */
function addSample(xs: number[], x: number, fresh: boolean, merge: (a: number, b: number) => number): void {
  if (fresh || xs.length === 0) xs.push(x);
  else xs[xs.length - 1] = merge(xs[xs.length - 1] as number, x);
}

const largest = (g: readonly number[]): number => g.reduce((a, b) => Math.max(a, b));
const last = (g: readonly number[]): number => g[g.length - 1] as number;
const sum = (g: readonly number[]): number => g.reduce((a, b) => a + b, 0);

/** The DOWN timeline's counts, summed k buckets at a time when there are more than MAX_SERIES_POINTS. */
function coarseTimeline(counts: readonly number[]): { bucketMs: number; counts: number[] } {
  const k = mergeFactor(counts.length);
  return { bucketMs: TIMELINE_BUCKET_MS * k, counts: coarsen(counts, k, sum) };
}
