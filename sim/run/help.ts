// What `zensim run <scenario> --help` adds to the option list: the scenario's name and
// description, each of its parameters (kind, default, range, description), and the
// settings every scenario accepts through `--set` (ZenMonitor's app env, the cost model
// and the network, at this scenario's values, each with its range).
import { COMPILE_TIME_KEYS, compileTimeHint, defaultZenConfig, setZenConfig, ZEN_CONFIG_KEYS, zenConfigExpects } from '../../core/config.js';
import { defaultCostModel, MAX_COST } from '../beam/cost.js';
import { defaultNetConfig, netRangeText, type NetConfig } from '../beam/net_config.js';
import { paramRangeText, resolveParams } from './params.js';
import { checkCluster } from './runner.js';
import type { ClusterSpec, Scenario } from './scenario.js';

/** The scenario's parameters and the settings `--set` takes, as plain text. */
export function scenarioHelp(sc: Scenario): string {
  const out = [`Scenario ${sc.name}: ${sc.description}`, '', 'Parameters (--set name=value):'];
  const params = Object.entries(sc.params);
  const width = Math.max(...params.map(([k]) => k.length));
  for (const [key, spec] of params) out.push(`  ${key.padEnd(width)}  ${spec.doc} (${paramRangeText(spec)})`);
  const cluster = defaultCluster(sc);
  out.push('', `ZenMonitor app env on every node (--set zen.<key>=value; this scenario's values):`);
  const zen = defaultZenConfig();
  try {
    for (const [k, v] of Object.entries(cluster.zen ?? {})) setZenConfig(zen, k, v);
  } catch {
    // The scenario's own values are checked when it runs; help shows the defaults.
  }
  for (const key of ZEN_CONFIG_KEYS) {
    const when = COMPILE_TIME_KEYS.includes(key) ? '; compile time in ZenMonitor 2.1.0: recompile zen_monitor to change it on a real node' : '';
    out.push(`  zen.${key}=${String(zen[key])}  (${zenConfigExpects(key)}${when})`);
  }
  const cost = { ...defaultCostModel, ...cluster.cost };
  out.push('', `Cost model (--set cost.<key>=value; each from 0 to ${MAX_COST}): ${Object.entries(cost).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  out.push('', 'Network (--set net.<key>=value):');
  const net = { ...defaultNetConfig, ...cluster.net };
  for (const [key, v] of Object.entries(net)) out.push(`  net.${key}=${String(v)}${rangeOf(key as keyof NetConfig)}`);
  return out.join('\n');
}

/** The cluster at the scenario's default parameters (none if it cannot say). */
function defaultCluster(sc: Scenario): ClusterSpec {
  try {
    return checkCluster(sc.cluster(resolveParams(sc.params, {}) as never));
  } catch {
    return { nodes: [] };
  }
}

function rangeOf(key: keyof NetConfig): string {
  const r = netRangeText(key);
  if (r !== undefined) return `  (${r})`;
  return key === 'autoConnect' ? '  (always, once or never)' : '  (true or false)';
}

/** Whether setting `key` (as `--set` names it: `zen.truncation_depth`) is one the real library reads only when it is compiled. */
export function isCompileTimeSetting(key: string): boolean {
  return key.startsWith('zen.') && compileTimeHint(key.slice(4)) !== undefined;
}

/**
 * A note (one sentence) for each compile-time ZenMonitor setting among `keys` (as `--set`
 * names them; the others are skipped): zensim models a library compiled with it, which an
 * operator gets by recompiling, not from a running node's app env.
 */
export function compileTimeNotes(keys: Iterable<string>): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const hint = isCompileTimeSetting(key) ? compileTimeHint(key.slice(4)) : undefined;
    if (hint !== undefined && !out.includes(hint)) out.push(hint);
  }
  return out;
}

