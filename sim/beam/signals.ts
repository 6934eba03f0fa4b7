// Monitors and exit signals between simulated processes (beam.md "Monitors"; the Erlang
// reference manual, "Processes", on receiving exit signals): local and remote
// `erlang:monitor/2` with `:noproc` at once for a dead or unregistered target,
// `demonitor/2` with `:flush`, `monitor_node/2`, exit signals, and what a death does: the
// process's monitors fire (a remote one as a DOWN signal over the connection), its links
// carry its exit reason (links.ts), its timers, name and tables go. A monitor fires once
// and is then gone. An exit signal (erlang:exit/2 or a link's): `exit(pid, :kill)` kills
// unconditionally with `:killed`; otherwise a process trapping exits gets
// `{:EXIT, from, reason}` in its mailbox; otherwise `:normal` is ignored (unless a process
// sent it to itself with exit/2) and any other reason kills with that reason.
//
// A dead process fires the monitors on it as ERTS's exiting process does: in slices on
// its node's schedulers (it is queued on the run queue, and goes to the back of it after
// each slice), EXIT_MONITORS_PER_SLICE monitors a slice at `cost.exitSignalUs` each (plus
// the encoding of a remote DOWN), the local watchers' monitors first, then the remote
// ones in the order of ERTS's monitor tree (the watcher's node, then the ref); the remote
// DOWNs of a slice go on the wire when the slice ends (the distribution's output port task
// runs after it). A monitor demonitored before its turn does not fire.
import { atom, type Pid, type Ref, type Term } from '../../core/terms.js';
import type { UidMap } from '../../core/uid_map.js';
import { dropTablesOf } from './ets.js';
import type { ExitSig } from './links.js';
import { downEnvelope, envelope } from './memory.js';
import type { NodesByProc, SimNode } from './node.js';
import type { DistSend } from './dist.js';
import { downRefUid, dropEnds, isRemoteMonitor, Monitor, monitorDown, MonitorEnd, monitorPeer, monitorRef, monitorUid, targetHolds, watcherHolds } from './monitor.js';
import type { Dest, DownSignal, Exiting, ExitMessage, Proc } from './process.js';
import { ProcStatus } from './process.js';
import type { World } from './world.js';
import { handlingEndUs } from './handling.js';
import { destNode, destTerm, ownerOf, perPeer } from './dest.js';

const NORMAL = atom('normal');
/** A node's monitor_node watchers of one peer: the count of each process's calls. */
const newWatcherCounts = (): Map<Proc, number> => new Map();
const KILL = atom('kill');
const KILLED = atom('killed');
const NOPROC = atom('noproc');

/**
 * Monitors an exiting process fires per scheduling: ERTS's CONTEXT_REDS (4000), one
 * reduction a monitor. F2: the target with 40,000 monitors was scheduled 11 times, 10
 * slices of 6 to 36 ms and a last one of 0.3 to 0.5 ms (fixtures, target_scheduled_slices_ms).
 */
export const EXIT_MONITORS_PER_SLICE = 4000;

export class Signals {
  constructor(
    private readonly w: World,
    /** The world's index of each process's node (`World.nodeOf`'s), read directly where V8 would not inline `nodeOf` (`bury`). */
    private readonly procNodes: NodesByProc,
  ) {}

  /** `erlang:monitor(process, target)` by `watcher` at CPU time `atUs`: its ref (`given`: made by the watcher already). */
  monitorFrom(watcher: Proc, target: Dest, atUs: number, given?: Ref): Ref {
    if (given !== undefined && given.node !== watcher.pid.node) {
      // The record keeps only the uid (and alias bit): its ref's node is its watcher's.
      throw new RangeError(`monitor: ref #${given.uid} was made on ${given.node}, not on the watcher's node ${watcher.pid.node}`);
    }
    const mon = this.monitorOf(watcher, target, atUs, given);
    return given ?? monitorRef(mon);
  }

  /**
   * `erlang:monitor(process, target)` whose ref the caller drops (a herd's subscriber,
   * ZenMonitor's Proxy): the same monitor, its ref's uid taken, no ref made. Made only to
   * be dropped, the ref was young garbage at every monitor: 11 MB more for a 100k herd's
   * two modes, 8 more scavenges, each promoting what was in flight (+14 MB promoted).
   */
  monitorDropping(watcher: Proc, target: Dest, atUs: number): void {
    this.monitorOf(watcher, target, atUs, undefined);
  }

  private monitorOf(watcher: Proc, target: Dest, atUs: number, given: Ref | undefined): Monitor {
    const w = this.w;
    const own = ownerOf(w.procs, target);
    if (own === undefined) w.checkDest(target, 'monitor of');
    const uid = given === undefined ? w.newRefUid() : given.uid;
    const alias = given?.alias === true ? MonitorEnd.Alias : 0;
    const toNode = destNode(target);
    const object = own !== undefined ? own.pid : destTerm(target);
    const node = w.nodeOf(watcher);
    if (toNode === watcher.pid.node) {
      const t = w.resolveLocal(target, own);
      const mon = Monitor.of(uid, watcher, object, t ?? null, MonitorEnd.Watcher | MonitorEnd.Target | alias);
      watcher.ownMonitors().set(uid, mon);
      node.books.monitorBytes += w.cost.localMonitorBytes;
      if (t === undefined) this.fireMonitor(mon, NOPROC, atUs);
      else t.addMonitoredBy(mon);
      return mon;
    }
    const mon = Monitor.of(uid, watcher, object, null, MonitorEnd.Watcher | alias);
    watcher.ownMonitors().set(uid, mon);
    node.remoteOut.of(toNode).add(mon);
    node.books.monitorBytes += w.cost.remoteMonitorBytes;
    w.dist.send(atUs, watcher.pid.node, toNode, { kind: 'monitor', mon, target }, false);
    return mon;
  }

  /** `erlang:demonitor(ref)`: true. With flush, also removes a DOWN for ref already queued. */
  demonitorFrom(watcher: Proc, ref: Ref, flush: boolean, atUs: number): boolean {
    const mon = watcher.monitors?.get(ref.uid);
    if (mon !== undefined) this.demonitorSignal(mon, atUs);
    if (flush) this.flushDown(watcher, ref);
    return true;
  }

  /**
   * A dead process's monitors dropped (`bury`), each remote one's target told while its
   * node is up: apart from `bury`, whose closures over `this` and `now` had V8 make their
   * context at every death (~48 bytes; a herd's crash buries 100,000 targets holding none).
   */
  private dropHeldBy(monitors: UidMap<Monitor>, up: boolean, now: number): void {
    if (up) monitors.forEachValue((mon) => this.demonitorSignal(mon, now));
    else monitors.forEachValue((mon) => this.dropMonitor(mon));
  }

  /** Removes a monitor the watcher holds; a remote one also tells the target's node. */
  private demonitorSignal(mon: Monitor, atUs: number): void {
    const w = mon.watcher;
    if (isRemoteMonitor(mon) && watcherHolds(mon)) {
      this.w.dist.send(atUs, w.pid.node, monitorPeer(mon), { kind: 'demonitor', ref: monitorRef(mon), watcher: w.pid, object: mon.object }, true);
    }
    this.dropMonitor(mon);
  }

  flushDown(p: Proc, ref: Ref): boolean {
    const e = p.mailbox.take((m) => (m as DownSignal).kind === 'DOWN' && downRefUid(m as DownSignal) === ref.uid);
    if (e === undefined) return false;
    this.w.mem.flush(p, e);
    return true;
  }

  /** The watcher's end of a monitor (both ends of a local one) goes from every index of its node, without a DOWN. */
  dropMonitor(mon: Monitor): void {
    if (!watcherHolds(mon)) return;
    const w = mon.watcher;
    const cost = this.w.cost;
    const peer = monitorPeer(mon);
    const uid = monitorUid(mon);
    w.monitors?.delete(uid);
    const wNode = this.w.nodeOf(w);
    if (peer !== w.pid.node) {
      // Remote: the target's end is its node's, which drops it when a signal or a lost connection tells it (`dropHeld`).
      dropEnds(mon, MonitorEnd.Watcher);
      wNode.remoteOut.get(peer)?.left();
      wNode.books.monitorBytes -= cost.remoteMonitorBytes;
      return;
    }
    dropEnds(mon, MonitorEnd.Watcher | MonitorEnd.Target);
    mon.target?.dropMonitoredBy(uid);
    wNode.books.monitorBytes -= cost.localMonitorBytes;
  }

  /**
   * The target node's end of a remote monitor goes (a demonitor signal, the target's
   * exit, or the target's side of a lost connection), without a DOWN: only that node's
   * indexes and books change. FIX (test/sim/beam/world.test.ts "memory: monitors cost 130
   * bytes locally and 224 on each side remotely", test/sim/beam/network.test.ts "partition:
   * both sides get :noconnection"): dropping the target's end used to delete the watcher's
   * monitor and charge the watcher's node too, so the watcher lost its :noconnection DOWN
   * and its node's monitorBytes went negative.
   */
  dropHeld(mon: Monitor): void {
    if (!targetHolds(mon)) return;
    dropEnds(mon, MonitorEnd.Target);
    const target = mon.target as Proc;
    const tNode = this.w.nodeOf(target);
    target.dropMonitoredBy(monitorUid(mon));
    tNode.remoteIn.get(mon.watcher.pid.node)?.left();
    tNode.books.monitorBytes -= this.w.cost.remoteMonitorBytes;
  }

  /**
   * The monitor fires: a DOWN reaches the watcher at `atUs` (a monitor fires once).
   * `payload`: the reason's bytes on the wire when it came from there (a remote DOWN).
   */
  fireMonitor(mon: Monitor, reason: Term, atUs: number, payload = 0): void {
    if (!watcherHolds(mon)) return;
    this.dropMonitor(mon);
    // The DOWN is its own envelope (monitor.ts `MonitorDown`).
    this.w.kernel.at(atUs, this.w.kinds.deliver, mon.watcher.uid, downEnvelope(monitorDown(mon, reason), mon.watcher.pid.node, payload));
  }

  monitorNodeFrom(watcher: Proc, peer: string, atUs: number): void {
    const w = this.w;
    const node = w.nodeOf(watcher);
    if (peer === watcher.pid.node) return;
    if (!w.net.connected(watcher.pid.node, peer) && !w.net.ensureConnected(watcher.pid.node, peer)) {
      // No connection and none may be made: {:nodedown, peer} at once.
      w.kernel.at(atUs, w.kinds.deliver, watcher.uid, envelope({ kind: 'nodedown', node: peer }, watcher.pid.node));
      return;
    }
    const watchers = perPeer(node.nodeWatchers, peer, newWatcherCounts);
    watchers.set(watcher, (watchers.get(watcher) ?? 0) + 1);
  }

  // ---- exits ------------------------------------------------------------------------------

  /** `exit(pid, reason)` (erlang:exit/2) sent at `atUs` by `from` on `fromNode` (no `from`: a scenario driver). */
  exitAt(atUs: number, fromNode: string, pid: Pid, reason: Term, from?: Pid): void {
    const w = this.w;
    w.checkDest(pid, 'exit signal to');
    if (pid.node === fromNode) {
      const p = w.alive(pid);
      if (p !== undefined) w.kernel.at(atUs, w.kinds.exit, p.uid, { reason, from, link: false } satisfies ExitSig);
    } else w.dist.send(atUs, fromNode, pid.node, { kind: 'exit', to: pid, from, reason, link: false }, false);
  }

  /** An exit signal reaches `p` (`payload`: its reason's bytes on the wire when it came from there). */
  exitSignal(p: Proc, sig: ExitSig, payload = 0): void {
    if (!p.alive) return;
    if (sig.link && !this.w.links.take(p, sig.from)) return;
    const reason = sig.reason;
    if (reason === KILL && !sig.link) return this.kill(p, KILLED);
    if (p.ext?.trapExit === true) {
      const msg: ExitMessage = { kind: 'EXIT', from: sig.from, reason };
      return this.w.deliver(p, envelope(msg, p.pid.node, payload));
    }
    if (reason !== NORMAL) return this.kill(p, reason);
    if (!sig.link && sig.from?.uid === p.uid) this.kill(p, NORMAL);
  }

  /**
   * `p` exits with `reason`: now, or when the handler it is running ends (a handler paused
   * at a synchronisation point dies now: it does nothing more).
   */
  private kill(p: Proc, reason: Term): void {
    if (p.status === ProcStatus.Running && !p.pausedAtSync()) p.stopReason = reason;
    else this.bury(p, reason);
  }

  /**
   * The process is dead: its links, name, timers, tables and heap go now; the monitors on
   * it fire in the slices of its exit (`exitSlice`), queued on its node's run queue.
   */
  bury(p: Proc, reason: Term): void {
    if (!p.alive) return;
    const w = this.w;
    const queued = p.status === ProcStatus.Runnable;
    p.status = ProcStatus.Dead;
    p.exitReason = reason;
    w.onExit?.(p, reason);
    const node = this.procNodes.of(p.pid.uid); // as `deliver` reads it: `nodeOf` was a call here (~78 instructions a death)
    node.tablesChanged(); // its tables, its registered name and its state (a ZenMonitor process's) go with it
    const now = w.kernel.nowUs;
    if (p.timers !== undefined) cancelTimers(p, w);
    if (p.awaiting !== null) w.kernel.cancel(p.awaiting.timerSeq);
    const ext = p.ext;
    const monitors = ext?.monitors;
    if (ext !== undefined && monitors !== undefined && monitors.size > 0) {
      // Taken off the dead process and walked as they are (each drop finds no map to delete
      // its monitor from), not copied first: the copy of a crashed node's Proxy's 100,000
      // monitors was ~200 page faults a warm 100k herd round.
      ext.monitors = undefined;
      this.dropHeldBy(monitors, node.up, now);
    }
    if (node.up) {
      this.w.links.died(p, reason);
      w.mem.died(p);
      dropTablesOf(p, node);
      if (node.nodeWatchers.size > 0) forgetWatcher(p, node);
    }
    p.mailbox.clear();
    if (p.suspended !== undefined) node.suspendedProcs.delete(p);
    if (p.registeredName !== undefined && node.registered.get(p.registeredName) === p) node.registered.delete(p.registeredName);
    if (node.up && p.monitoredByCount() > 0) {
      p.exiting = { reason, monitors: exitOrder(p), next: 0 };
      w.scheduleExit(p, queued);
    }
  }

  /**
   * One slice of `p`'s exit, begun at `startUs` on a scheduler (its CPU time from `fromUs`): it fires up to
   * EXIT_MONITORS_PER_SLICE of the monitors left; returns the CPU time reached. A local
   * DOWN is sent at the CPU time its monitor is fired, the remote ones when the slice ends.
   */
  exitSlice(p: Proc, startUs: number, fromUs: number): number {
    const w = this.w;
    const x = p.exiting as Exiting;
    const node = w.nodeOf(p);
    const cost = w.cost;
    let cursorUs = fromUs;
    const wire: DistSend[] = [];
    const last = Math.min(x.monitors.length, x.next + EXIT_MONITORS_PER_SLICE);
    for (; x.next < last; x.next++) {
      const mon = x.monitors[x.next] as Monitor;
      if (!targetHolds(mon)) continue;
      cursorUs += cost.exitSignalUs;
      if (!isRemoteMonitor(mon)) {
        this.fireMonitor(mon, x.reason, Math.ceil(cursorUs));
        continue;
      }
      this.dropHeld(mon);
      const down = { kind: 'down', ref: monitorRef(mon), watcher: mon.watcher.pid, object: mon.object, reason: x.reason } as const;
      const d = w.dist.prepare(node.name, mon.watcher.pid.node, down, false);
      cursorUs += (d.control + d.payload) * cost.perByteUs;
      wire.push(d);
    }
    const endUs = handlingEndUs(startUs, cursorUs);
    for (const d of wire) w.dist.sendAt(endUs, d);
    return cursorUs;
  }
}

/**
 * The order an exiting process fires the monitors on it, as erl_process.c's exit phases
 * take them: the local watchers' (its list of local target monitors, oldest first), then
 * the remote watchers' in the order of its monitor tree, keyed by ref: refs compare by
 * node name first (F2: a's 20,000 DOWNs all left before c's), then, within a node, in
 * the order they were made (an approximation of ERTS's ref order).
 */
// A dying process's timers and node watches, left in functions of their own: a closure
// in `bury` over its parameters had V8 make their context (48 bytes) at every death.

function cancelTimers(p: Proc, w: World): void {
  p.timers?.forEachValue((seq) => w.kernel.cancel(seq));
  p.timers = undefined;
}

function forgetWatcher(p: Proc, node: SimNode): void {
  node.nodeWatchers.forEach((watchers) => watchers.delete(p));
}

function exitOrder(p: Proc): Monitor[] {
  const local: Monitor[] = [];
  const remote: Monitor[] = [];
  p.forEachMonitoredBy((mon) => (isRemoteMonitor(mon) ? remote : local).push(mon));
  remote.sort((a, b) => {
    const an = a.watcher.pid.node;
    const bn = b.watcher.pid.node;
    return an < bn ? -1 : an > bn ? 1 : monitorUid(a) - monitorUid(b);
  });
  return local.length === 0 ? remote : local.concat(remote);
}
