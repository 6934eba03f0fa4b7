// The documented findings (docs/findings.md): guarantees that real ZenMonitor 2.1.0
// breaks, each with the property that catches it and a test of whether a failing
// verdict is that finding. The properties stay strict (a finding still fails the check);
// `zensim check` uses this list only to say "this is documented upstream behaviour", and
// the property tests to tell a known finding from a new failure.
import type { Facts, PropertyName, Verdict } from './properties.js';

export type Finding = {
  readonly id: string;
  readonly title: string;
  readonly property: PropertyName;
  /** Where it is written up. */
  readonly doc: string;
  /** Its minimal schedule (replay with `zensim check --replay`). */
  readonly schedule: string;
  /** Whether this failing verdict (of the run `facts` describes) is this finding, and nothing else. */
  explains(v: Extract<Verdict, { ok: false }>, facts: Facts): boolean;
};

/**
 * A DOWN the Dispatcher sent in the batch it was handling when the flush ran arrives
 * within its handling time: a few µs in this model (see the finding's fidelity note).
 */
const RACE_WINDOW_US = 50;

export const FINDINGS: readonly Finding[] = [
  {
    id: 'F1',
    title: 'demonitor(ref, [:flush]) can be followed by a DOWN for ref: the Dispatcher takes the reference, then sends',
    property: 'no-down-after-flush',
    doc: 'docs/findings.md#f1-a-down-after-demonitorref-flush',
    schedule: 'docs/findings/flush-race.json',
    explains: (v) => v.code === 'delivered-after-flush' && v.gapUs !== undefined && v.gapUs <= RACE_WINDOW_US,
  },
  {
    id: 'F2',
    title: 'Proxy subscriptions outlive their Connector, or its need for them, when no Batcher was ever started for that Connector',
    property: 'no-leaks-when-quiet',
    doc: 'docs/findings.md#f2-proxy-subscriptions-outlive-their-connector',
    schedule: 'docs/findings/proxy-rows-dead-connector.json',
    // A Connector is dead when its node crashed or stopped ZenMonitor; one drops its monitors
    // without unsubscribing when it fires them all (its node lost the connection, or the
    // Proxy's node stopped answering): a disturbance of the pair, in either case.
    explains: (v, facts) =>
      (v.leaks ?? []).length > 0 &&
      (v.leaks ?? []).every(
        (l) =>
          (l.code === 'proxy-row-dead-connector' || l.code === 'proxy-row-unneeded') &&
          l.pair !== undefined &&
          (l.code === 'proxy-row-dead-connector'
            ? (facts.obs.zenDown.get(l.pair[0]) ?? []).some((iv) => iv.fromUs > facts.obs.scriptStartUs)
            : facts.disturbances(l.pair[0], l.pair[1]).length > 0),
      ),
  },
];

/** The documented finding a failing verdict of `property` on the run `facts` describes is, if it is one. */
export function knownFinding(property: PropertyName, v: Verdict, facts: Facts): Finding | undefined {
  if (v.ok) return undefined;
  return FINDINGS.find((f) => f.property === property && f.explains(v, facts));
}
