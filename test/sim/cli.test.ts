// The command line: `parseArgs` is pure and tested directly; `main` turns bad input into
// one line on stderr and exit code 2, before any output, and leaves no file behind.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main, parseArgs } from '../../sim/cli.js';
import { InputError } from '../../sim/run/params.js';

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

test.run();
