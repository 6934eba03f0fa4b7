// The simulated cluster: nodes, processes and ERTS semantics on top of the kernel and
// the network. A process handles one message at a time on one of its node's
// schedulers; a handler's CPU time is the cost model's, and what it does (sends,
// exits, timers) happens at the CPU time reached when it does it, so two processes on
// different schedulers can race as they do on a real node. Mirrors beam.md:
// send/monitor/demonitor(:flush)/monitor_node/exit/send_after/registered names/gen
// calls, :noproc and :noconnection, crash and restart with a new creation.
//
// Simplifications (README, "Model and its limits"): a handler runs to completion
// (one message per scheduling, then the process goes to the back of the run queue);
// exit signals other than :normal kill (no trap_exit); a late gen-call reply is
// dropped (OTP 24+ aliases).
import { atom, HEAP_BINARY_MAX_BYTES, tuple, type Pid, type Ref, type Term } from '../core/terms.js';
import { defaultCostModel, type CostModel } from './cost.js';
import { EtsTable, type EtsType } from './ets.js';
import { Kernel } from './kernel.js';
import { defaultNetConfig, Network, type NetConfig } from './network.js';
import { SimNode } from './node.js';
import {
  Proc,
  type Behaviour,
  type CallResult,
  type Ctx,
  type Dest,
  type DownSignal,
  type Envelope,
  type From,
  type Monitor,
  type Named,
} from './process.js';
import { RngRoot } from './rng.js';
import { DIST_HEADER_BYTES, offHeapOf, wireBytesOf, wordsOf } from './sizes.js';

export type WorldOptions = {
  seed: number | string;
  net?: Partial<NetConfig>;
  cost?: Partial<CostModel>;
};

/** What travels between nodes. */
type DistMsg =
  | { kind: 'send'; to: Dest; msg: unknown }
  | { kind: 'monitor'; ref: Ref; watcher: Pid; target: Dest }
  | { kind: 'demonitor'; ref: Ref; target: Pid }
  | { kind: 'down'; ref: Ref; watcher: Pid; object: Term; reason: Term }
  | { kind: 'exit'; to: Pid; reason: Term };

const NORMAL = atom('normal');
const KILL = atom('kill');
const KILLED = atom('killed');
const NOPROC = atom('noproc');
const NOCONNECTION = atom('noconnection');
const TIMEOUT = atom('timeout');

export function isNamed(d: Dest): d is Named {
  return !('t' in d);
}

export class World {
  readonly kernel = new Kernel();
  readonly rng: RngRoot;
  readonly net: Network;
  readonly cost: CostModel;
  readonly nodes = new Map<string, SimNode>();
  /** Every process ever spawned, by pid uid. */
  private readonly procs: Proc[] = [];
  private refs = 0;
  private timerIds = 0;
  private readonly ctx: HandlerCtx;
  private readonly kDeliver: number;
  private readonly kDone: number;
  private readonly kTimer: number;
  private readonly kDist: number;
  private readonly kExit: number;
  private readonly kCallTimeout: number;
  private readonly kScript: number;
  private readonly kDispatch: number;
  private inHandler = false;
  /** The envelope being handled (for `ctx.keep()`), if it came from the mailbox. */
  private handling: Envelope | undefined;
  /** Called after every delivery into a mailbox (metrics sampling hooks in here). */
  onDeliver: ((p: Proc, msg: unknown) => void) | undefined;
  /** Called after each handled message with its start and CPU time, µs (trace writers hook in here). */
  onSlice: ((p: Proc, startUs: number, durUs: number, msg: unknown) => void) | undefined;
  /** Called by a scenario's faults (crash, restart, partition, heal) and its trigger. */
  onFault: ((name: string, detail: string) => void) | undefined;
  /** Called when a process dies, with its exit reason (checkers hook in here; observe only). */
  onExit: ((p: Proc, reason: Term) => void) | undefined;
  /** Called when `node` sees its connection to `peer` go up or down (checkers hook in here; observe only). */
  onConnection: ((node: string, peer: string, up: boolean) => void) | undefined;

  constructor(opts: WorldOptions) {
    this.rng = new RngRoot(opts.seed);
    this.cost = { ...defaultCostModel, ...opts.cost };
    for (const [k, v] of Object.entries(this.cost)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`cost.${k} must be a number >= 0, got ${String(v)}`);
    }
    const k = this.kernel;
    this.kDeliver = k.defineKind('deliver', (uid, e) => this.deliver(this.procs[uid] as Proc, e as Envelope), (uid, e) => ({
      to: uid,
      msg: describeMsg((e as Envelope).msg),
    }));
    this.kDone = k.defineKind('slice_done', (uid, node) => this.sliceDone(this.procs[uid] as Proc, node as SimNode));
    this.kTimer = k.defineKind('timer', (uid, t) => this.fireTimer(this.procs[uid] as Proc, t as TimerArg));
    this.kDist = k.defineKind('dist_send', (_s, a) => this.distSend(a as DistSend));
    this.kExit = k.defineKind('exit_signal', (uid, r) => this.exitSignal(this.procs[uid] as Proc, r as Term));
    this.kCallTimeout = k.defineKind('call_timeout', (uid, tag) => this.callTimeout(this.procs[uid] as Proc, tag as Ref));
    this.kScript = k.defineKind('script', (_s, fn) => (fn as () => void)());
    this.kDispatch = k.defineKind('dispatch', (_s, node) => {
      (node as SimNode).dispatchPending = false;
      if ((node as SimNode).up) this.startNext(node as SimNode);
    });
    this.net = new Network(
      {
        kernel: k,
        nodeUp: (n) => this.nodes.get(n)?.up === true,
        knows: (n) => this.nodes.has(n),
        arrive: (from, to, p) => this.arrive(from, to, p as DistMsg),
        connectionDown: (n, peer) => this.connectionDown(n, peer),
        connectionUp: (n, peer) => {
          this.onConnection?.(n, peer, true);
          this.onConnection?.(peer, n, true);
        },
        unbusy: (n, peer) => this.unbusy(n, peer),
      },
      this.rng.stream('network'),
      { ...defaultNetConfig, ...opts.net },
    );
    this.ctx = new HandlerCtx(this);
  }

  get nowUs(): number {
    return this.kernel.nowUs;
  }

  addNode(name: string, opts: { schedulers?: number } = {}): SimNode {
    if (!/^[A-Za-z0-9_.@-]+$/.test(name)) throw new RangeError(`node name must be a plain atom like a@host, got '${name}'`);
    if (this.nodes.has(name)) throw new RangeError(`node '${name}' already exists`);
    const node = new SimNode(name, this.nodes.size, opts.schedulers ?? 2);
    this.nodes.set(name, node);
    return node;
  }

  node(name: string): SimNode {
    const n = this.nodes.get(name);
    if (n === undefined) throw new RangeError(`unknown node '${name}'`);
    return n;
  }

  proc(pid: Pid): Proc | undefined {
    const p = this.procs[pid.uid];
    return p !== undefined && p.pid === pid ? p : undefined;
  }

  /** The live process a pid names, if any. */
  alive(pid: Pid): Proc | undefined {
    const p = this.proc(pid);
    return p !== undefined && p.alive ? p : undefined;
  }

  makeRef(node: string): Ref {
    return { t: 'ref', uid: ++this.refs, node };
  }

  /** Runs `fn` at virtual time `atUs` (a step of a scenario script). */
  at(atUs: number, fn: () => void): void {
    this.kernel.at(atUs, this.kScript, 0, fn);
  }

  /** Spawns a process on `node` now, from outside any process. */
  spawn(nodeName: string, behaviour: Behaviour, opts: { name?: string } = {}): Pid {
    const node = this.node(nodeName);
    if (!node.up) throw new RangeError(`cannot spawn on node '${nodeName}': it is down`);
    const pid: Pid = { t: 'pid', uid: this.procs.length, node: node.name, id: node.nextId++, creation: node.creation };
    const p = new Proc(pid, behaviour);
    this.procs.push(p);
    node.procs.add(p);
    if (opts.name !== undefined) this.register(p, opts.name);
    if (behaviour.init !== undefined) {
      p.resume = INIT;
      this.makeRunnable(p);
    }
    return pid;
  }

  /** Sends `msg` to `to` from outside any process (a scenario driver on `fromNode`). */
  send(to: Dest, msg: unknown, fromNode?: string): void {
    this.sendAt(this.kernel.nowUs, fromNode ?? destNode(to), to, msg, false);
  }

  /** Sends an exit signal to `pid` now, as `Process.exit(pid, reason)` from `fromNode`. */
  exit(pid: Pid, reason: Term, fromNode?: string): void {
    this.exitAt(this.kernel.nowUs, fromNode ?? pid.node, pid, reason);
  }

  /** SIGKILL of a node's OS process: everything on it is gone; peers notice by reset. */
  crash(nodeName: string): void {
    const node = this.node(nodeName);
    if (!node.up) return;
    node.up = false;
    for (const p of node.procs) this.bury(p, KILLED);
    node.reset();
    this.net.nodeCrashed(nodeName);
  }

  /** Starts a crashed node again under the same name, with a new creation. */
  restart(nodeName: string): SimNode {
    const node = this.node(nodeName);
    if (node.up) throw new RangeError(`cannot restart node '${nodeName}': it is running`);
    node.up = true;
    node.creation++;
    node.nextId = 0;
    return node;
  }

  /**
   * A destination must be a pid this world made (of a process alive or dead) or a
   * `{name, node}` on a node it knows; anything else is a bug in the caller.
   */
  private checkDest(d: Dest, what: string): void {
    if (typeof d !== 'object' || d === null) throw new RangeError(`${what} a malformed destination: ${String(d)}`);
    if ('t' in d) {
      const p = d.t === 'pid' && Number.isInteger(d.uid) ? this.procs[d.uid] : undefined;
      if (p === undefined || p.pid.node !== d.node || p.pid.id !== d.id || p.pid.creation !== d.creation) {
        throw new RangeError(`${what} a malformed pid: ${JSON.stringify(d)}`);
      }
    } else if (typeof d.name !== 'string' || d.name === '' || !this.nodes.has(d.node)) {
      throw new RangeError(`${what} a malformed name: ${JSON.stringify(d)} (a {name, node} on a known node)`);
    }
  }

  // ---- scheduling ---------------------------------------------------------------------

  private makeRunnable(p: Proc): void {
    p.status = 'runnable';
    const node = this.nodes.get(p.pid.node) as SimNode;
    node.enqueueRunnable(p);
    if (node.freeSchedulers === 0) return;
    // Inside a handler (a spawn, say), another process must not start running in the
    // middle of it: a free scheduler picks it up in an event of its own.
    if (this.inHandler) {
      if (!node.dispatchPending) {
        node.dispatchPending = true;
        this.kernel.at(this.kernel.nowUs, this.kDispatch, node.index, node);
      }
    } else this.startNext(node);
  }

  private startNext(node: SimNode): void {
    while (node.freeSchedulers > 0) {
      const p = node.nextRunnable();
      if (p === undefined) return;
      if (p.status !== 'runnable') continue;
      if (!p.hasWork() || p.suspended) {
        p.status = 'waiting';
        continue;
      }
      node.freeSchedulers--;
      const durationUs = this.runOne(p);
      node.busyUs += durationUs;
      this.kernel.at(this.kernel.nowUs + durationUs, this.kDone, p.uid, node);
    }
  }

  /** Handles one message of `p`; returns the CPU time it took, whole µs (at least 1). */
  private runOne(p: Proc): number {
    p.status = 'running';
    let msg: unknown;
    if (p.resume !== null) {
      msg = p.resume;
      p.resume = null;
    } else {
      const e = p.mailbox.shift() as Envelope;
      const node = this.nodes.get(p.pid.node) as SimNode;
      this.unaccount(node, e);
      msg = e.msg;
      this.handling = e;
    }
    const ctx = this.ctx;
    ctx.enter(p, this.kernel.nowUs + this.cost.receiveUs + p.signalDebtUs);
    p.signalDebtUs = 0;
    this.inHandler = true;
    try {
      if (msg === INIT) (p.behaviour.init as (c: Ctx) => void)(ctx);
      else p.behaviour.handle(ctx, msg);
    } finally {
      this.inHandler = false;
      this.handling = undefined;
    }
    const durUs = Math.max(1, Math.ceil(ctx.leave() - this.kernel.nowUs));
    if (this.onSlice !== undefined) this.onSlice(p, this.kernel.nowUs, durUs, msg);
    return durUs;
  }

  private sliceDone(p: Proc, node: SimNode): void {
    if (!node.up || (this.nodes.get(p.pid.node) as SimNode) !== node || p.pid.creation !== node.creation) return;
    node.freeSchedulers++;
    if (p.status === 'running') {
      if (p.stopReason !== undefined) this.bury(p, p.stopReason);
      else if (p.hasWork() && !p.suspended) {
        p.status = 'runnable';
        node.enqueueRunnable(p);
      } else p.status = 'waiting';
    }
    this.startNext(node);
  }

  // ---- messages -------------------------------------------------------------------------

  /**
   * Sends at CPU time `atUs` from a process (or driver) on `fromNode`; returns the bytes
   * copied (heap words × 8 locally, the encoded size remotely) for the sender's CPU cost.
   */
  sendAt(atUs: number, fromNode: string, to: Dest, msg: unknown, noconnect: boolean): number {
    this.checkDest(to, 'send to');
    const toNode = destNode(to);
    if (toNode === fromNode) {
      const target = this.resolveLocal(to);
      if (target === undefined) return 0;
      const e = this.envelope(msg, toNode);
      this.kernel.at(atUs, this.kDeliver, target.uid, e);
      return e.words * 8;
    }
    const bytes = wireBytesOf(msg);
    this.dist(atUs, fromNode, toNode, { kind: 'send', to, msg }, noconnect, bytes);
    return bytes;
  }

  /**
   * A message as queued on `node`. `decoded` is true for one that came over the wire: its
   * large binaries are fresh copies. A local message shares its refc binaries with the
   * sender (beam.md: a local send copies only a handle).
   */
  private envelope(msg: unknown, node: string, decoded = false): Envelope {
    const words = wordsOf(msg, node);
    const offHeapBytes = offHeapOf(msg);
    if (offHeapBytes === 0 || decoded) return { msg, words, offHeapBytes };
    const shared = refcBinaries(msg);
    // Only what the walk can name is shared; anything else stays a copy.
    if (shared.reduce((n, [, size]) => n + size, 0) !== offHeapBytes) return { msg, words, offHeapBytes };
    return { msg, words, offHeapBytes, shared };
  }

  // FIX (test/sim/world.test.ts "memory: a large binary sent remotely is one off-heap copy per
  // message; a local send shares it"): a node's off-heap total used to add a large binary's
  // bytes once per local delivery; now a shared binary counts once while any mailbox holds it.
  private account(node: SimNode, e: Envelope): void {
    node.mailboxWords += e.words;
    if (e.offHeapBytes === 0) return;
    if (e.shared === undefined) {
      node.offHeapBytes += e.offHeapBytes;
      return;
    }
    for (const [bytes, size] of e.shared) {
      const holders = node.sharedBins.get(bytes) ?? 0;
      if (holders === 0) node.offHeapBytes += size;
      node.sharedBins.set(bytes, holders + 1);
    }
  }

  private unaccount(node: SimNode, e: Envelope): void {
    node.mailboxWords -= e.words;
    if (e.offHeapBytes === 0) return;
    if (e.shared === undefined) {
      node.offHeapBytes -= e.offHeapBytes;
      return;
    }
    for (const [bytes, size] of e.shared) {
      const holders = node.sharedBins.get(bytes) ?? 0;
      if (holders <= 1) {
        node.sharedBins.delete(bytes);
        node.offHeapBytes -= size;
      } else node.sharedBins.set(bytes, holders - 1);
    }
  }

  private resolveLocal(to: Dest): Proc | undefined {
    if (isNamed(to)) {
      const node = this.nodes.get(to.node);
      return node?.up === true ? node.registered.get(to.name) : undefined;
    }
    return this.alive(to);
  }

  private deliver(p: Proc, e: Envelope): void {
    if (!p.alive) return;
    const msg = e.msg as { kind?: unknown };
    if (p.awaiting !== null && this.matchesCall(p, msg)) return;
    if (msg.kind === '$reply') return; // a late reply to an abandoned call: the alias is gone
    p.mailbox.push(e);
    const node = this.nodes.get(p.pid.node) as SimNode;
    this.account(node, e);
    const len = p.mailbox.length;
    if (len > p.mailboxPeak) {
      p.mailboxPeak = len;
      if (len > node.peakMailbox) {
        node.peakMailbox = len;
        node.peakMailboxProc = p;
      }
    }
    if (p.status === 'waiting' && p.hasWork() && !p.suspended) this.makeRunnable(p);
    if (this.onDeliver !== undefined) this.onDeliver(p, e.msg);
  }

  // ---- distribution ---------------------------------------------------------------------

  private dist(atUs: number, from: string, to: string, m: DistMsg, noconnect: boolean, payloadBytes: number): void {
    const arg: DistSend = { from, to, m, noconnect, bytes: DIST_HEADER_BYTES + payloadBytes };
    if (atUs === this.kernel.nowUs) this.distSend(arg);
    else this.kernel.at(atUs, this.kDist, 0, arg);
  }

  private distSend(a: DistSend): void {
    const fromNode = this.nodes.get(a.from);
    if (fromNode?.up !== true) return;
    const r = this.net.send(a.from, a.to, a.m, a.bytes, a.noconnect);
    if (r === 'dropped' && a.m.kind === 'monitor') this.monitorUnreachable(a.m);
  }

  /** A monitor toward a node that cannot be reached fires at once with :noconnection. */
  private monitorUnreachable(m: { ref: Ref; watcher: Pid; target: Dest }): void {
    const w = this.alive(m.watcher);
    const mon = w?.monitors?.get(m.ref.uid);
    if (w === undefined || mon === undefined) return;
    this.fireMonitor(mon, NOCONNECTION, this.kernel.nowUs);
  }

  private arrive(from: string, to: string, m: DistMsg): void {
    switch (m.kind) {
      case 'send': {
        const p = this.resolveLocal(m.to);
        if (p !== undefined) this.deliver(p, this.envelope(m.msg, to, true));
        return;
      }
      case 'monitor':
        return this.remoteMonitorArrives(from, to, m);
      case 'demonitor': {
        const mon = this.nodes.get(to)?.remoteIn.get(from)?.get(m.ref.uid);
        if (mon !== undefined) this.dropMonitor(mon);
        return;
      }
      case 'down': {
        const w = this.alive(m.watcher);
        const mon = w?.monitors?.get(m.ref.uid);
        if (mon !== undefined) this.fireMonitor(mon, m.reason, this.kernel.nowUs, true);
        return;
      }
      case 'exit': {
        const p = this.alive(m.to);
        if (p !== undefined) this.exitSignal(p, m.reason);
        return;
      }
      default:
        return assertNeverDist(m);
    }
  }

  private remoteMonitorArrives(from: string, to: string, m: { ref: Ref; watcher: Pid; target: Dest }): void {
    const target = this.resolveLocal(m.target);
    const object = destTerm(m.target);
    if (target === undefined) {
      this.dist(this.kernel.nowUs, to, from, { kind: 'down', ref: m.ref, watcher: m.watcher, object, reason: NOPROC }, false, 60);
      return;
    }
    const watcherProc = this.procs[m.watcher.uid] as Proc;
    const mon: Monitor = { ref: m.ref, watcher: watcherProc, object, target, remote: true, peer: to, active: true };
    (target.monitoredBy ??= new Map()).set(m.ref.uid, mon);
    const node = this.nodes.get(to) as SimNode;
    mapFor(node.remoteIn, from).set(m.ref.uid, mon);
    node.monitorBytes += this.cost.remoteMonitorBytes;
  }

  private connectionDown(nodeName: string, peer: string): void {
    const node = this.nodes.get(nodeName);
    if (node?.up !== true) return;
    this.onConnection?.(nodeName, peer, false);
    const now = this.kernel.nowUs;
    const watchers = node.nodeWatchers.get(peer);
    if (watchers !== undefined) {
      for (const [p, count] of watchers) {
        for (let i = 0; i < count; i++) this.kernel.at(now, this.kDeliver, p.uid, this.envelope({ kind: 'nodedown', node: peer }, nodeName));
      }
      node.nodeWatchers.delete(peer);
    }
    const incoming = node.remoteIn.get(peer);
    if (incoming !== undefined) {
      for (const mon of incoming.values()) this.dropMonitor(mon);
    }
    const out = node.remoteOut.get(peer);
    if (out !== undefined) {
      // Every DOWN is signalled at once; each watcher then spends CPU taking its
      // signals in (OTP 25 receivers process their own signal queue) before it can
      // handle any message: R4 saw 100,000 queued together, handled from ~86 ms on.
      for (const mon of [...out.values()]) {
        this.fireMonitor(mon, NOCONNECTION, now);
        mon.watcher.signalDebtUs += this.cost.connLossPerMonitorUs;
      }
    }
  }

  private unbusy(nodeName: string, peer: string): void {
    const node = this.nodes.get(nodeName);
    if (node?.up !== true) return;
    for (const p of node.procs) {
      if (p.suspended !== peer) continue;
      p.suspended = undefined;
      if (p.status === 'waiting' && p.hasWork()) this.makeRunnable(p);
    }
  }

  // ---- monitors ---------------------------------------------------------------------------

  /** `erlang:monitor(process, target)` by `w` at CPU time `atUs`. */
  monitorFrom(w: Proc, target: Dest, atUs: number, given?: Ref): Ref {
    this.checkDest(target, 'monitor of');
    const ref = given ?? this.makeRef(w.pid.node);
    const toNode = destNode(target);
    const object = destTerm(target);
    const node = this.nodes.get(w.pid.node) as SimNode;
    if (toNode === w.pid.node) {
      const t = this.resolveLocal(target);
      const mon: Monitor = { ref, watcher: w, object, target: t ?? null, remote: false, peer: toNode, active: true };
      (w.monitors ??= new Map()).set(ref.uid, mon);
      node.monitorBytes += this.cost.localMonitorBytes;
      if (t === undefined) this.fireMonitor(mon, NOPROC, atUs);
      else (t.monitoredBy ??= new Map()).set(ref.uid, mon);
      return ref;
    }
    const mon: Monitor = { ref, watcher: w, object, target: null, remote: true, peer: toNode, active: true };
    (w.monitors ??= new Map()).set(ref.uid, mon);
    mapFor(node.remoteOut, toNode).set(ref.uid, mon);
    node.monitorBytes += this.cost.remoteMonitorBytes;
    this.dist(atUs, w.pid.node, toNode, { kind: 'monitor', ref, watcher: w.pid, target }, false, 60);
    return ref;
  }

  /** `erlang:demonitor(ref)`: true. With flush, also removes a DOWN for ref already queued. */
  demonitorFrom(w: Proc, ref: Ref, flush: boolean, atUs: number): boolean {
    const mon = w.monitors?.get(ref.uid);
    if (mon !== undefined) this.demonitorSignal(mon, atUs);
    if (flush) this.flushDown(w, ref);
    return true;
  }

  /** Removes a monitor the watcher holds; a remote one also tells the target's node. */
  private demonitorSignal(mon: Monitor, atUs: number): void {
    const w = mon.watcher;
    if (mon.remote && mon.active) {
      this.dist(atUs, w.pid.node, mon.peer, { kind: 'demonitor', ref: mon.ref, target: w.pid }, true, 40);
    }
    this.dropMonitor(mon);
  }

  /**
   * The handler keeps the message it is handling in its state (replacing what it kept
   * before): its memory stays counted on the node, refc binaries shared as in mailboxes.
   * Process heaps are not modelled otherwise (no GC model).
   */
  keep(p: Proc): void {
    const e = this.handling;
    if (e === undefined) return;
    const node = this.nodes.get(p.pid.node) as SimNode;
    if (p.kept !== undefined) this.unaccount(node, p.kept);
    this.account(node, e);
    p.kept = e;
  }

  /** `:ets.new(name, [type, :named_table, :public])` by `p`: the table dies with its owner. */
  etsNew(p: Proc, name: string, type: EtsType): EtsTable {
    const node = this.nodes.get(p.pid.node) as SimNode;
    if (typeof name !== 'string' || name === '') throw new RangeError(`ets table name must be a non-empty string, got ${String(name)}`);
    if (type !== 'set' && type !== 'ordered_set') throw new RangeError(`ets table type must be set or ordered_set, got ${String(type)}`);
    if (node.ets.has(name)) throw new Error(`ets table '${name}' already exists on ${node.name}`);
    const table = new EtsTable(name, type, p.uid, node.name, this.cost.etsRowBytes);
    node.ets.set(name, table);
    node.tables.set(`ets:${name}`, () => table.bytes());
    return table;
  }

  /** The named table on `p`'s node; a missing one is badarg, as in ETS. */
  etsTable(p: Proc, name: string): EtsTable {
    const table = this.nodes.get(p.pid.node)?.ets.get(name);
    if (table === undefined) throw new Error(`no ets table '${name}' on ${p.pid.node} (badarg)`);
    return table;
  }

  private dropTablesOf(p: Proc, node: SimNode): void {
    if (node.ets.size === 0) return;
    for (const [name, table] of [...node.ets]) {
      if (table.ownerUid !== p.uid) continue;
      node.ets.delete(name);
      node.tables.delete(`ets:${name}`);
    }
  }

  flushDown(p: Proc, ref: Ref): boolean {
    const e = p.mailbox.take((m) => (m as DownSignal).kind === 'DOWN' && (m as DownSignal).ref === ref);
    if (e === undefined) return false;
    const node = this.nodes.get(p.pid.node) as SimNode;
    this.unaccount(node, e);
    return true;
  }

  /** Removes a monitor from every index, without a DOWN. */
  private dropMonitor(mon: Monitor): void {
    if (!mon.active) return;
    mon.active = false;
    const w = mon.watcher;
    if (mon.remote && mon.target !== null) {
      // FIX (test/sim/world.test.ts "memory: monitors cost 130 bytes locally and 224 on each
      // side remotely", test/sim/network.test.ts "partition: both sides get :noconnection"):
      // a resolved remote monitor is the target node's copy. Dropping it (a demonitor
      // signal, or the target's side of a lost connection) must touch only that node's books;
      // it used to delete the watcher's monitor and charge the watcher's node too, so the
      // watcher lost its :noconnection DOWN and its node's monitorBytes went negative.
      const tNode = this.nodes.get(mon.target.pid.node) as SimNode;
      mon.target.monitoredBy?.delete(mon.ref.uid);
      tNode.remoteIn.get(w.pid.node)?.delete(mon.ref.uid);
      tNode.monitorBytes -= this.cost.remoteMonitorBytes;
      return;
    }
    w.monitors?.delete(mon.ref.uid);
    mon.target?.monitoredBy?.delete(mon.ref.uid);
    const wNode = this.nodes.get(w.pid.node) as SimNode;
    if (mon.remote) {
      wNode.remoteOut.get(mon.peer)?.delete(mon.ref.uid);
      wNode.monitorBytes -= this.cost.remoteMonitorBytes;
    } else wNode.monitorBytes -= this.cost.localMonitorBytes;
  }

  /** The monitor fires: a DOWN reaches the watcher at `atUs` (a monitor fires once). */
  /** `decoded`: the reason came over the wire (a remote DOWN), so it is this DOWN's own copy. */
  private fireMonitor(mon: Monitor, reason: Term, atUs: number, decoded = false): void {
    if (!mon.active) return;
    this.dropMonitor(mon);
    const down: DownSignal = { kind: 'DOWN', ref: mon.ref, object: mon.object, reason };
    this.kernel.at(atUs, this.kDeliver, mon.watcher.uid, this.envelope(down, mon.watcher.pid.node, decoded));
  }

  monitorNodeFrom(w: Proc, peer: string, atUs: number): void {
    const node = this.nodes.get(w.pid.node) as SimNode;
    if (peer === w.pid.node) return;
    if (!this.net.connected(w.pid.node, peer) && !this.net.ensureConnected(w.pid.node, peer)) {
      // No connection and none may be made: {:nodedown, peer} at once.
      this.kernel.at(atUs, this.kDeliver, w.uid, this.envelope({ kind: 'nodedown', node: peer }, w.pid.node));
      return;
    }
    const watchers = mapFor(node.nodeWatchers, peer);
    watchers.set(w, (watchers.get(w) ?? 0) + 1);
  }

  // ---- exits ------------------------------------------------------------------------------

  exitAt(atUs: number, fromNode: string, pid: Pid, reason: Term): void {
    this.checkDest(pid, 'exit signal to');
    if (pid.node === fromNode) {
      const p = this.alive(pid);
      if (p !== undefined) this.kernel.at(atUs, this.kExit, p.uid, reason);
    } else this.dist(atUs, fromNode, pid.node, { kind: 'exit', to: pid, reason }, false, 20);
  }

  private exitSignal(p: Proc, reason: Term): void {
    if (!p.alive || reason === NORMAL) return;
    if (p.status === 'running') {
      p.stopReason = reason === KILL ? KILLED : reason;
      return;
    }
    this.bury(p, reason === KILL ? KILLED : reason);
  }

  /** The process is dead: its monitors fire, its name and timers go. */
  private bury(p: Proc, reason: Term): void {
    if (!p.alive) return;
    p.status = 'dead';
    p.exitReason = reason;
    this.onExit?.(p, reason);
    const node = this.nodes.get(p.pid.node) as SimNode;
    const now = this.kernel.nowUs;
    if (p.timers !== undefined) for (const seq of p.timers.values()) this.kernel.cancel(seq);
    p.timers = undefined;
    if (p.awaiting !== null) this.kernel.cancel(p.awaiting.timerSeq);
    for (const mon of p.monitors !== undefined ? [...p.monitors.values()] : []) {
      if (node.up) this.demonitorSignal(mon, now);
      else this.dropMonitor(mon);
    }
    if (node.up) {
      for (const mon of p.monitoredBy !== undefined ? [...p.monitoredBy.values()] : []) {
        if (!mon.remote) this.fireMonitor(mon, reason, now);
        else {
          const wNode = mon.watcher.pid.node;
          node.remoteIn.get(wNode)?.delete(mon.ref.uid);
          node.monitorBytes -= this.cost.remoteMonitorBytes;
          p.monitoredBy?.delete(mon.ref.uid);
          this.dist(now, node.name, wNode, { kind: 'down', ref: mon.ref, watcher: mon.watcher.pid, object: mon.object, reason }, false, wireBytesOf(reason) + 60);
        }
      }
      if (p.kept !== undefined) this.unaccount(node, p.kept);
      if (p.mailbox.offHeapBytes === 0) node.mailboxWords -= p.mailbox.words;
      else for (let e = p.mailbox.shift(); e !== undefined; e = p.mailbox.shift()) this.unaccount(node, e);
      node.procs.delete(p);
      this.dropTablesOf(p, node);
      for (const watchers of node.nodeWatchers.values()) watchers.delete(p);
    }
    p.mailbox.clear();
    if (p.registeredName !== undefined && node.registered.get(p.registeredName) === p) node.registered.delete(p.registeredName);
  }

  // ---- timers, names, calls -------------------------------------------------------------

  sendAfterFrom(p: Proc, ms: number, msg: unknown, atUs: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`send_after time must be >= 0 ms, got ${ms}`);
    // Erlang timers have millisecond granularity and never fire early.
    const fireAt = Math.ceil((atUs + ms * 1000) / 1000) * 1000;
    const id = ++this.timerIds;
    (p.timers ??= new Map()).set(id, this.kernel.at(fireAt, this.kTimer, p.uid, { id, msg } satisfies TimerArg));
    return id;
  }

  cancelTimerOf(p: Proc, id: number): void {
    const seq = p.timers?.get(id);
    if (seq === undefined) return;
    this.kernel.cancel(seq);
    p.timers?.delete(id);
  }

  private fireTimer(p: Proc, t: TimerArg): void {
    if (!p.alive || p.timers?.delete(t.id) !== true) return;
    this.deliver(p, this.envelope(t.msg, p.pid.node));
  }

  register(p: Proc, name: string): void {
    const node = this.nodes.get(p.pid.node) as SimNode;
    const holder = node.registered.get(name);
    if (holder !== undefined && holder.alive) throw new Error(`name '${name}' is already registered on ${node.name}`);
    node.registered.set(name, p);
    p.registeredName = name;
  }

  callFrom(p: Proc, to: Dest, msg: unknown, timeoutMs: number, atUs: number): Ref {
    if (p.awaiting !== null) throw new Error(`process ${p.uid} is already waiting on a call`);
    // FIX (test/sim/world.test.ts "bad input: timers and calls"): a bad timeout used to fail
    // in the kernel ("event time … is in the past") after the monitor and request had gone out.
    if (Number.isNaN(timeoutMs) || timeoutMs < 0) throw new RangeError(`call timeout must be >= 0 ms (or Infinity), got ${timeoutMs}`);
    const tag = this.makeRef(p.pid.node);
    const monitorRef = this.monitorFrom(p, to, atUs);
    this.sendAt(atUs, p.pid.node, to, { kind: '$gen_call', from: { pid: p.pid, tag }, msg }, false);
    const timerSeq = Number.isFinite(timeoutMs)
      ? this.kernel.at(Math.ceil((atUs + timeoutMs * 1000) / 1000) * 1000, this.kCallTimeout, p.uid, tag)
      : -1;
    p.awaiting = { tag, monitorRef, timerSeq, callee: destTerm(to) };
    return tag;
  }

  /** A message for a process blocked in a call: the reply, or the callee's DOWN. */
  private matchesCall(p: Proc, msg: { kind?: unknown }): boolean {
    const a = p.awaiting as NonNullable<Proc['awaiting']>;
    if (msg.kind === '$reply' && (msg as { tag: Ref }).tag === a.tag) {
      this.demonitorFrom(p, a.monitorRef, true, this.kernel.nowUs);
      this.resolveCall(p, { ok: (msg as { value: Term }).value });
      return true;
    }
    if (msg.kind === 'DOWN' && (msg as DownSignal).ref === a.monitorRef) {
      const reason = (msg as DownSignal).reason;
      const exit = reason === NOCONNECTION ? tuple(atom('nodedown'), atom(destNodeOfTerm(a.callee))) : reason;
      this.resolveCall(p, { exit });
      return true;
    }
    return false;
  }

  private callTimeout(p: Proc, tag: Ref): void {
    if (!p.alive || p.awaiting === null || p.awaiting.tag !== tag) return;
    this.demonitorFrom(p, p.awaiting.monitorRef, true, this.kernel.nowUs);
    this.resolveCall(p, { exit: TIMEOUT });
  }

  private resolveCall(p: Proc, result: CallResult['result']): void {
    const a = p.awaiting as NonNullable<Proc['awaiting']>;
    if (a.timerSeq >= 0) this.kernel.cancel(a.timerSeq);
    p.awaiting = null;
    p.resume = { kind: 'call_result', tag: a.tag, result };
    if (p.status === 'waiting') this.makeRunnable(p);
  }

  replyFrom(p: Proc, from: From, value: Term, atUs: number): void {
    this.sendAt(atUs, p.pid.node, from.pid, { kind: '$reply', tag: from.tag, value }, false);
  }

  /** Marks `p` suspended on a busy connection to `peer` when its output queue is over the limit. */
  checkBusy(p: Proc, peer: string): void {
    if (this.net.busy(p.pid.node, peer)) p.suspended = peer;
  }
}

type DistSend = { from: string; to: string; m: DistMsg; noconnect: boolean; bytes: number };
type TimerArg = { id: number; msg: unknown };

const INIT: CallResult = { kind: 'call_result', tag: { t: 'ref', uid: -1, node: 'init' }, result: { ok: atom('init') } };

/** The context handed to behaviours; one per world, re-aimed at each handled message. */
class HandlerCtx implements Ctx {
  private p!: Proc;
  private cursorUs = 0;

  constructor(private readonly w: World) {}

  enter(p: Proc, startUs: number): void {
    this.p = p;
    this.cursorUs = startUs;
  }

  leave(): number {
    return this.cursorUs;
  }

  get self(): Pid {
    return this.p.pid;
  }

  get node(): string {
    return this.p.pid.node;
  }

  nowUs(): number {
    return Math.ceil(this.cursorUs);
  }

  cpu(us: number): void {
    this.cursorUs += us;
  }

  send(to: Dest, msg: unknown, opts?: { noconnect?: boolean }): void {
    const remote = destNode(to) !== this.p.pid.node;
    const cost = this.w.cost;
    this.cursorUs += remote ? cost.sendRemoteUs : cost.sendLocalUs;
    const bytes = this.w.sendAt(this.nowUs(), this.p.pid.node, to, msg, opts?.noconnect === true);
    this.cursorUs += bytes * cost.perByteUs;
    if (remote) this.w.checkBusy(this.p, destNode(to));
  }

  monitor(target: Dest, ref?: Ref): Ref {
    this.cursorUs += this.w.cost.monitorUs;
    return this.w.monitorFrom(this.p, target, this.nowUs(), ref);
  }

  demonitor(ref: Ref, opts?: { flush?: boolean }): boolean {
    this.cursorUs += this.w.cost.monitorUs;
    return this.w.demonitorFrom(this.p, ref, opts?.flush === true, this.nowUs());
  }

  monitorNode(node: string): void {
    this.cursorUs += this.w.cost.monitorUs;
    this.w.monitorNodeFrom(this.p, node, this.nowUs());
  }

  sendAfter(ms: number, msg: unknown): number {
    return this.w.sendAfterFrom(this.p, ms, msg, this.nowUs());
  }

  cancelTimer(id: number): void {
    this.w.cancelTimerOf(this.p, id);
  }

  exit(pid: Pid, reason: Term): void {
    this.cursorUs += pid.node !== this.p.pid.node ? this.w.cost.sendRemoteUs : this.w.cost.sendLocalUs;
    this.w.exitAt(this.nowUs(), this.p.pid.node, pid, reason);
  }

  spawn(behaviour: Behaviour, opts?: { name?: string }): Pid {
    return this.w.spawn(this.p.pid.node, behaviour, opts);
  }

  call(to: Dest, msg: unknown, timeoutMs: number): Ref {
    this.cursorUs += destNode(to) !== this.p.pid.node ? this.w.cost.sendRemoteUs : this.w.cost.sendLocalUs;
    return this.w.callFrom(this.p, to, msg, timeoutMs, this.nowUs());
  }

  reply(from: From, value: Term): void {
    this.cursorUs += from.pid.node !== this.p.pid.node ? this.w.cost.sendRemoteUs : this.w.cost.sendLocalUs;
    this.w.replyFrom(this.p, from, value, this.nowUs());
  }

  register(name: string): void {
    this.w.register(this.p, name);
  }

  whereis(name: string): Pid | undefined {
    const p = this.w.node(this.p.pid.node).registered.get(name);
    return p?.alive === true ? p.pid : undefined;
  }

  makeRef(): Ref {
    return this.w.makeRef(this.p.pid.node);
  }

  flushDown(ref: Ref): boolean {
    return this.w.flushDown(this.p, ref);
  }

  keep(): void {
    this.w.keep(this.p);
  }

  etsNew(name: string, type: EtsType = 'set'): EtsTable {
    return this.w.etsNew(this.p, name, type);
  }

  ets(name: string): EtsTable {
    return this.w.etsTable(this.p, name);
  }

  stop(reason: Term): void {
    this.p.stopReason = reason;
  }

  isConnected(node: string): boolean {
    return node === this.p.pid.node || this.w.net.connected(this.p.pid.node, node);
  }
}

export function destNode(d: Dest): string {
  return d.node;
}

/** The term a DOWN names for a monitored destination: the pid, or `{name, node}`. */
export function destTerm(d: Dest): Term {
  return isNamed(d) ? tuple(atom(d.name), atom(d.node)) : d;
}

function destNodeOfTerm(t: Term): string {
  if (t.t === 'pid') return t.node;
  if (t.t === 'tuple' && t.v[1]?.t === 'atom') return t.v[1].v;
  return '';
}

function mapFor<K, V>(m: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let inner = m.get(key);
  if (inner === undefined) {
    inner = new Map();
    m.set(key, inner);
  }
  return inner;
}

function describeMsg(msg: unknown): string {
  if (typeof msg !== 'object' || msg === null) return String(msg);
  if ('kind' in msg) return String((msg as { kind: unknown }).kind);
  if ('t' in msg) return String((msg as { t: unknown }).t);
  return 'message';
}

function assertNeverDist(x: never): never {
  throw new Error(`unexpected distribution message ${JSON.stringify(x)}`);
}

/** The distinct refc binaries (over 64 bytes) a message references, with their sizes. */
function refcBinaries(msg: unknown): [Uint8Array, number][] {
  const found = new Map<Uint8Array, number>();
  const walk = (t: Term): void => {
    switch (t.t) {
      case 'bin':
      case 'bits': {
        const n = t.t === 'bin' ? t.bytes.length : Math.ceil(t.bitSize / 8);
        if (n > HEAP_BINARY_MAX_BYTES) found.set(t.bytes, n);
        return;
      }
      case 'tuple':
      case 'list':
        for (const x of t.v) walk(x);
        return;
      case 'ilist':
        for (const x of t.v) walk(x);
        walk(t.tail);
        return;
      case 'map':
        for (const [k, v] of t.v) {
          walk(k);
          walk(v);
        }
        return;
      default:
        return;
    }
  };
  const m = msg as { t?: unknown; kind?: unknown };
  if (typeof m === 'object' && m !== null) {
    if (typeof m.t === 'string') walk(msg as Term);
    else if (m.kind === 'DOWN') walk((msg as DownSignal).reason);
  }
  return [...found];
}
