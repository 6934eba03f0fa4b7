// The Truncator: bounds the size of an exit reason before the Proxy batches it, so that
// many individually small :DOWN reasons cannot add up to an unsendable summary.
// Mirrors `ZenMonitor.Truncator` (zen_monitor 2.1.0, lib/zen_monitor/truncator.ex);
// behaviour per shared/spec/zenmonitor.md §8 and the measured vectors in
// shared/fixtures/truncator-vectors.json.
//
// Rules kept here:
// - The clause order is the upstream one: top-level `{:shutdown, _}` first, then the depth
//   check, then the per-kind rules; anything not matched becomes `:truncated`.
// - Nothing is copied when nothing changes: a subterm that passes untouched is returned as
//   the same object (Erlang would share it too), so callers may test identity.
// - A bitstring of at least max_binary_size - 3 whole bytes is cut like a binary, trailing
//   bits included (upstream matches `<<chunk::binary-size(1021), _::bits>>`); a shorter
//   bitstring that is not byte-aligned falls through to `:truncated`.

import { atom, assertNever } from './terms.js';
import type { Bin, Bits, IList, List, MapT, Term, Tuple } from './terms.js';

/** `:max_binary_size`, fixed at compile time upstream; the library default. */
export const MAX_BINARY_SIZE = 1024;
/** `:truncation_depth`, fixed at compile time upstream; the library default. */
export const TRUNCATION_DEPTH = 3;
/** Tuples and lists with more elements than this become `:truncated`. */
const MAX_CONTAINER_ELEMENTS = 4;
/** Maps (and a struct's fields) with this many entries or more become `:truncated`. */
const MAP_SIZE_LIMIT = 5;

const ELLIPSIS = new Uint8Array([0x2e, 0x2e, 0x2e]); // "..."
const TRUNCATED = atom('truncated');

/**
 * `ZenMonitor.Truncator.truncate/2`, for a library compiled with `depth` as
 * `:truncation_depth` and `maxBinarySize` as `:max_binary_size`.
 */
export function truncate(term: Term, depth: number = TRUNCATION_DEPTH, maxBinarySize: number = MAX_BINARY_SIZE): Term {
  return truncateAt(term, 0, depth, maxBinarySize);
}

function isTopLevelShutdown(term: Term, current: number): boolean {
  return current === 0 && term.t === 'tuple' && term.v.length === 2 && isShutdownAtom(term.v[0]);
}

function isShutdownAtom(t: Term | undefined): boolean {
  return t !== undefined && t.t === 'atom' && t.v === 'shutdown';
}

function truncateAt(term: Term, current: number, depth: number, maxBinarySize: number): Term {
  if (isTopLevelShutdown(term, current)) return term;
  if (current >= depth) return TRUNCATED;
  switch (term.t) {
    case 'atom':
    case 'int':
    case 'float':
    case 'pid':
    case 'ref':
    case 'port':
      return term;
    case 'bin':
    case 'bits':
      return truncateBitstring(term, maxBinarySize);
    case 'tuple':
      return truncateTuple(term, current, depth, maxBinarySize);
    case 'list':
      return truncateList(term, current, depth, maxBinarySize);
    case 'map':
      return truncateMap(term, current, depth, maxBinarySize);
    case 'ilist':
    case 'fun':
      return TRUNCATED;
    default:
      return assertNever(term);
  }
}

function truncateBitstring(term: Bin | Bits, maxBinarySize: number): Term {
  if (term.t === 'bin' && term.bytes.length <= maxBinarySize) return term;
  const kept = maxBinarySize - ELLIPSIS.length;
  const wholeBytes = term.t === 'bin' ? term.bytes.length : Math.floor(term.bitSize / 8);
  if (wholeBytes < kept) return TRUNCATED;
  const out = new Uint8Array(maxBinarySize);
  out.set(term.bytes.subarray(0, kept));
  out.set(ELLIPSIS, kept);
  return { t: 'bin', bytes: out };
}

/** Truncates each element at `next`; returns the input array itself if none changed. */
function truncateEach(elements: readonly Term[], next: number, depth: number, maxBinarySize: number): readonly Term[] {
  let out: Term[] | undefined;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i] as Term;
    const t = truncateAt(e, next, depth, maxBinarySize);
    if (t !== e && out === undefined) out = elements.slice(0, i);
    if (out !== undefined) out.push(t);
  }
  return out ?? elements;
}

function truncateTuple(term: Tuple, current: number, depth: number, maxBinarySize: number): Term {
  if (term.v.length > MAX_CONTAINER_ELEMENTS) return TRUNCATED;
  const v = truncateEach(term.v, current + 1, depth, maxBinarySize);
  return v === term.v ? term : { t: 'tuple', v };
}

function truncateList(term: List | IList, current: number, depth: number, maxBinarySize: number): Term {
  if (term.t === 'ilist' || term.v.length > MAX_CONTAINER_ELEMENTS) return TRUNCATED;
  const v = truncateEach(term.v, current + 1, depth, maxBinarySize);
  return v === term.v ? term : { t: 'list', v };
}

function isStructTag(key: Term, value: Term): boolean {
  return key.t === 'atom' && key.v === '__struct__' && value.t === 'atom';
}

/**
 * Maps keep their keys and truncate their values at `current + 1`. A struct (an atom
 * `__struct__` entry, module known or not) has its tag set aside and its other fields
 * treated as a map at the same `current`, so only the fields count towards the limit.
 */
function truncateMap(term: MapT, current: number, depth: number, maxBinarySize: number): Term {
  const isStruct = term.v.some(([k, v]) => isStructTag(k, v));
  const fields = isStruct ? term.v.length - 1 : term.v.length;
  if (fields >= MAP_SIZE_LIMIT) return TRUNCATED;
  let out: (readonly [Term, Term])[] | undefined;
  for (let i = 0; i < term.v.length; i++) {
    const entry = term.v[i] as readonly [Term, Term];
    const [k, v] = entry;
    const t = isStruct && isStructTag(k, v) ? v : truncateAt(v, current + 1, depth, maxBinarySize);
    if (t !== v && out === undefined) out = term.v.slice(0, i);
    if (out !== undefined) out.push(t === v ? entry : [k, t]);
  }
  return out === undefined ? term : { t: 'map', v: out };
}
