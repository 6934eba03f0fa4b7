// Plain-value fixtures for the core/ component tests: pids and refs with world-unique
// uids, a mutable Env whose clock, connections, tables and config the test controls,
// and a tiny pure driver that runs a step by hand against them (`runStep`).
import { defaultZenConfig, type ZenConfig } from '../../core/config.js';
import type { CallConnectorEffect, CallEffect, Effect, Env } from '../../core/effects.js';
import type { CallResult, Dispatch, DownMsg, Target } from '../../core/messages.js';
import { applyTableOp, isTableOp, type Op } from '../../core/ops.js';
import { newZenTables, type ZenTables } from '../../core/tables.js';
import { atom, tuple, type Pid, type Ref, type Term } from '../../core/terms.js';

export const A = 'a@host';
export const B = 'b@host';
export const C = 'c@host';

let nextUid = 1;

/** A fresh pid on `node` (ids increase with creation, so term order = creation order per node). */
export function pid(node: string = A): Pid {
  const uid = nextUid++;
  return { t: 'pid', uid, node, id: uid, creation: 1 };
}

/** A fresh reference made on `node`. */
export function ref(node: string = A): Ref {
  return { t: 'ref', uid: nextUid++, node };
}

export class TestEnv implements Env {
  nowMs = 0;
  readonly config: ZenConfig = defaultZenConfig();
  readonly connected = new Set<string>();
  readonly made: Ref[] = [];

  constructor(
    readonly node: string = A,
    readonly self: Pid = pid(node),
    readonly tables: ZenTables = newZenTables(),
  ) {}

  makeRef(): Ref {
    const r = ref(this.node);
    this.made.push(r);
    return r;
  }

  /** `known_node?(node)`: this node, or one in `connected`. */
  knows(node: string): boolean {
    return node === this.node || this.connected.has(node);
  }

  /** The same node (tables, config, clock) seen from another process. */
  as(self: Pid): TestEnv {
    const env = new TestEnv(this.node, self, this.tables);
    Object.assign(env.config, this.config);
    env.nowMs = this.nowMs;
    for (const n of this.connected) env.connected.add(n);
    return env;
  }
}

/** Effects without the instruments counters (which have no semantic effect). */
export function noMetrics(effects: readonly Effect[]): Effect[] {
  return effects.filter((e) => e.kind !== 'metric');
}

export function zenDownOf(r: Ref, target: Target, reason: Term): DownMsg {
  return { kind: 'DOWN', ref: r, object: target, reason: tuple(atom('zen_monitor'), reason) };
}

export function dispatchOf(subscriber: Pid, r: Ref, target: Target, reason: Term): Dispatch {
  return { subscriber, down: zenDownOf(r, target, reason) };
}

/** An ERTS DOWN as a component receives it. */
export function ertsDown(r: Ref, object: Target, reason: Term): DownMsg {
  return { kind: 'DOWN', ref: r, object, reason };
}

/** What a step did, run by hand: its effects and all its operations in order, and how it ended. */
export type Ran<R> = {
  /** The effects (sends, calls, monitors, timers, metrics ...), in order; table operations left out. */
  readonly effects: Effect[];
  /** Every operation it yielded, table operations and `known_node` included, in order. */
  readonly ops: Op[];
  /** What the step returned (undefined while it is blocked in a call, or after a raise, its last effect). */
  readonly value: R | undefined;
  /** The call it is blocked in, if any: `resume` it with the call's result. */
  readonly blocked: CallEffect | CallConnectorEffect | null;
  /** Answers the call it is blocked in and runs on (the new effects and operations only). */
  resume(result: CallResult): Ran<R>;
};

/**
 * Runs a step by hand against plain values: table operations on `env.tables`,
 * `known_node` from `env.connected`, every other effect collected; stops at a call.
 */
export function runStep<R>(step: Iterator<Op, R, unknown>, env: TestEnv): Ran<R> {
  return runFrom(step, env, undefined);
}

function runFrom<R>(step: Iterator<Op, R, unknown>, env: TestEnv, input: unknown): Ran<R> {
  const effects: Effect[] = [];
  const ops: Op[] = [];
  let answer = input;
  for (;;) {
    const r = step.next(answer);
    if (r.done === true) return { effects, ops, value: r.value, blocked: null, resume: notBlocked };
    const op = r.value;
    ops.push(op);
    answer = undefined;
    if (isTableOp(op)) answer = applyTableOp(env.tables, op);
    else if (op.kind === 'known_node') answer = env.knows(op.node);
    else {
      effects.push(op);
      // A raise is never answered: the process crashes there.
      if (op.kind === 'raise') return { effects, ops, value: undefined, blocked: null, resume: notBlocked };
      if (op.kind === 'call' || op.kind === 'call_connector') {
        return { effects, ops, value: undefined, blocked: op, resume: (result) => runFrom(step, env, result) };
      }
    }
  }
}

function notBlocked(): never {
  throw new Error('the step is not blocked in a call');
}

/** The effects of a step run by hand (see `runStep`). */
export function effectsOf(step: Iterator<Op, unknown, unknown>, env: TestEnv): Effect[] {
  return runStep(step, env).effects;
}
