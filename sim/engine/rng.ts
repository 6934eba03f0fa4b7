// Seeded randomness for a simulated world. Every consumer draws from its own stream,
// derived from the run's seed and a stable name (`1/network`, `1/node:b/spawn`), so a
// new consumer never shifts the numbers another one sees. This is the only module that
// imports seedrandom; nothing in core/ or sim/ reaches for ambient randomness.
import seedrandom from 'seedrandom';

/** One named stream: alea, drawing full 53-bit doubles. */
export class Rng {
  private readonly next: () => number;

  constructor(seed: number | string, name: string) {
    const gen = seedrandom.alea(`${seed}/${name}`);
    this.next = () => gen.double();
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  /** Exponentially distributed with the given mean. */
  exp(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

/** The root of a run's randomness: hands out named streams, one per name. */
export class RngRoot {
  private readonly streams = new Map<string, Rng>();

  constructor(readonly seed: number | string) {}

  stream(name: string): Rng {
    let rng = this.streams.get(name);
    if (rng === undefined) {
      rng = new Rng(this.seed, name);
      this.streams.set(name, rng);
    }
    return rng;
  }
}
