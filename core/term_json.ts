// The JSON term encoding of shared/fixtures (README, "JSON term encoding"): how the oracle
// wrote real Erlang terms so zensim can replay them. No upstream module; this is the
// bridge between the measured vectors and `core/terms.ts`.
//
// Rules kept here:
// - Binaries over 64 bytes are stored as a digest. They are rebuilt as a prefix of the
//   repeated text "abcdefghijklmnopqrstuvwxyz0123456789", or, for Truncator outputs, as a
//   prefix ending in "...", and checked against the sha256; no match throws rather than
//   yielding a term that is silently different.
// - Bitstrings are rebuilt the same way (prefix, last byte masked to the bit size); short
//   ones (<= 16 bits) that are not a prefix are found by trying every value, long ones by
//   trying every value of their trailing bits after whole bytes of the fixture text. If
//   none works, a long Bits is still the fixture text (a short one zeros) and its digest
//   is remembered, so `toJSON` still reproduces the input.
// - Pids, refs, ports and funs are labels ("P1", "R1", "Port1", "F1"); a `labels` map
//   shared by the calls for one vector makes equal labels the same object.
// - `toJSON` sorts map pairs in map-key order and writes structs as {"t":"struct"}.

import { createHash } from 'node:crypto';
import { assertNever, atom, compareMapKeys, samePid } from './terms.js';
import type { Bin, Bits, Fun, MapT, Pid, Port, Ref, Term } from './terms.js';
import { inspectFloat } from './inspect.js';

export type PairJSON = [TermJSON, TermJSON];
export type TermJSON =
  | { t: 'atom'; v: string }
  | { t: 'int'; v: string }
  | { t: 'float'; v: string }
  | { t: 'bin'; size: number; sha256: string; head: string; tail3: string; full?: string }
  | { t: 'bits'; bit_size: number; sha256: string }
  | { t: 'tuple'; v: TermJSON[] }
  | { t: 'list'; v: TermJSON[] }
  | { t: 'ilist'; v: TermJSON[]; tail: TermJSON }
  | { t: 'map'; v: PairJSON[] }
  | { t: 'struct'; module: string; v: PairJSON[] }
  | { t: 'pid' | 'ref' | 'port' | 'fun'; v: string };

/** Label → identity, shared by the input and outputs of one vector. */
export type Labels = Map<string, Term>;

/** The text the fixture binaries are prefixes of. */
export const FIXTURE_TEXT = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Binaries up to this size carry their bytes in `full`. */
const FULL_MAX_BYTES = 64;
const HEAD_BYTES = 16;
const TAIL_BYTES = 3;
/** Bitstrings up to this many bits may be recovered by trying every value. */
const BITS_SEARCH_MAX = 16;
const DEFAULT_NODE = 'nonode@nohost';
const ELLIPSIS = new Uint8Array([0x2e, 0x2e, 0x2e]); // "..."

const LABEL_PREFIX = { pid: 'P', ref: 'R', port: 'Port', fun: 'F' } as const;
type LabelKind = keyof typeof LABEL_PREFIX;

/** Digests of bitstrings whose bits could not be recovered (see header). */
const unrecoveredBits = new WeakMap<Bits, string>();

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function latin1ToBytes(s: string, where: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new Error(`${where}: character ${c} is not latin-1`);
    out[i] = c;
  }
  return out;
}

function bytesToLatin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** The first `n` bytes of the repeated fixture text. */
export function fixtureText(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = FIXTURE_TEXT.charCodeAt(i % FIXTURE_TEXT.length);
  return out;
}

// ---------------------------------------------------------------------------
// fromJSON
// ---------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function fail(where: string, what: string): never {
  throw new Error(`fromJSON at ${where}: ${what}`);
}

function field<T>(o: Obj, key: string, type: 'string' | 'number', where: string): T {
  const v = o[key];
  if (typeof v !== type) fail(where, `field "${key}" must be a ${type}`);
  return v as T;
}

function array(o: Obj, key: string, where: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(where, `field "${key}" must be an array`);
  return v;
}

/** Decodes one JSON-encoded term; `labels` makes equal labels the same pid/ref/port/fun. */
export function fromJSON(json: unknown, labels: Labels = new Map()): Term {
  return decode(json, labels, '$');
}

function decode(json: unknown, labels: Labels, where: string): Term {
  if (typeof json !== 'object' || json === null) fail(where, 'expected an object');
  const o = json as Obj;
  const t = o['t'];
  switch (t) {
    case 'atom':
      return atom(field<string>(o, 'v', 'string', where));
    case 'int':
      return { t: 'int', v: BigInt(field<string>(o, 'v', 'string', where)) };
    case 'float':
      return decodeFloat(field<string>(o, 'v', 'string', where), where);
    case 'bin':
      return decodeBin(o, where);
    case 'bits':
      return decodeBits(o, where);
    case 'tuple':
    case 'list':
      return { t, v: array(o, 'v', where).map((e, i) => decode(e, labels, `${where}.v[${i}]`)) };
    case 'ilist':
      return {
        t,
        v: array(o, 'v', where).map((e, i) => decode(e, labels, `${where}.v[${i}]`)),
        tail: decode(o['tail'], labels, `${where}.tail`),
      };
    case 'map':
      return { t: 'map', v: decodePairs(o, labels, where) };
    case 'struct': {
      const tag = [atom('__struct__'), atom(field<string>(o, 'module', 'string', where))] as const;
      return { t: 'map', v: [tag, ...decodePairs(o, labels, where)] };
    }
    case 'pid':
    case 'ref':
    case 'port':
    case 'fun':
      return decodeLabel(t, field<string>(o, 'v', 'string', where), labels, where);
    default:
      return fail(where, `unknown term type ${JSON.stringify(t)}`);
  }
}

function decodeFloat(text: string, where: string): Term {
  const v = Number(text);
  if (!Number.isFinite(v)) fail(where, `bad float ${text}`);
  return { t: 'float', v };
}

function decodePairs(o: Obj, labels: Labels, where: string): (readonly [Term, Term])[] {
  return array(o, 'v', where).map((p, i) => {
    const at = `${where}.v[${i}]`;
    if (!Array.isArray(p) || p.length !== 2) fail(at, 'expected a [key, value] pair');
    return [decode(p[0], labels, `${at}[0]`), decode(p[1], labels, `${at}[1]`)] as const;
  });
}

/**
 * Candidate contents of a binary given only its size: the fixture text prefix, or (for
 * Truncator outputs) a shorter prefix followed by "...". The sha256 picks one.
 */
function binCandidates(size: number): Uint8Array[] {
  const plain = fixtureText(size);
  if (size < ELLIPSIS.length) return [plain];
  const cut = fixtureText(size);
  cut.set(ELLIPSIS, size - ELLIPSIS.length);
  return [plain, cut];
}

function decodeBin(o: Obj, where: string): Bin {
  const size = field<number>(o, 'size', 'number', where);
  const sha = field<string>(o, 'sha256', 'string', where);
  const full = o['full'];
  const candidates = typeof full === 'string' ? [latin1ToBytes(full, where)] : binCandidates(size);
  for (const bytes of candidates) {
    if (bytes.length !== size) fail(where, `"full" has ${bytes.length} bytes, size says ${size}`);
    if (sha256Hex(bytes) === sha) return { t: 'bin', bytes };
  }
  return fail(where, `binary of ${size} bytes is neither the fixture text prefix nor such a prefix ending in "..." (sha256 ${sha} matches neither)`);
}

function maskBits(bytes: Uint8Array, bitSize: number): Uint8Array {
  const rem = bitSize % 8;
  const last = bytes.length - 1;
  if (rem !== 0 && last >= 0) bytes[last] = (bytes[last] ?? 0) & ((0xff << (8 - rem)) & 0xff);
  return bytes;
}

/** Every bitstring of `bitSize` bits, as zero-padded bytes, smallest value first. */
function* allBitstrings(bitSize: number): Generator<Uint8Array> {
  const nBytes = Math.ceil(bitSize / 8);
  const pad = nBytes * 8 - bitSize;
  for (let v = 0; v < 2 ** bitSize; v++) {
    const bytes = new Uint8Array(nBytes);
    let x = v * 2 ** pad;
    for (let i = nBytes - 1; i >= 0; i--) {
      bytes[i] = x % 256;
      x = Math.floor(x / 256);
    }
    yield bytes;
  }
}

function decodeBits(o: Obj, where: string): Bits {
  const bitSize = field<number>(o, 'bit_size', 'number', where);
  const sha = field<string>(o, 'sha256', 'string', where);
  const nBytes = Math.ceil(bitSize / 8);
  const prefix = maskBits(fixtureText(nBytes), bitSize);
  if (sha256Hex(prefix) === sha) return { t: 'bits', bytes: prefix, bitSize };
  const candidates = bitSize <= BITS_SEARCH_MAX ? allBitstrings(bitSize) : textWithTails(bitSize);
  for (const bytes of candidates) {
    if (sha256Hex(bytes) === sha) return { t: 'bits', bytes, bitSize };
  }
  // Unrecovered: the fixture text still (a large bitstring is one, as binaries are), with its digest remembered.
  const unknown: Bits = { t: 'bits', bytes: bitSize <= BITS_SEARCH_MAX ? new Uint8Array(nBytes) : prefix, bitSize };
  unrecoveredBits.set(unknown, sha);
  return unknown;
}

/**
 * A large bitstring as the oracle builds one: whole bytes of the fixture text followed by
 * its trailing bits (`<<text::binary, tail::size(n)>>`), each possible tail, smallest first.
 */
function* textWithTails(bitSize: number): Generator<Uint8Array> {
  const whole = Math.floor(bitSize / 8);
  const rem = bitSize % 8;
  if (rem === 0) {
    yield fixtureText(whole);
    return;
  }
  for (let v = 0; v < 2 ** rem; v++) {
    const bytes = new Uint8Array(whole + 1);
    bytes.set(fixtureText(whole));
    bytes[whole] = (v << (8 - rem)) & 0xff;
    yield bytes;
  }
}

function labelNumber(label: string, kind: LabelKind, where: string): number {
  const m = new RegExp(`^${LABEL_PREFIX[kind]}(\\d+)$`).exec(label);
  if (m === null) fail(where, `label ${label} is not a ${kind} label`);
  return Number(m[1]);
}

function decodeLabel(kind: LabelKind, label: string, labels: Labels, where: string): Term {
  const known = labels.get(label);
  if (known !== undefined) {
    if (known.t !== kind) fail(where, `label ${label} is a ${known.t}, not a ${kind}`);
    return known;
  }
  const n = labelNumber(label, kind, where);
  const made = makeIdentity(kind, n, label);
  labels.set(label, made);
  return made;
}

function makeIdentity(kind: LabelKind, n: number, label: string): Pid | Ref | Port | Fun {
  switch (kind) {
    case 'pid':
      return { t: 'pid', uid: n, node: DEFAULT_NODE, id: n, creation: 0 };
    case 'ref':
      return { t: 'ref', uid: n, node: DEFAULT_NODE, alias: false };
    case 'port':
      return { t: 'port', uid: n, node: DEFAULT_NODE };
    case 'fun':
      return { t: 'fun', name: label };
    default:
      return assertNever(kind);
  }
}

// ---------------------------------------------------------------------------
// toJSON
// ---------------------------------------------------------------------------

/** Encodes a term; pids/refs/ports/funs get the label they have in `labels`, or a new one. */
export function toJSON(term: Term, labels: Labels = new Map()): TermJSON {
  switch (term.t) {
    case 'atom':
      return { t: 'atom', v: term.v };
    case 'int':
      return { t: 'int', v: term.v.toString() };
    case 'float':
      return { t: 'float', v: inspectFloat(term.v) };
    case 'bin':
      return encodeBin(term.bytes);
    case 'bits':
      return { t: 'bits', bit_size: term.bitSize, sha256: unrecoveredBits.get(term) ?? bitsDigest(term) };
    case 'tuple':
    case 'list':
      return { t: term.t, v: term.v.map((e) => toJSON(e, labels)) };
    case 'ilist':
      return { t: 'ilist', v: term.v.map((e) => toJSON(e, labels)), tail: toJSON(term.tail, labels) };
    case 'map':
      return encodeMap(term, labels);
    case 'pid':
    case 'ref':
    case 'port':
    case 'fun':
      return { t: term.t, v: labelOf(term, labels) };
    default:
      return assertNever(term);
  }
}

function encodeBin(bytes: Uint8Array): TermJSON {
  const size = bytes.length;
  const out: TermJSON = {
    t: 'bin',
    size,
    sha256: sha256Hex(bytes),
    head: bytesToLatin1(bytes.subarray(0, HEAD_BYTES)),
    tail3: bytesToLatin1(bytes.subarray(Math.max(0, size - TAIL_BYTES))),
  };
  if (size <= FULL_MAX_BYTES) out.full = bytesToLatin1(bytes);
  return out;
}

function bitsDigest(term: Bits): string {
  return sha256Hex(maskBits(term.bytes.slice(0, Math.ceil(term.bitSize / 8)), term.bitSize));
}

function encodeMap(term: MapT, labels: Labels): TermJSON {
  const tag = term.v.find(([k, v]) => k.t === 'atom' && k.v === '__struct__' && v.t === 'atom');
  const rest = tag === undefined ? term.v : term.v.filter((e) => e !== tag);
  const pairs = [...rest]
    .sort((a, b) => compareMapKeys(a[0], b[0]))
    .map(([k, v]): PairJSON => [toJSON(k, labels), toJSON(v, labels)]);
  if (tag === undefined) return { t: 'map', v: pairs };
  return { t: 'struct', module: (tag[1] as { v: string }).v, v: pairs };
}

function sameIdentity(a: Term, b: Pid | Ref | Port | Fun): boolean {
  if (a === b) return true;
  if (a.t !== b.t) return false;
  switch (b.t) {
    case 'pid':
      return samePid(a as Pid, b);
    case 'ref':
    case 'port':
      return (a as Ref | Port).node === b.node && (a as Ref | Port).uid === b.uid;
    case 'fun':
      return (a as Fun).name === b.name;
    default:
      return assertNever(b);
  }
}

function labelOf(term: Pid | Ref | Port | Fun, labels: Labels): string {
  for (const [label, known] of labels) if (sameIdentity(known, term)) return label;
  const prefix = LABEL_PREFIX[term.t];
  let n = 1;
  while (labels.has(`${prefix}${n}`)) n += 1;
  const label = `${prefix}${n}`;
  labels.set(label, term);
  return label;
}
