// ZenMonitor's guarantees, each a pure predicate over the observations of one run
// (sim/check/run.ts), named for the guarantee it checks, and the registry of every
// property `zensim check` runs (the simulated ERTS's own, world_properties.ts,
// included). Each answers ok (with notes) or every violation it finds, each one precise
// explanation (which reference, what was expected, what happened) with a stable code
// and, where a documented finding reads it (findings.ts), the evidence.
//
// Where the spec is precise the predicates are strict; they are lenient only where real
// ZenMonitor is nondeterministic, and each leniency is named in facts.ts and in the
// README ("Checking ZenMonitor's guarantees"). Exit reasons are judged by the checker's
// own Truncator (oracle.ts).
import { atom, termEquals, tuple, type Term } from '../../core/terms.js';
import { inspect } from '../../core/inspect.js';
import { Facts } from './facts.js';
import { expectedTruncation } from './oracle.js';
import { nodeName } from './schedule.js';
import type { DemonitorObs, DownObs, MonitorObs, NodeEnd, Observations } from './observations.js';
import { judge, PROPERTY_NAMES, type Property, type Report } from './verdict.js';
import { WORLD_PROPERTIES } from './world_properties.js';

export { Facts } from './facts.js';
export { judge, PROPERTY_NAMES } from './verdict.js';
export type { Evidence, Property, PropertyName, Report, Verdict, Violation } from './verdict.js';

const ZEN_PROPERTIES: readonly Property[] = [
  {
    name: 'exactly-one-down-per-undemonitored-monitor',
    guarantee:
      'every monitor that is not demonitored gets exactly one DOWN once the system is quiet, {:DOWN, ref, :process, target, {:zen_monitor, R}} with R the truncated exit reason, :noproc or :nodedown as the situation requires; no monitor ever gets two',
    check: (obs) => judge((report) => exactlyOne(new Facts(obs), report)),
  },
  {
    name: 'no-down-after-demonitor',
    guarantee: 'a monitor demonitored before its target died (or its node was lost) gets no DOWN',
    check: (obs) => judge((report) => noDownAfterDemonitor(new Facts(obs), report)),
  },
  {
    name: 'no-down-after-flush',
    guarantee: 'after demonitor(ref, [:flush]) returns, no DOWN for ref is in the mailbox, then or later',
    check: (obs) => judge((report) => noDownAfterFlush(new Facts(obs), report)),
  },
  {
    name: 'no-leaks-when-quiet',
    guarantee:
      "once quiet, References, Local subscribers, Connector monitors and batches, Proxy subscriber rows, Batchers and Local's queue hold nothing for dead subscribers, dead targets, dead Connectors or monitors no longer needed",
    check: (obs) => judge((report, notes) => noLeaks(new Facts(obs), report, notes)),
  },
  {
    name: 'subscribed-when-quiet',
    guarantee:
      "once quiet, every monitor a Connector holds of a live target, on a node running ZenMonitor and connected to the Connector's, has that target's subscription in place at that node's Proxy (so the target's death will be reported)",
    check: (obs) => judge((report) => subscribedWhenQuiet(new Facts(obs), report)),
  },
  {
    name: 'dispatcher-rate-bounded',
    guarantee: "a node's Dispatcher delivers at most demand_amount DOWNs per demand interval (its refills included)",
    check: (obs) => judge((report) => rateBounded(new Facts(obs), report)),
  },
  {
    name: 'demand-as-configured',
    guarantee:
      'each Dispatcher asks Local for exactly demand_amount events at a demand tick and, after a batch of k events of which it delivered s, for exactly k - s more (none if 0); Local hands over at least one and at most the events asked',
    check: (obs) => judge((report) => demandAsConfigured(new Facts(obs), report)),
  },
  {
    name: 'chunks-within-chunk-size',
    guarantee: "every sweep's chunk holds 1 to connector_chunk_size instructions (Connector to Proxy) or 1 to batcher_chunk_size death certificates (Batcher to Connector)",
    check: (obs) => judge((report) => chunksWithin(new Facts(obs), report)),
  },
  {
    name: 'monitors-work-after-recovery',
    guarantee:
      'once the faults are over and their grace has passed, a new monitor between live processes on connected nodes running ZenMonitor gets exactly one DOWN, with the truncated exit reason, when its target exits',
    check: (obs) => judge((report, notes) => recovery(new Facts(obs), report, notes)),
  },
  {
    name: 'same-seed-same-trace',
    guarantee: 'the same schedule (and seed) replays to the same traceHash',
    check: (obs, rerun) =>
      judge((report) => {
        const again = rerun();
        if (again.traceHash === obs.traceHash && again.events === obs.events) return;
        report('trace-differs', `the same schedule ran twice gave traceHash ${obs.traceHash} (${obs.events} events), then ${again.traceHash} (${again.events} events)`);
      }),
  },
];

/** Every property, ZenMonitor's and the simulated ERTS's, in PROPERTY_NAMES order. */
export const PROPERTIES: readonly Property[] = PROPERTY_NAMES.map((name) => [...ZEN_PROPERTIES, ...WORLD_PROPERTIES].find((p) => p.name === name) as Property);

export function propertyByName(name: string): Property | undefined {
  return PROPERTIES.find((p) => p.name === name);
}

const NOT_QUIET = 'the cluster did not become quiet within 120 s after the faults stopped';

// ---- exactly one DOWN --------------------------------------------------------------------------

function exactlyOne(f: Facts, report: Report): void {
  const o = f.obs;
  if (!o.quiet) return report('not-quiet', NOT_QUIET);
  for (const d of o.downs) {
    const m = f.monitorByRef.get(d.refUid);
    if (m === undefined || m.sub !== d.proc) report('unknown-ref', `${f.proc(d.proc)} got a DOWN for a reference it never monitored: ${f.showDown(d)}`);
  }
  for (const m of o.monitors) {
    const downs = f.downsByRef.get(m.ref.uid) ?? [];
    if (downs.length > 1) report('duplicate-down', `${f.describe(m)} got ${downs.length} DOWNs: ${downs.map((d) => f.showDown(d)).join('; ')}`);
    for (const d of downs) {
      const bad = f.badDown(m, d);
      if (bad !== undefined) report(bad.code, bad.why);
    }
    if (downs.length > 0 || f.demonitorsByMonitor.has(m.id) || f.voidReason(m) !== undefined) continue;
    const death = f.deathOf.get(m.target);
    const evidence = { kind: 'no-down', monitor: m } as const;
    if (death !== undefined) report('missing-down', `${f.describe(m)} got no DOWN, though ${f.showDeath(death)} and it was never demonitored`, evidence);
    else if (f.disturbedAtEnd(m.subNode, m.targetNode)) {
      const why = f.disturbances(m.subNode, m.targetNode).find(({ iv }) => iv.toUs === Infinity)?.what ?? '';
      report('missing-nodedown', `${f.describe(m)} got no DOWN, though at the end ${why}: a {:zen_monitor, :nodedown} was due`, evidence);
    }
  }
}

// ---- no DOWN after demonitor -----------------------------------------------------------------

function noDownAfterDemonitor(f: Facts, report: Report): void {
  for (const m of f.obs.monitors) {
    const first = f.demonitorsByMonitor.get(m.id)?.[0];
    if (first === undefined) continue;
    for (const d of f.downsByRef.get(m.ref.uid) ?? []) {
      if (causedBefore(f, m, d, first)) continue;
      const how = first.flush ? 'demonitor(ref, [:flush])' : 'demonitor(ref)';
      report(
        'down-after-demonitor',
        `${f.describe(m)} was demonitored (${how}) at ${f.ms(first.atUs)} while the target was monitored and live (${f.showDeath(f.deathOf.get(m.target))}), yet got ${f.showDown(d)}`,
      );
    }
  }
}

/** Whether what the DOWN reports happened before the demonitor. */
function causedBefore(f: Facts, m: MonitorObs, d: DownObs, dm: DemonitorObs): boolean {
  const death = f.deathOf.get(m.target);
  if (death !== undefined && death.seq < dm.seq) return true;
  const r = d.reason;
  const isNodedown = r.t === 'tuple' && r.v[1] !== undefined && termEquals(r.v[1], atom('nodedown'));
  return isNodedown && f.disturbances(m.subNode, m.targetNode).some(({ iv, graceUs }) => iv.fromUs <= dm.atUs && iv.toUs + graceUs >= m.atUs);
}

// ---- no DOWN after a flush -----------------------------------------------------------------------

function noDownAfterFlush(f: Facts, report: Report): void {
  for (const m of f.obs.monitors) {
    for (const dm of f.demonitorsByMonitor.get(m.id) ?? []) {
      if (!dm.flush) continue;
      if (dm.downsInMailboxAfter > 0) {
        report('down-in-mailbox-after-flush', `${f.describe(m)}: right after demonitor(ref, [:flush]) returned at ${f.ms(dm.atUs)}, ${dm.downsInMailboxAfter} DOWN(s) for it were still in the mailbox`);
      }
      const late = (f.downsByRef.get(m.ref.uid) ?? []).find((d) => d.deliveredSeq > dm.seq);
      if (late !== undefined) {
        report('delivered-after-flush', `${f.describe(m)}: demonitor(ref, [:flush]) returned at ${f.ms(dm.atUs)}, then ${f.showDown(late)}`, {
          kind: 'late-down',
          monitor: m,
          flush: dm,
          down: late,
        });
      }
    }
  }
}

// ---- no leaks ----------------------------------------------------------------------------------

function noLeaks(f: Facts, report: Report, notes: string[]): void {
  const o = f.obs;
  if (!o.quiet) return report('not-quiet', NOT_QUIET);
  let kept = 0;
  for (const e of o.ends) {
    kept += e.proxyMonitorsKept;
    leaksOf(f, e, report);
  }
  if (kept > 0) notes.push(`${kept} ERTS monitor(s) kept by Proxies on live targets after unsubscribe (documented upstream behaviour)`);
}

function leaksOf(f: Facts, e: NodeEnd, report: Report): void {
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
    if (r.sub < 0) report('references-row', `${what}: its subscriber is not a known process`);
    else if (f.deathOf.has(r.sub)) report('references-row', `${what}, but the subscriber is dead (${f.ms(f.deathOf.get(r.sub)?.atUs ?? 0)})`, { kind: 'dead-subscriber-row', sub: r.sub, node: e.node });
    else if (r.target >= 0 && f.deathOf.has(r.target)) {
      const m = f.monitorByRef.get(r.refUid);
      report('references-row', `${what}, but its target ${f.proc(r.target)} is dead (${f.showDeath(f.deathOf.get(r.target))})`, m === undefined ? undefined : { kind: 'no-down', monitor: m });
    }
    else if (gone !== undefined) report('references-row', `${what}: ${gone}`);
  }
  if (e.referencesSize !== e.references.length) report('references-row', `References on ${node} hold ${e.referencesSize - e.references.length} row(s) of processes that are not probes`);
  for (const s of e.localSubscribers) if (!s.alive) report('local-subscriber', `Local on ${node} still counts dead ${f.proc(s.proc)} among its subscribers`);
  for (const c of e.connectors) {
    const conn = `the Connector on ${node} for ${nodeName(c.remote)}`;
    for (const r of c.monitors) {
      const row = `${conn} keeps the monitor of ${f.proc(r.target)} by ${f.proc(r.sub)} (ref #${r.refUid})`;
      if (!r.subAlive) report('connector-row', `${row}, but the subscriber is dead`);
      else if (!r.targetAlive) {
        const m = f.monitorByRef.get(r.refUid);
        report('connector-row', `${row}, but the target is dead (${f.showDeath(f.deathOf.get(r.target))})`, m === undefined ? undefined : { kind: 'no-down', monitor: m });
      }
      else if (!r.inReferences) report('connector-row', `${row}, but References no longer has it (${active(r.refUid) ?? 'row gone'})`);
    }
    if (c.batch > 0) report('connector-batch', `${conn} still has ${c.batch} instruction(s) it never sent`);
  }
  for (const row of e.proxyRows) {
    const what = `the Proxy on ${node} keeps the subscription of ${inspect(row.connector)} to ${f.proc(row.target)}`;
    const evidence = { kind: 'proxy-row', proxyNode: e.node, row } as const;
    if (!row.targetAlive) report('proxy-row-dead-target', `${what}, but the target is dead`, evidence);
    else if (!row.connectorAlive) report('proxy-row-dead-connector', `${what}, but that Connector is dead`, evidence);
    else if (!row.connectorHolds) report('proxy-row-unneeded', `${what}, but that Connector holds no monitor of it any more`, evidence);
  }
  if (e.proxyRowsSize !== e.proxyRows.length) report('proxy-row-unknown', `the Proxy on ${node} keeps ${e.proxyRowsSize - e.proxyRows.length} subscription(s) of processes that are not probes`);
  for (const b of e.batchers) {
    if (!b.connectorAlive) report('batcher-dead-connector', `a Batcher on ${node} for ${inspect(b.connector)} outlives that dead Connector`);
    if (b.batch > 0) report('batcher-batch', `a Batcher on ${node} for ${inspect(b.connector)} still holds ${b.batch} death certificate(s)`);
  }
  if (e.localBatch > 0) report('local-batch', `Local on ${node} still holds ${e.localBatch} DOWN dispatch(es)`);
}

// ---- subscriptions in place ---------------------------------------------------------------------

function subscribedWhenQuiet(f: Facts, report: Report): void {
  const o = f.obs;
  if (!o.quiet) return report('not-quiet', NOT_QUIET);
  for (const e of o.ends) {
    for (const c of e.connectors) {
      const proxy = o.ends.find((x) => x.node === c.remote);
      if (c.blocked || proxy === undefined || f.disturbedAtEnd(e.node, c.remote)) continue;
      for (const m of c.monitors) {
        if (!m.targetAlive || !m.subAlive || m.targetUid < 0) continue;
        if (proxy.proxyRows.some((r) => r.targetUid === m.targetUid && r.connector.uid === c.pid.uid)) continue;
        report(
          'missing-subscription',
          `the Connector ${inspect(c.pid)} on ${nodeName(e.node)} holds the monitor of live ${f.proc(m.target)} by ${f.proc(m.sub)} (ref #${m.refUid}), but the Proxy on ${nodeName(c.remote)} has no subscription of it for that Connector: its death would never be reported`,
        );
      }
    }
  }
}

// ---- the Dispatcher's rate and demand; chunk sizes ----------------------------------------------------

function rateBounded(f: Facts, report: Report): void {
  const limit = f.obs.config.demand_amount;
  for (const w of f.obs.rate) {
    if (w.delivered > limit) {
      report('rate', `the Dispatcher on ${nodeName(w.node)} delivered ${w.delivered} DOWNs in the demand interval that began at ${f.ms(w.tickUs)}; demand_amount is ${limit}`);
    }
  }
}

/** What one handling of a Dispatcher must ask: a range (lo may be 0: an ask that may not come). */
type Expected = { readonly lo: number; readonly hi: number; readonly what: string };

function demandAsConfigured(f: Facts, report: Report): void {
  const o = f.obs;
  const amount = o.config.demand_amount;
  const expected = new Map<number, Expected[]>();
  for (const sl of o.dispatcherSlices) {
    const list = expected.get(sl.dispatcher) ?? [];
    expected.set(sl.dispatcher, list);
    if (sl.events === null) {
      list.push({ lo: amount, hi: amount, what: `its demand tick at ${f.ms(sl.startUs)}` });
      continue;
    }
    // Sent: the events whose DOWN reached its subscriber while the Dispatcher handled them;
    // unknown: those whose subscriber was dead by then (sent or dropped, nobody can tell).
    const k = sl.events.length;
    const sent = sl.events.filter((e) => (f.downsByRef.get(e.refUid) ?? []).some((d) => d.deliveredUs >= sl.startUs && d.deliveredUs <= sl.endUs)).length;
    const unknown = sl.events.filter((e) => e.sub < 0 || (f.deathOf.get(e.sub)?.atUs ?? Infinity) <= sl.endUs).length;
    const hi = Math.min(k, amount) - sent;
    if (hi > 0) list.push({ lo: Math.max(0, hi - unknown), hi, what: `a batch of ${k} event(s) at ${f.ms(sl.startUs)}, of which it delivered ${sent}${unknown > 0 ? ` (${unknown} to dead subscribers)` : ''}` });
  }
  const received = new Map<number, number[]>();
  for (const a of o.asks) (received.get(a.dispatcher) ?? received.set(a.dispatcher, []).get(a.dispatcher))?.push(a.n);
  for (const [dispatcher, exp] of expected) matchAsks(f, exp, received.get(dispatcher) ?? [], report);
  handOvers(f, report);
}

/** The asks that reached Local, in order, against what each handling had to ask (a lost tail is fine: Local stopped, or the run ended). */
function matchAsks(f: Facts, exp: readonly Expected[], got: readonly number[], report: Report): void {
  let j = 0;
  for (const e of exp) {
    const n = got[j];
    if (n === undefined) return;
    if (n >= Math.max(1, e.lo) && n <= e.hi) j++;
    else if (e.lo > 0) {
      const want = e.lo === e.hi ? `${e.hi}` : `${e.lo} to ${e.hi}`;
      return report('demand', `a Dispatcher asked Local for ${n} event(s) after ${e.what}; it had to ask for ${want} (demand_amount ${f.obs.config.demand_amount})`);
    }
  }
  if (j < got.length) report('demand', `a Dispatcher asked Local ${got.length - j} time(s) more than its demand ticks and batches account for (first: ${got[j]})`);
}

/** Local hands over at least one event and at most the demand it is answering. */
function handOvers(f: Facts, report: Report): void {
  const byNode = new Map<number, Observations['handOvers'][number][]>();
  for (const h of f.obs.handOvers) (byNode.get(h.node) ?? byNode.set(h.node, []).get(h.node))?.push(h);
  const cursor = new Map<number, number>();
  for (const ev of f.obs.eventsIn) {
    const list = byNode.get(ev.node) ?? [];
    let i = cursor.get(ev.node) ?? 0;
    while (i < list.length && (list[i]?.endUs ?? Infinity) < ev.atUs) i++;
    cursor.set(ev.node, i);
    const h = list[i];
    if (h === undefined || h.startUs > ev.atUs) continue;
    if (ev.k < 1 || ev.k > h.n) report('hand-over', `Local on ${nodeName(ev.node)} handed over ${ev.k} event(s) at ${f.ms(ev.atUs)} for a demand of ${h.n}`);
  }
}

function chunksWithin(f: Facts, report: Report): void {
  const c = f.obs.config;
  for (const ch of f.obs.chunks) {
    const [limit, what, key] = ch.kind === 'process' ? [c.connector_chunk_size, 'instruction(s) from a Connector', 'connector_chunk_size'] : [c.batcher_chunk_size, 'death certificate(s) from a Batcher', 'batcher_chunk_size'];
    if (ch.size >= 1 && ch.size <= limit) continue;
    report(ch.kind === 'process' ? 'connector-chunk' : 'batcher-chunk', `${nodeName(ch.node)} received a chunk of ${ch.size} ${what} at ${f.ms(ch.atUs)}; ${key} is ${limit}`);
  }
}

// ---- recovery ----------------------------------------------------------------------------------

function recovery(f: Facts, report: Report, notes: string[]): void {
  const o = f.obs;
  if (!o.quiet) return report('not-quiet', NOT_QUIET);
  for (const r of o.recovery) {
    const m = o.monitors[r.monitor] as MonitorObs;
    const want: Term = tuple(atom('zen_monitor'), expectedTruncation(r.reason, o.config.truncation_depth, o.config.max_binary_size));
    const downs = f.downsByRef.get(m.ref.uid) ?? [];
    const pair = `${nodeName(r.s)} -> ${nodeName(r.t)}`;
    const what = `after recovery (${pair}), ${f.describe(m)}; its target exited with ${inspect(r.reason)} at ${f.ms(r.killUs)}`;
    if (downs.length === 0) report('recovery-missing-down', `${what}, and no DOWN came`);
    else if (downs.length > 1) report('recovery-duplicate-down', `${what}, and ${downs.length} DOWNs came: ${downs.map((d) => f.showDown(d)).join('; ')}`);
    else if (!termEquals((downs[0] as DownObs).reason, want) || !termEquals((downs[0] as DownObs).object, m.targetPid)) {
      report('recovery-wrong-down', `${what}; expected {:DOWN, ref, :process, ${inspect(m.targetPid)}, ${inspect(want)}}, got ${f.showDown(downs[0] as DownObs)}`);
    }
  }
  if (o.recoverySkipped.length > 0) notes.push(`not probed after recovery: ${o.recoverySkipped.join('; ')}`);
}
