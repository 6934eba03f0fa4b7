// Deliberate bugs for mutation testing of `zensim check` (test/sim/check/mutate.ts,
// `npm run mutate`): each is a textual patch of one source file, applied to a temporary
// copy of the tree, so the check runs against broken code exactly as it would against a
// real regression. `find` must occur exactly once in `file` (else the mutant "no longer
// applies" and the harness says so): keep anchors short, one statement, and update them
// when the code they name moves.
//
// The list: the four the first mutation test had, the twelve the mutation study of
// issue #10 planted (in core/ and sim/beam/), and more of our own. `expect` names the
// property meant to catch it ('crash' for a run that throws).
import type { PropertyName } from '../../../sim/check/verdict.js';

export type Mutant = {
  readonly name: string;
  /** What the bug breaks, in ZenMonitor's or the ERTS's terms. */
  readonly breaks: string;
  readonly file: string;
  readonly find: string;
  readonly replace: string;
  readonly expect: PropertyName | 'crash';
  /** Where it comes from. */
  readonly origin: 'first test' | 'issue #10' | 'own';
};

export const MUTANTS: readonly Mutant[] = [
  // ---- the first mutation test's four ---------------------------------------------------------
  {
    name: 'dispatcher-sends-without-taking-the-reference',
    breaks: 'the Dispatcher delivers every event without taking its References row: demonitored refs get DOWNs, rows stay',
    file: 'core/dispatcher.ts',
    // The take's yield replaced by its answer, as if the row were there.
    find: "    return handOver({ kind: 'references.take', subscriber: e.subscriber, ref: down.ref });\n",
    replace: '    return this.next(true);\n',
    expect: 'no-leaks-when-quiet',
    origin: 'first test',
  },
  {
    name: 'connector-forgets-unsubscribe',
    breaks: 'demonitoring the last monitor of a target queues no :unsubscribe: the Proxy keeps the subscription',
    file: 'core/connector.ts',
    find: "return state.monitors.has(key) ? undefined : enqueueInstruction(state, 'unsubscribe', target);",
    replace: 'return undefined;',
    expect: 'no-leaks-when-quiet',
    origin: 'first test',
  },
  {
    name: 'batcher-drops-the-last-chunk',
    breaks: 'a Batcher sweep that would empty the batch sends nothing: those deaths are never reported',
    file: 'core/batcher.ts',
    find: 'if (state.batch.length === 0) return;',
    replace: 'if (state.batch.length <= env.config.batcher_chunk_size) {\n    state.batch.clear();\n    return;\n  }',
    expect: 'exactly-one-down-per-undemonitored-monitor',
    origin: 'first test',
  },
  {
    name: 'local-ignores-demand',
    breaks: 'Local hands the Dispatcher its whole queue whatever the demand: the delivery rate is unbounded',
    file: 'core/local.ts',
    find: 'if (state.batch.length <= n) {',
    replace: 'if (true) {',
    expect: 'dispatcher-rate-bounded',
    origin: 'first test',
  },
  // ---- the mutation study of issue #10 ----------------------------------------------------------
  {
    name: 'connector-line-removed-invariant-throws',
    breaks: "a Connector demonitoring a target's last monitor keeps its entry (the row, or the empty group): its invariant throws (runs crash)",
    file: 'core/connector.ts',
    find: '    if (!(entry instanceof TargetMonitors) || entry.size === 0) state.monitors.delete(key);\n',
    replace: '',
    expect: 'crash',
    origin: 'issue #10',
  },
  {
    name: 'connector-keeps-rows-after-demonitor',
    breaks: 'the Connector ignores a demonitor: its row stays (and the target is never unsubscribed)',
    file: 'core/connector.ts',
    find: 'if (entry instanceof TargetMonitors ? entry.delete(ref.uid) : entry?.ref.uid === ref.uid) {',
    replace: 'if (entry instanceof TargetMonitors ? entry.has(ref.uid) === false : false) {',
    expect: 'no-leaks-when-quiet',
    origin: 'issue #10',
  },
  {
    name: 'local-keeps-dead-subscriber',
    breaks: "Local cleans a dead subscriber's references but keeps it in its subscriber set",
    file: 'core/local.ts',
    find: "  yield { kind: 'subscribers.delete', subscriber };\n",
    replace: '',
    expect: 'no-leaks-when-quiet',
    origin: 'issue #10',
  },
  {
    name: 'truncation-depth-off-by-one',
    breaks: 'the Truncator keeps one level more than truncation_depth',
    file: 'core/truncator.ts',
    find: 'if (current >= depth) return TRUNCATED;',
    replace: 'if (current > depth) return TRUNCATED;',
    expect: 'exactly-one-down-per-undemonitored-monitor',
    origin: 'issue #10',
  },
  {
    name: 'penalty-never-expires',
    breaks: 'an incompatible node stays incompatible for good: after ZenMonitor restarts there, monitors fire :nodedown forever',
    file: 'core/connector.ts',
    find: "return status.enforceUntilMs < nowMs ? { expired: status.attempt } : 'incompatible';",
    replace: "return 'incompatible';",
    expect: 'monitors-work-after-recovery',
    origin: 'issue #10',
  },
  {
    name: 'connector-never-pings-after-nodedown',
    breaks: 'a Connector that saw a nodedown treats :unavailable as final and never pings again',
    file: 'core/connector.ts',
    find: 'const cached = cachedFromStatus(status, env.nowMs);',
    replace: "const found = cachedFromStatus(status, env.nowMs);\n  const cached = found === 'unavailable' ? 'incompatible' : found;",
    expect: 'monitors-work-after-recovery',
    origin: 'issue #10',
  },
  {
    name: 'proxy-reorders-unsubscribe-subscribe',
    breaks: 'the Proxy handles subscribes before unsubscribes: unsubscribe-then-subscribe in one sweep ends unsubscribed and loses the DOWN',
    file: 'core/proxy.ts',
    find: 'new ProcessInstructions(state, input.connector, input.instructions)',
    replace: "new ProcessInstructions(state, input.connector, [...input.instructions].sort((a, b) => (a.op === b.op ? 0 : a.op === 'subscribe' ? -1 : 1)))",
    expect: 'subscribed-when-quiet',
    origin: 'issue #10',
  },
  {
    name: 'batcher-chunk-one-too-big',
    breaks: 'a Batcher sweep sends batcher_chunk_size + 1 certificates',
    file: 'core/batcher.ts',
    find: 'state.batch.take(env.config.batcher_chunk_size)',
    replace: 'state.batch.take(env.config.batcher_chunk_size + 1)',
    expect: 'chunks-within-chunk-size',
    origin: 'issue #10',
  },
  {
    name: 'dispatcher-asks-one-too-many',
    breaks: 'the Dispatcher asks Local for demand_amount + 1 events at each tick',
    file: 'core/dispatcher.ts',
    find: 'const asked = ask(state, env.config.demand_amount, env);',
    replace: 'const asked = ask(state, env.config.demand_amount + 1, env);',
    expect: 'demand-as-configured',
    origin: 'issue #10',
  },
  {
    name: 'remote-monitor-noproc-on-connection-loss',
    breaks: 'when a connection goes down, remote ERTS monitors across it fire :noproc instead of :noconnection',
    file: 'sim/beam/dist.ts',
    find: 'w.signals.fireMonitor(mon, NOCONNECTION, now);',
    replace: 'w.signals.fireMonitor(mon, NOPROC, now);',
    expect: 'erts-down-reasons',
    origin: 'issue #10',
  },
  {
    name: 'fifo-broken-under-jitter',
    breaks: 'a message can overtake the one sent before it on the same connection when jitter or a latency change says so',
    file: 'sim/beam/network.ts',
    find: 'const at = Math.max(d.lastArrivalUs, Math.ceil(done + this.latency(from, to) + jitter));',
    replace: 'const at = Math.ceil(done + this.latency(from, to) + jitter);',
    // A direction's messages wait in order and each arrival takes the oldest, checking its
    // time: a message scheduled ahead of an earlier one stops the run there.
    expect: 'crash',
    origin: 'issue #10',
  },
  {
    name: 'send-after-without-ms-rounding',
    breaks: 'send_after fires at the exact µs, not on the next whole millisecond',
    file: 'sim/beam/calls.ts',
    find: 'const fireAt = Math.ceil((atUs + ms * 1000) / 1000) * 1000;',
    replace: 'const fireAt = atUs + ms * 1000;',
    expect: 'erts-timers-whole-ms',
    origin: 'issue #10',
  },
  // ---- our own ---------------------------------------------------------------------------------
  {
    name: 'dispatcher-refill-one-too-many',
    breaks: 'after a batch the Dispatcher asks for one more event than it failed to deliver (one even when it delivered all)',
    file: 'core/dispatcher.ts',
    find: 'const asked = ask(this.state, Math.min(this.events.length, this.env.config.demand_amount) - this.sent, this.env);',
    replace: 'const asked = ask(this.state, Math.min(this.events.length, this.env.config.demand_amount) - this.sent + 1, this.env);',
    expect: 'demand-as-configured',
    origin: 'own',
  },
  {
    name: 'connector-chunk-one-too-big',
    breaks: 'a Connector sweep sends connector_chunk_size + 1 instructions',
    file: 'core/connector.ts',
    find: 'state.batch.take(env.config.connector_chunk_size)',
    replace: 'state.batch.take(env.config.connector_chunk_size + 1)',
    expect: 'chunks-within-chunk-size',
    origin: 'own',
  },
  {
    name: 'proxy-forgets-dead-targets-monitor',
    breaks: "the Proxy still counts a dead target as monitored: a later subscription to it makes no ERTS monitor and its :noproc never comes",
    file: 'core/proxy.ts',
    find: '  state.monitors.delete(targetKey(object));\n',
    replace: '',
    expect: 'exactly-one-down-per-undemonitored-monitor',
    origin: 'own',
  },
  {
    name: 'client-flush-ignored',
    breaks: 'demonitor(ref, [:flush]) does not flush a DOWN already in the mailbox (a new failure, not finding F1)',
    file: 'core/client.ts',
    find: "} else if (opts.includes('flush')) {",
    replace: '} else if (false) {',
    expect: 'no-down-after-flush',
    origin: 'own',
  },
  {
    name: 'connector-fire-keeps-batch',
    breaks: 'a Connector that fires every monitor keeps its pending instructions and sends them after reconnecting (a new failure, not finding F2)',
    file: 'core/connector.ts',
    find: '  state.batch.clear();\n',
    replace: '',
    expect: 'no-leaks-when-quiet',
    origin: 'own',
  },
  {
    name: 'local-skips-demonitor-of-dead-subscriber',
    breaks: "Local drops a dead subscriber's references without demonitoring them at their Connectors",
    file: 'core/local.ts',
    find: "castToConnector(env, row.target, { kind: 'demonitor', target: row.target, ref: row.ref });",
    replace: "castToConnector(env, row.target, { kind: 'other', term: row.ref });",
    expect: 'no-leaks-when-quiet',
    origin: 'own',
  },
];
