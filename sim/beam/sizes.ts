// How big a message is: heap words once copied into a mailbox (with off-heap bytes
// of large binaries counted apart), and external-format bytes on the wire. Terms are
// measured by core/terms.ts; ZenMonitor's messages, and the DOWN and nodedown signals
// they share a shape with, by core/messages.ts; the gen call envelopes this simulator
// adds, here, as the Erlang terms they stand for.
import { atom, externalBytes, heapWords, offHeapBytes, tuple, type Term } from '../../core/terms.js';
import { msgHeapWords, msgWireBytes, type Msg } from '../../core/messages.js';
import type { CallReply, CallRequest, DownSignal, ExitMessage } from './process.js';

/** A distributed send's control message (the `{SEND, ...}` tuple and headers), bytes. */
export const DIST_HEADER_BYTES = 30;

type Sig = DownSignal | CallRequest | CallReply | ExitMessage;

/** A trapped exit as the term it stands for (a scenario driver's signal names `:undefined` as its sender). */
function exitTerm(s: ExitMessage): Term {
  return tuple(atom('EXIT'), s.from ?? atom('undefined'), s.reason);
}

function isTerm(msg: unknown): msg is Term {
  return typeof msg === 'object' && msg !== null && 't' in msg;
}

/** Heap words of `msg` in a mailbox on `localNode`. */
export function wordsOf(msg: unknown, localNode: string): number {
  if (isTerm(msg)) return heapWords(msg, localNode);
  const s = msg as Sig;
  switch (s.kind) {
    case '$gen_call': // {:"$gen_call", {pid, [:alias | ref]}, request}
      if (isTerm(s.msg)) return 4 + 3 + heapWords(s.from.pid, localNode) + 2 + heapWords(s.from.tag, localNode) + heapWords(s.msg, localNode);
      return msgHeapWords(asCoreCall(s), localNode);
    case '$reply': // {[:alias | ref], value}
      return 3 + 2 + heapWords(s.tag, localNode) + heapWords(s.value, localNode);
    case 'EXIT':
      return heapWords(exitTerm(s), localNode);
    default:
      return msgHeapWords(msg as Msg, localNode);
  }
}

/** Off-heap bytes (binaries over 64 bytes) that `msg` references. */
export function offHeapOf(msg: unknown): number {
  if (isTerm(msg)) return offHeapBytes(msg);
  const s = msg as Sig;
  if (s.kind === 'DOWN' || s.kind === 'EXIT') return offHeapBytes(s.reason);
  return 0;
}

/** External-format bytes of `msg` (without the distribution header). */
export function wireBytesOf(msg: unknown): number {
  if (isTerm(msg)) return 1 + externalBytes(msg);
  const s = msg as Sig;
  switch (s.kind) {
    case '$gen_call':
      if (isTerm(s.msg)) return 1 + 2 + 12 + 2 + externalBytes(s.from.pid) + 5 + externalBytes(s.from.tag) + externalBytes(s.msg);
      return msgWireBytes(asCoreCall(s));
    case '$reply':
      return 1 + 2 + externalBytes(s.tag) + externalBytes(s.value);
    case 'EXIT':
      return 1 + externalBytes(exitTerm(s));
    default:
      return msgWireBytes(msg as Msg);
  }
}

/** A call of a ZenMonitor request: core sizes it as the whole `{:"$gen_call", from, request}`. */
function asCoreCall(c: CallRequest): Msg {
  return { ...(c.msg as object), from: c.from } as Msg;
}
