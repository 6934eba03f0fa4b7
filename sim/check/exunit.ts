// Exports a check schedule as one self-contained ExUnit test module that plays the same
// schedule on real BEAM nodes running the real ZenMonitor (`zensim check --export-exunit`):
// the question an Elixir team asks of a counterexample is "does my cluster do that?".
//
// The module is this file's generated part (the schedule: nodes, app env, processes, one
// line per step, the properties to judge, the expected exit reasons) followed by the
// runtime in exunit.template.exs (peer nodes, probes, the steps' real-BEAM forms, the
// properties as assertions), the same in every export.
//
// Rules: every step kind has an exported form (the switch in `stepCall` is exhaustive, and
// each form calls a function of the runtime, so elixirc refuses a form the runtime lacks);
// where real BEAM cannot be driven exactly like the simulation, the export says so in the
// module's header (`DIFFERENCES`), and the README says what it does instead. Output is a
// pure function of its inputs (golden files compare it byte for byte).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { assertNever, atom, bin, tuple, type Term } from '../../core/terms.js';
import { truncate } from '../../core/truncator.js';
import type { ZenConfigKey } from '../../core/config.js';
import { elixirString, elixirTerm, moduleSegment } from './elixir.js';
import { FINDINGS } from './findings.js';
import { PROPERTIES, type Property, type PropertyName } from './properties.js';
import { writeAtomic } from '../report/output.js';
import { commandLine } from '../run/params.js';
import { CHECK_NET_TICKTIME_S, REASONS, scheduleConfig, scheduleJson, ZEN_COMPONENTS, type Op, type Schedule, type Step } from './schedule.js';

export type ExunitOptions = {
  /** Where the schedule came from (a file name), shown in the test and its messages. */
  readonly source: string;
  /** The file the module is written to: the module is named after it. */
  readonly file: string;
  /** Judge this property alone (default: every property real BEAM can judge). */
  readonly property?: PropertyName;
  /** Trials (default: 50 when a flush races the Dispatcher, else 1); ZENSIM_TRIALS overrides it when the test runs. */
  readonly trials?: number;
};

/** The properties judged on real BEAM, by their function in the runtime. */
const ELIXIR_CHECKS: Partial<Record<PropertyName, string>> = {
  'exactly-one-down-per-undemonitored-monitor': 'exactly_one_down_per_undemonitored_monitor',
  'no-down-after-demonitor': 'no_down_after_demonitor',
  'no-down-after-flush': 'no_down_after_flush',
  'no-leaks-when-quiet': 'no_leaks_when_quiet',
  'dispatcher-rate-bounded': 'dispatcher_rate_bounded',
};

/** What a property's real-BEAM form checks less than zensim's. */
const CAVEATS: Partial<Record<PropertyName, string>> = {
  'no-leaks-when-quiet': " (here: the public tables only, References, Local's subscribers, the Proxy's rows and Local's queue; Connector and Batcher state is private to them)",
  'dispatcher-rate-bounded': ' (here: DOWNs a node\'s processes receive in any half demand interval, the Dispatcher\'s ticks being out of sight)',
};

/** Why a property has no real-BEAM form. */
const NOT_ON_BEAM: Partial<Record<PropertyName, string>> = {
  'same-seed-same-trace': 'the simulation replays a schedule exactly; real BEAM does not',
  'subscribed-when-quiet': "a Connector's monitors are private to it",
  'demand-as-configured': "the Dispatcher's demand and Local's hand-overs pass between ZenMonitor's own processes",
  'chunks-within-chunk-size': "the chunks pass between ZenMonitor's own processes",
  'monitors-work-after-recovery': "the export plays the schedule's steps, not zensim's recovery probes",
  'erts-down-reasons': "it checks zensim's own model of the ERTS",
  'erts-fifo-per-pair': "it checks zensim's own model of the ERTS",
  'erts-timers-whole-ms': "it checks zensim's own model of the ERTS",
};

/** Which steps are faults (a cluster is started afresh for each trial of a schedule with faults). */
const FAULT: Readonly<Record<Op, boolean>> = {
  spawn: false,
  monitor: false,
  monitor_burst: false,
  demonitor: false,
  demonitor_flush: false,
  flush_others_on_down: false,
  remonitor: false,
  kill: false,
  kill_burst: false,
  subscriber_exit: false,
  restart_zen: true,
  send: false,
  erts_monitor: false,
  send_after: false,
  crash: true,
  restart: true,
  partition: true,
  partition_one_way: true,
  heal: true,
  latency: true,
  stop_zen: true,
  start_zen: true,
  connect: true,
  kill_zen: true,
};

/** Where real BEAM is not driven like the simulation, per step kind present. */
const DIFFERENCES: Readonly<Record<Op, string | undefined>> = {
  spawn: undefined,
  monitor: undefined,
  monitor_burst: 'monitor_burst makes its monitors one probe message at a time, where zensim makes them in one handler',
  flush_others_on_down: 'flush_others_on_down is not played (the probes here do not react to a DOWN): the monitors it would flush stay',
  remonitor: 'remonitor demonitors and monitors again in two probe messages handled in a row, where zensim does both in one handler',
  kill_burst: undefined,
  restart_zen: 'restart_zen is stop_zen then start_zen',
  send: 'send, erts_monitor and send_after (plain ERTS traffic, for zensim\'s checks of its own ERTS model) are not played',
  erts_monitor: 'send, erts_monitor and send_after (plain ERTS traffic, for zensim\'s checks of its own ERTS model) are not played',
  send_after: 'send, erts_monitor and send_after (plain ERTS traffic, for zensim\'s checks of its own ERTS model) are not played',
  demonitor: undefined,
  demonitor_flush:
    'a racing demonitor_flush (raceUs) has no hook into the real Dispatcher: the probe traces what the Dispatcher receives (erlang:trace/3, :receive) and calls demonitor(ref, [:flush]) raceUs µs after the batch carrying its DOWN arrives, plus 0, 1, 2 … 49 µs in successive trials (a scan across the window); other flushes run at their time',
  kill: undefined,
  subscriber_exit: undefined,
  crash: 'crash is a SIGKILL of the node\'s OS process (kill -9), as in the fixtures\' R3',
  restart: 'restart starts a new peer under the same name (a new creation) and reconnects it to every running node',
  partition:
    'partition: each side holds a wrong cookie for the other (handshakes are refused) and the connection is closed; both sides see nodedown at once, where zensim\'s cut is silent until the tick timeout',
  partition_one_way: 'partition_one_way is a full partition (loopback TCP cannot drop one direction; in zensim the cut side gives up on the connection at its tick timeout too)',
  heal: 'heal restores the cookies and does not reconnect (as in zensim: the next connect, or traffic, does)',
  latency: 'latency is not reproduced (loopback has no latency control): the test prints a note and plays the rest',
  stop_zen:
    'stop_zen is Application.stop(:zen_monitor), then of :instruments, which keeps the names of the metrics probes ZenMonitor defines at start (zen_monitor 2.1.0 fails to start again while they are taken); start_zen sets the app env again and starts both',
  start_zen: undefined,
  connect: undefined,
  kill_zen:
    "kill_zen is Process.exit(pid, :kill) of the process found as the F3 calibration's driver found it (the Connector and the Batcher through their GenRegistry's table, the others by name), sent on its node; after a Proxy kill, :nodedown is accepted for that node's monitors within the grace period, as in zensim",
};

const COMPILE_TIME: readonly ZenConfigKey[] = ['truncation_depth', 'max_binary_size'];
const RACING_TRIALS = 50;
/** How long a racing flush spins waiting for the Dispatcher, ms. */
const RACE_SPIN_MS = 5_000;

const TEMPLATE = new URL('./exunit.template.exs', import.meta.url);

/** The ExUnit module for `s`, as Elixir source text: its generated part, then the runtime. */
export function exportExunit(s: Schedule, o: ExunitOptions): string {
  return `${exunitHead(s, o)}\n${readFileSync(TEMPLATE, 'utf8')}end\n`;
}

export type ExunitItem = { readonly schedule: Schedule; readonly source: string; readonly property?: PropertyName | undefined };

/**
 * Writes each schedule as an ExUnit test: to `out` when there is one, else to
 * `<out without .exs>-<property>.exs` each. Returns the files written.
 */
export function writeExunitExports(out: string, items: readonly ExunitItem[]): string[] {
  return items.map((it) => {
    const file = items.length === 1 ? out : `${out.replace(/\.exs$/, '')}-${it.property ?? 'all'}.exs`;
    writeAtomic(file, exportExunit(it.schedule, { source: it.source, file, ...(it.property !== undefined ? { property: it.property } : {}) }));
    return file;
  });
}

/**
 * The ExUnit test of each documented finding (docs/findings.md): its schedule, judged on its
 * property, beside the schedule as `<name>.exs`. A new finding gets its test from
 * `npm run export:exunit`; test/sim/check/exunit.test.ts checks they are up to date.
 */
export function findingExports(read: (file: string) => Schedule): { file: string; text: string }[] {
  return FINDINGS.map((f) => {
    const file = f.schedule.replace(/\.json$/, '.exs');
    return { file, text: exportExunit(read(f.schedule), { source: f.schedule, file, property: f.property }) };
  });
}

/** The module name an export to `file` gets. */
export function exunitModule(file: string): string {
  return `ZensimExport.${moduleSegment(basename(file))}Test`;
}

/** What an export of `s` holds of its own: the header, the schedule and the steps (the rest is the template). */
export function exunitHead(s: Schedule, o: ExunitOptions): string {
  const config = scheduleConfig(s);
  const props = PROPERTIES.filter((p) => o.property === undefined || p.name === o.property);
  const judged = props.filter((p) => ELIXIR_CHECKS[p.name] !== undefined);
  const racing = s.steps.some((st) => st.op === 'demonitor_flush' && st.raceUs !== undefined);
  const trials = o.trials ?? (racing ? RACING_TRIALS : 1);
  const hasFaults = s.steps.some((st) => FAULT[st.op]);
  const lastStepMs = Math.max(0, ...s.steps.map((st) => Math.ceil(st.atMs)));
  const sweeps = config.connector_sweep_interval + config.batcher_sweep_interval + config.demand_interval;
  // zensim's settle time after faults (twice the tick time and a call timeout); without faults, a few pipeline rounds.
  const settleMs = hasFaults ? (2 * CHECK_NET_TICKTIME_S + 5) * 1000 : Math.max(1000, 3 * sweeps + 500);
  const perTrialMs = 30_000 + Math.max(s.faultsEndMs, lastStepMs) + settleMs + 60_000 + RACE_SPIN_MS;
  const ordered = s.steps.map((step, i) => ({ step, i })).sort((x, y) => x.step.atMs - y.step.atMs || x.i - y.i);
  const env = Object.entries(s.zen).filter(([k]) => !COMPILE_TIME.includes(k as ZenConfigKey));
  const { probe, expected } = truncationProbe(config.truncation_depth, config.max_binary_size);
  const lines = [
    ...header(s, o, judged.map((p) => p.name), props.filter((p) => ELIXIR_CHECKS[p.name] === undefined).map((p) => p.name), trials),
    `defmodule ${exunitModule(o.file)} do`,
    '  use ExUnit.Case, async: false',
    '',
    '  # ---- the schedule (generated by zensim) ----',
    `  @source ${elixirString(o.source)}`,
    `  @nodes [${s.nodes.map((n) => `%{schedulers: ${n.schedulers}, zen: ${n.zen}}`).join(', ')}]`,
    `  @zen_env [${env.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : elixirTerm({ t: 'int', v: BigInt(v) })}`).join(', ')}]`,
    `  @zen_compile [${COMPILE_TIME.map((k) => `${k}: ${config[k]}`).join(', ')}]`,
    `  @config %{connector_sweep_interval: ${config.connector_sweep_interval}, connector_chunk_size: ${config.connector_chunk_size}, demand_interval: ${config.demand_interval}, demand_amount: ${config.demand_amount}}`,
    `  @net_ticktime_s ${CHECK_NET_TICKTIME_S}`,
    `  @procs [${s.procs.join(', ')}]`,
    `  @faults_end_ms ${s.faultsEndMs}`,
    `  @last_step_ms ${lastStepMs}`,
    `  @settle_ms ${settleMs}`,
    `  @has_faults ${hasFaults}`,
    `  @reuse_cluster ${!hasFaults}`,
    `  @race_spin_ms ${RACE_SPIN_MS}`,
    '  # Exit reasons as the targets die with them, and as the Truncator must hand them on.',
    `  @truncated [${deathReasons(s).map((r) => `{${elixirTerm(r)}, ${elixirTerm(truncate(r, config.truncation_depth, config.max_binary_size))}}`).join(', ')}]`,
    `  @truncation_probe {${elixirTerm(probe)}, ${elixirTerm(expected)}}`,
    `  @steps_text %{${ordered.map(({ step, i }) => `${i} => ${elixirString(stepText(step))}`).join(', ')}}`,
    `  @trials (case Integer.parse(System.get_env("ZENSIM_TRIALS", "")) do {n, ""} when n > 0 -> n; _ -> ${trials} end)`,
    '',
    `  @tag timeout: @trials * ${perTrialMs}`,
    `  test ${elixirString(`${judged.map((p) => p.name).join(', ')} on real ZenMonitor (${o.source})`)} do`,
    `    zensim_check([`,
    judged.map((p) => `      {${elixirString(p.name)}, ${elixirString(p.guarantee)}, &${ELIXIR_CHECKS[p.name]}/1}`).join(',\n'),
    '    ])',
    '  end',
    '',
    "  # The schedule's steps in the order they run: step(run, index in the schedule's steps, at ms, action).",
    '  defp play(run) do',
    '    run',
    ...ordered.map(({ step, i }) => `    |> step(${i}, ${step.atMs}, &${stepCall(step)})`),
    '  end',
  ];
  return `${lines.join('\n')}\n`;
}

function header(s: Schedule, o: ExunitOptions, judged: readonly PropertyName[], skipped: readonly PropertyName[], trials: number): string[] {
  const ops = [...new Set(s.steps.map((st) => st.op))].sort();
  const notes = ops.map((op) => DIFFERENCES[op]).filter((d): d is string => d !== undefined);
  const paragraph = (text: string) => wrap(text, '# ', '# ');
  const out = [
    `# Generated by zensim (zensim check --export-exunit) from ${o.source}: ${s.nodes.length} nodes, ${s.steps.length} steps.`,
    '# Regenerate it rather than edit it.',
    '#',
    `# Run it in a Mix project that depends on zen_monitor 2.1:  ${commandLine(['mix', 'test', basename(o.file)])}`,
    ...paragraph(
      "It starts the schedule's nodes as OTP :peer nodes on 127.0.0.1 (distribution on loopback, this project's code path), " +
        "sets ZenMonitor's app env on each before starting it, spawns the processes, plays the steps at their times " +
        `(${trials === 1 ? 'one trial' : `${trials} trials; ZENSIM_TRIALS=N sets another count`}) and judges, on what the real processes ` +
        "received and on ZenMonitor's public tables:",
    ),
    ...judged.flatMap((name) => wrap(`${name}: ${(PROPERTIES.find((p) => p.name === name) as Property).guarantee}${CAVEATS[name] ?? ''}`, '#   ', '#     ')),
    ...(skipped.length > 0 ? paragraph(`Not judged here: ${skipped.map((name) => `${name} (${NOT_ON_BEAM[name] ?? 'no real-BEAM form'})`).join('; ')}.`) : []),
    ...paragraph(
      'It fails when real ZenMonitor breaks a guarantee (the counterexample reproduces), naming the property, the trial and ' +
        'the step, and says in how many trials it broke; it passes when every guarantee held in every trial.',
    ),
  ];
  if (notes.length > 0) out.push('#', '# Where real BEAM is not driven exactly like the simulation:', ...notes.flatMap((n) => wrap(n, '#   - ', '#     ')));
  out.push('#', `# schedule: ${scheduleJson(s)}`);
  return out;
}

function wrap(text: string, first: string, rest: string): string[] {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    if (line.length + word.length > 98 && line.trim().length > 3) {
      out.push(line.trimEnd());
      line = rest;
    }
    line += `${word} `;
  }
  out.push(line.trimEnd());
  return out;
}

/** The runtime call that plays one step, as the body of an Elixir capture (`&…`). */
export function stepCall(st: Step): string {
  switch (st.op) {
    case 'spawn':
      return `spawn(&1, ${st.node})`;
    case 'monitor':
    case 'erts_monitor':
      return `${st.op}(&1, ${st.sub}, ${st.target})`;
    case 'monitor_burst':
      return `monitor_burst(&1, ${st.sub}, ${st.target}, ${st.count})`;
    case 'remonitor':
    case 'flush_others_on_down':
      return `${st.op}(&1, ${st.monitor})`;
    case 'kill_burst':
      return `kill_burst(&1, ${st.proc}, ${st.count}, ${elixirTerm(reasonTerm(st.reason))})`;
    case 'send':
      return `send_messages(&1, ${st.proc}, ${st.to}, ${st.count})`;
    case 'send_after':
      return `send_after(&1, ${st.proc}, ${st.ms})`;
    case 'demonitor':
      return `demonitor(&1, ${st.monitor})`;
    case 'demonitor_flush':
      return st.raceUs === undefined ? `demonitor_flush(&1, ${st.monitor})` : `demonitor_flush_racing(&1, ${st.monitor}, ${st.raceUs})`;
    case 'kill':
      return `kill(&1, ${st.proc}, ${elixirTerm(reasonTerm(st.reason))})`;
    case 'subscriber_exit':
      return `subscriber_exit(&1, ${st.proc}, ${elixirTerm(reasonTerm(st.reason))})`;
    case 'crash':
    case 'restart':
    case 'stop_zen':
    case 'start_zen':
    case 'restart_zen':
      return `${st.op}(&1, ${st.node})`;
    case 'partition':
    case 'partition_one_way':
    case 'heal':
    case 'connect':
      return `${st.op}(&1, ${st.a}, ${st.b})`;
    case 'latency':
      return `latency(&1, ${st.a}, ${st.b}, ${st.ms})`;
    case 'kill_zen':
      return `kill_zen(&1, ${st.node}, :${ZEN_COMPONENTS[st.component]}, ${st.peer})`;
    default:
      return assertNever(st);
  }
}

/** One step as the messages name it: `501 ms: demonitor_flush monitor=0 raceUs=1`. */
function stepText(st: Step): string {
  const fields = Object.entries(st).filter(([k]) => k !== 'atMs' && k !== 'op');
  return `${st.atMs} ms: ${st.op}${fields.map(([k, v]) => ` ${k}=${String(v)}`).join('')}`;
}

function reasonTerm(i: number): Term {
  return (REASONS[i % REASONS.length] as (typeof REASONS)[number]).term();
}

/** The reasons the schedule's processes die with (an exit signal :kill kills with :killed; :normal does not kill). */
function deathReasons(s: Schedule): Term[] {
  const out = new Map<string, Term>();
  for (const st of s.steps) {
    if (st.op !== 'kill' && st.op !== 'kill_burst' && st.op !== 'subscriber_exit') continue;
    const r = reasonTerm(st.reason);
    const signal = st.op !== 'subscriber_exit' && r.t === 'atom';
    if (signal && r.v === 'normal') continue;
    const died = signal && r.v === 'kill' ? atom('killed') : r;
    out.set(elixirTerm(died), died);
  }
  return [...out.values()];
}

/** A term whose truncation shows the library's compile-time depth and binary size. */
function truncationProbe(depth: number, maxBinarySize: number): { probe: Term; expected: Term } {
  const nest = tuple(atom('b'), tuple(atom('c'), tuple(atom('d'), tuple(atom('e')))));
  const probe = tuple(bin(new Uint8Array(maxBinarySize + 76).fill(120)), nest);
  return { probe, expected: truncate(probe, depth, maxBinarySize) };
}

