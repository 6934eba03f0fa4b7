// A node's memory books for what processes hold: each queued message (an envelope) adds
// its heap words, and its refc binaries (over 64 bytes) count off-heap, once per copy
// decoded from the wire but once for all local holders of the same binary (beam.md: a
// local send copies only a handle). `keep` moves a handled message into the process's
// state so that it stays counted. Used by the world, its signals and its distribution.
import { HEAP_BINARY_MAX_BYTES, type Term } from '../../core/terms.js';
import type { SimNode } from './node.js';
import type { DownSignal, Envelope, ExitMessage } from './process.js';
import { offHeapOf, wordsOf } from './sizes.js';

/**
 * A message as queued on `node`. `decoded` is true for one that came over the wire: its
 * large binaries are fresh copies. A local message shares its refc binaries with the
 * sender (beam.md: a local send copies only a handle).
 */
export function envelope(msg: unknown, node: string, decoded = false): Envelope {
  const words = wordsOf(msg, node);
  const offHeapBytes = offHeapOf(msg);
  if (offHeapBytes === 0 || decoded) return { msg, words, offHeapBytes };
  const shared = refcBinaries(msg);
  // Only what the walk can name is shared; anything else stays a copy.
  if (shared.reduce((n, [, size]) => n + size, 0) !== offHeapBytes) return { msg, words, offHeapBytes };
  return { msg, words, offHeapBytes, shared };
}

// FIX (test/sim/beam/world.test.ts "memory: a large binary sent remotely is one off-heap copy per
// message; a local send shares it"): a node's off-heap total used to add a large binary's
// bytes once per local delivery; now a shared binary counts once while any mailbox holds it.
export function account(node: SimNode, e: Envelope): void {
  node.mailboxWords += e.words;
  if (e.offHeapBytes === 0) return;
  if (e.shared === undefined) {
    node.offHeapBytes += e.offHeapBytes;
    return;
  }
  for (const [bytes, size] of e.shared) {
    const holders = node.sharedBins.get(bytes) ?? 0;
    if (holders === 0) node.offHeapBytes += size;
    node.sharedBins.set(bytes, holders + 1);
  }
}

export function unaccount(node: SimNode, e: Envelope): void {
  node.mailboxWords -= e.words;
  if (e.offHeapBytes === 0) return;
  if (e.shared === undefined) {
    node.offHeapBytes -= e.offHeapBytes;
    return;
  }
  for (const [bytes, size] of e.shared) {
    const holders = node.sharedBins.get(bytes) ?? 0;
    if (holders <= 1) {
      node.sharedBins.delete(bytes);
      node.offHeapBytes -= size;
    } else node.sharedBins.set(bytes, holders - 1);
  }
}

/** The distinct refc binaries (over 64 bytes) a message references, with their sizes. */
function refcBinaries(msg: unknown): [Uint8Array, number][] {
  const found = new Map<Uint8Array, number>();
  const walk = (t: Term): void => {
    switch (t.t) {
      case 'bin':
      case 'bits': {
        const n = t.t === 'bin' ? t.bytes.length : Math.ceil(t.bitSize / 8);
        if (n > HEAP_BINARY_MAX_BYTES) found.set(t.bytes, n);
        return;
      }
      case 'tuple':
      case 'list':
        for (const x of t.v) walk(x);
        return;
      case 'ilist':
        for (const x of t.v) walk(x);
        walk(t.tail);
        return;
      case 'map':
        for (const [k, v] of t.v) {
          walk(k);
          walk(v);
        }
        return;
      default:
        return;
    }
  };
  const m = msg as { t?: unknown; kind?: unknown };
  if (typeof m === 'object' && m !== null) {
    if (typeof m.t === 'string') walk(msg as Term);
    else if (m.kind === 'DOWN' || m.kind === 'EXIT') walk((msg as DownSignal | ExitMessage).reason);
  }
  return [...found];
}
