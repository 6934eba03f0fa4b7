// Malformed monitor targets, as ZenMonitor 2.1.0 takes them: `ZenMonitor.monitor/1`
// checks nothing. `find_node/1` sends anything but a pid or a 2-tuple to this node's
// Connector, a 2-tuple to the Connector of its second element; the Connector subscribes
// it at the next sweep, and the Proxy's `Process.monitor/1` of it raises badarg: the Proxy
// crashes, every Connector watching that Proxy fires its monitors with :nodedown and marks
// the node incompatible for 2 s, and the Proxy supervisor restarts it (with the Batcher
// registry). A 2-tuple whose second element is not an atom crashes the caller in
// `Connector.get_for_node/1`, after its References row is in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, bin, int, list, tuple, type Pid, type Term } from '../../../core/terms.js';
import type { Ctx, Yielded } from '../../../sim/beam/process.js';
import { sleeper } from '../helpers.js';
import { A, B, cluster, Probe, runForMs, showDown, zenDown } from './harness.js';

const FAST = { connector_sweep_interval: 10, batcher_sweep_interval: 10, demand_interval: 10 };
const KILL = atom('kill');
const NODEDOWN = 'nodedown';
/** `{:function_clause, [{ZenMonitor.Local.Connector, :get_for_node, [1], []}]}`. */
const NO_CLAUSE = tuple(atom('function_clause'), list([tuple(atom('Elixir.ZenMonitor.Local.Connector'), atom('get_for_node'), list([int(1)]), list([]))]));

function badargMonitor(target: Term): Term {
  return tuple(atom('badarg'), list([tuple(atom('erlang'), atom('monitor'), list([atom('process'), target]), list([]))]));
}

test('a malformed target (a binary) crashes the Proxy of the caller\'s own node with badarg; every Connector watching it fires :nodedown; the Proxy is restarted and usable after the 2 s penalty', () => {
  const { world, zen } = cluster({ zen: FAST });
  const onA = new Probe(world, zen, A);
  const onB = new Probe(world, zen, B);
  const localT = world.spawn(A, sleeper);
  const fromB = world.spawn(A, sleeper);
  const r1 = onA.monitor(localT);
  const r2 = onB.monitor(fromB);
  runForMs(world, 50);
  const proxy = zen.pidOf(A, 'proxy') as Pid;
  const bad = bin(new TextEncoder().encode('a string'));
  const rBad = onA.monitor(bad);
  runForMs(world, 100);
  assert.equal(world.proc(proxy)?.exitReason, badargMonitor(bad));
  const again = zen.pidOf(A, 'proxy');
  assert.ok(again !== undefined && again !== proxy, 'restarted by its supervisor');
  // a's own Connector for a, and b's Connector for a, each saw a's Proxy go down.
  assert.equal(onA.downMsgs().map(showDown).sort(), [zenDown(r1, localT, NODEDOWN), zenDown(rBad, bad, NODEDOWN)].map(showDown).sort());
  assert.equal(onB.downMsgs().map(showDown), [zenDown(r2, fromB, NODEDOWN)].map(showDown));
  assert.equal(onB.compatibilityForNode(A), 'incompatible');
  // After the penalty the Connector pings the new Proxy: monitors work again.
  runForMs(world, 2100);
  assert.equal(onB.compatibilityForNode(A), 'compatible');
  const t = world.spawn(A, sleeper);
  const r3 = onB.monitor(t);
  runForMs(world, 50);
  world.exit(t, KILL);
  runForMs(world, 100);
  assert.equal(onB.downMsgs().at(-1), zenDown(r3, t, 'killed'));
});

test('{"x", :"b@h"}: find_node/1 gives b, so b\'s Proxy crashes; a\'s monitors of b\'s processes fire :nodedown', () => {
  const { world, zen } = cluster({ zen: FAST });
  const probe = new Probe(world, zen, A);
  const t = world.spawn(B, sleeper);
  const r = probe.monitor(t);
  runForMs(world, 50);
  const proxy = zen.pidOf(B, 'proxy') as Pid;
  const bad = tuple(bin(new TextEncoder().encode('x')), atom(B));
  const rBad = probe.monitor(bad);
  runForMs(world, 100);
  assert.equal(world.proc(proxy)?.exitReason, badargMonitor(bad));
  assert.ok(zen.pidOf(B, 'proxy') !== proxy);
  assert.equal(probe.downMsgs().map(showDown).sort(), [zenDown(r, t, NODEDOWN), zenDown(rBad, bad, NODEDOWN)].map(showDown).sort());
});

/** A process that runs `body` as its generator init (its crash is its own). */
function spawnRunning(world: ReturnType<typeof cluster>['world'], body: (ctx: Ctx) => Generator<Yielded, void, unknown>): Pid {
  return world.spawn(A, { init: body, handle() {} });
}

test('{:name, 1}: the caller crashes in Connector.get_for_node/1 (function_clause); its References row stays; nothing reaches a Connector', () => {
  const { world, zen } = cluster({ zen: FAST });
  const bad = tuple(atom('name'), int(1));
  const caller = spawnRunning(world, function* (ctx) {
    yield* zen.timed.monitor(ctx, bad);
  });
  runForMs(world, 50);
  assert.equal(world.proc(caller)?.exitReason, NO_CLAUSE);
  assert.is(zen.app(A)?.tables.references.size, 1, 'the row is never taken');
  assert.equal([...(zen.app(A)?.connectors.keys() ?? [])], [], 'no Connector was asked');
});

test('{:name, 1} from a process Local already watches: its death makes Local crash on the row (function_clause), and the restart loses every monitor made before (F3)', () => {
  const { world, zen } = cluster({ zen: FAST });
  const watcher = new Probe(world, zen, A);
  const t = world.spawn(B, sleeper);
  const lost = watcher.monitor(t);
  const local = zen.pidOf(A, 'local') as Pid;
  const crasher = spawnRunning(world, function* (ctx) {
    yield* zen.timed.monitor(ctx, world.spawn(B, sleeper)); // Local now watches this process
    yield ctx.receive(() => false, 50);
    yield* zen.timed.monitor(ctx, tuple(atom('name'), int(1)));
  });
  runForMs(world, 100);
  assert.is(world.alive(crasher), undefined);
  assert.equal(world.proc(local)?.exitReason, NO_CLAUSE, 'Local crashed demonitoring the row through get_for_node(1)');
  assert.ok(zen.pidOf(A, 'local') !== undefined && zen.pidOf(A, 'local') !== local, 'Local was restarted');
  world.exit(t, KILL);
  runForMs(world, 1000);
  assert.equal(watcher.downsFor(lost), [], "the watcher's monitor, made before Local's crash, never fires");
});

test.run();
