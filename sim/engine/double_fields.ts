// How V8 stores the simulator's fractional counters. V8 holds a number field as a small
// integer (Smi) until a fraction is stored in it; it then retires the hidden class of
// every object of that shape and deoptimizes each function compiled against it, which
// the run compiles again. The simulator's µs and byte counters start at a whole 0 and
// take their first fraction a few thousand events in, once its hot functions are
// compiled (a 10k herd: 8 such fields, then bursts of up to 20 deoptimizations each).
// Storing a fraction in them as each object is made, then the start value again, has V8
// hold them as doubles from the first object on. Only V8's bookkeeping changes: the
// values the simulation reads are the same.

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
