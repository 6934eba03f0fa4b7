// A `zensim plan` worker thread: loads the scenario once, then runs the jobs the driver
// (command.ts, pool.ts) posts, one at a time, and posts back each job's compact result line
// (or, for a run too large for this isolate's heap settings, hands the job back).
// The driver starts it with tsx registered (workers do not inherit the main thread's
// loader), see `startWorker` in pool.ts. Every sweep's jobs run in workers, `--jobs 1`'s
// in one.
import { parentPort, workerData } from 'node:worker_threads';
import { RunElsewhere } from '../run/footprint.js';
import { loadScenario } from '../run/load.js';
import { jobResult, type Job, type JobResult, type Point } from './sweep.js';
import { InputError } from '../run/params.js';
import { runScenario } from '../run/runner.js';
import { warmUp } from '../run/warm_up.js';
import type { Scenario } from '../run/scenario.js';

/** `elsewhereAt`: a run estimated at this many bytes or more is not run here but handed back (PlanHooks.largeRuns). */
export type WorkerJob = { k: number; scenario: string; set: [string, string][]; job: Job; point: Point; elsewhereAt?: number };
/** A job's result, its failure, or (`elsewhere`) its run handed back before its work. */
export type WorkerReply =
  | { k: number; ok: true; result: JobResult }
  | { k: number; ok: false; message: string; input: boolean }
  | { k: number; ok: 'elsewhere' };

const loaded = new Map<string, Promise<Scenario>>();

async function load(file: string): Promise<Scenario> {
  let p = loaded.get(file);
  if (p === undefined) {
    p = loadScenario(file);
    loaded.set(file, p);
  }
  return p;
}

/** Runs one job; never throws (a failure is a reply). */
async function runJob(j: WorkerJob): Promise<WorkerReply> {
  try {
    const sc = await load(j.scenario);
    warmUp(); // once per isolate, before its first job (sim/run/warm_up.ts)
    const at = j.elsewhereAt;
    const onFootprint = at === undefined ? undefined : (bytes: number) => {
      if (bytes >= at) throw new RunElsewhere(bytes);
    };
    const doc = runScenario(sc, { seed: j.job.seed, set: j.set, reuseProcs: true, ...(onFootprint !== undefined ? { onFootprint } : {}) });
    return { k: j.k, ok: true, result: jobResult(j.job, j.point, doc) };
  } catch (e) {
    if (e instanceof RunElsewhere) return { k: j.k, ok: 'elsewhere' };
    const err = e as Error;
    return { k: j.k, ok: false, message: err instanceof InputError ? err.message : (err.stack ?? String(err)), input: err instanceof InputError };
  }
}

if (parentPort !== null && (workerData as { zensimPlanWorker?: boolean } | null)?.zensimPlanWorker === true) {
  const port = parentPort;
  port.on('message', (j: WorkerJob) => {
    void runJob(j).then((reply) => port.postMessage(reply));
  });
}
