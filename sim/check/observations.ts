// What a check run observed, as plain data for the properties (properties.ts,
// world_properties.ts): every monitor, demonitor, DOWN, death, fault, connection event and
// ZenMonitor up/down interval; what ZenMonitor's processes passed each other (the demand
// each Dispatcher asked, what Local handed over, the chunks Connectors and Batchers sent,
// the moments a Connector fired all its monitors); the plain ERTS traffic between probes
// (numbered sends, ERTS monitors and their DOWNs, timers); the recovery probes made once
// the faults were over; and each node's ZenMonitor tables and processes once the run is
// quiet (`nodeEnd`, read through ZenCluster.inspectState, never mutated).
import { listMonitors, type ConnectorState } from '../../core/connector.js';
import type { BatcherState } from '../../core/batcher.js';
import type { LocalState } from '../../core/local.js';
import type { ProxyState } from '../../core/proxy.js';
import type { ZenConfig } from '../../core/config.js';
import type { Pid, Ref, Term } from '../../core/terms.js';
import { LOCAL, PROXY, type ZenApp, type ZenCluster, type ZenProcess } from '../zen/cluster.js';
import type { Schedule, Step } from './schedule.js';

/** Who watched whom, from when: what a ZenMonitor monitor and a plain ERTS monitor share (processes by index). */
type Watch = {
  readonly id: number;
  readonly sub: number;
  readonly subNode: number;
  readonly target: number;
  readonly targetNode: number;
  readonly targetPid: Pid;
  readonly atUs: number;
  readonly seq: number;
};
/** A ZenMonitor monitor a probe made. */
export type MonitorObs = Watch & { readonly ref: Ref };
export type DemonitorObs = {
  readonly monitor: number;
  readonly flush: boolean;
  readonly atUs: number;
  readonly seq: number;
  /** DOWNs for the ref in the subscriber's mailbox right after demonitor returned. */
  readonly downsInMailboxAfter: number;
};
export type DownObs = {
  readonly proc: number;
  readonly refUid: number;
  readonly object: Term;
  readonly reason: Term;
  readonly deliveredUs: number;
  readonly deliveredSeq: number;
  handledUs: number | null;
  handledSeq: number | null;
  inMailboxAtEnd: boolean;
};
export type DeathObs = {
  readonly proc: number;
  readonly atUs: number;
  readonly seq: number;
  readonly reason: Term;
  /** Died with its node (a crash): no Proxy was left to report it. */
  readonly crash: boolean;
};
/** A plain ERTS monitor a probe made (`erts_monitor` step). */
export type ErtsMonitorObs = Watch & { readonly refUid: number };
/** A DOWN of a plain ERTS monitor, as delivered. */
export type ErtsDownObs = { readonly monitor: number; readonly object: Term; readonly reason: Term; readonly deliveredUs: number; readonly seq: number };
/** A numbered message between probes: sent (`deliveredUs` null until it arrives). */
export type MessageObs = { readonly from: number; readonly to: number; readonly n: number; readonly sentUs: number; deliveredUs: number | null; deliveredSeq: number | null };
/** A `send_after` a probe set, and when its message arrived. */
export type TimerObs = { readonly proc: number; readonly ms: number; readonly setUs: number; firedUs: number | null };
/** A connection event as one side saw it. */
export type ConnEvent = { readonly atUs: number; readonly up: boolean };
/** A Dispatcher's handling of a demand tick or of a batch of events (`events`: subscriber process index, ref). */
export type DispatcherSlice = {
  readonly node: number;
  readonly dispatcher: number;
  readonly startUs: number;
  readonly endUs: number;
  readonly events: readonly { readonly sub: number; readonly refUid: number }[] | null;
};
/** A demand that reached Local (`ask`), by Dispatcher pid uid. */
export type AskObs = { readonly dispatcher: number; readonly n: number; readonly atUs: number };
/** Local handling an `ask` of `n` (its hand-over, if any, is sent within [startUs, endUs]). */
export type HandOverSlice = { readonly node: number; readonly n: number; readonly startUs: number; readonly endUs: number };
/** A batch of `k` events delivered to a Dispatcher (`refs`: each event's ref uid, in order). */
export type EventsObs = { readonly node: number; readonly dispatcher: number; readonly k: number; readonly atUs: number; readonly refs: readonly number[] };
/**
 * A chunk received: Connector instructions at a Proxy (from `connector`, a pid uid, with
 * the targets it subscribes), or Batcher death certificates at a Connector.
 */
export type ChunkObs = {
  readonly kind: 'process' | 'dead';
  readonly node: number;
  readonly size: number;
  readonly atUs: number;
  readonly connector?: number;
  readonly subscribes?: readonly number[];
};
/** A Connector fired every monitor (`do_down`): the targets (pid uids) it dropped, monitored or with instructions pending. */
export type FireObs = { readonly node: number; readonly remote: number; readonly connector: number; readonly atUs: number; readonly targets: readonly number[] };
/** A recovery probe: a monitor made once the pair was settled, and the kill of its target. */
export type RecoveryObs = { readonly monitor: number; readonly s: number; readonly t: number; readonly reason: Term; readonly killUs: number };

/** A stretch of time when a node pair was disturbed, from `fromUs` to `toUs` (Infinity: to the end). */
export type Interval = { fromUs: number; toUs: number };
export type FaultObs = { readonly atUs: number; readonly op: Step['op']; readonly detail: string };
/** A component fault: which of ZenMonitor's processes was killed on `node` (the Connector for `peer`, the Batcher for `peer`'s Connector; `pid`: its uid), and when. */
export type ZenKillObs = { readonly atUs: number; readonly node: number; readonly which: ZenProcess; readonly peer: number; readonly pid: number };
export type RateWindow = { readonly node: number; readonly tickUs: number; delivered: number };

/** The ZenMonitor tables and component states of one node at the end (processes by index). */
export type NodeEnd = {
  readonly node: number;
  /** References rows: subscriber process index (-1 for a process that is not a probe), ref, target. */
  readonly references: { sub: number; refUid: number; target: number }[];
  readonly referencesSize: number;
  /** Local's subscriber set. */
  readonly localSubscribers: { proc: number; alive: boolean }[];
  /**
   * Proxy subscriber rows, by target process (`batcherStarted`: this node ever started a
   * Batcher for that Connector; `batcherCleanedUp`: one deleted that Connector's rows on its
   * DOWN, so this row came after).
   */
  readonly proxyRows: {
    target: number;
    targetUid: number;
    targetAlive: boolean;
    connector: Pid;
    connectorNode: number;
    connectorAlive: boolean;
    connectorHolds: boolean;
    batcherStarted: boolean;
    batcherCleanedUp: boolean;
  }[];
  readonly proxyRowsSize: number;
  /** ERTS monitors the Proxy holds on targets no row subscribes to (upstream keeps them after unsubscribe). */
  readonly proxyMonitorsKept: number;
  readonly connectors: {
    pid: Pid;
    remote: number;
    monitors: { target: number; targetUid: number; targetAlive: boolean; refUid: number; sub: number; subAlive: boolean; inReferences: boolean }[];
    batch: number;
    blocked: boolean;
    /**
     * It monitors its remote node or that node's Proxy (`remote_node_monitored`, or a
     * `remote_proxy_ref`): false for a replacement that found the node `:compatible` in the
     * Nodes table and so never connected (F3), which learns of neither's loss.
     */
    watchesRemote: boolean;
  }[];
  readonly batchers: { connector: Pid; connectorAlive: boolean; batch: number }[];
  readonly localBatch: number;
};

export type Observations = {
  readonly schedule: Schedule;
  /** The schedule with every index resolved as this run used it (steps that named nothing left out): what a replay file holds. */
  readonly replayable: Schedule;
  readonly config: ZenConfig;
  readonly procs: { readonly node: number; readonly pid: Pid }[];
  readonly monitors: MonitorObs[];
  readonly demonitors: DemonitorObs[];
  readonly downs: DownObs[];
  readonly deaths: DeathObs[];
  readonly faults: FaultObs[];
  /** Per ordered pair `s>t`: when s's connection to t was down. */
  readonly connDown: Map<string, Interval[]>;
  /** Per ordered pair `a>b`: when the direction a -> b was cut. */
  readonly cuts: Map<string, Interval[]>;
  /** Per node: when ZenMonitor was not running there. */
  readonly zenDown: Map<number, Interval[]>;
  /** Each of ZenMonitor's processes killed by a `kill_zen` step, in order. */
  readonly zenKills: readonly ZenKillObs[];
  /** Per node: its Dispatcher's demand windows (tick to tick) with the DOWNs delivered in each. */
  readonly rate: RateWindow[];
  /** Largest one-way latency set on each pair `a>b` (both orders), µs. */
  readonly maxLatencyUs: Map<string, number>;
  /** Per ordered pair `s>t`: s's connection events toward t, in order. */
  readonly connEvents: Map<string, ConnEvent[]>;
  readonly dispatcherSlices: DispatcherSlice[];
  readonly asks: AskObs[];
  readonly handOvers: HandOverSlice[];
  readonly eventsIn: EventsObs[];
  readonly chunks: ChunkObs[];
  /** Refs (uids) whose demonitor reached a Connector: a demonitor that found the References row casts one. */
  readonly connectorDemonitors: ReadonlySet<number>;
  /** Refs (uids) whose monitor cast reached a live Connector (one cast to a Connector that just died is lost). */
  readonly connectorMonitors: ReadonlySet<number>;
  readonly fires: FireObs[];
  readonly ertsMonitors: ErtsMonitorObs[];
  readonly ertsDowns: ErtsDownObs[];
  readonly messages: MessageObs[];
  readonly timers: TimerObs[];
  readonly recovery: RecoveryObs[];
  /** Node pairs `s>t` not probed after recovery, and why. */
  readonly recoverySkipped: readonly string[];
  readonly scriptStartUs: number;
  readonly faultsEndUs: number;
  readonly endUs: number;
  readonly quiet: boolean;
  readonly ends: NodeEnd[];
  readonly traceHash: string;
  readonly events: number;
};

export function pairKey(a: number, b: number): string {
  return `${a}>${b}`;
}

/** Appends `v` to the list of `k`, made on first use. */
export function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
}

/** What the end-of-run snapshot needs to know of a run: its cluster and its processes by index. */
export type RunView = {
  readonly zen: ZenCluster;
  /** Node names by index. */
  readonly names: readonly string[];
  readonly procs: readonly { readonly pid: Pid }[];
  indexOf(pid: Pid): number;
  isAlive(pid: Pid): boolean;
};

export function nodeEnd(v: RunView, n: number): NodeEnd | undefined {
  const app = v.zen.app(v.names[n] as string);
  if (app === undefined) return undefined;
  const t = app.tables;
  const references: NodeEnd['references'] = [];
  for (const { pid } of v.procs) {
    for (const row of t.references.rowsOf(pid)) {
      references.push({ sub: v.indexOf(pid), refUid: row.ref.uid, target: row.target.t === 'pid' ? v.indexOf(row.target) : -1 });
    }
  }
  const { rows: proxyRows, kept } = proxyEnd(v, app);
  const batchers: NodeEnd['batchers'] = [];
  for (const pid of app.batchers.values()) {
    const st = v.zen.inspectState(pid) as BatcherState | undefined;
    if (st !== undefined) batchers.push({ connector: st.connector, connectorAlive: v.isAlive(st.connector), batch: st.batch.length });
  }
  const local = v.zen.inspectState(app.whereis(LOCAL) as Pid) as LocalState | undefined;
  return {
    node: n,
    references,
    referencesSize: t.references.size,
    localSubscribers: t.localSubscribers.values().map((pid) => ({ proc: v.indexOf(pid), alive: v.isAlive(pid) })),
    proxyRows,
    proxyRowsSize: t.proxySubscribers.size,
    proxyMonitorsKept: kept,
    connectors: connectorsEnd(v, app),
    batchers,
    localBatch: local?.batch.length ?? 0,
  };
}

/** Each live Connector of `app`: its monitors (by process index) and pending instructions. */
function connectorsEnd(v: RunView, app: ZenApp): NodeEnd['connectors'] {
  const out: NodeEnd['connectors'] = [];
  for (const [remote, pid] of app.connectors) {
    const st = v.zen.inspectState(pid) as ConnectorState | undefined;
    if (st === undefined) continue;
    out.push({
      pid,
      remote: v.names.indexOf(remote),
      monitors: listMonitors(st).map((r) => ({
        target: r.target.t === 'pid' ? v.indexOf(r.target) : -1,
        targetUid: r.target.t === 'pid' ? r.target.uid : -1,
        targetAlive: r.target.t === 'pid' && v.isAlive(r.target),
        refUid: r.ref.uid,
        sub: v.indexOf(r.subscriber),
        subAlive: v.isAlive(r.subscriber),
        inReferences: app.tables.references.has(r.subscriber, r.ref),
      })),
      batch: st.batch.length,
      blocked: st.pending !== null,
      watchesRemote: st.remoteNodeMonitored || st.remoteProxyRef !== null,
    });
  }
  return out;
}

/** The Proxy subscriber rows of `app`'s node, and the ERTS monitors its Proxy keeps without one. */
function proxyEnd(v: RunView, app: ZenApp): { rows: NodeEnd['proxyRows']; kept: number } {
  const rows: NodeEnd['proxyRows'] = [];
  const rowTargets = new Set<number>();
  const holds = new Map<number, Set<number>>();
  for (const { pid } of v.procs) {
    for (const row of app.tables.proxySubscribers.rowsFor(pid)) {
      rowTargets.add(pid.uid);
      rows.push({
        target: v.indexOf(pid),
        targetUid: pid.uid,
        targetAlive: v.isAlive(pid),
        connector: row.connector,
        connectorNode: v.names.indexOf(row.connector.node),
        connectorAlive: v.isAlive(row.connector),
        connectorHolds: connectorHolds(v, row.connector, pid, holds),
        batcherStarted: app.batchersStarted.has(row.connector.uid),
        batcherCleanedUp: app.batchersCleanedUp.has(row.connector.uid),
      });
    }
  }
  const proxy = v.zen.inspectState(app.whereis(PROXY) as Pid) as ProxyState | undefined;
  let kept = 0;
  for (const target of proxy?.monitors.values() ?? []) if (target.t === 'pid' && !rowTargets.has(target.uid)) kept++;
  return { rows, kept };
}

/** Whether the Connector `connector` (on any node) still holds a monitor of `target`. */
function connectorHolds(v: RunView, connector: Pid, target: Pid, cache: Map<number, Set<number>>): boolean {
  let set = cache.get(connector.uid);
  if (set === undefined) {
    const st = v.zen.inspectState(connector) as ConnectorState | undefined;
    set = new Set(st === undefined ? [] : listMonitors(st).map((r) => (r.target.t === 'pid' ? r.target.uid : -1)));
    cache.set(connector.uid, set);
  }
  return set.has(target.uid);
}
