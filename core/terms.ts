// Erlang terms as plain TypeScript data: the values that ZenMonitor moves around
// (exit reasons, pids, refs, DOWN messages) and the measures the simulator needs of
// them (heap words, external-format bytes). Mirrors ERTS term kinds; sizes follow
// shared/spec/beam.md ("Sizes").
//
// Rules: terms are immutable once built; a binary's bytes are shared between copies
// (as refc binaries are), so copying a term is free here and its cost is accounted
// separately by size.

export type Atom = { readonly t: 'atom'; readonly v: string };
/** Integer of arbitrary size. */
export type Int = { readonly t: 'int'; readonly v: bigint };
export type Float = { readonly t: 'float'; readonly v: number };
/** Byte-aligned binary. */
export type Bin = { readonly t: 'bin'; readonly bytes: Uint8Array };
/** Bitstring whose size is not a whole number of bytes; `bytes` holds the bits zero-padded. */
export type Bits = { readonly t: 'bits'; readonly bytes: Uint8Array; readonly bitSize: number };
export type Tuple = { readonly t: 'tuple'; readonly v: readonly Term[] };
/** Proper list. */
export type List = { readonly t: 'list'; readonly v: readonly Term[] };
/** Improper list: elements then a non-list tail. */
export type IList = { readonly t: 'ilist'; readonly v: readonly Term[]; readonly tail: Term };
/** Map (structs are maps with an atom `__struct__` key). Entries keep insertion order here;
 *  term order is applied where Erlang would apply it (inspect, toJSON). */
export type MapT = { readonly t: 'map'; readonly v: readonly (readonly [Term, Term])[] };
/**
 * Process identifier. `uid` is unique in a whole simulated world (and is what tables
 * key on); `node`, `id` and `creation` are what Erlang shows and compares.
 */
export type Pid = {
  readonly t: 'pid';
  readonly uid: number;
  readonly node: string;
  readonly id: number;
  readonly creation: number;
};
/**
 * Reference; `uid` unique in a world. `alias`: a pid reference (made by `erlang:monitor/3` with
 * `{:alias, _}`); the simulator's references always say (one object shape for all of them: a
 * second shape made every reference-handling site polymorphic, ~20 bytes more allocated per event).
 */
export type Ref = { readonly t: 'ref'; readonly uid: number; readonly node: string; readonly alias?: boolean };
export type Port = { readonly t: 'port'; readonly uid: number; readonly node: string };
export type Fun = { readonly t: 'fun'; readonly name: string };

export type Term = Atom | Int | Float | Bin | Bits | Tuple | List | IList | MapT | Pid | Ref | Port | Fun;

const atomCache = new Map<string, Atom>();
/** Interned atom: the same name always gives the same object, as in the atom table. */
export function atom(name: string): Atom {
  let a = atomCache.get(name);
  if (a === undefined) {
    a = { t: 'atom', v: name };
    atomCache.set(name, a);
  }
  return a;
}

export function tuple(...v: Term[]): Tuple {
  return { t: 'tuple', v };
}

export function list(v: Term[]): List {
  return { t: 'list', v };
}

export function int(v: number | bigint): Int {
  return { t: 'int', v: BigInt(v) };
}

export function bin(bytes: Uint8Array): Bin {
  return { t: 'bin', bytes };
}

export function isAtom(term: Term, name: string): boolean {
  return term.t === 'atom' && term.v === name;
}

// ---------------------------------------------------------------------------
// More constructors
// ---------------------------------------------------------------------------

export function float(v: number): Float {
  return { t: 'float', v };
}

export function ilist(v: Term[], tail: Term): IList {
  return { t: 'ilist', v, tail };
}

export function mapOf(entries: (readonly [Term, Term])[]): MapT {
  return { t: 'map', v: entries };
}

export function bits(bytes: Uint8Array, bitSize: number): Bits {
  return { t: 'bits', bytes, bitSize };
}

/** Exhaustiveness guard for `switch (term.t)`: reaching it is a type error. */
export function assertNever(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}

// ---------------------------------------------------------------------------
// Term order (Erlang reference manual, "Term Comparisons")
// number < atom < reference < fun < port < pid < tuple < map < nil < list < bitstring
// ---------------------------------------------------------------------------

const CLASS_RANK: { readonly [K in Term['t']]: number } = {
  int: 0,
  float: 0,
  atom: 1,
  ref: 2,
  fun: 3,
  port: 4,
  pid: 5,
  tuple: 6,
  map: 7,
  list: 8, // nil is the shortest list, so lexicographic order puts it first
  ilist: 8,
  bin: 9,
  bits: 9,
};

const NIL: List = { t: 'list', v: [] };
const LIST_RANK = CLASS_RANK.list;

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares strings by Unicode code point (what Erlang does for atom text), not UTF-16 unit. */
export function compareCodepoints(a: string, b: string): number {
  // Equal texts, the usual case (pids and refs of one node: a Connector's sort of its targets), need no walk.
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i) ?? 0;
    const cb = b.codePointAt(j) ?? 0;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return sign(a.length - i - (b.length - j));
}

function compareIntFloat(i: bigint, f: number): number {
  if (Number.isInteger(f)) return cmpBig(i, BigInt(f));
  // f is not integral: i <= floor(f) means i < f, otherwise i > f.
  return i <= BigInt(Math.floor(f)) ? -1 : 1;
}

function compareNumbers(a: Int | Float, b: Int | Float): number {
  if (a.t === 'int' && b.t === 'int') return cmpBig(a.v, b.v);
  if (a.t === 'float' && b.t === 'float') return sign(a.v - b.v);
  if (a.t === 'int' && b.t === 'float') return compareIntFloat(a.v, b.v);
  if (a.t === 'float' && b.t === 'int') return -compareIntFloat(b.v, a.v);
  return 0;
}

function bitLength(t: Bin | Bits): number {
  return t.t === 'bin' ? t.bytes.length * 8 : t.bitSize;
}

function bitAt(bytes: Uint8Array, i: number): number {
  return ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
}

function compareBitstrings(a: Bin | Bits, b: Bin | Bits): number {
  const la = bitLength(a);
  const lb = bitLength(b);
  const common = Math.min(la, lb);
  const wholeBytes = common >> 3;
  for (let i = 0; i < wholeBytes; i++) {
    const d = (a.bytes[i] ?? 0) - (b.bytes[i] ?? 0);
    if (d !== 0) return sign(d);
  }
  for (let i = wholeBytes * 8; i < common; i++) {
    const d = bitAt(a.bytes, i) - bitAt(b.bytes, i);
    if (d !== 0) return d;
  }
  return sign(la - lb);
}

/** What follows the first `from` elements: the remaining cells as a list, or the tail (nil for proper lists). */
function listRest(l: List | IList, from: number): Term {
  if (from < l.v.length) {
    const rest = l.v.slice(from);
    return l.t === 'list' ? { t: 'list', v: rest } : { t: 'ilist', v: rest, tail: l.tail };
  }
  return l.t === 'list' ? NIL : l.tail;
}

function isNil(t: Term): boolean {
  return t.t === 'list' && t.v.length === 0;
}

function compareLists(a: List | IList, b: List | IList, keyOrder: boolean): number {
  const n = Math.min(a.v.length, b.v.length);
  for (let i = 0; i < n; i++) {
    const c = compareAny(a.v[i] as Term, b.v[i] as Term, keyOrder);
    if (c !== 0) return c;
  }
  const ra = listRest(a, n);
  const rb = listRest(b, n);
  // nil is the smallest list; a non-list tail is compared by its class.
  if (isNil(ra) && isNil(rb)) return 0;
  if (isNil(ra)) return CLASS_RANK[rb.t] === LIST_RANK ? -1 : sign(LIST_RANK - CLASS_RANK[rb.t]);
  if (isNil(rb)) return CLASS_RANK[ra.t] === LIST_RANK ? 1 : sign(CLASS_RANK[ra.t] - LIST_RANK);
  return compareAny(ra, rb, keyOrder);
}

/** Map entries sorted by key in map-key order (integers before equal floats). */
export function sortedEntries(m: MapT): (readonly [Term, Term])[] {
  return [...m.v].sort((x, y) => compareMapKeys(x[0], y[0]));
}

function compareMaps(a: MapT, b: MapT): number {
  if (a.v.length !== b.v.length) return sign(a.v.length - b.v.length);
  const ea = sortedEntries(a);
  const eb = sortedEntries(b);
  for (let i = 0; i < ea.length; i++) {
    const c = compareMapKeys((ea[i] as readonly [Term, Term])[0], (eb[i] as readonly [Term, Term])[0]);
    if (c !== 0) return c;
  }
  for (let i = 0; i < ea.length; i++) {
    const c = compareTerms((ea[i] as readonly [Term, Term])[1], (eb[i] as readonly [Term, Term])[1]);
    if (c !== 0) return c;
  }
  return 0;
}

function compareTuples(a: Tuple, b: Tuple, keyOrder: boolean): number {
  if (a.v.length !== b.v.length) return sign(a.v.length - b.v.length);
  for (let i = 0; i < a.v.length; i++) {
    const c = compareAny(a.v[i] as Term, b.v[i] as Term, keyOrder);
    if (c !== 0) return c;
  }
  return 0;
}

function compareIdentifiers(a: Pid | Ref | Port, b: Pid | Ref | Port): number {
  if (a.t === 'pid' && b.t === 'pid') return comparePids(a, b);
  return compareCodepoints(a.node, b.node) || sign(a.uid - b.uid);
}

/**
 * Whether two pids are the same process's (pids are values: node, id and creation), field
 * by field: a malformed pid (one without its node) is simply unequal, never a TypeError.
 */
export function samePid(a: Pid, b: Pid): boolean {
  return a.node === b.node && a.id === b.id && a.creation === b.creation;
}

/** Term order of two pids (`compareTerms` on them, without its walk through the term classes: a Connector sorts its pid targets by it). */
export function comparePids(a: Pid, b: Pid): number {
  return compareCodepoints(a.node, b.node) || sign(a.id - b.id) || sign(a.creation - b.creation);
}

function compareSameClass(a: Term, b: Term, keyOrder: boolean): number {
  switch (a.t) {
    case 'int':
    case 'float': {
      const c = compareNumbers(a, b as Int | Float);
      // In map-key order 1 and 1.0 are distinct keys and the integer sorts first.
      if (c === 0 && keyOrder && a.t !== b.t) return a.t === 'int' ? -1 : 1;
      return c;
    }
    case 'atom':
      return compareCodepoints(a.v, (b as Atom).v);
    case 'ref':
    case 'port':
    case 'pid':
      return compareIdentifiers(a, b as Pid | Ref | Port);
    case 'fun':
      return compareCodepoints(a.name, (b as Fun).name);
    case 'tuple':
      return compareTuples(a, b as Tuple, keyOrder);
    case 'map':
      return compareMaps(a, b as MapT);
    case 'list':
    case 'ilist':
      return compareLists(a, b as List | IList, keyOrder);
    case 'bin':
    case 'bits':
      return compareBitstrings(a, b as Bin | Bits);
    default:
      return assertNever(a);
  }
}

function compareAny(a: Term, b: Term, keyOrder: boolean): number {
  const ra = CLASS_RANK[a.t];
  const rb = CLASS_RANK[b.t];
  if (ra !== rb) return sign(ra - rb);
  return compareSameClass(a, b, keyOrder);
}

/**
 * Erlang term order: negative, 0 or positive. Integers and floats compare by value, so
 * `compareTerms(1, 1.0) === 0` as `1 == 1.0` in Erlang.
 */
export function compareTerms(a: Term, b: Term): number {
  return compareAny(a, b, false);
}

/**
 * Total order used for map keys (small maps keep their keys sorted this way): term order,
 * except that an integer sorts before a float of equal value.
 */
export function compareMapKeys(a: Term, b: Term): number {
  return compareAny(a, b, true);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function entriesEqual(a: readonly Term[], b: readonly Term[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!termEquals(a[i] as Term, b[i] as Term)) return false;
  return true;
}

function mapsEqual(a: MapT, b: MapT): boolean {
  if (a.v.length !== b.v.length) return false;
  const ea = sortedEntries(a);
  const eb = sortedEntries(b);
  return ea.every((e, i) => {
    const f = eb[i] as readonly [Term, Term];
    return termEquals(e[0], f[0]) && termEquals(e[1], f[1]);
  });
}

/** Exact equality (Erlang `=:=`): `1` and `1.0` differ; map entry order does not matter. */
export function termEquals(a: Term, b: Term): boolean {
  if (a === b) return true;
  if (a.t !== b.t) return false;
  switch (a.t) {
    case 'atom':
      return a.v === (b as Atom).v;
    case 'int':
      return a.v === (b as Int).v;
    case 'float':
      return a.v === (b as Float).v;
    case 'bin':
      return bytesEqual(a.bytes, (b as Bin).bytes);
    case 'bits':
      return a.bitSize === (b as Bits).bitSize && compareBitstrings(a, b as Bits) === 0;
    case 'tuple':
    case 'list':
      return entriesEqual(a.v, (b as Tuple | List).v);
    case 'ilist':
      return entriesEqual(a.v, (b as IList).v) && termEquals(a.tail, (b as IList).tail);
    case 'map':
      return mapsEqual(a, b as MapT);
    case 'pid':
    case 'ref':
    case 'port':
      return compareIdentifiers(a, b as Pid | Ref | Port) === 0;
    case 'fun':
      return a.name === (b as Fun).name;
    default:
      return assertNever(a);
  }
}

// ---------------------------------------------------------------------------
// Sizes. Sources: shared/spec/beam.md "Sizes" and the Erlang Efficiency Guide,
// "Advanced > Memory" (OTP 25, 64-bit). Convention: `heapWords` counts every word the
// term occupies INCLUDING the one word that holds it (a tuple element, a list head, a
// variable). This is the Efficiency Guide's convention ("Tuple: 2 words + the size of
// each element"), and it is `erts_debug:flat_size(T) + 1`.
// ---------------------------------------------------------------------------

/** Bytes per machine word (64-bit BEAM). */
export const WORD_BYTES = 8;
/** Largest binary stored on the process heap (ERL_ONHEAP_BIN_LIMIT); larger ones are refc. */
export const HEAP_BINARY_MAX_BYTES = 64;
/** Maps with more keys than this are HAMTs rather than flatmaps (MAP_SMALL_MAP_LIMIT). */
export const SMALL_MAP_MAX_KEYS = 32;

/** Small integers are immediates of 60 bits signed on 64-bit: [-2^59, 2^59 - 1]. */
const MAX_SMALL = (1n << 59n) - 1n;
const MIN_SMALL = -(1n << 59n);

/** Boxed float: header + 64-bit value (guide: "Float: 3 words" including the slot). */
const FLOAT_BOXED_WORDS = 2;
/** Heap binary: header + byte size, then the bytes (guide: "Binary: 3..6 words + data"). */
const HEAP_BIN_HEADER_WORDS = 2;
/** ProcBin (erl_binary.h: thing_word, size, next, val, bytes, flags): the on-heap handle of a refc binary. */
const PROC_BIN_WORDS = 6;
/** ErlSubBin (thing_word, size, offs, bitsize/bitoffs/is_writable, orig): how a non-byte-aligned bitstring is held. */
const SUB_BIN_WORDS = 5;
/** Flatmap: header, size, pointer to the keys tuple, and that tuple's header (the guide's
 *  "Small Map: 5 words", the slot included). Every copy has its own keys tuple: a map
 *  decoded from the wire, or copied into a message, does not share its keys with the
 *  sender's (beam.md's "keys tuple shared" holds only for maps built from the same one).
 *  The empty map's keys are the empty tuple, which takes no heap (below). */
const FLATMAP_HEADER_WORDS = 4;
/** OTP 25's empty tuple is one global literal: a term holding it has only its own word
 *  (erts_debug:flat_size({}) is 0, of #{} 3, measured on erts 13.1.5). */
const EMPTY_TUPLE_WORDS = 1;
/** HAMT overhead per entry beyond the key and value words (guide: "N x F words", F 1.6-1.8). */
const HAMT_WORDS_PER_ENTRY = 1.7;
/** Remote pid/port: ExternalThing (header, node, next, data); guide: "5 words for another node". */
const REMOTE_PID_WORDS = 5;
const REMOTE_PORT_WORDS = 5;
/**
 * Reference (guide, 64-bit: "4-6 words for a reference from the current local node, and 6-7
 * words for a reference from another node"). A local ordinary ref is ErtsORefThing (header,
 * then 3 id words of 32 bits and a marker: 3 words); one from another node an ExternalThing
 * (header, node, next) and its data (the id count and the 3 ids, 32 bits each: 2 words).
 * Each with the word that holds it. Measured on erts 13.1.5 (erts_debug:flat_size): 3 and 5.
 * A pid reference (`erlang:monitor/3` with `{:alias, _}`, as OTP 25's gen calls make for
 * their monitor and tag: `Ref.alias`) is one word more on its own node (measured: 4); it
 * travels and decodes as an ordinary one.
 */
const LOCAL_REF_WORDS = 4;
const LOCAL_PID_REF_WORDS = 5;
const REMOTE_REF_WORDS = 6;

/** `heapWords` of a ref made on `node` (a pid reference if `alias`), without the ref term (for a holder that keeps only its uid); `heapWords` makes the same test in line. */
export function refHeapWords(node: string, alias: boolean, localNode?: string): number {
  if (localNode !== undefined && node !== localNode) return REMOTE_REF_WORDS;
  return alias ? LOCAL_PID_REF_WORDS : LOCAL_REF_WORDS;
}
/** Fun without free variables: ErlFunThing, 5 words, and the word holding it (measured on
 *  erts 13.1.5: erts_debug:flat_size is 5 for `fn -> :ok end` and for `&:erlang.self/0`;
 *  the guide's "9..13 words" is older ERTS's). A closure adds its free variables. */
const FUN_WORDS = 6;

function absBitLength(v: bigint): number {
  const a = v < 0n ? -v : v;
  return a === 0n ? 0 : a.toString(2).length;
}

function binaryHandleWords(byteSize: number): number {
  return byteSize <= HEAP_BINARY_MAX_BYTES
    ? HEAP_BIN_HEADER_WORDS + Math.ceil(byteSize / WORD_BYTES)
    : PROC_BIN_WORDS;
}

function sumWords(ts: readonly Term[], localNode: string | undefined): number {
  let n = 0;
  for (const t of ts) n += heapWords(t, localNode);
  return n;
}

function mapWords(m: MapT, localNode: string | undefined): number {
  let contents = 0;
  for (const [k, v] of m.v) contents += heapWords(k, localNode) + heapWords(v, localNode);
  const n = m.v.length;
  const overhead =
    n === 0 ? FLATMAP_HEADER_WORDS - 1 : n <= SMALL_MAP_MAX_KEYS ? FLATMAP_HEADER_WORDS : Math.ceil(n * HAMT_WORDS_PER_ENTRY);
  return 1 + overhead + contents;
}

/**
 * Words the term takes on a process heap once copied there (a message in a mailbox),
 * including the word that holds it. A pid, port or reference counts as remote when
 * `localNode` is given and differs from its node; without `localNode` all are local.
 * Off-heap bytes of refc binaries are not included: see `refcBinaries`.
 */
export function heapWords(term: Term, localNode?: string): number {
  // The kinds messages carry most first (pids, refs, atoms, tuples): a switch on strings
  // tests its cases in order, and a pid was the tenth. Whether a pid, ref or port is
  // remote is tested in line: V8 called a helper for it (~37 instructions, 1.1 M calls in
  // a 100k herd), not inlined into this function.
  switch (term.t) {
    case 'pid':
      return localNode !== undefined && term.node !== localNode ? REMOTE_PID_WORDS : 1;
    case 'ref':
      if (localNode !== undefined && term.node !== localNode) return REMOTE_REF_WORDS;
      return term.alias === true ? LOCAL_PID_REF_WORDS : LOCAL_REF_WORDS;
    case 'atom':
      return 1;
    case 'tuple':
      // slot + header + elements (each element's word is counted by its own heapWords)
      return term.v.length === 0 ? EMPTY_TUPLE_WORDS : 2 + sumWords(term.v, localNode);
    case 'int':
      // Bignum: slot + header + one word per 64 bits of magnitude.
      return term.v >= MIN_SMALL && term.v <= MAX_SMALL ? 1 : 2 + Math.ceil(absBitLength(term.v) / 64);
    case 'float':
      return 1 + FLOAT_BOXED_WORDS;
    case 'bin':
      return 1 + binaryHandleWords(term.bytes.length);
    case 'bits':
      return 1 + SUB_BIN_WORDS + binaryHandleWords(Math.ceil(term.bitSize / 8));
    case 'list':
      // slot + one tail word per cons cell + elements (heads); [] is an immediate.
      return 1 + term.v.length + sumWords(term.v, localNode);
    case 'ilist':
      // as a list, but the last tail word holds the tail term, counted by heapWords(tail)
      return term.v.length + sumWords(term.v, localNode) + heapWords(term.tail, localNode);
    case 'map':
      return mapWords(term, localNode);
    case 'port':
      return localNode !== undefined && term.node !== localNode ? REMOTE_PORT_WORDS : 1;
    case 'fun':
      return FUN_WORDS;
    default:
      return assertNever(term);
  }
}

/**
 * The refc (off-heap) binaries of the term, every binary over 64 bytes, by identity (the
 * same `bytes` object is one refc binary), with its size in bytes: added to `found`, made
 * at the first one (most terms have none, and get no map).
 */
export function refcBinaries(term: Term, found?: Map<Uint8Array, number>): Map<Uint8Array, number> | undefined {
  // The kinds messages carry most first, as heapWords (a switch on strings tests its cases in order).
  switch (term.t) {
    case 'tuple':
    case 'list':
      for (const t of term.v) found = refcBinaries(t, found);
      return found;
    case 'pid':
    case 'ref':
    case 'atom':
    case 'int':
    case 'float':
    case 'port':
    case 'fun':
      return found;
    case 'bin':
    case 'bits': {
      const n = term.t === 'bin' ? term.bytes.length : Math.ceil(term.bitSize / 8);
      return n > HEAP_BINARY_MAX_BYTES ? (found ?? new Map()).set(term.bytes, n) : found;
    }
    case 'ilist':
      for (const t of term.v) found = refcBinaries(t, found);
      return refcBinaries(term.tail, found);
    case 'map':
      for (const [k, v] of term.v) found = refcBinaries(v, refcBinaries(k, found));
      return found;
    default:
      return assertNever(term);
  }
}

// External term format (ERTS "External Term Format" chapter); beam.md "Sizes".
/**
 * How `term_to_binary` (OTP 25, minor_version 1) writes an atom: ATOM_EXT (tag, 2-byte
 * length, one byte a character) when every character is Latin-1 (code points 0-255), else
 * SMALL_ATOM_UTF8_EXT (tag, 1-byte length) or, past 255 bytes, ATOM_UTF8_EXT (tag, 2-byte
 * length) and the UTF-8 text. The distribution's atom cache is sim/beam/wire.ts.
 */
const ATOM_EXT_OVERHEAD = 3;
const SMALL_ATOM_UTF8_EXT_OVERHEAD = 2;
const SMALL_ATOM_MAX_BYTES = 255;
/** NEW_PID_EXT: tag + node atom + id (4) + serial (4) + creation (4). */
export const PID_EXT_FIXED = 13;
/** NEWER_REFERENCE_EXT: tag + len (2) + node atom + creation (4) + 3 id words (12). */
export const REF_EXT_FIXED = 19;
/** NEW_PORT_EXT: tag + node atom + id (4) + creation (4). */
export const PORT_EXT_FIXED = 9;
/** NEW_FUN_EXT without free variables: size, arity, uniq(16), index, numfree, module, old index/uniq, pid. */
const FUN_EXT_BYTES = 40;
/** STRING_EXT holds lists of bytes (0..255) of up to 65535 elements. */
const STRING_EXT_MAX = 65535;

const utf8 = new TextEncoder();

function atomExtBytes(name: string): number {
  let chars = 0;
  let latin1 = true;
  for (const c of name) {
    chars++;
    if ((c.codePointAt(0) as number) > 0xff) latin1 = false;
  }
  if (latin1) return ATOM_EXT_OVERHEAD + chars;
  const bytes = utf8.encode(name).length;
  return (bytes <= SMALL_ATOM_MAX_BYTES ? SMALL_ATOM_UTF8_EXT_OVERHEAD : ATOM_EXT_OVERHEAD) + bytes;
}

function intExtBytes(v: bigint): number {
  if (v >= 0n && v <= 255n) return 2; // SMALL_INTEGER_EXT
  if (v >= -(1n << 31n) && v < 1n << 31n) return 5; // INTEGER_EXT
  const n = Math.ceil(absBitLength(v) / 8);
  return n <= 255 ? 3 + n : 6 + n; // SMALL_BIG_EXT : LARGE_BIG_EXT
}

function isByteList(l: List): boolean {
  return (
    l.v.length > 0 &&
    l.v.length <= STRING_EXT_MAX &&
    l.v.every((e) => e.t === 'int' && e.v >= 0n && e.v <= 255n)
  );
}

/** How an atom is encoded: its full text (term_to_binary), or a reference into an atom cache. */
export type AtomBytes = (name: string) => number;

function sumExt(ts: readonly Term[], atomBytes: AtomBytes): number {
  let n = 0;
  for (const t of ts) n += externalBytes(t, atomBytes);
  return n;
}

/**
 * Bytes of the term in the external term format, without the leading version byte. Atoms
 * (and the node names inside pids, refs and ports) cost `atomBytes` each: their full text
 * by default, as `term_to_binary` writes them; the distribution passes its atom cache.
 */
export function externalBytes(term: Term, atomBytes: AtomBytes = atomExtBytes): number {
  switch (term.t) {
    case 'atom':
      return atomBytes(term.v);
    case 'int':
      return intExtBytes(term.v);
    case 'float':
      return 9; // NEW_FLOAT_EXT
    case 'bin':
      return 5 + term.bytes.length; // BINARY_EXT
    case 'bits':
      return 6 + Math.ceil(term.bitSize / 8); // BIT_BINARY_EXT
    case 'tuple':
      return (term.v.length <= 255 ? 2 : 5) + sumExt(term.v, atomBytes); // SMALL_/LARGE_TUPLE_EXT
    case 'list':
      if (term.v.length === 0) return 1; // NIL_EXT
      if (isByteList(term)) return 3 + term.v.length; // STRING_EXT
      return 5 + sumExt(term.v, atomBytes) + 1; // LIST_EXT ... NIL_EXT
    case 'ilist':
      return 5 + sumExt(term.v, atomBytes) + externalBytes(term.tail, atomBytes);
    case 'map':
      return 5 + term.v.reduce((acc, [k, v]) => acc + externalBytes(k, atomBytes) + externalBytes(v, atomBytes), 0); // MAP_EXT
    case 'pid':
      return PID_EXT_FIXED + atomBytes(term.node);
    case 'ref':
      return REF_EXT_FIXED + atomBytes(term.node);
    case 'port':
      return PORT_EXT_FIXED + atomBytes(term.node);
    case 'fun':
      return FUN_EXT_BYTES;
    default:
      return assertNever(term);
  }
}

/** `byte_size(term_to_binary(term))`: the version byte (131) plus the encoded term. */
export function externalBytesTop(term: Term): number {
  return 1 + externalBytes(term);
}
