// The client API: what `ZenMonitor.monitor/1`, `demonitor/2`, `compatibility/1`,
// `compatibility_for_node/1` and `connect/1` do inside the calling process.
//
// Mirrors ZenMonitor (lib/zen_monitor.ex), ZenMonitor.Local's client functions
// (lib/zen_monitor/local.ex) and Connector.compatibility/cached_compatibility/connect
// (lib/zen_monitor/local/connector.ex), v2.1.0. Rules kept: `monitor` writes the
// References row before casting to the target node's Connector (one per node, the local
// node included) and asks Local to monitor the caller only if it is not yet in the
// subscriber set; `demonitor` takes the row and, only when it was already gone, flushes
// one DOWN for the ref if asked to; the compatibility reads touch the Nodes table only.

import type { Ref, Term } from './terms.js';
import { isAtom } from './terms.js';
import type { Effect, Env } from './effects.js';
import { DEFAULT_CALL_TIMEOUT_MS, metric } from './effects.js';
import type { CallResult, Target } from './messages.js';
import { isTarget, targetNode } from './messages.js';
import type { CachedCompatibility, Compatibility } from './connector.js';
import { cachedCompatibility as readCache } from './connector.js';
import { inspect } from './inspect.js';

const METRIC_PREFIX = 'zen_monitor.local';

export type DemonitorOption = 'flush' | 'info';

/** `ZenMonitor.monitor(target)`; throws (as the caller would crash) on a malformed target. */
export function monitor(env: Env, target: Term): { ref: Ref; effects: Effect[] } {
  if (!isTarget(target)) {
    throw new Error(`ZenMonitor.monitor: malformed destination ${inspect(target)} (expected a pid, an atom or {name, node})`);
  }
  const ref = env.makeRef();
  env.tables.references.insert(env.self, ref, target);
  const effects: Effect[] = [
    metric(METRIC_PREFIX, 'monitor'),
    {
      kind: 'cast_connector',
      node: targetNode(target, env.node),
      msg: { kind: 'monitor', target, ref, subscriber: env.self },
    },
  ];
  if (!env.tables.localSubscribers.has(env.self)) {
    effects.push({
      kind: 'send_named',
      name: 'ZenMonitor.Local',
      node: env.node,
      msg: { kind: 'monitor_subscriber', subscriber: env.self },
    });
  }
  return { ref, effects };
}

/** `ZenMonitor.demonitor(ref, opts)`: always true; `:info` is accepted and ignored. */
export function demonitor(env: Env, ref: Ref, opts: readonly DemonitorOption[] = []): { result: true; effects: Effect[] } {
  const effects: Effect[] = [metric(METRIC_PREFIX, 'demonitor')];
  const row = env.tables.references.take(env.self, ref);
  if (row !== undefined) {
    effects.push({
      kind: 'cast_connector',
      node: targetNode(row.target, env.node),
      msg: { kind: 'demonitor', target: row.target, ref },
    });
  } else if (opts.includes('flush')) {
    effects.push({ kind: 'flush_down', ref });
  }
  return { result: true, effects };
}

/** `ZenMonitor.compatibility(target)`. */
export function compatibility(env: Env, target: Target): Compatibility {
  return compatibilityForNode(env, targetNode(target, env.node));
}

/** `ZenMonitor.compatibility_for_node(node)`: `:compatible` only on a positive cache row. */
export function compatibilityForNode(env: Env, node: string): Compatibility {
  return cachedCompatibility(env, node) === 'compatible' ? 'compatible' : 'incompatible';
}

/** `Connector.cached_compatibility(node)`: the raw cache state (`:miss`, `{:expired, n}`, ...). */
export function cachedCompatibility(env: Env, node: string): CachedCompatibility {
  return readCache(env.tables, node, env.nowMs);
}

/**
 * `ZenMonitor.connect(node)`: a call to this node's Connector for `node`. The caller blocks
 * until `{kind: 'call_result', tag, result}`; `connectResult(result)` reads it.
 */
export function connect(env: Env, node: string): { tag: string; effects: Effect[] } {
  const tag = `zen_connect:${node}:${env.makeRef().uid}`;
  return {
    tag,
    effects: [{ kind: 'call_connector', node, msg: { kind: 'connect' }, timeoutMs: DEFAULT_CALL_TIMEOUT_MS, tag }],
  };
}

/** The answer of `connect`: the Connector's reply; a call exit crashes the caller, so throws. */
export function connectResult(result: CallResult): Compatibility {
  if ('ok' in result) {
    if (isAtom(result.ok, 'compatible')) return 'compatible';
    if (isAtom(result.ok, 'incompatible')) return 'incompatible';
    throw new Error(`ZenMonitor.connect: unexpected reply ${inspect(result.ok)}`);
  }
  throw new Error(`ZenMonitor.connect: call exited with ${inspect(result.exit)}`);
}
