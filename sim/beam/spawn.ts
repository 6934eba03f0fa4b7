// Spawning (beam.md "Processes and mailboxes"): a new process gets the next pid of its
// node, a Proc, its place in the world's process table and its node's memory books, and
// runs its `init` (if any) at once. A batch of one behaviour (a herd's targets) looks at
// the node and the behaviour once, and grows the world's tables once.
import type { Pid } from '../../core/terms.js';
import { withLength } from '../../core/uid_map.js';
import { INIT } from './handling.js';
import { checkHeapWords } from './memory.js';
import type { NodesByProc, SimNode } from './node.js';
import { Proc, type Behaviour, type SpawnOpts } from './process.js';
import { reusedProc } from './proc_pool.js';
import type { World } from './world.js';

export class Spawner {
  constructor(
    private readonly w: World,
    /** The world's record of each process's node (`World.nodeOf`). */
    private readonly procNodes: NodesByProc,
  ) {}

  /** World.spawn. */
  spawn(nodeName: string, behaviour: Behaviour, opts: SpawnOpts | undefined): Pid {
    const node = this.nodeFor(nodeName, behaviour);
    const p = this.newProc(node, behaviour);
    this.w.mem.spawned(p, node, opts?.offHeapQueue === true);
    if (opts?.name !== undefined) this.w.register(p, opts.name);
    if (behaviour.init !== undefined) {
      p.resume = INIT;
      this.w.makeRunnable(p);
    }
    return p.pid;
  }

  /** World.spawnMany: `n` calls of `spawn`; one by one for a behaviour with an `init` (each runs as it is spawned). */
  spawnMany(nodeName: string, n: number, behaviour: Behaviour): Pid[] {
    const pids: Pid[] = new Array(n);
    if (behaviour.init !== undefined) {
      for (let i = 0; i < n; i++) pids[i] = this.spawn(nodeName, behaviour, undefined);
      return pids;
    }
    if (n === 0) return pids;
    const node = this.nodeFor(nodeName, behaviour);
    const base = this.w.procs.length;
    const presize = n >= PRESIZE_MIN && 2 * n >= base;
    // The node index gets the table's spare slots too: reserved at base + n exactly, the
    // spawn after a herd's targets (its subscriber) doubled it (a fresh Int32Array of
    // 200,000 and a copy: ~84 page faults a mode at 100k).
    this.procNodes.reserve(base + n + (presize ? SPAWN_ROOM : 0));
    if (presize) this.w.procs = withRoom(this.w.procs, base + n); // holes until spawned
    this.newProcs(pids, node, behaviour, base);
    this.w.mem.spawnedMany(node, n);
    return pids;
  }

  /**
   * `pids.length` new processes on `node`, uids from `base`, their pids into `pids`. A
   * method of its own: V8 optimizes a herd's loop mid-loop (on-stack replacement), before
   * the code after it has run; with that code inside, the optimized loop bailed out there
   * at once, in each mode of a fresh isolate's first run.
   */
  private newProcs(pids: Pid[], node: SimNode, behaviour: Behaviour, base: number): void {
    for (let i = 0; i < pids.length; i++) pids[i] = this.newProc(node, behaviour, base + i).pid;
  }

  /** The node a spawn on `nodeName` goes to, once it and the behaviour are checked. */
  private nodeFor(nodeName: string, behaviour: Behaviour): SimNode {
    const node = this.w.node(nodeName);
    if (!node.up) throw new RangeError(`cannot spawn on node '${nodeName}': it is down`);
    checkHeapWords(behaviour);
    return node;
  }

  /** A new process on `node`, waiting, its pid the next of the node's; `uid` is the world's next (a slot of a presized table in a batch). */
  private newProc(node: SimNode, behaviour: Behaviour, uid = this.w.procs.length): Proc {
    const id = node.nextId++;
    const p = reusedProc(uid, node.name, id, node.creation, behaviour) ?? Proc.of({ t: 'pid', uid, node: node.name, id, creation: node.creation }, behaviour);
    this.w.procs[uid] = p;
    this.procNodes.set(uid, node);
    return p;
  }
}

/**
 * A batch of at least this many, and at least half the processes already spawned, gets
 * the world's table made at its new size (`withLength`): one copy of the table per batch,
 * never more than twice the batch. Pushed one by one, V8 grew it in 1.5x steps, each a
 * fresh copy: ~3 times its size in all (the 100k herd: ~1,200 page faults a round).
 */
const PRESIZE_MIN = 1024;

/**
 * Slots made past a presized batch for the processes spawned one by one after it (a herd's
 * subscriber and ticker): the first store past an exact-size table made V8 copy it into
 * one 1.5x its size (the 100k herd: ~590 page faults a round).
 */
const SPAWN_ROOM = 1024;

/**
 * `a` copied into a table of `length` + SPAWN_ROOM slots whose `length` is then cut back
 * to `length` (the next uid): V8 keeps the store where it is when under half of it is cut
 * (elements.cc `SetLengthImpl`: the tail is filled with holes), so the next spawns store
 * into it without a copy.
 */
function withRoom(a: readonly Proc[], length: number): Proc[] {
  const b = withLength(a, length + SPAWN_ROOM, a.length);
  b.length = length;
  return b;
}
