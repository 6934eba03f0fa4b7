// What a property answers (properties.ts, world_properties.ts): ok with notes, or every
// violation it found, each with a stable code, one explanation, and where a documented
// finding reads it (findings.ts) the evidence; and the names of all the properties.
import type { DemonitorObs, DownObs, MonitorObs, NodeEnd, Observations } from './observations.js';

export const PROPERTY_NAMES = [
  'exactly-one-down-per-undemonitored-monitor',
  'no-down-after-demonitor',
  'no-down-after-flush',
  'no-leaks-when-quiet',
  'subscribed-when-quiet',
  'dispatcher-rate-bounded',
  'demand-as-configured',
  'chunks-within-chunk-size',
  'monitors-work-after-recovery',
  'same-seed-same-trace',
  'erts-down-reasons',
  'erts-fifo-per-pair',
  'erts-timers-whole-ms',
] as const;
export type PropertyName = (typeof PROPERTY_NAMES)[number];

/** What a finding's signature reads of a violation (findings.ts). */
export type Evidence =
  | { readonly kind: 'late-down'; readonly monitor: MonitorObs; readonly flush: DemonitorObs; readonly down: DownObs }
  | { readonly kind: 'proxy-row'; readonly proxyNode: number; readonly row: NodeEnd['proxyRows'][number] }
  /** A monitor that got no DOWN (missing-down, missing-nodedown), or whose References row outlived its dead target. */
  | { readonly kind: 'no-down'; readonly monitor: MonitorObs }
  /** A References row on `node` of the dead process `sub` (whose monitor call may never have returned). */
  | { readonly kind: 'dead-subscriber-row'; readonly sub: number; readonly node: number };

export type Violation = { readonly code: string; readonly why: string; readonly evidence?: Evidence };

export type Verdict =
  | { readonly ok: true; readonly notes: readonly string[] }
  | {
      readonly ok: false;
      /** The first violation's stable code (`missing-down`, `proxy-row-dead-connector`, …) and explanation. */
      readonly code: string;
      readonly why: string;
      /** Every violation found (at most MAX_VIOLATIONS), so that one kind cannot hide another. */
      readonly violations: readonly Violation[];
    };

/** Reports one violation. */
export type Report = (code: string, why: string, evidence?: Evidence) => void;

export type Property = {
  readonly name: PropertyName;
  /** The guarantee, one sentence. */
  readonly guarantee: string;
  /** `rerun` runs the same schedule again (only the determinism property uses it). */
  check(obs: Observations, rerun: () => Observations): Verdict;
};

/** Violations kept per verdict. */
const MAX_VIOLATIONS = 50;

/** A verdict from a predicate that reports each violation it finds. */
export function judge(find: (report: Report, notes: string[]) => void): Verdict {
  const violations: Violation[] = [];
  const notes: string[] = [];
  find((code, why, evidence) => {
    if (violations.length < MAX_VIOLATIONS) violations.push(evidence === undefined ? { code, why } : { code, why, evidence });
  }, notes);
  const first = violations[0];
  return first === undefined ? { ok: true, notes } : { ok: false, code: first.code, why: first.why, violations };
}
