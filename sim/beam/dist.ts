// The distribution glue between the world's processes and the network (beam.md
// "Distribution connections"): what crosses a connection (sends, monitor and demonitor
// signals, DOWN signals, link and unlink signals, exit signals), what happens when one
// arrives, and what a node does when a connection goes down (`{:nodedown, peer}` to its
// node monitors, every remote monitor across it fires `:noconnection`, every link across
// it breaks with `:noconnection`) or stops being busy. A message is measured when it is
// sent and framed (header, atom cache) when it goes on the wire, in send order, through its
// connection's atom cache (wire.ts).
import { atom, type Pid, type Ref, type Term } from '../../core/terms.js';
import { envelope } from './memory.js';
import type { SimNode } from './node.js';
import { isRemoteMonitor, type Monitor, MonitorEnd, monitorRef, monitorUid, setEnd } from './monitor.js';
import type { Dest, Proc } from './process.js';
import { ProcStatus } from './process.js';
import { encode, frameBytes, NO_ATOMS, type AtomCache, type AtomTable, type Encoded, type WireFrame } from './wire.js';
import { type World } from './world.js';

/** What travels between nodes. */
export type DistMsg =
  | { kind: 'send'; to: Dest; msg: unknown }
  /** `mon`: the watcher's record (its ref and watcher), which the target's end joins where the signal arrives: one record a monitor. */
  | { kind: 'monitor'; mon: Monitor; target: Dest }
  | { kind: 'demonitor'; ref: Ref; watcher: Pid; object: Term }
  | { kind: 'down'; ref: Ref; watcher: Pid; object: Term; reason: Term }
  | { kind: 'link'; from: Pid; to: Pid }
  | { kind: 'unlink'; from: Pid; to: Pid }
  /** An exit signal: erlang:exit/2's (`from` undefined for a scenario driver), or a link's. */
  | { kind: 'exit'; to: Pid; from: Pid | undefined; reason: Term; link: boolean };

/** A send handed to the network (at a later CPU time: a kernel event's argument), measured. */
/** A message on its way to the wire, measured (Encoded's fields: it is held until it arrives). */
export type DistSend = Encoded & { from: string; to: string; m: DistMsg; noconnect: boolean };

const NOPROC = atom('noproc');
const NOCONNECTION = atom('noconnection');

/**
 * Frames the message being sent (the network hands it back: kept here, each young message
 * stored into this long-lived object cost a write barrier's slow path) through the sending
 * direction's atom cache; one per Distribution, reused by every send (no closure per message).
 */
class DistFrame implements WireFrame {
  table: AtomTable | undefined;

  bytes(cache: AtomCache, payload: unknown): number {
    return frameBytes(payload as DistSend, cache, this.table as AtomTable);
  }
}

/**
 * A DistSend made by `new`, not as a literal: V8 pretenured the literal's one allocation
 * site where a burst of sends waited in the kernel's queue (the vanilla herd's 100,000
 * monitor signals), and then made every later send of the process in old space, each
 * keeping its message (the zen run's casts, its DOWN batches) alive until the next full
 * collection.
 */
class PreparedSend implements DistSend {
  control = 0;
  payload = 0;
  atoms: ReadonlySet<string> = NO_ATOMS;

  constructor(
    readonly from: string,
    readonly to: string,
    readonly m: DistMsg,
    readonly noconnect: boolean,
  ) {}
}

export class Distribution {
  private readonly frame = new DistFrame();
  /** The node the last message was sent from (a world's nodes are never removed or replaced): sends come in runs from one node. */
  private lastFrom: SimNode | undefined = undefined;

  constructor(private readonly w: World) {}

  /**
   * Hands `m` to the network at CPU time `atUs` (now, or in an event of its own); returns
   * the bytes the sender encodes (control message and payload) for its CPU cost.
   */
  send(atUs: number, from: string, to: string, m: DistMsg, noconnect: boolean): number {
    const arg = this.prepare(from, to, m, noconnect);
    this.sendAt(atUs, arg);
    return arg.control + arg.payload;
  }

  /** `m` encoded (measured) for sending from `from` to `to`: `sendAt` hands it to the network. */
  prepare(from: string, to: string, m: DistMsg, noconnect: boolean): DistSend {
    const d: DistSend = new PreparedSend(from, to, m, noconnect);
    encode(m, from, d);
    return d;
  }

  /** Hands a prepared message to the network at `atUs` (now, or in an event of its own). */
  sendAt(atUs: number, arg: DistSend): void {
    if (atUs === this.w.kernel.nowUs) this.sendNow(arg);
    else this.w.kernel.at(atUs, this.w.kinds.dist, 0, arg);
  }

  sendNow(a: DistSend): void {
    const last = this.lastFrom;
    const fromNode = last !== undefined && last.name === a.from ? last : (this.lastFrom = this.w.nodes.get(a.from));
    if (fromNode?.up !== true) return;
    this.frame.table = fromNode.atoms;
    const r = this.w.net.send(a.from, a.to, a, this.frame, a.noconnect);
    if (r !== 'dropped') return;
    if (a.m.kind === 'monitor') this.monitorUnreachable(a.m.mon);
    else if (a.m.kind === 'link') this.w.links.unreachable(a.m.from, a.m.to);
  }

  /** A monitor toward a node that cannot be reached fires at once with :noconnection. */
  private monitorUnreachable(mon: Monitor): void {
    if (this.w.alive(mon.watcher.pid) === undefined) return;
    this.w.signals.fireMonitor(mon, NOCONNECTION, this.w.kernel.nowUs); // unless the watcher dropped it meanwhile
  }

  arrive(from: string, to: string, a: DistSend): void {
    const w = this.w;
    const m = a.m;
    switch (m.kind) {
      case 'send': {
        const p = w.resolveLocal(m.to);
        if (p !== undefined) w.deliver(p, envelope(m.msg, to, a.payload));
        return;
      }
      case 'monitor':
        return this.remoteMonitorArrives(from, to, m);
      case 'demonitor': {
        const mon = this.heldMonitor(from, to, m.ref, m.object);
        if (mon !== undefined) w.signals.dropHeld(mon);
        return;
      }
      case 'down': {
        const watcher = w.alive(m.watcher);
        const mon = watcher?.monitors?.get(m.ref.uid);
        if (mon !== undefined) w.signals.fireMonitor(mon, m.reason, w.kernel.nowUs, a.payload);
        return;
      }
      case 'link':
        return w.links.linkArrives(m.from, m.to);
      case 'unlink':
        return w.links.unlinkArrives(m.from, m.to);
      case 'exit': {
        const p = w.alive(m.to);
        if (p !== undefined) w.signals.exitSignal(p, m, a.payload);
        return;
      }
      default:
        return assertNeverDist(m);
    }
  }

  private remoteMonitorArrives(from: string, to: string, m: { mon: Monitor; target: Dest }): void {
    const w = this.w;
    const mon = m.mon;
    const target = w.resolveLocal(m.target);
    if (target === undefined) {
      this.send(w.kernel.nowUs, to, from, { kind: 'down', ref: monitorRef(mon), watcher: mon.watcher.pid, object: mon.object, reason: NOPROC }, false);
      return;
    }
    // The target's end joins the watcher's record (whether or not the watcher still holds
    // it: a demonitor's signal follows this one), each end's bit in its `key` its own node's.
    mon.target = target;
    setEnd(mon, MonitorEnd.Target);
    target.addMonitoredBy(mon);
    const node = w.nodeOf(target);
    node.remoteIn.of(from).add(mon);
    node.books.monitorBytes += w.cost.remoteMonitorBytes;
  }

  /**
   * The monitor held by a process of node `from` (ref `ref`) on `object` of node `to`, if
   * it is still in place: found on its target, as ERTS finds it in the target's monitor
   * tree (a target exiting still holds the monitors its exit has not fired yet); a
   * named target's among the monitors from `from` (few: ZenMonitor's Connectors' on the Proxy).
   */
  private heldMonitor(from: string, to: string, ref: Ref, object: Term): Monitor | undefined {
    const node = this.w.nodes.get(to);
    if (node?.up !== true) return undefined;
    let found: Monitor | undefined;
    if ((object as Pid).t === 'pid') {
      const target = this.w.procs[(object as Pid).uid];
      found = target?.pid.node === to && target.pid.creation === node.creation ? target.monitoredByRef(ref.uid) : undefined;
    } else node.remoteIn.get(from)?.forEach((mon) => (found = monitorUid(mon) === ref.uid ? mon : found));
    return found !== undefined && isRemoteMonitor(found) && found.watcher.pid.node === from ? found : undefined;
  }

  connectionDown(nodeName: string, peer: string): void {
    const w = this.w;
    const node = w.nodes.get(nodeName);
    if (node?.up !== true) return;
    w.onConnection?.(nodeName, peer, false);
    const now = w.kernel.nowUs;
    const watchers = node.nodeWatchers.get(peer);
    if (watchers !== undefined) {
      for (const [p, count] of watchers) {
        for (let i = 0; i < count; i++) w.kernel.at(now, w.kinds.deliver, p.uid, envelope({ kind: 'nodedown', node: peer }, nodeName));
      }
      node.nodeWatchers.delete(peer);
    }
    node.remoteIn.get(peer)?.forEach((mon) => w.signals.dropHeld(mon));
    w.links.connectionDown(node, peer);
    const out = node.remoteOut.get(peer);
    if (out !== undefined) {
      // Every DOWN is signalled at once; each watcher spends CPU taking its signals in
      // (OTP 25 receivers process their own signal queue). Its first receive returns as
      // soon as a signal made a message (erts_proc_sig_receive_helper): the first DOWN is
      // handled as the loss is seen, and the next receive takes the rest in before
      // anything else. R4: one DOWN handled at 26-37 ms, the other 99,999 from 86 ms on.
      // A walk, not a snapshot: each fired monitor leaves, and the roster compacts once,
      // after it (a snapshot and compactions at every halving copied it ~3 times).
      // Each DOWN is an event: the kernel's slots (and its queue of the events now) made for them all at once (Kernel.reserve).
      w.kernel.reserve(out.size, now);
      const loss: ConnectionLoss = { w, now, perMonitorUs: w.cost.connLossPerMonitorUs, charged: new Map<Proc, number>() };
      out.forEach(fireLost, loss);
      // Each watcher's mailbox made for its DOWNs at once, before they arrive (Ring.reserve).
      loss.charged.forEach(reserveMailbox);
    }
  }

  unbusy(nodeName: string, peer: string): void {
    const w = this.w;
    const node = w.nodes.get(nodeName);
    if (node?.up !== true || node.suspendedProcs.size === 0) return;
    // In spawn order (uid order), as a walk of the node's processes would take them.
    const suspended = [...node.suspendedProcs].sort((a, b) => a.uid - b.uid);
    for (let i = 0; i < suspended.length; i++) {
      const p = suspended[i] as Proc;
      if (p.suspended !== peer) continue;
      p.suspended = undefined;
      node.suspendedProcs.delete(p);
      if (p.status === ProcStatus.Waiting && p.hasWork()) w.makeRunnable(p);
    }
  }

  /** Marks `p` suspended on a busy connection to `peer` when its output queue is over the limit. */
  checkBusy(p: Proc, peer: string): void {
    if (!this.w.net.busy(p.pid.node, peer)) return;
    p.suspended = peer;
    this.w.nodeOf(p).suspendedProcs.add(p);
  }
}

/** A lost connection's walk of the monitors it fires (`connectionDown`): the watchers charged so far, with their DOWNs. */
type ConnectionLoss = { readonly w: World; readonly now: number; readonly perMonitorUs: number; readonly charged: Map<Proc, number> };

/** A watcher given fewer DOWNs at once has its mailbox grown as they come (a ring of up to 1,024 slots is no large object). */
const MAILBOX_RESERVE_MIN = 1024;

function reserveMailbox(downs: number, watcher: Proc): void {
  if (downs >= MAILBOX_RESERVE_MIN) watcher.ownMailbox().reserve(downs);
}

/** Fires `mon` with :noconnection and charges its watcher for taking the signal in (`connectionDown`). */
function fireLost(mon: Monitor, loss: ConnectionLoss): void {
  const { w, now } = loss;
  const watcher = mon.watcher;
  w.signals.fireMonitor(mon, NOCONNECTION, now);
  // On its RunState (a watcher has run: it made the monitor): a sum read and written
  // through an accessor was boxed twice a monitor.
  const debt = watcher.runState();
  const downs = loss.charged.get(watcher);
  if (downs !== undefined) {
    debt.laterSignalDebtUs += loss.perMonitorUs;
    loss.charged.set(watcher, downs + 1);
  } else {
    loss.charged.set(watcher, 1);
    debt.signalDebtUs += loss.perMonitorUs;
  }
}

function assertNeverDist(x: never): never {
  throw new Error(`unexpected distribution message ${JSON.stringify(x)}`);
}
