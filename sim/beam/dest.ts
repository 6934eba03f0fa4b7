// Where a message or a monitor goes: a pid or a registered name on a node, the term a
// DOWN names for it, and the per-node maps the world keeps of them.
import { atom, tuple, type Term } from '../../core/terms.js';
import type { Dest, Named } from './process.js';

export function isNamed(d: Dest): d is Named {
  return !('t' in d);
}

export function destNode(d: Dest): string {
  return d.node;
}

/** The term a DOWN names for a monitored destination: the pid, or `{name, node}`. */
export function destTerm(d: Dest): Term {
  return isNamed(d) ? tuple(atom(d.name), atom(d.node)) : d;
}

/** The inner map of `m` for `key`, made on first use. */
export function mapFor<K, V>(m: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let inner = m.get(key);
  if (inner === undefined) {
    inner = new Map();
    m.set(key, inner);
  }
  return inner;
}
