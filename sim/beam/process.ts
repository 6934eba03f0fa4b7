// A simulated Erlang process: pid, FIFO mailbox (length and heap words tracked),
// behaviour, monitors it holds and monitors held on it, links and trap_exit, and what it
// is blocked on. Mirrors the parts of an ERTS process that matter to monitoring and
// supervision: selective receive is modelled for call replies (gen:call) and for an
// explicit `ctx.receive` (what proc_lib and supervisor.erl wait on); a generator handler
// can pause mid-way (Behaviour, Slice).
import { inspect } from '../../core/inspect.js';
import { UidMap } from '../../core/uid_map.js';
import type { Pid, Ref, Term } from '../../core/terms.js';
import { DoubleFields } from '../engine/double_fields.js';
import type { EtsOpts, EtsTable, EtsType, TableBody } from './ets.js';
import type { ProcHeap } from './heap.js';
import type { RefcBin } from './memory.js';
import { Mailbox } from './mailbox.js';
import { type Monitor, monitorUid } from './monitor.js';

/**
 * How a process is spawned: a name to register it under, and `message_queue_data`
 * `off_heap` (`offHeapQueue`: its queued messages stay out of its heap; what an init that
 * sets the flag first thing amounts to).
 */
export type SpawnOpts = { readonly name?: string; readonly offHeapQueue?: boolean };

/** A registered name on a node (`{name, node}` in Erlang). */
export type Named = { readonly name: string; readonly node: string };
export type Dest = Pid | Named;
/** The `from` of a gen call: the caller and the call's tag. */
export type From = { readonly pid: Pid; readonly tag: Ref };

/**
 * ERTS's `{:DOWN, ref, :process, object, reason}`. A fired monitor's is a `MonitorDown`
 * (monitor.ts), whose `ref` is made at each read: `downRefUid` reads the uid alone.
 */
export type DownSignal = { readonly kind: 'DOWN'; readonly ref: Ref; readonly object: Term; readonly reason: Term };
/** ERTS's `{:nodedown, node}` from `monitor_node/2`. */
export type NodedownSignal = { readonly kind: 'nodedown'; readonly node: string };
/** A gen call request as the callee receives it. */
export type CallRequest = { readonly kind: '$gen_call'; readonly from: From; readonly msg: unknown };
/** A gen call reply as the caller receives it. */
export type CallReply = { readonly kind: '$reply'; readonly tag: Ref; readonly value: Term };
/**
 * An exit signal turned into a message by `trap_exit`: `{:EXIT, from, reason}`. `from` is
 * undefined for an exit signal sent by a scenario driver (`World.exit`), outside any process.
 */
export type ExitMessage = { readonly kind: 'EXIT'; readonly from: Pid | undefined; readonly reason: Term };
/** What a process blocked in `ctx.receive` is resumed with: the message taken, or none at the timeout. */
export type Received = { readonly kind: 'received'; readonly tag: Ref; readonly msg: unknown };
/** What a blocked caller is resumed with. */
export type CallResult = {
  readonly kind: 'call_result';
  readonly tag: Ref;
  readonly result: { readonly ok: Term } | { readonly exit: Term };
};

/**
 * A dead process's exit in progress (signals.ts): the monitors on it it still has to fire,
 * in ERTS's order, the next one's index, and the reason their DOWNs carry.
 */
export type Exiting = { readonly reason: Term; readonly monitors: readonly Monitor[]; next: number };

/** One message on its way to, or in, a process (memory.ts makes it, heap.ts places it). */
export type Envelope = {
  readonly msg: unknown;
  /** Its heap words on the receiver (a state chunk made of it may shrink). */
  words: number;
  /**
   * Its bytes on the wire when it was decoded from there (it then holds a distribution
   * buffer until its receiver's next GC; 0 for a local message), until it reaches its
   * receiver; then the refc binaries it holds handles to, if it holds any (held.ts `binsOf`).
   */
  carry: number | readonly RefcBin[];
  /**
   * The receiver's GC count when it was placed, where it was placed, and whether the
   * receiver kept it or took it into its state (it outlives its handler), and whether it
   * was decoded from the wire: held.ts `At`.
   */
  at: number;
  /** Its message's `kind` (sizes.ts `kindOf`: undefined for a term), read once from the message's own shape. */
  readonly kind: string | undefined;
};

/**
 * An Erlang exception raised in a process and not caught there (a BIF's badarg, a failed
 * match, a function clause, a call's exit): thrown by a handler (or by what it calls), it
 * ends the process with `reason` at the CPU time reached, as an uncaught exception ends an
 * Erlang process (for an error in a gen_server callback, `{reason, stacktrace}`: the
 * thrower gives the whole exit reason). Whatever the handler did before it stays done.
 */
export class ProcessCrash extends Error {
  constructor(
    readonly reason: Term,
    message: string,
  ) {
    super(message);
    this.name = 'ProcessCrash';
  }
}

/** What a generator handler yields: `undefined` (a synchronisation point) or the tag of a call or receive it waits for. */
export type Yielded = Ref | undefined;
/** A handler that runs step by step: what a generator handler (`function*`) returns. */
export type Handling = Iterator<Yielded, unknown, unknown>;
/** Whether a handler returned a generator (a `Handling`) rather than nothing. */
export function isHandling(r: unknown): r is Handling {
  return typeof (r as Partial<Handling> | undefined)?.next === 'function';
}
/** Steps a generator handler runs with `yield*`, giving back an R (ZenCluster's `timed` client API). */
export type Steps<R> = Iterable<Yielded, R, unknown>;

/**
 * A process's code. A handler that returns nothing runs to completion in one go: what it
 * does happens at the CPU time it reaches (sends, monitors, exits, timers are scheduled
 * at that time), but what it reads (tables, mailboxes, liveness) is read when the
 * handling starts. A handler may instead be a generator: each bare `yield` is a
 * synchronisation point, where the world first runs every event earlier than the
 * handler's CPU time, so what the handler does next happens at that time, seen by the
 * other processes and racing with them as on a real node; `yield tag`, with the tag of a
 * call started by `ctx.call` (or of a `ctx.receive`), blocks the process (off its
 * scheduler) until the call's result, which the `yield` returns (`{ok: reply}` or
 * `{exit: reason}`; the message received) instead of a `call_result` (`received`)
 * message. A process killed while paused at a synchronisation point dies at once and
 * does nothing more.
 */
export type Behaviour = {
  /** Called once, at spawn, in the new process. */
  init?(ctx: Ctx): void | Handling;
  /**
   * Started with `ctx.startLink`, this behaviour acknowledges its own start with
   * `ctx.initAck` (a supervisor does, once its children are up). Otherwise the start is
   * acknowledged when `init` returns (a generator `init`: when it ends), as gen_server's is.
   */
  readonly acksStart?: boolean;
  /**
   * The process runs an OTP behaviour's loop (gen_server, GenStage): the loop holds the
   * message it dispatches until the callback returns, so a collection that taking it set
   * off copies it (heap.ts `receive`). Otherwise a plain receive loop, which lets go of it.
   */
  readonly otpLoop?: boolean;
  /**
   * Words its loop keeps live on its heap when idle: its state's terms (default
   * `cost.processBaseWords`); 0 for a loop whose variables are all immediates (atoms,
   * local pids, small integers), which a collection leaves with no mature data.
   */
  readonly heapWords?: number;
  /** Handles one message taken from the mailbox (or a call result). */
  handle(ctx: Ctx, msg: unknown): void | Handling;
};

/** A generator handler in progress while it is paused (world.ts drives it, and reuses the record of one that ended). */
export type Slice = {
  it: Handling;
  /**
   * Its `next`, read once a handling: handlings come in many shapes (each generator
   * function's objects, a ZenMonitor step's runner), so a read at each step of the
   * handling was a megamorphic lookup.
   */
  next: Handling['next'];
  /** When its current stretch on a scheduler began, µs, and the message that began it (handling.ts `sliceMsg`). */
  startUs: number;
  /**
   * That message when it has no envelope (a call result), else undefined: the envelope's
   * message stored again cost a write barrier a handling (a young value into the reused
   * old record).
   */
  msg: unknown;
  /** The envelope being handled, for `ctx.keep()` (none for a call result). */
  envelope: Envelope | undefined;
  /** The CPU time it had reached (µs, fractional) when it paused. */
  cursorUs: number;
  /** The call or receive it is blocked in (off its scheduler), or null at a synchronisation point. */
  call: Ref | null;
};

/** What a behaviour can do while it handles a message. Effects happen at the CPU time reached. */
export interface Ctx {
  readonly self: Pid;
  readonly node: string;
  /** Virtual time reached by this handler so far (start + CPU charged), integer µs. */
  nowUs(): number;
  /** `erlang:monotonic_time(:second)` on its node now (whole seconds of its runtime's clock: node.ts `clockPhaseUs`). */
  monotonicS(): number;
  /** Charges CPU time to this handler. */
  cpu(us: number): void;
  send(to: Dest, msg: unknown, opts?: { noconnect?: boolean }): void;
  /** `erlang:monitor(process, target)`; `ref` when the caller made the ref already. */
  monitor(target: Dest, ref?: Ref): Ref;
  /** `erlang:monitor(process, target)` whose ref the caller drops: no ref term is made. */
  monitorDropping(target: Dest): void;
  demonitor(ref: Ref, opts?: { flush?: boolean }): boolean;
  monitorNode(node: string): void;
  /** `Process.send_after(self(), msg, ms)`; returns a timer id. */
  sendAfter(ms: number, msg: unknown): number;
  cancelTimer(id: number): void;
  exit(pid: Pid, reason: Term): void;
  spawn(behaviour: Behaviour, opts?: { name?: string }): Pid;
  /** `spawn_link`: spawns and links at once (the link exists before the child runs). */
  spawnLink(behaviour: Behaviour, opts?: { name?: string }): Pid;
  /** `link(pid)`: bidirectional; to a dead process it gives this one a `:noproc` exit signal. */
  link(pid: Pid): void;
  /** `unlink(pid)`: no exit signal of that link reaches this process afterwards (a trapped one already queued stays). */
  unlink(pid: Pid): void;
  /** `process_flag(:trap_exit, on)`: exit signals (but `:kill`) become `{:EXIT, from, reason}` messages. Returns the old value. */
  trapExit(on: boolean): boolean;
  /**
   * `proc_lib:start_link`: spawns `behaviour` linked to this process, as its parent, and
   * blocks after this handler until the child acknowledges its start (when its `init`
   * returns, or with `ctx.initAck`) or exits; resumed with a `received` whose message is
   * `{:ack, pid, result}` or the child's `{:EXIT, ...}` (when trapping exits). See proc_lib.ts.
   */
  startLink(behaviour: Behaviour, opts?: SpawnOpts): Pid;
  /** `proc_lib:init_ack`: tells the parent this process started (`{:ok, self}`), or failed (`{:error, reason}`). */
  initAck(error?: Term): void;
  /** The process that started this one with `startLink` (proc_lib's parent), if any. */
  parent(): Pid | undefined;
  /**
   * A selective receive: blocks after this handler until a message `match` accepts is
   * in the mailbox (the first such, wherever it is) or `timeoutMs` passes (Infinity: never);
   * resumed with a `received` carrying that message, or `undefined` at the timeout. In a
   * generator handler, `yield tag` blocks at once and returns that message (or undefined).
   */
  receive(match: (msg: unknown) => boolean, timeoutMs: number): Ref;
  /** `receive Pattern -> ... after 0`: takes the first message `match` accepts out of the mailbox now, if any. */
  take(match: (msg: unknown) => boolean): unknown;
  /**
   * Starts a gen call and returns its tag. The process blocks after this handler until a
   * `call_result` message, or, in a generator handler, at `yield tag`, which returns the result.
   */
  call(to: Dest, msg: unknown, timeoutMs: number): Ref;
  reply(from: From, value: Term): void;
  register(name: string): void;
  whereis(name: string): Pid | undefined;
  /** `proc_lib:set_label/1`: a name reports show for this process (never one to send to). */
  setLabel(label: string): void;
  makeRef(): Ref;
  /** Removes one DOWN for `ref` from this process's mailbox; true if one was there. */
  flushDown(ref: Ref): boolean;
  /** Keeps the message being handled in the process's state (instead of what it kept before): it stays live on its heap. */
  keep(): void;
  /** The message being handled joins the process's state as it is (no copy): a queue that takes a batch in. */
  absorb(): void;
  /** The handler builds `count` terms of `words` heap words each (garbage once it returns); a full heap is collected. */
  allocate(words: number, count?: number): void;
  /** `words` of what this handler built are garbage already (a list it has walked through), the oldest first. */
  discard(words: number): void;
  /** The process's state now holds `words` heap words: growth is built on its heap, a shrink leaves garbage (oldest first). */
  holdState(words: number): void;
  /** `erlang:hibernate`: the heap is compacted to its live data (the process's CPU pays the collection). */
  hibernate(): void;
  /** `:ets.new(name, [type, :named_table, :public])` (with `read_concurrency: true` if `opts.readConcurrency`): a table of this node, owned by this process. */
  etsNew(name: string, type?: EtsType, opts?: EtsOpts): EtsTable;
  /**
   * `:ets.new(name, [:named_table, ...])` whose rows live in `body`, a typed structure of
   * the caller's (ZenMonitor's tables, whose memory sim/zen counts): owned by this
   * process, deleted when it dies. Returns `body`.
   */
  etsNewTyped<T extends TableBody>(name: string, body: T): T;
  /**
   * `:ets.new(name, [:private, ...])`, an unnamed table whose rows the caller keeps in its
   * own state and whose memory it counts itself (a ZenMonitor Connector's or Proxy's
   * `monitors`): only marks this process as a table owner (`process_info(:memory)`).
   */
  etsNewPrivate(): void;
  /**
   * The named ETS table of this node (throws, as badarg, when there is none). Each call
   * counts as one table operation (`cost.etsOpUs`): look the table up for every operation.
   */
  ets(name: string): EtsTable;
  /** Exits this process with `reason` once the handler returns. */
  stop(reason: Term): void;
  /** The reason this process will exit with once the handler returns (a `stop`, or a kill meanwhile), if any. */
  stopping(): Term | undefined;
  /** Whether `node` is connected now (`node in Node.list()`), or is this node. */
  isConnected(node: string): boolean;
}

/** The mailbox every process starts with, shared while empty (nothing is ever pushed to it): a process gets its own at its first message, which a million sleeping targets never get. */
const EMPTY_MAILBOX = new Mailbox();

/** A process's first mailbox of its own (`Proc.ownMailbox`). */
function firstMailbox(r: RunState): Mailbox {
  return (r.mailbox = new Mailbox());
}

/**
 * Where a process is on its node's schedulers (a const enum: small integers, which V8
 * stores with no write barrier; a status string stored while V8 marks called it).
 */
export const enum ProcStatus {
  Waiting,
  Runnable,
  Running,
  Dead,
}

/** Labels of processes (`proc_lib:set_label/1`: a Connector's peer, a GenRegistry): kept aside, so a process pays nothing for it. */
const labels = new WeakMap<Proc, string>();

/** Gives `p` a name to show in reports (never one to send to). */
export function labelProcess(p: Proc, label: string): void {
  labels.set(p, label);
}

/**
 * How reports name a process: its registered name, else its label, else its pid; a
 * registered process with a label shows both (`ZenMonitor.Local.Connector (GenRegistry)`:
 * the registry registered under its workers' module, not one of them).
 */
export function displayName(p: Proc): string {
  const label = labels.get(p);
  if (p.registeredName !== undefined) return label === undefined ? p.registeredName : `${p.registeredName} (${label})`;
  return label ?? inspect(p.pid, { localNode: p.pid.node });
}

/** A pending selective receive (`ctx.receive`): what it accepts and its timeout timer. */
export type Receiving = { readonly tag: Ref; readonly match: (msg: unknown) => boolean; readonly timerId: number | undefined };

/**
 * The rarer parts of a process (part of its RunState, made on first use: a million
 * sleeping targets never need them): the monitors it holds, its links (by the linked
 * process's uid), trap_exit, the parent that started it with `startLink`, a selective
 * receive it is blocked in, and the fields `Proc` reads through accessors (timers,
 * registered name, kept message, stop reason, suspension, exit in progress, signal debt).
 */
export type ProcExt = {
  monitors: UidMap<Monitor> | undefined;
  links: Map<number, Proc> | undefined;
  trapExit: boolean;
  parent: Pid | undefined;
  receiving: Receiving | null;
  timers: UidMap<number> | undefined;
  registeredName: string | undefined;
  kept: Envelope | undefined;
  stopReason: Term | undefined;
  suspended: string | undefined;
  exiting: Exiting | undefined;
  signalDebtUs: number;
  laterSignalDebtUs: number;
};

/**
 * The parts of a process that has had a message, run, or needed one of its rarer parts
 * (ProcExt), apart from Proc: a sleeping target never needs them, and as fields of Proc
 * each would cost every process a word (the fractional µs a boxed double too): its
 * mailbox, heap, the call it awaits, what it resumes with, a paused handler, its mailbox
 * peaks, its current handling's times, and ProcExt's fields.
 */
export class RunState implements ProcExt {
  /** Its queue: the shared empty one until its first message (`Proc.ownMailbox`). */
  mailbox: Mailbox = EMPTY_MAILBOX;
  /** Its heap and GC state (heap.ts); made at its first message, or at spawn for an off_heap queue. */
  heap: ProcHeap | undefined = undefined;
  awaiting: Awaiting | null = null;
  /** A call result (or a selective receive's message) ready to be handled before the mailbox. */
  resume: CallResult | Received | null = null;
  /** A generator handler paused mid-way (at a synchronisation point or in a call), if any. */
  slice: Slice | null = null;
  /** Largest mailbox length seen. */
  mailboxPeak = 0;
  /** Its largest mailbox since its node's last `markMailboxPeaks` (a run's trigger; the whole run without one). */
  mailboxPeakSinceMark = 0;
  /** When the scheduler thread running its current handling got its host's core, µs (its OS time slice). */
  coreSinceUs = 0;
  /** The CPU time its current (or last) handling began at, and reached when it ended, µs (fractional). */
  runFromUs = 0;
  cpuEndUs = 0;
  // ProcExt
  monitors: UidMap<Monitor> | undefined = undefined;
  links: Map<number, Proc> | undefined = undefined;
  trapExit = false;
  parent: Pid | undefined = undefined;
  receiving: Receiving | null = null;
  timers: UidMap<number> | undefined = undefined;
  registeredName: string | undefined = undefined;
  kept: Envelope | undefined = undefined;
  stopReason: Term | undefined = undefined;
  suspended: string | undefined = undefined;
  exiting: Exiting | undefined = undefined;
  signalDebtUs = 0;
  laterSignalDebtUs = 0;

  constructor() {
    RUN_STATE_DOUBLES.made(this);
  }
}

const RUN_STATE_DOUBLES = new DoubleFields(['coreSinceUs', 'runFromUs', 'cpuEndUs', 'signalDebtUs', 'laterSignalDebtUs']);

/** A pending gen call. */
export type Awaiting = { readonly tag: Ref; readonly monitorRef: Ref; readonly timerSeq: number; readonly callee: Term };

/**
 * The monitors held on a process by others: none, the one a monitored target usually
 * has (no container), or a Map by ref uid (insertion ordered).
 */
type MonitoredBy = Monitor | Map<number, Monitor> | undefined;

/**
 * A process: four words beside its pid and behaviour while it sleeps (a million
 * monitored targets); what a running process needs, and what few need (ProcExt), is in
 * its `RunState`, made on first use and read through the accessors below.
 */
export class Proc {
  declare status: ProcStatus;
  /** Monitors held on this process by others (see MonitoredBy). */
  declare private watchedBy: MonitoredBy;
  declare exitReason: Term | undefined;
  /** What a process that has run or had a message holds (see RunState); undefined until then. */
  declare private run: RunState | undefined;
  declare readonly pid: Pid;
  declare readonly behaviour: Behaviour;

  /** Made by `Proc.of`. */
  private constructor() {}

  /** A new process, waiting: an object literal (V8 can pretenure it, as `Monitor.of`'s) with this class's prototype (setting it is a runtime call per process, ~50 ns, that a monitor no longer pays). */
  static of(pid: Pid, behaviour: Behaviour): Proc {
    return { __proto__: PROC_PROTOTYPE, status: ProcStatus.Waiting, watchedBy: undefined, exitReason: undefined, run: undefined, pid, behaviour } as unknown as Proc;
  }

  /** `p` made a new process, waiting, as `Proc.of` makes one: every field written, in its order (a finished run's, proc_pool.ts). */
  static renew(p: Proc, pid: Pid, behaviour: Behaviour): Proc {
    p.status = ProcStatus.Waiting;
    p.watchedBy = undefined;
    p.exitReason = undefined;
    p.run = undefined;
    (p as { pid: Pid }).pid = pid;
    (p as { behaviour: Behaviour }).behaviour = behaviour;
    return p;
  }

  /** Links, trap_exit, parent, a pending selective receive and the like (see ProcExt): its RunState, undefined until it has run or had a message. */
  get ext(): ProcExt | undefined {
    return this.run;
  }

  /** Its running parts and rarer fields (see RunState), made on first use. */
  runState(): RunState {
    return (this.run ??= new RunState());
  }

  /** Its queue: the shared empty one until its first message. */
  get mailbox(): Mailbox {
    return this.run === undefined ? EMPTY_MAILBOX : this.run.mailbox;
  }

  /**
   * Its own mailbox, made at its first message (the one place messages are queued:
   * world.deliver). The making is apart: this look is then small enough for V8 to inline
   * into `deliver` (it was a call at every delivery, ~40 instructions, while it made the mailbox inline).
   */
  ownMailbox(): Mailbox {
    const r = this.runState();
    return r.mailbox !== EMPTY_MAILBOX ? r.mailbox : firstMailbox(r);
  }

  get heap(): ProcHeap | undefined {
    return this.run?.heap;
  }
  set heap(v: ProcHeap | undefined) {
    this.runState().heap = v;
  }

  get awaiting(): Awaiting | null {
    return this.run === undefined ? null : this.run.awaiting;
  }
  set awaiting(v: Awaiting | null) {
    this.setRun('awaiting', v, null);
  }

  get resume(): CallResult | Received | null {
    return this.run === undefined ? null : this.run.resume;
  }
  set resume(v: CallResult | Received | null) {
    this.setRun('resume', v, null);
  }

  get slice(): Slice | null {
    return this.run === undefined ? null : this.run.slice;
  }
  set slice(v: Slice | null) {
    this.setRun('slice', v, null);
  }

  get mailboxPeak(): number {
    return this.run === undefined ? 0 : this.run.mailboxPeak;
  }

  get mailboxPeakSinceMark(): number {
    return this.run === undefined ? 0 : this.run.mailboxPeakSinceMark;
  }

  /** Monitors this process holds, by ref uid (insertion ordered); undefined until its first. */
  get monitors(): UidMap<Monitor> | undefined {
    return this.ext?.monitors;
  }

  /** The map of the monitors this process holds, made on first use. */
  ownMonitors(): UidMap<Monitor> {
    return (this.runState().monitors ??= new UidMap<Monitor>());
  }

  monitorCount(): number {
    return this.monitors?.size ?? 0;
  }

  /** A monitor held on this process by another (keyed by its ref's uid). */
  addMonitoredBy(mon: Monitor): void {
    const m = this.watchedBy;
    if (m === undefined) this.watchedBy = mon;
    else if (m instanceof Map) m.set(monitorUid(mon), mon);
    else this.watchedBy = new Map([[monitorUid(m), m]]).set(monitorUid(mon), mon);
  }

  /** Forgets the monitor held on this process with this ref uid, if any. */
  dropMonitoredBy(uid: number): void {
    const m = this.watchedBy;
    if (m === undefined) return;
    if (!(m instanceof Map)) {
      if (monitorUid(m) === uid) this.watchedBy = undefined;
    } else if (m.delete(uid) && m.size === 0) this.watchedBy = undefined;
  }

  /** The monitor held on this process with this ref uid, if any. */
  monitoredByRef(uid: number): Monitor | undefined {
    const m = this.watchedBy;
    if (m === undefined) return undefined;
    if (m instanceof Map) return m.get(uid);
    return monitorUid(m) === uid ? m : undefined;
  }

  /** Calls `f` on each monitor held on this process, oldest first (`f` must not change them). */
  forEachMonitoredBy(f: (mon: Monitor) => void): void {
    const m = this.watchedBy;
    if (m === undefined) return;
    if (!(m instanceof Map)) f(m);
    else for (const mon of m.values()) f(mon);
  }

  monitoredByCount(): number {
    const m = this.watchedBy;
    return m === undefined ? 0 : m instanceof Map ? m.size : 1;
  }

  timerCount(): number {
    return this.timers?.size ?? 0;
  }

  get uid(): number {
    return this.pid.uid;
  }

  get alive(): boolean {
    return this.status !== ProcStatus.Dead;
  }

  /** Paused at a synchronisation point: it holds its scheduler, and a kill takes effect at once. */
  pausedAtSync(): boolean {
    const s = this.slice;
    return s !== null && s.call === null;
  }

  /** Whether the process has something it can handle now. */
  hasWork(): boolean {
    const r = this.run;
    if (r === undefined) return false;
    if (r.resume !== null) return true;
    return r.awaiting === null && r.mailbox.length > 0 && r.receiving === null;
  }

  /** Starts its peak since the mark afresh from its mailbox now (`SimNode.markMailboxPeaks`). */
  markPeak(): void {
    if (this.run !== undefined) this.run.mailboxPeakSinceMark = this.run.mailbox.length;
  }

  // Rare fields, kept in its RunState (setting one to its empty value makes none).

  /** Pending `send_after` timers: timer id -> kernel event seq. */
  get timers(): UidMap<number> | undefined {
    return this.ext?.timers;
  }
  set timers(v: UidMap<number> | undefined) {
    this.setRun('timers', v, undefined);
  }

  get registeredName(): string | undefined {
    return this.ext?.registeredName;
  }
  set registeredName(v: string | undefined) {
    this.setRun('registeredName', v, undefined);
  }

  /** The message this process keeps in its state (`ctx.keep()`), counted in its node's memory. */
  get kept(): Envelope | undefined {
    return this.ext?.kept;
  }
  set kept(v: Envelope | undefined) {
    this.setRun('kept', v, undefined);
  }

  /** Set when the handler asked to stop (or was killed mid-handler): applied at its end. */
  get stopReason(): Term | undefined {
    return this.ext?.stopReason;
  }
  set stopReason(v: Term | undefined) {
    this.setRun('stopReason', v, undefined);
  }

  /** The peer whose busy connection suspends this process (busy_dist_port), if any. */
  get suspended(): string | undefined {
    return this.ext?.suspended;
  }
  set suspended(v: string | undefined) {
    this.setRun('suspended', v, undefined);
  }

  /** Its exit, while the monitors on it are still being fired (dead, and queued to run its exit's slices). */
  get exiting(): Exiting | undefined {
    return this.ext?.exiting;
  }
  set exiting(v: Exiting | undefined) {
    this.setRun('exiting', v, undefined);
  }

  /** CPU owed for signals taken in (a connection loss's DOWNs), paid before the next message. */
  get signalDebtUs(): number {
    return this.ext?.signalDebtUs ?? 0;
  }
  set signalDebtUs(v: number) {
    this.setRun('signalDebtUs', v, 0);
  }

  /**
   * CPU owed for signals it will take in at its handling after next: a connection loss's
   * DOWNs but the first (its first receive returns as soon as one signal made a message).
   */
  get laterSignalDebtUs(): number {
    return this.ext?.laterSignalDebtUs ?? 0;
  }
  set laterSignalDebtUs(v: number) {
    this.setRun('laterSignalDebtUs', v, 0);
  }

  /** Sets a field of its RunState; its empty value on a process without one makes none. */
  private setRun<K extends keyof RunState>(key: K, v: RunState[K], empty: RunState[K]): void {
    if (v !== empty || this.run !== undefined) this.runState()[key] = v;
  }
}

const PROC_PROTOTYPE: object = Proc.prototype; // read once: in `Proc.of` a generic load (a function's prototype, which V8's optimized code does not inline) at every process made
