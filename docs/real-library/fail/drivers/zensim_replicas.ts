// zensim replicas of the real-BEAM cases (helper realfail), same schedules as cases.exs.
import { inspect } from '/work/wt-realfail/core/inspect.js';
import { atom, type Pid, type Ref } from '/work/wt-realfail/core/terms.js';
import { sleeper } from '/work/wt-realfail/test/sim/helpers.js';
import { A, B, cluster, Probe, runForMs, runToMs } from '/work/wt-realfail/test/sim/zen/harness.js';

const KILL = atom('kill');
type C = ReturnType<typeof cluster>;
function many(c: C, p: Probe, n: number, prefix = 'T') {
  return Array.from({ length: n }, (_, i) => { const t = c.world.spawn(B, sleeper); return { label: `${prefix}${i + 1}`, t, ref: p.monitor(t) }; });
}
function byLabel(p: Probe, ts: { label: string; ref: Ref }[], t0: number) {
  return Object.fromEntries(ts.map((x) => [x.label, p.downsFor(x.ref).map((d) => `${inspect(d.msg.reason)}@${Math.round((d.at - t0) / 100) / 10}`)]));
}
const cases: Record<string, () => unknown> = {
  dispatcher_mid: () => {
    const c = cluster({ zen: { demand_amount: 2 } }); const p = new Probe(c.world, c.zen, A);
    const ts = many(c, p, 10); runForMs(c.world, 300); const t0 = c.world.nowUs;
    for (const x of ts) c.world.exit(x.t, KILL);
    runForMs(c.world, 250); const before = p.downs().length; c.zen.kill(A, 'dispatcher'); runForMs(c.world, 2000);
    return { before, total: p.downs().length, downs: byLabel(p, ts, t0) };
  },
  plan_dispatcher: () => {
    const c = cluster(); const p = new Probe(c.world, c.zen, A);
    const t1 = many(c, p, 1); runForMs(c.world, 550); const t0 = c.world.nowUs; c.zen.kill(A, 'dispatcher');
    runForMs(c.world, 500); const t23 = many(c, p, 2, 'U'); runForMs(c.world, 1000); c.world.exit(t23[0]!.t, KILL);
    runForMs(c.world, 3000); c.world.crash(B); runForMs(c.world, 5000);
    return byLabel(p, [...t1, ...t23], t0);
  },
  dispatcher_batch: () => {
    const c = cluster(); const p = new Probe(c.world, c.zen, A);
    const ts = many(c, p, 10); runForMs(c.world, 300); const t0 = c.world.nowUs;
    for (const x of ts) c.world.exit(x.t, KILL);
    // kill the Dispatcher when Local has handed it a batch: step until an events message is in its mailbox
    let killed = -1;
    for (let i = 0; i < 500_000 && killed < 0; i++) {
      c.world.runUntil?.(c.world.nowUs + 1);
      const d = c.zen.pidOf(A, 'dispatcher');
      const proc = d && (c.world as any).procs?.get?.(d.uid);
      if (proc && proc.mailbox?.length > 0) { c.zen.kill(A, 'dispatcher'); killed = c.world.nowUs - t0; }
    }
    runForMs(c.world, 2000);
    return { killedAtUs: killed, total: p.downs().length, refs: c.zen.app(A)?.tables.references.size };
  },
};


const extra: Record<string, () => unknown> = {
  dispatcher_batch2: () => {
    const out: unknown[] = [];
    const base = (killAtUs: number | undefined) => {
      const c = cluster(); const p = new Probe(c.world, c.zen, A);
      const ts = many(c, p, 10); runForMs(c.world, 300); const t0 = c.world.nowUs;
      for (const x of ts) c.world.exit(x.t, KILL);
      if (killAtUs !== undefined) { runForMs(c.world, (killAtUs - c.world.nowUs) / 1000); c.zen.kill(A, 'dispatcher'); }
      runForMs(c.world, 3000);
      return { first: p.downs()[0]?.at, total: p.downs().length, refs: c.zen.app(A)?.tables.references.size, t0 };
    };
    const ref0 = base(undefined); out.push(ref0);
    for (let k = 1; k <= 40; k += 3) out.push({ k, ...base((ref0.first as number) - k) });
    return out;
  },
};
Object.assign(cases, extra);
const extra2: Record<string, () => unknown> = {
  proxyN: () => {
    const n = Number(process.argv[3]);
    const c = cluster(); const p = new Probe(c.world, c.zen, A);
    const ts = many(c, p, 2); runForMs(c.world, 300); const t0 = c.world.nowUs;
    const compat: string[] = [];
    let last = '';
    const sample = () => { const x = JSON.stringify(c.zen.compatibilityOf(A, B)); if (x !== last) { compat.push(`${Math.round((c.world.nowUs - t0) / 1000)}:${x}`); last = x; } };
    let killed = 0;
    for (let i = 0; i < n; i++) { if (c.zen.kill(B, 'proxy', undefined, A) !== undefined) killed++; for (let j = 0; j < 6; j++) { runForMs(c.world, 10); sample(); } }
    runForMs(c.world, 200);
    const later = many(c, p, 3, 'L');
    for (let j = 0; j < 150; j++) { runForMs(c.world, 10); sample(); }
    return { killed, zenB: c.zen.app(B) !== undefined, downs: byLabel(p, [...ts, ...later], t0), compat, nodes: c.zen.app(A)?.tables.nodes.get(B) };
  },
};
Object.assign(cases, extra2);
Object.assign(cases, {
  stall: () => {
    const c = cluster({ zen: { demand_amount: 2 } }); const p = new Probe(c.world, c.zen, A);
    const ts = many(c, p, 10); runToMs(c.world, Number(process.argv[3])); for (const x of ts) c.world.exit(x.t, KILL);
    runToMs(c.world, Number(process.argv[4])); const before = p.downs().map((d) => d.at);
    const st = c.zen.inspectState(c.zen.pidOf(A, 'local') as Pid) as any; const demandBefore = st.demand;
    const t0 = c.world.nowUs; c.zen.kill(A, 'dispatcher'); runForMs(c.world, 1);
    const st2 = c.zen.inspectState(c.zen.pidOf(A, 'local') as Pid) as any;
    runForMs(c.world, 2000);
    return { st2: JSON.stringify(st2), same: st === st2, before, demandBefore, pendingAfter: st2.pending, batch: st2.batch.length, after: p.downs().slice(before.length).map((d) => d.at - t0) };
  },
});
const NAMES = ['ZenMonitor.Supervisor', 'ZenMonitor.Local.Supervisor', 'ZenMonitor.Local.Tables', 'ZenMonitor.Local', 'ZenMonitor.Local.Dispatcher', 'ZenMonitor.Proxy.Supervisor', 'ZenMonitor.Proxy.Tables', 'ZenMonitor.Proxy'];
function regs(c: C, node: string) { return Object.fromEntries(NAMES.map((n) => { const p = c.world.node(node).registered.get(n); return [n, p?.alive === true ? p.pid.uid : undefined]; })); }
function changed(a: Record<string, unknown>, b: Record<string, unknown>) { return NAMES.filter((n) => a[n] !== b[n]).map((n) => n.replace('ZenMonitor.', '')).join(',') || '-'; }
Object.assign(cases, {
  restarts: () => {
    const out: Record<string, string> = {};
    const one = (name: string, act: (c: C) => void) => {
      const c = cluster(); const p = new Probe(c.world, c.zen, A); many(c, p, 2); runForMs(c.world, 300);
      const a0 = regs(c, A), b0 = regs(c, B); act(c); runForMs(c.world, 500);
      out[name] = `a new: ${changed(a0, regs(c, A))} | b new: ${changed(b0, regs(c, B))}`;
    };
    one('local', (c) => c.zen.kill(A, 'local'));
    one('dispatcher', (c) => c.zen.kill(A, 'dispatcher'));
    one('disp4', (c) => { for (let i = 0; i < 4; i++) { c.zen.kill(A, 'dispatcher'); runForMs(c.world, 100); } });
    one('tables_a', (c) => c.world.exit(c.world.node(A).registered.get('ZenMonitor.Local.Tables')!.pid, KILL));
    one('tables_b', (c) => c.world.exit(c.world.node(B).registered.get('ZenMonitor.Proxy.Tables')!.pid, KILL, A));
    one('proxy', (c) => c.zen.kill(B, 'proxy', undefined, A));
    one('local15', (c) => { for (let i = 0; i < 15; i++) { c.zen.kill(A, 'local'); runForMs(c.world, 60); } });
    one('local16', (c) => { for (let i = 0; i < 16; i++) { c.zen.kill(A, 'local'); runForMs(c.world, 60); } });
    one('proxy63', (c) => { for (let i = 0; i < 63; i++) { c.zen.kill(B, 'proxy', undefined, A); runForMs(c.world, 60); } });
    return out;
  },
});
Object.assign(cases, {
  dispatcher_multi: () => {
    const c = cluster({ zen: { demand_amount: 2 } }); const p = new Probe(c.world, c.zen, A);
    runToMs(c.world, Number(process.argv[3])); const t0 = c.world.nowUs;
    const local = () => c.zen.inspectState(c.zen.pidOf(A, 'local') as Pid) as any;
    const kills: unknown[] = [];
    for (let i = 0; i < 3; i++) { const before = [local().demand, local().pending]; c.zen.kill(A, 'dispatcher'); runForMs(c.world, 5); kills.push({ before, after: [local().demand, local().pending] }); runForMs(c.world, 95); }
    const ts = many(c, p, 4); runForMs(c.world, 300); for (const x of ts) c.world.exit(x.t, KILL); runForMs(c.world, 6000);
    return { kills, downs: byLabel(p, ts, t0) };
  },
  local_sub_dies: () => {
    const c = cluster(); const p = new Probe(c.world, c.zen, A); many(c, p, 2); runForMs(c.world, 300);
    c.zen.kill(A, 'local'); runForMs(c.world, 100); c.world.exit(p.pid, KILL); runForMs(c.world, 500);
    const app = c.zen.app(A)!; const bApp = c.zen.app(B)!;
    return { references: app.tables.references.size, localSubscribers: app.tables.localSubscribers.size, connectors: app.connectors.size, proxySubscribersB: bApp.tables.proxySubscribers.size };
  },
});
const name = process.argv[2] as string;
console.log(name, JSON.stringify(cases[name]!()));
