// Running a plan's jobs on a pool of worker threads (one or more; each loads the
// scenario once and runs many jobs), appending each result line whole and in job order
// to results.jsonl (nothing finished is lost on an interrupt), with a progress bar and
// ETA. The wall clock is read here only, for the progress bar (marked wall-clock: ok);
// nothing it reads reaches the results or the report.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../run/params.js';
import { AppendFile } from '../report/output.js';
import { type Job, type JobResult, type Point, pointText, runSettings } from './sweep.js';
import type { WorkerJob, WorkerReply } from './worker.js';


export type PlanHooks = {
  /** Stop, as an interruption would, once this many jobs have finished in this session (tests). */
  maxJobs?: number;
  /** Aborting interrupts the sweep: running jobs are dropped, finished ones kept. */
  signal?: AbortSignal;
  /** Progress and notes (default: stderr unless quiet). */
  err?: (s: string) => void;
  /** The summary (default: stdout unless quiet). */
  out?: (s: string) => void;
  /** Whether err is a terminal (a redrawn progress bar) or a log (a line per 10%). */
  tty?: boolean;
  /**
   * Told the number of worker threads as a pool starts, before any of them; what it
   * answers is called once, when they have all ended (however the pool ends). The
   * command line sets V8's helper threads for the pool there (bin/v8.mjs, enterWorkerPool).
   */
  workerPool?: (workers: number) => () => void;
  /**
   * Runs estimated (sim/run/footprint.ts) at `minBytes` or more run on workers started
   * after `enter()` (the command line sets V8's young generation for them there, bin/v8.mjs
   * largeWorkerRuns): a worker started before finds out at such a run's start, before its
   * work, and hands it back; the pool enters once, ends that worker and starts another in
   * its place with the same job. What `enter` answers is called once the workers have all ended.
   */
  largeRuns?: { minBytes: number; enter: () => () => void };
};

export type ExecContext = {
  scenario: string;
  set: readonly (readonly [string, string])[];
  /** Worker threads (at least 1). */
  workers: number;
  file: string;
  hooks: PlanHooks;
  err: (s: string) => void;
};

/**
 * Runs the jobs; appends each result line to the file, whole, in job order (a result
 * that finishes early waits for the ones before it, and is written at once if the
 * sweep is interrupted, so nothing finished is lost). A job that fails stops the sweep
 * as in one thread, whatever the number of workers: the jobs before it finish and are
 * kept, none after it is (those running are dropped, no other starts), then it throws.
 */
export async function execute(todo: { job: Job; point: Point }[], ctx: ExecContext): Promise<{ interrupted: boolean; finished: number }> {
  if (todo.length === 0) return { interrupted: false, finished: 0 };
  const results = new AppendFile(ctx.file);
  const held: (JobResult | undefined)[] = new Array(todo.length);
  let written = 0;
  let finished = 0;
  /** Jobs from this one on are not kept: it failed. */
  let keep = todo.length;
  const progress = new Progress(todo.length, ctx.err, ctx.hooks.tty ?? (process.stderr.isTTY === true));
  const write = (r: JobResult) => results.append(`${JSON.stringify(r)}\n`);
  const accept = (k: number, r: JobResult) => {
    if (k >= keep) return;
    held[k] = r;
    finished++;
    while (written < todo.length && held[written] !== undefined) {
      write(held[written] as JobResult);
      held[written] = undefined;
      written++;
    }
    progress.update(finished);
  };
  const cut = (k: number) => {
    keep = Math.min(keep, k);
    held.fill(undefined, keep);
  };
  const flushHeld = () => {
    for (let k = written; k < todo.length; k++) if (held[k] !== undefined) write(held[k] as JobResult);
  };
  const jobOf = (k: number): WorkerJob => {
    const t = todo[k] as { job: Job; point: Point };
    return { k, scenario: ctx.scenario, set: runSettings({ set: ctx.set }, t.point), job: t.job, point: t.point };
  };
  const limitReached = () => ctx.hooks.maxJobs !== undefined && finished >= ctx.hooks.maxJobs;
  let interrupted = false;
  // On a terminal, the elapsed time and ETA move while long runs go on in the workers.
  const ticker = setInterval(() => progress.update(finished), 1000); // wall-clock: ok (the CLI progress bar)
  ticker.unref();
  try {
    progress.update(0);
    interrupted = await pool(todo, ctx, jobOf, { accept, cut }, limitReached);
  } finally {
    clearInterval(ticker);
    try {
      flushHeld();
    } finally {
      results.close();
      progress.end();
    }
  }
  return { interrupted, finished };
}

function jobError(reply: Extract<WorkerReply, { ok: false }>, t: { job: Job; point: Point }): Error {
  const what = `run ${t.job.index + 1} (point ${pointText(t.point)}, seed ${t.job.seed})`;
  return reply.input ? new InputError(`${what}: ${reply.message}`) : new Error(`${what} failed:\n${reply.message}`);
}

/**
 * The file URL of tsx's ESM API (`tsx/esm/api`, import condition), found from tsx's
 * package.json so it works whether this module runs as ESM or was compiled to CommonJS
 * by tsx (uvu -r tsx), where import.meta.resolve is missing.
 */
function tsxEsmApi(): string {
  const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: Record<string, { import?: { default?: string } } | string> };
  const entry = pkg.exports?.['./esm/api'];
  const target = typeof entry === 'object' && typeof entry.import?.default === 'string' ? entry.import.default : './dist/esm/api/index.mjs';
  return pathToFileURL(join(dirname(pkgFile), target)).href;
}

/**
 * A worker thread running worker.ts's job loop. From the build (dist/, where this module
 * is bundled beside worker.js) it runs the precompiled worker directly; from the sources
 * (tests, or a CLI that could not build) it registers tsx first, as workers do not
 * inherit the main thread's loader.
 */
function startWorker(): Worker {
  const workerData = { zensimPlanWorker: true };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  const entry = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsxEsmApi())}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true, workerData });
}

/** Where a pool's results go: `accept` a finished job's; `cut(k)`: job k failed, keep none from it on. */
type Results = { accept: (k: number, r: JobResult) => void; cut: (k: number) => void };

function pool(
  todo: readonly { job: Job; point: Point }[],
  ctx: ExecContext,
  jobOf: (k: number) => WorkerJob,
  results: Results,
  limitReached: () => boolean,
): Promise<boolean> {
  return new Promise<boolean>((resolveP, rejectP) => {
    const workers: Worker[] = [];
    const busy = new Map<Worker, number>();
    let next = 0;
    let settled = false;
    /** The first job (in job order) known to have failed: the pool ends when every job before it has finished. */
    let failed: { k: number; error: Error } | undefined;
    const leavePool = ctx.hooks.workerPool?.(ctx.workers);
    /**
     * Workers told to end before the pool does, whose exits are expected: one left without
     * a job while others still run (its end, its isolate's heap given back, took 13-16 ms
     * for one worker and 37-41 ms for two at once, and now overlaps their runs instead of
     * following the last of them), and one that handed a large run back.
     */
    const ended = new Set<Worker>();
    const end = (w: Worker) => {
      ended.add(w);
      void w.terminate();
    };
    const large = ctx.hooks.largeRuns;
    /** Workers started after `large.enter()`. */
    const big = new Set<Worker>();
    /** What puts `large.enter()`'s settings back once the workers have ended; set at the first large run. */
    let leaveLarge: (() => void) | undefined;
    const settle = (interrupted: boolean, error?: Error) => {
      if (settled) return;
      settled = true;
      ctx.hooks.signal?.removeEventListener('abort', onAbort);
      void Promise.all(workers.map((w) => w.terminate())).then(() => {
        leaveLarge?.();
        leavePool?.();
        return error !== undefined ? rejectP(error) : resolveP(interrupted);
      });
    };
    const onAbort = () => settle(true);
    const settleIfDone = () => {
      const f = failed;
      if (f === undefined) {
        if (busy.size === 0) settle(false);
      } else if (![...busy.values()].some((k) => k < f.k)) settle(false, f.error);
    };
    const fail = (k: number, error: Error) => {
      if (failed === undefined || k < failed.k) failed = { k, error };
      results.cut(k);
      settleIfDone();
    };
    /** Job k to worker w; a worker started before `large.enter()` hands a large run back. */
    const post = (w: Worker, k: number) => {
      busy.set(w, k);
      w.postMessage(large !== undefined && !big.has(w) ? { ...jobOf(k), elsewhereAt: large.minBytes } : jobOf(k));
    };
    const give = (w: Worker) => {
      if (next >= todo.length || failed !== undefined) {
        if (busy.size > 0) end(w);
        return settleIfDone();
      }
      post(w, next++);
    };
    /** Worker `at` handed job k back: it ends, and one started after `large.enter()` runs k in its place. */
    const startOver = (at: number, k: number) => {
      leaveLarge ??= large?.enter();
      end(workers[at] as Worker);
      const w = start(at);
      if (w === undefined) return;
      big.add(w);
      post(w, k);
    };
    /** Starts worker `at` (in `workers`), or settles with why it could not. */
    const start = (at: number): Worker | undefined => {
      let w: Worker;
      try {
        w = startWorker();
      } catch (e) {
        settle(false, e as Error);
        return undefined;
      }
      workers[at] = w;
      w.on('message', (reply: WorkerReply) => {
        if (settled) return;
        busy.delete(w);
        if (reply.ok === 'elsewhere') return startOver(at, reply.k);
        if (!reply.ok) return fail(reply.k, jobError(reply, todo[reply.k] as { job: Job; point: Point }));
        try {
          results.accept(reply.k, reply.result);
        } catch (e) {
          return settle(false, e as Error); // results.jsonl could not be written: stop, one line
        }
        if (limitReached()) return settle(next < todo.length || busy.size > 0);
        give(w);
      });
      w.on('error', (e) => settle(false, new Error(`a plan worker failed: ${e.stack ?? String(e)}`)));
      w.on('exit', (code) => {
        if (!settled && !ended.has(w)) settle(false, new Error(`a plan worker exited (code ${code})`));
      });
      return w;
    };
    if (ctx.hooks.signal?.aborted === true) return settle(true);
    ctx.hooks.signal?.addEventListener('abort', onAbort);
    for (let i = 0; i < ctx.workers; i++) {
      const w = start(i);
      if (w === undefined) return;
      give(w);
    }
  });
}

/** The progress bar and ETA (stderr): redrawn on a terminal, a line per 10% in a log. */
class Progress {
  private readonly t0 = performance.now(); // wall-clock: ok
  private shown = -1;
  private drawnAt = 0;

  constructor(
    private readonly total: number,
    private readonly say: (s: string) => void,
    private readonly tty: boolean,
  ) {}

  update(done: number): void {
    const now = performance.now(); // wall-clock: ok
    const elapsed = (now - this.t0) / 1000;
    const pct = Math.floor((done / this.total) * 100);
    const eta = done === 0 ? '…' : clock((elapsed / done) * (this.total - done));
    if (this.tty) {
      if (done < this.total && now - this.drawnAt < 100) return;
      this.drawnAt = now;
      const width = 24;
      const fill = Math.round((done / this.total) * width);
      this.say(`\r  [${'█'.repeat(fill)}${'░'.repeat(width - fill)}] ${done}/${this.total} runs ${String(pct).padStart(3)}%  elapsed ${clock(elapsed)}  ETA ${eta}   `);
      this.shown = done;
    } else {
      const step = Math.floor(pct / 10);
      if (step <= this.shown || done === 0) return;
      this.shown = step;
      this.say(`  ${done}/${this.total} runs (${pct}%), elapsed ${clock(elapsed)}, ETA ${eta}\n`);
    }
  }

  end(): void {
    if (this.tty && this.shown >= 0) this.say('\n');
  }
}

function clock(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const ss = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
