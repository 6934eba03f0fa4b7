// How big a message is: heap words once copied into a mailbox (with off-heap bytes
// of large binaries counted apart), and its bytes as a distribution payload (wire.ts adds
// the header, the control message and the framing). Terms are
// measured by core/terms.ts; ZenMonitor's messages, and the DOWN and nodedown signals
// they share a shape with, by core/messages.ts; the gen call envelopes this simulator
// adds, here, as the Erlang terms they stand for.
import { atom, heapWords, ilist, refcBinaries, refHeapWords, tuple, type Ref, type Term } from '../../core/terms.js';
import { distTermBytes, downReasonHeapWords, msgDistBytes, msgHeapWords, msgRefcBinaries, type AtomSink, type Msg } from '../../core/messages.js';
import type { CallReply, CallRequest, DownSignal, ExitMessage, From } from './process.js';
import { MonitorDown } from './monitor.js';

/**
 * The kind of a message that passed `checkMessage`: one of the simulator's signals or
 * core's messages, or undefined for a term (no term has a `kind`). Read once, and tested
 * for undefined apart from the switch on it (a switch's case compares with feedback, which
 * terms and kinds together made generic; `=== undefined` has none): `isTerm` and then the
 * kind were two lookups, the first the dearer kind (see `checkMessage`). An envelope keeps
 * its message's (memory.ts `envelope`), so the sizes, the delivery and the binaries of a
 * message read it there, from one shape.
 */
export function kindOf(msg: unknown): string | undefined {
  return (msg as { readonly kind?: string }).kind;
}

/** A trapped exit as the term it stands for (a scenario driver's signal names `:undefined` as its sender). */
function exitTerm(s: ExitMessage): Term {
  return tuple(atom('EXIT'), s.from ?? atom('undefined'), s.reason);
}

/** Whether a message is a term (not one of the simulator's own signals). */
export function isTerm(msg: unknown): msg is Term {
  return typeof msg === 'object' && msg !== null && 't' in msg;
}

/**
 * A message is a term (core/terms.ts: atom('go'), tuple(...)) or one of the simulator's
 * message objects (a `kind`); anything else (a JS string, number, undefined) is a
 * scenario's mistake, named here rather than deep in the sizing of a send. Answers its
 * kind (`kindOf`).
 */
export function checkMessage(msg: unknown): string | undefined {
  // `kind` first: most messages sent are the simulator's. Each read at a site that meets
  // messages of many shapes is a megamorphic lookup, and an `in` test is the dearer kind
  // (~140 instructions against ~50 for a read, a field a shape lacks looked up along its
  // prototypes): read, not tested, and answered (`kindOf`) for the envelope to keep.
  if (typeof msg === 'object' && msg !== null) {
    const kind = kindOf(msg);
    if (kind !== undefined || (msg as { readonly t?: unknown }).t !== undefined) return kind;
  }
  const shown = typeof msg === 'string' ? JSON.stringify(msg) : String(msg);
  throw new RangeError(`send of a malformed message: ${shown} (a message is a term, e.g. atom('hello') or tuple(atom('work'), int(1)))`);
}

/** Heap words of `msg`, of kind `kind` (its `kindOf`), in a mailbox on `localNode`. */
export function wordsOf(msg: unknown, kind: string | undefined, localNode: string): number {
  if (kind === undefined) return heapWords(msg as Term, localNode);
  switch (kind) {
    case '$gen_call': {
      const c = msg as CallRequest;
      if (isTerm(c.msg)) return heapWords(callTerm(c.from, c.msg), localNode);
      return msgHeapWords(asCoreCall(c), localNode);
    }
    case '$reply':
      return heapWords(replyTerm(msg as CallReply), localNode);
    case 'EXIT':
      return heapWords(exitTerm(msg as ExitMessage), localNode);
    case 'DOWN':
      return downWords(msg as DownSignal, localNode);
    default:
      return msgHeapWords(msg as Msg, localNode);
  }
}

/**
 * A DOWN's heap words (`wordsOf`'s 'DOWN'): its ref's, object's and reason's words and the
 * fixed rest (`{:DOWN, _, :process, _, _}`, measured once on a probe), as core's measure of
 * a DOWN sums them (messages.ts `measureSmall`) but without its generic path, ~3 times
 * dearer at each of a herd's 100,000 DOWNs; the reason's words as that measure keeps them
 * (a batch of DOWNs shares one reason).
 */
function downWords(down: DownSignal, localNode: string): number {
  return DOWN_FIXED_WORDS + downRefWords(down, localNode) + heapWords(down.object, localNode) + downReasonHeapWords(down.reason, localNode);
}

/** A DOWN's ref's words (`heapWords` of it), a `MonitorDown`'s read off its fields: its ref made here was young garbage at every DOWN. */
function downRefWords(down: DownSignal, localNode: string): number {
  return down instanceof MonitorDown ? refHeapWords(down.node, down.alias, localNode) : heapWords(down.ref, localNode);
}

const PROBE_DOWN: DownSignal = { kind: 'DOWN', ref: { t: 'ref', uid: 0, node: 'probe@h', alias: false }, object: atom('probe'), reason: atom('probe') };
const DOWN_FIXED_WORDS = msgHeapWords(PROBE_DOWN as unknown as Msg, 'probe@h') - heapWords(PROBE_DOWN.ref, 'probe@h') - 2 * heapWords(atom('probe'));

/** The refc binaries (over 64 bytes) `msg`, of kind `kind` (its `kindOf`), references, by identity, with their sizes; undefined when none. */
export function refcBinariesOf(msg: unknown, kind: string | undefined): ReadonlyMap<Uint8Array, number> | undefined {
  if (kind === undefined) return refcBinaries(msg as Term);
  switch (kind) {
    case 'DOWN':
    case 'EXIT':
      return reasonRefcBinaries((msg as DownSignal | ExitMessage).reason);
    case '$gen_call': {
      const request = (msg as CallRequest).msg;
      return isTerm(request) ? refcBinaries(request) : undefined;
    }
    case '$reply':
      return refcBinaries((msg as CallReply).value);
    default:
      return msgRefcBinaries(msg as Msg);
  }
}

/** The reason `reasonRefcBinaries` walked last, and what it found there. */
let lastReason: Term | undefined;
let lastReasonBinaries: ReadonlyMap<Uint8Array, number> | undefined;

/**
 * The refc binaries of a DOWN's or trapped exit's reason (`refcBinaries`), walked again
 * only for another reason than the last: the DOWNs of one exit or lost connection share
 * one reason term (a herd's 100,000), and a term never changes. The map is shared by every
 * DOWN of that reason: read-only, as the type says.
 */
export function reasonRefcBinaries(reason: Term): ReadonlyMap<Uint8Array, number> | undefined {
  if (reason !== lastReason) {
    lastReasonBinaries = refcBinaries(reason);
    lastReason = reason;
  }
  return lastReasonBinaries;
}

/**
 * Bytes of `msg` as a distribution payload: atoms are references into the connection's
 * atom cache (wire.ts), collected into `atoms` for the header. No version byte.
 */
export function distBytesOf(msg: unknown, atoms: AtomSink): number {
  const kind = kindOf(msg);
  if (kind === undefined) return distTermBytes(msg as Term, atoms);
  switch (kind) {
    case '$gen_call': {
      const c = msg as CallRequest;
      if (isTerm(c.msg)) return distTermBytes(callTerm(c.from, c.msg), atoms);
      return msgDistBytes(asCoreCall(c), atoms);
    }
    case '$reply':
      return distTermBytes(replyTerm(msg as CallReply), atoms);
    case 'EXIT':
      return distTermBytes(exitTerm(msg as ExitMessage), atoms);
    default:
      return msgDistBytes(msg as Msg, atoms);
  }
}

const GEN_CALL = atom('$gen_call');
const ALIAS = atom('alias');

/** `{:"$gen_call", {pid, [:alias | ref]}, request}`, an OTP 25 gen call. */
function callTerm(from: From, request: Term): Term {
  return tuple(GEN_CALL, tuple(from.pid, aliasTag(from.tag)), request);
}

/** `{[:alias | ref], value}`, its reply. */
function replyTerm(r: CallReply): Term {
  return tuple(aliasTag(r.tag), r.value);
}

function aliasTag(tag: Ref): Term {
  return ilist([ALIAS], tag);
}

/** A call of a ZenMonitor request: core sizes it as the whole `{:"$gen_call", from, request}`. */
function asCoreCall(c: CallRequest): Msg {
  return { ...(c.msg as object), from: c.from } as Msg;
}
