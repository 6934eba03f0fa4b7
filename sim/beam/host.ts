// A host: the machine (an OS with a number of CPU cores) that one or more nodes run on.
// Each node's scheduler threads need a core of their host to run a handling; when more of
// them are runnable than the host has cores, the cores serve them in turn, as the OS
// does: a thread that wants a core and finds none waits at the back of the host's queue
// (FIFO); a thread that ends a handling keeps its core for its node's next runnable
// process until its time slice is used up and another thread waits, then hands the core
// to the one at the head of the queue and, if its node still has work, waits again at
// the back. The slice is CFS's (Linux's default scheduler): its targeted latency divided
// among the threads that hold or want a core, never below its minimum granularity.
//
// Simplifications (README, "Model and its limits"): a core switches threads only between
// handlings (a handling, which zensim runs to completion, is never preempted by the OS);
// a thread that wakes up waits its turn (no wake-up preemption); an idle BEAM scheduler
// gives its core back at once (no busy-wait spinning); dirty schedulers, async threads and
// the OS's own work take no core. By default every node has a host of its own with one
// core per scheduler, so its schedulers never wait (zensim before hosts).
import { describeValue } from '../../core/config.js';
import { doubled } from '../../core/uid_map.js';
import type { SimNode } from './node.js';
import type { RunState } from './process.js';

export type HostOptions = {
  /** CPU cores. */
  readonly cores: number;
  /** CFS's targeted latency, µs: the period in which every runnable thread runs once. */
  readonly latencyUs?: number;
  /** CFS's minimum granularity, µs: the shortest slice a thread gets when many compete. */
  readonly minGranularityUs?: number;
};

/**
 * Linux CFS defaults scaled for the host's CPUs (kernel/sched/fair.c, "log" scaling:
 * factor 1 + ilog2(cpus), at most 8 CPUs counted): sysctl_sched_latency 6 ms and
 * sysctl_sched_min_granularity 0.75 ms per factor; on the calibration runs' 2-core VMs,
 * 12 ms and 1.5 ms.
 */
export function cfsDefaults(cores: number): { latencyUs: number; minGranularityUs: number } {
  const factor = 1 + Math.floor(Math.log2(Math.min(Math.max(1, cores), 8)));
  return { latencyUs: 6000 * factor, minGranularityUs: 750 * factor };
}

/** The most cores a host may have (a plain bound on the simulation's own arrays). */
export const MAX_CORES = 1024;

/**
 * The cores a node's free scheduler threads kept between two handlings, the last kept on
 * top (`length` of them): when each was taken, and the CPU time (fractional µs) its thread
 * is free from. Typed arrays, written and read in place: a fraction pushed onto or popped
 * from a number array was boxed, 16 bytes, at every handling's end and start (the 100k
 * herd: 294 -> 285 bytes allocated per event).
 */
export class KeptCores {
  sinceUs: Float64Array = new Float64Array(1);
  freeUs: Float64Array = new Float64Array(1);
  length = 0;

  /** A slot on top for one more kept core (its index: the caller writes its two times). */
  add(): number {
    if (this.length === this.sinceUs.length) {
      this.sinceUs = doubled(this.sinceUs);
      this.freeUs = doubled(this.freeUs);
    }
    return this.length++;
  }
}

export class Host {
  readonly cores: number;
  freeCores: number;
  readonly latencyUs: number;
  readonly minGranularityUs: number;
  /** Scheduler threads waiting for a core, oldest first: one entry per thread, naming its node (and its creation), and since when. */
  private waiting: SimNode[] = [];
  private creation: number[] = [];
  /**
   * When each waiting thread began to wait, µs, at the index of its `waiting` entry: a
   * typed array, as KeptCores's times (a number array's first fraction retyped its
   * elements, and the functions compiled against them were thrown away mid-run).
   */
  private since: Float64Array = new Float64Array(16);
  private head = 0;

  constructor(
    readonly name: string,
    opts: HostOptions,
  ) {
    const o = checkHostOptions(name, opts);
    this.latencyUs = o.latencyUs;
    this.minGranularityUs = o.minGranularityUs;
    this.cores = o.cores;
    this.freeCores = o.cores;
  }

  /**
   * A core for `node`'s next handling: one it kept (its time slice goes on), or a free
   * one; when it was taken, or -1 for none.
   */
  take(node: SimNode, nowUs: number): number {
    const kept = node.keptCores;
    if (kept.length > 0) {
      const i = --kept.length;
      node.takenFreeUs = kept.freeUs[i] as number;
      return kept.sinceUs[i] as number;
    }
    if (this.freeCores === 0) return -1;
    this.freeCores--;
    node.coresHeld++;
    node.takenFreeUs = nowUs;
    return nowUs;
  }

  /** Each free scheduler thread of `node` with a process to run, and not yet waiting, waits for a core. */
  waitFor(node: SimNode, nowUs: number): void {
    const want = Math.min(node.freeSchedulers, node.runQueueLength()) - node.waitingThreads;
    for (let i = 0; i < want; i++) this.wait(node, nowUs);
  }

  /**
   * `node` gives a core back: to the thread that has waited longest (its node is returned:
   * it starts at once), or to the free ones.
   */
  release(node: SimNode, nowUs: number): SimNode | undefined {
    node.coresHeld--;
    const next = this.nextWaiter(nowUs);
    if (next === undefined) {
      this.freeCores++;
      return undefined;
    }
    next.coresHeld++;
    const i = next.keptCores.add();
    next.keptCores.sinceUs[i] = nowUs;
    next.keptCores.freeUs[i] = nowUs;
    return next;
  }

  /**
   * A handling on `node` that ran on a core since `times.coreSinceUs` ended, its CPU time
   * at `times.cpuEndUs`: its thread keeps the core for the node's next handling, unless
   * its time slice is used up and another thread waits; then the core goes to that one
   * (whose node is returned: it starts at once), and this thread waits again if its node
   * has work. (The times are read here, not passed: a fraction passed to a call is boxed.)
   */
  handlingEnded(node: SimNode, times: RunState, nowUs: number): SimNode | undefined {
    if (this.waitingThreads() > 0 && nowUs - times.coreSinceUs >= this.sliceUs()) return this.release(node, nowUs);
    const kept = node.keptCores;
    const i = kept.add();
    kept.sinceUs[i] = times.coreSinceUs;
    kept.freeUs[i] = times.cpuEndUs;
    return undefined;
  }

  waitingThreads(): number {
    return this.waiting.length - this.head;
  }

  /** A thread of `node` waits for a core from `nowUs`, at the back of the queue. */
  private wait(node: SimNode, nowUs: number): void {
    if (this.waiting.length === this.since.length) this.since = doubled(this.since);
    this.since[this.waiting.length] = nowUs;
    this.waiting.push(node);
    this.creation.push(node.creation);
    node.waitingThreads++;
  }

  /**
   * The node whose thread has waited longest, taken off the queue, its wait added to the
   * node's `coreWaitUs` (entries of an incarnation that crashed meanwhile are skipped).
   */
  private nextWaiter(nowUs: number): SimNode | undefined {
    while (this.head < this.waiting.length) {
      const node = this.waiting[this.head] as SimNode;
      const since = this.since[this.head] as number;
      const current = node.up && this.creation[this.head] === node.creation;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.since.copyWithin(0, this.head, this.waiting.length);
        this.waiting = this.waiting.slice(this.head);
        this.creation = this.creation.slice(this.head);
        this.head = 0;
      }
      if (current) {
        node.waitingThreads--;
        node.coreWaitUs += nowUs - since;
        return node;
      }
    }
    return undefined;
  }

  /**
   * The time slice a thread holding a core has now: CFS's latency shared among the
   * threads that hold or want a core (the ideal slice of sched_slice()), at least the
   * minimum granularity.
   */
  sliceUs(): number {
    const threads = this.cores - this.freeCores + this.waitingThreads();
    return Math.max(this.minGranularityUs, (this.latencyUs * this.cores) / Math.max(threads, this.cores));
  }
}

/** The options with their defaults; throws (naming the host and the option) when one is out of range. */
export function checkHostOptions(name: string, opts: HostOptions): Required<HostOptions> {
  const { cores } = opts;
  if (!Number.isInteger(cores) || cores < 1 || cores > MAX_CORES) throw new RangeError(`host ${name}: cores must be an integer from 1 to ${MAX_CORES}, got ${describeValue(cores)}`);
  const cfs = cfsDefaults(cores);
  return {
    cores,
    latencyUs: checkUs(name, 'latencyUs', opts.latencyUs ?? cfs.latencyUs),
    minGranularityUs: checkUs(name, 'minGranularityUs', opts.minGranularityUs ?? cfs.minGranularityUs),
  };
}

function checkUs(host: string, key: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 1 || v > 1e9) throw new RangeError(`host ${host}: ${key} must be a number of µs from 1 to 1e9, got ${describeValue(v)}`);
  return v;
}
