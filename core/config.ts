// ZenMonitor's application environment (`:zen_monitor` app env): every key of the spec's
// §9 under its upstream snake_case name, with the upstream defaults.
//
// Mirrors the `Application.get_env(:zen_monitor, key, @default)` getters spread over
// Connector, Batcher, Dispatcher, Local and ZenMonitor (gen_module), and the Truncator's
// compile-time settings. Rules: components read `env.config` on every use and never
// cache a value, so a change takes effect at the next sweep or demand tick, as upstream;
// `setZenConfig` is the only writer and rejects unknown keys and ill-typed values.

export interface ZenConfig {
  /** ms between Connector sweeps. */
  connector_sweep_interval: number;
  /** Instructions per Connector sweep. */
  connector_chunk_size: number;
  /** ms between Batcher sweeps. */
  batcher_sweep_interval: number;
  /** Death certificates per Batcher sweep. */
  batcher_chunk_size: number;
  /** ms the Proxy waits to look up or start a Batcher (GenRegistry.lookup_or_start). */
  batcher_lookup_timeout: number;
  /** ms between Dispatcher demands. */
  demand_interval: number;
  /** Events the Dispatcher asks Local for at each tick. */
  demand_amount: number;
  /** Local hibernates each time it has handed over its whole queue this many times. */
  hibernation_threshold: number;
  /** Truncator: longest binary that passes untouched (compile time upstream). */
  max_binary_size: number;
  /** Truncator: nesting depth kept (compile time upstream). */
  truncation_depth: number;
  /** Module used for calls and casts by the Connector (GenServer upstream). */
  gen_module: string;
}

export type ZenConfigKey = keyof ZenConfig;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

export function defaultZenConfig(): ZenConfig {
  return {
    connector_sweep_interval: 100,
    connector_chunk_size: 5000,
    batcher_sweep_interval: 100,
    batcher_chunk_size: 5000,
    batcher_lookup_timeout: 30_000,
    demand_interval: 100,
    demand_amount: 1000,
    hibernation_threshold: 1000,
    max_binary_size: 1024,
    truncation_depth: 3,
    gen_module: 'GenServer',
  };
}

/** Each key's value rule: a description for error messages and its check; a number rule also names its upper limit. */
type Rule = { readonly expects: string; readonly ok: (value: unknown) => boolean; readonly max?: { readonly value: number; readonly why: string } };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
/** The longest `Process.send_after` ERTS accepts (2^32 - 1 ms, about 49.7 days): intervals and timeouts. */
export const MAX_INTERVAL_MS = 4_294_967_295;
/** Counts (chunk sizes, demand, thresholds) stay below 2^32 so every product with an interval is exact. */
export const MAX_COUNT = 4_294_967_295;
const intAtLeast = (min: number, max: number, why: string): Rule => ({
  expects: min === 1 ? 'a positive integer' : `an integer >= ${min}`,
  ok: (v) => isInt(v) && v >= min && v <= max,
  max: { value: max, why },
});
const interval = (): Rule => intAtLeast(1, MAX_INTERVAL_MS, "ms, erlang:send_after's limit");
const count = (min: number): Rule => intAtLeast(min, MAX_COUNT, '2^32 - 1');
const moduleName: Rule = {
  expects: 'an Elixir module name such as "GenServer"',
  ok: (v) => typeof v === 'string' && /^[A-Z][A-Za-z0-9_]*(\.[A-Z][A-Za-z0-9_]*)*$/.test(v),
};

// Intervals, chunk sizes and demand must be >= 1: with 0 upstream stalls (a chunk of 0
// never drains, `ask(0)` asks nothing) or spins (send_after 0 re-arms at once).
const RULES: { readonly [K in ZenConfigKey]: Rule } = {
  connector_sweep_interval: interval(),
  connector_chunk_size: count(1),
  batcher_sweep_interval: interval(),
  batcher_chunk_size: count(1),
  batcher_lookup_timeout: interval(),
  demand_interval: interval(),
  demand_amount: count(1),
  hibernation_threshold: count(1),
  // The Truncator keeps `max_binary_size - 3` bytes plus "...".
  max_binary_size: count(3),
  truncation_depth: count(0),
  gen_module: moduleName,
};

/**
 * The keys ZenMonitor 2.1.0 reads when it is compiled, not at run time: the Truncator's
 * module attributes (`@max_binary_size Application.get_env(:zen_monitor, :max_binary_size,
 * 1024)` in truncator.ex, whose docs say a change at run time "will have no effect").
 * zensim runs a library compiled with the value it is given.
 */
export const COMPILE_TIME_KEYS: readonly ZenConfigKey[] = ['max_binary_size', 'truncation_depth'];

/** For a compile-time key, what setting it takes on a real node (one sentence); undefined for the others. */
export function compileTimeHint(key: string): string | undefined {
  if (!COMPILE_TIME_KEYS.includes(key as ZenConfigKey)) return undefined;
  return `:${key} is read when zen_monitor is compiled: on a real node set it in config/config.exs and recompile the dependency (mix deps.compile zen_monitor --force); Application.put_env at run time changes nothing`;
}

/** What a key accepts, as help texts say it. */
export function zenConfigExpects(key: ZenConfigKey): string {
  const r = RULES[key];
  return r.max === undefined ? r.expects : `${r.expects}, at most ${r.max.value} (${r.max.why})`;
}

/** The configuration keys, in the order of the spec's §9 table. */
export const ZEN_CONFIG_KEYS: readonly ZenConfigKey[] = Object.keys(RULES) as ZenConfigKey[];

export function isZenConfigKey(key: string): key is ZenConfigKey {
  return Object.prototype.hasOwnProperty.call(RULES, key);
}

/**
 * `Application.put_env(:zen_monitor, key, value)`, validated: an unknown key or a value of
 * the wrong type or range throws a ConfigError naming the key (and the value).
 */
export function setZenConfig(cfg: ZenConfig, key: string, value: unknown): void {
  if (!isZenConfigKey(key)) {
    throw new ConfigError(key, `unknown zen_monitor config key "${key}" (known: ${ZEN_CONFIG_KEYS.join(', ')})`);
  }
  const rule = RULES[key];
  if (!rule.ok(value)) {
    const over = rule.max !== undefined && typeof value === 'number' && value > rule.max.value;
    const must = over ? `at most ${rule.max?.value} (${rule.max?.why})` : rule.expects;
    throw new ConfigError(key, `zen_monitor config "${key}" must be ${must}, got ${describeValue(value)}`);
  }
  (cfg as unknown as Record<ZenConfigKey, unknown>)[key] = value;
}

/**
 * A value as an error message quotes it, on one line: a string in quotes, a number as
 * written, a function as `a function` (never its source), an object as JSON.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
