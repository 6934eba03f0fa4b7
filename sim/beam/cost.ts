// The cost model: CPU microseconds per handled message, per operation and per GC
// reduction, and bytes per process, monitor and table object. Every number lives here, under one name, with
// where it comes from; a scenario or `--set cost.<name>=<value>` overrides any of them.
// Values marked "calibrated" are fitted to shared/fixtures/calibration (see README,
// "Model and its limits"); the rest are ERTS estimates from shared/spec/beam.md.
import { describeValue } from '../../core/config.js';

export type CostModel = {
  /** CPU to take one message off a mailbox and enter its handler (receive + dispatch). */
  receiveUs: number;
  /** CPU of one local send (copy into the receiver's heap), per message. */
  sendLocalUs: number;
  /** CPU of one distributed send (encode + enqueue on the connection), per message. */
  sendRemoteUs: number;
  /** CPU to encode/copy one byte of a message (local copy or distribution encoding). */
  perByteUs: number;
  /**
   * CPU of one ETS operation (insert, take, lookup, member, delete; a call that reads or
   * writes several rows costs this per row): ZenMonitor's shared-table operations, the
   * calls on the Connector's and the Proxy's private `monitors` tables, each instruments
   * counter increment (an `:ets.update_counter`), each GenRegistry lookup of a Connector
   * or Batcher, and each `ctx.ets(name)` access.
   */
  etsOpUs: number;
  /** CPU to set up or remove one ERTS monitor. */
  monitorUs: number;
  /** CPU spent by ERTS per monitor it fires when a connection goes down. */
  connLossPerMonitorUs: number;
  /** CPU of an exiting process per monitor on it that it fires (a local DOWN message, or a remote DOWN signal queued on its connection, plus perByteUs of its encoding). */
  exitSignalUs: number;
  /** CPU per element when a ZenMonitor component builds or takes in a list of DOWN work (dispatches, events, certificates). */
  batchItemUs: number;
  /** CPU per element when a Connector splits its instructions off for a sweep, or the Proxy partitions them. */
  instructionItemUs: number;
  /** CPU of one reduction of garbage collection (gc_cost: one per 10 live words moved, one per 100 resized). */
  gcReductionUs: number;
  /** Bytes of a process besides its heaps: its PCB and what ERTS keeps with it. */
  processStructBytes: number;
  /** `min_heap_size`: the words of a new process's heap (and the least a heap shrinks to). */
  minHeapWords: number;
  /** `fullsweep_after`: a process's minor collections between two major ones (0: every collection is major). */
  fullsweepAfter: number;
  /** Words a process keeps live when idle (its loop state and stack), unless it says otherwise. */
  processBaseWords: number;
  /** Bytes a message decoded from the wire keeps (its distribution buffer) until its receiver's next GC. */
  remoteMessageBufferBytes: number;
  /** Bytes of one local monitor, both ends (each end's process shows 64), in `system`. */
  localMonitorBytes: number;
  /** Bytes of one remote monitor on each side (the watcher's process shows 88, the target's 96), in `system`. */
  remoteMonitorBytes: number;
  /** Words of an ETS `set` object beyond its tuple (its hash entry; the buckets are counted apart). */
  etsSetObjectWords: number;
  /** Words of an ETS `ordered_set` object beyond its tuple (the tree node). */
  etsOrderedSetObjectWords: number;
};

/**
 * Defaults. "R1"/"R3"/"R4" are the calibration runs in shared/fixtures/calibration
 * (OTP 25, 2 schedulers); test/calibration.test.ts checks the fit.
 */
export const defaultCostModel: Readonly<CostModel> = Object.freeze({
  // Calibrated, R4 vanilla: 100,000 DOWNs plus ~2,200 :work messages drained in
  // 2,150 ms by a handler that busy-waits 20 µs per DOWN: ~21 µs a message, 1 µs of it
  // taking the message and dispatching to handle_info.
  receiveUs: 1.0,
  // ERTS estimate: copying a small term into a local mailbox (plus perByteUs per byte).
  sendLocalUs: 0.4,
  // Calibrated, R1: one process sent 10,000 remote exit signals in 29-37 ms (3.4 µs each).
  // That is the sender's wall rate, set by busy_dist_port: measured on OTP 25, its own CPU
  // is 0.4-0.8 µs a send and the receiver's 0.4-2.3 (docs/real-library/distribution). Simplified:
  // all of it is charged as the sender's CPU, none to the receiver (README, "The
  // distribution's port tasks are not scheduled").
  sendRemoteUs: 3.3,
  // ERTS estimate: ~2 GB/s for copying or encoding terms.
  perByteUs: 0.0005,
  // ERTS estimate: an ETS insert/take/lookup on a table of 10^5 rows (a few hundred ns:
  // hash or tree walk plus copying a small row in or out). Charged since the operations
  // run at their CPU time; R1/R3/R4 stay within tolerance without re-fitting it (the
  // DOWN path adds one take per DOWN: 1000 per Dispatcher batch, 0.3 ms in 100 ms).
  // Also each ZenMonitor `increment`: instruments 2.1.1's FastCounter is an
  // :ets.update_counter on the scheduler's own table, reported to statsd by one process
  // every 10 s (lib/fast_counter.ex), not a UDP send per increment; and the Connector's
  // and Proxy's calls on their private tables (sim/zen/component.ts, privateTableOps).
  etsOpUs: 0.3,
  // ERTS estimate: creating or removing a monitor (both sides' bookkeeping).
  monitorUs: 0.4,
  // Calibrated, R4 vanilla: nodedown seen at 31-37 ms, 100,000 :noconnection DOWNs then
  // queued together and handled from ~86 ms on: ~50 ms for the receiver to take in
  // 100,000 signals (max message_queue_len 100,041).
  connLossPerMonitorUs: 0.5,
  // F2 (vanilla): the target's first exit slice, 4000 remote DOWN signals before any
  // receiver was busy, took 6.0 to 6.5 ms in two of three runs (11.5 ms in the third,
  // shared with other threads): 1.5 µs a DOWN; B's whole runtime for 40,000 was 96-124 ms,
  // its dist output port's writes included.
  exitSignalUs: 1.5,
  // Calibrated, R3/R4 zen: with nodedown seen at ~36 ms the first DOWN is handled at
  // 173-273 ms: the Connector's 100,000-row match and list, and Local taking the list
  // in, cost ~1.5 µs a row in all (paid once by the sender and once by the receiver).
  batchItemUs: 0.75,
  // ERTS estimate: a sweep's instructions were queued one by one as the monitors came in;
  // sending them is a `:queue.split` and `to_list` (the Proxy walks them once more to
  // partition the runs), tens of ns per list cell; their encoding is perByteUs. Not the
  // calibrated batchItemUs, whose rows are built and taken in whole, on the DOWN path.
  instructionItemUs: 0.05,
  // erl_gc.c gc_cost counts reductions; copying 10 words (80 bytes) takes ~0.05 µs at the
  // ~2 GB/s of perByteUs. Estimate; R4 vanilla's copies of a 100,000-message on_heap
  // queue stay within its tolerance.
  gcReductionUs: 0.05,
  // M1: an idle process measured 2640 bytes with its 233-word heap: 2640 - 233 × 8.
  processStructBytes: 776,
  // ERTS default min_heap_size.
  minHeapWords: 233,
  // ERTS default fullsweep_after (erlang:system_flag(fullsweep_after, N), spawn_opt).
  fullsweepAfter: 65_535,
  // Estimate: a receive loop's state and stack, a few words.
  processBaseWords: 10,
  // Calibrated, M1: plain-monitor subscribers still holding their decoded DOWN in a heap
  // fragment cost ~390 bytes each in `processes` beyond their process_info (slope of the
  // 1000- and 4000-subscriber runs), freed when the subscriber collects.
  remoteMessageBufferBytes: 390,
  // M1: 64 bytes at each end in process_info; `system` moved by ~128 per subscriber.
  localMonitorBytes: 128,
  // M1: `system` grew by 196-210 bytes per plain remote monitor on the watcher's node.
  remoteMonitorBytes: 200,
  // M1 (ets:info memory): a table of one {pid} row (2 words) grows by 6 words.
  etsSetObjectWords: 4,
  // M1: a {{pid, ref}, remote pid} row (13 words) costs 18 words.
  etsOrderedSetObjectWords: 5,
});

/** The largest cost value accepted: 1e9 µs (about 17 minutes of CPU per operation) or 1e9 bytes. */
export const MAX_COST = 1e9;

/** Validates and sets one cost value; throws naming the key and value when invalid. */
export function setCost(model: CostModel, key: string, value: unknown): void {
  if (!Object.hasOwn(defaultCostModel, key)) {
    throw new Error(`unknown cost model key '${key}' (known: ${Object.keys(defaultCostModel).join(', ')})`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_COST) {
    throw new Error(`cost.${key} must be a number from 0 to ${MAX_COST} (µs or bytes: beyond, the clock or the memory counts overflow), got ${describeValue(value)}`);
  }
  model[key as keyof CostModel] = value;
}
