// ZenMonitor across cluster topologies (spec §3-7): one Connector per remote node on the
// subscriber's node, one Batcher per remote Connector on the Proxy's node, one Local and
// Dispatcher per node. Fan-out: N subscriber nodes get their certificates in N separate
// {:dead} sends and drain at once, each at its own rate; fan-in: one node's Dispatcher
// drains the DOWNs of every remote node at its one rate; several subscribers of a target
// on one node share one Proxy subscription and each get their own DOWN.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, type Pid } from '../../../core/terms.js';
import { param } from '../../../sim/run/params.js';
import { runScenario } from '../../../sim/run/runner.js';
import { defineScenario, type Scenario } from '../../../sim/run/scenario.js';

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}@h`);

/**
 * `subNodes` nodes of `subsPerNode` subscribers; `targetNodes` nodes of `targetsPerNode`
 * targets; every subscriber monitors every target; `killed` targets of each target node
 * are killed on their node at the trigger.
 */
const topology = defineScenario({
  name: 'topology',
  description: 'subscribers on several nodes, targets on several nodes',
  params: {
    subNodes: param.int(1, 'subscriber nodes', { min: 1 }),
    subsPerNode: param.int(1, 'subscribers a node', { min: 1 }),
    targetNodes: param.int(1, 'target nodes', { min: 1 }),
    targetsPerNode: param.int(10, 'targets a node', { min: 1 }),
    killed: param.int(10, 'targets killed a node', { min: 0 }),
  },
  cluster: (p) => ({ nodes: [...names('s', p.subNodes as number), ...names('t', p.targetNodes as number)].map((name) => ({ name, schedulers: 2 })) }),
  script: (run, p) => {
    const [subs, tns] = [names('s', p.subNodes as number), names('t', p.targetNodes as number)];
    const perNode = p.targetsPerNode as number;
    const killed = p.killed as number;
    run.expectDowns(subs.length * (p.subsPerNode as number) * tns.length * killed);
    for (const s of subs) for (const t of tns) run.connect(s, t);
    const targets: Pid[][] = tns.map((t) => run.spawnMany(t, perNode));
    run.when(
      () => subs.every((s) => tns.every((t) => run.connected(s, t))),
      () => {
        for (const s of subs) {
          for (let i = 0; i < (p.subsPerNode as number); i++) {
            run.subscriber(s, {
              setup: function* (ctx) {
                for (const t of targets.flat()) yield* run.timed.monitor(ctx, t);
              },
            });
          }
        }
      },
    );
    run.when(
      () => run.established() >= subs.length * tns.length * perNode,
      () =>
        run.at(run.world.nowUs / 1000 + 300, () => {
          run.trigger();
          for (const ts of targets) for (const v of ts.slice(0, killed)) run.world.exit(v, atom('kill'));
          run.endWhenDrained(10_000);
        }),
    );
  },
}) as unknown as Scenario;

const zenRun = (params: Record<string, number>, zen: Record<string, number>) => {
  const r = runScenario(topology, { seed: 1, params: { ...params, mode: 'zen' }, set: Object.entries(zen).map(([k, v]) => [`zen.${k}`, String(v)]) }).runs[0];
  assert.ok(r !== undefined && r.end === 'drained' && r.downs.missing === 0 && r.downs.duplicates === 0);
  return r;
};

test('fan-out: each subscriber node gets its certificates in its own Batcher sweeps and drains them at its own rate', () => {
  // 4 nodes of 3 subscribers, 10 deaths, batcher chunk 4: 3 {:dead} sends to each node (4, 4, 2
  // certificates), 30 DOWNs a node at 7 per ~51 ms: 5 ticks, the last 204 ms after the first.
  const r = zenRun({ subNodes: 4, subsPerNode: 3 }, { batcher_chunk_size: 4, demand_amount: 7, demand_interval: 50 });
  const links = Object.entries(r.network.links);
  const fromT = links.filter(([k]) => k.startsWith('t1@h->'));
  assert.is(fromT.length, 4);
  // The pong, the Batcher's monitor of its Connector, then 3 sweeps: the same on every link.
  for (const [, l] of fromT) assert.equal(l, fromT[0]?.[1]);
  assert.is(fromT[0]?.[1].messages, 5);
  for (const n of names('s', 4)) {
    const d = r.nodes[n]?.downs;
    assert.is(d?.delivered, 30);
    const span = (d?.lastMs as number) - (d?.firstMs as number);
    assert.ok(span >= 204 && span < 205, `${n}: ${span} ms from first to last`);
  }
});

test('fan-in: one subscriber\'s DOWNs from several nodes share its node\'s one Dispatcher rate', () => {
  // 4 target nodes of 10 deaths: 40 DOWNs at 7 per ~51 ms on one node, 6 ticks: 255 ms
  // from first to last, where each remote node alone would take 2 ticks.
  const r = zenRun({ targetNodes: 4 }, { demand_amount: 7, demand_interval: 50 });
  assert.is(r.nodes['s1@h']?.downs.delivered, 40);
  const span = (r.downs.lastMs as number) - (r.downs.firstMs as number);
  assert.ok(span >= 255 && span < 256, `${span} ms from first to last`);
  assert.is(Object.keys(r.network.links).filter((k) => k.endsWith('->s1@h')).length, 4);
});

test('several subscribers of one target on one node: one Proxy subscription, the same bytes on the wire, one DOWN each', () => {
  const one = zenRun({ subsPerNode: 1, targetsPerNode: 3, killed: 1 }, {});
  const three = zenRun({ subsPerNode: 3, targetsPerNode: 3, killed: 1 }, {});
  assert.is(one.downs.delivered, 1);
  assert.is(three.downs.delivered, 3);
  assert.equal(three.network.links, one.network.links, 'subscriptions are made per target, not per subscriber');
});

test.run();
