// Where a message or a monitor goes: a pid or a registered name on a node, the term a
// DOWN names for it, and the per-node maps the world keeps of them.
import { atom, tuple, type Term } from '../../core/terms.js';
import type { Dest, Named, Proc } from './process.js';

export function isNamed(d: Dest): d is Named {
  return !('t' in d);
}

/**
 * The process of `procs` (a world's, by uid) whose own pid object `to` is (the usual
 * destination of a send or a monitor), else undefined: such a pid is checked and resolved
 * by this one look at its process, without the world's `checkDest` and `resolveLocal`.
 */
export function ownerOf(procs: readonly (Proc | undefined)[], to: Dest): Proc | undefined {
  const own = typeof to === 'object' && to !== null && !isNamed(to) ? procs[to.uid] : undefined;
  return own !== undefined && own.pid === to ? own : undefined;
}

export function destNode(d: Dest): string {
  return d.node;
}

/** The term a DOWN names for a monitored destination: the pid, or `{name, node}`. */
export function destTerm(d: Dest): Term {
  return isNamed(d) ? tuple(atom(d.name), atom(d.node)) : d;
}

/** `byPeer`'s entry for node `peer`, made by `make` on first use (a module-level function: no closure per call). */
export function perPeer<V>(byPeer: Map<string, V>, peer: string, make: () => V): V {
  let v = byPeer.get(peer);
  if (v === undefined) {
    v = make();
    byPeer.set(peer, v);
  }
  return v;
}
