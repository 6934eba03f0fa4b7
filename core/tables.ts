// The ETS tables ZenMonitor shares between the processes of one node (spec §2), as
// deterministic data structures.
//
// Mirrors ZenMonitor.Local.Tables (Nodes: set; References: ordered_set keyed
// {subscriber, ref}), ZenMonitor.Local's Subscribers set and ZenMonitor.Proxy.Tables
// (Subscribers: ordered_set keyed {monitored, connector}). Rules:
// - every operation a component performs is O(1) (a References take: O(log n)) or
//   O(rows returned), except the Proxy Subscribers' delete by connector, which walks the
//   table as ETS's `match_delete` with a wildcard key does (it runs when a Connector goes);
// - where upstream walks an ordered_set, the rows are sorted in Erlang term order when
//   read (never per insert); other walks follow insertion order, but the Proxy
//   Subscribers' (a TargetTable), which only that delete makes;
// - every table exposes its row count for memory accounting.

import type { Pid, Ref } from './terms.js';
import { compareTerms } from './terms.js';
import type { Target } from './messages.js';
import { targetKey } from './messages.js';
import { UidMap } from './uid_map.js';
import { TargetTable } from './target_table.js';
import { monitorRefUid } from './monitor_msg.js';

/** A Nodes row's value: `:compatible | :unavailable | {:incompatible, enforce_until, attempt}`. */
export type NodeStatus =
  | { readonly kind: 'compatible' }
  | { readonly kind: 'unavailable' }
  | { readonly kind: 'incompatible'; readonly enforceUntilMs: number; readonly attempt: number };

/** Nodes: remote node -> compatibility status. */
export class NodesTable {
  private readonly rows = new Map<string, NodeStatus>();

  get size(): number {
    return this.rows.size;
  }

  get(node: string): NodeStatus | undefined {
    return this.rows.get(node);
  }

  /** `:ets.insert` (overwrites). */
  set(node: string, status: NodeStatus): void {
    this.rows.set(node, status);
  }

  delete(node: string): void {
    this.rows.delete(node);
  }

  /** All rows, in insertion order of their keys. */
  entries(): [string, NodeStatus][] {
    return [...this.rows];
  }
}

/** A References row: `{{subscriber, ref}, target}`. */
export type ReferenceRow = { readonly subscriber: Pid; readonly ref: Ref; readonly target: Target };

/**
 * References: `{subscriber, ref} -> target`, with O(log n) take and per-subscriber listing.
 * A subscriber's rows are a UidMap by ref uid: its refs are made one after another, so a
 * herd's 100,000 rows are two arrays, not a Map rehashed at every doubling and halving.
 */
export class ReferencesTable {
  private readonly bySubscriber = new Map<number, UidMap<ReferenceRow>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** `:ets.insert({{subscriber, ref}, target})` (overwrites an existing key). */
  insert(subscriber: Pid, ref: Ref, target: Target): void {
    this.insertRow({ subscriber, ref, target });
  }

  /**
   * `insert` of `row`, kept as it is (never changed, by the table or its maker): the client
   * hands the message it casts to the Connector, which keeps it as its own row, so a
   * monitor's two rows, which live until its DOWN, are one object.
   */
  insertRow(row: ReferenceRow): void {
    const rows = this.rowsFor(row.subscriber);
    // Counted by the size it grew by: a `has` first would be a second search.
    const before = rows.size;
    rows.set(monitorRefUid(row), row);
    this.count += rows.size - before;
  }

  /**
   * Room for `n` more rows of `subscriber`'s, made at once (UidMap.reserve): a capacity
   * hint that no read sees, for a caller about to monitor `n` targets (a herd's subscriber).
   */
  reserve(subscriber: Pid, n: number): void {
    if (n > 0) this.rowsFor(subscriber).reserve(n);
  }

  /** `subscriber`'s rows, an empty map made for them if it has none. */
  private rowsFor(subscriber: Pid): UidMap<ReferenceRow> {
    let rows = this.bySubscriber.get(subscriber.uid);
    if (rows === undefined) {
      rows = new UidMap();
      this.bySubscriber.set(subscriber.uid, rows);
    }
    return rows;
  }

  /** `:ets.member`. */
  has(subscriber: Pid, ref: Ref): boolean {
    return this.bySubscriber.get(subscriber.uid)?.has(ref.uid) ?? false;
  }

  get(subscriber: Pid, ref: Ref): ReferenceRow | undefined {
    return this.bySubscriber.get(subscriber.uid)?.get(ref.uid);
  }

  /** `:ets.take`: removes and returns the row, if any. */
  take(subscriber: Pid, ref: Ref): ReferenceRow | undefined {
    const rows = this.bySubscriber.get(subscriber.uid);
    const row = rows?.take(ref.uid);
    if (rows === undefined || row === undefined) return undefined;
    if (rows.size === 0) this.bySubscriber.delete(subscriber.uid);
    this.count--;
    return row;
  }

  /** Rows of one subscriber in key order (ref term order), as `:ets.match` returns them. */
  rowsOf(subscriber: Pid): ReferenceRow[] {
    const rows = this.bySubscriber.get(subscriber.uid);
    if (rows === undefined) return [];
    return rows.valuesArray().sort((a, b) => compareTerms(a.ref, b.ref));
  }

  /** Number of rows of one subscriber. */
  countOf(subscriber: Pid): number {
    return this.bySubscriber.get(subscriber.uid)?.size ?? 0;
  }
}

/** A set of pids (ZenMonitor.Local's Subscribers table). */
export class PidSet {
  private readonly pids = new Map<number, Pid>();

  get size(): number {
    return this.pids.size;
  }

  has(pid: Pid): boolean {
    return this.pids.has(pid.uid);
  }

  /** `:ets.insert_new`: true if the pid was not there. */
  insertNew(pid: Pid): boolean {
    if (this.pids.has(pid.uid)) return false;
    this.pids.set(pid.uid, pid);
    return true;
  }

  delete(pid: Pid): void {
    this.pids.delete(pid.uid);
  }

  /** Members in insertion order. */
  values(): Pid[] {
    return [...this.pids.values()];
  }
}

/** A Proxy Subscribers row: `{{monitored, connector}}`. */
export type ProxySubscriberRow = { readonly monitored: Target; readonly connector: Pid };

/**
 * Proxy Subscribers: the set of `{monitored, connector}`, indexed by target. A
 * connector's rows are found by a walk of every row, as `:ets.match_delete` with the
 * target a wildcard walks the whole table (it runs when a Connector goes, not per
 * message); an index by connector would cost a second map entry per row.
 */
export class ProxySubscribersTable {
  /**
   * A target's one connector (mostly: a target watched from one node), or its connectors
   * by uid once it has two. Rows are made when asked for (`rowsFor`): a row object per
   * subscription would outlive the set-up of every monitored target.
   */
  private readonly byTarget = new TargetTable<Pid | Map<number, Pid>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** `:ets.insert` of a key-only row (a duplicate adds nothing). */
  insert(monitored: Target, connector: Pid): void {
    const key = targetKey(monitored);
    const forTarget = this.byTarget.get(key);
    if (forTarget === undefined) this.byTarget.set(key, connector);
    else if (forTarget instanceof Map) {
      if (forTarget.has(connector.uid)) return;
      forTarget.set(connector.uid, connector);
    } else {
      if (forTarget.uid === connector.uid) return;
      this.byTarget.set(key, new Map<number, Pid>().set(forTarget.uid, forTarget).set(connector.uid, connector));
    }
    this.count++;
  }

  has(monitored: Target, connector: Pid): boolean {
    const forTarget = this.byTarget.get(targetKey(monitored));
    return forTarget instanceof Map ? forTarget.has(connector.uid) : forTarget?.uid === connector.uid;
  }

  /** `:ets.delete({monitored, connector})`. */
  delete(monitored: Target, connector: Pid): void {
    const key = targetKey(monitored);
    this.remove(key, this.byTarget.get(key), connector.uid);
  }

  /** Rows for one monitored target, in key order (connector pid term order). */
  rowsFor(monitored: Target): ProxySubscriberRow[] {
    const forTarget = this.byTarget.get(targetKey(monitored));
    if (forTarget === undefined) return [];
    if (!(forTarget instanceof Map)) return [{ monitored, connector: forTarget }];
    return [...forTarget.values()].sort(compareTerms).map((connector) => ({ monitored, connector }));
  }

  /** `:ets.match_delete({{:_, connector}})`: removes every row of `connector`; returns how many. */
  deleteConnector(connector: Pid): number {
    const before = this.count;
    // TargetTable.forEach lets its callback delete the entry it is given.
    this.byTarget.forEach((forTarget, key) => this.remove(key, forTarget, connector.uid));
    return before - this.count;
  }

  private remove(key: number | string, forTarget: Pid | Map<number, Pid> | undefined, connectorUid: number): void {
    if (forTarget instanceof Map ? !forTarget.delete(connectorUid) : forTarget?.uid !== connectorUid) return;
    if (!(forTarget instanceof Map) || forTarget.size === 0) this.byTarget.delete(key);
    this.count--;
  }
}

/** The four ZenMonitor tables of one node. */
export interface ZenTables {
  readonly nodes: NodesTable;
  readonly references: ReferencesTable;
  readonly localSubscribers: PidSet;
  readonly proxySubscribers: ProxySubscribersTable;
}

export function newZenTables(): ZenTables {
  return {
    nodes: new NodesTable(),
    references: new ReferencesTable(),
    localSubscribers: new PidSet(),
    proxySubscribers: new ProxySubscribersTable(),
  };
}
