// The Perfetto (Chrome trace-event JSON) writer: a small run recorded into memory parses
// as JSON, has metadata, slices and instants, keeps each track in time order, puts the
// crash at the crash time, respects its cap, and does not change the run.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../../sim/cli.js';
import { PerfettoRecorder, RUN_PID_OFFSET, sliceName } from '../../../sim/report/perfetto.js';
import { runScenario, type ResultDoc, type RunOptions } from '../../../sim/run/runner.js';
import { A, B, CRASH_MS, tinyHerd } from '../run/tiny_herd.js';

const tiny = tinyHerd();

type Ev = { ph: string; name: string; ts?: number; dur?: number; pid: number; tid: number; s?: string; cat?: string; args?: Record<string, unknown> };
type Trace = { traceEvents: Ev[]; displayTimeUnit: string; otherData: Record<string, unknown> };

function record(opts: RunOptions = {}, maxSlices?: number): { trace: Trace; text: string; traceHash: string; doc: ResultDoc } {
  const chunks: string[] = [];
  const rec = new PerfettoRecorder({ write: (s) => void chunks.push(s) }, maxSlices !== undefined ? { maxSlices } : {});
  const doc = runScenario(tiny, { ...opts, attach: (w, m) => rec.attach(w, m) });
  rec.finish();
  const text = chunks.join('');
  return { trace: JSON.parse(text) as Trace, text, traceHash: doc.traceHash, doc };
}

const full = record();

test('the file is trace-event JSON with metadata, slices and instants', () => {
  const { trace } = full;
  assert.is(trace.displayTimeUnit, 'ms');
  assert.ok(Array.isArray(trace.traceEvents));
  const phases = new Set(trace.traceEvents.map((e) => e.ph));
  for (const ph of ['M', 'X', 'i']) assert.ok(phases.has(ph), `phase ${ph} present`);
  assert.equal(trace.otherData.modes, ['vanilla', 'zen']);
  assert.is(trace.otherData.truncated, undefined);
});

test('tracks are named: nodes per mode, processes by registered name or pid', () => {
  const meta = full.trace.traceEvents.filter((e) => e.ph === 'M');
  const procNames = meta.filter((e) => e.name === 'process_name').map((e) => e.args?.name);
  for (const m of ['vanilla', 'zen']) for (const n of [A, B]) assert.ok(procNames.includes(`node ${n} (${m})`), `process_name node ${n} (${m})`);
  const threadNames = meta.filter((e) => e.name === 'thread_name').map((e) => String(e.args?.name));
  assert.ok(threadNames.includes('subscriber'));
  assert.ok(threadNames.includes('ZenMonitor.Local.Dispatcher'), 'zen processes appear in the zen run');
  assert.ok(threadNames.some((n) => /^#PID<\d+\.\d+\.\d+>$/.test(n)), 'an unregistered process is named by its pid');
  // Every track that has events is named.
  const named = new Set(meta.filter((e) => e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`));
  for (const e of full.trace.traceEvents) {
    if (e.ph === 'X' || (e.ph === 'i' && e.s === 't')) assert.ok(named.has(`${e.pid}/${e.tid}`), `track ${e.pid}/${e.tid} is named`);
  }
});

test('slices have a kind, non-negative integer ts/dur, and each track runs forward in time', () => {
  const last = new Map<string, number>();
  let slices = 0;
  for (const e of full.trace.traceEvents) {
    if (e.ph === 'M') continue;
    assert.ok(Number.isInteger(e.ts) && (e.ts as number) >= 0, `ts ${e.ts}`);
    if (e.ph === 'X') {
      slices++;
      assert.ok(Number.isInteger(e.dur) && (e.dur as number) >= 0, `dur ${e.dur}`);
      assert.type(e.name, 'string');
    }
    if (e.ph === 'i' && e.s === 'g') continue;
    const key = `${e.pid}/${e.tid}`;
    const prev = last.get(key) ?? 0;
    assert.ok((e.ts as number) >= prev, `track ${key}: ${e.ts} after ${prev}`);
    last.set(key, e.ts as number);
  }
  assert.ok(slices > 1000, `${slices} slices`);
  const names = new Set(full.trace.traceEvents.filter((e) => e.ph === 'X').map((e) => e.name));
  for (const n of ['init', 'DOWN', 'work', 'tick']) assert.ok(names.has(n), `a ${n} slice`);
});

test('slices on one track never overlap (a process handles one message at a time)', () => {
  const end = new Map<string, number>();
  for (const e of full.trace.traceEvents) {
    if (e.ph !== 'X') continue;
    const key = `${e.pid}/${e.tid}`;
    assert.ok((e.ts as number) >= (end.get(key) ?? 0), `track ${key} slice at ${e.ts} overlaps`);
    end.set(key, (e.ts as number) + (e.dur as number));
  }
});

test('the crash and the trigger are global instants at the crash time, once per mode', () => {
  const faults = full.trace.traceEvents.filter((e) => e.ph === 'i' && e.cat === 'fault');
  for (const mode of ['vanilla', 'zen']) {
    const crash = faults.filter((e) => e.args?.fault === 'crash' && e.args.mode === mode);
    assert.is(crash.length, 1, `one crash in ${mode}`);
    assert.is(crash[0]?.s, 'g');
    assert.is(crash[0]?.ts, CRASH_MS * 1000);
    assert.is(crash[0]?.args?.detail, B);
    assert.ok(crash[0]?.name.includes(B));
    const trigger = faults.filter((e) => e.args?.fault === 'trigger' && e.args.mode === mode);
    assert.is(trigger.length, 1);
    assert.is(trigger[0]?.ts, CRASH_MS * 1000);
  }
});

test('DOWN deliveries to the subscriber are instants on its track, one per target and mode', () => {
  const subTracks = new Set(
    full.trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'subscriber').map((e) => `${e.pid}/${e.tid}`),
  );
  assert.is(subTracks.size, 2);
  const downs = full.trace.traceEvents.filter((e) => e.ph === 'i' && e.cat === 'down');
  assert.is(downs.length, 2 * 200);
  for (const d of downs) {
    assert.is(d.s, 't');
    assert.ok(subTracks.has(`${d.pid}/${d.tid}`));
    assert.ok((d.ts as number) >= CRASH_MS * 1000);
  }
});

test("DOWN marks are at the subscriber's handling of each DOWN, the result's DOWN times: first, last and every 100 ms count the same", () => {
  for (const [i, r] of full.doc.runs.entries()) {
    const pid = 1 + i * RUN_PID_OFFSET;
    const triggerUs = (r.triggerMs as number) * 1000;
    const marks = full.trace.traceEvents.filter((e) => e.cat === 'down' && e.pid >= pid && e.pid < pid + RUN_PID_OFFSET).map((e) => (e.ts as number) - triggerUs);
    assert.is(marks.length, r.downs.delivered, r.mode);
    assert.is(Math.min(...marks) / 1000, r.downs.firstMs, `${r.mode} first`);
    assert.is(Math.max(...marks) / 1000, r.downs.lastMs, `${r.mode} last`);
    const counts = new Array<number>(r.downs.timeline.counts.length).fill(0);
    for (const us of marks) {
      const b = Math.floor(us / 1000 / r.downs.timeline.bucketMs);
      counts[b] = (counts[b] ?? 0) + 1;
    }
    assert.equal(counts, r.downs.timeline.counts, `${r.mode} timeline`);
  }
});

test('recording does not change the run', () => {
  const plain = runScenario(tiny, {});
  assert.is(full.traceHash, plain.traceHash);
});

test('the cap stops slices and DOWNs, keeps faults, and says so', () => {
  const { trace } = record({}, 50);
  const bulk = trace.traceEvents.filter((e) => e.ph === 'X' || (e.ph === 'i' && e.cat === 'down'));
  assert.is(bulk.length, 50);
  assert.is(trace.otherData.truncated, true);
  assert.ok((trace.otherData.droppedSlices as number) > 0);
  assert.match(String(trace.otherData.note), /capped at 50/);
  const notes = trace.traceEvents.filter((e) => e.ph === 'i' && e.cat === 'note');
  assert.is(notes.length, 1, 'the moment of the cap is marked once');
  const crashes = trace.traceEvents.filter((e) => e.cat === 'fault' && e.args?.fault === 'crash');
  assert.is(crashes.length, 2, 'faults after the cap are kept');
  assert.ok(trace.traceEvents.some((e) => e.ph === 'M' && e.args?.name === 'subscriber'));
});

test('a single-mode run records one set of nodes', () => {
  const { trace } = record({ params: { mode: 'zen', targets: 20 } });
  assert.equal(trace.otherData.modes, ['zen']);
  const procNames = trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => e.args?.name);
  assert.equal(procNames, [`node ${A} (zen)`, `node ${B} (zen)`]);
});

test('slice names are message kinds', () => {
  assert.is(sliceName({ kind: 'DOWN' }), 'DOWN');
  assert.is(sliceName({ kind: '$gen_call', msg: { kind: 'connect' } }), '$gen_call:connect');
  assert.is(sliceName({ t: 'tuple', v: [{ t: 'atom', v: 'work' }, { t: 'int', v: 1n }] }), 'work');
  assert.is(sliceName({ t: 'atom', v: 'tick' }), 'tick');
  assert.is(sliceName({ kind: 'call_result', tag: { t: 'ref', uid: -1, node: 'init' } }), 'init');
});

test('zensim run --perfetto writes the file atomically', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zensim-perfetto-'));
  try {
    const file = join(dir, 'herd.trace.json');
    const code = await main(['run', 'scenarios/herd.ts', '--set', 'targets=30', '--set', 'mode=vanilla', '--perfetto', file, '--quiet']);
    assert.is(code, 0);
    assert.ok(existsSync(file));
    const trace = JSON.parse(readFileSync(file, 'utf8')) as Trace;
    assert.ok(trace.traceEvents.some((e) => e.ph === 'X'));
    assert.ok(trace.traceEvents.some((e) => e.cat === 'fault' && e.args?.fault === 'crash'));
    assert.equal(
      readFileSync(file, 'utf8').length > 0 && existsSync(`${file}.${process.pid}.tmp`),
      false,
      'no temporary left behind',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
