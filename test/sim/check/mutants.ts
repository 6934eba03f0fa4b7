// Deliberately broken variants of core's components, for the mutation test
// (test/sim/check/mutation.test.ts): each wraps the real step function and breaks one
// rule ZenMonitor relies on, so that the check suite (sim/check/command.ts) must catch it.
import { batcherStep } from '../../../core/batcher.js';
import { connectorStep } from '../../../core/connector.js';
import { dispatcherStep } from '../../../core/dispatcher.js';
import { localStep } from '../../../core/local.js';
import type { Op, Step } from '../../../core/ops.js';
import type { ReferenceRow } from '../../../core/tables.js';
import type { PropertyName } from '../../../sim/check/properties.js';
import type { ComponentSteps } from '../../../sim/zen/cluster.js';

export type Mutant = {
  readonly name: string;
  /** What it breaks. */
  readonly breaks: string;
  /** The property that must catch it. */
  readonly caughtBy: PropertyName;
  readonly steps: Partial<ComponentSteps>;
};

/**
 * `step` with every References take answered with a row, without performing it: the row
 * stays, and the caller goes on as if it had taken it.
 */
function* withoutTakes(step: Step): Step {
  let answer: unknown;
  for (let r = step.next(); r.done !== true; r = step.next(answer)) {
    const op: Op = r.value;
    if (op.kind === 'references.take') answer = { subscriber: op.subscriber, ref: op.ref, target: op.subscriber } satisfies ReferenceRow;
    else answer = yield op;
  }
}

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'dispatcher-sends-without-taking-the-reference',
    breaks: 'the Dispatcher delivers every event without taking its References row: demonitored refs get DOWNs, rows stay',
    caughtBy: 'no-leaks-when-quiet',
    steps: {
      dispatcher: (state, input, env) => withoutTakes(dispatcherStep(state, input, env)),
    },
  },
  {
    name: 'connector-does-not-queue-unsubscribe',
    breaks: "the Connector drops the :unsubscribe its last demonitor of a target queues: the Proxy's row stays",
    caughtBy: 'no-leaks-when-quiet',
    steps: {
      connector: function* (state, input, env) {
        const before = state.batch.length;
        yield* connectorStep(state, input, env);
        if (input.kind === 'demonitor' && state.batch.length > before) {
          const items = state.batch.takeAll();
          items.pop();
          state.batch.pushAll(items);
        }
      },
    },
  },
  {
    name: 'batcher-drops-the-last-chunk',
    breaks: 'a Batcher sweep that would empty the batch sends nothing: those deaths are never reported',
    caughtBy: 'exactly-one-down-per-undemonitored-monitor',
    steps: {
      batcher: (state, input, env) => {
        if (input.kind === 'sweep' && state.batch.length > 0 && state.batch.length <= env.config.batcher_chunk_size) state.batch.clear();
        return batcherStep(state, input, env);
      },
    },
  },
  {
    name: 'local-ignores-demand',
    breaks: 'Local hands the Dispatcher its whole queue whatever the demand: the delivery rate is unbounded',
    caughtBy: 'dispatcher-rate-bounded',
    steps: {
      local: (state, input, env) => localStep(state, input.kind === 'ask' ? { ...input, n: Number.MAX_SAFE_INTEGER } : input, env),
    },
  },
];
