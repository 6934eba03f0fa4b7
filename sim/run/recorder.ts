// What a run measures: DOWN deliveries to the subscribers (when handled, duplicates,
// one sample), work latency, per-node memory, mailbox and CPU, network traffic, and
// the time series the HTML report plots. It turns them into one `runs[]` entry of
// the result document (DESIGN.md, "Result document").
import { downToTerm, type DownMsg } from '../../core/messages.js';
import { inspect } from '../../core/inspect.js';
import type { Pid } from '../../core/terms.js';
import { Histogram } from '../engine/metrics.js';
import type { MemoryByCategory } from '../beam/memory.js';
import type { SimNode } from '../beam/node.js';
import type { DownSignal } from '../beam/process.js';
import type { World } from '../beam/world.js';

export const TIMELINE_BUCKET_MS = 100;
export const SERIES_BUCKET_MS = 10;

export type Percentiles = { p50: number; p90: number; p99: number; max: number };

export type RunResult = {
  mode: 'zen' | 'vanilla';
  triggerMs: number;
  downs: {
    expected: number;
    delivered: number;
    duplicates: number;
    missing: number;
    latencyMs: Percentiles;
    firstMs: number | null;
    lastMs: number | null;
    timeline: { bucketMs: number; counts: number[] };
    sample: string | null;
  };
  work: { handled: number; latencyMs: Omit<Percentiles, 'p90'> } | null;
  /** The watched subscriber processes: how many, and the largest mailbox any of them had. */
  subscribers: { count: number; mailboxPeak: number };
  nodes: Record<
    string,
    {
      /** `byCategory`: `:erlang.memory/0`'s categories at the peak (`system` includes `ets` and `binary`; processes + system = peakBytes). */
      memory: { baselineBytes: number; peakBytes: number; byCategory: MemoryCategories };
      mailbox: { peak: number; peakProcess: string | null };
      cpu: { busyMs: number; utilization: number };
    }
  >;
  network: { messages: number; bytes: number; links: Record<string, { messages: number; bytes: number }> };
  /** Every `bucketMs` from the trigger, for plots: the subscriber mailbox is the largest in each bucket, memory a sample. */
  series: {
    bucketMs: number;
    subscriberMailbox: number[];
    memoryBytes: Record<string, number[]>;
    /** Each node's memory by category, sampled with `memoryBytes`. */
    memoryCategories: Record<string, Record<keyof MemoryCategories, number[]>>;
    workLatencyMs: number[];
  };
};

/** `:erlang.memory/0` by category, bytes (`system` includes `ets` and `binary`). */
export type MemoryCategories = { processes: number; binary: number; ets: number; system: number };

function categories(m: MemoryByCategory): MemoryCategories {
  return { processes: m.processes, binary: m.binary, ets: m.ets, system: m.system };
}

export class Recorder {
  private readonly watched: Pid[] = [];
  private readonly watchedUids = new Set<number>();
  /** Largest subscriber mailbox since the last sample: a sample is the bucket's maximum. */
  private bucketMailboxMax = 0;
  private readonly downTimes = new Histogram();
  private readonly seenRefs = new Set<number>();
  private duplicates = 0;
  private sample: DownSignal | null = null;
  private readonly workSentUs: number[] = [];
  private readonly workLatencyUs: number[] = [];
  private triggerUs = -1;
  private readonly baseline = new Map<string, number>();
  private readonly mailboxSeries: number[] = [];
  private readonly memorySeries = new Map<string, number[]>();
  private readonly categorySeries = new Map<string, Record<keyof MemoryCategories, number[]>>();
  /** Each node's categories when it reached its peak. */
  private readonly peakCategories = new Map<string, MemoryCategories>();
  private readonly kSample: number;

  constructor(private readonly world: World) {
    this.kSample = world.kernel.defineKind('sample', () => this.sampleNow());
    const prev = world.onDeliver;
    world.onDeliver = (p, msg) => {
      if (prev !== undefined) prev(p, msg);
      this.trackPeak(this.world.nodes.get(p.pid.node) as SimNode);
      if (this.watchedUids.has(p.uid) && p.mailbox.length > this.bucketMailboxMax) this.bucketMailboxMax = p.mailbox.length;
    };
  }

  /** Counts this process's DOWNs and samples its mailbox. */
  watch(pid: Pid): void {
    this.watched.push(pid);
    this.watchedUids.add(pid.uid);
  }

  markTrigger(nowUs: number): void {
    this.triggerUs = nowUs;
    for (const node of this.world.nodes.values()) {
      this.baseline.set(node.name, node.memoryBytes());
      this.trackPeak(node);
    }
    this.world.kernel.at(nowUs, this.kSample, 0);
  }

  down(nowUs: number, msg: DownSignal): void {
    if (this.seenRefs.has(msg.ref.uid)) {
      this.duplicates++;
      return;
    }
    this.seenRefs.add(msg.ref.uid);
    if (this.sample === null) this.sample = msg;
    this.downTimes.add(nowUs);
  }

  work(latencyUs: number, sentAtUs = this.world.nowUs - latencyUs): void {
    this.workSentUs.push(sentAtUs);
    this.workLatencyUs.push(latencyUs);
  }

  get delivered(): number {
    return this.downTimes.count;
  }

  private trackPeaks(): void {
    for (const node of this.world.nodes.values()) this.trackPeak(node);
  }

  /** A delivery changes only its own node's memory. */
  private trackPeak(node: SimNode): void {
    if (!node.up) return;
    const bytes = node.memoryBytes();
    if (bytes <= node.peakMemoryBytes && this.peakCategories.has(node.name)) return;
    node.peakMemoryBytes = Math.max(node.peakMemoryBytes, bytes);
    this.peakCategories.set(node.name, categories(node.memory()));
  }

  /** Samples every SERIES_BUCKET_MS from the trigger while other events are pending. */
  private sampleNow(): void {
    let mailbox = 0;
    for (const pid of this.watched) mailbox = Math.max(mailbox, this.world.alive(pid)?.mailbox.length ?? 0);
    const current = mailbox;
    mailbox = Math.max(mailbox, this.bucketMailboxMax);
    this.bucketMailboxMax = current;
    this.mailboxSeries.push(mailbox);
    for (const node of this.world.nodes.values()) {
      let s = this.memorySeries.get(node.name);
      if (s === undefined) {
        s = [];
        this.memorySeries.set(node.name, s);
      }
      s.push(node.up ? node.memoryBytes() : 0);
      let c = this.categorySeries.get(node.name);
      if (c === undefined) {
        c = { processes: [], binary: [], ets: [], system: [] };
        this.categorySeries.set(node.name, c);
      }
      const m: MemoryCategories = node.up ? node.memory() : { processes: 0, binary: 0, ets: 0, system: 0 };
      for (const k of CATEGORY_KEYS) c[k].push(m[k]);
    }
    this.trackPeaks();
    if (this.world.kernel.pending() > 0) this.world.kernel.after(SERIES_BUCKET_MS * 1000, this.kSample, 0);
  }

  result(mode: 'zen' | 'vanilla', expected: number, workWindowMs: number): RunResult {
    const t0 = Math.max(0, this.triggerUs);
    const ms = (us: number) => round3((us - t0) / 1000);
    const counts: number[] = [];
    const times = this.downTimes.values();
    for (const t of times) {
      const b = Math.max(0, Math.floor((t - t0) / 1000 / TIMELINE_BUCKET_MS));
      while (counts.length <= b) counts.push(0);
      counts[b] = (counts[b] as number) + 1;
    }
    const delivered = this.downTimes.count;
    return {
      mode,
      triggerMs: round3(t0 / 1000),
      downs: {
        expected,
        delivered,
        duplicates: this.duplicates,
        missing: Math.max(0, expected - delivered),
        latencyMs: {
          p50: ms(this.downTimes.percentile(50)),
          p90: ms(this.downTimes.percentile(90)),
          p99: ms(this.downTimes.percentile(99)),
          max: ms(this.downTimes.max),
        },
        firstMs: delivered > 0 ? ms(this.downTimes.min) : null,
        lastMs: delivered > 0 ? ms(this.downTimes.max) : null,
        timeline: { bucketMs: TIMELINE_BUCKET_MS, counts },
        sample: this.sample === null ? null : inspectDown(this.sample, this.world),
      },
      work: this.workResult(t0, workWindowMs),
      subscribers: {
        count: this.watched.length,
        mailboxPeak: this.watched.reduce((m, pid) => Math.max(m, this.world.proc(pid)?.mailboxPeak ?? 0), 0),
      },
      nodes: this.nodesResult(),
      network: this.networkResult(),
      series: {
        bucketMs: SERIES_BUCKET_MS,
        subscriberMailbox: this.mailboxSeries,
        memoryBytes: Object.fromEntries(this.memorySeries),
        memoryCategories: Object.fromEntries(this.categorySeries),
        workLatencyMs: this.workLatencyUs.map((us) => round3(us / 1000)),
      },
    };
  }

  private workResult(t0: number, windowMs: number): RunResult['work'] {
    if (this.workSentUs.length === 0) return null;
    const h = new Histogram();
    const end = t0 + windowMs * 1000;
    for (let i = 0; i < this.workSentUs.length; i++) {
      const sent = this.workSentUs[i] as number;
      if (sent >= t0 && sent < end) h.add(this.workLatencyUs[i] as number);
    }
    const ms = (us: number) => round3(us / 1000);
    return {
      handled: h.count,
      latencyMs: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) },
    };
  }

  private nodesResult(): RunResult['nodes'] {
    const out: RunResult['nodes'] = {};
    const elapsedUs = Math.max(1, this.world.nowUs);
    for (const node of this.world.nodes.values()) {
      const peakProc = node.peakMailboxProc;
      out[node.name] = {
        memory: {
          baselineBytes: this.baseline.get(node.name) ?? 0,
          peakBytes: node.peakMemoryBytes,
          byCategory: this.peakCategories.get(node.name) ?? categories(node.memory()),
        },
        mailbox: {
          peak: node.peakMailbox,
          peakProcess: peakProc === null ? null : peakProc.registeredName ?? inspect(peakProc.pid, { localNode: node.name }),
        },
        cpu: { busyMs: round3(node.busyUs / 1000), utilization: round3(node.busyUs / (elapsedUs * node.schedulers)) },
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

function inspectDown(d: DownSignal, world: World): string {
  const localNode = [...world.nodes.keys()][0];
  return inspect(downToTerm(d as unknown as DownMsg), localNode !== undefined ? { localNode } : {});
}

const CATEGORY_KEYS: readonly (keyof MemoryCategories)[] = ['processes', 'binary', 'ets', 'system'];

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
