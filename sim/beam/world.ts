// The simulated cluster (sim/beam, the simulated ERTS and its distribution): nodes,
// processes and ERTS semantics on top of the event kernel (sim/engine) and the network.
// This layer may import core/ (terms, message sizes) and sim/engine/ only; it knows
// nothing of ZenMonitor's runtime, scenarios, reports, checks or plans.
//
// A process handles one message at a time on one of its node's schedulers, which need a
// core of the node's host to run (host.ts: nodes may share a machine); a handler's CPU
// time is the cost model's (a scheduler's CPU time goes on from one handling to the next,
// the clock counting whole µs), and what it does (sends, exits, timers) happens at the
// CPU time reached when it does it (ctx.ts), so two processes on different schedulers
// can race as they do on a real node. A generator handler also reads and writes at that
// time: at each synchronisation point it yields, the events due by its CPU time run
// first (the kernel's clock moves to it when none is due; otherwise the handler pauses,
// holding its scheduler, until a `handler_resume` event at that time), and the tag of a
// call or receive yielded blocks it off its scheduler until the result. Mirrors beam.md:
// send/monitor/demonitor(:flush)/monitor_node/exit/send_after/registered names/gen calls,
// links and trap_exit, :noproc and :noconnection, crash and restart with a new creation.
// The world is split by seam: this file holds nodes, scheduling (generator handlers included) and
// local delivery; spawn.ts spawning; handling.ts a handling's end, carry-over, crash and records;
// mailbox.ts the message queue (a ring.ts ring, as the run queue is); roster.ts the remote monitors
// per peer; host.ts the cores; signals.ts monitors and exits (a dead process's exit, in slices);
// links.ts links; calls.ts gen calls and timers; receive.ts selective receive; proc_lib.ts
// synchronous starts; dist.ts the distribution glue; world_net.ts the network's view of the world;
// memory.ts the memory books of queued and kept messages; ctx.ts the process context. OTP's
// supervisor and GenRegistry are behaviours on top (supervisor.ts, gen_registry.ts).
//
// Simplifications (README, "Model and its limits"): a handler runs to completion (one message per
// scheduling, then the process goes to the back of the run queue), and a plain (non-generator)
// one reads the world as its handling began; an exit signal that kills a running process takes
// effect when its handler ends (at once if it is paused at a synchronisation point); a late
// gen-call reply is dropped (OTP 24+ aliases). An Erlang exception a handler does not catch (a
// ProcessCrash: badarg, badmatch, …) ends its process with that reason when the handling ends.
import { atom, samePid, type Pid, type Ref, type Term } from '../../core/terms.js';
import { Calls, type TimerArg } from './calls.js';
import { defaultCostModel, type CostModel } from './cost.js';
import { HandlerCtx } from './ctx.js';
import { Distribution, type DistSend } from './dist.js';
import { Host, type HostOptions } from './host.js';
import { Kernel } from '../engine/kernel.js';
import { objectElements } from '../engine/double_fields.js';
import { Links, type ExitSig } from './links.js';
import { envelopeOf, ProcessMemory } from './memory.js';
import { checkMessage, isTerm } from './sizes.js';
import { Network } from './network.js';
import { WorldNet } from './world_net.js';
import { defaultNetConfig, type NetConfig } from './net_config.js';
import { checkNodeOptions, NodesByProc, SimNode } from './node.js';
import { isHandling, ProcStatus, type Proc, type Behaviour, type SpawnOpts, type RunState, type CallResult, type Ctx, type Dest, type Envelope, type Handling, type Received, type Slice } from './process.js';
import { ProcLib } from './proc_lib.js';
import { Receives } from './receive.js';
import { RngRoot } from '../engine/rng.js';
import { Signals } from './signals.js';
import { Spawner } from './spawn.js';
import { answerOf, crashed, EXITING, handlingEndUs, INIT, MAX_CARRY_US, SliceRecords, sliceMsg } from './handling.js';
import { destNode, isNamed, ownerOf } from './dest.js';

export type WorldOptions = {
  seed: number | string;
  net?: Partial<NetConfig>;
  cost?: Partial<CostModel>;
};

/** The world's kernel event kinds (defined in this order: the trace hash mixes their codes). */
export type WorldKinds = {
  readonly deliver: number;
  readonly done: number;
  readonly timer: number;
  readonly dist: number;
  readonly exit: number;
  readonly callTimeout: number;
  readonly script: number;
  readonly dispatch: number;
  readonly resume: number;
};

export class World {
  readonly kernel = new Kernel();
  readonly rng: RngRoot;
  readonly net: Network;
  readonly cost: CostModel;
  readonly nodes = new Map<string, SimNode>();
  /** Hosts declared with `addHost` (several nodes on one machine); a node added without one has its own. */
  readonly hosts = new Map<string, Host>();
  /** Every process ever spawned, by pid uid (internal to sim/beam); typed for objects and holes ahead (double_fields.ts), as a large spawnMany's copy at its new size is (spawn.ts). */
  procs: Proc[] = objectElements(new Array<Proc>(1));
  private readonly procNodes = new NodesByProc(); // each process's node, by pid uid (`nodeOf`)
  private readonly spawner = new Spawner(this, this.procNodes);
  private lastNode: SimNode | undefined = undefined; // the node `node` found last, kept (nodes are never removed or replaced): a scenario spawns its targets one by one on one node
  readonly kinds: WorldKinds;
  readonly signals = new Signals(this, this.procNodes);
  readonly calls = new Calls(this);
  readonly dist = new Distribution(this);
  readonly links = new Links(this);
  readonly receives = new Receives(this);
  readonly procLib = new ProcLib(this);
  private refs = 0;
  private readonly ctx: HandlerCtx;
  private inHandler = false;
  private readonly slices = new SliceRecords(); // records of generator handlings, reused
  /** The envelope being handled (for `ctx.keep()`), if it came from the mailbox. */
  private handling: Envelope | undefined;
  /** Process heaps, messages' binaries and what deaths free (memory.ts, heap.ts). */
  readonly mem = new ProcessMemory(this);
  /** Called after every delivery into a mailbox, with the node of the process (metrics sampling hooks in here). */
  onDeliver: ((p: Proc, msg: unknown, node: SimNode) => void) | undefined;
  /**
   * Called after each handled message with its start and CPU time, µs (trace writers hook
   * in here); a generator handler's once it has ended, or blocked in a call.
   */
  onSlice: ((p: Proc, startUs: number, durUs: number, msg: unknown) => void) | undefined;
  /** Called as a process begins handling a message, before its handler runs from CPU time `cursorUs` (checkers and trace writers hook in here; observe only). */
  onSliceStart: ((p: Proc, startUs: number, msg: unknown, cursorUs: number) => void) | undefined;
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
    const on = World.on;
    this.kinds = {
      deliver: k.defineKind('deliver', on.deliver, on.describeDeliver, this),
      done: k.defineKind('slice_done', on.sliceDone, undefined, this),
      timer: k.defineKind('timer', on.timer, undefined, this),
      dist: k.defineKind('dist_send', on.dist, undefined, this),
      exit: k.defineKind('exit_signal', on.exit, undefined, this),
      callTimeout: k.defineKind('call_timeout', on.callTimeout, undefined, this),
      script: k.defineKind('script', on.script),
      dispatch: k.defineKind('dispatch', on.dispatch, undefined, this),
      resume: k.defineKind('handler_resume', on.resume, undefined, this),
    };
    this.net = new Network(new WorldNet(this), this.rng.stream('network'), { ...defaultNetConfig, ...opts.net });
    this.ctx = new HandlerCtx(this);
  }

  /** The kinds' handlers, each one function for every world, which comes as the owner (kernel.ts). */
  private static readonly on = {
    deliver: (uid: number, e: unknown, w: World) => w.deliver(w.procs[uid] as Proc, e as Envelope),
    sliceDone: (uid: number, node: unknown, w: World) => w.sliceDone(w.procs[uid] as Proc, node as SimNode),
    timer: (uid: number, t: unknown, w: World) => w.calls.fireTimer(w.procs[uid] as Proc, t as TimerArg),
    dist: (_s: number, a: unknown, w: World) => w.dist.sendNow(a as DistSend),
    exit: (uid: number, s: unknown, w: World) => w.signals.exitSignal(w.procs[uid] as Proc, s as ExitSig),
    callTimeout: (uid: number, tag: unknown, w: World) => w.calls.callTimeout(w.procs[uid] as Proc, tag as Ref),
    script: (_s: number, fn: unknown) => (fn as () => void)(),
    dispatch: (_s: number, node: unknown, w: World) => {
      (node as SimNode).dispatchPending = false;
      if ((node as SimNode).up) w.startNext(node as SimNode);
    },
    resume: (uid: number, s: unknown, w: World) => w.resumeSlice(w.procs[uid] as Proc, s as Slice),
    describeDeliver: (uid: number, e: unknown) => ({ to: uid, msg: describeMsg((e as Envelope).msg) }),
  };

  get nowUs(): number {
    return this.kernel.nowUs;
  }

  /** A machine with `cores` CPU cores that nodes added with `{host: name}` share (host.ts). */
  addHost(name: string, opts: HostOptions): Host {
    if (this.hosts.has(name)) throw new RangeError(`host '${name}' already exists`);
    const host = new Host(name, opts);
    this.hosts.set(name, host);
    return host;
  }

  /**
   * Adds a node with `schedulers` scheduler threads (default 2), on the host named `host`
   * (declared with `addHost`), or on a host of its own with one core per scheduler.
   */
  addNode(name: string, opts: { schedulers?: number; host?: string; clockPhaseUs?: number } = {}): SimNode {
    checkNodeOptions(name, opts.schedulers, opts.clockPhaseUs);
    if (this.nodes.has(name)) throw new RangeError(`node '${name}' already exists`);
    const schedulers = opts.schedulers ?? 2;
    let host: Host;
    if (opts.host === undefined) host = new Host(name, { cores: Math.min(schedulers, 1024) });
    else {
      const h = this.hosts.get(opts.host);
      if (h === undefined) throw new RangeError(`node '${name}': unknown host '${opts.host}'`);
      host = h;
    }
    const node = new SimNode(name, this.nodes.size, schedulers, host, this.rng.stream(`node:${name}/clock`), opts.clockPhaseUs);
    this.nodes.set(name, node);
    this.procNodes.added(node);
    return node;
  }

  node(name: string): SimNode {
    const n = this.lastNode?.name === name ? this.lastNode : this.nodes.get(name);
    if (n === undefined) throw new RangeError(`unknown node '${name}'`);
    return (this.lastNode = n);
  }

  /** The process `pid` names: its own pid object (the usual case, no field compared) or an equal term (pids compare by value: node, id, creation). */
  proc(pid: Pid): Proc | undefined {
    const p = this.procs[pid.uid];
    return p === undefined || p.pid === pid || samePid(p.pid, pid) ? p : undefined;
  }

  /** The live process a pid names, if any. */
  alive(pid: Pid): Proc | undefined {
    const p = this.proc(pid);
    return p !== undefined && p.alive ? p : undefined;
  }

  /** A new (ordinary) reference on `node`. */
  makeRef(node: string): Ref {
    return { t: 'ref', uid: ++this.refs, node, alias: false };
  }

  /** A new reference's uid, for a monitor that keeps no ref term (`Signals.monitorDropping`). */
  newRefUid(): number {
    return ++this.refs;
  }

  /** A new pid reference on `node` (`erlang:monitor/3` with `{:alias, _}`). */
  makeAliasRef(node: string): Ref {
    return { t: 'ref', uid: ++this.refs, node, alias: true };
  }

  /** Runs `fn` at virtual time `atUs` (a step of a scenario script). */
  at(atUs: number, fn: () => void): void {
    this.kernel.at(atUs, this.kinds.script, 0, fn);
  }

  /** The node a process of this world lives on. */
  nodeOf(p: Proc): SimNode {
    return this.procNodes.of(p.pid.uid);
  }

  /**
   * Spawns a process on `node` now, from outside any process. `offHeapQueue`:
   * `message_queue_data` `off_heap` (its queued messages stay out of its heap).
   */
  spawn(nodeName: string, behaviour: Behaviour, opts?: SpawnOpts): Pid {
    return this.spawner.spawn(nodeName, behaviour, opts);
  }

  /** Spawns `n` processes of `behaviour` on `node` now, as `n` calls of `spawn` would (their pids, in order), the node and behaviour looked at once. */
  spawnMany(nodeName: string, n: number, behaviour: Behaviour): Pid[] {
    return this.spawner.spawnMany(nodeName, n, behaviour);
  }

  /** Sends `msg` to `to` from outside any process (a scenario driver on `fromNode`). */
  send(to: Dest, msg: unknown, fromNode?: string): void {
    this.sendAt(this.kernel.nowUs, fromNode ?? destNode(to), to, msg, false);
  }

  /**
   * Sends an exit signal to `pid` now, as `Process.exit(pid, reason)` from `fromNode`, by
   * no process: a trapping `pid` gets `{:EXIT, from, reason}` with `from` undefined.
   */
  exit(pid: Pid, reason: Term, fromNode?: string): void {
    // A script's mistake (a plain string for an atom: `'kill'`, not `atom('kill')`) would
    // otherwise surface deep in the exit handling as an internal error.
    if (!isTerm(reason)) {
      throw new RangeError(`exit: the reason must be a term (atom('kill'), tuple(...)), got ${typeof reason === 'string' ? `the string '${reason}'` : String(reason)}`);
    }
    this.signals.exitAt(this.kernel.nowUs, fromNode ?? pid.node, pid, reason);
  }

  /** SIGKILL of a node's OS process: everything on it is gone; peers notice by reset. */
  crash(nodeName: string): void {
    const node = this.node(nodeName);
    if (!node.up) return;
    node.up = false;
    this.forEachLiveOn(node, (p) => this.signals.bury(p, KILLED));
    // Its threads are gone: the cores they held serve the host's other nodes.
    node.keptCores.length = 0;
    for (let n = node.coresHeld; n > 0; n--) this.releaseCore(node);
    node.reset();
    this.net.nodeCrashed(nodeName);
  }

  /**
   * Calls `f` on each live process of `node`, in spawn order, as a walk of a Set of them
   * would: one that dies meanwhile is skipped, one spawned meanwhile is visited.
   */
  forEachLiveOn(node: SimNode, f: (p: Proc) => void): void {
    for (let uid = 0; uid < this.procs.length; uid++) {
      const p = this.procs[uid] as Proc;
      if (p.alive && p.pid.node === node.name) f(p);
    }
  }

  /** Starts a crashed node again under the same name, with a new creation. */
  restart(nodeName: string): SimNode {
    const node = this.node(nodeName);
    if (node.up) throw new RangeError(`cannot restart node '${nodeName}': it is running`);
    node.reboot();
    return node;
  }

  /**
   * A destination must be a pid this world made (of a process alive or dead) or a
   * `{name, node}` on a node it knows; anything else is a bug in the caller.
   */
  checkDest(d: Dest, what: string): void {
    if (typeof d !== 'object' || d === null) throw new RangeError(`${what} a malformed destination: ${String(d)}`);
    if ('t' in d) {
      if (d.t !== 'pid' || !Number.isInteger(d.uid) || this.proc(d) === undefined) {
        throw new RangeError(`${what} a malformed pid: ${JSON.stringify(d)}`);
      }
    } else if (typeof d.name !== 'string' || d.name === '' || !this.nodes.has(d.node)) {
      throw new RangeError(`${what} a malformed name: ${JSON.stringify(d)} (a {name, node} on a known node)`);
    }
  }

  // ---- scheduling (a process queued, running or paused has its RunState: read directly) --

  /** Queues a dead process's exit (its monitors to fire, signals.ts) on its node's run queue, unless it is queued already. */
  scheduleExit(p: Proc, queued: boolean): void {
    const node = this.nodeOf(p);
    if (!queued) node.enqueueRunnable(p);
    this.wake(node);
  }

  /** Queues `p` on its node's run queue (internal to sim/beam). */
  makeRunnable(p: Proc, node: SimNode = this.nodeOf(p)): void {
    p.status = ProcStatus.Runnable;
    node.enqueueRunnable(p);
    this.wake(node);
  }

  /** Something was queued on `node`'s run queue: a free scheduler picks it up. */
  private wake(node: SimNode): void {
    if (node.freeSchedulers === 0) return;
    // Inside a handler (a spawn, say), another process must not start running in the
    // middle of it: a free scheduler picks it up in an event of its own.
    if (this.inHandler) {
      if (!node.dispatchPending) {
        node.dispatchPending = true;
        this.kernel.at(this.kernel.nowUs, this.kinds.dispatch, node.index, node);
      }
    } else this.startNext(node);
  }

  /**
   * Starts handlings on `node`'s free schedulers while it has runnable processes and its
   * threads get a core of its host (one kept from the handling before, else a free one);
   * a thread that finds none waits for one. A core kept and not used goes back to the host.
   */
  private startNext(node: SimNode): void {
    while (node.freeSchedulers > 0) {
      const p = node.peekRunnable();
      if (p === undefined) break;
      const r = p.runState();
      if (r.exiting === undefined) {
        if (p.status !== ProcStatus.Runnable) {
          node.dropRunnable();
          continue;
        }
        if (!p.hasWork() || r.suspended) {
          node.dropRunnable();
          p.status = ProcStatus.Waiting;
          continue;
        }
      }
      const since = node.host.take(node, this.kernel.nowUs);
      if (since < 0) {
        node.host.waitFor(node, this.kernel.nowUs);
        break;
      }
      node.dropRunnable();
      node.freeSchedulers--;
      r.coreSinceUs = since;
      // The thread's CPU time goes on from where its last handling ended, within the µs.
      r.runFromUs = Math.max(node.takenFreeUs, this.kernel.nowUs - MAX_CARRY_US);
      if (r.exiting !== undefined) this.runExit(p, node);
      else this.runOne(p, node, r);
    }
    while (node.keptCores.length > 0) {
      node.keptCores.length--;
      this.releaseCore(node);
    }
  }

  /** `node` gives a core back (host.ts); the thread it goes to starts at once. */
  private releaseCore(node: SimNode): void {
    const next = node.host.release(node, this.kernel.nowUs);
    if (next !== undefined) this.startNext(next);
  }

  /** A handling of `p` ended and freed its scheduler thread, which keeps its core or hands it over (host.ts). */
  private threadDone(node: SimNode, r: RunState): void {
    node.freeSchedulers++;
    const next = node.host.handlingEnded(node, r, this.kernel.nowUs);
    if (next !== undefined) this.startNext(next);
  }

  /** Handles one message of `p` on a scheduler of `node` (a generator handler may pause). */
  private runOne(p: Proc, node: SimNode, run: RunState): void {
    p.status = ProcStatus.Running;
    let msg: unknown;
    let e: Envelope | undefined;
    let gcUs = 0;
    if (run.resume !== null) {
      msg = run.resume;
      run.resume = null;
    } else {
      e = run.mailbox.shift() as Envelope;
      gcUs = this.mem.take(p, e, p.behaviour.otpLoop === true);
      msg = e.msg;
    }
    const startUs = this.kernel.nowUs;
    const cursorUs = run.runFromUs + this.cost.receiveUs + run.signalDebtUs + gcUs;
    run.signalDebtUs = run.laterSignalDebtUs;
    run.laterSignalDebtUs = 0;
    this.onSliceStart?.(p, startUs, msg, cursorUs);
    const ctx = this.ctx;
    ctx.enter(p, cursorUs);
    const blocked = run.slice;
    if (blocked !== null) {
      // A generator handler blocked in a call or a receive: this is its result.
      const r = msg as CallResult | Received;
      if (r.tag !== blocked.call) throw new Error(`process ${p.uid} is blocked in a call but was resumed with ${JSON.stringify(msg)}`);
      run.slice = null;
      blocked.call = null;
      blocked.startUs = startUs;
      blocked.msg = msg;
      blocked.envelope = undefined;
      this.drive(p, node, blocked, answerOf(r), run);
      return;
    }
    this.handling = e;
    this.inHandler = true;
    let r: void | Handling = undefined;
    try {
      r = msg === INIT ? (p.behaviour.init as (c: Ctx) => void | Handling)(ctx) : p.behaviour.handle(ctx, msg);
    } catch (e) {
      crashed(p, e);
    } finally {
      this.inHandler = false;
    }
    if (!isHandling(r)) {
      this.handling = undefined; // else `drive` goes on with it: stored once a handling (each store of a young envelope into the old World is a write barrier)
      // A collection its take left due runs now (heap.ts `receive`), charged to this handling.
      ctx.cpu(this.mem.handlerDone(p, e));
      this.endSlice(p, node, startUs, msg);
    }
    else this.drive(p, node, this.slices.take(r, startUs, msg, e), undefined, run);
  }

  /**
   * Runs a generator handler from the context's CPU time (the caller aims it at `p`: a fraction passed as an
   * argument is boxed, 16 bytes) until it ends, pauses at a synchronisation point some earlier event must
   * precede (holding its scheduler; a `resume` event at its CPU time goes on), or blocks in a call (leaving it).
   */
  private drive(p: Proc, node: SimNode, s: Slice, input: unknown, run: RunState): void {
    const ctx = this.ctx;
    this.inHandler = true;
    try {
      for (let r = s.next.call(s.it, input); r.done !== true; r = s.next.call(s.it, input)) {
        const y = r.value;
        if (y === undefined) {
          // A synchronisation point: every event due by the handler's CPU time runs first.
          const atUs = ctx.nowUs();
          input = undefined;
          if (this.kernel.advanceTo(atUs)) continue;
          s.cursorUs = ctx.leave();
          run.slice = s;
          this.kernel.at(Math.max(atUs, this.kernel.nowUs), this.kinds.resume, p.uid, s);
          return;
        }
        const ready = run.resume;
        if (ready !== null && ready.tag === y) {
          // Answered already (while the handler was paused, or a receive found its message): go on.
          run.resume = null;
          input = answerOf(ready);
          continue;
        }
        if (run.awaiting?.tag !== y && run.receiving?.tag !== y) {
          throw new Error(`process ${p.uid} yielded ${JSON.stringify(y)}, which is not the tag of a call or receive in flight`);
        }
        s.call = y;
        run.slice = s;
        break;
      }
    } catch (e) {
      crashed(p, e);
      run.slice = null;
    } finally {
      this.inHandler = false;
      this.handling = undefined;
    }
    // Ended, or blocked in a call (the world lets go of the message it handles then).
    ctx.cpu(this.mem.handlerDone(p, s.envelope));
    this.endSlice(p, node, s.startUs, sliceMsg(s));
    // Ended: nothing refers to its record any more (no resume event: it ran on from there).
    if (run.slice !== s) this.slices.give(s);
  }

  /** A paused generator handler's CPU time has come: it goes on (or, killed meanwhile, frees its scheduler). */
  private resumeSlice(p: Proc, s: Slice): void {
    const node = this.nodeOf(p);
    const r = p.runState();
    if (!node.up || p.pid.creation !== node.creation || r.slice !== s) return;
    r.slice = null;
    if (p.alive) {
      this.ctx.enter(p, s.cursorUs);
      this.handling = s.envelope;
      this.drive(p, node, s, undefined, r);
      return;
    }
    const durUs = Math.max(1, this.kernel.nowUs - s.startUs);
    node.busyUs += this.kernel.nowUs - r.runFromUs;
    r.cpuEndUs = this.kernel.nowUs;
    this.onSlice?.(p, s.startUs, durUs, sliceMsg(s));
    this.threadDone(node, r);
    this.startNext(node);
  }

  /** One slice of a dead process's exit on a scheduler of `node`: it fires its next monitors (signals.ts). */
  private runExit(p: Proc, node: SimNode): void {
    this.ctx.enter(p, this.signals.exitSlice(p, this.kernel.nowUs, p.runState().runFromUs));
    this.endSlice(p, node, this.kernel.nowUs, EXITING); // exitSlice moves no clock
  }

  /**
   * The handling that began at `startUs` (its CPU time from `p.runState().runFromUs`) has
   * reached the context's CPU time: its CPU counts as it is, and its scheduler is free at the
   * next whole µs (at least 1 µs after it began: the clock moves on), its next handling
   * going on from there (`handlingEndUs`).
   */
  private endSlice(p: Proc, node: SimNode, startUs: number, msg: unknown): void {
    const cursorUs = this.ctx.leave();
    const doneUs = handlingEndUs(startUs, cursorUs);
    const r = p.runState();
    node.busyUs += cursorUs - r.runFromUs;
    r.cpuEndUs = cursorUs;
    if (this.onSlice !== undefined) this.onSlice(p, startUs, doneUs - startUs, msg);
    this.kernel.at(doneUs, this.kinds.done, p.uid, node);
  }

  private sliceDone(p: Proc, node: SimNode): void {
    if (!node.up || p.pid.node !== node.name /* names are unique */ || p.pid.creation !== node.creation) return;
    const r = p.runState();
    this.threadDone(node, r);
    const x = r.exiting;
    if (x !== undefined) {
      // An exit that has monitors left goes to the back of the run queue, as ERTS's does.
      if (x.next < x.monitors.length) node.enqueueRunnable(p);
      else r.exiting = undefined;
    } else if (p.status === ProcStatus.Running) {
      if (r.stopReason !== undefined) this.signals.bury(p, r.stopReason);
      else if (p.hasWork() && !r.suspended) {
        p.status = ProcStatus.Runnable;
        node.enqueueRunnable(p);
      } else p.status = ProcStatus.Waiting;
    }
    this.startNext(node);
  }

  // ---- messages -------------------------------------------------------------------------

  /**
   * Sends at CPU time `atUs` from a process (or driver) on `fromNode`; returns the bytes
   * copied (heap words × 8 locally, the encoded size remotely) for the sender's CPU cost.
   */
  sendAt(atUs: number, fromNode: string, to: Dest, msg: unknown, noconnect: boolean): number {
    const own = ownerOf(this.procs, to);
    if (own === undefined) this.checkDest(to, 'send to');
    const kind = checkMessage(msg);
    const toNode = destNode(to);
    if (toNode === fromNode) {
      const target = this.resolveLocal(to, own);
      if (target === undefined) return 0;
      const e = envelopeOf(msg, kind, toNode, 0);
      this.kernel.at(atUs, this.kinds.deliver, target.uid, e);
      return e.words * 8;
    }
    return this.dist.send(atUs, fromNode, toNode, { kind: 'send', to, msg }, noconnect);
  }

  /** The live process a local destination names, if any (`own`: its `ownerOf`, when the caller looked already). */
  resolveLocal(to: Dest, own?: Proc): Proc | undefined {
    if (own !== undefined) return own.alive ? own : undefined;
    if (isNamed(to)) {
      const node = this.nodes.get(to.node);
      return node?.up === true ? node.registered.get(to.name) : undefined;
    }
    return this.alive(to);
  }

  /** Puts `e` in `p`'s mailbox now (or hands it to the call `p` is blocked in). */
  deliver(p: Proc, e: Envelope): void {
    if (!p.alive) return;
    const r = p.runState(); // made here if not yet (its first message makes it anyway): read directly
    if (r.awaiting !== null && this.calls.matchesCall(p, e)) return;
    if (e.kind === '$reply') return; // a late reply to an abandoned call: the alias is gone
    if (r.receiving !== null && this.receives.offer(p, e)) return;
    const mailbox = p.ownMailbox();
    mailbox.push(e);
    const node = this.procNodes.of(p.pid.uid); // not `nodeOf`, a call here once V8's inlining budget was spent (~58 instructions): this small look V8 inlines
    this.mem.arrive(p, node, e);
    const len = mailbox.length;
    if (len > r.mailboxPeakSinceMark) {
      r.mailboxPeakSinceMark = len;
      if (len > r.mailboxPeak) {
        if (r.mailboxPeak === 0) node.messaged.push(p);
        r.mailboxPeak = len;
      }
      if (len > node.peakMailbox) {
        node.peakMailbox = len;
        node.peakMailboxProc = p;
      }
    }
    if (p.status === ProcStatus.Waiting && p.hasWork() && !r.suspended) this.makeRunnable(p, node);
    if (this.onDeliver !== undefined) this.onDeliver(p, e.msg, node);
  }

  /**
   * The handler keeps the message it is handling in its state, replacing what it kept
   * before (`absorb`: adds it to the state instead): it stays live on the process's heap.
   */
  keep(p: Proc, absorb = false): void {
    const e = this.handling;
    if (e === undefined) return;
    if (absorb) this.mem.absorb(p, e);
    else this.mem.keep(p, e);
  }

  register(p: Proc, name: string): void {
    const node = this.nodeOf(p);
    const holder = node.registered.get(name);
    if (holder !== undefined && holder.alive) throw new Error(`name '${name}' is already registered on ${node.name}`);
    node.registered.set(name, p);
    node.tablesChanged(); // a ZenMonitor table's memory may read a process by its name
    p.registeredName = name;
  }
}

const KILLED = atom('killed');

function describeMsg(msg: unknown): string {
  if (typeof msg !== 'object' || msg === null) return String(msg);
  if ('kind' in msg) return String((msg as { kind: unknown }).kind);
  if ('t' in msg) return String((msg as { t: unknown }).t);
  return 'message';
}

