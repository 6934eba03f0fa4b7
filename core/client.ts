// The client API: what `ZenMonitor.monitor/1`, `demonitor/2`, `compatibility/1`,
// `compatibility_for_node/1` and `connect/1` do inside the calling process.
//
// Mirrors ZenMonitor (lib/zen_monitor.ex), ZenMonitor.Local's client functions
// (lib/zen_monitor/local.ex) and Connector.compatibility/cached_compatibility/connect
// (lib/zen_monitor/local/connector.ex), v2.1.0. Rules kept: `monitor` writes the
// References row before casting to the target node's Connector (one per node, the local
// node included) and asks Local to monitor the caller only if it is not yet in the
// subscriber set; `demonitor` takes the row and, only when it was already gone, flushes
// one DOWN for the ref if asked to; the compatibility reads touch the Nodes table only.
// Each is a step (ops.ts): its table reads and writes, casts and calls are operations,
// performed in the caller at the CPU time it reaches them, so `monitor` sees Local's
// insert of the caller as soon as Local has made it, and stops casting.

import type { Pid, Ref } from './terms.js';
import { isAtom } from './terms.js';
import type { Env } from './effects.js';
import { DEFAULT_CALL_TIMEOUT_MS, metric } from './effects.js';
import type { CallResult, MonitorMsg, Target } from './messages.js';
import { targetNode } from './messages.js';
import type { CachedCompatibility, Compatibility } from './connector.js';
import { cachedFromStatus } from './connector.js';
import type { Op, Step } from './ops.js';
import { ENDED, handOver, returns, stepOut, yields } from './ops.js';
import type { NodeStatus, ReferenceRow } from './tables.js';
import { inspect } from './inspect.js';
import { castToConnector } from './local.js';
import { monitorMsg, uidMonitorMsg } from './monitor_msg.js';
import { raise } from './raise.js';

const METRIC_PREFIX = 'zen_monitor.local';

export type DemonitorOption = 'flush' | 'info';

/**
 * `ZenMonitor.monitor(target)`. Any term is accepted, as upstream: a malformed target
 * travels to a Proxy, whose `Process.monitor` of it crashes the Proxy; a 2-tuple whose
 * second element is not an atom crashes the caller (after its References row is in).
 */
export function monitor(env: Env, target: Target): Step<Ref> {
  return new MonitorCall(env, target, true) as Step<Ref>;
}

/**
 * `ZenMonitor.monitor/1` of many targets in turn by one caller that drops the refs (a
 * herd's subscriber, `run.timed.monitorEach`): one step, run again from its start for each
 * target by `of`, once the one before has ended. Its result is undefined, so no ref is made
 * but its uid (`Env.makeRefUid`, where the env has it). Per target, a step made anew and
 * its ref were ~140 bytes of garbage a monitor.
 */
export class MonitorsDropping {
  private readonly call: MonitorCall;

  constructor(readonly env: Env) {
    this.call = new MonitorCall(env, undefined, false);
  }

  /** The step of `monitor(env, target)`, its ref dropped. */
  of(target: Target): Step<void> {
    return this.call.restart(target) as Step<void>;
  }
}

/**
 * `monitor`'s operations, one per `next`, in upstream's order (written out: it runs once
 * per monitor; as a generator a call allocated ~480 bytes, written out ~200, its
 * operations and messages). It rewrites one result of its own (ops.ts `stepOut`) at each
 * `next`; it was its own result, ~8 bytes less a monitor, but a map more where every
 * step's result is read (ops.ts `StepOut`). As a generator it reads:
 *
 *     yield metric('monitor'); ref = makeRef()
 *     yield references.insert({self, ref}, target)
 *     yield castToConnector(target, {monitor, target, ref, self})
 *     if (!(yield subscribers.member(self))) yield send_named(Local, {monitor_subscriber, self})
 *     return ref
 */
class MonitorCall implements Step<Ref | undefined> {
  /** Its result, rewritten by each `next` (`monitor`'s; `MonitorsDropping`'s hands over results of their own: `out`). */
  private readonly result = stepOut();
  /** How many operations it has handed over so far. */
  private performed = 0;
  /** The cast's message, made (with the ref it returns) after the first operation, as upstream makes the ref after its metric: also the References row (tables.ts `insertRow`). */
  private msg: MonitorMsg | undefined = undefined;
  /** The ref made (the message may hold only its uid: monitor_msg.ts); none when the ref is dropped. */
  private ref: Ref | undefined = undefined;
  /** The caller, read once (a runtime's env may serve whichever process it runs). */
  private readonly self: Pid;
  /** `MonitorsDropping`'s operations carrying the row, rewritten for each target (made at its first); none for `monitor`'s, which makes its own. */
  private rowOps: RowOps | undefined = undefined;

  constructor(
    private readonly env: Env,
    private target: Target | undefined,
    /** Whether it returns the ref (false: `MonitorsDropping`'s, which makes none). */
    private readonly keepsRef: boolean,
  ) {
    this.self = env.self;
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** From its start again, for `target`. */
  restart(target: Target): this {
    this.target = target;
    this.performed = 0;
    this.msg = undefined;
    return this;
  }

  next(answer: unknown): IteratorResult<Op, Ref | undefined> {
    const { env, self } = this;
    const target = this.target as Target;
    switch (this.performed++) {
      case 0:
        return MONITOR_METRIC_OUT;
      case 1: {
        const msg = this.keepsRef || env.makeRefUid === undefined ? monitorMsg(target, (this.ref = env.makeRef()), self) : uidMonitorMsg(target, env.makeRefUid(), self);
        this.msg = msg;
        if (this.keepsRef) return yields(this.result, { kind: 'references.insert', row: msg });
        return (this.rowOps ??= new RowOps(msg)).insertOf(msg);
      }
      case 2: {
        const msg = this.msg as MonitorMsg;
        // `monitor`'s, and a target of no node's (castToConnector's raise), made as they come.
        const node = this.keepsRef ? undefined : targetNode(target, env.node);
        return node === undefined ? this.out(castToConnector(env, target, msg)) : (this.rowOps as RowOps).castOf(node, msg);
      }
      case 3:
        return memberReadOut(self);
      case 4:
        // Not yet a subscriber: Local is asked to monitor the caller.
        if (!(answer as boolean)) {
          return this.out({ kind: 'send_named', name: 'ZenMonitor.Local', node: env.node, msg: { kind: 'monitor_subscriber', subscriber: self } });
        }
        return this.end();
      default:
        return this.end();
    }
  }

  /**
   * `op` handed over: in its result, or, run again for target after target (`MonitorsDropping`:
   * it lives long, promoted to V8's old space), in a result of its own (ops.ts `handOver`).
   */
  private out(op: Op): IteratorResult<Op, Ref | undefined> {
    return this.keepsRef ? yields(this.result, op) : handOver(op);
  }

  private end(): IteratorResult<Op, Ref | undefined> {
    return this.keepsRef ? returns(this.result, this.ref) : ENDED;
  }
}

/**
 * The two operations of `MonitorsDropping`'s monitor that carry the target's row (its
 * References insert and its cast), each one object rewritten for each target and handed
 * over in one result of its own, made once: the runner performs an operation before it
 * asks for the next, and MonitorsDropping starts a target only once the one before has
 * ended, so nothing reads one after it is rewritten. Made anew (they wait in the runner
 * across a synchronisation point: V8 may come to make them in its old space), they and
 * their results were ~170 bytes a target (a warm zen 100k round allocated 109.7 MB, 94.4
 * with these: V8's sampling heap profiler) and castToConnector 2.5-3.6% of its CPU samples.
 */
class RowOps {
  private readonly insert: { readonly kind: 'references.insert'; row: ReferenceRow };
  private readonly cast: { readonly kind: 'cast_connector'; node: string; msg: MonitorMsg };
  private readonly insertOut: IteratorYieldResult<Op>;
  private readonly castOut: IteratorYieldResult<Op>;

  /** Made at the first target's `row`; the cast's node is its target's, set by `castOf` before each hand-over. */
  constructor(row: MonitorMsg) {
    this.insert = { kind: 'references.insert', row };
    this.cast = { kind: 'cast_connector', node: '', msg: row };
    this.insertOut = { done: false, value: this.insert };
    this.castOut = { done: false, value: this.cast };
  }

  /** `references.insert` of `row`. */
  insertOf(row: ReferenceRow): IteratorYieldResult<Op> {
    this.insert.row = row;
    return this.insertOut;
  }

  /** `castToConnector` of `msg` to `node`'s Connector (`node`: the target's, an atom's). */
  castOf(node: string, msg: MonitorMsg): IteratorYieldResult<Op> {
    this.cast.node = node;
    this.cast.msg = msg;
    return this.castOut;
  }
}

/**
 * `monitor`'s increment, found once (`metric` looks it up by prefix and name), handed over
 * in a result made once too (the step's readers only read it; not frozen: ops.ts `ENDED`): two of the four
 * results a target's monitor handed over are these two shared ones (a warm zen 100k round
 * allocated 124 MB, 114.7 with them: V8's sampling heap profiler, collected objects included).
 */
const MONITOR_METRIC_OUT: IteratorYieldResult<Op> = handOver(metric(METRIC_PREFIX, 'monitor'));

type MemberRead = { readonly kind: 'subscribers.member'; readonly subscriber: Pid };
let lastMemberReadOut: IteratorYieldResult<MemberRead> | undefined;

/**
 * `monitor`'s read of whether the caller is a subscriber, handed over in its result: the
 * last caller's kept (an operation is never changed, and the result only read), so a
 * caller monitoring many targets makes them once.
 */
function memberReadOut(self: Pid): IteratorYieldResult<MemberRead> {
  if (lastMemberReadOut?.value.subscriber !== self) {
    lastMemberReadOut = { done: false, value: Object.freeze({ kind: 'subscribers.member', subscriber: self }) };
  }
  return lastMemberReadOut;
}

/** `ZenMonitor.demonitor(ref, opts)`: always true; `:info` is accepted and ignored. */
export function* demonitor(env: Env, ref: Ref, opts: readonly DemonitorOption[] = []): Step<true> {
  yield metric(METRIC_PREFIX, 'demonitor');
  const row = (yield { kind: 'references.take', subscriber: env.self, ref }) as ReferenceRow | undefined;
  if (row !== undefined) {
    yield castToConnector(env, row.target, { kind: 'demonitor', target: row.target, ref });
  } else if (opts.includes('flush')) {
    yield { kind: 'flush_down', ref };
  }
  return true;
}

/** `ZenMonitor.compatibility(target)` (a node that is no atom has no row: `:incompatible`). */
export function* compatibility(env: Env, target: Target): Step<Compatibility> {
  const node = targetNode(target, env.node);
  return node === undefined ? 'incompatible' : yield* compatibilityForNode(env, node);
}

/** `ZenMonitor.compatibility_for_node(node)`: `:compatible` only on a positive cache row. */
export function* compatibilityForNode(env: Env, node: string): Step<Compatibility> {
  return (yield* cachedCompatibility(env, node)) === 'compatible' ? 'compatible' : 'incompatible';
}

/** `Connector.cached_compatibility(node)`: the raw cache state (`:miss`, `{:expired, n}`, ...). */
export function* cachedCompatibility(env: Env, node: string): Step<CachedCompatibility> {
  return cachedFromStatus((yield { kind: 'nodes.lookup', node }) as NodeStatus | undefined, env.nowMs);
}

/**
 * `ZenMonitor.connect(node)`: a call to this node's Connector for `node`; the caller blocks
 * until it returns. A call that exits (the Connector died, or was still busy, pinging, at
 * the timeout) exits the caller with GenServer.call's reason (the runtime's answer to
 * `call_connector` carries it): the raise, never answered, ends the caller there.
 */
export function* connect(node: string): Step<Compatibility> {
  const result = (yield { kind: 'call_connector', node, msg: { kind: 'connect' }, timeoutMs: DEFAULT_CALL_TIMEOUT_MS }) as CallResult;
  if ('exit' in result) yield raise(result.exit);
  return connectResult(result);
}

/** The answer of `connect`: the Connector's reply; a call exit crashes the caller, so throws. */
export function connectResult(result: CallResult): Compatibility {
  if ('ok' in result) {
    if (isAtom(result.ok, 'compatible')) return 'compatible';
    if (isAtom(result.ok, 'incompatible')) return 'incompatible';
    throw new Error(`ZenMonitor.connect: unexpected reply ${inspect(result.ok)}`);
  }
  throw new Error(`ZenMonitor.connect: call exited with ${inspect(result.exit)}`);
}
