// The rules the properties share (properties.ts, world_properties.ts, findings.ts):
// indexes over one run's observations, how to show a monitor, a DOWN or a death, and
// the leniencies where real ZenMonitor is nondeterministic (README, "Checking
// ZenMonitor's guarantees"):
// - :nodedown is accepted for a monitor whose subscriber's node and target's node were
//   disturbed between the monitor and the DOWN: the subscriber's connection to the
//   target's node down, a cut between them, or ZenMonitor not running on the target's
//   node; each disturbance counts for a grace period after it ends (the Connector learns
//   of a recovery at its next sweep, after a ping of up to the 5 s call timeout; after
//   ZenMonitor restarts, a penalty of up to 60 s may still be in force).
// - :noproc is accepted for a target that died before the monitor, or within the time a
//   subscription takes to reach the Proxy when nothing goes wrong (E below), or at any
//   time when faults happened between the monitor and the death (they delay subscriptions).
// - For a target that died before the monitor, its real reason is accepted too: a monitor
//   that joins a subscription already in place gets the reason the Proxy reports for it.
// - A monitor is void (no DOWN is required) when its subscriber died, or when ZenMonitor
//   stopped (or the node crashed) on the subscriber's node after it was made: upstream's
//   tables are gone then. A void monitor may still not get two DOWNs or a wrong one.
// The reason a DOWN must carry is computed by the checker's own Truncator (oracle.ts),
// never by core's.
import type { ZenConfig } from '../../core/config.js';
import { inspect } from '../../core/inspect.js';
import { atom, termEquals, type Term } from '../../core/terms.js';
import { expectedTruncation } from './oracle.js';
import { nodeName } from './schedule.js';
import { type DeathObs, type DemonitorObs, type DownObs, type Interval, type MonitorObs, type Observations, pairKey, push, type ZenKillObs } from './observations.js';

const CALL_TIMEOUT_MS = 5_000;
const MAX_PENALTY_MS = 60_000;

/** What the disturbance rules read: the intervals a run recorded, and its settings. */
export type DisturbanceLog = {
  readonly connDown: ReadonlyMap<string, readonly Interval[]>;
  readonly cuts: ReadonlyMap<string, readonly Interval[]>;
  readonly zenDown: ReadonlyMap<number, readonly Interval[]>;
  readonly zenKills: readonly ZenKillObs[];
  readonly config: ZenConfig;
};
export type Disturbance = { readonly iv: Interval; readonly graceUs: number; readonly what: string };

/** How long after a lost connection or a cut the pair may still see :nodedown: a sweep and a ping. */
export function connGraceUs(config: ZenConfig): number {
  return (CALL_TIMEOUT_MS + 2 * config.connector_sweep_interval + 1_000) * 1000;
}

/** After ZenMonitor comes back on a node, the penalty its peers may still enforce (and a sweep and a ping). */
export function zenGraceUs(iv: Interval, config: ZenConfig): number {
  const downMs = iv.toUs === Infinity ? MAX_PENALTY_MS : (iv.toUs - iv.fromUs) / 1000;
  return (Math.min(MAX_PENALTY_MS, downMs + 2_000) + CALL_TIMEOUT_MS + 2 * config.connector_sweep_interval + 1_000) * 1000;
}

/** The disturbances of the pair (subscriber node s, target node t), each with its grace. */
export function disturbancesOf(log: DisturbanceLog, s: number, t: number): Disturbance[] {
  const out: Disturbance[] = [];
  // The Proxy of t killed: every Connector watching it (t's own too) fires :nodedown and holds a 2 s penalty.
  for (const k of log.zenKills) {
    if (k.which !== 'proxy' || k.node !== t) continue;
    const iv = { fromUs: k.atUs, toUs: k.atUs };
    out.push({ iv, graceUs: zenGraceUs(iv, log.config), what: `the Proxy on ${nodeName(t)} was killed` });
  }
  if (s === t) return out;
  const conn = connGraceUs(log.config);
  for (const iv of log.connDown.get(pairKey(s, t)) ?? []) out.push({ iv, graceUs: conn, what: `${nodeName(s)} lost its connection to ${nodeName(t)}` });
  for (const k of [pairKey(s, t), pairKey(t, s)]) for (const iv of log.cuts.get(k) ?? []) out.push({ iv, graceUs: conn, what: `a cut ${k.replace('>', ' -> ')}` });
  for (const iv of log.zenDown.get(t) ?? []) out.push({ iv, graceUs: zenGraceUs(iv, log.config), what: `ZenMonitor not running on ${nodeName(t)}` });
  return out;
}

/** From when on the pair (s, t) is settled (every disturbance over, graces included); undefined while one lasts. */
export function settledFromUs(log: DisturbanceLog, s: number, t: number): number | undefined {
  let from = 0;
  for (const { iv, graceUs } of disturbancesOf(log, s, t)) {
    if (iv.toUs === Infinity) return undefined;
    from = Math.max(from, iv.toUs + graceUs);
  }
  return from;
}

/** Indexes over one run's observations, and the rules shared by the properties. */
export class Facts implements DisturbanceLog {
  readonly monitorByRef = new Map<number, MonitorObs>();
  readonly downsByRef = new Map<number, DownObs[]>();
  readonly demonitorsByMonitor = new Map<number, DemonitorObs[]>();
  readonly deathOf = new Map<number, DeathObs>();
  readonly sweepMs: number;

  constructor(readonly obs: Observations) {
    for (const m of obs.monitors) this.monitorByRef.set(m.ref.uid, m);
    for (const d of obs.downs) push(this.downsByRef, d.refUid, d);
    for (const d of obs.demonitors) push(this.demonitorsByMonitor, d.monitor, d);
    for (const d of obs.deaths) if (!this.deathOf.has(d.proc)) this.deathOf.set(d.proc, d);
    this.sweepMs = obs.config.connector_sweep_interval;
  }

  /** A time as ms since the script started. */
  ms(us: number): string {
    return `${+((us - this.obs.scriptStartUs) / 1000).toFixed(3)} ms`;
  }

  proc(i: number): string {
    const p = this.obs.procs[i];
    return p === undefined ? `p${i}` : `p${i}@${nodeName(p.node)}`;
  }

  describe(m: MonitorObs): string {
    return `ref #${m.ref.uid} (${this.proc(m.sub)} monitored ${this.proc(m.target)} at ${this.ms(m.atUs)})`;
  }

  showDown(d: DownObs): string {
    const where = d.handledUs !== null ? `handled at ${this.ms(d.handledUs)}` : d.inMailboxAtEnd ? 'still in the mailbox at the end' : 'flushed';
    return `{:DOWN, #Ref<${d.refUid}>, :process, ${inspect(d.object)}, ${inspect(d.reason)}} delivered at ${this.ms(d.deliveredUs)} (${where})`;
  }

  showDeath(d: DeathObs | undefined): string {
    if (d === undefined) return 'the target is alive';
    return d.crash ? `the target died with its node at ${this.ms(d.atUs)}` : `the target exited with ${inspect(d.reason)} at ${this.ms(d.atUs)}`;
  }

  get connDown(): ReadonlyMap<string, readonly Interval[]> {
    return this.obs.connDown;
  }

  get cuts(): ReadonlyMap<string, readonly Interval[]> {
    return this.obs.cuts;
  }

  get zenDown(): ReadonlyMap<number, readonly Interval[]> {
    return this.obs.zenDown;
  }

  get zenKills(): readonly ZenKillObs[] {
    return this.obs.zenKills;
  }

  get config(): ZenConfig {
    return this.obs.config;
  }

  /** The disturbances of the pair (subscriber node s, target node t), each with its grace. */
  disturbances(s: number, t: number): Disturbance[] {
    return disturbancesOf(this, s, t);
  }

  /** Whether (s, t) was disturbed at some moment of [fromUs, toUs], graces included. */
  disturbed(s: number, t: number, fromUs: number, toUs: number): boolean {
    return this.disturbances(s, t).some(({ iv, graceUs }) => iv.fromUs <= toUs && iv.toUs + graceUs >= fromUs);
  }

  /** Whether (s, t) is still disturbed when the run ends (so a monitor must fire :nodedown). */
  disturbedAtEnd(s: number, t: number): boolean {
    return this.disturbances(s, t).some(({ iv }) => iv.toUs === Infinity);
  }

  /** Why `m` needs no DOWN: its subscriber died, or its node lost ZenMonitor after it. */
  voidReason(m: MonitorObs): string | undefined {
    const death = this.deathOf.get(m.sub);
    if (death !== undefined) return `its subscriber died at ${this.ms(death.atUs)}`;
    const stop = (this.obs.zenDown.get(m.subNode) ?? []).find((iv) => iv.fromUs >= m.atUs);
    if (stop !== undefined) return `ZenMonitor stopped on the subscriber's node at ${this.ms(stop.fromUs)}`;
    return undefined;
  }

  /**
   * E: the time a subscription takes to reach the Proxy when nothing goes wrong (the
   * instructions ahead of it in chunks, a new Connector's first sweep and ping, latency).
   */
  subscribeBoundUs(m: MonitorObs): number {
    const c = this.obs.config;
    const ahead = Math.ceil(this.obs.procs.length / c.connector_chunk_size);
    const lat = this.obs.maxLatencyUs.get(pairKey(m.subNode, m.targetNode)) ?? 0;
    return (ahead + 3) * this.sweepMs * 1000 + 4 * lat + 100_000;
  }

  faultBetween(fromUs: number, toUs: number): boolean {
    return this.obs.faults.some((f) => f.atUs >= fromUs && f.atUs <= toUs);
  }

  /** The reasons a DOWN for `m` delivered at `atUs` may carry, each with why. */
  allowedReasons(m: MonitorObs, atUs: number): { reason: Term; why: string }[] {
    const out: { reason: Term; why: string }[] = [];
    const death = this.deathOf.get(m.target);
    if (death !== undefined && death.atUs <= atUs) {
      if (!death.crash) out.push({ reason: expectedTruncation(death.reason, this.obs.config.truncation_depth, this.obs.config.max_binary_size), why: 'the truncated exit reason' });
      const early = death.atUs < m.atUs + this.subscribeBoundUs(m);
      // The Proxy's ERTS monitor of a dead pid says :noproc, which the Proxy truncates too.
      const noproc = expectedTruncation(atom('noproc'), this.obs.config.truncation_depth, this.obs.config.max_binary_size);
      if (early || this.faultBetween(m.atUs - connGraceUs(this.config), death.atUs)) out.push({ reason: noproc, why: ':noproc' });
    }
    if (this.disturbed(m.subNode, m.targetNode, m.atUs, atUs)) out.push({ reason: atom('nodedown'), why: ':nodedown' });
    return out;
  }

  /** Checks one DOWN's object and reason; an explanation when wrong. */
  badDown(m: MonitorObs, d: DownObs): { code: string; why: string } | undefined {
    if (!termEquals(d.object, m.targetPid)) {
      return { code: 'wrong-object', why: `${this.describe(m)}: the DOWN names ${inspect(d.object)}, not the target ${inspect(m.targetPid)}: ${this.showDown(d)}` };
    }
    const r = d.reason;
    if (r.t !== 'tuple' || r.v.length !== 2 || !termEquals(r.v[0] as Term, atom('zen_monitor'))) {
      return { code: 'not-zen-reason', why: `${this.describe(m)}: the reason is not {:zen_monitor, _}: ${this.showDown(d)}` };
    }
    const allowed = this.allowedReasons(m, d.deliveredUs);
    if (allowed.some((a) => termEquals(a.reason, r.v[1] as Term))) return undefined;
    const expected = allowed.length === 0 ? 'no DOWN at all' : allowed.map((a) => inspect(a.reason)).join(' or ');
    return { code: 'wrong-reason', why: `${this.describe(m)}: expected ${expected} (${this.showDeath(this.deathOf.get(m.target))}), got ${this.showDown(d)}` };
  }
}
