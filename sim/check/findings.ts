// The documented findings (docs/findings.md): guarantees that real ZenMonitor 2.1.0
// breaks, each with the property that catches it and a test of whether a failing
// verdict is that finding. The properties stay strict (a finding still fails the check);
// `zensim check` uses this list only to say "this is documented upstream behaviour", and
// the property tests to tell a known finding from a new failure.
import { assertNever } from '../../core/terms.js';
import type { MonitorObs } from './observations.js';
import type { Facts, PropertyName, Verdict } from './properties.js';

export type Finding = {
  readonly id: string;
  readonly title: string;
  readonly property: PropertyName;
  /** Other properties its schedules break by the same code path (what it leaves behind). */
  readonly consequences?: readonly PropertyName[];
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
  {
    id: 'F3',
    title: "a ZenMonitor process killed loses DOWNs for good: a restarted Connector knows none of the old monitors and never watches its node again",
    property: 'exactly-one-down-per-undemonitored-monitor',
    consequences: ['no-leaks-when-quiet'],
    doc: 'docs/findings.md#f3-a-killed-connector-loses-its-monitors-and-its-node',
    schedule: 'docs/findings/connector-killed.json',
    // Missing DOWNs, each lost to a kill (lostToKill); what they leave behind: the References
    // rows of those monitors, the Proxy rows of the killed Connectors (no Batcher watched
    // them), and the rows a killed Proxy's successor never monitors (its dead targets' stay).
    explains: (v, facts) => {
      if (v.monitor !== undefined) {
        const m = facts.obs.monitors[v.monitor];
        return m !== undefined && lostToKill(facts, m, dueToNodeLoss(facts, m, v.code));
      }
      return (
        (v.leaks ?? []).length > 0 &&
        (v.leaks ?? []).every((l) => {
          if (l.code === 'proxy-row-dead-connector') return l.pair !== undefined && killedConnectorOf(facts, l.pair[0], l.pair[1]);
          if (l.code === 'proxy-row-dead-target') return l.pair !== undefined && facts.obs.zenKills.some((k) => k.which === 'proxy' && k.node === (l.pair as [number, number])[1]);
          const m = l.refUid === undefined ? undefined : facts.monitorByRef.get(l.refUid);
          return l.code === 'references-row' && m !== undefined && lostToKill(facts, m, dueToNodeLoss(facts, m, ''));
        })
      );
    },
  },
];

/** The documented finding a failing verdict of `property` on the run `facts` describes is, if it is one. */
export function knownFinding(property: PropertyName, v: Verdict, facts: Facts): Finding | undefined {
  if (v.ok) return undefined;
  return FINDINGS.find((f) => (f.property === property || f.consequences?.includes(property) === true) && f.explains(v, facts));
}

/**
 * F3's code paths: whether the DOWN of `m` was lost to a kill of one of ZenMonitor's own
 * processes. A Connector for the target's node, or Local (whose restart kills every
 * Connector), killed on the subscriber's node after the monitor was made: the monitor went
 * with the Connector's private table; or before it, and the DOWN due was a node loss
 * (`nodeLoss`): the replacement found the node `:compatible` in the Nodes table and never
 * monitored it. A Dispatcher (subscriber's node), a Batcher for the subscriber's node or a
 * Proxy (target's node, its Batchers going with their registry) killed after the target
 * died: the DOWN they held went with them.
 */
export function lostToKill(facts: Facts, m: MonitorObs, nodeLoss: boolean): boolean {
  const death = facts.deathOf.get(m.target);
  return facts.obs.zenKills.some((k) => {
    const held = death !== undefined && death.atUs <= k.atUs;
    switch (k.which) {
      case 'connector':
        return k.node === m.subNode && k.peer === m.targetNode && (k.atUs >= m.atUs || nodeLoss);
      case 'local':
        return k.node === m.subNode && (k.atUs >= m.atUs || nodeLoss);
      case 'dispatcher':
        return k.node === m.subNode && held;
      case 'batcher':
        return k.node === m.targetNode && k.peer === m.subNode && held;
      case 'proxy':
        return k.node === m.targetNode && held;
      default:
        return assertNever(k.which);
    }
  });
}

/** Whether a Connector on `node` for `peer` was killed (itself, or with Local). */
function killedConnectorOf(facts: Facts, node: number, peer: number): boolean {
  return facts.obs.zenKills.some((k) => k.node === node && (k.which === 'local' || (k.which === 'connector' && k.peer === peer)));
}

/** Whether the missing DOWN of `m` was due to its target's node going away (a crash, or a :nodedown due at the end). */
function dueToNodeLoss(facts: Facts, m: MonitorObs, code: string): boolean {
  return code === 'missing-nodedown' || facts.deathOf.get(m.target)?.crash === true;
}
