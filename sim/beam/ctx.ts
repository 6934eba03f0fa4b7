// The process context: what a behaviour's handler can do (process.ts `Ctx`), charged to
// its CPU time. One context per world, re-aimed at each handled message; its cursor is
// the CPU time the handler has reached, and every effect (a send, a monitor, an exit, a
// timer, a call) happens at that time, so processes on different schedulers race as
// they do on a real node. Costs come from the cost model (cost.ts).
import type { Pid, Ref, Term } from '../../core/terms.js';
import { DoubleFields } from '../engine/double_fields.js';
import { etsNew, etsNewTyped, etsTable, type EtsOpts, type EtsTable, type EtsType, type TableBody } from './ets.js';
import { labelProcess, type Behaviour, type Ctx, type Dest, type From, type Proc, type SpawnOpts } from './process.js';
import { type World } from './world.js';
import { destNode } from './dest.js';

const CTX_DOUBLES = new DoubleFields(['cursorUs']);

/** The virtual time a handler reads (`ctx.nowUs()`) at CPU time `cursorUs`: the next whole µs. */
export function handlerNowUs(cursorUs: number): number {
  return Math.ceil(cursorUs);
}

export class HandlerCtx implements Ctx {
  private p!: Proc;
  private cursorUs = 0;

  constructor(private readonly w: World) {
    CTX_DOUBLES.made(this);
  }

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
    return handlerNowUs(this.cursorUs);
  }

  monotonicS(): number {
    return this.w.nodeOf(this.p).monotonicS(this.nowUs());
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
    if (remote) this.w.dist.checkBusy(this.p, destNode(to));
  }

  monitor(target: Dest, ref?: Ref): Ref {
    this.cursorUs += this.w.cost.monitorUs;
    return this.w.signals.monitorFrom(this.p, target, this.nowUs(), ref);
  }

  monitorDropping(target: Dest): void {
    this.cursorUs += this.w.cost.monitorUs;
    this.w.signals.monitorDropping(this.p, target, this.nowUs());
  }

  demonitor(ref: Ref, opts?: { flush?: boolean }): boolean {
    this.cursorUs += this.w.cost.monitorUs;
    return this.w.signals.demonitorFrom(this.p, ref, opts?.flush === true, this.nowUs());
  }

  monitorNode(node: string): void {
    this.cursorUs += this.w.cost.monitorUs;
    this.w.signals.monitorNodeFrom(this.p, node, this.nowUs());
  }

  sendAfter(ms: number, msg: unknown): number {
    return this.w.calls.sendAfterFrom(this.p, ms, msg, this.nowUs());
  }

  cancelTimer(id: number): void {
    this.w.calls.cancelTimerOf(this.p, id);
  }

  exit(pid: Pid, reason: Term): void {
    this.cursorUs += this.sendCost(pid.node);
    this.w.signals.exitAt(this.nowUs(), this.p.pid.node, pid, reason, this.p.pid);
  }

  spawn(behaviour: Behaviour, opts?: { name?: string }): Pid {
    return this.w.spawn(this.p.pid.node, behaviour, opts);
  }

  // Links, trap_exit, proc_lib starts and selective receive (links.ts, proc_lib.ts,
  // receive.ts). A link or unlink costs what a monitor does (the same ERTS bookkeeping).

  spawnLink(behaviour: Behaviour, opts?: { name?: string }): Pid {
    const pid = this.w.spawn(this.p.pid.node, behaviour, opts);
    this.link(pid);
    return pid;
  }

  link(pid: Pid): void {
    this.cursorUs += this.w.cost.monitorUs;
    this.w.links.link(this.p, pid, this.nowUs());
  }

  unlink(pid: Pid): void {
    this.cursorUs += this.w.cost.monitorUs;
    this.w.links.unlink(this.p, pid, this.nowUs());
  }

  trapExit(on: boolean): boolean {
    const x = this.p.runState();
    const old = x.trapExit;
    x.trapExit = on;
    return old;
  }

  startLink(behaviour: Behaviour, opts: SpawnOpts = {}): Pid {
    this.cursorUs += this.w.cost.monitorUs;
    return this.w.procLib.startLinkFrom(this.p, behaviour, opts, this.nowUs());
  }

  initAck(error?: Term): void {
    if (this.p.ext?.parent === undefined) return;
    this.cursorUs += this.w.cost.sendLocalUs;
    this.cursorUs += this.w.procLib.initAckFrom(this.p, error, this.nowUs()) * this.w.cost.perByteUs;
  }

  parent(): Pid | undefined {
    return this.p.ext?.parent;
  }

  receive(match: (msg: unknown) => boolean, timeoutMs: number): Ref {
    return this.w.receives.receiveFrom(this.p, match, timeoutMs, this.nowUs());
  }

  take(match: (msg: unknown) => boolean): unknown {
    return this.w.receives.takeFrom(this.p, match);
  }

  call(to: Dest, msg: unknown, timeoutMs: number): Ref {
    this.cursorUs += this.sendCost(destNode(to));
    return this.w.calls.callFrom(this.p, to, msg, timeoutMs, this.nowUs());
  }

  reply(from: From, value: Term): void {
    this.cursorUs += this.sendCost(from.pid.node);
    this.w.calls.replyFrom(this.p, from, value, this.nowUs());
  }

  register(name: string): void {
    this.w.register(this.p, name);
  }

  whereis(name: string): Pid | undefined {
    const p = this.w.nodeOf(this.p).registered.get(name);
    return p?.alive === true ? p.pid : undefined;
  }

  makeRef(): Ref {
    return this.w.makeRef(this.p.pid.node);
  }

  flushDown(ref: Ref): boolean {
    return this.w.signals.flushDown(this.p, ref);
  }

  keep(): void {
    this.w.keep(this.p);
  }

  absorb(): void {
    this.w.keep(this.p, true);
  }

  allocate(words: number, count = 1): void {
    this.cursorUs += this.w.mem.allocate(this.p, words, count);
  }

  discard(words: number): void {
    this.w.mem.discard(this.p, words);
  }

  holdState(words: number): void {
    this.cursorUs += this.w.mem.setState(this.p, words);
  }

  hibernate(): void {
    this.cursorUs += this.w.mem.hibernate(this.p);
  }

  etsNew(name: string, type: EtsType = 'set', opts?: EtsOpts): EtsTable {
    return etsNew(this.w.nodeOf(this.p), this.p, name, type, this.w.cost, opts);
  }

  setLabel(label: string): void {
    labelProcess(this.p, label);
  }

  etsNewTyped<T extends TableBody>(name: string, body: T): T {
    return etsNewTyped(this.w.nodeOf(this.p), this.p, name, body);
  }

  etsNewPrivate(): void {
    this.w.mem.ownPrivateTable(this.p);
  }

  ets(name: string): EtsTable {
    this.cursorUs += this.w.cost.etsOpUs;
    return etsTable(this.w.nodeOf(this.p), name);
  }

  stop(reason: Term): void {
    this.p.stopReason = reason;
  }

  stopping(): Term | undefined {
    return this.p.stopReason;
  }

  isConnected(node: string): boolean {
    return node === this.p.pid.node || this.w.net.connected(this.p.pid.node, node);
  }

  /** CPU to send a signal to a process on `node` (an exit, a call, a reply). */
  private sendCost(node: string): number {
    return node !== this.p.pid.node ? this.w.cost.sendRemoteUs : this.w.cost.sendLocalUs;
  }
}
