// `--perfetto FILE`: a Chrome trace-event JSON file (the "JSON Object Format":
// {"traceEvents": [...], "displayTimeUnit": "ms"}) that the Perfetto UI and
// chrome://tracing open. One track group per simulated node and mode, one track per
// process; every handled message is a complete slice ("X", name = message kind, ts and
// dur in virtual µs); a subscriber's DOWNs are instant events on its track when it
// handled each (its handler's CPU time, as the result document's DOWN times count them;
// not their arrival in its mailbox), ZenMonitor's internal DOWNs left out; faults (crash, restart,
// partition, heal) and the trigger are global instant events. Events are streamed to
// the sink as they happen, so a big run does not hold its trace in memory; slices and
// DOWNs stop being recorded past `maxSlices` (faults are kept) and the file says so.
// Recording reads the world and never changes it: a run's traceHash is the same with
// or without it.
import { handlerNowUs } from '../beam/ctx.js';
import { displayName, type Proc } from '../beam/process.js';
import type { Mode } from '../run/scenario.js';
import type { World } from '../beam/world.js';

/** Where the JSON text goes (a `PendingFile`, or an array in tests). */
export type TextSink = { write(text: string): void };

export type PerfettoOptions = {
  /** Slices and DOWN instants recorded at most, over all runs (default 2_000_000). */
  maxSlices?: number;
};

export const DEFAULT_MAX_SLICES = 2_000_000;
/** Track group (pid) offset of each further run of a `mode: both` scenario. */
export const RUN_PID_OFFSET = 1000;

type Attached = {
  world: World;
  mode: Mode;
  run: number;
  seen: Map<number, Proc>;
  /** Per process (uid) handling a subscriber DOWN, when its handler took it: marked once the slice is written. */
  downAtUs: Map<number, number>;
};

/**
 * Records the worlds it is attached to (one per mode) into one trace. Track groups:
 * pid = node index + 1 (+ 1000 per later run), tid = process uid + 1 (0 is the idle
 * task in Perfetto's importer, so nothing is numbered 0).
 */
export class PerfettoRecorder {
  readonly maxSlices: number;
  /** Slices and DOWN instants written. */
  recorded = 0;
  /** Slices and DOWN instants left out past the cap. */
  dropped = 0;
  faults = 0;
  private readonly runs: Attached[] = [];
  private first = true;
  private finished = false;

  constructor(
    private readonly out: TextSink,
    opts: PerfettoOptions = {},
  ) {
    this.maxSlices = opts.maxSlices ?? DEFAULT_MAX_SLICES;
    if (!Number.isSafeInteger(this.maxSlices) || this.maxSlices < 0) throw new RangeError(`maxSlices must be an integer >= 0, got ${this.maxSlices}`);
    out.write('{"displayTimeUnit":"ms","traceEvents":[\n');
  }

  /** Hooks into `world` (before it runs); pass as `runScenario`'s `attach`. */
  attach(world: World, mode: Mode): void {
    if (this.finished) throw new Error('PerfettoRecorder: attach after finish');
    const a: Attached = { world, mode, run: this.runs.length, seen: new Map(), downAtUs: new Map() };
    this.runs.push(a);
    const pidBase = 1 + a.run * RUN_PID_OFFSET;
    // A DOWN's time is its handling's: the handler's CPU time as it starts, read as
    // `ctx.nowUs()` reads it there (handlerNowUs), as the run's recorder does.
    world.onSliceStart = (p, _startUs, msg, cursorUs) => {
      if (isSubscriberDown(p, msg)) a.downAtUs.set(p.uid, handlerNowUs(cursorUs));
    };
    world.onSlice = (p, startUs, durUs, msg) => {
      const downAtUs = a.downAtUs.get(p.uid);
      a.downAtUs.delete(p.uid);
      if (this.recorded >= this.maxSlices) return this.drop(world, a);
      this.recorded++;
      if (!a.seen.has(p.uid)) a.seen.set(p.uid, p);
      const pid = pidBase + (world.nodes.get(p.pid.node)?.index ?? 0);
      this.event(`{"ph":"X","name":${JSON.stringify(sliceName(msg))},"ts":${startUs},"dur":${durUs},"pid":${pid},"tid":${p.uid + 1}}`);
      // After its slice, so that each track's events stay in time order in the file.
      if (downAtUs !== undefined) this.downHandled(world, a, pid, p, downAtUs);
    };
    world.onFault = (name, detail) => {
      this.faults++;
      const label = detail === '' ? name : `${name} ${detail}`;
      const args = JSON.stringify({ fault: name, detail, mode });
      this.event(
        `{"ph":"i","s":"g","cat":"fault","name":${JSON.stringify(`${label} (${mode})`)},"ts":${world.nowUs},"pid":${pidBase},"tid":0,"args":${args}}`,
      );
    };
  }

  /** Writes the track names and closes the JSON; the sink then holds a complete file. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const a of this.runs) {
      const pidBase = 1 + a.run * RUN_PID_OFFSET;
      for (const node of a.world.nodes.values()) {
        const pid = pidBase + node.index;
        this.meta('process_name', pid, 0, { name: `node ${node.name} (${a.mode})` });
        this.meta('process_sort_index', pid, 0, { sort_index: pid });
      }
      const procs = [...a.seen.values()].sort((x, y) => x.uid - y.uid);
      for (const p of procs) {
        const pid = pidBase + (a.world.nodes.get(p.pid.node)?.index ?? 0);
        const name = displayName(p);
        this.meta('thread_name', pid, p.uid + 1, { name });
        this.meta('thread_sort_index', pid, p.uid + 1, { sort_index: p.uid + 1 });
      }
    }
    const other: Record<string, unknown> = {
      generator: 'zensim',
      timeUnit: 'virtual microseconds',
      modes: this.runs.map((a) => a.mode),
      slices: this.recorded,
      faults: this.faults,
    };
    if (this.dropped > 0) {
      other.truncated = true;
      other.droppedSlices = this.dropped;
      other.note = `slices and DOWN deliveries capped at ${this.maxSlices}; ${this.dropped} more were not recorded (faults all are)`;
    }
    this.out.write(`\n],"otherData":${JSON.stringify(other)}}\n`);
  }

  private downHandled(world: World, a: Attached, pid: number, p: Proc, atUs: number): void {
    if (this.recorded >= this.maxSlices) return this.drop(world, a);
    this.recorded++;
    this.event(`{"ph":"i","s":"t","cat":"down","name":"DOWN delivered","ts":${atUs},"pid":${pid},"tid":${p.uid + 1}}`);
  }

  /** Past the cap: counts, and marks the moment once with a global instant. */
  private drop(world: World, a: Attached): void {
    if (this.dropped++ === 0) {
      const note = `trace capped: ${this.maxSlices} slices recorded, later ones left out`;
      this.event(
        `{"ph":"i","s":"g","cat":"note","name":${JSON.stringify(note)},"ts":${world.nowUs},"pid":${1 + a.run * RUN_PID_OFFSET},"tid":0}`,
      );
    }
  }

  private meta(name: string, pid: number, tid: number, args: Record<string, unknown>): void {
    this.event(`{"ph":"M","name":"${name}","pid":${pid},"tid":${tid},"args":${JSON.stringify(args)}}`);
  }

  private event(json: string): void {
    if (this.first) {
      this.first = false;
      this.out.write(json);
    } else this.out.write(`,\n${json}`);
  }
}

/**
 * A DOWN for a subscriber, not one of ZenMonitor's own: those go to its registered
 * processes (the Proxy gets one per local target death) or name one of them (a
 * Connector's monitor on a remote Proxy).
 */
function isSubscriberDown(p: Proc, msg: unknown): boolean {
  if (typeof msg !== 'object' || msg === null) return false;
  const m = msg as { kind?: unknown; object?: { t?: unknown; v?: readonly { t?: unknown; v?: unknown }[] } };
  if (m.kind !== 'DOWN') return false;
  if (p.registeredName !== undefined && p.registeredName.startsWith('ZenMonitor.')) return false;
  const name = m.object?.t === 'tuple' ? m.object.v?.[0] : undefined;
  return !(name?.t === 'atom' && typeof name.v === 'string' && name.v.startsWith('ZenMonitor.'));
}

/** A slice's name: the handled message's kind (`DOWN`, `work`, `$gen_call:subscribe` …). */
export function sliceName(msg: unknown): string {
  if (typeof msg !== 'object' || msg === null) return String(msg);
  const m = msg as { kind?: unknown; t?: unknown; v?: unknown; msg?: unknown; tag?: { uid?: unknown } };
  if (typeof m.kind === 'string') {
    if (m.kind === 'call_result' && m.tag?.uid === -1) return 'init';
    if (m.kind === '$gen_call') return `$gen_call:${sliceName(m.msg)}`;
    return m.kind;
  }
  if (m.t === 'atom' && typeof m.v === 'string') return m.v;
  if (m.t === 'tuple' && Array.isArray(m.v)) {
    const head = m.v[0] as { t?: unknown; v?: unknown } | undefined;
    if (head?.t === 'atom' && typeof head.v === 'string') return head.v;
    return 'tuple';
  }
  if (typeof m.t === 'string') return m.t;
  return 'message';
}
