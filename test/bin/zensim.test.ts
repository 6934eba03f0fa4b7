// The installed command (bin/zensim.mjs), run as a user runs it: from the build (made
// or refreshed on the spot if it is missing or stale), on a scenario file outside the
// repository with no package.json beside it; and a large run started again in a node
// with V8's young generation at full size (bin/v8.mjs, largeRunRelaunch).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** Preloaded into the command (`node --import`): each node process it starts appends its pid and node options to ARGV_PROBE. */
const probe = join(dir, 'argv-probe.mjs');
writeFileSync(probe, `import { appendFileSync } from 'node:fs';\nappendFileSync(process.env.ARGV_PROBE, JSON.stringify({ pid: process.pid, execArgv: process.execArgv }) + '\\n');\n`);
const herd = new URL('../../scenarios/herd.ts', import.meta.url).pathname;
type Started = { pid: number; execArgv: string[] };
const started = (file: string): Started[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Started) : []);

function probed(args: string[], largeMb: string, tag: string): { status: number | null; out: string; err: string; procs: Started[] } {
  const file = join(dir, `${tag}.jsonl`);
  const r = spawnSync(process.execPath, ['--import', probe, bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ARGV_PROBE: file, ZENSIM_LARGE_RUN_MB: largeMb } });
  return { status: r.status, out: r.stdout, err: r.stderr, procs: started(file) };
}

test('a run estimated at ZENSIM_LARGE_RUN_MB or more is started again in a node with the young generation at full size, with the same result', () => {
  const args = ['run', herd, '--set', 'targets=20', '--json', '-', '--quiet'];
  const here = probed(args, '0', 'never');
  const again = probed(args, '1', 'always');
  assert.is(here.status, 0, here.err);
  assert.is(again.status, 0, again.err);
  assert.equal(here.procs.map((p) => p.execArgv), [['--import', probe]], 'ZENSIM_LARGE_RUN_MB=0: never started again');
  assert.equal(again.procs.map((p) => p.execArgv), [['--import', probe], ['--import', probe, '--min-semi-space-size=16']]);
  const hash = (out: string) => (JSON.parse(out) as { traceHash: string }).traceHash;
  assert.is(hash(again.out), hash(here.out));
  assert.is(again.err, '', 'nothing said twice');
  // Below the default threshold (512 MiB), and with the size on node's own command line: one process.
  assert.is(probed(args, '', 'default').procs.length, 1);
  const given = spawnSync(process.execPath, ['--min-semi-space-size=16', '--import', probe, bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ARGV_PROBE: join(dir, 'given.jsonl'), ZENSIM_LARGE_RUN_MB: '1' } });
  assert.is(given.status, 0, given.stderr);
  assert.is(started(join(dir, 'given.jsonl')).length, 1);
});

test('a bad ZENSIM_LARGE_RUN_MB is refused in one line, exit 2, before any work', () => {
  const r = probed(['run', herd, '--set', 'targets=20', '--quiet'], '1.5', 'bad');
  assert.is(r.status, 2);
  assert.is(r.err, "zensim: ZENSIM_LARGE_RUN_MB must be a whole number of MiB (0: never relaunch), got '1.5'\n");
  assert.is(r.out, '');
});

test('a termination sent to a relaunched run\'s first process is passed on: both end by it, nothing written', async () => {
  const file = join(dir, 'term.jsonl');
  const json = join(dir, 'term.json');
  const child = spawn(process.execPath, ['--import', probe, bin, 'run', herd, '--set', 'targets=50000', '--json', json, '--quiet'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ARGV_PROBE: file, ZENSIM_LARGE_RUN_MB: '1' },
  });
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (code, signal) => r([code, signal])));
  while (started(file).length < 2) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGTERM');
  // 143 from the run once under way; ended by the same signal if it came as the second node started.
  const [code, signal] = await closed;
  assert.ok(code === 143 || (code === null && signal === 'SIGTERM'), `${String(code)} ${String(signal)}: ${err}`);
  const second = (started(file)[1] as Started).pid;
  assert.throws(() => process.kill(second, 0), /ESRCH/, 'the relaunched process is gone too');
  assert.not.ok(existsSync(json));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
