// The capacity-planning report (`zensim plan`, `zensim merge`): one document model built
// from `PlanData` (sim/plan/sweep.ts), rendered as Markdown (report.md, plots as SVG files
// beside it) and as one self-contained HTML page (the same tables, the plots inline; no
// script, no external resource). Contents: the sweep and the command that reproduces
// it, the recommendation (or why there is none and which constraint binds first), every
// constraint at every point, the metrics per mode (median and range across seeds), the
// closed-form estimates beside the simulation, plots of each metric against each
// varied parameter, and the `zensim run` command of every point.
// Nothing here reads a clock or a path: the same data renders the same bytes.
import { planCommandLine, runCommandLine } from './sweep.js';
import type { Mode } from '../run/scenario.js';
import { esc, fmtTick, MODE_COLOURS, pageHead } from '../report/html.js';
import { NO_MISSING, type Agg, type Choice, type Estimate, type PlanData, type PointData } from './recommend.js';
import { parseConstraint } from './constraints.js';
import { compileTimeNotes, isCompileTimeSetting } from '../run/help.js';

// ---- the document model ---------------------------------------------------------------

export type Plot = { file: string; title: string; svg: string };
type Block =
  | { kind: 'h'; level: 1 | 2 | 3; text: string }
  | { kind: 'p'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'table'; header: string[]; rows: string[][]; left: number }
  | { kind: 'plots'; plots: Plot[] };

const LABELS: Record<string, string> = {
  'downs.lastMs': 'last DOWN (ms)',
  'downs.firstMs': 'first DOWN (ms)',
  'downs.latencyMs.p50': 'DOWN latency p50 (ms)',
  'downs.latencyMs.p90': 'DOWN latency p90 (ms)',
  'downs.latencyMs.p99': 'DOWN latency p99 (ms)',
  'downs.latencyMs.max': 'DOWN latency max (ms)',
  'work.latencyMs.p50': 'work latency p50 (ms)',
  'work.latencyMs.p99': 'work latency p99 (ms)',
  'work.latencyMs.max': 'work latency max (ms)',
  'subscribers.mailboxPeak': 'subscriber mailbox peak',
};
export const metricLabel = (path: string): string => LABELS[path] ?? path;

/** The report's blocks and plots. */
export function planDocument(d: PlanData): { blocks: Block[]; plots: Plot[] } {
  const s = d.sweep;
  const b: Block[] = [];
  const keys = s.vary.map((a) => a.key);
  const settingCells = (p: PointData) => p.settings.map(([, v]) => v);
  const points = s.vary.reduce((n, a) => n * a.values.length, 1);
  b.push({ kind: 'h', level: 1, text: `zensim plan: ${s.scenarioName}` });
  b.push({
    kind: 'p',
    text: `Scenario \`${s.scenario}\`: ${points} point${points === 1 ? '' : 's'} × ${s.seeds} seed${s.seeds === 1 ? '' : 's'} (${seedList(s.seedBase, s.seeds)}) = ${d.totalRuns} runs${
      d.complete ? '' : `; **incomplete: ${d.doneRuns} of ${d.totalRuns} runs have results** (the points missing seeds are left out of the recommendation)`
    }.`,
  });
  b.push({ kind: 'p', text: `Varied: ${s.vary.map((a) => `\`${a.key}\` = ${a.values.join(', ')}`).join('; ')}.${s.set.length > 0 ? ` Fixed: ${s.set.map(([k, v]) => `\`${k}=${v}\``).join(', ')}.` : ''}` });
  b.push({
    kind: 'p',
    text:
      s.constraints.length === 0
        ? 'Constraints: none (pass `--constraint` to get a recommendation).'
        : `Constraints: ${s.constraints.map((c) => `\`${c}\``).join(', ')}. Each is read in the zen run unless prefixed \`vanilla:\`, at its worst over the seeds (the largest value for an upper bound, the smallest for a lower bound); its margin is the relative slack, (limit − worst) / |limit| for an upper bound.`,
  });
  b.push({ kind: 'p', text: 'Reproduce the whole sweep:' });
  b.push({ kind: 'code', text: planCommandLine(s) });

  // Recommendation.
  b.push({ kind: 'h', level: 2, text: 'Recommendation' });
  const rec = d.recommendation;
  const grouped = d.caseKeys.length > 0;
  const pointAt = (i: number) => d.points[i] as PointData;
  const choiceAt = (i: number) => d.choices[i] as Choice;
  const caseText = (p: PointData) => p.settings.filter(([k]) => d.caseKeys.includes(k)).map(([k, v]) => `${k}=${v}`).join(', ');
  const choiceText = (c: Choice) => c.settings.map(([k, v]) => `${k}=${v}`).join(', ');
  const what = grouped ? 'setting' : 'point';
  const choiceName = (c: Choice) => (grouped ? `setting ${c.index + 1}` : `point ${(c.points[0] as number) + 1}`);
  if (grouped) {
    b.push({
      kind: 'p',
      text: `The recommendation chooses the ZenMonitor settings (${d.settingKeys.map(code).join(', ')}); the other varied keys (${d.caseKeys.map(code).join(', ')}) are the cluster and the failure cases, and a setting must meet every constraint at every one of them.`,
    });
  }
  const constraintTable = (c: Choice): Block => ({
    kind: 'table',
    header: ['constraint', grouped ? 'worst over cases and seeds' : 'worst over seeds', ...(grouped ? ['at'] : []), 'limit', 'margin', 'result'],
    rows: [
      ...c.constraints.map((x) => [`\`${x.text}\``, fmt(x.worst), ...(grouped ? [caseText(pointAt(x.at))] : []), fmt(x.limit), fmtMargin(x.margin), x.pass ? 'meets' : '**fails**']),
      ...(d.allowMissing || !d.anyMissing
        ? []
        : [[NO_MISSING, `${fmt(c.missing)} DOWNs missing`, ...(grouped ? [''] : []), '0', '', c.missing === 0 ? 'meets' : '**fails**']]),
    ],
    left: 1,
  });
  const commands = (c: Choice): Block => ({ kind: 'code', text: c.points.map((i) => runCommandLine(s, pointAt(i), s.seedBase)).join('\n') });
  const undrained = d.choices.filter((c) => c.complete && c.missing > 0).length;
  if (undrained > 0) {
    b.push({
      kind: 'p',
      text: d.allowMissing
        ? `**${undrained} ${what}${undrained === 1 ? '' : 's'} left DOWNs undelivered** (lost, or pending when a run was cut short); \`--allow-missing\` lets them be recommended: read their DOWN figures as incomplete.`
        : `**${undrained} ${what}${undrained === 1 ? '' : 's'} left DOWNs undelivered** (lost, or pending when a run was cut short) and ${undrained === 1 ? 'is' : 'are'} never recommended (\`--allow-missing\` to consider them).`,
    });
  }
  if (rec.kind === 'no-constraints') b.push({ kind: 'p', text: 'No constraints were given, so nothing is recommended: the tables and plots below show every point.' });
  else if (rec.kind === 'no-data') b.push({ kind: 'p', text: `No ${what} has results for all its runs yet.` });
  else if (rec.kind === 'recommended') {
    const c = choiceAt(rec.choice);
    const tight = c.constraints.reduce((a, x) => ((x.margin ?? -Infinity) < (a.margin ?? -Infinity) ? x : a));
    const others = d.choices.filter((x) => x.pass).length - 1;
    b.push({
      kind: 'p',
      text: `**Recommended: ${choiceText(c)}** (${choiceName(c)}). It meets every constraint ${grouped ? 'in every case and every seed' : 'in every seed'} with the most margin: its smallest margin is ${fmtMargin(rec.minMargin)}, on \`${tight.text}\`${
        grouped ? ` at ${caseText(pointAt(tight.at))}` : ''
      }.${others > 0 ? ` ${others} other ${what}${others === 1 ? '' : 's'} also meet${others === 1 ? 's' : ''} them all.` : ` No other ${what} meets them all.`}`,
    });
    b.push(constraintTable(c));
    const compiled = compileTimeNotes([...s.set, ...c.settings].map(([k]) => k));
    if (compiled.length > 0) b.push({ kind: 'p', text: `**Compile-time settings.** ${compiled.map((n) => `${n}.`).join(' ')}` });
    b.push({ kind: 'p', text: `Reproduce it (seed ${s.seedBase} shown; the sweep ran seeds ${seedList(s.seedBase, s.seeds)}):` });
    b.push(commands(c));
  } else {
    const c = choiceAt(rec.closest);
    b.push({
      kind: 'p',
      text: `**No ${what} meets every constraint${grouped ? ' in every case' : ''}.** The constraint that binds first is \`${rec.binding.text}\`: it fails at ${rec.binding.failsAt} of ${rec.binding.of} ${what}s (worst margin ${fmtMargin(rec.binding.worstMargin)}). The closest is **${choiceText(c)}** (${choiceName(c)}, smallest margin ${fmtMargin(c.minMargin)}):`,
    });
    b.push(constraintTable(c));
    b.push(commands(c));
  }

  // Each setting across the cases.
  if (grouped && s.constraints.length > 0) {
    b.push({ kind: 'h', level: 2, text: 'Settings across the cases' });
    b.push({ kind: 'p', text: 'Each constraint at its worst over the cases and the seeds, its margin, and the case where it is worst.' });
    b.push({
      kind: 'table',
      header: ['#', ...d.settingKeys.map(code), ...s.constraints.map(code), ...(d.anyMissing ? ['DOWNs missing'] : []), 'smallest margin', 'meets all'],
      rows: d.choices.map((c) => [
        String(c.index + 1),
        ...c.settings.map(([, v]) => v),
        ...c.constraints.map((x) => `${fmt(x.worst)} (${fmtMargin(x.margin)}) at ${caseText(pointAt(x.at))}${x.pass ? '' : ' ✗'}`),
        ...(d.anyMissing ? [`${fmt(c.missing)}${c.missing > 0 && !d.allowMissing ? ' ✗' : ''}`] : []),
        fmtMargin(c.minMargin),
        !c.complete ? 'incomplete' : c.pass ? (rec.kind === 'recommended' && rec.choice === c.index ? '**yes, recommended**' : 'yes') : 'no',
      ]),
      left: 0,
    });
  }

  // Constraints at every point.
  if (s.constraints.length > 0) {
    const recPoint = rec.kind === 'recommended' && !grouped ? choiceAt(rec.choice).points[0] : undefined;
    b.push({ kind: 'h', level: 2, text: 'Constraints at every point' });
    b.push({ kind: 'p', text: 'Worst value over the seeds, and its margin.' });
    b.push({
      kind: 'table',
      header: ['#', ...keys.map(code), ...s.constraints.map(code), ...(d.anyMissing ? ['DOWNs missing'] : []), 'smallest margin', 'meets all'],
      rows: d.points.map((p) => [
        String(p.index + 1),
        ...settingCells(p),
        ...p.constraints.map((c) => `${fmt(c.worst)} (${fmtMargin(c.margin)})${c.pass ? '' : ' ✗'}`),
        ...(d.anyMissing ? [missingText(p, !d.allowMissing)] : []),
        fmtMargin(p.minMargin),
        !p.complete ? `incomplete (${p.seeds.length}/${s.seeds})` : p.pass ? (recPoint === p.index ? '**yes, recommended**' : 'yes') : 'no',
      ]),
      left: 0,
    });
  }

  // Metrics per mode.
  for (const mode of d.modes) {
    b.push({ kind: 'h', level: 2, text: `Metrics, ${mode}` });
    b.push({ kind: 'p', text: `Median over the seeds [smallest – largest]. ${mode === 'vanilla' ? 'Plain ERTS monitors: the ZenMonitor settings do not apply.' : 'ZenMonitor.'}` });
    b.push({
      kind: 'table',
      header: ['#', ...keys.map(code), ...d.metrics.map(metricLabel), ...(d.anyMissing ? ['DOWNs missing (most in a seed)'] : [])],
      rows: d.points.map((p) => [
        String(p.index + 1),
        ...settingCells(p),
        ...d.metrics.map((m) => fmtAgg(p.metrics[mode]?.[m] ?? null)),
        ...(d.anyMissing ? [fmt(p.missing[mode] ?? null)] : []),
      ]),
      left: 0,
    });
  }

  // Closed-form estimates.
  const est = d.points.filter((p) => p.estimate !== null);
  if (est.length > 0) {
    b.push({ kind: 'h', level: 2, text: 'Closed-form estimates beside the simulation (zen)' });
    b.push({
      kind: 'p',
      text:
        'The simple model: the Dispatcher asks for at most `demand_amount` DOWNs every `demand_interval` ms, a maximum rate R = demand_amount × 1000 / demand_interval per second, so N DOWNs drain in N / R. Each node has its own Dispatcher, so N counts the DOWNs of the busiest receiving node (all of them with one subscriber node). Each tick is re-armed after it is handled, so a tick takes about interval + 1 ms: ⌈N / demand_amount⌉ × (demand_interval + 1) ms. ' +
        'Remote process deaths first wait for the Batcher on the dead process\'s node (batcher_chunk_size per batcher_sweep_interval); a nodedown skips it (the Connector fires every monitor at once). ' +
        'A ratio near 1 means the simple model holds; far above 1, queueing (a busy subscriber, the network, a slower stage) makes the difference; far below 1 with DOWNs missing, the run ended before the drain.',
    });
    b.push({
      kind: 'table',
      header: ['#', ...keys.map(code), 'N (DOWNs, busiest node)', 'R (DOWNs/s)', 'N / R (ms)', '⌈N/a⌉·(interval+1) (ms)', 'simulated last DOWN (ms)', 'sim ÷ model', 'Batcher rate (/s)', 'remote-death drain (ms)', 'sim ÷ remote model'],
      rows: est.map((p) => {
        const e = p.estimate as Estimate;
        return [
          String(p.index + 1),
          ...settingCells(p),
          fmt(e.nodeN),
          fmt(e.dispatcherRate),
          fmt(e.drainNominalMs),
          fmt(e.drainDriftedMs),
          `${fmtAgg(e.simLastMs)}${e.missing > 0 ? ` (${fmt(e.missing)} missing)` : ''}`,
          fmtRatio(e.ratioDrifted),
          fmt(e.batcherRate),
          fmt(e.drainRemoteMs),
          fmtRatio(e.ratioRemote),
        ];
      }),
      left: 0,
    });
    b.push({
      kind: 'p',
      text:
        'Batch waits and bursts: once the deaths are known on the subscriber\'s node, the first DOWN waits for the next demand tick (at most `demand_interval`, plus a Batcher sweep for remote deaths); the simulated first DOWN counts from the trigger, so it also holds the detection (a node crash: `resetDelayUs` and the reset\'s trip, ~36 ms by default). Each tick hands the subscriber up to `demand_amount` DOWNs at once, so work queued behind them waits about demand_amount × downCostUs (the scenario\'s cost per DOWN), against N × downCostUs when plain monitors deliver the whole herd at once. Monitors are set up at connector_chunk_size per connector_sweep_interval.',
    });
    b.push({
      kind: 'table',
      header: ['#', ...keys.map(code), 'first-DOWN wait after detection ≤ (ms)', 'simulated first DOWN (ms)', 'burst a·downCost (ms)', 'simulated work p99 (ms)', 'vanilla herd N·downCost (ms)', 'simulated vanilla last DOWN (ms)', 'monitor set-up N / connector rate (ms)'],
      rows: est.map((p) => {
        const e = p.estimate as Estimate;
        return [
          String(p.index + 1),
          ...settingCells(p),
          fmt(e.demandIntervalMs),
          fmtAgg(e.simFirstMs),
          fmt(e.burstMs),
          fmtAgg(e.simWorkP99Ms),
          fmt(e.vanillaBurstMs),
          fmtAgg(e.simVanillaLastMs),
          fmt(e.setupMs),
        ];
      }),
      left: 0,
    });
  }

  // Plots.
  const plots = planPlots(d);
  if (plots.length > 0) {
    b.push({ kind: 'h', level: 2, text: 'Plots' });
    b.push({
      kind: 'p',
      text: 'Each metric against each varied parameter, one line per mode and per combination of the other parameters: the median over the seeds, with a bar from the smallest to the largest seed. Dashed: vanilla; dashed red: a constraint\'s limit; thin dotted: the closed-form drain ⌈N/a⌉·(interval+1).',
    });
    b.push({ kind: 'plots', plots });
  }

  // Every point.
  b.push({ kind: 'h', level: 2, text: 'Every point' });
  b.push({ kind: 'p', text: `Each point runs with \`--seed S\` for S in ${seedList(s.seedBase, s.seeds)}; the traceHash of each seed shows it is the same run.` });
  b.push({
    kind: 'table',
    header: ['#', 'command', 'traceHash per seed'],
    rows: d.points.map((p) => [String(p.index + 1), `\`${runCommandLine(s, p)}\``, p.traceHashes.length === 0 ? '-' : p.traceHashes.map(code).join(' ')]),
    left: 2,
  });
  return { blocks: b, plots };
}

const code = (s: string): string => `\`${s}\``;

/** A point's missing DOWNs per mode (`zen 360`), marked when they keep it from being recommended. */
function missingText(p: PointData, excludes: boolean): string {
  const parts = Object.entries(p.missing).filter(([, n]) => n > 0);
  if (parts.length === 0) return '0';
  return `${parts.map(([m, n]) => `${m} ${fmt(n)}`).join(', ')}${excludes ? ' ✗' : ''}`;
}

function seedList(base: number, n: number): string {
  return n <= 4 ? Array.from({ length: n }, (_, i) => base + i).join(', ') : `${base}–${base + n - 1}`;
}

// ---- Markdown ---------------------------------------------------------------------------

export function renderMarkdown(d: PlanData): string {
  const { blocks } = planDocument(d);
  const out: string[] = [];
  for (const bl of blocks) {
    switch (bl.kind) {
      case 'h':
        out.push(`${'#'.repeat(bl.level)} ${bl.text}`);
        break;
      case 'p':
        out.push(bl.text);
        break;
      case 'code':
        out.push(`\`\`\`\n${bl.text}\n\`\`\``);
        break;
      case 'table': {
        const cell = (c: string) => c.replaceAll('|', '\\|');
        out.push(
          [
            `| ${bl.header.map(cell).join(' | ')} |`,
            `|${bl.header.map((_, i) => (i < bl.left || i === 0 ? '---|' : '---:|')).join('')}`,
            ...bl.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
          ].join('\n'),
        );
        break;
      }
      case 'plots':
        out.push(bl.plots.map((p) => `![${p.title}](plots/${p.file})`).join('\n'));
        break;
    }
  }
  return `${out.join('\n\n')}\n`;
}

// ---- HTML -------------------------------------------------------------------------------

/** Inline Markdown (`code`, **bold**) of escaped text to HTML. */
function inline(text: string): string {
  return esc(text)
    .replace(/`([^`]*)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>');
}

export function renderHtml(d: PlanData): string {
  const { blocks } = planDocument(d);
  const body: string[] = [];
  for (const bl of blocks) {
    switch (bl.kind) {
      case 'h':
        body.push(`<h${bl.level}>${inline(bl.text)}</h${bl.level}>`);
        break;
      case 'p':
        body.push(`<p>${inline(bl.text)}</p>`);
        break;
      case 'code':
        body.push(`<pre><code>${esc(bl.text)}</code></pre>`);
        break;
      case 'table':
        body.push(
          `<div class="scroll"><table><thead><tr>${bl.header.map((h, i) => `<th${i < bl.left || i === 0 ? ' class="l"' : ''}>${inline(h)}</th>`).join('')}</tr></thead><tbody>\n${bl.rows
            .map((r) => `<tr>${r.map((c, i) => `<td${i < bl.left || i === 0 ? ' class="l"' : ''}>${inline(c)}</td>`).join('')}</tr>`)
            .join('\n')}\n</tbody></table></div>`,
        );
        break;
      case 'plots':
        body.push(`<div class="grid">\n${bl.plots.map((p) => `<figure>${p.svg}</figure>`).join('\n')}\n</div>`);
        break;
    }
  }
  return `${pageHead(`zensim plan: ${d.sweep.scenarioName}`, 'zensim plan', CSS)}
${body.join('\n')}
<footer>Generated by zensim from sweep.json and results.jsonl; every number is reproducible with the commands above.</footer>
</main>
</body>
</html>
`;
}

const CSS = `
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1d2125; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1600px; margin: 0 auto; padding: 20px 28px 40px; }
h1 { font-size: 22px; margin: 0 0 8px; font-weight: 600; }
h2 { font-size: 17px; margin: 28px 0 10px; font-weight: 600; }
p { max-width: 1100px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; background: #f6f8fa; padding: 1px 4px; border-radius: 4px; }
pre { background: #f6f8fa; border: 1px solid #d8dde2; border-radius: 6px; padding: 8px 12px; overflow-x: auto; }
pre code { background: none; padding: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; border: 1px solid #d8dde2; }
th, td { border-bottom: 1px solid #d8dde2; padding: 5px 12px; text-align: right; white-space: nowrap; }
th { background: #f6f8fa; font-weight: 600; }
.l { text-align: left; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(540px, 100%), 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid #d8dde2; border-radius: 6px; padding: 8px; }
figure svg { display: block; width: 100%; height: auto; }
footer { margin-top: 30px; border-top: 1px solid #d8dde2; padding-top: 10px; color: #5f6b76; font-size: 13px; }
`;

// ---- plots ------------------------------------------------------------------------------

const PALETTE = ['#1c7ed6', '#e8590c', '#2b8a3e', '#862e9c', '#c2255c', '#5c940d', '#0b7285', '#e67700', '#495057', '#364fc7'];
const LIMIT_COLOUR = '#c92a2a';

/** Each shown metric against each varied parameter. */
export function planPlots(d: PlanData): Plot[] {
  const s = d.sweep;
  const plots: Plot[] = [];
  const constraints = s.constraints.map(parseConstraint);
  for (const metric of d.metrics) {
    for (const axis of s.vary) {
      if (axis.values.length < 2) continue;
      // One group per combination of the other parameters, in point order.
      const groups = new Map<string, PointData[]>();
      for (const p of d.points) {
        const g = p.settings.filter(([k]) => k !== axis.key).map(([k, v]) => `${k}=${v}`).join(', ');
        groups.set(g, [...(groups.get(g) ?? []), p]);
      }
      const series: PlotSeries[] = [];
      const flags: PlotSpec['flags'] = [];
      let gi = 0;
      for (const [g, ps] of groups) {
        const colourOf = (mode: Mode) => (groups.size === 1 ? MODE_COLOURS[mode] : (PALETTE[gi % PALETTE.length] as string));
        for (const mode of d.modes) {
          const pts = ps.flatMap((p) => {
            const a = p.metrics[mode]?.[metric] ?? null;
            const missing = p.missing[mode] ?? 0;
            // No seed has a value, because DOWNs never arrived: flagged at the top instead.
            if (a === null && missing > 0) flags.push({ x: valueOf(p, axis.key), label: `${mode}${g !== '' ? `, ${g}` : ''}: ${fmt(missing)} DOWNs missing, no value` });
            return a === null ? [] : [{ x: valueOf(p, axis.key), lo: a.min, mid: a.median, hi: a.max, missing }];
          });
          if (pts.length === 0) continue;
          series.push({ label: `${d.modes.length > 1 ? mode : ''}${d.modes.length > 1 && g !== '' ? ', ' : ''}${g}` || mode, colour: colourOf(mode), dash: mode === 'vanilla' ? '7 4' : '', points: pts, thin: false });
        }
        if (metric === 'downs.lastMs') {
          const pts = ps.flatMap((p) => (p.estimate === null ? [] : [{ x: valueOf(p, axis.key), lo: p.estimate.drainDriftedMs, mid: p.estimate.drainDriftedMs, hi: p.estimate.drainDriftedMs }]));
          if (pts.length > 0) series.push({ label: `model ⌈N/a⌉·(interval+1)${g !== '' ? `, ${g}` : ''}`, colour: groups.size === 1 ? '#868e96' : (PALETTE[gi % PALETTE.length] as string), dash: '2 3', points: pts, thin: true });
        }
        gi++;
      }
      // Nothing simulated to show (e.g. no work in this scenario): no plot.
      if (!series.some((x) => !x.thin) && flags.length === 0) continue;
      const hlines = constraints.filter((c) => c.path === metric).map((c) => ({ y: c.limit, label: c.text }));
      const file = `${slug(metric)}--${slug(axis.key)}.svg`;
      const title = `${metricLabel(metric)} vs ${axis.key}`;
      plots.push({ file, title, svg: svgPlot({ title, xLabel: axis.key, yLabel: metricLabel(metric), xValues: [...axis.values], series, hlines, flags }) });
    }
  }
  return plots;
}

function valueOf(p: PointData, key: string): string {
  return p.settings.find(([k]) => k === key)?.[1] ?? '';
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9_.-]+/g, '_');

/** A point's `missing`: DOWNs a seed's run left undelivered (the point is ringed in red). */
export type PlotSeries = { label: string; colour: string; dash: string; thin: boolean; points: { x: string; lo: number; mid: number; hi: number; missing?: number }[] };
/** `flags`: x values where a series has no value because DOWNs never arrived (a red mark at the top). */
export type PlotSpec = { title: string; xLabel: string; yLabel: string; xValues: string[]; series: PlotSeries[]; hlines: { y: number; label: string }[]; flags?: { x: string; label: string }[] };

const W = 640;
const H = 380;
const ML = 70;
const MR = 20;
const MB = 48;

/**
 * A small standalone SVG chart: categorical or numeric (linear, or log over two decades)
 * x, a y axis from 0 (log when values span three decades), lines through medians with
 * min–max bars, horizontal limit lines. Styled by attributes only, so the same text
 * works inline in HTML and as a file beside Markdown.
 */
export function svgPlot(spec: PlotSpec): string {
  const o: string[] = [];
  const F = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"';
  // Legend rows under the title.
  const legend: string[] = [];
  let lx = ML;
  let ly = 44;
  const anyMissing = (spec.flags?.length ?? 0) > 0 || spec.series.some((s) => s.points.some((p) => (p.missing ?? 0) > 0));
  const entries = [
    ...spec.series.map((s) => ({ label: s.label, colour: s.colour, dash: s.dash, w: s.thin ? 1.2 : 2.2 })),
    ...spec.hlines.map((h) => ({ label: `limit ${h.label}`, colour: LIMIT_COLOUR, dash: '5 3', w: 1.5 })),
    ...(anyMissing ? [{ label: 'red ring or ▼: DOWNs missing', colour: LIMIT_COLOUR, dash: '1 3', w: 2.2 }] : []),
  ];
  for (const e of entries) {
    const w = 30 + e.label.length * 6.8 + 18;
    if (lx + w > W - MR && lx > ML) {
      lx = ML;
      ly += 16;
    }
    legend.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${e.colour}" stroke-width="${e.w}"${e.dash !== '' ? ` stroke-dasharray="${e.dash}"` : ''}/><text x="${lx + 30}" y="${ly + 4}" font-size="11" fill="#1d2125">${esc(e.label)}</text>`);
    lx += w;
  }
  const px0 = ML;
  const px1 = W - MR;
  const py0 = ly + 16;
  const py1 = H - MB;
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" ${F} font-size="12">`);
  o.push(`<title>${esc(spec.title)}</title>`, `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  o.push(`<text x="${ML}" y="22" font-size="14" font-weight="600" fill="#1d2125">${esc(spec.title)}</text>`, ...legend);
  o.push(`<rect x="${px0}" y="${py0}" width="${px1 - px0}" height="${py1 - py0}" fill="#fcfcfd" stroke="#aab3bc"/>`);
  // x scale.
  const nums = spec.xValues.map((v) => Number(v.replaceAll('_', '')));
  const numeric = spec.xValues.length > 1 && nums.every((n, i) => Number.isFinite(n) && (spec.xValues[i] as string).trim() !== '');
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  const xlog = numeric && lo > 0 && hi / lo >= 20;
  const pad = 28;
  const X = (v: string): number => {
    const i = spec.xValues.indexOf(v);
    if (!numeric) return spec.xValues.length === 1 ? (px0 + px1) / 2 : px0 + pad + (i / (spec.xValues.length - 1)) * (px1 - px0 - 2 * pad);
    const n = Number(v.replaceAll('_', ''));
    const t = xlog ? (Math.log10(n) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : hi === lo ? 0.5 : (n - lo) / (hi - lo);
    return px0 + pad + t * (px1 - px0 - 2 * pad);
  };
  // y scale.
  const ys = [...spec.series.flatMap((s) => s.points.flatMap((p) => [p.lo, p.hi])), ...spec.hlines.map((h) => h.y)].filter(Number.isFinite);
  let ylo = Math.min(0, ...ys);
  let yhi = Math.max(...ys, 0);
  const pos = ys.filter((y) => y > 0);
  const ylog = ys.length > 0 && pos.length === ys.length && Math.max(...pos) / Math.min(...pos) >= 100;
  let yticks: number[];
  let Y: (v: number) => number;
  if (ylog) {
    const d0 = Math.floor(Math.log10(Math.min(...pos)));
    const d1 = Math.max(d0 + 1, Math.ceil(Math.log10(Math.max(...pos))));
    yticks = [];
    for (let dd = d0; dd <= d1; dd++) yticks.push(10 ** dd);
    Y = (v) => py1 - ((Math.log10(Math.max(v, 10 ** d0)) - d0) / (d1 - d0)) * (py1 - py0);
  } else {
    if (yhi <= ylo) yhi = ylo + 1;
    const step = niceStep((yhi - ylo) / 5);
    ylo = Math.floor(ylo / step) * step;
    yhi = Math.ceil((yhi * 1.04) / step) * step;
    yticks = [];
    for (let t = ylo; t <= yhi + step * 1e-6; t += step) yticks.push(Number(t.toPrecision(12)));
    const a = ylo;
    const bnd = yhi;
    Y = (v) => py1 - ((v - a) / (bnd - a)) * (py1 - py0);
  }
  const g: string[] = [];
  for (const t of yticks) {
    const y = r1(Y(t));
    g.push(`<line x1="${px0}" y1="${y}" x2="${px1}" y2="${y}" stroke="#e9ecef"/><text x="${px0 - 7}" y="${y + 4}" text-anchor="end" font-size="11" fill="#5f6b76">${esc(fmtTick(t))}</text>`);
  }
  for (const v of spec.xValues) {
    const x = r1(X(v));
    g.push(`<line x1="${x}" y1="${py1}" x2="${x}" y2="${py1 + 5}" stroke="#aab3bc"/><text x="${x}" y="${py1 + 18}" text-anchor="middle" font-size="11" fill="#5f6b76">${esc(numeric ? fmtTick(Number(v.replaceAll('_', ''))) : v)}</text>`);
  }
  o.push(...g);
  o.push(`<text x="${(px0 + px1) / 2}" y="${H - 10}" text-anchor="middle" fill="#5f6b76">${esc(`${spec.xLabel}${xlog ? ', log' : ''}`)}</text>`);
  o.push(`<text transform="translate(16 ${(py0 + py1) / 2}) rotate(-90)" text-anchor="middle" fill="#5f6b76">${esc(`${spec.yLabel}${ylog ? ', log' : ''}`)}</text>`);
  for (const h of spec.hlines) {
    const y = r1(Y(h.y));
    o.push(`<line x1="${px0}" y1="${y}" x2="${px1}" y2="${y}" stroke="${LIMIT_COLOUR}" stroke-width="1.5" stroke-dasharray="5 3"><title>${esc(`limit ${h.label}`)}</title></line>`);
  }
  for (const s of spec.series) {
    const pts = [...s.points].sort((a, b) => spec.xValues.indexOf(a.x) - spec.xValues.indexOf(b.x));
    const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${r1(X(p.x))} ${r1(Y(p.mid))}`).join('');
    o.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="${s.thin ? 1.2 : 2.2}" stroke-linejoin="round"${s.dash !== '' ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    if (s.thin) continue;
    for (const p of pts) {
      const x = r1(X(p.x));
      const missing = p.missing ?? 0;
      const tip = `${s.label}: ${p.x} → ${fmt(p.mid)}${p.lo !== p.hi ? ` [${fmt(p.lo)} – ${fmt(p.hi)}]` : ''}${missing > 0 ? `; ${fmt(missing)} DOWNs missing` : ''}`;
      if (missing > 0) o.push(`<circle cx="${x}" cy="${r1(Y(p.mid))}" r="7" fill="none" stroke="${LIMIT_COLOUR}" stroke-width="2"><title>${esc(tip)}</title></circle>`);
      o.push(
        `<g><title>${esc(tip)}</title>${p.lo !== p.hi ? `<line x1="${x}" y1="${r1(Y(p.lo))}" x2="${x}" y2="${r1(Y(p.hi))}" stroke="${s.colour}" stroke-width="1.5"/><line x1="${x - 4}" y1="${r1(Y(p.lo))}" x2="${x + 4}" y2="${r1(Y(p.lo))}" stroke="${s.colour}" stroke-width="1.5"/><line x1="${x - 4}" y1="${r1(Y(p.hi))}" x2="${x + 4}" y2="${r1(Y(p.hi))}" stroke="${s.colour}" stroke-width="1.5"/>` : ''}<circle cx="${x}" cy="${r1(Y(p.mid))}" r="3.5" fill="${s.colour}"/></g>`,
      );
    }
  }
  for (const f of spec.flags ?? []) {
    const x = r1(X(f.x));
    o.push(`<path d="M${x - 6} ${py0 + 3}L${x + 6} ${py0 + 3}L${x} ${py0 + 13}Z" fill="${LIMIT_COLOUR}"><title>${esc(f.label)}</title></path>`);
  }
  if (spec.series.length === 0 && (spec.flags?.length ?? 0) === 0) o.push(`<text x="${(px0 + px1) / 2}" y="${(py0 + py1) / 2}" text-anchor="middle" fill="#5f6b76" font-size="15">no data</text>`);
  o.push('</svg>');
  return o.join('\n');
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;

// ---- numbers ----------------------------------------------------------------------------

/** 1,234 · 12.5 · 0.125 · '-' for no value (no locale: the same text everywhere). */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (Number.isInteger(x)) return group(x);
  const a = Math.abs(x);
  const s = a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
  const [i, f] = s.split('.');
  return `${group(Number(i))}${f !== undefined ? `.${f}` : ''}`;
}

function group(n: number): string {
  const s = String(Math.abs(n));
  return `${n < 0 || Object.is(n, -0) ? '-' : ''}${s.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}

/** Median [min – max] over the seeds with a value; seeds without one (a DOWN never delivered, work never served) are counted. */
export function fmtAgg(a: Agg | null): string {
  if (a === null) return '-';
  const [lo, mid, hi] = [fmt(a.min), fmt(a.median), fmt(a.max)];
  const none = a.nulls > 0 ? ` (no value in ${a.nulls} of ${a.n + a.nulls} seeds)` : '';
  return `${lo === hi ? mid : `${mid} [${lo} – ${hi}]`}${none}`;
}

export function fmtMargin(m: number | null): string {
  if (m === null) return 'no value';
  return `${m >= 0 ? '+' : ''}${(m * 100).toFixed(1)}%`;
}

function fmtRatio(r: number | null): string {
  return r === null ? '-' : `${r.toFixed(2)}×`;
}

/** The lines `zensim plan` prints when a sweep is complete. */
export function planSummary(d: PlanData): string {
  const r = d.recommendation;
  const txt = (p: { settings: [string, string][] }) => p.settings.map(([k, v]) => `${k}=${v}`).join(' ');
  switch (r.kind) {
    case 'no-constraints':
      return 'no constraints given: nothing recommended (see the report)';
    case 'no-data':
      return 'no point has results for all its seeds yet';
    case 'recommended': {
      const undrained = d.choices.filter((c) => c.complete && c.missing > 0).length;
      const note = undrained === 0 ? '' : d.allowMissing ? `; ${undrained} left DOWNs undelivered (allowed by --allow-missing)` : `; ${undrained} left DOWNs undelivered and ${undrained === 1 ? 'was' : 'were'} not considered`;
      const chosen = d.choices[r.choice] as Choice;
      const compiled = new Set([...d.sweep.set, ...chosen.settings].map(([k]) => k).filter(isCompileTimeSetting));
      const rebuild = compiled.size === 0 ? '' : `; ${[...compiled].join(', ')}: compile time, recompile zen_monitor to apply`;
      return `recommended: ${txt(chosen)} (smallest margin ${fmtMargin(r.minMargin)}${d.caseKeys.length > 0 ? `, across ${d.caseKeys.join(', ')}` : ''}${note}${rebuild})`;
    }
    case 'none': {
      const what = d.caseKeys.length > 0 ? 'setting' : 'point';
      const c = d.choices[r.closest] as Choice;
      return `no ${what} meets every constraint; binds first: ${r.binding.text} (fails at ${r.binding.failsAt} of ${r.binding.of} ${what}s); closest: ${txt(c)} (smallest margin ${fmtMargin(c.minMargin)})`;
    }
  }
}
