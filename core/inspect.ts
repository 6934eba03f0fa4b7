// Text of a term as Elixir 1.14's `inspect/1` prints it (the fixtures and the oracle's
// `sample_down` were printed that way). Mirrors the `Inspect` protocol implementations in
// elixir/lib/inspect.ex (Atom, BitString, List, Tuple, Map, Integer, Float, PID, Port,
// Reference, Function, Any) and `Inspect.Algebra.container_doc/6`, with the default
// `Inspect.Opts` (limit 50, printable_limit 4096, pretty false, so no line breaks).
//
// Rules kept here:
// - Map keys print in map-key order (what `Map.to_list/1` gives for maps of up to 32 keys).
// - Pids, refs, ports and funs came from a real VM in the fixtures; here their numbers come
//   from the simulated identity (node index, id/uid), so only their shape matches.
// - Struct field order is key order (Elixir uses the definition order, which we do not keep).
// - Atom classification is exact for ASCII atoms; for non-ASCII ones Unicode letter classes
//   approximate Elixir's identifier tokenizer (script-mixing rules are not modelled).

import { assertNever, sortedEntries } from './terms.js';
import type { Atom, Bin, Bits, IList, List, MapT, Term } from './terms.js';

export type InspectOptions = {
  /** Pids/ports/refs of this node (and of 'nonode@nohost') print with node index 0. */
  readonly localNode?: string;
  /** Node index shown for other nodes' pids; defaults to a stable hash of the name. */
  readonly nodeIndex?: (node: string) => number;
  /** Whether a struct's module is loaded; unloaded ones print as maps (as Inspect.Any does). Default: all loaded. */
  readonly structLoaded?: (module: string) => boolean;
  /** Inspect.Opts `:limit` (items per collection); default 50. Use Infinity for `:infinity`. */
  readonly limit?: number;
  /** Inspect.Opts `:printable_limit` (characters of strings/charlists); default 4096. */
  readonly printableLimit?: number;
  /**
   * Print binaries larger than this many bytes as `{:"<<binary>>", size, "last 3 bytes"}`,
   * the placeholder the fixture driver substituted before inspecting. Default: off.
   */
  readonly summarizeBinariesOver?: number;
};

type Ctx = {
  readonly localNode: string | undefined;
  readonly nodeIndex: (node: string) => number;
  readonly structLoaded: (module: string) => boolean;
  readonly printableLimit: number;
  readonly summarizeBinariesOver: number;
};

const DEFAULT_LIMIT = 50;
const DEFAULT_PRINTABLE_LIMIT = 4096;
const NO_NODE = 'nonode@nohost';

/** `Kernel.inspect/2` for a term. */
export function inspect(term: Term, opts: InspectOptions = {}): string {
  const ctx: Ctx = {
    localNode: opts.localNode,
    nodeIndex: opts.nodeIndex ?? stableNodeIndex,
    structLoaded: opts.structLoaded ?? (() => true),
    printableLimit: opts.printableLimit ?? DEFAULT_PRINTABLE_LIMIT,
    summarizeBinariesOver: opts.summarizeBinariesOver ?? Infinity,
  };
  return doc(term, opts.limit ?? DEFAULT_LIMIT, ctx);
}

function doc(term: Term, limit: number, ctx: Ctx): string {
  switch (term.t) {
    case 'atom':
      return inspectAtom(term.v);
    case 'int':
      return term.v.toString();
    case 'float':
      return inspectFloat(term.v);
    case 'bin':
      return inspectBinary(term, limit, ctx);
    case 'bits':
      return inspectBits(term, limit);
    case 'tuple':
      return containerDoc('{', term.v, undefined, '}', limit, (t, l) => doc(t, l, ctx));
    case 'list':
    case 'ilist':
      return inspectList(term, limit, ctx);
    case 'map':
      return inspectMap(term, limit, ctx);
    case 'pid':
      return `#PID<${nodeIndexOf(term.node, ctx)}.${term.id}.0>`;
    case 'port':
      return `#Port<${nodeIndexOf(term.node, ctx)}.${term.uid}>`;
    case 'ref':
      return `#Reference<${nodeIndexOf(term.node, ctx)}.0.0.${term.uid}>`;
    case 'fun':
      return `#Function<${term.name}>`;
    default:
      return assertNever(term);
  }
}

// ---------------------------------------------------------------------------
// Containers (Inspect.Algebra.container_doc/6 with an infinite line width)
// ---------------------------------------------------------------------------

/**
 * Each item is printed with the limit decremented once; when the limit reaches 0 the rest
 * is shown as `...`. An improper tail is joined to the last element with ` | `.
 */
function containerDoc<T>(
  open: string,
  items: readonly T[],
  tail: T | undefined,
  close: string,
  limit: number,
  render: (item: T, limit: number) => string,
): string {
  if (items.length === 0) return open + close;
  const docs: string[] = [];
  let left = limit;
  for (let i = 0; i < items.length; i++) {
    if (left === 0) {
      docs.push('...');
      break;
    }
    left -= 1;
    const item = render(items[i] as T, left);
    const isLast = i === items.length - 1;
    docs.push(isLast && tail !== undefined ? `${item} | ${render(tail, left)}` : item);
  }
  return open + docs.join(', ') + close;
}

function inspectList(term: List | IList, limit: number, ctx: Ctx): string {
  if (term.v.length === 0 && term.t === 'list') return '[]';
  if (term.t === 'list' && isAsciiPrintableList(term, ctx.printableLimit)) {
    return inspectCharlist(term, ctx.printableLimit);
  }
  if (term.t === 'list' && isKeyword(term.v)) {
    return containerDoc('[', term.v, undefined, ']', limit, (t, l) => keywordPair(t, l, ctx));
  }
  const tail = term.t === 'ilist' ? term.tail : undefined;
  return containerDoc('[', term.v, tail, ']', limit, (t, l) => doc(t, l, ctx));
}

/** `Inspect.List.keyword?/1`: 2-tuples with atom keys, none starting with "Elixir.". */
function isKeyword(elements: readonly Term[]): boolean {
  return elements.every((e) => e.t === 'tuple' && e.v.length === 2 && isKeywordKey(e.v[0] as Term));
}

function isKeywordKey(k: Term): boolean {
  return k.t === 'atom' && !k.v.startsWith('Elixir.');
}

function keywordPair(pair: Term, limit: number, ctx: Ctx): string {
  const [k, v] = (pair as { v: readonly Term[] }).v as [Atom, Term];
  return `${inspectAtomKey(k.v)} ${doc(v, limit, ctx)}`;
}

function structModule(m: MapT): string | undefined {
  for (const [k, v] of m.v) {
    if (k.t === 'atom' && k.v === '__struct__' && v.t === 'atom') return v.v;
  }
  return undefined;
}

function inspectMap(term: MapT, limit: number, ctx: Ctx): string {
  const module = structModule(term);
  const entries = sortedEntries(term);
  // Inspect.Any prints %Mod{} only when the module is loaded and the keys are its fields
  // (atoms); otherwise it falls back to the map form, __struct__ included.
  const allAtomKeys = entries.every(([k]) => k.t === 'atom');
  if (module !== undefined && allAtomKeys && ctx.structLoaded(module)) {
    const fields = entries.filter(([k]) => !(k.t === 'atom' && k.v === '__struct__'));
    const open = `%${inspectAtom(module)}{`;
    return containerDoc(open, fields, undefined, '}', limit, ([k, v], l) => {
      return `${inspectAtomKey((k as Atom).v)} ${doc(v, l, ctx)}`;
    });
  }
  if (entries.every(([k]) => isKeywordKey(k))) {
    return containerDoc('%{', entries, undefined, '}', limit, ([k, v], l) => {
      return `${inspectAtomKey((k as Atom).v)} ${doc(v, l, ctx)}`;
    });
  }
  return containerDoc('%{', entries, undefined, '}', limit, ([k, v], l) => {
    return `${doc(k, l, ctx)} => ${doc(v, l, ctx)}`;
  });
}

// ---------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------

function nodeIndexOf(node: string, ctx: Ctx): number {
  return node === NO_NODE || node === ctx.localNode ? 0 : ctx.nodeIndex(node);
}

/** FNV-1a of the node name folded into 1..32767: stable across runs, never 0. */
export function stableNodeIndex(node: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < node.length; i++) {
    h ^= node.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % 32767) + 1;
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

/** Inspect.Float (Elixir 1.14): integral values in [1, 1e16) as "N.0", else `:io_lib_format.fwrite_g/1`. */
export function inspectFloat(f: number): string {
  const abs = Math.abs(f);
  if (abs >= 1 && abs < 1e16 && Number.isInteger(f)) return `${BigInt(f).toString()}.0`;
  return fwriteG(f);
}

/** Shortest digits and decimal exponent: f = digits × 10^place (digits without trailing zeros). */
function shortestDigits(abs: number): { digits: string; place: number } {
  const [mantissa, exp] = abs.toExponential().split('e') as [string, string];
  let digits = mantissa.replace('.', '');
  let place = Number(exp) - (digits.length - 1);
  while (digits.length > 1 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    place += 1;
  }
  return { digits, place };
}

/**
 * `io_lib_format:fwrite_g/1` (OTP 25): the shortest round-trip digits, placed in plain or
 * scientific notation, whichever is shorter; scientific always from 2^53 up.
 */
export function fwriteG(f: number): string {
  if (f === 0) return Object.is(f, -0) ? '-0.0' : '0.0';
  const sign = f < 0 ? '-' : '';
  const { digits, place } = shortestDigits(Math.abs(f));
  return sign + insertDecimal(place, digits, Math.abs(f));
}

function insertExp(exp: string, digits: string): string {
  return digits.length === 1 ? `${digits}.0e${exp}` : `${digits[0]}.${digits.slice(1)}e${exp}`;
}

function insertDecimal(place: number, s: string, abs: number): string {
  const l = s.length;
  const exp = String(place + l - 1);
  const expCost = exp.length + 2;
  if (place < 0) {
    if (place + l - 1 >= 0) return `${s.slice(0, l + place)}.${s.slice(l + place)}`;
    if (2 - place - l <= expCost) return `0.${'0'.repeat(-place - l)}${s}`;
    return insertExp(exp, s);
  }
  const dot = l === 1 ? 1 : 0;
  if (expCost + dot >= place + 2 && abs < 2 ** 53) return `${s}${'0'.repeat(place)}.0`;
  return insertExp(exp, s);
}

// ---------------------------------------------------------------------------
// Atoms (Macro.inspect_atom/2 and Macro.classify_atom/1)
// ---------------------------------------------------------------------------

const NOT_CALLABLE = new Set(['%', '%{}', '{}', '<<>>', '...', '..', '.', '..//', '->']);
const QUOTED_OPERATORS = new Set(['::', '^^^', '~~~', '<|>']);
const UNARY_OPERATORS = new Set(['&', '!', '^', 'not', '+', '-', '~~~', '@']);
// Code.Identifier.binary_op/1 minus :"//", which Macro.operator?/2 excludes.
const BINARY_OPERATORS = new Set([
  '<-', '\\\\', 'when', '::', '|', '=', '||', '|||', 'or', '&&', '&&&', 'and',
  '==', '!=', '=~', '===', '!==', '<', '<=', '>=', '>', '|>', '<<<', '>>>', '<~', '~>',
  '<<~', '~>>', '<~>', '<|>', 'in', '^^^', '++', '--', '..', '<>', '+++', '---',
  '+', '-', '*', '/', '**', '.',
]);

type AtomClass = 'alias' | 'identifier' | 'unquoted' | 'quoted';

function classifyAtom(name: string): AtomClass {
  if (NOT_CALLABLE.has(name)) return 'unquoted';
  if (QUOTED_OPERATORS.has(name)) return 'quoted';
  if (UNARY_OPERATORS.has(name) || BINARY_OPERATORS.has(name)) return 'unquoted';
  if (isValidAlias(name)) return 'alias';
  return tokenizeAtom(name);
}

/** `Elixir` followed by zero or more `.Upper[A-Za-z0-9_]*` segments. */
function isValidAlias(name: string): boolean {
  return /^Elixir(\.[A-Z][A-Za-z0-9_]*)*$/.test(name);
}

const ASCII_CONTINUE = /^[A-Za-z0-9_]$/;
const UNICODE_START = /^[\p{L}\p{Nl}]$/u;
const UNICODE_UPPER = /^[\p{Lu}\p{Lt}]$/u;
const UNICODE_CONTINUE = /^[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]$/u;

/** The identifier tokenizer (String.Tokenizer): must consume the whole name. */
function tokenizeAtom(name: string): AtomClass {
  const chars = Array.from(name);
  const first = chars[0];
  if (first === undefined) return 'quoted';
  if (!/^[A-Za-z_]$/.test(first) && !UNICODE_START.test(first)) return 'quoted';
  // An upper-case start tokenizes as an alias/atom, not an identifier: printable, not callable.
  const identifierKind = !/^[A-Z]$/.test(first) && !UNICODE_UPPER.test(first);
  let at = false;
  let i = 1;
  for (; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '?' || c === '!') {
      i += 1;
      break;
    }
    if (c === '@') at = true;
    else if (ASCII_CONTINUE.test(c)) continue;
    else if (c.charCodeAt(0) <= 127 || !UNICODE_CONTINUE.test(c)) break;
  }
  if (i < chars.length) return 'quoted';
  if (name.normalize('NFC') !== name) return 'quoted';
  return identifierKind && !at ? 'identifier' : 'unquoted';
}

/** `Macro.inspect_atom(:literal, atom)`. */
export function inspectAtom(name: string): string {
  if (name === 'nil' || name === 'true' || name === 'false') return name;
  const cls = classifyAtom(name);
  switch (cls) {
    case 'alias':
      if (name === 'Elixir' || name === 'Elixir.Elixir' || name.startsWith('Elixir.Elixir.')) return name;
      return name.slice('Elixir.'.length);
    case 'quoted':
      return `:"${escapeText(codepointsOf(name), '"', Infinity).escaped}"`;
    case 'identifier':
    case 'unquoted':
      return `:${name}`;
    default:
      return assertNever(cls);
  }
}

/** `Macro.inspect_atom(:key, atom)`: `a:`, `"with spaces":`, `"Elixir.Foo":`. */
export function inspectAtomKey(name: string): string {
  const cls = classifyAtom(name);
  switch (cls) {
    case 'alias':
      return `"${name}":`;
    case 'quoted':
      return `"${escapeText(codepointsOf(name), '"', Infinity).escaped}":`;
    case 'identifier':
    case 'unquoted':
      return `${name}:`;
    default:
      return assertNever(cls);
  }
}

// ---------------------------------------------------------------------------
// Strings, charlists, bitstrings
// ---------------------------------------------------------------------------

function codepointsOf(s: string): number[] {
  return Array.from(s, (c) => c.codePointAt(0) ?? 0);
}

/** Decodes one UTF-8 character as Erlang's `<<c::utf8>>` matches it (no overlongs, no surrogates). */
function decodeUtf8(bytes: Uint8Array, i: number): { cp: number; len: number } | undefined {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return { cp: b0, len: 1 };
  const len = b0 >= 0xf0 && b0 <= 0xf4 ? 4 : b0 >= 0xe0 ? (b0 <= 0xef ? 3 : 0) : b0 >= 0xc2 ? 2 : 0;
  if (len === 0 || i + len > bytes.length) return undefined;
  let cp = b0 & (0xff >> (len + 1));
  for (let k = 1; k < len; k++) {
    const b = bytes[i + k] ?? 0;
    if ((b & 0xc0) !== 0x80) return undefined;
    cp = (cp << 6) | (b & 0x3f);
  }
  const min = len === 2 ? 0x80 : len === 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
  return { cp, len };
}

const PRINTABLE_CONTROLS = new Set([10, 13, 9, 11, 8, 12, 27, 127, 7]); // \n\r\t\v\b\f\e\d\a

function isPrintableChar(cp: number): boolean {
  return (
    (cp >= 0x20 && cp <= 0x7e) ||
    PRINTABLE_CONTROLS.has(cp) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** `String.printable?(bin, limit)`: decodes up to `limit` characters; undefined if not printable. */
function printableChars(bytes: Uint8Array, limit: number): { cps: number[]; complete: boolean } | undefined {
  const cps: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (cps.length >= limit) return { cps, complete: false };
    const d = decodeUtf8(bytes, i);
    if (d === undefined || !isPrintableChar(d.cp)) return undefined;
    cps.push(d.cp);
    i += d.len;
  }
  return { cps, complete: true };
}

const ESCAPES: ReadonlyMap<number, string> = new Map([
  [7, '\\a'], [8, '\\b'], [127, '\\d'], [27, '\\e'], [12, '\\f'],
  [10, '\\n'], [13, '\\r'], [9, '\\t'], [11, '\\v'], [92, '\\\\'],
]);

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

/** Code.Identifier.escape_char/1. */
function escapeChar(cp: number): string {
  if (cp === 0) return '\\0';
  if (cp === 0xfeff) return '\\uFEFF';
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000) {
    return String.fromCodePoint(cp);
  }
  if (cp < 0x100) return `\\x${hex(cp, 2)}`;
  return `\\x{${hex(cp, 4)}}`;
}

/** Code.Identifier.escape/3 over code points: escapes the quote, `#{` and control characters. */
function escapeText(cps: readonly number[], quote: string, limit: number): { escaped: string; rest: boolean } {
  const q = quote.charCodeAt(0);
  let out = '';
  let count = limit;
  let i = 0;
  while (i < cps.length) {
    if (count === 0) return { escaped: out, rest: true };
    const cp = cps[i] as number;
    if (cp === q) out += `\\${quote}`;
    else if (cp === 0x23 && cps[i + 1] === 0x7b) {
      out += '\\#{';
      i += 1;
    } else out += ESCAPES.get(cp) ?? escapeChar(cp);
    i += 1;
    count -= 1;
  }
  return { escaped: out, rest: false };
}

function inspectBinary(term: Bin, limit: number, ctx: Ctx): string {
  const n = term.bytes.length;
  if (n > ctx.summarizeBinariesOver) {
    const tail3 = Array.from(term.bytes.subarray(Math.max(0, n - 3)), (b) => String.fromCharCode(b)).join('');
    return `{:"<<binary>>", ${n}, ${inspectBinary(binFromLatin1(tail3), limit, ctx)}}`;
  }
  const printable = printableChars(term.bytes, ctx.printableLimit);
  if (printable === undefined) return inspectBits(term, limit);
  const { escaped, rest } = escapeText(printable.cps, '"', ctx.printableLimit);
  return rest || !printable.complete ? `"${escaped}" <> ...` : `"${escaped}"`;
}

function binFromLatin1(s: string): Bin {
  return { t: 'bin', bytes: Uint8Array.from(s, (c) => c.charCodeAt(0)) };
}

/** Inspect.BitString's `each_bit`: bytes as integers, a final partial byte as `v::size(n)`. */
function inspectBits(term: Bin | Bits, limit: number): string {
  const total = term.t === 'bin' ? term.bytes.length * 8 : term.bitSize;
  if (total === 0) return '<<>>';
  const parts: string[] = [];
  let counter = limit;
  for (let pos = 0; pos < total; pos += 8) {
    if (counter === 0) {
      parts.push('...');
      break;
    }
    const byte = term.bytes[pos >> 3] ?? 0;
    const left = total - pos;
    if (left >= 8) parts.push(String(byte));
    else parts.push(`${byte >> (8 - left)}::size(${left})`);
    counter -= 1;
  }
  return `<<${parts.join(', ')}>>`;
}

/** `List.ascii_printable?(list, limit)`. */
function isAsciiPrintableList(term: List, limit: number): boolean {
  for (let i = 0; i < term.v.length && i < limit; i++) {
    const e = term.v[i] as Term;
    if (e.t !== 'int') return false;
    const c = Number(e.v);
    if (!((c >= 7 && c <= 13) || c === 27 || (c >= 32 && c <= 126))) return false;
  }
  return true;
}

function inspectCharlist(term: List, printableLimit: number): string {
  const cps = term.v.slice(0, printableLimit + 1).map((e) => (e.t === 'int' ? Number(e.v) : 0));
  const { escaped, rest } = escapeText(cps, "'", printableLimit);
  return rest ? `'${escaped}' ++ ...` : `'${escaped}'`;
}
