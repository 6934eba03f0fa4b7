// `zensim check --export-exunit`: a schedule exported as an ExUnit test for real BEAM nodes.
// Every step kind has an exported form that calls a function of the runtime template; the
// checked-in exports (each finding's, and two golden schedules) are what the exporter
// writes today; and the generated Elixir compiles, with no warning, against a stub of the
// ZenMonitor API (test/sim/check/exunit/zen_monitor_stub.ex), so that a call the real
// library lacks fails here. Elixir comes from Debian's `elixir` package (.ci/run installs
// it); all generated files are compiled by one `elixir` invocation.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { scheduleArb } from '../../../sim/check/arbitraries.js';
import { elixirTerm, moduleSegment } from '../../../sim/check/elixir.js';
import { exportExunit, exunitModule, findingExports, stepCall, writeExunitExports } from '../../../sim/check/exunit.js';
import { REASONS, type Op, type Schedule, type Step } from '../../../sim/check/schedule.js';
import { cli } from '../helpers.js';
import { expectedExports, goldenExports, load } from './exunit/regen.js';

const TMP = mkdtempSync(join(tmpdir(), 'zensim-exunit-test-'));
const TEMPLATE = readFileSync('sim/check/exunit.template.exs', 'utf8');

/** One step of each kind (a new kind fails to type-check here until it has one). */
const ONE_OF_EACH: Record<Op, Step> = {
  spawn: { atMs: 0, op: 'spawn', node: 1 },
  monitor: { atMs: 0, op: 'monitor', sub: 0, target: 1 },
  demonitor: { atMs: 1, op: 'demonitor', monitor: 0 },
  demonitor_flush: { atMs: 2, op: 'demonitor_flush', monitor: 0, raceUs: 4 },
  kill: { atMs: 3, op: 'kill', proc: 1, reason: 0 },
  subscriber_exit: { atMs: 4, op: 'subscriber_exit', proc: 0, reason: 2 },
  crash: { atMs: 5, op: 'crash', node: 1 },
  restart: { atMs: 6, op: 'restart', node: 1 },
  partition: { atMs: 7, op: 'partition', a: 0, b: 1 },
  partition_one_way: { atMs: 8, op: 'partition_one_way', a: 1, b: 0 },
  heal: { atMs: 9, op: 'heal', a: 0, b: 1 },
  latency: { atMs: 10, op: 'latency', a: 0, b: 1, ms: 300 },
  stop_zen: { atMs: 11, op: 'stop_zen', node: 0 },
  start_zen: { atMs: 12, op: 'start_zen', node: 0 },
  connect: { atMs: 13, op: 'connect', a: 1, b: 0 },
  kill_zen: { atMs: 14, op: 'kill_zen', node: 0, component: 0, peer: 1 },
  monitor_burst: { atMs: 14, op: 'monitor_burst', sub: 0, target: 1, count: 3 },
  remonitor: { atMs: 15, op: 'remonitor', monitor: 0 },
  flush_others_on_down: { atMs: 16, op: 'flush_others_on_down', monitor: 0 },
  kill_burst: { atMs: 17, op: 'kill_burst', proc: 0, count: 2, reason: 4 },
  restart_zen: { atMs: 18, op: 'restart_zen', node: 0 },
  send: { atMs: 19, op: 'send', proc: 0, to: 1, count: 2 },
  erts_monitor: { atMs: 20, op: 'erts_monitor', sub: 0, target: 1 },
  send_after: { atMs: 21, op: 'send_after', proc: 0, ms: 5 },
};

test('every step kind has an exported form, a call of a public function of the runtime with the step\'s fields', () => {
  for (const [op, step] of Object.entries(ONE_OF_EACH)) {
    const call = stepCall(step);
    const fn = call.slice(0, call.indexOf('('));
    assert.ok(new RegExp(`\\n  def ${fn}\\(run, `).test(TEMPLATE), `${op}: the runtime has no def ${fn}(run, …)`);
  }
  assert.is(stepCall(ONE_OF_EACH.demonitor_flush), 'demonitor_flush_racing(&1, 0, 4)');
  assert.is(stepCall({ atMs: 0, op: 'demonitor_flush', monitor: 2 }), 'demonitor_flush(&1, 2)');
  assert.is(stepCall(ONE_OF_EACH.kill), 'kill(&1, 1, :kill)');
  assert.is(stepCall({ atMs: 0, op: 'kill', proc: 1, reason: 9 }), 'kill(&1, 1, :kill)', 'reason indices are taken modulo the reasons, as in a run');
  assert.is(stepCall(ONE_OF_EACH.latency), 'latency(&1, 0, 1, 300)');
  assert.is(stepCall(ONE_OF_EACH.kill_zen), 'kill_zen(&1, 0, :connector, 1)');
  assert.is(stepCall({ atMs: 0, op: 'kill_zen', node: 1, component: 3, peer: 0 }), 'kill_zen(&1, 1, :proxy, 0)');
});

test('exit reasons as Elixir literals: the same terms the simulation kills with', () => {
  assert.equal(
    REASONS.map((r) => elixirTerm(r.term())),
    [
      ':kill',
      ':normal',
      ':shutdown',
      '{:shutdown, [:a, :b, :c, :d, :e, :f, :g]}',
      '{:boom, {:deep, {:deeper, {:deepest, :x}}}}',
      ':binary.copy("x", 2000)',
      '{1, 2, 3, 4, 5, 6}',
      '%{:code => 7, :why => [:a, [:b, [:c]]]}',
      '{:error, :econnreset}',
    ],
  );
  assert.is(elixirTerm({ t: 'atom', v: 'Elixir.Foo' }), ':"Elixir.Foo"');
  assert.is(elixirTerm({ t: 'bin', bytes: new TextEncoder().encode('a"b#{c}') }), '"a\\"b\\#{c}"');
  assert.is(elixirTerm({ t: 'bits', bytes: new Uint8Array([1, 0b10100000]), bitSize: 11 }), '<<1, 5::size(3)>>');
  assert.is(moduleSegment('flush-race.exs'), 'FlushRace');
  assert.is(exunitModule('out/2-nodes_x.exs'), 'ZensimExport.Schedule2NodesXTest');
});

test('an export names its source, its properties and its trials, and says where real BEAM differs', () => {
  const s = load('docs/findings/flush-race.json');
  const text = exportExunit(s, { source: 'flush-race.json', file: 'f1.exs', property: 'no-down-after-flush' });
  assert.ok(text.includes('defmodule ZensimExport.F1Test do'));
  assert.ok(text.includes('{"no-down-after-flush", "after demonitor(ref, [:flush]) returns, no DOWN for ref is in the mailbox, then or later", &no_down_after_flush/1}'));
  assert.ok(!text.includes('&no_leaks_when_quiet/1'), 'one property asked, one judged');
  assert.ok(text.includes('_ -> 50 end)'), 'a racing flush runs 50 trials by default');
  assert.ok(text.includes('@reuse_cluster true'), 'no faults: the nodes serve every trial');
  assert.ok(text.includes('traces what the Dispatcher receives'), 'the racing flush is explained');
  const all = exportExunit(s, { source: 'flush-race.json', file: 'f1.exs', trials: 3 });
  assert.ok(all.includes('_ -> 3 end)'));
  assert.match(all, /# Not judged here: [\s\S]*same-seed-same-trace \(the simulation replays a schedule exactly;\s+(# )?real BEAM does not\)/);
  assert.ok(all.includes('&exactly_one_down_per_undemonitored_monitor/1') && all.includes('&dispatcher_rate_bounded/1'));
});

test('a schedule with faults: a fresh cluster per trial, zensim\'s settle time, compile-time settings kept out of the app env', () => {
  const text = exportExunit(load('test/sim/check/exunit/golden/every-step.json'), { source: 'every-step.json', file: 'x.exs' });
  assert.ok(text.includes('@reuse_cluster false') && text.includes('@settle_ms 13000'));
  assert.ok(text.includes('@zen_env [connector_sweep_interval: 20, demand_amount: 3, gen_module: GenServer]'));
  assert.ok(text.includes('@zen_compile [truncation_depth: 2, max_binary_size: 1024]'));
  assert.ok(text.includes('{:binary.copy("x", 1100), {:b, {:c, {:d, {:e}}}}}, {:binary.copy("x", 1021) <> "...", {:truncated, :truncated}}'), 'the Truncator probe at depth 2');
  assert.ok(text.includes('{{:boom, {:deep, {:deeper, {:deepest, :x}}}}, {:boom, {:truncated, :truncated}}}'), 'the expected reason at depth 2');
  for (const word of ['SIGKILL', 'wrong cookie', 'loopback has no latency control', 'Application.stop(:zen_monitor)']) assert.ok(text.includes(word), word);
});

test('the checked-in exports (each finding\'s; two golden schedules\' own parts) are what the exporter writes (npm run export:exunit)', () => {
  for (const { file, text } of expectedExports()) {
    assert.ok(existsSync(file), `${file} is missing: run npm run export:exunit`);
    assert.ok(readFileSync(file, 'utf8') === text, `${file} is stale: run npm run export:exunit and review the diff`);
  }
});

test('zensim check --replay FILE --export-exunit OUT.exs writes the test; a bad name is refused with one line', async () => {
  mkdirSync(join(TMP, 'ex dir'));
  const out = join(TMP, 'ex dir', 'race.exs');
  const r = await cli(['check', '--replay', 'docs/findings/flush-race.json', '--property', 'no-down-after-flush', '--export-exunit', out]);
  assert.is(r.code, 1, 'the replay still fails (F1)');
  assert.ok(r.out.includes(`ExUnit test: ${out}  (mix test '${out}')\n`), r.out);
  assert.ok(exportExunit(load('docs/findings/flush-race.json'), { source: 'x', file: 'my race.exs' }).includes("\n# Run it in a Mix project that depends on zen_monitor 2.1:  mix test 'my race.exs'\n"), 'the header quotes it too');
  assert.ok(readFileSync(out, 'utf8').includes('defmodule ZensimExport.RaceTest do'));
  const bad = await cli(['check', '--replay', 'docs/findings/flush-race.json', '--export-exunit', join(TMP, 'race.ex')]);
  assert.is(bad.code, 2);
  assert.is(bad.err.trim().split('\n').length, 1, bad.err);
  assert.ok(bad.err.includes('--export-exunit'));
});

test('a failing check with several failing properties writes one test per property, named after it', () => {
  const s = load('docs/findings/flush-race.json');
  const out = join(TMP, 'failed.exs');
  const files = writeExunitExports(out, [
    { schedule: s, source: 'a.json', property: 'no-down-after-flush' },
    { schedule: s, source: 'b.json', property: 'no-leaks-when-quiet' },
  ]);
  assert.equal(files, [join(TMP, 'failed-no-down-after-flush.exs'), join(TMP, 'failed-no-leaks-when-quiet.exs')]);
  assert.ok(readFileSync(files[1] as string, 'utf8').includes('defmodule ZensimExport.FailedNoLeaksWhenQuietTest do'));
  assert.ok(readFileSync(files[1] as string, 'utf8').includes('&no_leaks_when_quiet/1}\n    ])'));
  assert.equal(writeExunitExports(out, [{ schedule: s, source: 'a.json' }]), [out], 'one schedule: the file named');
});

test('the generated Elixir compiles without a warning against the ZenMonitor API stub (one elixir run for every file)', () => {
  const files = findingExports(load).map((e) => join(process.cwd(), e.file));
  // The golden schedules and a random one, as a failing check would export them.
  const random = (fc.sample(scheduleArb(), { seed: 15, numRuns: 1 }) as Schedule[]).map((s, i) => ({
    file: `random-${i}.exs`,
    text: exportExunit(s, { source: `random ${i}`, file: `random-${i}.exs` }),
  }));
  for (const { file, text } of [...goldenExports(), ...random]) {
    writeFileSync(join(TMP, file), text);
    files.push(join(TMP, file));
  }
  const r = spawnSync('elixir', ['compile_check.exs', ...files], { cwd: 'test/sim/check/exunit', encoding: 'utf8' });
  if (r.error !== undefined) assert.unreachable(`elixir could not run (${r.error.message}): install Debian's elixir package (apt-get install elixir; .ci/run does)`);
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  for (const f of files) {
    const name = exunitModule(f);
    assert.ok(r.stdout.includes(`compiled ${name}\n`) && r.stdout.includes(`compiled ${name}.Probe\n`), `${name} was not compiled:\n${r.stdout}`);
  }
});

test.run();
