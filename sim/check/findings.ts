// The documented findings (docs/findings.md): guarantees that real ZenMonitor 2.1.0
// breaks, each with the property that catches it and its signature: a test, over the
// evidence of one violation and the run it happened in, of whether that violation comes
// from the finding's code path. A failing run is "known" only when every violation its
// property reports matches a finding's signature; anything else is new, and new failures
// are what `zensim check` exits non-zero on. Shrinking keeps a failure's class.
//
// Adding a finding: a Finding below (its signature reads only evidence the observations
// carry; add the evidence where the property reports the violation), its schedule under
// docs/findings/, its section in docs/findings.md, and test/sim/check/findings.test.ts
// replays it.
import { assertNever } from '../../core/terms.js';
import type { Facts } from './facts.js';
import { type MonitorObs, type NodeEnd, pairKey } from './observations.js';
import type { PropertyName, Verdict, Violation } from './verdict.js';

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
  /** The signature: whether this violation, in the run `facts` describes, comes from the finding's code path. */
  matches(v: Violation, facts: Facts): boolean;
};

export const FINDINGS: readonly Finding[] = [
  {
    id: 'F1',
    title: 'demonitor(ref, [:flush]) can be followed by a DOWN for ref: the Dispatcher takes the reference, then sends',
    property: 'no-down-after-flush',
    doc: 'docs/findings.md#f1-a-down-after-demonitorref-flush',
    schedule: 'docs/findings/flush-race.json',
    // Dispatcher.handle_events/3 took {sub, ref} from References while handling the batch
    // carrying this DOWN; the flush ran during that handling and its take found nothing
    // (no demonitor of the ref ever reached the Connector), so it scanned the mailbox and
    // found nothing either; and the send of that same handling delivered the DOWN afterwards.
    matches: (v, facts) => {
      if (v.code !== 'delivered-after-flush' || v.evidence?.kind !== 'late-down') return false;
      const { monitor, flush, down } = v.evidence;
      if (facts.obs.connectorDemonitors.has(monitor.ref.uid)) return false;
      return facts.obs.dispatcherSlices.some(
        (sl) =>
          sl.node === monitor.subNode &&
          sl.startUs <= flush.atUs &&
          flush.atUs <= down.deliveredUs &&
          down.deliveredUs <= sl.endUs &&
          (sl.events ?? []).some((e) => e.refUid === monitor.ref.uid),
      );
    },
  },
  {
    id: 'F2',
    title: 'Proxy subscriptions outlive their Connector, or its need for them, when no Batcher was ever started for that Connector',
    property: 'no-leaks-when-quiet',
    doc: 'docs/findings.md#f2-proxy-subscriptions-outlive-their-connector',
    schedule: 'docs/findings/proxy-rows-dead-connector.json',
    // A row {target, connector} is deleted only by an unsubscribe, the target's death, or
    // the Batcher of that Connector seeing it go DOWN. Dead Connector: the Proxy's node never
    // started a Batcher for it, so nobody watched it die; or its Batcher did, deleted its rows
    // and stopped, and a subscription the Connector had sent arrived after (a late one, held
    // on the wire by a cut): nobody watches it any more. Live Connector: its unsubscribe
    // never came, because it ran do_down/1 (fired every monitor and cleared its batch,
    // pending :unsubscribes included) while it held the target, or because the connection
    // between the two nodes went down after the row's first subscription (an unsubscribe
    // on it is lost, and no Batcher of that Connector was there to clean up).
    matches: (v, facts) => {
      if (v.evidence?.kind !== 'proxy-row') return false;
      const { row, proxyNode } = v.evidence;
      if (v.code === 'proxy-row-dead-connector') return !row.batcherStarted || row.batcherCleanedUp;
      if (v.code !== 'proxy-row-unneeded') return false;
      if (facts.obs.fires.some((fire) => fire.connector === row.connector.uid && fire.targets.includes(row.targetUid))) return true;
      const subscribed = facts.obs.chunks.find((c) => c.connector === row.connector.uid && c.subscribes?.includes(row.targetUid) === true);
      const pairs = [pairKey(row.connectorNode, proxyNode), pairKey(proxyNode, row.connectorNode)];
      return subscribed !== undefined && pairs.some((k) => (facts.obs.connEvents.get(k) ?? []).some((e) => !e.up && e.atUs >= subscribed.atUs));
    },
  },
  {
    id: 'F3',
    title: 'a ZenMonitor process killed loses DOWNs for good: a restarted Connector knows none of the old monitors and never watches its node again',
    property: 'exactly-one-down-per-undemonitored-monitor',
    consequences: ['no-leaks-when-quiet'],
    doc: 'docs/findings.md#f3-a-killed-connector-loses-its-monitors-and-its-node',
    schedule: 'docs/findings/connector-killed.json',
    // A monitor with no DOWN whose DOWN was lost to a kill (lostToKill); and what such kills
    // leave behind: that monitor's References row and its replacement Connector's row (its
    // target is dead), the rows of a subscriber that died unwatched after Local restarted,
    // a killed Connector's Proxy rows
    // when no Batcher ever watched it (F2's path, opened by the kill), and the rows a killed
    // Proxy's successor never monitored, whose targets died since.
    matches: (v, facts) => {
      const e = v.evidence;
      if (e?.kind === 'dead-subscriber-row') return unwatchedAfterLocalRestart(facts, e.sub, e.node);
      if (e?.kind === 'no-down') {
        if (!['missing-down', 'missing-nodedown', 'references-row', 'connector-row'].includes(v.code)) return false;
        return lostToKill(facts, e.monitor);
      }
      if (e?.kind !== 'proxy-row') return false;
      const { row, proxyNode } = e;
      if (v.code === 'proxy-row-dead-connector') return facts.obs.zenKills.some((k) => k.node === row.connectorNode && (k.which === 'local' || (k.which === 'connector' && k.peer === proxyNode)));
      return v.code === 'proxy-row-dead-target' && facts.obs.zenKills.some((k) => k.which === 'proxy' && k.node === proxyNode);
    },
  },
];

/**
 * F3's code paths: whether the DOWN of `m` was lost to a kill of one of ZenMonitor's own
 * processes.
 * - A Connector for the target's node, or Local (whose restart kills every Connector),
 *   killed on the subscriber's node after the monitor was made: the monitor went with the
 *   Connector's private table.
 * - Such a kill before the monitor: its cast went to the dead Connector (GenRegistry's
 *   table still named it) and never reached a Connector; or it reached the replacement,
 *   which found the node `:compatible` in the Nodes table, never connected, and so watches
 *   neither the node nor its Proxy: the monitor's row is still there at the end, missed by
 *   the node's loss, or by its Proxy's death (whose ERTS monitors, and so the subscription,
 *   went with it). A replacement that started while the row said anything else connected,
 *   watches both, and fires :nodedown like any Connector.
 * - A Dispatcher (subscriber's node) killed after it was handed the monitor's event: the
 *   batch it had not sent.
 * - A Batcher for the subscriber's node killed after the target died: the certificates it
 *   held; the Connector still holds the row (a later loss of the node fires it).
 * A Proxy killed loses nothing by itself: every Connector watching it fires :nodedown for
 * what it holds, the certificates that died with its Batchers included.
 */
export function lostToKill(facts: Facts, m: MonitorObs): boolean {
  const death = facts.deathOf.get(m.target);
  const holder = holderOf(facts, m);
  const missedByReplacement = (atUs: number) => atUs <= m.atUs && (!facts.obs.connectorMonitors.has(m.ref.uid) || holder?.watchesRemote === false);
  return facts.obs.zenKills.some((k) => {
    const held = death !== undefined && death.atUs <= k.atUs;
    switch (k.which) {
      case 'connector':
        return k.node === m.subNode && k.peer === m.targetNode && (k.atUs >= m.atUs || missedByReplacement(k.atUs));
      case 'local':
        return k.node === m.subNode && (k.atUs >= m.atUs || missedByReplacement(k.atUs));
      case 'dispatcher':
        return k.node === m.subNode && facts.obs.eventsIn.some((e) => e.dispatcher === k.pid && e.refs.includes(m.ref.uid));
      case 'batcher':
        return k.node === m.targetNode && k.peer === m.subNode && held && holder !== undefined;
      case 'proxy':
        return false;
      default:
        return assertNever(k.which);
    }
  });
}

/** The Connector (on the subscriber's node, for the target's) that still holds the row of `m` at the end. */
function holderOf(facts: Facts, m: MonitorObs): NodeEnd['connectors'][number] | undefined {
  const end = facts.obs.ends.find((e) => e.node === m.subNode);
  return end?.connectors.find((c) => c.remote === m.targetNode && c.monitors.some((r) => r.refUid === m.ref.uid));
}

/**
 * Whether the dead process `sub` (on `node`) was no longer watched by Local when it died:
 * Local restarted on its node before that death (killed, or ZenMonitor restarted there),
 * and `sub` completed no monitor after that (its next `monitor/1` would have had the new
 * Local watch it). Local's monitors of its subscribers go with it, so nothing then cleans
 * up after `sub`; and a `monitor/1` made while the tree restarts crashes its caller
 * (badarg: Local's Subscribers table, or the Connector registry's, is not there yet),
 * after its References row is in.
 */
function unwatchedAfterLocalRestart(facts: Facts, sub: number, node: number): boolean {
  const death = facts.deathOf.get(sub);
  if (death === undefined) return false;
  const kills = facts.obs.zenKills.filter((k) => k.which === 'local' && k.node === node).map((k) => k.atUs);
  const starts = (facts.obs.zenDown.get(node) ?? []).filter((iv) => iv.fromUs > 0).map((iv) => iv.toUs);
  return [...kills, ...starts].some((atUs) => atUs <= death.atUs && !facts.obs.monitors.some((m) => m.sub === sub && m.atUs >= atUs));
}

/** How a property's verdict on one run classifies: it held, every violation is a documented finding, or something new. */
export type Classification =
  | { readonly kind: 'pass' }
  | { readonly kind: 'known'; readonly findings: readonly Finding[] }
  | { readonly kind: 'new'; readonly violation: Violation };

export function classify(property: PropertyName, v: Verdict, facts: Facts): Classification {
  if (v.ok) return { kind: 'pass' };
  const found: Finding[] = [];
  for (const violation of v.violations) {
    const f = FINDINGS.find((x) => (x.property === property || x.consequences?.includes(property) === true) && x.matches(violation, facts));
    if (f === undefined) return { kind: 'new', violation };
    if (!found.includes(f)) found.push(f);
  }
  return { kind: 'known', findings: found };
}

/** A class as a stable key: `known:F1`, `new:missing-down` (shrinking keeps it). */
export function classKey(c: Classification): string {
  switch (c.kind) {
    case 'pass':
      return 'pass';
    case 'known':
      return `known:${c.findings.map((f) => f.id).join('+')}`;
    case 'new':
      return `new:${c.violation.code}`;
    default:
      return assertNever(c);
  }
}

/** The documented finding a failing verdict is, when all its violations are that one finding. */
export function knownFinding(property: PropertyName, v: Verdict, facts: Facts): Finding | undefined {
  const c = classify(property, v, facts);
  return c.kind === 'known' && c.findings.length === 1 ? c.findings[0] : undefined;
}
