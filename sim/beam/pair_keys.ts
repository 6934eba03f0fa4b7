// The string keys of node pairs the network (network.ts) looks its state up by: a
// connection, a direction's cut, a direction's traffic counter. Each is made once per
// pair: every send looks all three up, and building them each time made three strings per
// message.
import { perPeer } from './dest.js';

const newKeyMap = (): Map<string, string> => new Map();

class PairKeys {
  private readonly byFirst = new Map<string, Map<string, string>>();
  /** The pair asked last and its key (a pair's key never changes): sends come in runs between the same two nodes. */
  private lastA: string | undefined = undefined;
  private lastB: string | undefined = undefined;
  private lastKey = '';
  constructor(private readonly make: (a: string, b: string) => string) {}

  of(a: string, b: string): string {
    if (a === this.lastA && b === this.lastB) return this.lastKey;
    const inner = perPeer(this.byFirst, a, newKeyMap);
    let key = inner.get(b);
    if (key === undefined) {
      key = this.make(a, b);
      inner.set(b, key);
    }
    this.lastA = a;
    this.lastB = b;
    this.lastKey = key;
    return key;
  }
}

const PAIR_KEYS = new PairKeys((a, b) => (a < b ? `${a}|${b}` : `${b}|${a}`));
const DIR_KEYS = new PairKeys((from, to) => `${from}>${to}`);
const TRAFFIC_KEYS = new PairKeys((from, to) => `${from}->${to}`);

/** The key of the connection between `a` and `b`, either way round. */
export function pairKey(a: string, b: string): string {
  return PAIR_KEYS.of(a, b);
}

/** The key of the direction `from` -> `to`. */
export function dirKey(from: string, to: string): string {
  return DIR_KEYS.of(from, to);
}

/** `from->to`: the key of a direction's traffic counter (`Network.traffic`). */
export function trafficKey(from: string, to: string): string {
  return TRAFFIC_KEYS.of(from, to);
}
