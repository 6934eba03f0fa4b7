// The command line: `parseArgs` is pure and tested directly; `main` turns bad input into
// one line on stderr and exit code 2, before any output, and leaves no file behind.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main, progressDue, progressLine } from '../../sim/cli.js';
import { parseArgs } from '../../sim/cli_parse.js';
import { commandLine, InputError } from '../../sim/run/params.js';

const herd = new URL('../../scenarios/herd.ts', import.meta.url).pathname;

/** Runs `main` with stdout and stderr captured. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv), out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

// ZenMonitor 2.1.0's Truncator reads :max_binary_size and :truncation_depth in module
// attributes (lib/zen_monitor/truncator.ex): a running node's app env changes nothing.
test('run: a compile-time ZenMonitor setting gets a note saying a real node needs zen_monitor recompiled; a run-time one does not', async () => {
  const amp = new URL('../../scenarios/amplification.ts', import.meta.url).pathname;
  const r = await cli(['run', amp, '--set', 'subscribers=5', '--set', 'zen.truncation_depth=5', '--set', 'zen.demand_amount=500', '--json', '-']);
  assert.is(r.code, 0);
  const notes = r.err.split('\n').filter((l) => l.startsWith('  note: '));
  assert.equal(notes, ['  note: :truncation_depth is read when zen_monitor is compiled: on a real node set it in config/config.exs and recompile the dependency (mix deps.compile zen_monitor --force); Application.put_env at run time changes nothing']);
  const plain = await cli(['run', amp, '--set', 'subscribers=5', '--set', 'zen.demand_amount=500', '--json', '-']);
  assert.not.ok(plain.err.includes('note:'), 'demand_amount is read at run time');
});

test('run progress: redrawn 4 times a second on a terminal, a whole line every 10 s in a log', () => {
  assert.not.ok(progressDue(true, 999, 999), 'nothing in the first second');
  assert.ok(progressDue(true, 1000, 1000));
  assert.not.ok(progressDue(true, 5000, 249));
  assert.ok(progressDue(true, 5000, 250));
  assert.not.ok(progressDue(false, 9999, 9999), 'a log: not before 10 s');
  assert.ok(progressDue(false, 10_000, 10_000));
  assert.not.ok(progressDue(false, 30_000, 9_999));
  assert.is(progressLine(true, 'zen', 1_234_567, 250_000), '\r  zen: virtual 1.23 s, 250,000 events/s   ');
  assert.is(progressLine(false, 'vanilla', 25_440_000, 319_100), '  vanilla: virtual 25.44 s, 319,100 events/s\n');
});

test('an InputError made by another copy of its module is an InputError, other errors are not (the CLI imports its plan and check drivers when they run)', async () => {
  const copy = (await import(new URL('../../sim/run/params.ts?copy', import.meta.url).href)) as typeof import('../../sim/run/params.js');
  assert.is.not(copy.InputError, InputError, 'a second copy of the module');
  assert.ok(new copy.InputError('bad') instanceof InputError);
  assert.ok(new InputError('bad') instanceof copy.InputError);
  assert.not.ok(new Error('bad') instanceof InputError);
  assert.not.ok((null as unknown) instanceof InputError);
});

test('parseArgs: run with every option', () => {
  const cmd = parseArgs(['run', 'x.ts', '--seed', '7', '--set', 'targets=10', '--set', 'zen.demand_amount=5', '--json', '-', '--report', 'r.html', '--trace', 't.jsonl', '--perfetto', 'p.json', '--quiet']);
  assert.equal(cmd, {
    kind: 'run',
    scenario: 'x.ts',
    seed: 7,
    set: [
      ['targets', '10'],
      ['zen.demand_amount', '5'],
    ],
    json: '-',
    report: 'r.html',
    trace: 't.jsonl',
    perfetto: 'p.json',
    quiet: true,
  });
});

test('parseArgs: --help is text to print; bad flags are InputErrors', () => {
  const help = parseArgs(['run', '--help']);
  assert.is(help.kind, 'print');
  assert.ok(help.kind === 'print' && help.text.includes('--set') && help.text.includes('--perfetto'));
  assert.throws(() => parseArgs(['run', 'x.ts', '--set', 'novalue']), (e: unknown) => e instanceof InputError && /key=value/.test((e as Error).message));
  assert.throws(() => parseArgs(['run', 'x.ts', '--seed', '-1']), (e: unknown) => e instanceof InputError);
  assert.throws(() => parseArgs(['run', 'x.ts', '--frob']), (e: unknown) => e instanceof InputError);
});

const BAD: [string, string[], RegExp][] = [
  ['a missing scenario file', ['run', '/nonexistent/herd.ts'], /scenario file not found/],
  ['a file that is not a scenario', ['run', new URL('../../package.json', import.meta.url).pathname], /is not a scenario/],
  ['an unknown --set key', ['run', herd, '--set', 'bogus=1'], /unknown parameter 'bogus'/],
  ['an unknown namespace', ['run', herd, '--set', 'foo.bar=1'], /unknown --set key 'foo.bar'/],
  ['a value of the wrong type', ['run', herd, '--set', 'targets=lots'], /targets must be a number/],
  ['a value out of range', ['run', herd, '--set', 'targets=0'], /targets must be >= 1/],
  ['a bad ZenMonitor value', ['run', herd, '--set', 'zen.demand_amount=-3'], /demand_amount/],
  ['an unknown ZenMonitor key', ['run', herd, '--set', 'zen.nope=1'], /nope/],
  ['a bad network value', ['run', herd, '--set', 'net.latencyUs=-1'], /latencyUs/],
];

for (const [what, argv, message] of BAD) {
  test(`bad input, ${what}: one line, exit 2, no output file`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zensim-cli-'));
    try {
      const r = await cli([...argv, '--json', join(dir, 'out.json'), '--report', join(dir, 'r.html')]);
      assert.is(r.code, 2);
      assert.is(r.out, '');
      assert.is(r.err.trimEnd().split('\n').length, 1, r.err);
      assert.match(r.err, /^zensim: /);
      assert.match(r.err, message);
      assert.equal(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('an unwritable output path is refused before the run', async () => {
  const r = await cli(['run', herd, '--json', '/nonexistent/dir/out.json']);
  assert.is(r.code, 2);
  assert.match(r.err, /--json \/nonexistent\/dir\/out.json: directory .* does not exist/);
});

test('a small run writes the result document and the trace, atomically', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zensim-cli-'));
  try {
    const json = join(dir, 'out.json');
    const trace = join(dir, 'trace.jsonl');
    const r = await cli(['run', herd, '--set', 'targets=300', '--set', 'work=false', '--json', json, '--trace', trace, '--quiet']);
    assert.is(r.code, 0);
    assert.is(r.out, '');
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    assert.is(doc.scenario, 'herd');
    assert.match(doc.traceHash, /^[0-9a-f]{16}$/);
    assert.equal(doc.runs.map((x: { mode: string }) => x.mode), ['vanilla', 'zen']);
    const lines = readFileSync(trace, 'utf8').trimEnd().split('\n');
    assert.is(lines.length, doc.events);
    assert.ok(lines.every((l) => typeof JSON.parse(l).us === 'number'));
    assert.equal(readdirSync(dir).sort(), ['out.json', 'trace.jsonl']);
    assert.ok(!existsSync(`${json}.tmp`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--json - puts only the document on stdout; the summary goes to stderr', async () => {
  const r = await cli(['run', herd, '--set', 'targets=200', '--set', 'work=false', '--json', '-']);
  assert.is(r.code, 0);
  const doc = JSON.parse(r.out);
  assert.is(doc.scenario, 'herd');
  assert.match(r.err, /^zensim run .*herd\.ts --seed 1 --set targets=200 --set work=false\n/);
  assert.match(r.err, /DOWNs delivered \/ expected +200 \/ 200 +200 \/ 200/);
});

test('the command printed for replaying a run quotes what a shell would split: a path with spaces, a value with a quote', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'zensim-cli-')), 'sp ace');
  mkdirSync(dir);
  try {
    const file = join(dir, "it's my fan.ts");
    writeFileSync(
      file,
      `import { defineScenario, param } from 'zensim';
export default defineScenario({ name: 'spaced', description: 'd', params: { label: param.enum('x', ['x', "a b's"], 'text') }, cluster: () => ({ nodes: [{ name: 'a@h' }] }), script: (run) => run.endAt(200) });
`,
    );
    const r = await cli(['run', file, '--set', "label=a b's", '--set', 'mode=zen', '--json', '-']);
    assert.is(r.code, 0, r.err);
    assert.ok(r.err.startsWith(`zensim run '${dir}/it'\\''s my fan.ts' --seed 1 --set 'label=a b'\\''s' --set mode=zen\n`), r.err);
    assert.is(commandLine(['npx', 'zensim', 'run', '/tmp/sp ace/my fan.ts', '--seed', '1']), "npx zensim run '/tmp/sp ace/my fan.ts' --seed 1");
  } finally {
    rmSync(dirname(dir), { recursive: true, force: true });
  }
});

test('--version, -h, and run <scenario> --help listing its parameters with defaults, ranges and descriptions', async () => {
  const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  assert.equal(await cli(['--version']), { code: 0, out: `${version}\n`, err: '' });
  const h = await cli(['-h']);
  assert.is(h.code, 0);
  assert.match(h.out, /zensim run <scenario>/);
  const help = await cli(['run', herd, '--help']);
  assert.is(help.code, 0);
  assert.match(help.out, /--seed/);
  assert.match(help.out, /Scenario herd: one subscriber monitoring many processes/);
  assert.match(help.out, /\n  targets +processes on b monitored by the subscriber on a \(int, default 100000, 1 to 4294967295\)\n/);
  assert.match(help.out, /\n  work +whether the subscriber also serves :work messages .*\(true or false; default true\)\n/);
  assert.match(help.out, /\n  mode +.*\(one of both, zen, vanilla; default both\)\n/);
  assert.match(help.out, /zen\.demand_interval=100 +\(a positive integer, at most 4294967295 \(ms, erlang:send_after's limit\)\)/);
  assert.match(help.out, /net\.latencyUs=50 +\(a number >= 0 and <= 4294967295000 µs\)/);
  assert.match(help.out, /zen\.truncation_depth=3 +\(an integer >= 0, at most 4294967295 \(2\^32 - 1\); compile time in ZenMonitor 2\.1\.0: recompile zen_monitor to change it on a real node\)/);
  assert.is(help.out.match(/compile time in ZenMonitor/g)?.length, 2, 'max_binary_size and truncation_depth only');
  const stress = await cli(['run', new URL('../../scenarios/stress.ts', import.meta.url).pathname, '-h']);
  assert.match(stress.out, /zen\.demand_amount=10 /, "the scenario's own ZenMonitor values");
});

test("run <scenario> --help of a scenario whose cluster() it cannot run: its parameters, and the settings' defaults", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zensim-cli-'));
  try {
    const file = join(dir, 'null_cluster.ts');
    writeFileSync(file, "import { defineScenario } from 'zensim';\nexport default defineScenario({ name: 'nc', description: 'no cluster', params: {}, cluster: () => null as never, script: () => {} });\n");
    const help = await cli(['run', file, '--help']);
    assert.is(help.code, 0, help.err);
    assert.match(help.out, /Scenario nc: no cluster/);
    assert.match(help.out, /zen\.demand_amount=1000 /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const bin = new URL('../../bin/zensim.mjs', import.meta.url).pathname;

test('a reader that closes the pipe (| head) ends the run quietly', async () => {
  const child = spawn(process.execPath, [bin, 'run', herd, '--set', 'targets=3000', '--json', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((r) => child.on('close', r));
  assert.is(code, 0, err);
  assert.not.match(err, /EPIPE|Error|at /);
});

test('an interrupted run (SIGINT) removes its temporary files and exits 130', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zensim-cli-'));
  try {
    const child = spawn(process.execPath, [bin, 'run', herd, '--trace', join(dir, 't.jsonl'), '--perfetto', join(dir, 'p.json'), '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    const closed = new Promise<number | null>((r) => child.on('close', r));
    // Once the run has opened its temporaries, interrupt it.
    while (readdirSync(dir).filter((f) => f.endsWith('.tmp')).length < 2) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    assert.is(await closed, 130, err);
    assert.equal(readdirSync(dir), []);
    assert.match(err, /zensim: interrupted; no output file written/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
