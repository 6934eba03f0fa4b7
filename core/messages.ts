// The messages ZenMonitor's processes exchange, as TypeScript data, and what each one
// costs: heap words in a mailbox and external-format bytes on the wire.
//
// Mirrors the message shapes of ZenMonitor 2.1.0 (lib/zen_monitor/**) and of the OTP
// machinery it rides on (GenServer casts/calls, GenStage demand/events, ERTS DOWN and
// nodedown). Each message kind is named after its Elixir message; `msgToTerm` gives the
// Erlang term a message stands for. Rules: `msgHeapWords` / `msgDistBytes` /
// `msgRefcBinaries` never build that term (they run in O(size of the message)) and are
// exactly equal to measuring `msgToTerm(msg)` with core/terms.ts (`distTermBytes` for the
// distribution's encoding, whose atoms are references into its atom cache).

import type { Atom, Pid, Ref, Term } from './terms.js';
import { assertNever, atom, externalBytes, heapWords, ilist, int, list, PID_EXT_FIXED, PORT_EXT_FIXED, REF_EXT_FIXED, refcBinaries, refHeapWords, tuple } from './terms.js';
import { inspect } from './inspect.js';
import { dispatchObject, dispatchReason, dispatchRefAlias, dispatchRefNode, monitorRefAlias, monitorRefNode } from './monitor_msg.js';

// ---------------------------------------------------------------------------------------
// Targets (ZenMonitor.destination)

/** `{name, node}`: a process registered as `name` on `node`. */
export type NamedTarget = { readonly t: 'tuple'; readonly v: readonly [Atom, Atom] };
/**
 * What `ZenMonitor.monitor/1` is given (`ZenMonitor.destination`): a pid, a locally
 * registered name, or `{name, node}` (`isDestination`). Upstream checks nothing, so any
 * term travels from the caller to the Proxy, whose `Process.monitor` of a malformed one
 * raises (the Proxy crashes).
 */
export type Target = Term;

/** Whether `term` is a well-formed destination (pid, atom, or `{atom, atom}`): what `Process.monitor/1` accepts. */
export function isDestination(term: Term): boolean {
  if (term.t === 'pid' || term.t === 'atom') return true;
  return term.t === 'tuple' && term.v.length === 2 && term.v[0]?.t === 'atom' && term.v[1]?.t === 'atom';
}

/**
 * The node whose Connector handles `target`: `ZenMonitor.find_node/1` (a pid's node, the
 * second element of any 2-tuple, else this node), or undefined when that is not an atom
 * (`Connector.get_for_node/1` then has no clause for it: the caller crashes).
 */
export function targetNode(target: Target, localNode: string): string | undefined {
  if (target.t === 'pid') return target.node;
  if (target.t !== 'tuple' || target.v.length !== 2) return localNode;
  const node = target.v[1] as Term;
  return node.t === 'atom' ? node.v : undefined;
}

/**
 * A table key equal for equal targets and different otherwise: the pid's world-unique
 * uid, or a string (`:name` for an atom, `{...}` for `{name, node}`, the inspected term
 * for anything else).
 */
export function targetKey(target: Target): number | string {
  if (target.t === 'pid') return target.uid;
  if (target.t === 'atom') return ':' + target.v;
  if (isDestination(target)) {
    const [name, node] = (target as NamedTarget).v;
    return '{' + JSON.stringify([name.v, node.v]);
  }
  return '#' + inspect(target);
}

/** `{name, node}` as a target term. */
export function namedTarget(name: string, node: string): NamedTarget {
  return tuple(atom(name), atom(node)) as NamedTarget;
}

// ---------------------------------------------------------------------------------------
// Registered names and gen machinery

export type RegName = 'ZenMonitor.Proxy' | 'ZenMonitor.Local' | 'ZenMonitor.Local.Dispatcher';

/**
 * The atom a ZenMonitor process is registered under. Registered names are spelled as
 * `RegName` (the Elixir alias without its `Elixir.` prefix) everywhere in zensim, so a
 * `{name, node}` target built from it resolves in the runtime's registry.
 */
export function regNameAtom(name: RegName): Atom {
  return atom(name);
}

/** A gen call's `from`: the caller and the call's tag (`{pid, [:alias | ref]}` in OTP 25). */
export type From = { readonly pid: Pid; readonly tag: Ref };

/** What a blocked caller is resumed with: the reply, or the reason `:gen.call` exits with. */
export type CallResult = { readonly ok: Term } | { readonly exit: Term };

/**
 * The exit reason of `GenServer.call` (inside its `{reason, {GenServer, :call, args}}`
 * wrapper, which the Connector ignores) when the callee went `DOWN` with `downReason`
 * during the call: `:noconnection` becomes `{:nodedown, node}` (as `:gen.do_call`
 * does); anything else (`:noproc` for an unregistered name, ...) is passed through.
 * A call that times out exits with `:timeout`.
 */
export function callExitReason(downReason: Term, calleeNode: string): Term {
  if (downReason.t === 'atom' && downReason.v === 'noconnection') return tuple(atom('nodedown'), atom(calleeNode));
  return downReason;
}

/** The requests ZenMonitor makes with `GenServer.call`: `:ping` (Proxy) and `:connect` (Connector). */
export type CallRequest = { readonly kind: 'ping' } | { readonly kind: 'connect' };

/**
 * What `GenServer.call(server, request, timeout)` exits its caller with when the call
 * exits with `reason` (the callee died, the timeout): Elixir's `GenServer.call/3` catches
 * `:gen.call`'s exit and exits with `{reason, {GenServer, :call, [server, request, timeout]}}`.
 */
export function genServerCallExit(reason: Term, server: Term, request: CallRequest, timeoutMs: number): Term {
  return tuple(reason, tuple(atom('Elixir.GenServer'), atom('call'), list([server, atom(request.kind), int(timeoutMs)])));
}

// ---------------------------------------------------------------------------------------
// DOWN messages and dispatches

/** `{:DOWN, ref, :process, object, reason}`: from ERTS, or from ZenMonitor to a subscriber. */
export type DownMsg = { readonly kind: 'DOWN'; readonly ref: Ref; readonly object: Target; readonly reason: Term };
/** A down dispatch: `{subscriber, {:DOWN, ref, :process, target, {:zen_monitor, reason}}}`. */
export type Dispatch = { readonly subscriber: Pid; readonly down: DownMsg };

/** `{:zen_monitor, reason}`: every reason ZenMonitor delivers is wrapped so. */
export function zenReason(reason: Term): Term {
  return tuple(atom('zen_monitor'), reason);
}

/** The ZenMonitor `:DOWN` for `ref` on `target` with the original `reason` (wrapped here). */
export function zenDown(ref: Ref, target: Target, reason: Term): DownMsg {
  return { kind: 'DOWN', ref, object: target, reason: zenReason(reason) };
}

/** `{:DOWN, ref, :process, object, reason}` as a term (for inspect and traces). */
export function downToTerm(msg: DownMsg): Term {
  return tuple(atom('DOWN'), msg.ref, atom('process'), msg.object, msg.reason);
}

// ---------------------------------------------------------------------------------------
// Message kinds, per receiving component

/** `{:subscribe | :unsubscribe, target}` in a Connector batch. */
export type Instruction = { readonly op: 'subscribe' | 'unsubscribe'; readonly target: Target };
/** A death certificate `{pid, reason}`; `pid` is the DOWN's object (a pid or `{name, node}`). */
export type Certificate = { readonly pid: Target; readonly reason: Term };

/** `{:"$gen_cast", {:monitor, target, ref, subscriber}}` */
export type MonitorMsg = { readonly kind: 'monitor'; readonly target: Target; readonly ref: Ref; readonly subscriber: Pid };
/** `{:"$gen_cast", {:demonitor, target, ref}}` */
export type DemonitorMsg = { readonly kind: 'demonitor'; readonly target: Target; readonly ref: Ref };
/** `:sweep` (timer) */
export type SweepMsg = { readonly kind: 'sweep' };
/** `{:"$gen_call", from, :connect}` */
export type ConnectMsg = { readonly kind: 'connect'; readonly from: From };
/** `{:nodedown, node}` (from `Node.monitor/2`) */
export type NodedownMsg = { readonly kind: 'nodedown'; readonly node: string };
/** `{:dead, node, [{pid, reason}, ...]}` (Batcher to Connector) */
export type DeadMsg = { readonly kind: 'dead'; readonly node: string; readonly certificates: readonly Certificate[] };
/** Any other message (a stray info); counted and ignored where upstream has a catch-all. */
export type OtherMsg = { readonly kind: 'other'; readonly term: Term };

/** `{:"$gen_cast", {:monitor_subscriber, pid}}` */
export type MonitorSubscriberMsg = { readonly kind: 'monitor_subscriber'; readonly subscriber: Pid };
/** `{:"$gen_cast", {:enqueue, [dispatch, ...]}}` (Connector to Local) */
export type LocalEnqueueMsg = { readonly kind: 'enqueue'; readonly dispatches: readonly Dispatch[] };
/** `{:"$gen_producer", {consumer, subscription_ref}, {:ask, n}}` (GenStage demand) */
export type AskMsg = { readonly kind: 'ask'; readonly n: number; readonly from: From };

/** `:generate_demand` (timer) */
export type GenerateDemandMsg = { readonly kind: 'generate_demand' };
/** `{:"$gen_consumer", {producer, subscription_ref}, [dispatch, ...]}` (GenStage events) */
export type EventsMsg = { readonly kind: 'events'; readonly events: readonly Dispatch[]; readonly from: From };

/** `{:"$gen_call", from, :ping}` */
export type PingMsg = { readonly kind: 'ping'; readonly from: From };
/** `{:"$gen_cast", {:process, connector, [instruction, ...]}}` */
export type ProcessMsg = { readonly kind: 'process'; readonly connector: Pid; readonly instructions: readonly Instruction[] };
/** `{:"$gen_cast", {:subscribe, connector, [target, ...]}}` (the pre-2.0 protocol) */
export type SubscribeMsg = { readonly kind: 'subscribe'; readonly connector: Pid; readonly targets: readonly Target[] };

/** `{:"$gen_cast", {:enqueue, pid, reason}}` (Proxy to Batcher) */
export type BatcherEnqueueMsg = { readonly kind: 'enqueue'; readonly pid: Target; readonly reason: Term };

/** A gen call's reply as the caller receives it: `{[:alias | ref], value}`. */
export type ReplyMsg = { readonly kind: 'reply'; readonly tag: Ref; readonly value: Term };

export type ConnectorInput =
  | MonitorMsg
  | DemonitorMsg
  | SweepMsg
  | ConnectMsg
  | NodedownMsg
  | DownMsg
  | DeadMsg
  | OtherMsg;
export type LocalInput = MonitorSubscriberMsg | DownMsg | LocalEnqueueMsg | AskMsg;
export type DispatcherInput = GenerateDemandMsg | EventsMsg;
export type ProxyInput = PingMsg | ProcessMsg | SubscribeMsg | DownMsg;
export type BatcherInput = BatcherEnqueueMsg | SweepMsg | DownMsg;

/** Every message that can sit in a mailbox or cross the network. */
export type Msg =
  | ConnectorInput
  | LocalInput
  | DispatcherInput
  | ProxyInput
  | BatcherInput
  | ReplyMsg;

/** The callee-side message of a call `request` made with `from`. */
export function callMessage(request: CallRequest, from: From): PingMsg | ConnectMsg {
  return { kind: request.kind, from };
}

// ---------------------------------------------------------------------------------------
// The Erlang term each message stands for

const A = {
  DOWN: atom('DOWN'),
  process: atom('process'),
  zen_monitor: atom('zen_monitor'),
  gen_cast: atom('$gen_cast'),
  gen_call: atom('$gen_call'),
  gen_producer: atom('$gen_producer'),
  gen_consumer: atom('$gen_consumer'),
  alias: atom('alias'),
  ask: atom('ask'),
  sweep: atom('sweep'),
  generate_demand: atom('generate_demand'),
  connect: atom('connect'),
  ping: atom('ping'),
  nodedown: atom('nodedown'),
  dead: atom('dead'),
  monitor: atom('monitor'),
  demonitor: atom('demonitor'),
  monitor_subscriber: atom('monitor_subscriber'),
  enqueue: atom('enqueue'),
  subscribe: atom('subscribe'),
  unsubscribe: atom('unsubscribe'),
  process_: atom('process'),
} as const;

/** `[:alias | ref]`, the tag of an OTP 25 gen call. */
function aliasTag(ref: Ref): Term {
  return ilist([A.alias], ref);
}

function cast(request: Term): Term {
  return tuple(A.gen_cast, request);
}

function call(from: From, request: Term): Term {
  return tuple(A.gen_call, tuple(from.pid, aliasTag(from.tag)), request);
}

function dispatchTerm(d: Dispatch): Term {
  return tuple(d.subscriber, downToTerm(d.down));
}

function instructionTerm(i: Instruction): Term {
  return tuple(i.op === 'subscribe' ? A.subscribe : A.unsubscribe, i.target);
}

/** The Erlang term `msg` stands for. O(size); for tests, traces and inspect. */
export function msgToTerm(msg: Msg): Term {
  switch (msg.kind) {
    case 'monitor':
      return cast(tuple(A.monitor, msg.target, msg.ref, msg.subscriber));
    case 'demonitor':
      return cast(tuple(A.demonitor, msg.target, msg.ref));
    case 'sweep':
      return A.sweep;
    case 'connect':
      return call(msg.from, A.connect);
    case 'ping':
      return call(msg.from, A.ping);
    case 'nodedown':
      return tuple(A.nodedown, atom(msg.node));
    case 'DOWN':
      return downToTerm(msg);
    case 'dead':
      return tuple(A.dead, atom(msg.node), list(msg.certificates.map((c) => tuple(c.pid, c.reason))));
    case 'other':
      return msg.term;
    case 'monitor_subscriber':
      return cast(tuple(A.monitor_subscriber, msg.subscriber));
    case 'enqueue':
      return 'dispatches' in msg
        ? cast(tuple(A.enqueue, list(msg.dispatches.map(dispatchTerm))))
        : cast(tuple(A.enqueue, msg.pid, msg.reason));
    case 'ask':
      return tuple(A.gen_producer, tuple(msg.from.pid, msg.from.tag), tuple(A.ask, int(msg.n)));
    case 'generate_demand':
      return A.generate_demand;
    case 'events':
      return tuple(A.gen_consumer, tuple(msg.from.pid, msg.from.tag), list(msg.events.map(dispatchTerm)));
    case 'process':
      return cast(tuple(A.process_, msg.connector, list(msg.instructions.map(instructionTerm))));
    case 'subscribe':
      return cast(tuple(A.subscribe, msg.connector, list([...msg.targets])));
    case 'reply':
      return tuple(aliasTag(msg.tag), msg.value);
    default:
      return assertNever(msg);
  }
}

// ---------------------------------------------------------------------------------------
// Sizes, without building the terms
//
// A message is an envelope of constant size, possibly holding one long list (dispatches,
// certificates, instructions, targets). The envelope is measured as a term with that
// list left empty; the list adds its cells and its elements, each element summed from
// the sizes of its leaves. The per-container constants are measured once with terms.ts,
// whose sizes are additive (a container's size is its own overhead plus its elements').

/** How one measure (heap words or external bytes) sizes terms and containers. */
type Measure = {
  readonly term: (t: Term) => number;
  /** `term` of an atom (what the small messages' tags are), without the walk's test of its kind. */
  readonly atom: (a: Atom) => number;
  /** `term` of a ref made on `node` (a pid reference if `alias`), without the ref (monitor_msg.ts keeps some as their uids). */
  readonly ref: (node: string, alias: boolean) => number;
  /** Size of a tuple's own overhead (a tuple's size less its elements'). */
  readonly tuple0: number;
  /** Size of a proper list of `n` elements whose elements sum to `elements`. */
  readonly list: (n: number, elements: number) => number;
  /**
   * The element sums of the long lists it has met, by list (a heap measure's: a batch of
   * DOWNs is sized where it is sent and again by the heap model of the process that takes
   * it). A message and its lists are never changed once made, so a kept sum stays right.
   * None for the dist measure, which also collects the atoms it meets at each walk.
   */
  readonly lists?: WeakMap<readonly unknown[], number>;
  /**
   * The last DOWN reason it measured and its size (a heap measure's): a batch of DOWNs
   * shares one reason term, never changed. None for the dist measure (as `lists`).
   */
  readonly lastReason?: { term: Term | undefined; size: number };
};

const PROBE = atom('probe');
const HEAP_TUPLE0 = heapWords(tuple(PROBE)) - heapWords(PROBE);
const HEAP_NIL = heapWords(list([]));
const HEAP_CONS = heapWords(list([PROBE])) - HEAP_NIL - heapWords(PROBE);
const WIRE_TUPLE0 = externalBytes(tuple(PROBE)) - externalBytes(PROBE);
const WIRE_NIL = externalBytes(list([]));
const WIRE_LIST = externalBytes(list([PROBE])) - externalBytes(PROBE);

const HEAP_ATOM = heapWords(PROBE);
const heapAtomWords = (): number => HEAP_ATOM;

const heapMeasures = new Map<string, Measure>();

/** The last node's measure: most messages in a row are measured for the same node (a lookup by name at every message was ~1% of a herd's CPU). */
let lastHeapNode: string | undefined;
let lastHeapMeasure: Measure | undefined;

function heapMeasure(localNode: string): Measure {
  if (localNode === lastHeapNode) return lastHeapMeasure as Measure;
  let m = heapMeasures.get(localNode);
  if (m === undefined) {
    m = newHeapMeasure(localNode);
    heapMeasures.set(localNode, m);
  }
  lastHeapNode = localNode;
  lastHeapMeasure = m;
  return m;
}

/** Made apart from `heapMeasure`: a closure there over `localNode` would cost a context at every call (every message sent). */
function newHeapMeasure(localNode: string): Measure {
  return {
    term: (t) => heapWords(t, localNode),
    atom: heapAtomWords,
    ref: (node, alias) => refHeapWords(node, alias, localNode),
    tuple0: HEAP_TUPLE0,
    list: (n, elements) => HEAP_NIL + n * HEAP_CONS + elements,
    lists: new WeakMap(),
    lastReason: { term: undefined, size: 0 },
  };
}

/** An atom as the distribution writes it with its atom cache on: ATOM_CACHE_REF, tag + index. */
export const ATOM_CACHE_REF_BYTES = 2;

/** Where a measure collects the atoms it meets (a `Set`, or the wire's per-message collector): repeats are its to drop. */
export type AtomSink = { add(name: string): unknown };

/**
 * Bytes of `t` as the distribution encodes it with its atom cache on (OTP 25): every atom,
 * and the node name inside a pid, ref or port, is a 2-byte ATOM_CACHE_REF whose text goes
 * into the message's header (sim/beam/wire.ts); `atoms` collects the atoms met, in first-use
 * order. Shared compound terms (one reason for every ref of a dead target) are measured
 * once, by identity (terms are immutable, so a cached size stays right).
 */
export function distTermBytes(t: Term, atoms: AtomSink): number {
  switch (t.t) {
    case 'atom':
      atoms.add(t.v);
      return ATOM_CACHE_REF_BYTES;
    // Their node's atom a cache reference, summed here: externalBytes would read the kind
    // again (a megamorphic lookup) and test ten kinds before these.
    case 'pid':
      return withNodeAtom(atoms, t.node, PID_EXT_FIXED);
    case 'ref':
      return withNodeAtom(atoms, t.node, REF_EXT_FIXED);
    case 'port':
      return withNodeAtom(atoms, t.node, PORT_EXT_FIXED);
    case 'tuple':
    case 'list':
    case 'ilist':
    case 'map': {
      let c = distCompounds.get(t);
      if (c === undefined) {
        const found = new Set<string>();
        c = { bytes: externalBytes(t, (a) => (found.add(a), ATOM_CACHE_REF_BYTES)), atoms: [...found] };
        distCompounds.set(t, c);
      }
      for (const a of c.atoms) atoms.add(a);
      return c.bytes;
    }
    default:
      return externalBytes(t);
  }
}

/** A pid's, ref's or port's bytes (`fixed`: its format's, less the node's atom) with its node's atom as a cache reference, collected. */
function withNodeAtom(atoms: AtomSink, node: string, fixed: number): number {
  atoms.add(node);
  return fixed + ATOM_CACHE_REF_BYTES;
}

const distCompounds = new WeakMap<Term, { readonly bytes: number; readonly atoms: readonly string[] }>();

/** The one dist measure (measures do not nest), pointed at each message's atom set in turn. */
let distAtoms: AtomSink = new Set<string>();
const DIST_MEASURE: Measure = {
  term: (t) => distTermBytes(t, distAtoms),
  atom: (a) => {
    distAtoms.add(a.v);
    return ATOM_CACHE_REF_BYTES;
  },
  // NEWER_REFERENCE_EXT: an alias travels as an ordinary ref.
  ref: (node) => withNodeAtom(distAtoms, node, REF_EXT_FIXED),
  tuple0: WIRE_TUPLE0,
  // Our lists never hold small integers, so STRING_EXT never applies.
  list: (n, elements) => (n === 0 ? WIRE_NIL : WIRE_LIST + elements),
};

function distMeasure(atoms: AtomSink): Measure {
  distAtoms = atoms;
  return DIST_MEASURE;
}

/** `{subscriber, {:DOWN, ref, :process, object, reason}}` */
function measureDispatch(m: Measure, d: Dispatch): number {
  return 2 * m.tuple0 + m.term(d.subscriber) + m.atom(A.DOWN) + m.ref(dispatchRefNode(d), dispatchRefAlias(d)) + m.atom(A.process) + m.term(dispatchObject(d)) + m.term(dispatchReason(d));
}

/**
 * The elements of a list of dispatches summed (a batch of DOWNs, at each hop): its
 * subscriber and reason, shared by runs of dispatches (one subscriber's, one reason for a
 * node's loss), and its atoms are measured again only when they change; its refs and pid
 * objects only when their node does (a ref's also when it is an alias where the last was
 * not, or the other way): either measure sizes them by those alone (heapWords: local or
 * remote, a local ref's alias word; distTermBytes: the node's atom and a fixed
 * NEWER_REFERENCE_EXT or PID_EXT). A measure's sink has had them all from the first
 * dispatch on, so the atoms it meets keep their order.
 */
function sumDispatches(m: Measure, ds: readonly Dispatch[]): number {
  const first = ds[0];
  if (first === undefined) return 0;
  const kept = m.lists?.get(ds);
  if (kept !== undefined) return kept;
  return keepSum(m, ds, dispatchesTotal(m, ds, first));
}

/**
 * `sumDispatches`'s walk, a function of its own: V8 compiled the long loop on the stack
 * (OSR) before a call had reached the line after it, and that code left for the
 * interpreter at the line at each new batch (101 times in a 100k herd's warm-up or
 * rounds, `--trace-deopt`); here nothing follows the loop but its result.
 */
function dispatchesTotal(m: Measure, ds: readonly Dispatch[], first: Dispatch): number {
  let total = measureDispatch(m, first);
  const fixed = 2 * m.tuple0 + m.atom(A.DOWN) + m.atom(A.process);
  let subscriber = first.subscriber;
  let subscriberSize = m.term(subscriber);
  let reason = dispatchReason(first);
  let reasonSize = m.term(reason);
  const refs = lastSized();
  const pids = lastSized();
  for (let i = 1; i < ds.length; i++) {
    const d = ds[i] as Dispatch;
    if (d.subscriber !== subscriber) {
      subscriber = d.subscriber;
      subscriberSize = m.term(subscriber);
    }
    const refNode = dispatchRefNode(d);
    const refAlias = dispatchRefAlias(d);
    if (refNode !== refs.node || refAlias !== refs.alias) {
      refs.node = refNode;
      refs.alias = refAlias;
      refs.size = m.ref(refNode, refAlias);
    }
    total += fixed + subscriberSize + refs.size + sizeByNode(m, dispatchObject(d), pids);
    const r = dispatchReason(d);
    if (r !== reason) {
      reason = r;
      reasonSize = m.term(reason);
    }
    total += reasonSize;
  }
  return total;
}

/** The node, alias word and size of the last pid or ref a list's measure sized (`sizeByNode`). */
type LastSized = { node: string | undefined; alias: boolean; size: number };

const lastSized = (): LastSized => ({ node: undefined, alias: false, size: 0 });

/**
 * A term's size, a pid's or ref's measured again only when its node (a ref's also its
 * alias word) differs from the last one's: either measure sizes them by those alone
 * (heapWords: local or remote, a local ref's alias word; distTermBytes: the node's atom
 * and a fixed PID_EXT or NEWER_REFERENCE_EXT), and a list's are mostly of one node. Keep
 * one `last` per place in a list's elements (its refs, its pid objects).
 */
function sizeByNode(m: Measure, t: Term, last: LastSized): number {
  if (t.t !== 'pid' && t.t !== 'ref') return m.term(t);
  const alias = t.t === 'ref' && t.alias === true;
  if (t.node !== last.node || alias !== last.alias) {
    last.node = t.node;
    last.alias = alias;
    last.size = m.term(t);
  }
  return last.size;
}

/** `{pid, reason}` */
function measureCertificate(m: Measure, c: Certificate): number {
  return m.tuple0 + m.term(c.pid) + m.term(c.reason);
}

/**
 * The elements of a list of instructions summed, each `{:subscribe | :unsubscribe, target}`:
 * its op atom is measured again only when the op changes, and a pid target only when its
 * node does (a batch's targets are pids of one node). Either measure sizes a pid by its
 * node alone (heapWords: local or remote; distTermBytes: its node's atom and a fixed
 * PID_EXT), and its sink has had that node's atom from the first such pid on.
 */
function sumInstructions(m: Measure, is: readonly Instruction[]): number {
  if (is.length === 0) return 0;
  const kept = m.lists?.get(is);
  if (kept !== undefined) return kept;
  let total = 0;
  let op: Instruction['op'] | undefined;
  let opSize = 0;
  const pids = lastSized();
  for (let i = 0; i < is.length; i++) {
    const ins = is[i] as Instruction;
    if (ins.op !== op) {
      op = ins.op;
      opSize = m.atom(op === 'subscribe' ? A.subscribe : A.unsubscribe);
    }
    total += m.tuple0 + opSize + sizeByNode(m, ins.target, pids);
  }
  return keepSum(m, is, total);
}

/** The elements of `items` summed with `measure` (always the same one for a given list: its elements' kind's). */
function sumOf<T>(m: Measure, items: readonly T[], measure: (m: Measure, item: T) => number): number {
  if (items.length === 0) return 0;
  const kept = m.lists?.get(items);
  if (kept !== undefined) return kept;
  let total = 0;
  // Indexed: a `for...of` here made an iterator result per item (a batch of 1000 DOWNs, measured at each hop).
  for (let i = 0; i < items.length; i++) total += measure(m, items[i] as T);
  return keepSum(m, items, total);
}

/** A list's element sum, kept where the measure keeps them (`lists`): the three sums above end here. */
function keepSum(m: Measure, list: readonly unknown[], total: number): number {
  m.lists?.set(list, total);
  return total;
}

/** The message's long list (as count and element sum) and the message with that list emptied. */
function splitList(msg: Msg, m: Measure): { envelope: Msg; n: number; elements: number } | undefined {
  switch (msg.kind) {
    case 'dead':
      return { envelope: { ...msg, certificates: [] }, n: msg.certificates.length, elements: sumOf(m, msg.certificates, measureCertificate) };
    case 'enqueue':
      if (!('dispatches' in msg)) return undefined;
      return { envelope: { ...msg, dispatches: [] }, n: msg.dispatches.length, elements: sumDispatches(m, msg.dispatches) };
    case 'events':
      return { envelope: { ...msg, events: [] }, n: msg.events.length, elements: sumDispatches(m, msg.events) };
    case 'process':
      return {
        envelope: { ...msg, instructions: [] },
        n: msg.instructions.length,
        elements: sumInstructions(m, msg.instructions),
      };
    case 'subscribe':
      return { envelope: { ...msg, targets: [] }, n: msg.targets.length, elements: sumOf(m, msg.targets, (mm, t) => mm.term(t)) };
    default:
      return undefined;
  }
}

/**
 * Small fixed-shape messages (one per monitor, demonitor and delivered DOWN: the hot
 * path), summed from their leaves without building the term.
 */
function measureSmall(msg: Msg, m: Measure): number | undefined {
  switch (msg.kind) {
    case 'monitor':
      return cast2(m) + m.atom(A.monitor) + m.term(msg.target) + m.ref(monitorRefNode(msg), monitorRefAlias(msg)) + m.term(msg.subscriber);
    case 'demonitor':
      return cast2(m) + m.atom(A.demonitor) + m.term(msg.target) + m.term(msg.ref);
    case 'monitor_subscriber':
      return cast2(m) + m.atom(A.monitor_subscriber) + m.term(msg.subscriber);
    case 'enqueue':
      return 'dispatches' in msg ? undefined : cast2(m) + m.atom(A.enqueue) + m.term(msg.pid) + m.term(msg.reason);
    case 'DOWN':
      return m.tuple0 + m.atom(A.DOWN) + m.term(msg.ref) + m.atom(A.process) + m.term(msg.object) + reasonSize(m, msg.reason);
    default:
      return undefined;
  }
}

/** A DOWN's reason measured, or its size kept by the measure when it measured that same term last. */
function reasonSize(m: Measure, reason: Term): number {
  const last = m.lastReason;
  if (last === undefined) return m.term(reason);
  if (last.term !== reason) {
    last.size = m.term(reason);
    last.term = reason;
  }
  return last.size;
}

/** `{:"$gen_cast", {...}}`: measured only for casts (a measure may collect what it meets). */
function cast2(m: Measure): number {
  return 2 * m.tuple0 + m.atom(A.gen_cast);
}

function measureMsg(msg: Msg, m: Measure): number {
  const small = measureSmall(msg, m);
  if (small !== undefined) return small;
  const split = splitList(msg, m);
  if (split === undefined) return m.term(msgToTerm(msg));
  return m.term(msgToTerm(split.envelope)) - m.list(0, 0) + m.list(split.n, split.elements);
}

/**
 * Heap words of a DOWN's reason on `localNode`, kept by that node's heap measure while
 * DOWNs share one reason term (`reasonSize`): for a runtime that sums a DOWN's words itself.
 */
export function downReasonHeapWords(reason: Term, localNode: string): number {
  return reasonSize(heapMeasure(localNode), reason);
}

/** Heap words of `msg` once copied into a mailbox on `localNode` (= heapWords(msgToTerm(msg))). O(size). */
export function msgHeapWords(msg: Msg, localNode: string): number {
  return measureMsg(msg, heapMeasure(localNode));
}

/**
 * Bytes of `msg` as the distribution encodes it (= distTermBytes(msgToTerm(msg))): atoms are
 * cache references, collected into `atoms` for the header; no version byte. O(size).
 */
export function msgDistBytes(msg: Msg, atoms: AtomSink): number {
  return measureMsg(msg, distMeasure(atoms));
}

/**
 * The refc binaries `msg` refers to, with their sizes (= refcBinaries(msgToTerm(msg))); undefined when none.
 * Only reasons, reply values and stray terms may hold binaries. Asked for every message
 * sent, so it walks them in place (no array of them per message).
 */
export function msgRefcBinaries(msg: Msg): Map<Uint8Array, number> | undefined {
  switch (msg.kind) {
    case 'DOWN':
      return carried(msg.reason, undefined);
    case 'other':
      return carried(msg.term, undefined);
    case 'reply':
      return carried(msg.value, undefined);
    case 'dead':
      return carriedBy(msg.certificates, certificateReason);
    case 'enqueue':
      return 'dispatches' in msg ? carriedBy(msg.dispatches, dispatchReason) : carried(msg.reason, undefined);
    case 'events':
      return carriedBy(msg.events, dispatchReason);
    default:
      return undefined;
  }
}

/** The binaries of `t` added to `found` (an atom holds none). */
function carried(t: Term, found: Map<Uint8Array, number> | undefined): Map<Uint8Array, number> | undefined {
  return t.t === 'atom' ? found : refcBinaries(t, found);
}

/** The binaries of each item's term; a term shared by consecutive items (one reason per dead target, or one :nodedown for all) is walked once. */
function carriedBy<T>(items: readonly T[], termOf: (item: T) => Term): Map<Uint8Array, number> | undefined {
  let found: Map<Uint8Array, number> | undefined;
  let last: Term | undefined;
  for (let i = 0; i < items.length; i++) {
    const t = termOf(items[i] as T);
    if (t === last) continue;
    last = t;
    found = carried(t, found);
  }
  return found;
}

const certificateReason = (c: Certificate): Term => c.reason;
