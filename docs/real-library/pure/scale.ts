// zensim side of scale.exs: N monitors from S subscribers to T sleepers on b.
import { atom, type Pid } from '/work/wt-realpure/core/terms.ts';
import type { Ctx, Proc } from '/work/wt-realpure/sim/beam/process.ts';
import { World } from '/work/wt-realpure/sim/beam/world.ts';
import { ZenCluster } from '/work/wt-realpure/sim/zen/cluster.ts';
import { zenTableWords } from '/work/wt-realpure/sim/zen/memory.ts';
import { CONNECTOR_REGISTRY, BATCHER_REGISTRY } from '/work/wt-realpure/sim/zen/tree.ts';

const A = 'a@127.0.0.1';
const B = 'b@127.0.0.1';
const [n, s, t] = process.argv.slice(2).map(Number) as [number, number, number];
const per = n / s;
const w = new World({ seed: 1 });
w.addNode(A, { schedulers: 2 });
w.addNode(B, { schedulers: 2 });
const zen = new ZenCluster(w);
zen.start(A);
zen.start(B);
const run = (ms: number) => w.kernel.run({ untilUs: w.nowUs + ms * 1000 });
w.net.ensureConnected(A, B);
run(100);
const targets = Array.from({ length: t }, () => w.spawn(B, { handle: () => undefined }));
let downs = 0;
let firstDownUs = -1;
let lastDownUs = 0;
const GO = atom('go');
const subs = Array.from({ length: s }, (_, i) =>
  w.spawn(A, {
    handle(ctx: Ctx, msg: unknown) {
      if (msg === GO) {
        for (let k = 0; k < per; k++) zen.monitor(ctx, targets[(i * per + k) % t] as Pid);
      } else if ((msg as { kind?: unknown }).kind === 'DOWN') {
        downs++;
        if (firstDownUs < 0) firstDownUs = ctx.nowUs();
        lastDownUs = ctx.nowUs();
      }
    },
  }),
);
const pinfo = (p: Proc | undefined) =>
  p === undefined ? null : { memory: w.mem.processInfoBytes(p), heap_size: (p.heap as any)?.heapSz, total_heap_size: ((p.heap as any)?.heapSz ?? 0) + ((p.heap as any)?.oldSz ?? 0), message_queue_len: p.mailbox.length };
const alive = (pid: Pid | undefined) => (pid !== undefined ? w.alive(pid) : undefined);
const tableInfo = (node: string, name: string) => {
  const tab = w.node(node).ets.get(name);
  return tab === undefined ? null : { size: tab.size, memory_words: tab.bytes() / 8 };
};
const snap = () => {
  const appA = zen.app(A);
  const appB = zen.app(B);
  const tw = appA !== undefined ? zenTableWords(appA, w.cost) : undefined;
  const twB = appB !== undefined ? zenTableWords(appB, w.cost) : undefined;
  const connector = appA?.connectors.get(B);
  const cstate = connector !== undefined ? (zen.inspectState(connector) as { monitorCount: number } | undefined) : undefined;
  const proxyPid = appB?.whereis('ZenMonitor.Proxy');
  const pstate = proxyPid !== undefined ? (zen.inspectState(proxyPid) as { monitors: { size: number } } | undefined) : undefined;
  return {
    a: appA === undefined ? null : {
      proc: {
        local: pinfo(alive(zen.pidOf(A, 'local'))),
        dispatcher: pinfo(alive(zen.pidOf(A, 'dispatcher'))),
        connector: pinfo(alive(connector)),
        local_tables: pinfo(w.node(A).registered.get('ZenMonitor.Local.Tables')),
        connector_registry: pinfo(w.node(A).registered.get(CONNECTOR_REGISTRY)),
      },
      ets: {
        references: { size: appA.bodies.references.size, memory_words: tw!.references },
        nodes: { size: appA.bodies.nodes.size, memory_words: tw!.nodes },
        local_subscribers: { size: appA.bodies.localSubscribers.size, memory_words: tw!.localSubscribers },
        connector_monitors: { size: cstate?.monitorCount, memory_words: tw!.connectorMonitors },
        connector_registry: tableInfo(A, CONNECTOR_REGISTRY),
      },
      memory: w.node(A).memory(),
    },
    b: appB === undefined ? null : {
      proc: {
        proxy: pinfo(alive(proxyPid)),
        proxy_tables: pinfo(w.node(B).registered.get('ZenMonitor.Proxy.Tables')),
        batcher: pinfo(alive(zen.pidOf(B, 'batcher', A))),
        batcher_registry: pinfo(w.node(B).registered.get(BATCHER_REGISTRY)),
      },
      ets: {
        proxy_subscribers: { size: appB.bodies.proxySubscribers.size, memory_words: twB!.proxySubscribers },
        proxy_monitors: { size: pstate?.monitors.size, memory_words: twB!.proxyMonitors },
        batcher_registry: tableInfo(B, BATCHER_REGISTRY),
      },
    },
  };
};
const collectAll = () => {
  for (const node of [A, B]) if (w.node(node).up) w.forEachLiveOn(w.node(node), (p) => void w.mem.collect(p));
  run(200);
};
run(100);
collectAll();
const before = snap();
for (const p of subs) w.send(p, GO);
run(3000);
const quiet_nogc = snap();
collectAll();
const quiet = snap();
const t0 = w.nowUs;
w.crash(B);
w.kernel.run({ until: () => downs > 0, untilUs: w.nowUs + 30_000_000 });
const at_first_down = snap();
w.kernel.run({ until: () => downs >= n, untilUs: w.nowUs + 60_000_000 });
run(1000);
const settled = snap();
w.forEachLiveOn(w.node(A), (p) => void w.mem.collect(p));
run(200);
const settled_gc = snap();
console.log(JSON.stringify({ shape: { n, s, t }, kill: { first_down_ms: (firstDownUs - t0) / 1000, last_down_ms: (lastDownUs - t0) / 1000, downs },
  snapshots: { before, quiet_nogc, quiet, at_first_down, settled, settled_gc } }));
