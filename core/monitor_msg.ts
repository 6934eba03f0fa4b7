// The monitor cast `{:monitor, target, ref, subscriber}` as the client makes it: also the
// References row and the Connector's row of the monitor (one object for the three, kept
// until the target's DOWN). The ref the client made is kept as its uid where it can be
// made again equal (a plain ref of the subscriber's node, as `make_ref/0` in the
// subscriber gives): `ref` makes it anew at each read (refs compare by uid, never by
// identity), as sim/beam/monitor.ts `monitorRef` does for an ERTS monitor. As an object of
// its own the ref was a second kept object per monitored target (56 bytes). Such a row's
// down dispatch (`rowDispatch`) makes its DOWN when read, as well: a herd's 100,000 wait
// in Local's batch for the whole drain; its nodedown dispatch is the row itself
// (`nodedownDispatch`).

import type { Pid, Ref, Term } from './terms.js';
import { atom, tuple } from './terms.js';
import type { Dispatch, DownMsg, MonitorMsg, Target } from './messages.js';

/**
 * `{:zen_monitor, :nodedown}`, as messages.ts `zenReason(atom('nodedown'))` makes it, one
 * term for every nodedown dispatch (terms are never changed). Built here, not by
 * `zenReason`: messages.ts imports this module, and a constant made at load from an import
 * of it would meet the cycle.
 */
const NODEDOWN_REASON: Term = tuple(atom('zen_monitor'), atom('nodedown'));

/** A MonitorMsg holding its ref as the uid (`monitorMsg` makes one where the ref can be remade). */
class UidMonitorMsg implements MonitorMsg, Dispatch {
  /** On the prototype (below): one word less a row. */
  declare readonly kind: 'monitor';

  declare readonly target: Target;
  /** The ref's uid: its node is the subscriber's, and it is no alias. */
  declare readonly refUid: number;
  declare readonly subscriber: Pid;

  /** Made by `UidMonitorMsg.of`. */
  private constructor() {}

  /**
   * A row, made as an object literal with this class's prototype: V8 pretenures a
   * literal's allocation site once most of what it makes survives (sim/beam/monitor.ts
   * `Monitor.of`), and a herd keeps each row until its target's DOWN; `new` has no such
   * site, so the young collector copied each row twice (4.8 MB a 100k round). GC pauses
   * of 5 warm zen 100k rounds 214-310 -> 85-140 ms (with memory.ts `SentEnvelope`).
   */
  static of(target: Target, refUid: number, subscriber: Pid): UidMonitorMsg {
    return { __proto__: UID_MONITOR_MSG_PROTOTYPE, target, refUid, subscriber } as unknown as UidMonitorMsg;
  }

  get ref(): Ref {
    return { t: 'ref', uid: this.refUid, node: this.subscriber.node, alias: false };
  }

  /** Read as a Dispatch (`nodedownDispatch`): its monitor's `{:DOWN, ref, :process, target, {:zen_monitor, :nodedown}}`, made at each read. */
  get down(): DownMsg {
    return { kind: 'DOWN', ref: this.ref, object: this.target, reason: NODEDOWN_REASON };
  }
}
Object.defineProperty(UidMonitorMsg.prototype, 'kind', { value: 'monitor' });
/** `UidMonitorMsg.prototype`, read once (as sim/beam/process.ts `PROC_PROTOTYPE`: read at each row, a generic load). */
const UID_MONITOR_MSG_PROTOTYPE: object = UidMonitorMsg.prototype;

/**
 * `{:monitor, target, ref, subscriber}`. A ref of another shape (an alias, another node's,
 * one with no `alias` field, as tests make) is kept as it is, in a plain object.
 */
export function monitorMsg(target: Target, ref: Ref, subscriber: Pid): MonitorMsg {
  if (ref.alias === false && ref.node === subscriber.node) return UidMonitorMsg.of(target, ref.uid, subscriber);
  return { kind: 'monitor', target, ref, subscriber };
}

/** `{:monitor, target, ref, subscriber}` whose ref, made on `subscriber`'s node and no alias, is `refUid`'s (its ref never made). */
export function uidMonitorMsg(target: Target, refUid: number, subscriber: Pid): MonitorMsg {
  return UidMonitorMsg.of(target, refUid, subscriber);
}

/** The uid of a monitor cast's ref (or of a row holding one), without making the ref. */
export function monitorRefUid(msg: { readonly ref: Ref }): number {
  return msg instanceof UidMonitorMsg ? msg.refUid : msg.ref.uid;
}

/**
 * The dispatch `{subscriber, {:DOWN, ref, :process, object, reason}}` of `row`'s monitor
 * (`reason` wrapped already). For a row holding its ref's uid, an object of three words
 * whose `down` is made at each read (its readers read it once a delivery, and measure it):
 * a dispatch and its DOWN made at once were two objects, the DOWN's ref a third, kept in
 * Local's batch until handed over (a herd's nodedown makes 100,000).
 */
export function rowDispatch(row: { readonly ref: Ref; readonly subscriber: Pid }, object: Target, reason: Term): Dispatch {
  if (row instanceof UidMonitorMsg) return new UidDispatch(row, object, reason);
  return { subscriber: row.subscriber, down: { kind: 'DOWN', ref: row.ref, object, reason } };
}

/**
 * `rowDispatch(row, row.target, {:zen_monitor, :nodedown})`: a Connector's nodedown
 * dispatches (every monitor fires). A row holding its ref's uid is its own dispatch (its
 * `subscriber` and `down`): its References row keeps it until the Dispatcher's take
 * anyway, and a UidDispatch made for each was a herd's 100,000 more objects kept in
 * Local's batch for the whole drain (~24 bytes each, promoted).
 */
export function nodedownDispatch(row: { readonly target: Target; readonly ref: Ref; readonly subscriber: Pid }): Dispatch {
  return row instanceof UidMonitorMsg ? row : rowDispatch(row, row.target, NODEDOWN_REASON);
}

class UidDispatch implements Dispatch {
  constructor(
    readonly row: UidMonitorMsg,
    readonly object: Target,
    readonly reason: Term,
  ) {}

  get subscriber(): Pid {
    return this.row.subscriber;
  }

  get down(): DownMsg {
    return { kind: 'DOWN', ref: this.row.ref, object: this.object, reason: this.reason };
  }
}

/**
 * The node a monitor cast's ref (or a row's) was made on, and whether it is an alias: what
 * its size depends on alone, read without making the ref (the cast is measured as it is
 * sent, and a ref made for that was ~56 bytes a monitor).
 */
export function monitorRefNode(msg: MonitorMsg): string {
  return msg instanceof UidMonitorMsg ? msg.subscriber.node : msg.ref.node;
}

export function monitorRefAlias(msg: MonitorMsg): boolean {
  return msg instanceof UidMonitorMsg ? false : msg.ref.alias === true;
}

/** As `monitorRefNode`, of a dispatch's ref (a list of DOWNs is measured at each hop). */
export function dispatchRefNode(d: Dispatch): string {
  if (d instanceof UidMonitorMsg) return d.subscriber.node;
  return d instanceof UidDispatch ? d.row.subscriber.node : d.down.ref.node;
}

export function dispatchRefAlias(d: Dispatch): boolean {
  return d instanceof UidMonitorMsg || d instanceof UidDispatch ? false : d.down.ref.alias === true;
}

/**
 * The object and reason of a dispatch's DOWN, read without making the DOWN: a dispatch is
 * measured at each hop (the Connector's enqueue, Local's events) and its reason walked
 * for binaries. Made at each of those reads, a herd's 100,000 DOWNs and their refs were
 * ~30 more bytes allocated per event. A row (a herd's nodedown dispatches) is tested for
 * first, here and in `dispatchRefNode`/`dispatchRefAlias`.
 */
export function dispatchObject(d: Dispatch): Term {
  if (d instanceof UidMonitorMsg) return d.target;
  return d instanceof UidDispatch ? d.object : d.down.object;
}

export function dispatchReason(d: Dispatch): Term {
  if (d instanceof UidMonitorMsg) return NODEDOWN_REASON;
  return d instanceof UidDispatch ? d.reason : d.down.reason;
}
