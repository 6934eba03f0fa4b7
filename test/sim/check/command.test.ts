// `zensim check`: the command line (bad input refused with one line), schedules as JSON
// (parsed strictly, replayed exactly), and the whole loop on a property that the real
// core breaks (a documented finding): the suite fails, shrinks to a small schedule,
// writes it to a replay file and prints one command; that command replays the same
// failure and writes the trace.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadReplay, replaySchedule, runCheck } from '../../../sim/check/command.js';
import { runSchedule } from '../../../sim/check/run.js';
import { parseSchedule, scheduleJson, withSettings, type Schedule } from '../../../sim/check/schedule.js';
import { parseArgs } from '../../../sim/cli.js';
import { InputError } from '../../../sim/run/params.js';
import { inspect } from '../../../core/inspect.js';
import { atom } from '../../../core/terms.js';
import { A, B, cli, connect, makeWorld, runUntil, sleeper } from '../helpers.js';

const TMP = mkdtempSync(join(tmpdir(), 'zensim-check-test-'));

const SMALL: Schedule = {
  version: 1,
  seed: 7,
  nodes: [
    { schedulers: 2, zen: true },
    { schedulers: 1, zen: true },
  ],
  zen: { demand_amount: 2, connector_sweep_interval: 20 },
  procs: [0, 1, 1],
  steps: [
    { atMs: 0, op: 'monitor', sub: 0, target: 1 },
    { atMs: 0, op: 'monitor', sub: 0, target: 2 },
    { atMs: 50, op: 'demonitor', monitor: 1 },
    { atMs: 300, op: 'kill', proc: 1, reason: 4 },
    { atMs: 400, op: 'partition', a: 0, b: 1 },
  ],
  faultsEndMs: 1000,
};

test('parseArgs: check with its options; defaults 100 runs, seed 1, faults and racing flushes on', () => {
  assert.equal(parseArgs(['check']), { kind: 'check', runs: 100, seed: 1, zen: [], arb: { faults: true, racing: true }, quiet: false });
  assert.equal(
    parseArgs(['check', '--runs', '5', '--seed', '9', '--property', 'no-down-after-flush', '--set', 'zen.demand_amount=500', '--no-faults', '--quiet']),
    { kind: 'check', runs: 5, seed: 9, property: 'no-down-after-flush', zen: [['demand_amount', 500]], arb: { faults: false, racing: true }, quiet: true },
  );
  assert.equal(parseArgs(['check', '--replay', 'f.json', '--trace', 't.jsonl']), {
    kind: 'check',
    runs: 100,
    seed: 1,
    zen: [],
    arb: { faults: true, racing: true },
    replay: { file: 'f.json' },
    trace: 't.jsonl',
    quiet: false,
  });
});

test('parseArgs: bad input is one InputError line', () => {
  for (const [argv, message] of [
    [['check', '--runs', '0'], '--runs must be a positive integer'],
    [['check', '--property', 'nope'], "unknown property 'nope'"],
    [['check', '--set', 'zen.nope=1'], 'unknown zen_monitor config key "nope"'],
    [['check', '--set', 'zen.demand_amount=0'], '"demand_amount" must be a positive integer'],
    [['check', '--set', 'targets=3'], 'zensim check takes ZenMonitor settings only'],
    [['check', '--trace', 't.jsonl'], '--trace needs --replay'],
    [['check', '--replay', 'a', '--replay-inline', 'b'], 'not both'],
  ] as const) {
    try {
      parseArgs([...argv]);
      assert.unreachable(`${argv.join(' ')} was accepted`);
    } catch (e) {
      assert.instance(e, InputError, argv.join(' '));
      assert.ok((e as Error).message.includes(message), `${argv.join(' ')}: ${(e as Error).message}`);
      assert.not.ok((e as Error).message.includes('\n'));
    }
  }
});

test('schedules: JSON round trip; bad files are refused naming the problem', () => {
  assert.equal(parseSchedule(scheduleJson(SMALL), 'x'), SMALL);
  for (const [text, message] of [
    ['nope', 'not JSON'],
    ['{"version":2}', 'unknown schedule version 2'],
    [JSON.stringify({ ...SMALL, nodes: [] }), 'nodes must be a list of 1 to 16'],
    [JSON.stringify({ ...SMALL, zen: { demand_amount: -1 } }), 'zen.demand_amount'],
    [JSON.stringify({ ...SMALL, steps: [{ atMs: 0, op: 'explode' }] }), 'unknown op "explode"'],
    [JSON.stringify({ ...SMALL, steps: [{ atMs: 0, op: 'kill', proc: 1 }] }), 'kill needs reason'],
    [JSON.stringify({ ...SMALL, steps: [{ atMs: -1, op: 'spawn', node: 0 }] }), 'atMs must be a number >= 0'],
  ] as const) {
    try {
      parseSchedule(text, 'f.json');
      assert.unreachable(`${text} was accepted`);
    } catch (e) {
      assert.instance(e, InputError);
      assert.ok((e as Error).message.startsWith('f.json'), (e as Error).message);
      assert.ok((e as Error).message.includes(message), (e as Error).message);
    }
  }
  assert.equal(withSettings(SMALL, [['demand_amount', 7]]).zen, { demand_amount: 7, connector_sweep_interval: 20 });
});

test('a schedule replays exactly: same traceHash and events, run after run; another seed, another hash', () => {
  const a = runSchedule(SMALL);
  const b = runSchedule(parseSchedule(scheduleJson(SMALL), 'x'));
  assert.is(b.traceHash, a.traceHash);
  assert.is(b.events, a.events);
  assert.is.not(runSchedule({ ...SMALL, seed: 8 }).traceHash, a.traceHash);
  assert.ok(a.quiet);
});

test('world hooks the checker reads: onExit (with the reason; a crash too) and onConnection (down and up, each side)', () => {
  const w = makeWorld();
  const exits: string[] = [];
  const conns: string[] = [];
  w.onExit = (p, reason) => exits.push(`${p.pid.node}:${inspect(reason)}`);
  w.onConnection = (node, peer, up) => conns.push(`${w.nowUs} ${node}>${peer} ${up ? 'up' : 'down'}`);
  connect(w, A, B);
  const a = w.spawn(A, sleeper);
  w.spawn(B, sleeper);
  w.exit(a, atom('boom'));
  runUntil(w, w.nowUs + 10);
  w.crash(B);
  runUntil(w, w.nowUs + 100_000);
  assert.equal(exits, [`${A}::boom`, `${B}::killed`]);
  assert.equal(conns, [`1000 ${A}>${B} up`, `1000 ${B}>${A} up`, `${1010 + w.net.config.resetDelayUs} ${A}>${B} down`]);
});

test('a failing property shrinks to a small schedule in a replay file; its one-line command replays the same failure and writes the trace', async () => {
  const dir = join(TMP, 'replays');
  const report = runCheck({ property: 'no-leaks-when-quiet', runs: 60, seed: 1, replayDir: dir });
  assert.not.ok(report.ok);
  const f = report.outcomes[0]?.failure;
  assert.ok(f !== undefined && f.replayFile !== undefined);
  assert.ok(f.schedule.steps.length <= 3, `shrunk to ${f.schedule.steps.length} steps: ${scheduleJson(f.schedule)}`);
  assert.is(f.finding?.id, 'F2', 'a documented finding');
  assert.ok(existsSync(f.replayFile));
  assert.is(f.command, `npx zensim check --property no-leaks-when-quiet --replay ${f.replayFile} --trace trace.jsonl`);
  // The file and the inline form are the same schedule, and replay to the same failure.
  const fromFile = await loadReplay({ file: f.replayFile });
  assert.equal(fromFile, f.schedule);
  assert.equal(await loadReplay({ inline: f.inline }), f.schedule);
  const again = replaySchedule(fromFile, { property: 'no-leaks-when-quiet' });
  assert.not.ok(again.ok);
  const verdict = again.outcomes[0]?.verdict;
  assert.is(verdict !== undefined && !verdict.ok ? verdict.why : '', f.why);
  // Through the command line: exit 1, the failure printed, the trace written (one JSON event per line).
  const trace = join(TMP, 'trace.jsonl');
  const run = await cli(['check', '--property', 'no-leaks-when-quiet', '--replay', f.replayFile, '--trace', trace]);
  assert.is(run.code, 1);
  assert.ok(run.out.includes(f.why), run.out);
  assert.ok(run.out.includes('F2'), 'names the finding');
  const lines = readFileSync(trace, 'utf8').trim().split('\n');
  assert.is(lines.length, again.events);
  assert.ok(lines.every((l) => typeof JSON.parse(l).us === 'number'));
});

test('the command line: a passing check exits 0; a replay of a passing schedule exits 0; bad input exits 2 with one line', async () => {
  const ok = await cli(['check', '--runs', '3', '--property', 'dispatcher-rate-bounded', '--quiet']);
  assert.is(ok.code, 0, ok.out + ok.err);
  assert.is(ok.out, '');
  const file = join(TMP, 'small.json');
  writeFileSync(file, scheduleJson(SMALL));
  const replay = await cli(['check', '--replay', file]);
  assert.is(replay.code, 0, replay.out);
  assert.ok(replay.out.includes('ok    exactly-one-down-per-undemonitored-monitor'));
  const bad = await cli(['check', '--replay', join(TMP, 'missing.json')]);
  assert.is(bad.code, 2);
  assert.is(bad.err, `zensim: --replay ${join(TMP, 'missing.json')}: no such file\n`);
  const badSet = await cli(['check', '--set', 'zen.demand_interval=x']);
  assert.is(badSet.code, 2);
  assert.ok(badSet.err.startsWith('zensim: --set zen.demand_interval:'), badSet.err);
});

test.run();
