// ZenMonitor's supervision trees (sim/zen/tree.ts) as upstream v2.1.0 builds them
// (application.ex, supervisor.ex, local/supervisor.ex, proxy/supervisor.ex): which
// processes there are, who owns the shared tables, what a kill of each component restarts
// (the processes with a new pid, as the F3 fixture's `pid_changes_vs_before_kill`), the
// restart intensity, and Application.stop/start.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, type Pid } from '../../../core/terms.js';
import { whichChildren } from '../../../sim/beam/supervisor.js';
import type { World } from '../../../sim/beam/world.js';
import type { ZenCluster } from '../../../sim/zen/cluster.js';
import { TABLE } from '../../../sim/zen/tree.js';
import { sleeper } from '../helpers.js';
import { A, B, cluster, Probe, runForMs } from './harness.js';

const FAST = { connector_sweep_interval: 10, batcher_sweep_interval: 10, demand_interval: 10 };
const NAMES = [
  'ZenMonitor.Supervisor',
  'ZenMonitor.Local.Supervisor',
  'ZenMonitor.Local.Tables',
  'ZenMonitor.Local',
  'ZenMonitor.Local.Connector',
  'ZenMonitor.Local.Dispatcher',
  'ZenMonitor.Proxy.Supervisor',
  'ZenMonitor.Proxy.Tables',
  'ZenMonitor.Proxy',
  'ZenMonitor.Proxy.Batcher',
] as const;

/** Every registered ZenMonitor process of `node` now (undefined: not running), plus the Connector for `peer`. */
function pids(world: World, zen: ZenCluster, node: string, peer: string): Record<string, Pid | undefined> {
  const out: Record<string, Pid | undefined> = {};
  for (const name of NAMES) {
    const p = world.node(node).registered.get(name);
    out[name] = p?.alive === true ? p.pid : undefined;
  }
  out.connector_for_remote = zen.app(node)?.connectors.get(peer);
  return out;
}

/** The names whose pid changed between two snapshots (as the fixture's `processes_with_new_pid_vs_before_kill`). */
function changed(before: Record<string, Pid | undefined>, after: Record<string, Pid | undefined>): string[] {
  return Object.keys(before).filter((k) => before[k]?.uid !== after[k]?.uid);
}

/** a and b with ZenMonitor (fast settings); a probe on a monitors a sleeper on b; settled. */
function monitored() {
  const env = cluster({ zen: FAST });
  const probe = new Probe(env.world, env.zen, A);
  const t = env.world.spawn(B, sleeper);
  const ref = probe.monitor(t);
  runForMs(env.world, 50);
  return { ...env, probe, t, ref };
}

test('the trees: ZenMonitor.Supervisor (one_for_one) over the Local side [Tables, Local, GenRegistry(Connector), Dispatcher] and the Proxy side [Tables, Proxy, GenRegistry(Batcher)], each registered', () => {
  const { world, zen } = cluster({ zen: FAST });
  const app = zen.app(A);
  assert.ok(app?.top !== undefined);
  const ids = (pid: Pid | undefined) => whichChildren(world, pid as Pid)?.map((c) => c.id);
  const top = pids(world, zen, A, B);
  assert.equal(ids(app.top), ['ZenMonitor.Supervisor']);
  assert.equal(ids(top['ZenMonitor.Supervisor']), ['ZenMonitor.Local.Supervisor', 'ZenMonitor.Proxy.Supervisor']);
  assert.equal(ids(top['ZenMonitor.Local.Supervisor']), ['ZenMonitor.Local.Tables', 'ZenMonitor.Local', 'ZenMonitor.Local.Connector', 'ZenMonitor.Local.Dispatcher']);
  assert.equal(ids(top['ZenMonitor.Proxy.Supervisor']), ['ZenMonitor.Proxy.Tables', 'ZenMonitor.Proxy', 'ZenMonitor.Proxy.Batcher']);
  for (const name of NAMES) assert.ok(top[name] !== undefined, `${name} is up`);
  // Each table belongs to the process upstream makes it in.
  const owner = (table: string) => world.node(A).typedEts.get(table)?.ownerUid;
  assert.is(owner(TABLE.nodes), top['ZenMonitor.Local.Tables']?.uid);
  assert.is(owner(TABLE.references), top['ZenMonitor.Local.Tables']?.uid);
  assert.is(owner(TABLE.localSubscribers), top['ZenMonitor.Local']?.uid);
  assert.is(owner(TABLE.proxySubscribers), top['ZenMonitor.Proxy.Tables']?.uid);
  assert.is(world.node(A).ets.get('ZenMonitor.Local.Connector')?.ownerUid, top['ZenMonitor.Local.Connector']?.uid);
});

test('Connector killed: only it goes (the fixture a1: connector_for_remote changed); its registry row goes with its :EXIT, and the next use starts a new one', () => {
  const { world, zen, probe } = monitored();
  const before = pids(world, zen, A, B);
  const old = zen.kill(A, 'connector', B) as Pid;
  assert.is(old.uid, before.connector_for_remote?.uid);
  runForMs(world, 10);
  assert.is(zen.app(A)?.connectors.get(B), undefined, 'GenRegistry deleted the row');
  probe.monitor(world.spawn(B, sleeper));
  runForMs(world, 10);
  assert.equal(changed(before, pids(world, zen, A, B)), ['connector_for_remote']);
});

test('Local killed: rest_for_one restarts Local, the Connector registry (killing every Connector) and the Dispatcher (fixture a3); the tables Local.Tables owns outlive it, the Subscribers table Local owns comes back empty', () => {
  const { world, zen, probe } = monitored();
  const app = zen.app(A);
  assert.ok(app !== undefined);
  const before = pids(world, zen, A, B);
  const nodes = app.tables.nodes;
  assert.is(app.tables.localSubscribers.size, 1);
  zen.kill(A, 'local');
  runForMs(world, 10);
  const after = pids(world, zen, A, B);
  assert.equal(changed(before, after), ['ZenMonitor.Local', 'ZenMonitor.Local.Connector', 'ZenMonitor.Local.Dispatcher', 'connector_for_remote']);
  assert.is(after.connector_for_remote, undefined, 'no Connector until one is needed');
  assert.is(world.alive(before.connector_for_remote as Pid), undefined, 'GenRegistry killed its Connector as it shut down');
  assert.is(app.tables.nodes, nodes, 'the same Nodes table');
  assert.equal(app.tables.nodes.get(B), { kind: 'compatible' }, 'still :compatible');
  assert.is(app.tables.references.size, 1, "the probe's reference is still there");
  assert.is(app.tables.localSubscribers.size, 0, 'a new, empty Subscribers table');
  probe.monitor(world.spawn(B, sleeper));
  runForMs(world, 10);
  assert.is(app.tables.localSubscribers.size, 1, 'the caller is monitored again by the new Local');
});

test('Proxy killed: rest_for_one restarts the Proxy and the Batcher registry (fixture a2, on b); Proxy.Tables and its rows stay', () => {
  const { world, zen, probe, t } = monitored();
  world.exit(t, atom('kill')); // a Batcher for a's Connector starts on b
  runForMs(world, 50);
  probe.monitor(world.spawn(B, sleeper));
  runForMs(world, 50);
  const before = pids(world, zen, B, A);
  const batcher = zen.pidOf(B, 'batcher', A) as Pid;
  assert.ok(world.alive(batcher) !== undefined);
  const rows = zen.app(B)?.tables.proxySubscribers.size;
  zen.kill(B, 'proxy', undefined, A); // an exit signal over the connection, as the fixture's driver sent it
  runForMs(world, 10);
  assert.equal(changed(before, pids(world, zen, B, A)), ['ZenMonitor.Proxy', 'ZenMonitor.Proxy.Batcher']);
  assert.is(world.alive(batcher), undefined, 'the Batcher went with its registry');
  assert.is(zen.app(B)?.tables.proxySubscribers.size, rows, 'the subscriptions outlive the Proxy');
});

test('restart intensity: a fourth Proxy kill within 5 s makes Proxy.Supervisor give up; ZenMonitor.Supervisor starts the Proxy side afresh (new Tables: the subscriptions are gone)', () => {
  const { world, zen } = monitored();
  const sup = pids(world, zen, B, A)['ZenMonitor.Proxy.Supervisor'] as Pid;
  const tables = pids(world, zen, B, A)['ZenMonitor.Proxy.Tables'] as Pid;
  assert.is(zen.app(B)?.tables.proxySubscribers.size, 1);
  for (let i = 0; i < 3; i++) {
    zen.kill(B, 'proxy');
    runForMs(world, 10);
    assert.ok(world.alive(sup) !== undefined, `Proxy.Supervisor survives restart ${i + 1}`);
  }
  zen.kill(B, 'proxy');
  runForMs(world, 10);
  assert.is(world.alive(sup), undefined);
  assert.is(world.proc(sup)?.exitReason, atom('shutdown'));
  const after = pids(world, zen, B, A);
  assert.ok(after['ZenMonitor.Proxy.Supervisor'] !== undefined && after['ZenMonitor.Proxy'] !== undefined, 'the Proxy side is up again');
  assert.is.not(after['ZenMonitor.Proxy.Tables']?.uid, tables.uid);
  assert.is(zen.app(B)?.tables.proxySubscribers.size, 0);
  assert.ok(zen.app(B) !== undefined, 'ZenMonitor still runs on b');
});

test('Application.stop is synchronous: every process of the tree is dead when it returns (Connectors :killed by their registry, the rest :shutdown), its tables gone; a start at the same instant comes up', () => {
  const { world, zen } = monitored();
  const before = pids(world, zen, A, B);
  zen.stop(A);
  for (const [name, pid] of Object.entries(before)) assert.is(world.alive(pid as Pid), undefined, `${name} is dead`);
  assert.is(world.proc(before.connector_for_remote as Pid)?.exitReason, atom('killed'));
  assert.is(world.proc(before['ZenMonitor.Proxy'] as Pid)?.exitReason, atom('shutdown'));
  assert.is(world.node(A).typedEts.size + world.node(A).ets.size, 0, 'no table left');
  assert.is(zen.app(A), undefined);
  zen.start(A, FAST);
  runForMs(world, 1);
  assert.ok(zen.started(A));
  const again = pids(world, zen, A, B);
  for (const name of NAMES) assert.ok(again[name] !== undefined && again[name]?.uid !== before[name]?.uid, `a new ${name}`);
});

test.run();
