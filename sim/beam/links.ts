// Links between simulated processes (erlang:link/1, unlink/1, spawn_link/1 and the exit
// signals a link carries; the Erlang reference manual, "Processes"). A link is
// bidirectional: each side holds it. When a process dies, every process linked to it gets
// an exit signal with its exit reason (a process killed by `exit(pid, :kill)` died with
// `:killed`, and that is what its links carry; a link never carries an untrappable kill).
// A link to a process that does not exist gives the linker a `:noproc` exit signal.
// Across nodes, link and unlink are signals over the connection (FIFO with the rest),
// and when the connection goes down every link across it breaks on both sides with
// `:noconnection`. An exit signal through a link that was removed meanwhile (unlink/1)
// has no effect: what unlink/1 guarantees, since OTP 23. What an exit signal does to the
// receiver (trap_exit, :normal) is signals.ts's.
import { atom, type Pid, type Term } from '../../core/terms.js';
import type { SimNode } from './node.js';
import type { Proc } from './process.js';
import type { World } from './world.js';
import { perPeer } from './dest.js';

const newProcSet = (): Set<Proc> => new Set();

const NOPROC = atom('noproc');
const NOCONNECTION = atom('noconnection');

/** An exit signal (erlang:exit/2, or a link's when `link` is true) as the receiver's node gets it. */
export type ExitSig = { readonly reason: Term; readonly from: Pid | undefined; readonly link: boolean };

export class Links {
  constructor(private readonly w: World) {}

  /** `link(to)` by `p` at CPU time `atUs`. */
  link(p: Proc, to: Pid, atUs: number): void {
    const w = this.w;
    w.checkDest(to, 'link to');
    if (to.uid === p.uid || p.ext?.links?.has(to.uid) === true) return;
    const q = w.procs[to.uid] as Proc;
    if (to.node === p.pid.node) {
      // erlang:link/1: a local process that does not exist gives the caller a :noproc
      // exit signal (a trapping caller gets {:EXIT, to, :noproc}; the BIF's badarg for a
      // non-trapping caller is modelled as that same signal, effective when the handler ends).
      if (!q.alive) return w.signals.exitAt(atUs, to.node, p.pid, NOPROC, to);
      this.add(p, q);
      this.add(q, p);
      return;
    }
    this.add(p, q);
    w.dist.send(atUs, p.pid.node, to.node, { kind: 'link', from: p.pid, to }, false);
  }

  /** `unlink(to)` by `p` at CPU time `atUs`. */
  unlink(p: Proc, to: Pid, atUs: number): void {
    this.w.checkDest(to, 'unlink of');
    if (p.ext?.links?.delete(to.uid) !== true) return;
    if (to.node === p.pid.node) this.w.procs[to.uid]?.ext?.links?.delete(p.uid);
    else this.w.dist.send(atUs, p.pid.node, to.node, { kind: 'unlink', from: p.pid, to }, false);
  }

  /** A link signal from `from` arrives at `to`'s node: the link is made, or `:noproc` goes back. */
  linkArrives(from: Pid, to: Pid): void {
    const w = this.w;
    const q = w.alive(to);
    if (q === undefined) {
      const m = { kind: 'exit', to: from, from: to, reason: NOPROC, link: true } as const;
      w.dist.send(w.kernel.nowUs, to.node, from.node, m, false);
      return;
    }
    this.add(q, w.procs[from.uid] as Proc);
  }

  unlinkArrives(from: Pid, to: Pid): void {
    this.w.alive(to)?.ext?.links?.delete(from.uid);
  }

  /**
   * An exit signal through a link reaches `p`: true if the link was still there (it is
   * removed: a link carries one exit signal), false if `p` had unlinked meanwhile.
   */
  take(p: Proc, from: Pid | undefined): boolean {
    return from !== undefined && p.ext?.links?.delete(from.uid) === true;
  }

  /** `p` died with `reason`: each linked process gets an exit signal with it, now. */
  died(p: Proc, reason: Term): void {
    const links = p.ext?.links;
    if (links === undefined) return;
    p.runState().links = undefined;
    const w = this.w;
    const now = w.kernel.nowUs;
    const node = w.nodeOf(p);
    for (const q of links.values()) {
      if (q.pid.node === p.pid.node) {
        if (q.alive) w.kernel.at(now, w.kinds.exit, q.uid, { reason, from: p.pid, link: true } satisfies ExitSig);
      } else {
        node.linkedTo.get(q.pid.node)?.delete(p);
        const m = { kind: 'exit', to: q.pid, from: p.pid, reason, link: true } as const;
        w.dist.send(now, p.pid.node, q.pid.node, m, false);
      }
    }
  }

  /** The connection from `node` to `peer` is down: every link across it breaks with `:noconnection`. */
  connectionDown(node: SimNode, peer: string): void {
    const holders = node.linkedTo.get(peer);
    if (holders === undefined) return;
    node.linkedTo.delete(peer);
    for (const p of holders) {
      if (!p.alive || p.ext?.links === undefined) continue;
      for (const q of [...p.ext.links.values()]) {
        if (q.pid.node === peer) this.w.signals.exitSignal(p, { reason: NOCONNECTION, from: q.pid, link: true });
      }
    }
  }

  /** A link signal could not be sent (no connection can be made): it breaks at once with `:noconnection`. */
  unreachable(from: Pid, to: Pid): void {
    const p = this.w.alive(from);
    if (p !== undefined) this.w.signals.exitSignal(p, { reason: NOCONNECTION, from: to, link: true });
  }

  private add(p: Proc, q: Proc): void {
    (p.runState().links ??= new Map()).set(q.uid, q);
    if (q.pid.node === p.pid.node) return;
    perPeer(this.w.nodeOf(p).linkedTo, q.pid.node, newProcSet).add(p);
  }
}
