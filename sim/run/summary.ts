// The human summary a run prints: one column per mode, one row per headline figure,
// so vanilla and zen read side by side.
import type { ResultDoc } from './runner.js';
import type { RunResult } from './recorder.js';

export type Row = [string, (r: RunResult) => string];

const fmt = (x: number | null | undefined, unit = ''): string =>
  x === null || x === undefined ? '-' : `${Number.isInteger(x) ? x.toLocaleString('en-US') : x.toFixed(1)}${unit}`;
const mib = (b: number): string => `${(b / (1024 * 1024)).toFixed(1)} MiB`;

function subscriberNode(r: RunResult): string {
  let best = '';
  let peak = -1;
  for (const [name, n] of Object.entries(r.nodes)) {
    if (n.mailbox.peak > peak) {
      peak = n.mailbox.peak;
      best = name;
    }
  }
  return best;
}

export const ROWS: Row[] = [
  ['DOWNs delivered / expected', (r) => `${fmt(r.downs.delivered)} / ${fmt(r.downs.expected)}`],
  ['duplicates / missing', (r) => `${fmt(r.downs.duplicates)} / ${fmt(r.downs.missing)}`],
  ['first / last DOWN', (r) => `${fmt(r.downs.firstMs, ' ms')} / ${fmt(r.downs.lastMs, ' ms')}`],
  ['DOWN latency p50 / p99', (r) => `${fmt(r.downs.latencyMs.p50, ' ms')} / ${fmt(r.downs.latencyMs.p99, ' ms')}`],
  ['work latency p50 / p99 / max', (r) => (r.work === null ? '-' : `${fmt(r.work.latencyMs.p50, ' ms')} / ${fmt(r.work.latencyMs.p99, ' ms')} / ${fmt(r.work.latencyMs.max, ' ms')}`)],
  ['subscriber mailbox peak', (r) => fmt(r.subscribers.mailboxPeak)],
  ['node mailbox peak (process)', (r) => {
    const n = r.nodes[subscriberNode(r)];
    return n === undefined ? '-' : `${fmt(n.mailbox.peak)} (${n.mailbox.peakProcess ?? '-'})`;
  }],
  ['peak memory over baseline', (r) => {
    const n = r.nodes[subscriberNode(r)];
    return n === undefined ? '-' : mib(n.memory.peakBytes - n.memory.baselineBytes);
  }],
  ['network messages / bytes', (r) => `${fmt(r.network.messages)} / ${mib(r.network.bytes)}`],
];

export function summaryTable(doc: ResultDoc): string {
  const header = ['', ...doc.runs.map((r) => r.mode)];
  const rows = [header, ...ROWS.map(([label, f]) => [label, ...doc.runs.map(f)])];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const out = [`${doc.scenario} (seed ${doc.seed})  traceHash ${doc.traceHash}  ${doc.events.toLocaleString('en-US')} events  ${doc.virtualMs} virtual ms${doc.wallMs !== undefined ? `  ${doc.wallMs} wall ms` : ''}`];
  out.push(...rows.map(line));
  return out.join('\n');
}
