// The public API of core/: ZenMonitor 2.1.0 as pure state machines (one per upstream
// process), the client functions that run inside a calling process, the messages and
// effects that connect them to a runtime, the shared tables, the app env, and the
// Erlang terms they are made of. Scenarios and the simulator import from here.

export * from './terms.js';
export * from './truncator.js';
export * from './inspect.js';
export * from './config.js';
export * from './messages.js';
export * from './effects.js';
export * from './ops.js';
export * from './tables.js';
export * from './fifo.js';
export * from './invariant.js';
export * from './raise.js';
export {
  initConnector,
  connectorStep,
  cachedCompatibility,
  cachedFromStatus,
  penaltyMs,
  listMonitors,
  type Compatibility,
  type CachedCompatibility,
  type ConnectorState,
  type MonitorRow,
} from './connector.js';
export { initLocal, localStep, enqueueWithLocal, type LocalState } from './local.js';
export { initDispatcher, dispatcherStep, type DispatcherState } from './dispatcher.js';
export { initProxy, proxyStep, type ProxyState } from './proxy.js';
export { initBatcher, batcherStep, type BatcherState } from './batcher.js';
export * as client from './client.js';
