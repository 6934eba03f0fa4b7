// What a ZenMonitor process builds on its heap while it handles a message
// (sim/zen/memory.ts, ComponentHeap), by the words the upstream code makes: here the
// Connector's two ways of firing its monitors, which both build a reversed accumulator
// and reverse it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, type Pid, type Ref } from '../../../core/terms.js';
import type { Dispatch, Msg } from '../../../core/messages.js';
import type { Op } from '../../../core/ops.js';
import type { Ctx } from '../../../sim/beam/process.js';
import { ComponentHeap } from '../../../sim/zen/memory.js';

const A = 'a@127.0.0.1';
const B = 'b@127.0.0.1';
const N = 5000;

/** A handler's context that only tallies what it is told was built and dropped. */
function tally(): { ctx: Ctx; built: () => number; dropped: () => number } {
  let built = 0;
  let dropped = 0;
  const ctx = {
    allocate: (words: number, count = 1) => void (built += words * count),
    discard: (words: number) => void (dropped += words),
    absorb: () => undefined,
    holdState: () => undefined,
  } as unknown as Ctx;
  return { ctx, built: () => built, dropped: () => dropped };
}

function dispatches(n: number): Dispatch[] {
  const reason = { t: 'tuple', v: [atom('zen_monitor'), atom('nodedown')] } as never;
  return Array.from({ length: n }, (_, i) => {
    const sub: Pid = { t: 'pid', uid: i, node: A, id: i, creation: 1 } as Pid;
    const target: Pid = { t: 'pid', uid: N + i, node: B, id: i, creation: 1 } as Pid;
    const ref: Ref = { t: 'ref', uid: i, node: A, alias: false } as Ref;
    return { subscriber: sub, down: { kind: 'DOWN', ref, object: target, reason } } as Dispatch;
  });
}

function handle(input: Msg): { built: number; dropped: number } {
  const heap = new ComponentHeap('connector', A, () => 0);
  const t = tally();
  heap.begin(input);
  heap.seen({ kind: 'send_named', name: 'ZenMonitor.Local', node: A, msg: { kind: 'enqueue', dispatches: dispatches(N) } } as unknown as Op, 'send_named');
  heap.done(t.ctx);
  return { built: t.built(), dropped: t.dropped() };
}

test("the Connector's do_down builds its dispatches reversed and reverses them: n more cons cells made and dropped (Elixir's `for` is Enum.reduce + :lists.reverse)", () => {
  const r = handle({ kind: 'nodedown', node: B } as unknown as Msg);
  // The handler's own terms (60), the :ets.match result per row (cons, one-element list,
  // the row's 13 words: 17), the dispatch and its cons (14), and the reversal's cell (2).
  assert.is(r.built, 60 + N * (17 + 14 + 2));
  // The walked match result's cells and the accumulator's cells are garbage.
  assert.is(r.dropped, N * 17 + N * 2);
});

test("the Connector's death certificates end in Enum.reverse the same way", () => {
  const certificate = { t: 'tuple', v: [{ t: 'pid', uid: 1, node: B, id: 1, creation: 1 }, atom('normal')] };
  const r = handle({ kind: 'dead', remote: B, certificates: [certificate] } as unknown as Msg);
  assert.is(r.built, 60 + N * (9 + 14 + 3 + 2));
  assert.is(r.dropped, N * 9 + N * 2);
});

test.run();
