// ZenMonitor's supervision trees on one simulated node, as upstream v2.1.0 builds them:
// lib/zen_monitor/application.ex starts an unnamed `one_for_one` supervisor over
// `ZenMonitor.Supervisor` (lib/zen_monitor/supervisor.ex: `one_for_one` over the Local and
// Proxy supervisors), and
//   ZenMonitor.Local.Supervisor (local/supervisor.ex), rest_for_one:
//     [ZenMonitor.Local.Tables, ZenMonitor.Local, GenRegistry(ZenMonitor.Local.Connector), ZenMonitor.Local.Dispatcher]
//   ZenMonitor.Proxy.Supervisor (proxy/supervisor.ex), rest_for_one:
//     [ZenMonitor.Proxy.Tables, ZenMonitor.Proxy, GenRegistry(ZenMonitor.Proxy.Batcher)]
// each with Supervisor.init's defaults (3 restarts in 5 s; workers shut down within
// 5000 ms, supervisors and GenRegistry with :infinity). The Tables processes own the shared
// tables (local/tables.ex: Nodes and References; proxy/tables.ex: the Proxy's
// Subscribers), so the tables outlive the components that use them; Local owns its own
// Subscribers table (local.ex `init/1`), which goes and comes back with Local. Connectors
// and Batchers are GenRegistry workers (sim/beam/gen_registry.ts): started on demand,
// never restarted, killed when their registry shuts down.
import { NodesTable, PidSet, ProxySubscribersTable, ReferencesTable } from '../../core/tables.js';
import type { Pid, Term } from '../../core/terms.js';
import * as GenRegistry from '../beam/gen_registry.js';
import type { Behaviour, Ctx } from '../beam/process.js';
import { supervisor, type ChildSpec } from '../beam/supervisor.js';
import type { ZenApp } from './cluster.js';
import { batcherC, component, connectorC, DISPATCHER_C, LOCAL_C, PROXY_C } from './component.js';

export const PROXY = 'ZenMonitor.Proxy';
export const LOCAL = 'ZenMonitor.Local';
export const DISPATCHER = 'ZenMonitor.Local.Dispatcher';
/** The registries (and their tables): GenRegistry registers under its worker module's name. */
export const CONNECTOR_REGISTRY = 'ZenMonitor.Local.Connector';
export const BATCHER_REGISTRY = 'ZenMonitor.Proxy.Batcher';

/** ZenMonitor's shared tables, by the names upstream gives them (`Module.concat(owner, "…")`). */
export const TABLE = {
  nodes: 'ZenMonitor.Local.Tables.Nodes',
  references: 'ZenMonitor.Local.Tables.References',
  localSubscribers: 'ZenMonitor.Local.Subscribers',
  proxySubscribers: 'ZenMonitor.Proxy.Tables.Subscribers',
} as const;

/** The application's top supervisor (`ZenMonitor.Application.start/2`): spawn it to start ZenMonitor on its node. */
export function applicationTree(app: ZenApp): Behaviour {
  return supervisor({
    strategy: 'one_for_one',
    children: [sup('ZenMonitor.Supervisor', () => supervisor({ strategy: 'one_for_one', children: [localSide(app), proxySide(app)] }))],
  });
}

function localSide(app: ZenApp): ChildSpec {
  return sup('ZenMonitor.Local.Supervisor', () =>
    supervisor({
      strategy: 'rest_for_one',
      children: [
        worker('ZenMonitor.Local.Tables', () =>
          tablesOwner((ctx) => {
            app.bodies.nodes = ctx.etsNewTyped(TABLE.nodes, new NodesTable());
            app.bodies.references = ctx.etsNewTyped(TABLE.references, new ReferencesTable());
          }),
        ),
        worker(LOCAL, () => component(app, LOCAL_C), OFF_HEAP),
        GenRegistry.childSpec({ name: CONNECTOR_REGISTRY, start: ([remote]) => component(app, connectorC(atomName(remote))) }),
        worker(DISPATCHER, () => component(app, DISPATCHER_C), OFF_HEAP),
      ],
    }),
  );
}

function proxySide(app: ZenApp): ChildSpec {
  return sup('ZenMonitor.Proxy.Supervisor', () =>
    supervisor({
      strategy: 'rest_for_one',
      children: [
        worker('ZenMonitor.Proxy.Tables', () =>
          tablesOwner((ctx) => {
            app.bodies.proxySubscribers = ctx.etsNewTyped(TABLE.proxySubscribers, new ProxySubscribersTable());
          }),
        ),
        worker(PROXY, () => component(app, PROXY_C), OFF_HEAP),
        GenRegistry.childSpec({ name: BATCHER_REGISTRY, start: ([connector]) => component(app, batcherC(connector as Pid)) }),
      ],
    }),
  );
}

/** Local's own Subscribers table (`:protected`, made in its `init/1`). */
export function newLocalSubscribers(app: ZenApp, ctx: Ctx): void {
  app.bodies.localSubscribers = ctx.etsNewTyped(TABLE.localSubscribers, new PidSet());
}

/** A Tables GenServer: its `init/1` makes the tables it owns; it handles nothing else. */
function tablesOwner(make: (ctx: Ctx) => void): Behaviour {
  return { init: make, handle() {} };
}

/**
 * Local, the Dispatcher and the Proxy set `Process.flag(:message_queue_data, :off_heap)`
 * in their `init/1` (local.ex, dispatcher.ex, proxy.ex): their queued messages stay off
 * their heaps.
 */
const OFF_HEAP = { offHeapQueue: true } as const;

/** A worker child registered under its module's name (`GenServer.start_link(..., name: __MODULE__)`). */
function worker(name: string, start: () => Behaviour, opts: { offHeapQueue?: boolean } = {}): ChildSpec {
  return { id: name, name, start, ...opts };
}

function sup(name: string, start: () => Behaviour): ChildSpec {
  return { id: name, name, start, type: 'supervisor' };
}

function atomName(t: Term | undefined): string {
  return (t as Term & { t: 'atom' }).v;
}
