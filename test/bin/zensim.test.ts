// The installed command (bin/zensim.mjs), run as a user runs it: from the build (made
// or refreshed on the spot if it is missing or stale), on a scenario file outside the
// repository with no package.json beside it; and a large run started again in a node
// with V8's young generation fixed at 32 MB semi-spaces (bin/v8.mjs, largeRunRelaunch).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const bin = new URL('../../bin/zensim.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'zensim-bin-test-'));
const zensim = (...args: string[]) => execFileSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('zensim --help prints the commands', () => {
  assert.match(zensim('--help'), /zensim <command> \[options\][\s\S]*zensim run <scenario>/);
});

test('zensim run on a scenario in another folder, importing zensim', () => {
  writeFileSync(
    join(dir, 'x.ts'),
    `import { defineScenario } from 'zensim';
export default defineScenario({ name: 'elsewhere', description: 'd', params: {}, cluster: () => ({ nodes: [{ name: 'a@h' }] }), script: (run) => run.endAt(200) });
`,
  );
  const doc = JSON.parse(zensim('run', 'x.ts', '--set', 'mode=zen', '--json', '-', '--quiet')) as { scenario: string; runs: { mode: string }[] };
  assert.equal([doc.scenario, doc.runs.map((r) => r.mode)], ['elsewhere', ['zen']]);
});

test("zensim run of a cached scenario loads none of node:crypto, node:worker_threads, node:child_process (the checker's, the planner's and the relaunch's: start-up cost)", () => {
  zensim('run', 'x.ts', '--set', 'mode=zen', '--quiet'); // its bundle cached
  const hook = join(dir, 'builtins-probe.mjs');
  writeFileSync(hook, `process.on('exit', () => process.stderr.write('BUILTINS ' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ') + '\\n'));\n`);
  const r = spawnSync(process.execPath, ['--import', hook, bin, 'run', 'x.ts', '--set', 'mode=zen', '--quiet'], { cwd: dir, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const loaded = (/^BUILTINS (.*)$/m.exec(r.stderr)?.[1] ?? '').split(' ');
  assert.ok(loaded.includes('fs'), `the probe saw the builtins: ${r.stderr}`);
  for (const m of ['crypto', 'worker_threads', 'child_process']) assert.not.ok(loaded.includes(m), `${m} was loaded`);
});

/** Preloaded into the command (`node --import`): each node process it starts appends its pid, node options and V8's new-space size (one semi-space, bytes) to ARGV_PROBE. */
const probe = join(dir, 'argv-probe.mjs');
writeFileSync(
  probe,
  `import { appendFileSync } from 'node:fs';\nimport { getHeapSpaceStatistics } from 'node:v8';\nconst newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;\nappendFileSync(process.env.ARGV_PROBE, JSON.stringify({ pid: process.pid, execArgv: process.execArgv, newSpace }) + '\\n');\n`,
);
const herd = new URL('../../scenarios/herd.ts', import.meta.url).pathname;
type Started = { pid: number; execArgv: string[]; newSpace: number };
const started = (file: string): Started[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Started) : []);

function probed(args: string[], largeMb: string, tag: string): { status: number | null; out: string; err: string; procs: Started[] } {
  const file = join(dir, `${tag}.jsonl`);
  const r = spawnSync(process.execPath, ['--import', probe, bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ARGV_PROBE: file, ZENSIM_LARGE_RUN_MB: largeMb } });
  return { status: r.status, out: r.stdout, err: r.stderr, procs: started(file) };
}

test('a run estimated at ZENSIM_LARGE_RUN_MB or more is started again in a node with 32 MB semi-spaces, with the same result', () => {
  const args = ['run', herd, '--set', 'targets=20', '--json', '-', '--quiet'];
  const here = probed(args, '0', 'never');
  const again = probed(args, '1', 'always');
  assert.is(here.status, 0, here.err);
  assert.is(again.status, 0, again.err);
  assert.equal(here.procs.map((p) => p.execArgv), [['--import', probe]], 'ZENSIM_LARGE_RUN_MB=0: never started again');
  assert.equal(again.procs.map((p) => p.execArgv), [['--import', probe], ['--import', probe, '--min-semi-space-size=32', '--max-semi-space-size=32']]);
  assert.equal(again.procs.map((p) => p.newSpace), [here.procs[0]?.newSpace, 32 * 2 ** 20], "V8 took the size: the second process's semi-space is 32 MB from its start");
  assert.ok((here.procs[0]?.newSpace ?? Infinity) < 32 * 2 ** 20, "the first process's young generation is V8's own");
  const hash = (out: string) => (JSON.parse(out) as { traceHash: string }).traceHash;
  assert.is(hash(again.out), hash(here.out));
  assert.is(again.err, '', 'nothing said twice');
  // Below the default threshold (512 MiB), and with the size on node's own command line: one process.
  assert.is(probed(args, '', 'default').procs.length, 1);
  for (const [k, flag] of ['--min-semi-space-size=16', '--max-semi-space-size=8'].entries()) {
    const file = join(dir, `given-${k}.jsonl`);
    const given = spawnSync(process.execPath, [flag, '--import', probe, bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ARGV_PROBE: file, ZENSIM_LARGE_RUN_MB: '1' } });
    assert.is(given.status, 0, given.stderr);
    assert.is(started(file).length, 1, `${flag} on node's command line: one process`);
  }
});

/** How many of V8's optimizing compiles a `zensim plan` made in line and in the background (`--trace-opt`), and its results. */
function planCompiles(jobs: number, tag: string): { inLine: number; background: number; results: string } {
  const out = join(dir, `plan-${tag}`);
  const args = ['plan', herd, '--set', 'targets=300', '--set', 'work=false', '--set', 'mode=zen', '--vary', 'zen.demand_amount=10,100', '--seeds', '2', '--out', out, '--jobs', String(jobs), '--quiet'];
  const r = spawnSync(process.execPath, ['--trace-opt', bin, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.is(r.status, 0, r.stderr);
  const count = (mode: string) => r.stdout.split('\n').filter((l) => l.startsWith('[compiling method') && l.endsWith(`mode: ConcurrencyMode::${mode}]`)).length;
  return { inLine: count('kSynchronous'), background: count('kConcurrent'), results: readFileSync(join(out, 'results.jsonl'), 'utf8') };
}

test("plan's worker isolates compile in line while they fill every core (V8's helper threads off for them), and only then; same results", () => {
  const one = planCompiles(1, 'jobs1');
  const two = planCompiles(2, 'jobs2');
  assert.is(one.inLine, 0, 'in the main thread, compiles stay in the background');
  assert.ok(one.background > 0, `${one.background} background compiles`);
  if (availableParallelism() <= 2) assert.ok(two.inLine > 0, `two workers on ${availableParallelism()} cores: ${two.inLine} compiles in line`);
  else assert.is(two.inLine, 0, `a core to spare (${availableParallelism()}): compiles stay in the background`);
  assert.is(two.results, one.results);
});

test('a bad ZENSIM_LARGE_RUN_MB is refused in one line, exit 2, before any work', () => {
  const r = probed(['run', herd, '--set', 'targets=20', '--quiet'], '1.5', 'bad');
  assert.is(r.status, 2);
  assert.is(r.err, "zensim: ZENSIM_LARGE_RUN_MB must be a whole number of MiB (0: never relaunch), got '1.5'\n");
  assert.is(r.out, '');
});

/** Waits for `ok()`, failing after `ms` (a relaunch that never comes fails the test instead of hanging it). */
async function until(ok: () => boolean, what: string, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A relaunched 600,000-target herd (several chunks of events: a signal is looked at between two; long enough that it is still running when a
 * termination sent to the first process alone is passed on, 5 s later: a 200,000-target one finished first on a fast machine) writing a trace, interrupted by `signal` once its second
 * node's run is under way (its trace's temporary exists: the first process removed its
 * own before starting it), sent to the first process alone or to the group of both.
 */
async function interrupted(tag: string, signal: NodeJS.Signals, group: boolean): Promise<{ code: number | null; err: string; pids: number[] }> {
  const file = join(dir, `${tag}.jsonl`);
  const out = join(dir, tag);
  rmSync(out, { recursive: true, force: true });
  const { mkdirSync, readdirSync } = await import('node:fs');
  mkdirSync(out);
  const child = spawn(process.execPath, ['--import', probe, bin, 'run', herd, '--set', 'targets=600000', '--trace', join(out, 't.jsonl'), '--json', join(out, 'r.json'), '--quiet'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: group,
    env: { ...process.env, ARGV_PROBE: file, ZENSIM_LARGE_RUN_MB: '1' },
  });
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await until(() => started(file).length === 2 && readdirSync(out).some((f) => f.endsWith('.tmp')), "the second node's run");
  if (group) process.kill(-(child.pid as number), signal);
  else child.kill(signal);
  const code = await exited;
  assert.equal(readdirSync(out), [], 'nothing written, no temporary left');
  return { code, err, pids: started(file).map((p) => p.pid) };
}

test("a termination sent to a relaunched run's first process alone is passed on: the run stops cleanly, both end, exit 143", async () => {
  const r = await interrupted('term', 'SIGTERM', false);
  assert.is(r.code, 143, r.err);
  assert.is(r.err, '\nzensim: interrupted; no output file written\n', 'once, from the run (passed on 5 s later)');
  assert.throws(() => process.kill(r.pids[1] as number, 0), /ESRCH/, 'the relaunched process is gone too');
});

test('a Ctrl-C to the process group reaches the relaunched run once: it stops cleanly, exit 130', async () => {
  const r = await interrupted('int', 'SIGINT', true);
  assert.is(r.code, 130, r.err);
  assert.is(r.err, '\nzensim: interrupted; no output file written\n', 'once: the first process did not pass a second one on');
  assert.throws(() => process.kill(r.pids[1] as number, 0), /ESRCH/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
