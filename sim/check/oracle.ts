// The checker's own Truncator: the reason a subscriber must see for a target that exited
// with `reason`, written from shared/spec/zenmonitor.md §8 and the measured vectors'
// observations (shared/fixtures/README.md, "Truncator edge cases"), independently of
// core/truncator.ts, so that the properties judge core's Truncator rather than repeat it
// (test/sim/check/oracle.test.ts holds it to every measured vector).
//
// Rules, in the spec's order: a top-level `{:shutdown, _}` passes whole; at or below the
// depth limit everything is `:truncated`; scalars pass; a binary passes up to
// max_binary_size bytes (1024 by default) and is cut to 3 bytes fewer and "..." beyond (a
// bitstring of at least that many whole bytes too); tuples and proper lists of at most 4 elements, maps of at most 4 entries and
// structs of at most 4 fields keep their shape one level deeper; anything else is
// `:truncated`.
import { assertNever, atom, type Term } from '../../core/terms.js';

/** `:max_binary_size`'s default. */
const LIMIT_BYTES = 1024;
const MAX_ELEMENTS = 4;
const TRUNCATED = atom('truncated');
const DOTS = [46, 46, 46];

/** What `ZenMonitor.Truncator.truncate(reason, depth)` returns, per the spec, for a library compiled with `limitBytes` as `:max_binary_size`. */
export function expectedTruncation(reason: Term, depth: number, limitBytes = LIMIT_BYTES): Term {
  if (reason.t === 'tuple' && reason.v.length === 2 && isAtomNamed(reason.v[0], 'shutdown')) return reason;
  return at(reason, 0, depth, limitBytes);
}

function at(term: Term, level: number, depth: number, limitBytes: number): Term {
  if (level >= depth) return TRUNCATED;
  const deeper = (x: Term): Term => at(x, level + 1, depth, limitBytes);
  switch (term.t) {
    case 'atom':
    case 'int':
    case 'float':
    case 'pid':
    case 'ref':
    case 'port':
      return term;
    case 'bin':
      return term.bytes.length <= limitBytes ? term : cut(term.bytes, limitBytes - 3);
    case 'bits':
      return Math.floor(term.bitSize / 8) >= limitBytes - 3 ? cut(term.bytes, limitBytes - 3) : TRUNCATED;
    case 'tuple':
      return term.v.length <= MAX_ELEMENTS ? { t: 'tuple', v: term.v.map(deeper) } : TRUNCATED;
    case 'list':
      return term.v.length <= MAX_ELEMENTS ? { t: 'list', v: term.v.map(deeper) } : TRUNCATED;
    case 'map': {
      const isTag = ([k, v]: readonly [Term, Term]) => isAtomNamed(k, '__struct__') && v.t === 'atom';
      const fields = term.v.filter((e) => !isTag(e));
      if (fields.length > MAX_ELEMENTS) return TRUNCATED;
      return { t: 'map', v: term.v.map((e) => (isTag(e) ? e : ([e[0], deeper(e[1])] as const))) };
    }
    case 'ilist':
    case 'fun':
      return TRUNCATED;
    default:
      return assertNever(term);
  }
}

/** The first `keep` bytes and "...". */
function cut(bytes: Uint8Array, keep: number): Term {
  const out = new Uint8Array(keep + DOTS.length);
  out.set(bytes.subarray(0, keep));
  out.set(DOTS, keep);
  return { t: 'bin', bytes: out };
}

function isAtomNamed(t: Term | undefined, name: string): boolean {
  return t !== undefined && t.t === 'atom' && t.v === name;
}
