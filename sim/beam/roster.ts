// Members in the order they joined, never looked up by key: a node's remote monitors per
// peer node (the ones its processes hold, and the ones held on them). A list that forgets
// those who left in batches: a Map keyed by ref uid would cost each of a million monitors
// a hash table entry, and its growth a rehash. A chunked list (chunks.ts), compacted in
// place: a herd's 100k-member rosters were ~1,150 page faults a round grown by push.
import { ChunkList } from './chunks.js';

/** How many may have left before a compaction is considered (then: once they are over half). */
const COMPACT_MIN = 1024;

export class Roster<T> {
  private readonly list = new ChunkList<T>();
  private gone = 0;
  /** Walks in progress: no compaction meanwhile. */
  private walking = 0;

  /** `isMember(t)` turns false, for good, when `t` leaves (a monitor fires or is dropped). */
  constructor(private readonly isMember: (t: T) => boolean) {}

  /** Members now. */
  get size(): number {
    return this.list.length - this.gone;
  }

  add(t: T): void {
    this.list.push(t);
  }

  /**
   * One member left (`isMember` is false for it now): called once per member that leaves,
   * on the roster that holds it. Those who left are dropped once they are over half.
   */
  left(): void {
    if (++this.gone > this.list.length) throw new Error('roster: more members left than joined');
    this.compactIfDue();
  }

  /** Drops those who left once they are over half (not during a walk: the walk ends with it). */
  private compactIfDue(): void {
    if (this.gone <= COMPACT_MIN || this.gone * 2 <= this.list.length || this.walking > 0) return;
    this.list.retain(this.isMember);
    this.gone = 0;
  }

  /**
   * Calls `f` on each member in the order they joined, as a walk of a Set does: one that
   * leaves meanwhile (`f` may make them leave) is skipped, one that joins is visited. `f`
   * is given `arg` too: a module-level function with what it needs in `arg` serves every
   * walk, where a closure made per walk has its optimized code kept only while one lives.
   */
  forEach(f: (t: T) => void): void;
  forEach<A>(f: (t: T, arg: A) => void, arg: A): void;
  forEach(f: (t: T, arg: never) => void, arg?: unknown): void {
    this.walking++;
    try {
      for (let i = 0; i < this.list.length; i++) {
        const t = this.list.at(i);
        if (this.isMember(t)) f(t, arg as never);
      }
    } finally {
      // Members that left during the walk (a lost connection drops them all) go now.
      if (--this.walking === 0) this.compactIfDue();
    }
  }

  /** The members now, in the order they joined (a snapshot). */
  members(): T[] {
    const out: T[] = [];
    this.list.forEach((t) => {
      if (this.isMember(t)) out.push(t);
    });
    return out;
  }

  clear(): void {
    this.list.clear();
    this.gone = 0;
  }
}

/**
 * Rosters by peer node, each made on first use; the one asked for last is kept at hand: a
 * node's remote monitors are made, and leave, in runs across one connection, found then
 * without a lookup by the peer's name. Rosters are never removed but all at once (`clear`).
 */
export class PeerRosters<T> {
  private readonly byPeer = new Map<string, Roster<T>>();
  private lastPeer: string | undefined = undefined;
  private last: Roster<T> | undefined = undefined;

  constructor(private readonly isMember: (t: T) => boolean) {}

  /** The roster of `peer`, if it has one. */
  get(peer: string): Roster<T> | undefined {
    if (peer === this.lastPeer) return this.last;
    const r = this.byPeer.get(peer);
    if (r !== undefined) this.keep(peer, r);
    return r;
  }

  /** The roster of `peer`, made on first use. */
  of(peer: string): Roster<T> {
    let r = this.get(peer);
    if (r === undefined) {
      r = new Roster(this.isMember);
      this.byPeer.set(peer, r);
      this.keep(peer, r);
    }
    return r;
  }

  /** The rosters, in the order their peers were first met. */
  values(): IterableIterator<Roster<T>> {
    return this.byPeer.values();
  }

  clear(): void {
    this.byPeer.clear();
    this.lastPeer = undefined;
    this.last = undefined;
  }

  private keep(peer: string, r: Roster<T>): void {
    this.lastPeer = peer;
    this.last = r;
  }
}
