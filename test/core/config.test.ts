// The :zen_monitor app env: defaults of spec §9 and validation of run-time writes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, ZEN_CONFIG_KEYS, defaultZenConfig, setZenConfig } from '../../core/config.js';

function thrown(fn: () => void): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

test('defaults are the upstream ones (spec §9)', () => {
  assert.equal(defaultZenConfig(), {
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
  });
  assert.equal([...ZEN_CONFIG_KEYS].sort(), Object.keys(defaultZenConfig()).sort());
});

test('each call returns a fresh config', () => {
  const a = defaultZenConfig();
  a.demand_amount = 1;
  assert.is(defaultZenConfig().demand_amount, 1000);
});

test('valid values are written', () => {
  const cfg = defaultZenConfig();
  setZenConfig(cfg, 'demand_amount', 10);
  setZenConfig(cfg, 'connector_sweep_interval', 10);
  setZenConfig(cfg, 'truncation_depth', 0);
  setZenConfig(cfg, 'gen_module', 'ZenMonitor.Test.Support.ObservableGen');
  assert.is(cfg.demand_amount, 10);
  assert.is(cfg.connector_sweep_interval, 10);
  assert.is(cfg.truncation_depth, 0);
  assert.is(cfg.gen_module, 'ZenMonitor.Test.Support.ObservableGen');
});

test('an unknown key throws naming the key', () => {
  const e = thrown(() => setZenConfig(defaultZenConfig(), 'demand_amout', 10));
  assert.is(e.key, 'demand_amout');
  assert.match(e.message, /unknown zen_monitor config key "demand_amout"/);
});

test('a value of the wrong type or range throws naming the key and the value', () => {
  const cases: [string, unknown, RegExp][] = [
    ['connector_chunk_size', 0, /"connector_chunk_size" must be a positive integer, got 0/],
    ['demand_interval', -5, /"demand_interval" .* got -5/],
    ['batcher_sweep_interval', 2.5, /got 2.5/],
    ['demand_amount', '500', /got "500"/],
    ['hibernation_threshold', null, /got null/],
    ['batcher_chunk_size', Number.NaN, /got NaN/],
    ['truncation_depth', -1, /"truncation_depth" must be an integer >= 0, got -1/],
    ['max_binary_size', 2, /"max_binary_size" must be an integer >= 3, got 2/],
    ['gen_module', 'gen_server', /"gen_module" must be an Elixir module name/],
    ['gen_module', 42, /got 42/],
  ];
  for (const [key, value, pattern] of cases) {
    const cfg = defaultZenConfig();
    const e = thrown(() => setZenConfig(cfg, key, value));
    assert.is(e.key, key);
    assert.match(e.message, pattern);
    assert.equal(cfg, defaultZenConfig(), `${key} must be left unchanged`);
  }
});

test.run();
