// Helpers for the black-box ZenMonitor tests on a simulated cluster: `cluster()` builds a
// World (zero CPU costs, no jitter: times can be computed by hand) with its nodes
// connected and ZenMonitor started where asked, and `Probe` is a process that records
// every message it handles with its virtual time and runs client calls inside itself,
// now (`run`, a plain handler; `runTimed`, a generator handler whose operations happen
// at its CPU time) or at a given virtual time (`at`).
import { connectResult } from '../../../core/client.js';
import { inspect } from '../../../core/inspect.js';
import type { Compatibility } from '../../../core/connector.js';
import type { Target } from '../../../core/messages.js';
import { atom, int, tuple, type Pid, type Ref, type Term } from '../../../core/terms.js';
import type { CostModel } from '../../../sim/beam/cost.js';
import type { NetConfig } from '../../../sim/beam/net_config.js';
import type { Behaviour, CallRequest as SimCallRequest, CallResult, Ctx, DownSignal, Envelope, From, Handling, Steps } from '../../../sim/beam/process.js';
import type { World } from '../../../sim/beam/world.js';
import { ZenCluster } from '../../../sim/zen/cluster.js';
import { A, B, C, connect as connectNodes, makeWorld, runUntil } from '../helpers.js';

export { A, B, C };

export const MS = 1000;

/** `{:zen_monitor, reason}` for an atom reason, or the reason term given. */
export function zenReason(reason: string | Term): Term {
  return tuple(atom('zen_monitor'), typeof reason === 'string' ? atom(reason) : reason);
}

/** The DOWN a subscriber receives: `{:DOWN, ref, :process, object, {:zen_monitor, reason}}`. */
export function zenDown(ref: Ref, object: Term, reason: string | Term): DownSignal {
  return { kind: 'DOWN', ref, object, reason: zenReason(reason) };
}

export type ClusterSpec = {
  seed?: number | string;
  /** Node names (default a@h, b@h). */
  nodes?: string[];
  /** Nodes that do not run ZenMonitor. */
  without?: string[];
  /** ZenMonitor app env on every node that runs it. */
  zen?: Record<string, unknown>;
  /** Connect every pair of nodes before returning (default true). */
  connected?: boolean;
  schedulers?: number;
  net?: Partial<NetConfig>;
  cost?: Partial<CostModel>;
  /** Each node's monotonic clock phase, µs (0 unless given: see makeWorld). */
  clockPhaseUs?: number;
};

export type Cluster = { readonly world: World; readonly zen: ZenCluster };

/** A world with ZenMonitor on its nodes (except `without`), every pair connected. */
export function cluster(spec: ClusterSpec = {}): Cluster {
  const nodes = spec.nodes ?? [A, B];
  const world = makeWorld({
    seed: spec.seed ?? 1,
    nodes,
    ...(spec.schedulers !== undefined ? { schedulers: spec.schedulers } : {}),
    ...(spec.net !== undefined ? { net: spec.net } : {}),
    ...(spec.cost !== undefined ? { cost: spec.cost } : {}),
    ...(spec.clockPhaseUs !== undefined ? { clockPhaseUs: spec.clockPhaseUs } : {}),
  });
  const zen = new ZenCluster(world);
  const zenNodes = nodes.filter((n) => !(spec.without ?? []).includes(n));
  for (const n of zenNodes) zen.start(n, spec.zen ?? {});
  // ZenMonitor's trees take a few µs to start, each process after the one before it.
  while (!zenNodes.every((n) => zen.started(n))) runUntil(world, world.nowUs + 1);
  if (spec.connected !== false) {
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) connectNodes(world, nodes[i] as string, nodes[j] as string);
    }
  }
  return { world, zen };
}

/** Runs the world up to virtual time `ms` (events at exactly that time included). */
export function runToMs(world: World, ms: number): void {
  runUntil(world, Math.round(ms * MS));
}

/** Runs the world for `ms` more milliseconds. */
export function runForMs(world: World, ms: number): void {
  runUntil(world, world.nowUs + Math.round(ms * MS));
}

/** A DOWN as one line: `{:DOWN, #Ref<uid>, :process, object, reason}` (for readable failures). */
export function showDown(d: DownSignal): string {
  return `{:DOWN, #Ref<${d.ref.uid}>, :process, ${inspect(d.object)}, ${inspect(d.reason)}}`;
}

/** One message a probe handled: the time its handler started (µs) and the message. */
export type Rec = { readonly at: number; readonly msg: unknown };
export type DownRec = { readonly at: number; readonly msg: DownSignal };

const RUN = atom('$probe_run');

export function isDownMsg(msg: unknown): msg is DownSignal {
  return typeof msg === 'object' && msg !== null && (msg as { kind?: unknown }).kind === 'DOWN';
}

/**
 * A process that logs every message it handles with its virtual time, and runs code
 * inside itself on request (a queued closure, triggered by the atom `$probe_run`, which
 * is not logged). An error thrown by the code is caught in the handler (the world stays
 * consistent) and rethrown to the test by `run`.
 */
export class Probe {
  readonly log: Rec[] = [];
  readonly pid: Pid;
  private readonly queue: ((ctx: Ctx) => void | Handling)[] = [];
  /** Code to run when a call the probe made returns, by call tag uid. */
  private readonly onReturn = new Map<number, (ctx: Ctx) => void>();
  private gate: Pid | undefined;

  constructor(
    readonly world: World,
    readonly zen: ZenCluster,
    node: string,
    opts: { name?: string } = {},
  ) {
    this.pid = world.spawn(
      node,
      {
        handle: (ctx, msg) => {
          if (msg === RUN) return this.queue.shift()?.(ctx);
          if (isCallResult(msg)) {
            const then = this.onReturn.get(msg.tag.uid);
            if (then !== undefined) {
              this.onReturn.delete(msg.tag.uid);
              then(ctx);
              return;
            }
          }
          this.log.push({ at: ctx.nowUs(), msg });
        },
      },
      opts,
    );
  }

  /**
   * Runs `fn` inside the probe now (or the µs it is free, a handler taking at least 1 µs);
   * returns its result or rethrows what it threw.
   */
  run<T>(fn: (ctx: Ctx) => T): T {
    let done = false;
    let out: T | undefined;
    let err: unknown;
    this.queue.push((ctx) => {
      try {
        out = fn(ctx);
      } catch (e) {
        err = e;
      }
      done = true;
    });
    this.world.send(this.pid, RUN);
    // A handler takes at least 1 µs: a probe that just ran gets to this one a µs later.
    const start = this.world.nowUs;
    for (let t = start; !done && t <= start + 100; t++) runUntil(this.world, t);
    if (!done) throw new Error(`probe ${this.pid.uid} did not run its code at ${this.world.nowUs} µs (blocked or dead?)`);
    if (err !== undefined) throw err;
    return out as T;
  }

  /**
   * Runs the generator `fn` inside the probe as a generator handler (its client calls
   * through `zen.timed`, each at the CPU time reached), starting now; runs the world until
   * it returns (at most `maxMs`); gives what it returned and the virtual time (µs) then.
   */
  runTimed<T>(fn: (ctx: Ctx) => Steps<T>, maxMs = 10_000): { value: T; at: number } {
    let out: { value: T; at: number } | undefined;
    const world = this.world;
    this.queue.push(function* (ctx) {
      const value = yield* fn(ctx);
      out = { value, at: world.nowUs };
    });
    world.send(this.pid, RUN);
    const deadline = world.nowUs + maxMs * MS;
    while (out === undefined && world.nowUs < deadline) runUntil(world, Math.min(deadline, world.nowUs + 100));
    if (out === undefined) throw new Error(`probe ${this.pid.uid}: its code did not return within ${maxMs} ms`);
    return out;
  }

  /** Runs `fn` inside the probe at virtual time `ms` (the world must be run to get there). */
  at(ms: number, fn: (ctx: Ctx) => void): void {
    this.world.at(Math.round(ms * MS), () => {
      this.queue.push(fn);
      this.world.send(this.pid, RUN);
    });
  }

  /**
   * `Process.sleep(ms)` then `then` inside the probe: the probe blocks (in a call to a
   * timer process on its node) without taking anything from its mailbox, as a sleeping
   * Erlang process; when it wakes it runs `then` before handling what arrived meanwhile.
   * Starts now; run the world past `ms` to see it happen.
   */
  sleepThen(ms: number, then: (ctx: Ctx) => void): void {
    const gate = (this.gate ??= this.world.spawn(this.pid.node, sleepGate()));
    this.run((ctx) => {
      const tag = ctx.call(gate, int(ms), Infinity);
      this.onReturn.set(tag.uid, then);
    });
  }

  /** The DOWNs waiting in the probe's mailbox now, in order, left in place. */
  mailboxDowns(): DownSignal[] {
    const p = this.world.proc(this.pid);
    if (p === undefined) return [];
    const all: Envelope[] = [];
    for (let e = p.mailbox.shift(); e !== undefined; e = p.mailbox.shift()) all.push(e);
    for (const e of all) p.mailbox.push(e);
    return all.map((e) => e.msg).filter(isDownMsg);
  }

  // ---- the client API, run now inside the probe --------------------------------------------

  monitor(target: Target): Ref {
    return this.run((ctx) => this.zen.monitor(ctx, target));
  }

  demonitor(ref: Ref, opts: ('flush' | 'info')[] = []): boolean {
    return this.run((ctx) => this.zen.demonitor(ctx, ref, opts));
  }

  compatibilityForNode(node: string): Compatibility {
    return this.run((ctx) => this.zen.compatibilityForNode(ctx, node));
  }

  compatibility(target: Target): Compatibility {
    return this.run((ctx) => this.zen.compatibility(ctx, target));
  }

  /**
   * `ZenMonitor.connect(node)` from the probe: runs the world until the call returns (at
   * most `maxMs`); gives the answer and the virtual time (µs) the probe got it.
   */
  connect(node: string, maxMs = 10_000): { result: Compatibility; at: number } {
    const tag = this.run((ctx) => this.zen.connect(ctx, node));
    const deadline = this.world.nowUs + maxMs * MS;
    for (;;) {
      const got = this.log.find((r) => isCallResult(r.msg) && r.msg.tag === tag);
      if (got !== undefined) return { result: connectResult((got.msg as CallResult).result), at: got.at };
      if (this.world.nowUs >= deadline) throw new Error(`connect(${node}) did not return within ${maxMs} ms`);
      runUntil(this.world, Math.min(deadline, this.world.nowUs + MS));
    }
  }

  // ---- what it received -----------------------------------------------------------------

  downs(): DownRec[] {
    return this.log.filter((r): r is DownRec => isDownMsg(r.msg));
  }

  /** The DOWN messages alone, in arrival order. */
  downMsgs(): DownSignal[] {
    return this.downs().map((r) => r.msg);
  }

  /** DOWNs for `ref`. */
  downsFor(ref: Ref): DownRec[] {
    return this.downs().filter((r) => r.msg.ref.uid === ref.uid);
  }

}

/** Replies to each call `ms` later (its request is the integer ms): Process.sleep for a probe. */
function sleepGate(): Behaviour {
  const waiting: From[] = [];
  return {
    handle(ctx, msg) {
      const m = msg as { kind?: unknown };
      if (m.kind === '$gen_call') {
        const c = msg as SimCallRequest;
        waiting.push(c.from);
        ctx.sendAfter(Number((c.msg as { v: bigint }).v), WAKE);
      } else if (msg === WAKE) {
        const from = waiting.shift();
        if (from !== undefined) ctx.reply(from, atom('ok'));
      }
    },
  };
}

const WAKE = atom('$probe_wake');

function isCallResult(msg: unknown): msg is CallResult {
  return typeof msg === 'object' && msg !== null && (msg as { kind?: unknown }).kind === 'call_result';
}
