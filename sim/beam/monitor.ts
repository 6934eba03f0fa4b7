// A monitor's record (beam.md "Monitors"): one for both its ends, the watcher's and the
// target's (for a remote one, the target node's copy), each end's hold its own node's.
import type { Atom, Ref, Term, Tuple } from '../../core/terms.js';
import type { RefcBin } from './memory.js';
import type { DownSignal, Envelope, Proc } from './process.js';

/**
 * A monitor: one record for both its ends (the watcher's, and the target's: its node's
 * copy of a remote one, which joins the record when the monitor signal arrives), each
 * end's hold a bit only its node changes. Four words: a million targets' monitors are most
 * of a large run's memory, so whether it is remote and the node of its object are read off
 * its object and watcher, not stored. Nor is its ref: it holds the ref's uid (and whether
 * it is an alias), and `monitorRef` makes the term where one is needed (its DOWN, a
 * signal): the watcher's ref is seldom kept (a herd's subscriber and the Proxy drop it),
 * and as the record's it was a third kept object per monitored target (56 bytes).
 */
export type Monitor = {
  /**
   * Its ref's uid times 8 plus its ends' bits (MonitorEnd): `monitorUid` and `holds` read
   * them; a bit is added or taken off, not or-ed or masked (a key past 2^31 is a double,
   * exact up to 2^53). The uid's node is the watcher's, where `erlang:monitor` made it.
   * The uid and the ends were two fields of a five-word record (64 bytes, 56 now): the
   * 200,000 monitors a 100k herd's round keeps are made in fresh old-space pages, each
   * first touch of a 4 KiB page a fault (~2,700 a warm round under `monitorOf`).
   */
  key: number;
  readonly watcher: Proc;
  /** The monitored object as the DOWN will name it (a pid, or `{name, node}`). */
  readonly object: Term;
  /** The target process once resolved: null on a remote monitor until its signal reached the target's node, or when it was dead. */
  target: Proc | null;
};

/** The bits of a monitor's `key` below its uid (a const enum: the bundle has the numbers in place). */
export const enum MonitorEnd {
  /** The watcher holds it: its end is in its node's indexes (a local monitor's both ends go together). */
  Watcher = 1,
  /** The target (its node) holds it; an end that fired or dropped it is gone from its node's indexes. */
  Target = 2,
  /** Not an end: its ref is an alias (`Ref.alias`, a gen call's monitor), which no end changes. */
  Alias = 4,
}

/** The bits of `key` that are not the uid. */
const BITS = 7;

/** Monitor `m`'s ref's uid. */
export function monitorUid(m: Monitor): number {
  const k = m.key;
  return (k - (k & BITS)) / 8;
}

/** Whether monitor `m` has the bit `end` (MonitorEnd). */
export function holds(m: Monitor, end: MonitorEnd): boolean {
  return (m.key & end) !== 0;
}

/** Monitor `m` gains the bit `end`. */
export function setEnd(m: Monitor, end: MonitorEnd): void {
  if ((m.key & end) === 0) m.key += end;
}

/** Monitor `m` loses those of the bits `ends` (MonitorEnd) it has. */
export function dropEnds(m: Monitor, ends: number): void {
  m.key -= m.key & ends;
}

export const Monitor = {
  /**
   * A monitor, made as a plain object literal: V8 pretenures a literal's allocation site
   * once most of what it makes survives (a herd holds its monitors to the end), so the
   * young collector stops copying them twice each; `new` has no such site (2 million kept
   * objects made as literals: a third of the GC time).
   */
  of(uid: number, watcher: Proc, object: Term, target: Proc | null, ends: number): Monitor {
    return { key: uid * 8 + ends, watcher, object, target };
  },
};

/**
 * The monitor's ref, made anew: equal to the one `erlang:monitor` returned, not the same
 * object (refs compare by `uid`).
 */
export function monitorRef(m: Monitor): Ref {
  return { t: 'ref', uid: monitorUid(m), node: m.watcher.pid.node, alias: holds(m, MonitorEnd.Alias) };
}

/**
 * A fired monitor's DOWN, `{:DOWN, ref, :process, object, reason}`, holding the fired
 * monitor's record and the reason: its ref's uid, node and alias bit and its object are
 * read off the record (none of which changes once it has fired), the ref made anew at
 * each read of `ref` (`monitorRef` of the record: refs compare by uid), and `downRefUid` reads
 * the uid without making it. A herd's 100,000 :noconnection DOWNs wait in the
 * subscriber's mailbox for the whole drain: as a DOWN literal and its ref (two objects,
 * 112 bytes) V8 pretenured them into fresh old-space pages (~1,300 page faults a warm
 * 100k round under `fireMonitor`); one object made young and promoted, the vanilla mode's
 * warm round took ~7,250 faults -> ~4,380 (medians of 20 rounds, fm.mts).
 * It is its own envelope too (memory.ts `downEnvelope`: its words, carry and place on the
 * receiver; `msg` is itself, on the prototype): a DOWN and an envelope were two objects
 * of 64 bytes, one is 88 holding the ref's uid, node and alias bit and the object (the
 * vanilla 100k herd, 3 runs: scavenges 36 -> 29, 43.0 -> 39.2 MB promoted), 64 holding
 * the record instead: the 1,000,000-target herd's million DOWNs, in flight through its
 * drain, are each copied twice by the scavenger (in the young generation, then
 * promoted): its burst's promoted bytes ~90 -> ~80 MB, the command's page faults median
 * 187.5k -> 178.2k, CPU 8.90 -> 8.47 s, its largest process's peak RSS 540-726 -> 548-565
 * MiB (nine alternating pairs under load; GC share unchanged, 12.8 -> 12.7%). The record
 * keeps its target alive while the DOWN waits: a crashed node's processes, garbage from
 * the crash, live until the DOWN is taken, and a full collection before then marks them
 * (the 1M command makes none during its drain; the cold vanilla 100k run's callgrind
 * +1.1%, nearly all marking and sweeping: 4.45 -> 4.50 G, two pairs; both modes 9.74 ->
 * 9.57 and 9.70 -> 9.68 G).
 */
export class MonitorDown implements DownSignal, Envelope {
  /** On the prototype (below): one word less a DOWN. */
  declare readonly kind: 'DOWN';
  /** Itself, on the prototype (below): the DOWN is its own envelope's message. */
  declare readonly msg: MonitorDown;
  /** Its envelope's words, carry and place (process.ts `Envelope`): set by `downEnvelope` as it is sent. */
  words = 0;
  carry: number | readonly RefcBin[] = 0;
  at = 0;

  constructor(
    /** The monitor that fired (it fires once). */
    private readonly mon: Monitor,
    readonly reason: Term,
  ) {}

  /** Its ref's uid. */
  get uid(): number {
    return monitorUid(this.mon);
  }

  /** Its ref's node: the watcher's. */
  get node(): string {
    return this.mon.watcher.pid.node;
  }

  /** Whether its ref is an alias. */
  get alias(): boolean {
    return holds(this.mon, MonitorEnd.Alias);
  }

  get object(): Term {
    return this.mon.object;
  }

  get ref(): Ref {
    return monitorRef(this.mon);
  }

  /** As JSON, the fields a DOWN of four has. */
  toJSON(): DownSignal {
    return { kind: 'DOWN', ref: this.ref, object: this.object, reason: this.reason };
  }
}
Object.defineProperty(MonitorDown.prototype, 'kind', { value: 'DOWN' });
Object.defineProperty(MonitorDown.prototype, 'msg', {
  get(this: MonitorDown): MonitorDown {
    return this;
  },
});

/** The DOWN of monitor `m` fired with `reason`. */
export function monitorDown(m: Monitor, reason: Term): MonitorDown {
  return new MonitorDown(m, reason);
}

/** The uid of a DOWN's ref, without making the ref of a `MonitorDown`. */
export function downRefUid(d: DownSignal): number {
  return d instanceof MonitorDown ? d.uid : d.ref.uid;
}

/** Whether the watcher still holds `m` (its node's roster of remote monitors asks). */
export function watcherHolds(m: Monitor): boolean {
  return holds(m, MonitorEnd.Watcher);
}

/** Whether the target (its node) still holds `m`. */
export function targetHolds(m: Monitor): boolean {
  return holds(m, MonitorEnd.Target);
}

/** The node of a monitor's object. */
export function monitorPeer(m: Monitor): string {
  const o = m.object;
  return o.t === 'pid' ? o.node : ((o as Tuple).v[1] as Atom).v;
}

/** Whether a monitor's watcher and object are on different nodes. */
export function isRemoteMonitor(m: Monitor): boolean {
  return monitorPeer(m) !== m.watcher.pid.node;
}
