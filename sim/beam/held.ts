// The monitors a process holds, by ref uid, in the order made: what a Map keyed by ref
// uid gives (insertion order, a re-made key going last), at two words a monitor. A
// watcher's refs are made one after another, in increasing order (a subscriber of a
// million targets, the Proxy watching them), so they are kept in two arrays found by
// bisection, without a Map's four words or so an entry and its rehash at every doubling
// and halving; a monitor whose ref is older than the newest held (a ref made earlier and
// given to `monitor`) turns them into a Map.
import { lowerBound } from '../engine/kernel.js';
import type { Monitor } from './process.js';

/** How many may be gone before the arrays are compacted (then: once they are over half). */
const COMPACT_MIN = 1024;

export class HeldMonitors {
  /** Ref uids, increasing (those of monitors gone included, until a compaction). */
  private uids: number[] = [];
  /** The monitor of each uid, undefined once gone. */
  private mons: (Monitor | undefined)[] = [];
  private gone = 0;
  /** Every entry, once a ref came out of order. */
  private map: Map<number, Monitor> | undefined;

  get size(): number {
    return this.map !== undefined ? this.map.size : this.mons.length - this.gone;
  }

  get(uid: number): Monitor | undefined {
    if (this.map !== undefined) return this.map.get(uid);
    const i = this.indexOf(uid);
    return i < 0 ? undefined : this.mons[i];
  }

  set(uid: number, mon: Monitor): void {
    if (this.map !== undefined) {
      this.map.set(uid, mon);
      return;
    }
    const n = this.uids.length;
    if (n === 0 || uid > (this.uids[n - 1] as number)) {
      this.uids.push(uid);
      this.mons.push(mon);
      return;
    }
    const i = this.indexOf(uid);
    if (i >= 0) this.mons[i] = mon; // as Map.set of a key held: it keeps its place
    else {
      const map = new Map<number, Monitor>();
      for (let j = 0; j < this.mons.length; j++) {
        const m = this.mons[j];
        if (m !== undefined) map.set(this.uids[j] as number, m);
      }
      this.map = map.set(uid, mon);
      this.uids = [];
      this.mons = [];
      this.gone = 0;
    }
  }

  delete(uid: number): boolean {
    if (this.map !== undefined) return this.map.delete(uid);
    const i = this.indexOf(uid);
    if (i < 0) return false;
    this.mons[i] = undefined;
    this.gone++;
    if (this.gone === this.mons.length) {
      this.uids = [];
      this.mons = [];
      this.gone = 0;
    } else if (this.gone > COMPACT_MIN && this.gone * 2 > this.mons.length) this.compact();
    return true;
  }

  /** The monitors in the order made (a snapshot: the caller may change them while it walks it). */
  valuesArray(): Monitor[] {
    const out: Monitor[] = [];
    this.forEachValue((m) => out.push(m));
    return out;
  }

  /** Calls `f` on each monitor in the order made (`f` must not change them). */
  forEachValue(f: (mon: Monitor) => void): void {
    if (this.map !== undefined) {
      this.map.forEach((m) => f(m));
      return;
    }
    const mons = this.mons;
    for (let i = 0; i < mons.length; i++) {
      const m = mons[i];
      if (m !== undefined) f(m);
    }
  }

  /** The index of the monitor held with this uid, or -1. */
  private indexOf(uid: number): number {
    const uids = this.uids;
    const lo = lowerBound(uids, uid);
    return lo < uids.length && uids[lo] === uid && this.mons[lo] !== undefined ? lo : -1;
  }

  private compact(): void {
    const n = this.mons.length - this.gone;
    const uids = new Array<number>(n);
    const mons = new Array<Monitor>(n);
    for (let i = 0, j = 0; i < this.mons.length; i++) {
      const m = this.mons[i];
      if (m === undefined) continue;
      uids[j] = this.uids[i] as number;
      mons[j++] = m;
    }
    this.uids = uids;
    this.mons = mons;
    this.gone = 0;
  }
}
