// The recorder's sets of uids (the watched processes, the DOWNs' refs seen): a bit per
// uid, asked at every delivery and every DOWN. A module of its own so that recorder.ts
// stays within 650 lines.

/**
 * A set of uids: one bit each for the world's ref and pid uids (counted from 0), where a
 * Set of 100,000 DOWNs' refs was a hash table megabytes wide; any other number in a Set.
 */
export class UidSet {
  private bits = new Uint32Array(1024);
  private readonly others = new Set<number>();

  has(uid: number): boolean {
    if (!isSmallUid(uid)) return this.others.has(uid);
    const word = uid >>> 5;
    return word < this.bits.length && ((this.bits[word] as number) & (1 << (uid & 31))) !== 0;
  }

  /** Adds `uid`: true if it was not in the set (one look where `has` then `add` took two). */
  add(uid: number): boolean {
    if (!isSmallUid(uid)) {
      if (this.others.has(uid)) return false;
      this.others.add(uid);
      return true;
    }
    const word = uid >>> 5;
    if (word >= this.bits.length) {
      let length = this.bits.length * 2;
      while (length <= word) length *= 2;
      const grown = new Uint32Array(length);
      grown.set(this.bits);
      this.bits = grown;
    }
    const bit = 1 << (uid & 31);
    const held = this.bits[word] as number;
    if ((held & bit) !== 0) return false;
    this.bits[word] = held | bit;
    return true;
  }
}

function isSmallUid(uid: number): boolean {
  return (uid | 0) === uid && uid >= 0; // a non-negative 31-bit integer
}
