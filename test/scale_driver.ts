// ZenMonitor's own state at scale, as docs/real-library/pure/scale.exs measured it on the real
// library (OTP 25.2.3): S subscribers on a, each calling ZenMonitor.monitor/1 on N/S of T
// sleepers on b (subscriber i's k-th monitor targets sleeper (i·N/S + k) mod T), default
// config. Snapshots as the real driver took them: `quiet` once the monitors are set up
// (every process on a and b collected, then 200 ms), and `settledGc` after b is SIGKILLed,
// every DOWN delivered, 1 s, and every process on a collected (then 200 ms). Each gives
// `ets:info(T, :size)` and `ets:info(T, :memory)` (words) of ZenMonitor's tables and
// `process_info(P, :memory)` of its processes.
import { atom, type Pid } from '../core/terms.js';
import type { Ctx, Proc } from '../sim/beam/process.js';
import { zenTableWords } from '../sim/zen/memory.js';
import { BATCHER_REGISTRY, CONNECTOR_REGISTRY } from '../sim/zen/tree.js';
import { zenPair } from './zen_pair.js';

export const A = 'a@127.0.0.1';
export const B = 'b@127.0.0.1';

/** [size, memory words] of a table; undefined when it does not exist. */
export type TableInfo = readonly [size: number, words: number] | undefined;

export type ScaleSnapshot = {
  ets: {
    references: TableInfo;
    nodes: TableInfo;
    localSubscribers: TableInfo;
    connectorMonitors: TableInfo;
    connectorRegistry: TableInfo;
    proxySubscribers: TableInfo;
    proxyMonitors: TableInfo;
    batcherRegistry: TableInfo;
  };
  /** process_info(P, :memory), bytes (undefined: no such process). */
  memory: Record<'local' | 'dispatcher' | 'connector' | 'localTables' | 'connectorRegistry' | 'proxy' | 'proxyTables' | 'batcherRegistry', number | undefined>;
};

const GO = atom('go');

export function runScale(n: number, s: number, t: number): { quiet: ScaleSnapshot; settledGc: ScaleSnapshot; downs: number } {
  const per = n / s;
  const { w, zen, run } = zenPair(A, B);
  const targets = Array.from({ length: t }, () => w.spawn(B, { handle: () => undefined }));
  let downs = 0;
  const subscribers = Array.from({ length: s }, (_, i) =>
    w.spawn(A, {
      handle(ctx: Ctx, msg: unknown) {
        if (msg === GO) for (let k = 0; k < per; k++) zen.monitor(ctx, targets[(i * per + k) % t] as Pid);
        else if ((msg as { kind?: unknown }).kind === 'DOWN') downs++;
      },
    }),
  );
  const info = (p: Proc | undefined) => (p === undefined ? undefined : w.mem.processInfoBytes(p));
  const alive = (pid: Pid | undefined) => (pid === undefined ? undefined : w.alive(pid));
  const plain = (node: string, name: string): TableInfo => {
    const table = w.node(node).up ? w.node(node).ets.get(name) : undefined;
    return table === undefined ? undefined : [table.size, table.bytes() / 8];
  };
  const snap = (): ScaleSnapshot => {
    const appA = zen.app(A);
    const appB = zen.app(B);
    const wordsA = appA === undefined ? undefined : zenTableWords(appA, w.cost);
    const wordsB = appB === undefined ? undefined : zenTableWords(appB, w.cost);
    const connector = appA?.connectors.get(B);
    const connectorState = connector === undefined ? undefined : (zen.inspectState(connector) as { monitorCount: number } | undefined);
    const proxy = zen.pidOf(B, 'proxy');
    const proxyState = proxy === undefined ? undefined : (zen.inspectState(proxy) as { monitors: { size: number } } | undefined);
    const registered = (node: string, name: string) => (w.node(node).up ? w.node(node).registered.get(name) : undefined);
    return {
      ets: {
        references: appA && wordsA && [appA.bodies.references.size, wordsA.references],
        nodes: appA && wordsA && [appA.bodies.nodes.size, wordsA.nodes],
        localSubscribers: appA && wordsA && [appA.bodies.localSubscribers.size, wordsA.localSubscribers],
        connectorMonitors: connectorState && wordsA && [connectorState.monitorCount, wordsA.connectorMonitors],
        connectorRegistry: plain(A, CONNECTOR_REGISTRY),
        proxySubscribers: appB && wordsB && [appB.bodies.proxySubscribers.size, wordsB.proxySubscribers],
        proxyMonitors: proxyState && wordsB && [proxyState.monitors.size, wordsB.proxyMonitors],
        batcherRegistry: plain(B, BATCHER_REGISTRY),
      },
      memory: {
        local: info(alive(zen.pidOf(A, 'local'))),
        dispatcher: info(alive(zen.pidOf(A, 'dispatcher'))),
        connector: info(alive(connector)),
        localTables: info(registered(A, 'ZenMonitor.Local.Tables')),
        connectorRegistry: info(registered(A, CONNECTOR_REGISTRY)),
        proxy: info(alive(proxy)),
        proxyTables: info(registered(B, 'ZenMonitor.Proxy.Tables')),
        batcherRegistry: info(registered(B, BATCHER_REGISTRY)),
      },
    };
  };
  const collect = (nodes: readonly string[]) => {
    for (const node of nodes) if (w.node(node).up) w.forEachLiveOn(w.node(node), (p) => void w.mem.collect(p));
    run(200);
  };
  for (const p of subscribers) w.send(p, GO);
  run(3000);
  collect([A, B]);
  const quiet = snap();
  w.crash(B);
  w.kernel.run({ until: () => downs >= n, untilUs: w.nowUs + 60_000_000 });
  run(1000);
  collect([A]);
  return { quiet, settledGc: snap(), downs };
}
