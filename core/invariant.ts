// Cheap runtime checks around core/ state transitions (TigerBeetle-style assertions).
// A failed invariant is a bug in zensim itself, never a modelled BEAM failure, so it
// throws a plain Error that the simulator reports with the seed.

export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

/** Throws an InvariantError with `message` unless `condition` holds. */
export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new InvariantError(typeof message === 'function' ? message() : message);
  }
}
