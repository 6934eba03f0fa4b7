// The memory a run will need, estimated up front from measured footprints, so that a run
// too big for this process's heap is refused at its start with the figure it would need,
// instead of dying minutes later in V8's out-of-memory crash. The estimate counts the
// processes a script spawns and the DOWNs it expects (each from one monitor), at the
// bytes each costs at the run's peak: the live JS heap after a collection, measured on
// herd.ts at 200,000 and 400,000 targets per mode (`npm run bench:footprint` measures
// them again; the growth between the two sizes is what one more target costs).
import { getHeapStatistics } from 'node:v8';
import type { Mode } from './scenario.js';
import { InputError } from './params.js';

export const FOOTPRINT = {
  /** A spawned process that does nothing (a monitored target). */
  processBytes: 80,
  /**
   * One monitor, both sides and its DOWN, at the peak: with plain monitors, every DOWN
   * waiting in the subscriber's mailbox; with ZenMonitor, the subscriptions, References
   * rows and dispatch queue. Measured (bench:footprint, with the command's V8 settings,
   * less the process; #14's fourth pass, three runs): vanilla 538 to 589, zen 833 to 922;
   * held well above (without those settings, collections came later: up to 1,112), since
   * an estimate too low means the V8 crash this refusal is there to prevent.
   */
  monitorBytes: { vanilla: 1_100, zen: 1_200 } as Record<Mode, number>,
  /** The simulator itself, its code and a small cluster. */
  baseBytes: 64 * 2 ** 20,
};

const GIB = 2 ** 30;

/**
 * Bytes a run with this many processes and expected DOWNs needs at its peak; with plain
 * monitors each DOWN also holds `heldBytesEach` (its own decoded exit reason: ZenMonitor
 * hands over the truncated one).
 */
export function footprintBytes(processes: number, downs: number, mode: Mode, heldBytesEach = 0): number {
  return FOOTPRINT.baseBytes + processes * FOOTPRINT.processBytes + downs * (FOOTPRINT.monitorBytes[mode] + (mode === 'vanilla' ? heldBytesEach : 0));
}

/**
 * Thrown by a run's `onFootprint` (RunOptions) to stop it at its start, before its work,
 * so that its host runs it again elsewhere with a larger young generation (bin/v8.mjs):
 * the command line in a node of its own, a plan's pool on a worker started after. The
 * runner passes it through as it is.
 */
export class RunElsewhere extends Error {
  constructor(readonly estimateBytes: number) {
    super(`this run (~${Math.round(estimateBytes / 2 ** 20)} MiB at its peak) is to run again elsewhere`);
  }
}

/**
 * Refuses (InputError) a run whose estimated peak, in the most demanding of its modes
 * (they run one after the other), does not fit this process's heap limit; otherwise
 * answers that estimate, bytes.
 */
export function checkFootprint(
  processes: number,
  downs: number,
  modes: readonly Mode[],
  opts: { readonly limitBytes?: number; readonly heldBytesEach?: number } = {},
): number {
  const held = opts.heldBytesEach ?? 0;
  const limitBytes = opts.limitBytes ?? getHeapStatistics().heap_size_limit;
  const needs = modes.map((m) => ({ mode: m, bytes: footprintBytes(processes, downs, m, held) }));
  const { mode, bytes: need } = needs.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  if (need <= limitBytes) return need;
  const count = (n: number) => n.toLocaleString('en-US');
  const holding = mode === 'vanilla' && held > 0 ? `, each holding ~${count(held)} bytes of its exit reason` : '';
  throw new InputError(
    `this run needs about ${(need / GIB).toFixed(1)} GB of memory in ${mode} mode (${count(downs)} expected DOWNs at ~${count(FOOTPRINT.monitorBytes[mode])} bytes each, measured${holding}${processes > 0 ? `, and ${count(processes)} processes spawned so far` : ''}), ` +
      `more than this process may use (${(limitBytes / GIB).toFixed(1)} GB): give it more with NODE_OPTIONS=--max-old-space-size=${Math.ceil((need * 1.1) / 2 ** 20)} on a machine with that much memory, or run fewer`,
  );
}
