// The human summary a run prints: one column per mode, one row per headline figure,
// so vanilla and zen read side by side; then warning lines: a run that never reached its
// trigger, one whose subscribers got more DOWNs than expected, one cut short (saying what
// was still pending). A latency that is a DOWN never delivered reads
// `>T ms` (longer than the run, T ms after the trigger); one over work still queued, `n/a*`.
import type { ResultDoc } from './runner.js';
import type { RunResult } from './recorder.js';

export type Row = [string, (r: RunResult) => string];

const fmt = (x: number | null | undefined, unit = ''): string =>
  x === null || x === undefined ? '-' : `${Number.isInteger(x) ? x.toLocaleString('en-US') : x.toFixed(1)}${unit}`;
const mib = (b: number): string => `${(b / (1024 * 1024)).toFixed(1)} MiB`;

/** A DOWN latency: null with DOWNs missing means longer than the run. */
const downMs = (r: RunResult, x: number | null): string => (x === null && r.downs.missing > 0 ? `>${fmt(r.endMs, ' ms')}` : fmt(x, ' ms'));
/** A work latency: null with work still queued is unknown. */
const workMs = (r: RunResult, x: number | null): string => (x === null && r.pending.work > 0 ? 'n/a*' : fmt(x, ' ms'));

/** The subscribers' node: where most DOWNs were handled (then the largest mailbox, then the first). */
function subscriberNode(r: RunResult): string {
  let best = '';
  let downs = -1;
  let peak = -1;
  for (const [name, n] of Object.entries(r.nodes)) {
    if (n.downs.delivered > downs || (n.downs.delivered === downs && n.mailbox.peak > peak)) {
      downs = n.downs.delivered;
      peak = n.mailbox.peak;
      best = name;
    }
  }
  return best;
}

/** A node's mailbox peak and whose it was. */
const peakOf = (m: { peak: number; peakProcess: string | null }): string => `${fmt(m.peak)} (${m.peakProcess ?? '-'})`;

const END_TEXT: Record<RunResult['end'], string> = {
  drained: 'drained',
  condition: 'end condition',
  time: 'end time',
  cap: 'CUT SHORT at the cap',
  idle: 'idle',
  'no-end': 'CUT SHORT: no end set',
};

export const ROWS: Row[] = [
  ['DOWNs delivered / expected', (r) => `${fmt(r.downs.delivered)} / ${fmt(r.downs.expected)}`],
  ['duplicates / missing', (r) => `${fmt(r.downs.duplicates)} / ${fmt(r.downs.missing)}`],
  ['first / last DOWN', (r) => `${fmt(r.downs.firstMs, ' ms')} / ${downMs(r, r.downs.lastMs)}`],
  ['DOWN latency p50 / p99', (r) => `${downMs(r, r.downs.latencyMs.p50)} / ${downMs(r, r.downs.latencyMs.p99)}`],
  ['work latency p50 / p99 / max', (r) => (r.work === null ? '-' : `${workMs(r, r.work.latencyMs.p50)} / ${workMs(r, r.work.latencyMs.p99)} / ${workMs(r, r.work.latencyMs.max)}`)],
  ['subscriber mailbox peak', (r) => fmt(r.subscribers.mailboxPeak)],
  ['node mailbox peak (process)', (r) => {
    const n = r.nodes[subscriberNode(r)];
    return n === undefined ? '-' : peakOf(n.mailbox);
  }],
  ['  before the trigger (set-up)', (r) => {
    const n = r.nodes[subscriberNode(r)];
    return n === undefined ? '-' : peakOf(n.mailbox.beforeTrigger);
  }],
  ['peak memory over baseline', (r) => {
    const n = r.nodes[subscriberNode(r)];
    return n === undefined ? '-' : mib(n.memory.peakBytes - n.memory.baselineBytes);
  }],
  ['network messages / bytes', (r) => `${fmt(r.network.messages)} / ${mib(r.network.bytes)}`],
  ['run ended (after the trigger)', (r) => `${fmt(r.endMs, ' ms')}, ${END_TEXT[r.end]}`],
];

/**
 * The warning lines of each run: one that never reached its trigger, one whose subscribers
 * got more DOWNs than the scenario expected, and one cut short, naming what was pending (a
 * run that reached its fixed end time says so).
 */
export function warnings(doc: ResultDoc): string[] {
  return doc.runs.flatMap((r) => [...triggerWarning(r), ...surplusWarning(r), ...truncationWarning(r)]);
}

function triggerWarning(r: RunResult): string[] {
  if (r.triggerMs !== null) return [];
  return [`warning: the ${r.mode} run never reached its trigger (the scenario never called run.trigger()): what it measures after the trigger never happened: its expected DOWNs count as missing, and it has no DOWN times`];
}

function surplusWarning(r: RunResult): string[] {
  if (r.downs.delivered <= r.downs.expected) return [];
  return [`warning: the ${r.mode} run's subscribers got ${fmt(r.downs.delivered)} DOWNs where the scenario expected ${fmt(r.downs.expected)}: ${fmt(r.downs.delivered - r.downs.expected)} it did not count on`];
}

function truncationWarning(r: RunResult): string[] {
  if (!r.truncated) return [];
  if (r.end === 'time' || r.end === 'condition') {
    const downs = r.pending.downs > 0 ? `, ${fmt(r.pending.downs)} of ${fmt(r.downs.expected)} DOWNs never delivered` : '';
    const work = r.pending.work > 0 ? `, ${fmt(r.pending.work)} :work messages still queued` : '';
    return [`warning: the ${r.mode} run reached its ${END_TEXT[r.end]}, ${fmt(r.endMs, ' ms')} after the trigger${downs}${work}; its latency figures count them as longer than the run (>T; n/a*: unknown)`];
  }
  const why =
    r.end === 'cap'
      ? `at its cap, ${fmt(r.capMs, ' ms')} after the trigger (twice the closed-form drain of ${fmt(r.drainEstimateMs, ' ms')}, plus 10 s)`
      : `at the setup limit, ${fmt(r.endMs, ' ms')} (the scenario never set its end)`;
  const what = [r.pending.downs > 0 ? `${fmt(r.pending.downs)} of ${fmt(r.downs.expected)} DOWNs not delivered` : '', r.pending.work > 0 ? `${fmt(r.pending.work)} :work messages still queued` : '']
    .filter((x) => x !== '')
    .join(', ');
  return [`warning: the ${r.mode} run was cut short ${why}${what === '' ? '' : `: ${what}`}; its latency figures are incomplete (>T: longer than the run; n/a*: unknown)`];
}

/** A scenario's own figures (`run.note`), one line each: `mode key: value` (a long one: where to find it). */
export function noteLines(doc: ResultDoc): string[] {
  return doc.runs.flatMap((r) =>
    Object.entries(r.notes ?? {}).map(([k, v]) => {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      return `${r.mode} ${k}: ${text.length <= NOTE_WIDTH ? text : `(${text.length} characters: --json, runs[].notes.${k})`}`;
    }),
  );
}

const NOTE_WIDTH = 160;

export function summaryTable(doc: ResultDoc): string {
  const header = ['', ...doc.runs.map((r) => r.mode)];
  const rows = [header, ...ROWS.map(([label, f]) => [label, ...doc.runs.map(f)])];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const out = [`${doc.scenario} (seed ${doc.seed})  traceHash ${doc.traceHash}  ${doc.events.toLocaleString('en-US')} events  ${doc.virtualMs} virtual ms${doc.wallMs !== undefined ? `  ${doc.wallMs} wall ms` : ''}`];
  out.push(...rows.map(line), ...noteLines(doc), ...warnings(doc));
  return out.join('\n');
}
