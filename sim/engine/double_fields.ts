// How V8 stores the simulator's fractional counters. V8 holds a number field as a small
// integer (Smi) until a fraction is stored in it; it then retires the hidden class of
// every object of that shape and deoptimizes each function compiled against it, which
// the run compiles again. The simulator's µs and byte counters start at a whole 0 and
// take their first fraction a few thousand events in, once its hot functions are
// compiled (a 10k herd: 8 such fields, then bursts of up to 20 deoptimizations each).
// Storing a fraction in them on the first object of each shape, then its start value
// again, has V8 hold them as doubles from then on: the objects made after it get the
// widened hidden class and need nothing. Only V8's bookkeeping changes: the values the
// simulation reads are the same. An array's elements are typed the same way (small
// integers, then doubles, then any value): `objectElements` types an empty one for
// objects before its first push.

/**
 * Has V8 hold fields `keys` of `o` as doubles: each is given a fraction, then its value
 * again. Names, not `keyof`: a class passes its private fields too; a name `o` does not
 * have throws (a field renamed without its call here).
 */
export function asDoubles(o: object, keys: readonly string[]): void {
  const fields = o as Record<string, unknown>;
  for (const k of keys) {
    const v = fields[k];
    if (typeof v !== 'number') throw new TypeError(`asDoubles: field '${k}' is not a number (${typeof v})`);
    fields[k] = 0.5;
    fields[k] = v;
  }
}

/**
 * Has V8 hold `a`'s elements as any values (objects) from now on, as the first object
 * stored would; answers `a`, emptied. An array made empty starts typed for small
 * integers, and an object pushed into it retypes it: a function compiled while such
 * arrays held only objects is thrown away when a new one's first push comes (a node's
 * `messaged`: the real run's nodes after the warm-up's). `a` is `[]`, or `new Array(1)`
 * for one typed as having holes (World.procs).
 */
export function objectElements<T>(a: T[]): T[] {
  if (a.some(() => true)) throw new RangeError(`objectElements: the array is not empty (${a.length})`);
  (a as unknown[])[0] = null;
  a.length = 0;
  return a;
}

/**
 * The double fields of one shape of object (a class's instances, or what one literal
 * makes): told of each object made, it widens the first (`asDoubles`); the later ones
 * share its hidden class, so widening them again would only cost time.
 */
export class DoubleFields {
  private widened = false;

  constructor(private readonly keys: readonly string[]) {}

  made(o: object): void {
    if (this.widened) return;
    asDoubles(o, this.keys);
    this.widened = true;
  }
}
