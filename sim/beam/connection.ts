// A distribution connection's state as the network (network.ts) keeps it: its two
// directions, each with what is on its wire, held or queued, its atom cache, its timers
// and its sending side's view of the connection.
import { DoubleFields } from '../engine/double_fields.js';
import { Ring } from './ring.js';
import { AtomCache } from './wire.js';

export type Dir = {
  readonly conn: Conn;
  readonly from: string;
  readonly to: string;
  /**
   * What is on the wire, in the order sent: each arrival event takes the oldest (a
   * direction's arrivals are scheduled in that order, never earlier than the one before,
   * and the kernel runs same-time events in the order scheduled), so an arrival needs no
   * record of its own.
   */
  readonly inFlight: Ring<unknown>;
  /** The arrival time of each, µs, checked as it arrives: one out of order would be a bug here, not a message overtaken. */
  readonly arrivals: Ring<number>;
  /** The bytes of each, held again if a cut stops it (`recall`). */
  readonly inFlightBytes: Ring<number>;
  /** Arrival events still due for messages a cut took back (`recall`): each is skipped. */
  recalled: number;
  /** The output atom cache of this direction (dist header), fresh with each connection. */
  readonly atoms: AtomCache;
  /** When the transmitter is free again, µs. */
  busyUntilUs: number;
  /** Latest arrival scheduled (FIFO floor), µs: what the receiving side last read, the handshake's end at first. */
  lastArrivalUs: number;
  /** When the sending side last wrote (the end of its last message on the wire, the handshake's end at first), µs: a tick is sent only after a tick interval with no write. */
  lastWriteUs: number;
  /** Messages waiting while the direction is cut, the connection is being set up, or a heal waits for its retransmission. */
  held: { payload: unknown; bytes: number }[];
  heldBytes: number;
  /** When the direction was last cut, µs. */
  cutAtUs: number;
  /** While cut, and until the retransmission after the heal: when the oldest byte not acknowledged was sent, µs, or -1. */
  unackedUs: number;
  /** The retransmission after a heal that lets the held bytes through (kernel seq), or -1. */
  retransmitSeq: number;
  /** Pending tick-timeout detection at the receiving side (kernel seq), or -1; and when it fires, µs. */
  detectSeq: number;
  detectAtUs: number;
  unbusySeq: number;
  /** Its counter in `Network.traffic`, found at its first message (counters are never dropped or replaced). */
  traffic: { messages: number; bytes: number } | undefined;
  /** Its sending side's view of the connection: true while that side thinks it is up. */
  up: boolean;
};

export type Conn = {
  readonly a: string;
  readonly b: string;
  /** Closed is for good: a new handshake makes a new connection. */
  state: 'connecting' | 'up' | 'closed';
  /**
   * Its two directions, the one from the side that asked for it first: fields, not a Map
   * by side (each send and arrival looked its direction and its side's view up by name).
   */
  readonly dirs: Dir[];
  setupSeq: number;
};

/** The direction of `c` from `side` (one of its ends). */
export function dirFrom(c: Conn, side: string): Dir {
  const d = c.dirs[0] as Dir;
  return d.from === side ? d : (c.dirs[1] as Dir);
}

/** Whether `node` thinks `c` is up: false for a node not at either end. */
export function upAt(c: Conn, node: string): boolean {
  const d = c.dirs[0] as Dir;
  if (d.from === node) return d.up;
  const e = c.dirs[1] as Dir;
  return e.from === node && e.up;
}

/** A new connection from `from` (which asked for it, and believes in it) to `to`, being set up. */
export function newConn(from: string, to: string): Conn {
  const c: Conn = { a: from < to ? from : to, b: from < to ? to : from, state: 'connecting', dirs: [], setupSeq: -1 };
  c.dirs.push(newDir(c, from, to, true), newDir(c, to, from, false));
  return c;
}

function newDir(conn: Conn, from: string, to: string, up: boolean): Dir {
  const d: Dir = { conn, from, to, inFlight: new Ring(), arrivals: new Ring(), inFlightBytes: new Ring(), recalled: 0, atoms: new AtomCache(), busyUntilUs: 0, lastArrivalUs: 0, lastWriteUs: 0, held: [], heldBytes: 0, cutAtUs: 0, unackedUs: -1, retransmitSeq: -1, detectSeq: -1, detectAtUs: 0, unbusySeq: -1, traffic: undefined, up };
  DIR_DOUBLES.made(d);
  return d;
}

const DIR_DOUBLES = new DoubleFields(['busyUntilUs', 'lastArrivalUs', 'lastWriteUs', 'cutAtUs', 'unackedUs', 'detectAtUs']);
