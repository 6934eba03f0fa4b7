// The processes a finished run kept, reused by the isolate's next spawns (sim/beam/proc_pool.ts):
// a run after others that gave theirs back gives the result document (and traceHash) it
// gives in an isolate with no pool; a process handed out is a new one field for field,
// its pid a new pid; two live worlds never share one; a run not asked to give its
// processes back leaves the world its caller holds as it was.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runScenario, type RunOptions } from '../../../sim/run/runner.js';
import type { Scenario } from '../../../sim/run/scenario.js';
import { World } from '../../../sim/beam/world.js';
import { displayName, Proc, type Behaviour } from '../../../sim/beam/process.js';
import amplification from '../../../scenarios/amplification.js';
import componentRestart from '../../../scenarios/component_restart.js';
import herd from '../../../scenarios/herd.js';
import partition from '../../../scenarios/partition.js';
import stress from '../../../scenarios/stress.js';

/** herd.ts, as a scenario of any parameters. */
const HERD = herd as unknown as Scenario;
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs one after the other: larger and smaller than the run before, processes that ran and died, a crashed node restarted. */
const RUNS: readonly { file: string; sc: unknown; opts: RunOptions }[] = [
  { file: 'herd', sc: herd, opts: { seed: 3, params: { targets: 400 } } },
  { file: 'stress', sc: stress, opts: { seed: 1, params: { targets: 1500, killed: 300 } } },
  { file: 'partition', sc: partition, opts: { seed: 2 } },
  { file: 'herd', sc: herd, opts: { seed: 1, params: { targets: 100 } } },
  { file: 'component_restart', sc: componentRestart, opts: { seed: 1 } },
  { file: 'amplification', sc: amplification, opts: { seed: 1 } },
];

test('runs one after another, each giving its processes back, give the result documents each gives in a fresh isolate', () => {
  const here = RUNS.map(({ sc, opts }) => JSON.stringify(runScenario(sc as Scenario, { ...opts, reuseProcs: true })));
  // A fresh isolate that gives nothing back: every run there spawns new processes only.
  const code = `
    const out = [];
    for (const { file, opts } of ${JSON.stringify(RUNS.map(({ file, opts }) => ({ file, opts })))}) {
      const { default: sc } = await import('./scenarios/' + file + '.ts');
      const { runScenario } = await import('./sim/run/runner.ts');
      out.push(JSON.stringify(runScenario(sc, opts)));
    }
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.is(r.status, 0, r.stderr);
  const fresh = JSON.parse(r.stdout) as string[];
  for (let i = 0; i < RUNS.length; i++) assert.is(here[i], fresh[i], `run ${i} (${RUNS[i]?.file})`);
});

const idle: Behaviour = { handle: () => undefined };

test('a process handed out again is a new one field for field, its pid a new pid; two live worlds share none', () => {
  const worlds: World[] = [];
  runScenario(HERD, { seed: 1, params: { targets: 50 }, reuseProcs: true, attach: (w) => void worlds.push(w) });
  // The last mode's table is the pool now: its 50 targets (the subscriber and the rest ran).
  const pooled = new Set((worlds[1] as World).procs);
  assert.is(pooled.size, 50);
  const w1 = new World({ seed: 1 });
  const w2 = new World({ seed: 2 });
  w1.addNode('a@h');
  w2.addNode('b@h');
  w2.crash('b@h');
  w2.restart('b@h'); // its pids of another creation than the pooled ones'
  const pids1 = [w1.spawn('a@h', idle), ...w1.spawnMany('a@h', 29, idle)];
  const pids2 = w2.spawnMany('b@h', 30, idle);
  const procs1 = pids1.map((pid) => w1.proc(pid) as Proc);
  const procs2 = pids2.map((pid) => w2.proc(pid) as Proc);
  assert.is(procs1.filter((p) => pooled.has(p)).length, 30, 'the first world got 30 of the pool');
  assert.is(procs2.filter((p) => pooled.has(p)).length, 20, 'the second the other 20, then new ones');
  const objects = new Set<object>([...procs1, ...procs2, ...pids1, ...pids2]);
  assert.is(objects.size, 120, 'no process or pid is in both worlds');
  for (const [w, procs] of [[w1, procs1], [w2, procs2]] as const) {
    procs.forEach((p, i) => {
      const node = w === w1 ? 'a@h' : 'b@h';
      const pid = { t: 'pid', uid: i, node, id: i, creation: w.node(node).creation };
      // Keys in the order a new one has them: the same hidden class in V8.
      assert.equal(Object.entries(p.pid), Object.entries(pid), `pid ${i}`);
      assert.equal(Object.entries(p), Object.entries(Proc.of(p.pid, idle)), `process ${i}`);
      assert.is(Object.getPrototypeOf(p), Proc.prototype);
      assert.ok(p.alive && p.mailbox.length === 0 && p.monitorCount() === 0 && p.monitoredByCount() === 0 && p.ext === undefined);
      assert.is(displayName(p), displayName(Proc.of(pid as never, idle)));
    });
  }
});

test('a run not asked to give its processes back leaves its worlds as they were for the caller that holds them', () => {
  const worlds: World[] = [];
  runScenario(HERD, { seed: 1, params: { targets: 40 }, attach: (w) => void worlds.push(w) });
  const before = worlds.map((w) => w.procs.map((p) => `${p.pid.node}/${p.pid.id}/${p.uid}/${p.status}`).join());
  runScenario(HERD, { seed: 2, params: { targets: 60 }, reuseProcs: true });
  const w = new World({ seed: 1 });
  w.addNode('a@h');
  w.spawnMany('a@h', 100, idle); // takes the pool the second run left, whatever was in it
  assert.equal(
    worlds.map((w) => w.procs.map((p) => `${p.pid.node}/${p.pid.id}/${p.uid}/${p.status}`).join()),
    before,
  );
});

test.run();
