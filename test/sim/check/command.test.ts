// `zensim check`: the command line (every bad invocation refused with one line and exit
// 2, nothing written), replay files validated as strictly as the command line, schedules
// replayed exactly, and the whole loop: a failing class is shrunk to a small schedule
// kept in its class, written to a replay file, printed with one command that replays it;
// a crashing run is a failure of its own; documented findings exit 1 unless
// --allow-known; a read-only folder still prints the schedule; an interrupted check
// prints what it found; progress shows on a terminal.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadReplay, replaySchedule, reportLines, runCheck } from '../../../sim/check/command.js';
import { runSchedule } from '../../../sim/check/run.js';
import { parseSchedule, scheduleJson, withSettings, type Schedule } from '../../../sim/check/schedule.js';
import { connectorStep } from '../../../core/connector.js';
import { parseArgs } from '../../../sim/cli_parse.js';
import { InputError } from '../../../sim/run/params.js';
import { inspect } from '../../../core/inspect.js';
import { atom } from '../../../core/terms.js';
import { A, B, cli, connect, makeWorld, runUntil, sleeper } from '../helpers.js';

const TMP = mkdtempSync(join(tmpdir(), 'zensim-check-test-'));
/** Runs of no-leaks-when-quiet (seed 1) that meet finding F2 at least once. */
const F2_RUNS = 61;

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
    { atMs: 60, op: 'remonitor', monitor: 0 },
    { atMs: 100, op: 'send', proc: 1, to: 0, count: 3 },
    { atMs: 100, op: 'erts_monitor', sub: 0, target: 1 },
    { atMs: 120, op: 'send_after', proc: 0, ms: 7 },
    { atMs: 300, op: 'kill', proc: 1, reason: 4 },
    { atMs: 400, op: 'partition', a: 0, b: 1 },
  ],
  faultsEndMs: 1000,
};

function dir(name: string): string {
  return mkdtempSync(join(TMP, `${name}-`));
}

test('parseArgs: check with its options; defaults 100 runs, seed 1, faults, racing flushes and shrinking on', () => {
  const defaults = { kind: 'check', runs: 100, seed: 1, zen: [], arb: { faults: true, racing: true }, quiet: false, allowKnown: false, shrink: true, bail: false };
  assert.equal(parseArgs(['check']), defaults);
  assert.equal(
    parseArgs(['check', '--runs', '5', '--seed', '9', '--property', 'no-down-after-flush', '--set', 'zen.demand_amount=500', '--no-faults', '--quiet', '--allow-known', '--no-shrink', '--bail']),
    { ...defaults, runs: 5, seed: 9, property: 'no-down-after-flush', zen: [['demand_amount', 500]], arb: { faults: false, racing: true }, quiet: true, allowKnown: true, shrink: false, bail: true },
  );
  assert.equal(parseArgs(['check', '--replay', 'f.json', '--trace', 't.jsonl']), { ...defaults, replay: { file: 'f.json' }, trace: 't.jsonl' });
});

const BAD_INVOCATIONS: readonly (readonly [string[], string])[] = [
  [['--runs', '0'], "--runs must be a positive integer (at most 10000000), got '0'"],
  [['--runs', 'x'], "--runs must be a positive integer (at most 10000000), got 'x'"],
  [['--runs', '1e8'], "--runs must be a positive integer (at most 10000000), got '1e8'"],
  [['--runs'], '--runs needs a value'],
  [['--runs', '5', '--runs', '6'], '--runs is given more than once'],
  [['--seed'], '--seed needs a value'],
  [['--seed', '-1'], "--seed must be a non-negative integer (at most 2147483647), got '-1'"],
  [['--seed', '1.5'], '--seed must be a non-negative integer'],
  [['--property', 'nope'], "unknown property 'nope'"],
  [['--property'], '--property needs a value'],
  [['--property', 'same-seed-same-trace', '--property', 'erts-fifo-per-pair'], '--property is given more than once'],
  [['--set'], '--set needs a value'],
  [['--set', 'zen.nope=1'], 'unknown zen_monitor config key "nope"'],
  [['--set', 'zen.demand_amount=0'], '"demand_amount" must be a positive integer'],
  [['--set', 'zen.demand_amount'], '--set takes zen.<key>=value'],
  [['--set', 'targets=3'], 'zensim check takes ZenMonitor settings only'],
  [['--trace', 't.jsonl'], '--trace needs --replay'],
  [['--replay', 'a', '--trace'], '--trace needs a value'],
  [['--replay', 'a', '--replay-inline', 'b'], 'not both'],
  [['--replay'], '--replay needs a value'],
  [['--replay-inline'], '--replay-inline needs a value'],
  [['--replay-inline', 'not base64!'], '--replay-inline: not base64url'],
  [['--replay-inline', 'bm9wZQ'], '--replay-inline: does not decode to a JSON schedule'],
  [['--replay', join(TMP, 'missing.json')], `--replay ${join(TMP, 'missing.json')}: no such file`],
  [['--export-exunit', 'out.txt'], '--export-exunit takes a file name ending in .exs'],
  [['--runs', '60', '--export-exunit', join(TMP, 'ex', 'o.exs')], `--export-exunit ${join(TMP, 'ex', 'o.exs')}: directory ${join(TMP, 'ex')} does not exist`],
  [['--frobnicate'], 'unknown option --frobnicate (try: zensim --help)'],
];

for (const [argv, message] of BAD_INVOCATIONS) {
  test(`bad invocation refused with one line and exit 2: zensim check ${argv.join(' ')}`, async () => {
    const r = await cli(['check', ...argv]);
    assert.is(r.code, 2, r.out + r.err);
    assert.is(r.out, '', 'nothing on stdout');
    assert.ok(r.err.startsWith('zensim: ') && r.err.endsWith('\n') && r.err.split('\n').length === 2, `one line: ${JSON.stringify(r.err)}`);
    assert.ok(r.err.includes(message), r.err);
  });
}

test('parseArgs: bad input is one InputError line', () => {
  try {
    parseArgs(['check', '--runs', '0']);
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, InputError);
  }
});

const step = (x: Record<string, unknown>) => JSON.stringify({ ...SMALL, steps: [x] });
const BAD_REPLAYS: readonly (readonly [string, string, string])[] = [
  ['not JSON', 'nope', 'not JSON'],
  ['a wrong version', '{"version":2}', 'unknown schedule version 2'],
  ['an unknown field', JSON.stringify({ ...SMALL, extra: 1 }), 'unknown field "extra"'],
  ['no nodes', JSON.stringify({ ...SMALL, nodes: [] }), 'nodes must be a list of 1 to 16'],
  ['a bad node shape', JSON.stringify({ ...SMALL, nodes: [{ schedulers: 0, zen: true }] }), 'nodes[0] must be'],
  ['a bad setting', JSON.stringify({ ...SMALL, zen: { demand_amount: -1 } }), 'zen.demand_amount'],
  ['a process on a node that does not exist', JSON.stringify({ ...SMALL, procs: [0, 5] }), 'procs[1] must be a node index from 0 to 1, got 5'],
  ['the seed as a string', JSON.stringify({ ...SMALL, seed: '7' }), 'seed must be a non-negative integer, got "7"'],
  ['a negative seed (refused as --seed -1 is)', JSON.stringify({ ...SMALL, seed: -1 }), 'seed must be a non-negative integer, got -1'],
  ['an unknown op', step({ atMs: 0, op: 'explode' }), 'unknown op "explode"'],
  ['a missing field', step({ atMs: 0, op: 'kill', proc: 1 }), 'kill needs reason'],
  ['a field of the wrong type', step({ atMs: 0, op: 'kill', proc: '1', reason: 0 }), 'kill needs proc, an integer from 0 to'],
  ['an unknown field in a step', step({ atMs: 0, op: 'kill', proc: 1, reason: 0, how: 'hard' }), 'kill has no field "how"'],
  ['a negative time', step({ atMs: -1, op: 'spawn', node: 0 }), 'atMs must be a number of ms from 0'],
  ['a node that does not exist', step({ atMs: 0, op: 'crash', node: 2 }), 'steps[0] (crash at 0 ms): node 2 names no node (the schedule has 2: 0 to 1)'],
  ['a process that does not exist', step({ atMs: 0, op: 'monitor', sub: 0, target: 3 }), 'target 3 names no process (3 exist by then: 0 to 2)'],
  ['a monitor never made', step({ atMs: 0, op: 'demonitor', monitor: 0 }), 'monitor 0 names no monitor (none is made before it)'],
  ['a reason that does not exist', step({ atMs: 0, op: 'kill', proc: 1, reason: 99 }), 'kill needs reason, an integer from 0 to 8, got 99'],
  ['a burst too long', step({ atMs: 0, op: 'send', proc: 0, to: 1, count: 1000 }), 'send needs count, an integer from 1 to 100'],
  ['a bad race', JSON.stringify({ ...SMALL, steps: [SMALL.steps[0], { atMs: 1, op: 'demonitor_flush', monitor: 0, raceUs: -2 }] }), 'raceUs must be an integer from 0'],
];

for (const [what, text, message] of BAD_REPLAYS) {
  test(`a replay file with ${what} is refused like the command line: one line naming the file and the problem, exit 2`, async () => {
    const file = join(dir('bad-replay'), 'r.json');
    writeFileSync(file, text);
    const r = await cli(['check', '--replay', file]);
    assert.is(r.code, 2, r.out + r.err);
    assert.is(r.out, '');
    assert.ok(r.err.startsWith(`zensim: ${file}`) && r.err.split('\n').length === 2, r.err);
    assert.ok(r.err.includes(message), r.err);
  });
}

test('a spawn step makes a process the steps after it may name; one before it may not', () => {
  const ok = { ...SMALL, steps: [{ atMs: 0, op: 'spawn', node: 1 }, { atMs: 1, op: 'kill', proc: 3, reason: 0 }] };
  assert.equal(parseSchedule(JSON.stringify(ok), 'x').steps.length, 2);
  const early = { ...SMALL, steps: [{ atMs: 2, op: 'spawn', node: 1 }, { atMs: 1, op: 'kill', proc: 3, reason: 0 }] };
  assert.throws(() => parseSchedule(JSON.stringify(early), 'x'), /proc 3 names no process/);
});

test('schedules: JSON round trip; a generated schedule is written with the indices its run used, and that replays the same', () => {
  assert.equal(parseSchedule(scheduleJson(SMALL), 'x'), SMALL);
  assert.equal(withSettings(SMALL, [['demand_amount', 7]]).zen, { demand_amount: 7, connector_sweep_interval: 20 });
  // Indices past what exists wrap in a generated schedule; its replayable form names what the run used.
  const wrapped: Schedule = { ...SMALL, procs: [2, 3, 1], steps: [{ atMs: 0, op: 'demonitor', monitor: 4 }, { atMs: 0, op: 'monitor', sub: 5, target: 7 }, { atMs: 9, op: 'kill', proc: 4, reason: 0 }] };
  assert.throws(() => parseSchedule(scheduleJson(wrapped), 'x'), (e: unknown) => e instanceof InputError);
  const obs = runSchedule(wrapped);
  assert.equal(obs.replayable.procs, [0, 1, 1]);
  assert.equal(obs.replayable.steps, [{ atMs: 0, op: 'monitor', sub: 2, target: 1 }, { atMs: 9, op: 'kill', proc: 1, reason: 0 }], 'the demonitor named no monitor yet: left out');
  const again = runSchedule(parseSchedule(scheduleJson(obs.replayable), 'x'));
  assert.equal(again.downs.map((d) => inspect(d.reason)), obs.downs.map((d) => inspect(d.reason)));
  assert.equal(again.monitors.length, obs.monitors.length);
});

test('a schedule replays exactly: same traceHash and events, run after run; another seed, another hash', () => {
  const a = runSchedule(SMALL);
  const b = runSchedule(parseSchedule(scheduleJson(SMALL), 'x'));
  assert.is(b.traceHash, a.traceHash);
  assert.is(b.events, a.events);
  assert.is.not(runSchedule({ ...SMALL, seed: 8 }).traceHash, a.traceHash);
  assert.ok(a.quiet);
  assert.is(a.messages.filter((m) => m.deliveredUs !== null).length, 3, 'the burst arrived');
  assert.is(a.timers[0]?.firedUs !== null, true, 'the timer fired');
  assert.is(a.ertsDowns.length, 1, 'the ERTS monitor fired');
  assert.ok(a.recovery.length >= 1, 'recovery probed');
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
  assert.equal(conns, [`1000 ${A}>${B} up`, `1000 ${B}>${A} up`, `${1010 + w.net.config.resetDelayUs + w.net.config.latencyUs} ${A}>${B} down`]);
});

test('a documented finding: shrunk within its class to a small schedule in a replay file; the command replays it (exit 1; 0 with --allow-known) and writes the trace', async () => {
  const replays = dir('re plays');
  const report = await runCheck({ property: 'no-leaks-when-quiet', runs: F2_RUNS, seed: 1, replayDir: replays });
  assert.not.ok(report.clean);
  assert.ok(report.ok, 'only documented findings: no new failure');
  // (These runs also meet F3, a killed Local's leftovers: the F2 class is checked here.)
  const c = report.outcomes[0]?.classes.find((x) => x.key === 'known:F2');
  assert.ok(c !== undefined && c.example !== undefined, `classes ${report.outcomes[0]?.classes.map((x) => x.key).join(', ')}`);
  const e = c.example;
  assert.ok(e.minimal && e.schedule.steps.length <= 3, `shrunk to ${e.schedule.steps.length} steps: ${scheduleJson(e.schedule)}`);
  assert.ok(e.replayFile !== undefined && existsSync(e.replayFile));
  assert.is(e.command, `npx zensim check --property no-leaks-when-quiet --replay '${e.replayFile}' --trace trace.jsonl`, 'the path quoted for a shell');
  const fromFile = await loadReplay({ file: e.replayFile });
  assert.equal(fromFile, e.schedule);
  assert.equal(await loadReplay({ inline: e.inline }), e.schedule);
  const again = replaySchedule(fromFile, { property: 'no-leaks-when-quiet' });
  assert.ok(!again.crashed && !again.ok);
  const trace = join(TMP, 'trace.jsonl');
  const run = await cli(['check', '--property', 'no-leaks-when-quiet', '--replay', e.replayFile, '--trace', trace]);
  assert.is(run.code, 1, 'a documented finding still fails');
  assert.ok(run.out.includes('known no-leaks-when-quiet') && run.out.includes('F2'), run.out);
  const lines = readFileSync(trace, 'utf8').trim().split('\n');
  assert.is(lines.length, again.crashed ? -1 : again.events);
  assert.ok(lines.every((l) => typeof JSON.parse(l).us === 'number'));
  const allowed = await cli(['check', '--property', 'no-leaks-when-quiet', '--replay', e.replayFile, '--allow-known']);
  assert.is(allowed.code, 0, 'accepted with --allow-known');
});

test('replay files are named for their content: a check with other options in the same folder writes its own files, never over another\'s', async () => {
  const replays = dir('shared');
  const opts = { property: 'no-leaks-when-quiet', runs: F2_RUNS, seed: 1, replayDir: replays, shrink: false } as const;
  const racing = await runCheck(opts);
  const calm = await runCheck({ ...opts, arb: { faults: true, racing: false } });
  const examples = [racing, calm].flatMap((r) => r.outcomes[0]?.classes ?? []).map((c) => ({ id: c.key.replace('known:', ''), e: c.example }));
  assert.equal(examples.map((x) => x.id).sort(), ['F2', 'F2', 'F3', 'F3']);
  for (const { id, e } of examples) {
    assert.ok(e?.replayFile !== undefined, id);
    assert.is(scheduleJson(await loadReplay({ file: e.replayFile })), scheduleJson(e.schedule), `${e.replayFile} still holds the schedule its command was printed with`);
    const hash = createHash('sha256').update(readFileSync(e.replayFile)).digest('hex').slice(0, 8);
    assert.is(e.replayFile, join(replays, `check-no-leaks-when-quiet-${id}-seed1-${hash}.json`));
  }
  assert.is.not(JSON.stringify(examples[0]?.e?.schedule), JSON.stringify(examples[2]?.e?.schedule), 'the two checks found different F3 schedules');
  assert.is(readdirSync(replays).length, 4, 'four schedules, four files');
});

test('the suite command: documented findings only exit 1, or 0 with --allow-known; the report gives runs passed and known failures per finding', async () => {
  const cwd = dir('suite');
  const args = ['check', '--property', 'no-leaks-when-quiet', '--runs', String(F2_RUNS), '--no-shrink'];
  const strict = await cli(args, { cwd });
  assert.is(strict.code, 1, strict.out);
  assert.match(strict.out, new RegExp(`^ {2}${F2_RUNS} of ${F2_RUNS} runs completed, 0 crashed$`, 'm'));
  const line = /^ {2}known no-leaks-when-quiet {2}(\d+) passed((?:, known F\d ×\d+ \(first at run \d+\))+)$/m.exec(strict.out);
  assert.ok(line !== null, strict.out);
  const findings = [...(line[2] as string).matchAll(/known (F\d) ×(\d+)/g)].map((m) => [m[1] as string, Number(m[2])] as const);
  assert.ok(findings.some(([id]) => id === 'F2'), 'F2 among them');
  const known = findings.reduce((n, [, k]) => n + k, 0);
  assert.is(Number(line[1]) + known, F2_RUNS, 'every run passed or failed as documented (one finding a run here)');
  const per = findings.map(([id, k]) => `${id} ${k}`).join(', ');
  assert.match(strict.out, new RegExp(`^result: ${F2_RUNS} runs completed, 0 crashed, 0 with new failures, ${known} with documented findings only \\(${per}\\)$`, 'm'));
  const exdir = join(cwd, 'ex dir');
  mkdirSync(exdir);
  const exs = join(exdir, 'x.exs');
  const allowed = await cli([...args, '--allow-known', '--export-exunit', exs], { cwd });
  assert.is(allowed.code, 0, allowed.out);
  assert.ok(allowed.out.includes(`\nExUnit test: ${exs}  (mix test '${exs}')\n`), `the mix command quoted for a shell: ${allowed.out}`);
  const passing = await cli(['check', '--runs', '3', '--property', 'dispatcher-rate-bounded', '--quiet'], { cwd });
  assert.is(passing.code, 0, passing.out + passing.err);
  assert.equal([passing.out, passing.err], ['', ''], '--quiet: nothing when every property holds');
  // --quiet with failures: the same report without the command line, the runs line, the passing properties and the note.
  const quiet = await cli([...args, '--quiet'], { cwd });
  assert.is(quiet.code, 1);
  const failuresOnly = strict.out.split('\n').filter((l) => !/^(zensim check |  \d+ of \d+ runs completed|  ok {4}|  note: )/.test(l));
  assert.is(quiet.out, failuresOnly.join('\n'));
  assert.match(quiet.out, /^ {2}known no-leaks-when-quiet /);
  assert.match(quiet.out, /\nresult: .*\n$/);
  const all = await cli(['check', '--runs', '3', '--no-faults', '--quiet'], { cwd });
  assert.equal([all.code, all.out, all.err], [0, '', ''], '--quiet, every property: nothing');
});

test('--quiet keeps the runs line and the closing line of a check cut short, even when every property held', async () => {
  let asked = 0;
  const report = await runCheck({ property: 'dispatcher-rate-bounded', runs: 10, seed: 1, replayDir: null, shouldStop: () => ++asked > 2 });
  assert.ok(report.clean && report.interrupted);
  assert.equal(reportLines(report, true), ['  2 of 10 runs completed (interrupted after 2), 0 crashed', '', 'result: 2 runs completed, 0 crashed, 0 with new failures, 0 with documented findings only']);
  const whole = await runCheck({ property: 'dispatcher-rate-bounded', runs: 2, seed: 1, replayDir: null });
  assert.equal(reportLines(whole, true), []);
  assert.equal(reportLines(whole, false).filter((l) => l.startsWith('  ok ')).length, 1, 'without --quiet, the passing property');
});

/** A planted crash: a Connector that throws when a target's last monitor goes. */
const PLANTED_CRASH = {
  connector: ((state, input, env) => {
    if (input.kind === 'demonitor') throw new Error(`planted: demonitor of ref ${input.ref.uid}`);
    return connectorStep(state, input, env);
  }) as typeof connectorStep,
};

test('a run that throws is a failure of its own: counted apart from the completed runs, shrunk within its class, replayable (and the replay says CRASH)', async () => {
  const steps = PLANTED_CRASH;
  const report = await runCheck({ runs: 6, seed: 1, steps, replayDir: null });
  assert.not.ok(report.ok);
  const [crash] = report.crashes;
  assert.ok(crash !== undefined, 'a crash class');
  assert.is(crash.key, 'crash:Error: planted: demonitor of ref #');
  assert.is(report.completed + crash.runs, 6, 'every run counts: completed or crashed');
  for (const o of report.outcomes) assert.is(o.passed + o.classes.reduce((n, c) => n + c.runs, 0), report.completed, o.name);
  const e = crash.example;
  assert.ok(e !== undefined && e.minimal && e.schedule.steps.length <= 3, `shrunk: ${JSON.stringify(e?.schedule.steps)}`);
  assert.ok(e.command.startsWith('npx zensim check --replay-inline '));
  const replayed = replaySchedule(e.schedule, { steps });
  assert.ok(replayed.crashed && replayed.why.startsWith('Error: planted: demonitor of ref'), JSON.stringify(replayed));
});

test('a crash not shrunk (--no-shrink): its schedule is written as far as the run got, valid as a replay file, and replays to the same crash', async () => {
  const steps = PLANTED_CRASH;
  const report = await runCheck({ runs: 6, seed: 1, steps, replayDir: null, shrink: false });
  const e = report.crashes[0]?.example;
  assert.ok(e !== undefined && !e.minimal);
  // Strictly validated as --replay validates a file: names only processes, nodes and monitors that exist.
  const again = parseSchedule(scheduleJson(e.schedule), 'test');
  const replayed = replaySchedule(again, { steps });
  assert.ok(replayed.crashed && replayed.why.startsWith('Error: planted: demonitor of ref'), JSON.stringify(replayed));
});

test('the largest sweep intervals allowed (send_after\'s 2^32 - 1 ms) run: recovery probes on whole microseconds, no crash', () => {
  const schedule = {
    version: 1,
    seed: 1,
    nodes: [{ schedulers: 2, zen: true }, { schedulers: 2, zen: true }],
    zen: { connector_sweep_interval: 4294967295, connector_chunk_size: 5000, batcher_sweep_interval: 4294967295, batcher_chunk_size: 5000, demand_interval: 100, demand_amount: 1000, truncation_depth: 3 },
    procs: [0],
    steps: [],
    faultsEndMs: 6000,
  } as unknown as Parameters<typeof replaySchedule>[0];
  const r = replaySchedule(schedule);
  assert.ok(!r.crashed, JSON.stringify(r).slice(0, 300));
});

test('a read-only place for replay files: the schedule is printed inline and one line says why no file was written', async () => {
  const cwd = dir('readonly');
  writeFileSync(join(cwd, '.zensim'), 'not a directory');
  const r = await cli(['check', '--property', 'no-leaks-when-quiet', '--runs', String(F2_RUNS), '--no-shrink'], { cwd });
  assert.is(r.code, 1, r.out + r.err);
  const m = /^replay: npx zensim check --property no-leaks-when-quiet --replay-inline (\S+) --trace trace\.jsonl\nnote: cannot write \.zensim\/check-no-leaks-when-quiet-F2-seed1-([0-9a-f]{8})\.json: not a directory \(ENOTDIR\); replay it with the inline form above$/m.exec(r.out);
  assert.ok(m !== null, r.out);
  const schedule = await loadReplay({ inline: m[1] as string });
  assert.ok(schedule.steps.length > 0, 'the whole schedule, inline');
  assert.is(m[2], createHash('sha256').update(`${scheduleJson(schedule)}\n`).digest('hex').slice(0, 8), 'the file it would have written is named for its content');
});

test('an interrupted check (SIGINT) stops between runs, prints what it found, writes nothing half-done and exits 130', async () => {
  const cwd = dir('interrupted');
  const r = await cli(['check', '--runs', '100000', '--property', 'no-leaks-when-quiet'], { cwd, during: () => setTimeout(() => process.emit('SIGINT'), 1500) });
  assert.is(r.code, 130, r.out);
  const m = /^ {2}(\d+) of 100000 runs completed \(interrupted after (\d+)\), 0 crashed$/m.exec(r.out);
  assert.ok(m !== null && Number(m[1]) > 0 && Number(m[1]) < 100000, r.out);
  assert.match(r.out, /^result: \d+ runs completed/m);
  const files = existsSync(join(cwd, '.zensim')) ? readdirSync(join(cwd, '.zensim')) : [];
  assert.ok(files.every((f) => f.endsWith('.json')), `no temporary files: ${files.join(', ')}`);
  for (const f of files) parseSchedule(readFileSync(join(cwd, '.zensim', f), 'utf8'), f);
});

test('progress on a terminal: one line rewritten on stderr, cleared at the end; none when stderr is not a terminal', async () => {
  const cwd = dir('progress');
  const shown = await cli(['check', '--runs', '3', '--property', 'dispatcher-rate-bounded'], { cwd, tty: true });
  assert.is(shown.code, 0);
  assert.match(shown.err, /\r\x1b\[K {2}run 1\/3 {2}new 0 {2}known 0 {2}crashed 0 {2}ETA \d+:\d\d/);
  assert.ok(shown.err.endsWith('\r\x1b[K'), JSON.stringify(shown.err.slice(-20)));
  const piped = await cli(['check', '--runs', '3', '--property', 'dispatcher-rate-bounded'], { cwd, tty: false });
  assert.is(piped.err, '');
});

test.run();
