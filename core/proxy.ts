// The Proxy: the singleton registered as `ZenMonitor.Proxy` on every node. It holds one
// ERTS monitor per local target that any remote Connector subscribed to, and turns each
// target's death into one truncated death certificate per interested Connector.
//
// Mirrors ZenMonitor.Proxy (lib/zen_monitor/proxy.ex, v2.1.0). Rules kept: instructions
// are split into runs of equal operation, in order; within a run the targets are handled
// last-first, because upstream's `do_collect_targets` prepends (visible only in the order
// of the ERTS monitors made); a subscribe run first records every `{target, connector}`
// row, then monitors each target not yet monitored; unsubscribing never removes the ERTS
// monitor (it lives until the target dies); a death truncates the reason once, then
// removes that target's rows in key order (connector term order), one Batcher cast each.
// Its `monitors` table is private upstream (plain state here); the Subscribers table is
// shared with the Batchers, used through operations (ops.ts): a subscribe run's rows go in
// with one `:ets.insert` of the list.

import type { Pid } from './terms.js';
import { assertNever, atom } from './terms.js';
import type { Env, Init } from './effects.js';
import type { DownMsg, Instruction, ProxyInput, Target } from './messages.js';
import { targetKey } from './messages.js';
import type { Op, Step } from './ops.js';
import { ENDED, handOver, once } from './ops.js';
import type { ProxySubscriberRow } from './tables.js';
import { truncate } from './truncator.js';
import { TargetTable } from './target_table.js';

export interface ProxyState {
  /** Targets the Proxy holds an ERTS monitor on (key: targetKey). */
  readonly monitors: TargetTable<Target>;
}

/** `init/1`: no monitors. */
export function initProxy(_env: Env): Init<ProxyState> {
  return { state: { monitors: new TargetTable() }, effects: [] };
}

/**
 * The Proxy's step for `input`. Those that run once per target (a run of instructions, a
 * subscription) are written-out steps returned as they are: `yield*`-ed from a generator,
 * each of their operations resumed and suspended it (and the instructions' own generator).
 */
export function proxyStep(state: ProxyState, input: ProxyInput, env: Env): Step {
  switch (input.kind) {
    case 'ping':
      return once({ kind: 'reply', to: input.from, value: atom('pong') });
    case 'process':
      return new ProcessInstructions(state, input.connector, input.instructions);
    case 'subscribe':
      return new Subscribe(state, input.connector, input.targets);
    case 'DOWN':
      return targetDown(state, input, env);
    default:
      return assertNever(input);
  }
}

const NO_TARGETS: readonly Target[] = Object.freeze([]);

/**
 * `partition_instructions/1` then `process_operation/4` per run. Written out (an operation
 * per instruction), each operation handed over in a result of its own (ops.ts `handOver`:
 * a sweep's 5,000 instructions are handled over many slices). As a generator it reads:
 *
 *     for (each run of instructions of one op, its targets last-first)
 *       if (op === 'subscribe') yield* new Subscribe(state, connector, targets)
 *       else for (const target of targets) yield proxy_subscribers.delete(target, connector)
 */
class ProcessInstructions implements Step<void> {
  /** Where the next run of instructions starts. */
  private start = 0;
  /** The subscribe run being handled. */
  private subscribing: Subscribe | undefined = undefined;
  /** The unsubscribe run being handled: its targets, the next at `at`. */
  private removing: readonly Target[] = NO_TARGETS;
  private at = 0;

  constructor(
    private readonly state: ProxyState,
    private readonly connector: Pid,
    private readonly instructions: readonly Instruction[],
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<Op, void> {
    for (;;) {
      const subscribing = this.subscribing;
      if (subscribing !== undefined) {
        const r = subscribing.next();
        if (r.done !== true) return r;
        this.subscribing = undefined;
      }
      if (this.at < this.removing.length) {
        return handOver({ kind: 'proxy_subscribers.delete', target: this.removing[this.at++] as Target, connector: this.connector });
      }
      if (this.start >= this.instructions.length) return ENDED;
      this.nextRun();
    }
  }

  /** Takes the next run of instructions of one op: its targets last-first. */
  private nextRun(): void {
    const instructions = this.instructions;
    const start = this.start;
    const op = (instructions[start] as Instruction).op;
    let end = start + 1;
    while (end < instructions.length && (instructions[end] as Instruction).op === op) end++;
    // Made at its size (grown from empty, a run of many took ~3 times that in all).
    const targets = new Array<Target>(end - start);
    for (let i = end - 1, k = 0; i >= start; i--) targets[k++] = (instructions[i] as Instruction).target;
    this.start = end;
    if (op === 'subscribe') this.subscribing = new Subscribe(this.state, this.connector, targets);
    else {
      this.removing = targets;
      this.at = 0;
    }
  }
}

/**
 * `process_operation(:subscribe, ...)`: record the rows, then monitor the new targets.
 * Written out (an operation per target), each handed over in a result of its own, as
 * ProcessInstructions'. As a generator it reads:
 *
 *     yield proxy_subscribers.insert(targets, connector)
 *     for (const target of targets)
 *       if (!monitors.has(target)) { monitors.set(target); yield monitor(target) }
 */
class Subscribe implements Step<void> {
  /** The next target to look at; -1 before the rows went in. */
  private at = -1;

  constructor(
    private readonly state: ProxyState,
    private readonly connector: Pid,
    private readonly targets: readonly Target[],
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<Op, void> {
    const targets = this.targets;
    if (this.at < 0) {
      this.at = 0;
      return handOver({ kind: 'proxy_subscribers.insert', targets, connector: this.connector });
    }
    const monitors = this.state.monitors;
    while (this.at < targets.length) {
      const target = targets[this.at++] as Target;
      if (monitors.setNew(targetKey(target), target) !== undefined) continue;
      // Its ref dropped, none is made: one per target was 5.6 MB of young garbage per 100k.
      return handOver({ kind: 'monitor', target });
    }
    return ENDED;
  }
}

/** A monitored target died: one certificate per subscribed Connector, via its Batcher. */
function* targetDown(state: ProxyState, { object, reason }: DownMsg, env: Env): Step {
  const truncated = truncate(reason, env.config.truncation_depth, env.config.max_binary_size);
  const rows = (yield { kind: 'proxy_subscribers.match', target: object }) as readonly ProxySubscriberRow[];
  for (const row of rows) {
    yield { kind: 'proxy_subscribers.delete', target: object, connector: row.connector };
    yield {
      kind: 'cast_batcher',
      connector: row.connector,
      msg: { kind: 'enqueue', pid: object, reason: truncated },
      lookupTimeoutMs: env.config.batcher_lookup_timeout,
    };
  }
  state.monitors.delete(targetKey(object));
}
