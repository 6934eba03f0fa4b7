// The digests zensim writes: SHA-256 where a digest is kept or shared (plan job ids, the
// plan's record of its scenario file, replay file names), FNV-1a 64 where one only tells
// this machine's text apart (the scenario bundle cache, the hash over several runs'
// traceHashes). node:crypto is loaded on a digest's first use, not with the module: a
// `zensim run` whose scenario bundle is cached makes none, and loading it alone costs
// ~57 M instructions (~2% of a 10-target run's).
import { createRequire } from 'node:module';

type Crypto = typeof import('node:crypto');
let crypto: Crypto | undefined;

/** The SHA-256 of `data` (a string as UTF-8), 64 hex digits. */
export function sha256Hex(data: string | Uint8Array): string {
  crypto ??= createRequire(import.meta.url)('node:crypto') as Crypto;
  return crypto.createHash('sha256').update(data).digest('hex');
}

const FNV_PRIME_LOW = 0x1b3; // the 64-bit prime is 2^40 + 0x1b3

/** FNV-1a 64 of `bytes`, 16 hex digits. Kept as two 32-bit halves: h × prime = h × 0x1b3 + (h << 40). */
export function fnv1a64Hex(bytes: Uint8Array): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    lo ^= bytes[i] as number;
    const low = (lo >>> 0) * FNV_PRIME_LOW; // < 2^41: exact
    hi = (Math.imul(hi, FNV_PRIME_LOW) + Math.floor(low / 0x1_0000_0000) + (lo << 8)) >>> 0;
    lo = low >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
