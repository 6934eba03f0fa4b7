// The processes a finished run kept, given to the isolate's next spawns (spawn.ts) with
// their pid objects: a run's processes die with it, V8 releases their old-space pages,
// and the next run (the zen mode after the vanilla one, the bench's next round, a plan
// worker's next job) faulted fresh pages in for its own, at ~13 µs a 4 KiB page on the
// Firecracker host (a Proc and its pid: 136 bytes; the 100k herd's ~3,300 faults a mode).
// Only a process that never ran is taken back (no RunState: a herd's targets): no label,
// registry or supervisor (WeakMaps keyed by the Proc or its pid) knows it, and nothing of
// it but its pid was ever seen by code. Bounded: the pool is the last released world's,
// and what it does not hand out goes with the next release.
import { Proc, type Behaviour } from './process.js';
import type { World } from './world.js';

/** A pid's fields the pool writes (readonly everywhere else: a pid is a term). */
type PidFields = { uid: number; node: string; id: number; creation: number };

/** What a released process runs until it is handed out: nothing (it holds none of its run's closures). */
const RELEASED: Behaviour = { handle: () => undefined };

/** The processes of the last released world that never ran, and the index of the next to hand out. */
let pool: Proc[] = [];
let next = 0;

/**
 * A released process made a new one, waiting, as `Proc.of` makes it (`Proc.renew`), its
 * pid object given the fields a new pid would have; undefined when the pool is empty.
 */
export function reusedProc(uid: number, node: string, id: number, creation: number, behaviour: Behaviour): Proc | undefined {
  if (next >= pool.length) return undefined;
  const p = pool[next++] as Proc;
  const pid = p.pid as PidFields;
  pid.uid = uid;
  pid.node = node;
  pid.id = id;
  pid.creation = creation;
  return Proc.renew(p, p.pid, behaviour);
}

/**
 * Takes back the processes of `w` that never ran, as the pool (the one before is
 * dropped). Only for a world whose run is over and that nothing holds any more (the
 * runner's, once its mode's result is complete): its process table is the pool now.
 */
export function releaseProcs(w: World): void {
  const procs = w.procs;
  let n = 0;
  for (let i = 0; i < procs.length; i++) {
    const p = procs[i];
    if (p === undefined || p.ext !== undefined) continue;
    procs[n++] = Proc.renew(p, p.pid, RELEASED);
  }
  procs.length = n;
  pool = procs;
  next = 0;
}
