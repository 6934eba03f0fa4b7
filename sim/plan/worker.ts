// A `zensim plan` worker process: loads the scenario once, then runs the jobs the driver
// (command.ts, pool.ts) sends over the IPC channel, one at a time, and sends back each
// job's compact result line. The driver forks it (see `startWorker` in pool.ts) with the
// marker argument below, from the build, or from the sources with tsx registered.
// `runJob` is also what the driver calls when it runs jobs in its own thread (`--jobs 1`).
import { loadScenario } from '../run/load.js';
import { jobResult, type Job, type JobResult, type Point } from './sweep.js';
import { InputError } from '../run/params.js';
import { runScenario } from '../run/runner.js';
import type { Scenario } from '../run/scenario.js';

export type WorkerJob = { k: number; scenario: string; set: [string, string][]; job: Job; point: Point };
export type WorkerReply = { k: number; ok: true; result: JobResult } | { k: number; ok: false; message: string; input: boolean };

/** The argument that makes a forked process a plan worker. */
export const WORKER_ARG = '--zensim-plan-worker';

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
export async function runJob(j: WorkerJob): Promise<WorkerReply> {
  try {
    const sc = await load(j.scenario);
    const doc = runScenario(sc, { seed: j.job.seed, set: j.set });
    return { k: j.k, ok: true, result: jobResult(j.job, j.point, doc) };
  } catch (e) {
    const err = e as Error;
    return { k: j.k, ok: false, message: err instanceof InputError ? err.message : (err.stack ?? String(err)), input: err instanceof InputError };
  }
}

if (process.send !== undefined && process.argv.includes(WORKER_ARG)) {
  const send = process.send.bind(process);
  // The driver alone decides when to stop: a Ctrl-C at a terminal signals the whole
  // process group, and the driver then kills its workers; a worker whose driver is gone
  // (its channel closed) exits.
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => {});
  process.on('disconnect', () => process.exit(0));
  process.on('message', (j: WorkerJob) => {
    void runJob(j).then((reply) => send(reply));
  });
}
