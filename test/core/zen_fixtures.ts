// Plain-value fixtures for the core/ component tests: pids and refs with world-unique
// uids, and a mutable Env whose clock, connections and config the test controls.
import { defaultZenConfig, type ZenConfig } from '../../core/config.js';
import type { Effect, Env } from '../../core/effects.js';
import type { Dispatch, DownMsg, Target } from '../../core/messages.js';
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

  isConnected(node: string): boolean {
    return this.connected.has(node);
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
