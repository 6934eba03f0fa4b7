// A map that holds its first entry in its own fields and makes a real `Map` only for a
// second: most of the per-target maps of a large run (the monitors on a process, a
// Connector's monitors of one target, the Proxy's subscribers of one target) never hold
// more than one entry, and a one-entry `Map` costs several times the entry itself.
// Iteration is in insertion order, as a `Map`'s is.

/** The key of an empty SmallMap (no key of the user's is this symbol). */
const NONE: unique symbol = Symbol('none');

export class SmallMap<K, V> {
  private oneKey: K | typeof NONE = NONE;
  private oneValue: V | undefined;
  /** Every entry once a second one came (the first moved in, so the order holds). */
  private many: Map<K, V> | undefined;

  get size(): number {
    return this.many !== undefined ? this.many.size : this.oneKey !== NONE ? 1 : 0;
  }

  get(key: K): V | undefined {
    if (this.many !== undefined) return this.many.get(key);
    return this.oneKey === key ? this.oneValue : undefined;
  }

  has(key: K): boolean {
    if (this.many !== undefined) return this.many.has(key);
    return this.oneKey === key;
  }

  set(key: K, value: V): this {
    if (this.many !== undefined) this.many.set(key, value);
    else if (this.oneKey === NONE || this.oneKey === key) {
      this.oneKey = key;
      this.oneValue = value;
    } else {
      this.many = new Map([[this.oneKey as K, this.oneValue as V]]).set(key, value);
      this.clearOne();
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.many !== undefined) return this.many.delete(key);
    if (this.oneKey === NONE || this.oneKey !== key) return false;
    this.clearOne();
    return true;
  }

  /** The values in insertion order (a snapshot: the map may change while it is walked). */
  valuesArray(): V[] {
    if (this.many !== undefined) return [...this.many.values()];
    return this.oneKey !== NONE ? [this.oneValue as V] : [];
  }

  /** Calls `f` on each value in insertion order (no snapshot: `f` must not change the map). */
  forEachValue(f: (value: V) => void): void {
    if (this.many !== undefined) {
      for (const v of this.many.values()) f(v);
    } else if (this.oneKey !== NONE) f(this.oneValue as V);
  }

  private clearOne(): void {
    this.oneKey = NONE;
    this.oneValue = undefined;
  }
}
