// What a distribution message costs on the wire (OTP 25, `inet_tcp_dist`, the default
// flags): a 4-byte packet length, the distribution header with its atom cache, the
// control message and the payload. Mirrors erts/emulator/beam/dist.c and external.c
// (`erts_encode_ext_dist_header_*`, `atom2cix`, the fragmented header of dist.h).
//
// Rules kept here:
// - Each direction of a connection has its own output atom cache of 2039 slots
//   (ERTS_USE_ATOM_CACHE_SIZE), indexed by the atom's index in the sending node's atom
//   table. An atom of a message whose slot already holds it costs one byte in the
//   header; one that is new (or whose slot another atom took) is written out once there,
//   with its text; in the control message and payload every atom is a 2-byte
//   ATOM_CACHE_REF. A message uses at most 255 cache references; further atoms go inline.
//   A new connection starts with empty caches (network.ts makes them per connection).
// - Control messages are the OTP 25 ones for the flags a 25 node negotiates: SEND_SENDER,
//   REG_SEND, ALIAS_SEND, MONITOR_P, DEMONITOR_P, LINK, UNLINK_ID, and the PAYLOAD_
//   variants of MONITOR_P_EXIT, EXIT and EXIT2 (the reason travels as the payload).
// - Fragments (dist.c, erts_dsig_send; measured on OTP 25.2.3, erts 13.1.5): the sender
//   sizes a message before it knows which atoms the cache holds, every atom at its full
//   text, and sets up one that this estimate puts over 64 KiB as fragmented: its header
//   starts with the 18-byte fragment header. It then goes as ceil((control + payload) /
//   64 KiB) packets, each further one with an 18-byte fragment header. So a message of
//   exactly 64 KiB, or a little under (by its atoms' text), is one packet with the longer
//   header. Here each distinct atom of the message counts once in that estimate.
// Checked against shared/fixtures/calibration/w1_wire_sizes.json (test/calibration_wire.test.ts).
import { ATOM_CACHE_REF_BYTES, distTermBytes, type AtomSink } from '../../core/messages.js';
import type { Term } from '../../core/terms.js';
import type { DistMsg } from './dist.js';
import { distBytesOf } from './sizes.js';

/** The atom cache's and a frame's limits (a const enum: the bundle has the numbers in place, no variable read each message). */
export const enum Dist {
  /** ERTS_USE_ATOM_CACHE_SIZE: slots of a connection's output atom cache. */
  AtomCacheSlots = 2039,
  /** ERTS_MAX_INTERNAL_ATOM_CACHE_ENTRIES: cache references one message may use. */
  MaxCacheRefs = 255,
  /** ERTS_DIST_FRAGMENT_SIZE (64 KiB). */
  FragmentBytes = 65536,
  /** ERTS_DIST_FRAGMENT_HEADER_SIZE: magic, 'E'/'F', sequence id, fragment id. */
  FragmentHeaderBytes = 18,
  /** `inet_tcp_dist` frames every packet with a 4-byte length ({packet, 4}). */
  PacketLengthBytes = 4,
  /** Magic (131) and 'D' of an unfragmented distribution header. */
  HeaderTagBytes = 2,
}

const utf8 = new TextEncoder();

/** A message measured once, when it is sent: everything but its header, and the atoms it uses. */
export type Encoded = {
  /** The control message, atoms as cache references. */
  readonly control: number;
  /** The payload (a sent message, a DOWN's or exit's reason); 0 when there is none. */
  readonly payload: number;
  /** Distinct atoms of control and payload, in first-use order (the header's cache references). */
  readonly atoms: ReadonlySet<string>;
};

/** A node's atom table: the index of each atom, in the order the node met it. */
export class AtomTable {
  private readonly index = new Map<string, number>();

  of(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(name, i);
    }
    return i;
  }
}

/** A message's size on the wire: known, or computed with the sending direction's atom cache. */
export type WireSize = number | WireFrame;

/** A message framed through the atom cache of the direction it is sent on (called at once, within the network's `send`, with the payload it was given). */
export interface WireFrame {
  bytes(cache: AtomCache, payload: unknown): number;
}

/** One direction's output atom cache: which atom each slot holds. */
export class AtomCache {
  private readonly slots = new Map<number, string>();
  /**
   * The atom set (wire.ts interns small ones: one object per sequence) whose last use here
   * found every atom in its slot, with its table and its bytes then; forgotten as soon as
   * any slot changes. Sent again with nothing changed, it costs the same without a lookup:
   * a connection carries runs of one shape (monitors, DOWNs).
   */
  private hitAtoms: ReadonlySet<string> | undefined = undefined;
  private hitTable: AtomTable | undefined = undefined;
  private hitBytes = 0;

  /**
   * Bytes of the header after its tag (count, flags, one entry per cache reference) for a
   * message using `atoms`, plus the inline bytes of atoms past the 255th; updates the cache
   * as the sender does (new entries take their slot).
   */
  refer(atoms: ReadonlySet<string>, table: AtomTable): number {
    if (atoms === this.hitAtoms && table === this.hitTable) return this.hitBytes;
    const n = Math.min(atoms.size, Dist.MaxCacheRefs);
    let entries = 0;
    let newTextBytes = 0;
    let newEntries = 0;
    let long = false;
    let inline = 0;
    for (const name of atoms) {
      if (entries === n) {
        // Written in full instead of a 2-byte reference: counted once per atom.
        inline += inlineAtomExtra(name);
        continue;
      }
      const slot = table.of(name) % Dist.AtomCacheSlots;
      entries++; // internal segment index
      if (this.slots.get(slot) === name) continue;
      this.slots.set(slot, name);
      const len = utf8.encode(name).length;
      newEntries++;
      newTextBytes += len;
      if (len > 255) long = true;
    }
    const flags = n > 0 ? (n >> 1) + 1 : 0;
    const bytes = 1 + flags + entries + newEntries * (long ? 2 : 1) + newTextBytes + inline;
    // Every atom in its slot already: the same set costs the same until a slot changes.
    this.hitAtoms = newEntries === 0 ? atoms : undefined;
    this.hitTable = table;
    this.hitBytes = bytes;
    return bytes;
  }
}

/**
 * The distinct atoms of the message being measured, in first-use order (encode does not
 * nest). Not a `Set` cleared per message: V8's `clear` allocates a new table (~120 bytes
 * a message). A message's first Atoms.Linear atoms are told apart by comparing names (a
 * message has a few), further ones by a map: an atom counts as met when its mark is this
 * message's number.
 */
class AtomScratch {
  /** This message's atoms in [0, count); the last message's, from there to `lastCount`, until overwritten. */
  readonly list: string[] = [];
  count = 0;
  /** How many atoms the last message had (-1 when its measure did not end: its atoms are not known). */
  private lastCount = -1;
  /** This message's measure ended (`ended`). */
  private done = false;
  /** No atom of this message so far differs from the last message's in its place. */
  same = true;
  private readonly marks = new Map<string, number>();
  private message = 0;

  /** Starts the next message's atoms. */
  reset(): void {
    this.message++;
    this.lastCount = this.done ? this.count : -1;
    this.done = false;
    this.count = 0;
    this.same = true;
  }

  add(name: string): void {
    const n = this.count;
    const list = this.list;
    if (n < Atoms.Linear) {
      for (let i = 0; i < n; i++) if (list[i] === name) return;
    } else {
      if (n === Atoms.Linear && this.marks.get(list[0] as string) !== this.message) {
        for (let i = 0; i < n; i++) this.marks.set(list[i] as string, this.message);
      }
      if (this.marks.get(name) === this.message) return;
      this.marks.set(name, this.message);
    }
    if (list[n] !== name) this.same = false;
    list[n] = name;
    this.count = n + 1;
  }

  /** This message is measured: the next may compare its atoms with its own. */
  ended(): void {
    this.done = true;
  }

  /** Whether this message's atoms are the last message's, in the same order. */
  sameAsLast(): boolean {
    return this.same && this.count === this.lastCount;
  }

  /** This message's atoms as a set of their own. */
  toSet(): Set<string> {
    const out = new Set<string>();
    for (let i = 0; i < this.count; i++) out.add(this.list[i] as string);
    return out;
  }
}

/** How a message's atoms are told apart and shared (a const enum: the numbers in place). */
const enum Atoms {
  /** Atoms a message tells apart by comparing names, before it marks them in a map. */
  Linear = 8,
  /** The most atoms of a set `internWalk` interns. */
  Interned = 4,
}

const scratch = new AtomScratch();
/**
 * Atom sets of up to Atoms.Interned atoms, one object per distinct sequence: messages in
 * flight share them. Found by walking a trie, atom by atom (no key string per message).
 */
type Interned = { set: ReadonlySet<string> | undefined; next: Map<string, Interned> | undefined };
const interned: Interned = { set: undefined, next: undefined };
let internedSets = 0;
const INTERNED_SETS = 10_000;

/** The set the last message's atoms got: the next one, if its atoms are the same, gets it without a walk (messages come in runs of one shape). */
let lastSet: ReadonlySet<string> = new Set();

function internAtoms(atoms: AtomScratch): ReadonlySet<string> {
  if (!atoms.sameAsLast()) lastSet = atoms.count > Atoms.Interned ? atoms.toSet() : internWalk(atoms);
  atoms.ended();
  return lastSet;
}

/** The interned set of `atoms` (up to Atoms.Interned), found by walking the trie. */
function internWalk(atoms: AtomScratch): ReadonlySet<string> {
  let at = interned;
  for (let i = 0; i < atoms.count; i++) {
    const a = atoms.list[i] as string;
    let next = at.next?.get(a);
    if (next === undefined) {
      if (internedSets >= INTERNED_SETS) return atoms.toSet();
      next = { set: undefined, next: undefined };
      (at.next ??= new Map()).set(a, next);
    }
    at = next;
  }
  if (at.set === undefined) {
    if (internedSets >= INTERNED_SETS) return atoms.toSet();
    at.set = atoms.toSet();
    internedSets++;
  }
  return at.set;
}

/** An atom set of no atoms (a record's before it is measured). */
export const NO_ATOMS: ReadonlySet<string> = new Set();

/**
 * Measures `m`, sent from a process (or the runtime) on `fromNode`, into `into` (the
 * message's own record as it travels, made with every field: no object of the measure's).
 */
export function encode(m: DistMsg, fromNode: string, into: Encoded = { control: 0, payload: 0, atoms: NO_ATOMS }): Encoded {
  const atoms = scratch;
  atoms.reset();
  let control = 0;
  let payload = 0;
  switch (m.kind) {
    case 'send': {
      const s = m.msg as { kind?: unknown };
      if (s.kind === '$reply') control = controlBytes(pidBytes(fromNode, atoms), distTermBytes((m.msg as { tag: Term }).tag, atoms));
      else if (!('t' in m.to)) control = controlBytes(pidBytes(fromNode, atoms), distTermBytes(EMPTY_ATOM, atoms), atomBytes(m.to.name, atoms));
      else control = controlBytes(pidBytes(fromNode, atoms), distTermBytes(m.to, atoms));
      payload = distBytesOf(m.msg, atoms);
      break;
    }
    case 'monitor':
      control = controlBytes(distTermBytes(m.mon.watcher.pid, atoms), procBytes(m.target, atoms), refBytes(m.mon.watcher.pid.node, atoms));
      break;
    case 'demonitor':
      control = controlBytes(distTermBytes(m.watcher, atoms), procBytes(m.object, atoms), distTermBytes(m.ref, atoms));
      break;
    case 'down':
      control = controlBytes(procBytes(m.object, atoms), distTermBytes(m.watcher, atoms), distTermBytes(m.ref, atoms));
      payload = distTermBytes(m.reason, atoms);
      break;
    case 'exit': // PAYLOAD_EXIT (a link's) or PAYLOAD_EXIT2 (exit/2), from the runtime's pid for a driver
      control = controlBytes(m.from !== undefined ? distTermBytes(m.from, atoms) : pidBytes(fromNode, atoms), distTermBytes(m.to, atoms));
      payload = distTermBytes(m.reason, atoms);
      break;
    case 'link':
      control = controlBytes(distTermBytes(m.from, atoms), distTermBytes(m.to, atoms));
      break;
    case 'unlink': // UNLINK_ID: its id is a 64-bit integer (SMALL_BIG_EXT)
      control = controlBytes(UNLINK_ID_BYTES, distTermBytes(m.from, atoms), distTermBytes(m.to, atoms));
      break;
    default:
      return assertNeverMsg(m);
  }
  const out = into as { control: number; payload: number; atoms: ReadonlySet<string> };
  out.control = control;
  out.payload = payload;
  out.atoms = internAtoms(atoms);
  return into;
}

/** Bytes on the wire of an encoded message sent now through `cache` (updated as it is used). */
export function frameBytes(e: Encoded, cache: AtomCache, table: AtomTable): number {
  const data = e.control + e.payload;
  // Only a message with a compound payload can come near 64 KiB, so the immediate case needs no test.
  const fragmented =
    data > Dist.FragmentBytes ||
    (data + e.atoms.size * MAX_ATOM_TEXT_EXTRA > Dist.FragmentBytes && data + atomTextBytes(e.atoms) > Dist.FragmentBytes);
  const fragments = fragmented ? Math.ceil(data / Dist.FragmentBytes) : 1;
  const header = cache.refer(e.atoms, table);
  const tag = fragmented ? Dist.FragmentHeaderBytes : Dist.HeaderTagBytes;
  return fragments * Dist.PacketLengthBytes + tag + header + (fragments - 1) * Dist.FragmentHeaderBytes + data;
}

/** The most an atom's full text adds to its 2-byte reference: 255 characters of 4 bytes, and a 2-byte length. */
const MAX_ATOM_TEXT_EXTRA = 255 * 4 + 1;

/**
 * What an atom written in full adds over a 2-byte atom cache reference: SMALL_ATOM_UTF8_EXT
 * (tag, length, text), or ATOM_UTF8_EXT (a 2-byte length) past 255 bytes.
 */
function inlineAtomExtra(name: string): number {
  const len = utf8.encode(name).length;
  return len > 255 ? len + 1 : len;
}

/** What the sender's estimate adds for `atoms` over their 2-byte references: each one written in full. */
function atomTextBytes(atoms: ReadonlySet<string>): number {
  let n = 0;
  for (const a of atoms) n += inlineAtomExtra(a);
  return n;
}

/** `{op, fields...}`: a small tuple, the operation a small integer. */
function controlBytes(a: number, b: number, c = 0, d = 0): number {
  return 2 + 2 + a + b + c + d;
}

/** NEW_PID_EXT with its node as a cache reference. */
const PID_BYTES = distTermBytes({ t: 'pid', uid: -1, node: '', id: 0, creation: 0 }, new Set());

/** A pid of `node`: what a send's or exit's sender field costs. */
function pidBytes(node: string, atoms: AtomSink): number {
  atoms.add(node);
  return PID_BYTES;
}

/** NEWER_REFERENCE_EXT with its node as a cache reference. */
const REF_BYTES = distTermBytes({ t: 'ref', uid: -1, node: '' }, new Set());

/** A ref of `node`: what a monitor signal's ref costs (its record keeps the uid, not the term: `monitorRef`). */
function refBytes(node: string, atoms: AtomSink): number {
  atoms.add(node);
  return REF_BYTES;
}

function atomBytes(name: string, atoms: AtomSink): number {
  atoms.add(name);
  return ATOM_CACHE_REF_BYTES;
}

/** A monitored process as a control message names it: its pid, or its registered name. */
function procBytes(object: Term | { name: string; node: string }, atoms: AtomSink): number {
  if ('t' in object) {
    if (object.t === 'tuple' && object.v[0]?.t === 'atom') return atomBytes(object.v[0].v, atoms);
    return distTermBytes(object, atoms);
  }
  return atomBytes(object.name, atoms);
}

const EMPTY_ATOM: Term = { t: 'atom', v: '' };
/** An unlink id: a 64-bit integer, SMALL_BIG_EXT (tag, length, sign, 8 bytes). */
const UNLINK_ID_BYTES = 11;

function assertNeverMsg(x: never): never {
  throw new Error(`unexpected distribution message ${JSON.stringify(x)}`);
}
