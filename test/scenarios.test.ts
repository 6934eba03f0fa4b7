// Every shipped scenario, at a small scale: it runs in both modes, delivers what it
// expects, and is deterministic: the same seed gives the same traceHash (and the same
// result document), another seed another hash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import amplification from '../scenarios/amplification.js';
import componentRestart from '../scenarios/component_restart.js';
import fanout from '../scenarios/fanout.js';
import herd from '../scenarios/herd.js';
import partition from '../scenarios/partition.js';
import stress from '../scenarios/stress.js';
import { runScenario } from '../sim/run/runner.js';
import type { Scenario } from '../sim/run/scenario.js';

const SMALL: [Scenario, Record<string, unknown>][] = [
  [herd as never, { targets: 500 }],
  [stress as never, { targets: 2000, killed: 200, windowMs: 1500 }],
  [amplification as never, { subscribers: 50, reasonBinaryBytes: 10_000 }],
  [fanout as never, { nodes: 3, watchersPerNode: 100 }],
  [partition as never, { targets: 50, killed: 5, netTicktimeS: 4, healAfterMs: 10_000 }],
  [componentRestart as never, { kill: 'proxy' }],
];

for (const [sc, params] of SMALL) {
  test(`${sc.name}: the same seed gives the same traceHash and document; another seed another hash`, () => {
    const a = runScenario(sc, { seed: 11, params });
    const b = runScenario(sc, { seed: 11, params });
    const c = runScenario(sc, { seed: 12, params });
    assert.match(a.traceHash, /^[0-9a-f]{16}$/);
    assert.is(a.traceHash, b.traceHash);
    assert.equal(a, b);
    assert.is.not(a.traceHash, c.traceHash);
    assert.equal(a.runs.map((r) => r.mode), ['vanilla', 'zen']);
  });
}

test('herd: every DOWN delivered once in both modes; zen keeps the subscriber mailbox small', () => {
  const [vanilla, zen] = runScenario(herd as never, { params: { targets: 5000 } }).runs;
  for (const r of [vanilla, zen]) {
    assert.is(r?.downs.delivered, 5000);
    assert.is(r?.downs.duplicates, 0);
    assert.is(r?.downs.missing, 0);
  }
  assert.ok((vanilla?.subscribers.mailboxPeak ?? 0) >= 5000);
  assert.ok((zen?.subscribers.mailboxPeak ?? Infinity) <= 1000 + 50);
});

test('amplification: vanilla sends the reason once per monitor, zen once; zen truncates it', () => {
  const [vanilla, zen] = runScenario(amplification as never, { params: { subscribers: 100, reasonBinaryBytes: 100_000 } }).runs;
  const bytes = (r: typeof vanilla) => r?.network.links['b@127.0.0.1->a@127.0.0.1']?.bytes ?? 0;
  assert.ok(bytes(vanilla) > 100 * 100_000, `vanilla b->a ${bytes(vanilla)}`);
  assert.ok(bytes(zen) < 20_000, `zen b->a ${bytes(zen)}`);
  assert.match(zen?.downs.sample ?? '', /\{:zen_monitor, \{:boom, "abc.*\.\.\.", :truncated, :truncated\}\}\}$/);
  // Each subscriber keeps its DOWN: vanilla holds 100 decoded copies of the reason on a.
  const grown = (r: typeof vanilla) => (r?.nodes['a@127.0.0.1']?.memory.peakBytes ?? 0) - (r?.nodes['a@127.0.0.1']?.memory.baselineBytes ?? 0);
  assert.ok(grown(vanilla) > 100 * 100_000, `vanilla a grew ${grown(vanilla)} bytes`);
  assert.ok(grown(zen) < 1_000_000, `zen a grew ${grown(zen)} bytes`);
});

test('partition: nodedown only after the tick timeout, then re-monitored targets report their real reason', () => {
  const [vanilla, zen] = runScenario(partition as never, { params: { targets: 20, killed: 3, netTicktimeS: 4 } }).runs;
  for (const r of [vanilla, zen]) {
    assert.is(r?.downs.delivered, 23);
    // net_ticktime 4 s: detection between 3 and 5 s after the cut.
    assert.ok((r?.downs.firstMs ?? 0) >= 3000 && (r?.downs.firstMs ?? 0) <= 5100, `first DOWN ${r?.downs.firstMs}`);
  }
  assert.match(zen?.downs.sample ?? '', /:zen_monitor, :nodedown/);
});

test('component_restart: vanilla loses nothing (no ZenMonitor to kill); zen loses the monitor made before a Connector kill', () => {
  const [vanilla, zen] = runScenario(componentRestart as never, { params: { kill: 'connector' } }).runs;
  assert.is(vanilla?.downs.missing, 0);
  assert.is(vanilla?.notes?.lost, 'none');
  assert.is(zen?.downs.missing, 1);
  assert.is(zen?.notes?.lost, 'T1');
  assert.is(zen?.end, 'time');
});

test.run();
