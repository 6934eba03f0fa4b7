// A map keyed by a monitored target's key (`targetKey`: a pid's uid, a string for any
// other target): what the Connector and the Proxy hold per target, and the Proxy
// Subscribers table. A pid's uid is a small integer handed out in order, so pid keys go
// in pages of 32 slots (a page made at its first key, dropped at its last), found by page
// number; other keys (a registered name, `{name, node}`, and any number that is not a
// 31-bit uid, as a pid term made up by a scenario may carry) in a `Map`. In a
// million-target herd a `Map` per table held a hash-table entry of ~4 words per target,
// rehashed every table at each doubling, and missed the cache on most lookups; here a
// target costs its slot, and a lookup its page. Uids are the world's, not a node's: where
// many nodes spawn in turn, a table's targets fill a fraction of each page (~300 bytes),
// still no more than a `Map` spends on a few keys.
//
// Iteration (`values`, `forEach`) is in no order a caller may rely on (pages in the order
// they were made, then the other keys): its users sort (the Connector's monitors), only
// delete (a `match_delete`), only collect (zensim check's recorder) or only count (zensim
// check's observations of the Proxy's monitors). Both walk the pages in loops, not with a
// callback made per call, whose optimized code V8 keeps only while one lives.

/** Slots per page: a page number is `uid >> PAGE_BITS`. */
const PAGE_BITS = 5;
const PAGE_SLOTS = 1 << PAGE_BITS;
const SLOT_MASK = PAGE_SLOTS - 1;

/** Whether `key` is a uid that goes in a page (a non-negative 31-bit integer: the bit operations below hold). */
function paged(key: number | string): key is number {
  return typeof key === 'number' && (key | 0) === key && key >= 0;
}

/**
 * A page: a value per uid of the page (a `V`, undefined where none is held), then, at
 * `COUNT`, how many it holds (the page goes when none are). One array: an object holding
 * the slots and the count apart was one more object kept a page (3 tables hold a page per
 * 32 targets). Read through `slotOf` and `countOf`.
 */
type Page = unknown[];
const COUNT = PAGE_SLOTS;

/** An empty page, never written itself: each new page is a copy of it (cheaper than `new Array(n).fill`, which calls into the runtime). */
const NO_SLOTS: readonly unknown[] = [...new Array<undefined>(PAGE_SLOTS).fill(undefined), 0];

function slotOf<V>(page: Page, slot: number): V | undefined {
  return page[slot] as V | undefined;
}

function countOf(page: Page): number {
  return page[COUNT] as number;
}

/** Values must not be undefined (an undefined slot holds none). */
export class TargetTable<V> {
  private readonly pages = new Map<number, Page>();
  /** The keys that go in no page, once there is one. */
  private named: Map<number | string, V> | undefined = undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: number | string): V | undefined {
    if (!paged(key)) return this.named?.get(key);
    const page = this.pages.get(key >> PAGE_BITS);
    return page === undefined ? undefined : slotOf<V>(page, key & SLOT_MASK);
  }

  has(key: number | string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: number | string, value: V): void {
    if (!paged(key)) {
      const named = (this.named ??= new Map());
      const before = named.size;
      named.set(key, value);
      this.count += named.size - before;
      return;
    }
    const page = this.pageOf(key);
    const slot = key & SLOT_MASK;
    if (page[slot] === undefined) this.filled(page);
    page[slot] = value;
  }

  /**
   * `key` set to `value` if it holds none; returns what it held (undefined: it was set).
   * One page lookup where a `get` then a `set` made two: the Connector's monitor and the
   * Proxy's subscribe ask this of each new target.
   */
  setNew(key: number | string, value: V): V | undefined {
    if (!paged(key)) {
      const held = this.named?.get(key);
      if (held === undefined) this.set(key, value);
      return held;
    }
    const page = this.pageOf(key);
    const slot = key & SLOT_MASK;
    const held = slotOf<V>(page, slot);
    if (held === undefined) {
      this.filled(page);
      page[slot] = value;
    }
    return held;
  }

  /** The page of paged `key`, made if there is none. */
  private pageOf(key: number): Page {
    let page = this.pages.get(key >> PAGE_BITS);
    if (page === undefined) {
      page = NO_SLOTS.slice();
      this.pages.set(key >> PAGE_BITS, page);
    }
    return page;
  }

  /** A slot of `page` that held none is about to hold a value. */
  private filled(page: Page): void {
    page[COUNT] = countOf(page) + 1;
    this.count++;
  }

  delete(key: number | string): boolean {
    if (!paged(key)) {
      if (this.named?.delete(key) !== true) return false;
      this.count--;
      return true;
    }
    const page = this.pages.get(key >> PAGE_BITS);
    const slot = key & SLOT_MASK;
    if (page === undefined || page[slot] === undefined) return false;
    page[slot] = undefined;
    this.count--;
    const left = countOf(page) - 1;
    page[COUNT] = left;
    if (left === 0) this.pages.delete(key >> PAGE_BITS);
    return true;
  }

  clear(): void {
    this.pages.clear();
    this.named = undefined;
    this.count = 0;
  }

  /** The values (a snapshot), in no order to rely on; made at its size (grown from empty, a large one took ~3 times that in all). */
  values(): V[] {
    const out = new Array<V>(this.count);
    let i = 0;
    for (const page of this.pages.values()) {
      for (let s = 0; s < PAGE_SLOTS; s++) {
        const v = slotOf<V>(page, s);
        if (v !== undefined) out[i++] = v;
      }
    }
    if (this.named !== undefined) for (const v of this.named.values()) out[i++] = v;
    return out;
  }

  /** Calls `f` on each entry, in no order to rely on; `f` may delete the entry it is given, and no other. */
  forEach(f: (value: V, key: number | string) => void): void {
    for (const [n, page] of this.pages) {
      for (let i = 0; i < PAGE_SLOTS; i++) {
        const v = slotOf<V>(page, i);
        if (v !== undefined) f(v, (n << PAGE_BITS) | i);
      }
    }
    this.named?.forEach(f);
  }
}
