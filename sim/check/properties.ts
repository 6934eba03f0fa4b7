// ZenMonitor's guarantees, each a pure predicate over the observations of one run
// (sim/check/run.ts), named for the guarantee it checks. Each answers ok (with notes) or
// one precise explanation: which reference, what was expected, what happened.
//
// Where the spec is precise the predicates are strict; they are lenient only where real
// ZenMonitor is nondeterministic, and each leniency is named here and in the README
// ("Checking ZenMonitor's guarantees"):
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
import { inspect } from '../../core/inspect.js';
import { atom, termEquals, type Term } from '../../core/terms.js';
import { truncate } from '../../core/truncator.js';
import { nodeName } from './schedule.js';
import { type DeathObs, type DemonitorObs, type DownObs, type Interval, type MonitorObs, type NodeEnd, type Observations, pairKey } from './observations.js';

export const PROPERTY_NAMES = [
  'exactly-one-down-per-undemonitored-monitor',
  'no-down-after-demonitor',
  'no-down-after-flush',
  'no-leaks-when-quiet',
  'dispatcher-rate-bounded',
  'same-seed-same-trace',
] as const;
export type PropertyName = (typeof PROPERTY_NAMES)[number];

export type Verdict =
  | { readonly ok: true; readonly notes: readonly string[] }
  | {
      readonly ok: false;
      /** What went wrong, as a stable code (`missing-down`, `proxy-row-dead-connector`, …). */
      readonly code: string;
      readonly why: string;
      /** For `delivered-after-flush`: µs from the flush to the DOWN's delivery. */
      readonly gapUs?: number;
      /** For no-leaks-when-quiet: every leak found, the first one being `code`/`why`. */
      readonly leaks?: readonly Leak[];
      /** For a missing DOWN: the monitor (its id) that got none. */
      readonly monitor?: number;
    };

/** One leak: what, for a Proxy row the nodes of its Connector and its Proxy, for a References row its ref. */
export type Leak = { readonly code: string; readonly why: string; readonly pair?: readonly [connectorNode: number, proxyNode: number]; readonly refUid?: number };

export type Property = {
  readonly name: PropertyName;
  /** The guarantee, one sentence. */
  readonly guarantee: string;
  /** `rerun` runs the same schedule again (only the determinism property uses it). */
  check(obs: Observations, rerun: () => Observations): Verdict;
};

const OK: Verdict = { ok: true, notes: [] };
const CALL_TIMEOUT_MS = 5_000;
const MAX_PENALTY_MS = 60_000;

export const PROPERTIES: readonly Property[] = [
  {
    name: 'exactly-one-down-per-undemonitored-monitor',
    guarantee:
      'every monitor that is not demonitored gets exactly one DOWN once the system is quiet, {:DOWN, ref, :process, target, {:zen_monitor, R}} with R the truncated exit reason, :noproc or :nodedown as the situation requires; no monitor ever gets two',
    check: (obs) => exactlyOne(new Facts(obs)),
  },
  {
    name: 'no-down-after-demonitor',
    guarantee: 'a monitor demonitored before its target died (or its node was lost) gets no DOWN',
    check: (obs) => noDownAfterDemonitor(new Facts(obs)),
  },
  {
    name: 'no-down-after-flush',
    guarantee: 'after demonitor(ref, [:flush]) returns, no DOWN for ref is in the mailbox, then or later',
    check: (obs) => noDownAfterFlush(new Facts(obs)),
  },
  {
    name: 'no-leaks-when-quiet',
    guarantee:
      'once quiet, References, Local subscribers, Connector monitors and batches, Proxy subscriber rows, Batchers and Local\'s queue hold nothing for dead subscribers, dead targets, dead Connectors or monitors no longer needed',
    check: (obs) => noLeaks(new Facts(obs)),
  },
  {
    name: 'dispatcher-rate-bounded',
    guarantee: "a node's Dispatcher delivers at most demand_amount DOWNs per demand interval (its refills included)",
    check: (obs) => rateBounded(new Facts(obs)),
  },
  {
    name: 'same-seed-same-trace',
    guarantee: 'the same schedule (and seed) replays to the same traceHash',
    check: (obs, rerun) => {
      const again = rerun();
      if (again.traceHash === obs.traceHash && again.events === obs.events) return OK;
      return fail('trace-differs', `the same schedule ran twice gave traceHash ${obs.traceHash} (${obs.events} events), then ${again.traceHash} (${again.events} events)`);
    },
  },
];

export function propertyByName(name: string): Property | undefined {
  return PROPERTIES.find((p) => p.name === name);
}

function fail(code: string, why: string, extra: { gapUs?: number; monitor?: number } = {}): Verdict {
  return { ok: false, code, why, ...extra };
}

/** Indexes over one run's observations, and the rules shared by the properties. */
export class Facts {
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

  connGraceUs(): number {
    return (CALL_TIMEOUT_MS + 2 * this.sweepMs + 1_000) * 1000;
  }

  /** After ZenMonitor comes back on a node, the penalty its peers may still enforce. */
  zenGraceUs(iv: Interval): number {
    const downMs = iv.toUs === Infinity ? MAX_PENALTY_MS : (iv.toUs - iv.fromUs) / 1000;
    return (Math.min(MAX_PENALTY_MS, downMs + 2_000) + CALL_TIMEOUT_MS + 2 * this.sweepMs + 1_000) * 1000;
  }

  /** The disturbances of the pair (subscriber node s, target node t), each with its grace. */
  disturbances(s: number, t: number): { iv: Interval; graceUs: number; what: string }[] {
    const o = this.obs;
    const out: { iv: Interval; graceUs: number; what: string }[] = [];
    // A Proxy killed: every Connector watching it (its own node's too) fires :nodedown and holds a 2 s penalty.
    for (const k of o.zenKills) {
      if (k.which !== 'proxy' || k.node !== t) continue;
      const iv = { fromUs: k.atUs, toUs: k.atUs };
      out.push({ iv, graceUs: this.zenGraceUs(iv), what: `the Proxy on ${nodeName(t)} was killed` });
    }
    if (s === t) return out;
    const conn = this.connGraceUs();
    for (const iv of o.connDown.get(pairKey(s, t)) ?? []) out.push({ iv, graceUs: conn, what: `${nodeName(s)} lost its connection to ${nodeName(t)}` });
    for (const k of [pairKey(s, t), pairKey(t, s)]) for (const iv of o.cuts.get(k) ?? []) out.push({ iv, graceUs: conn, what: `a cut ${k.replace('>', ' -> ')}` });
    for (const iv of o.zenDown.get(t) ?? []) out.push({ iv, graceUs: this.zenGraceUs(iv), what: `ZenMonitor not running on ${nodeName(t)}` });
    return out;
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
      if (!death.crash) out.push({ reason: truncate(death.reason, this.obs.config.truncation_depth), why: 'the truncated exit reason' });
      const early = death.atUs < m.atUs + this.subscribeBoundUs(m);
      // The Proxy's ERTS monitor of a dead pid says :noproc, which the Proxy truncates too.
      const noproc = truncate(atomTerm('noproc'), this.obs.config.truncation_depth);
      if (early || this.faultBetween(m.atUs - this.connGraceUs(), death.atUs)) out.push({ reason: noproc, why: ':noproc' });
    }
    if (this.disturbed(m.subNode, m.targetNode, m.atUs, atUs)) out.push({ reason: atomTerm('nodedown'), why: ':nodedown' });
    return out;
  }

  /** Checks one DOWN's object and reason; an explanation when wrong. */
  badDown(m: MonitorObs, d: DownObs): { code: string; why: string } | undefined {
    if (!termEquals(d.object, m.targetPid)) {
      return { code: 'wrong-object', why: `${this.describe(m)}: the DOWN names ${inspect(d.object)}, not the target ${inspect(m.targetPid)}: ${this.showDown(d)}` };
    }
    const r = d.reason;
    if (r.t !== 'tuple' || r.v.length !== 2 || !termEquals(r.v[0] as Term, atomTerm('zen_monitor'))) {
      return { code: 'not-zen-reason', why: `${this.describe(m)}: the reason is not {:zen_monitor, _}: ${this.showDown(d)}` };
    }
    const allowed = this.allowedReasons(m, d.deliveredUs);
    if (allowed.some((a) => termEquals(a.reason, r.v[1] as Term))) return undefined;
    const expected = allowed.length === 0 ? 'no DOWN at all' : allowed.map((a) => inspect(a.reason)).join(' or ');
    return { code: 'wrong-reason', why: `${this.describe(m)}: expected ${expected} (${this.showDeath(this.deathOf.get(m.target))}), got ${this.showDown(d)}` };
  }
}

// ---- (a) ---------------------------------------------------------------------------------------

function exactlyOne(f: Facts): Verdict {
  const o = f.obs;
  if (!o.quiet) return fail('not-quiet', 'the cluster did not become quiet within 120 s after the faults stopped');
  for (const d of o.downs) {
    const m = f.monitorByRef.get(d.refUid);
    if (m === undefined || m.sub !== d.proc) return fail('unknown-ref', `${f.proc(d.proc)} got a DOWN for a reference it never monitored: ${f.showDown(d)}`);
  }
  for (const m of o.monitors) {
    const downs = f.downsByRef.get(m.ref.uid) ?? [];
    if (downs.length > 1) return fail('duplicate-down', `${f.describe(m)} got ${downs.length} DOWNs: ${downs.map((d) => f.showDown(d)).join('; ')}`);
    for (const d of downs) {
      const bad = f.badDown(m, d);
      if (bad !== undefined) return fail(bad.code, bad.why);
    }
    if (downs.length === 1 || f.demonitorsByMonitor.has(m.id) || f.voidReason(m) !== undefined) continue;
    const death = f.deathOf.get(m.target);
    if (death !== undefined) return fail('missing-down', `${f.describe(m)} got no DOWN, though ${f.showDeath(death)} and it was never demonitored`, { monitor: m.id });
    if (f.disturbedAtEnd(m.subNode, m.targetNode)) {
      const why = f.disturbances(m.subNode, m.targetNode).find(({ iv }) => iv.toUs === Infinity)?.what ?? '';
      return fail('missing-nodedown', `${f.describe(m)} got no DOWN, though at the end ${why}: a {:zen_monitor, :nodedown} was due`, { monitor: m.id });
    }
  }
  return OK;
}

// ---- (b) ---------------------------------------------------------------------------------------

function noDownAfterDemonitor(f: Facts): Verdict {
  for (const m of f.obs.monitors) {
    const first = f.demonitorsByMonitor.get(m.id)?.[0];
    if (first === undefined) continue;
    for (const d of f.downsByRef.get(m.ref.uid) ?? []) {
      if (causedBefore(f, m, d, first)) continue;
      const how = first.flush ? 'demonitor(ref, [:flush])' : 'demonitor(ref)';
      return fail(
        'down-after-demonitor',
        `${f.describe(m)} was demonitored (${how}) at ${f.ms(first.atUs)} while the target was monitored and live (${f.showDeath(f.deathOf.get(m.target))}), yet got ${f.showDown(d)}`,
      );
    }
  }
  return OK;
}

/** Whether what the DOWN reports happened before the demonitor. */
function causedBefore(f: Facts, m: MonitorObs, d: DownObs, dm: DemonitorObs): boolean {
  const death = f.deathOf.get(m.target);
  if (death !== undefined && death.seq < dm.seq) return true;
  const r = d.reason;
  const isNodedown = r.t === 'tuple' && r.v[1] !== undefined && termEquals(r.v[1], atomTerm('nodedown'));
  return isNodedown && f.disturbances(m.subNode, m.targetNode).some(({ iv, graceUs }) => iv.fromUs <= dm.atUs && iv.toUs + graceUs >= m.atUs);
}

// ---- (c) ---------------------------------------------------------------------------------------

function noDownAfterFlush(f: Facts): Verdict {
  for (const m of f.obs.monitors) {
    for (const dm of f.demonitorsByMonitor.get(m.id) ?? []) {
      if (!dm.flush) continue;
      if (dm.downsInMailboxAfter > 0) {
        return fail('down-in-mailbox-after-flush', `${f.describe(m)}: right after demonitor(ref, [:flush]) returned at ${f.ms(dm.atUs)}, ${dm.downsInMailboxAfter} DOWN(s) for it were still in the mailbox`);
      }
      const late = (f.downsByRef.get(m.ref.uid) ?? []).find((d) => d.deliveredSeq > dm.seq);
      if (late !== undefined) {
        return fail('delivered-after-flush', `${f.describe(m)}: demonitor(ref, [:flush]) returned at ${f.ms(dm.atUs)}, then ${f.showDown(late)}`, { gapUs: late.deliveredUs - dm.atUs });
      }
    }
  }
  return OK;
}

// ---- (d) ---------------------------------------------------------------------------------------

function noLeaks(f: Facts): Verdict {
  const o = f.obs;
  if (!o.quiet) return fail('not-quiet', 'the cluster did not become quiet within 120 s after the faults stopped');
  // Every leak is collected (not only the first), so that one kind cannot hide another.
  const leaks: Leak[] = [];
  let kept = 0;
  for (const e of o.ends) {
    kept += e.proxyMonitorsKept;
    leaksOf(f, e, (code, why, more) => leaks.push({ code, why, ...more }));
  }
  const first = leaks[0];
  if (first !== undefined) {
    const more = leaks.length > 1 ? ` (and ${leaks.length - 1} more: ${[...new Set(leaks.slice(1).map((l) => l.code))].join(', ')})` : '';
    return { ok: false, code: first.code, why: `${first.why}${more}`, leaks };
  }
  const notes = kept > 0 ? [`${kept} ERTS monitor(s) kept by Proxies on live targets after unsubscribe (documented upstream behaviour)`] : [];
  return { ok: true, notes };
}

function leaksOf(f: Facts, e: NodeEnd, leak: (code: string, why: string, more?: Pick<Leak, 'pair' | 'refUid'>) => void): void {
  const node = nodeName(e.node);
  const active = (refUid: number): string | undefined => {
    const m = f.monitorByRef.get(refUid);
    if (m === undefined) return 'a reference no probe made';
    if (f.demonitorsByMonitor.has(m.id)) return `${f.describe(m)}, demonitored`;
    if ((f.downsByRef.get(refUid) ?? []).length > 0) return `${f.describe(m)}, whose DOWN was delivered`;
    return undefined;
  };
  for (const r of e.references) {
    const what = `References on ${node} keep ${f.proc(r.sub)}'s ref #${r.refUid}`;
    const gone = active(r.refUid);
    if (r.sub < 0) leak('references-row', `${what}: its subscriber is not a known process`);
    else if (f.deathOf.has(r.sub)) leak('references-row', `${what}, but the subscriber is dead (${f.ms((f.deathOf.get(r.sub) as DeathObs).atUs)})`);
    else if (r.target >= 0 && f.deathOf.has(r.target)) leak('references-row', `${what}, but its target ${f.proc(r.target)} is dead (${f.showDeath(f.deathOf.get(r.target))})`, { refUid: r.refUid });
    else if (gone !== undefined) leak('references-row', `${what}: ${gone}`);
  }
  if (e.referencesSize !== e.references.length) leak('references-row', `References on ${node} hold ${e.referencesSize - e.references.length} row(s) of processes that are not probes`);
  for (const s of e.localSubscribers) if (!s.alive) leak('local-subscriber', `Local on ${node} still counts dead ${f.proc(s.proc)} among its subscribers`);
  for (const c of e.connectors) {
    const conn = `the Connector on ${node} for ${nodeName(c.remote)}`;
    for (const r of c.monitors) {
      const row = `${conn} keeps the monitor of ${f.proc(r.target)} by ${f.proc(r.sub)} (ref #${r.refUid})`;
      if (!r.subAlive) leak('connector-row', `${row}, but the subscriber is dead`);
      else if (!r.targetAlive) leak('connector-row', `${row}, but the target is dead (${f.showDeath(f.deathOf.get(r.target))})`);
      else if (!r.inReferences) leak('connector-row', `${row}, but References no longer has it (${active(r.refUid) ?? 'row gone'})`);
    }
    if (c.batch > 0) leak('connector-batch', `${conn} still has ${c.batch} instruction(s) it never sent`);
  }
  for (const r of e.proxyRows) {
    const row = `the Proxy on ${node} keeps the subscription of ${inspect(r.connector)} to ${f.proc(r.target)}`;
    if (!r.targetAlive) leak('proxy-row-dead-target', `${row}, but the target is dead`, { pair: [r.connectorNode, e.node] });
    else if (!r.connectorAlive) leak('proxy-row-dead-connector', `${row}, but that Connector is dead`, { pair: [r.connectorNode, e.node] });
    else if (!r.connectorHolds) leak('proxy-row-unneeded', `${row}, but that Connector holds no monitor of it any more`, { pair: [r.connectorNode, e.node] });
  }
  if (e.proxyRowsSize !== e.proxyRows.length) leak('proxy-row-unknown', `the Proxy on ${node} keeps ${e.proxyRowsSize - e.proxyRows.length} subscription(s) of processes that are not probes`);
  for (const b of e.batchers) {
    if (!b.connectorAlive) leak('batcher-dead-connector', `a Batcher on ${node} for ${inspect(b.connector)} outlives that dead Connector`);
    if (b.batch > 0) leak('batcher-batch', `a Batcher on ${node} for ${inspect(b.connector)} still holds ${b.batch} death certificate(s)`);
  }
  if (e.localBatch > 0) leak('local-batch', `Local on ${node} still holds ${e.localBatch} DOWN dispatch(es)`);
}

// ---- (e) ---------------------------------------------------------------------------------------

function rateBounded(f: Facts): Verdict {
  const limit = f.obs.config.demand_amount;
  for (const w of f.obs.rate) {
    if (w.delivered > limit) {
      return fail('rate', `the Dispatcher on ${nodeName(w.node)} delivered ${w.delivered} DOWNs in the demand interval that began at ${f.ms(w.tickUs)}; demand_amount is ${limit}`);
    }
  }
  return OK;
}

const atomTerm = atom;

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
}
