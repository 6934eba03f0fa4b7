// The HTML report: rendered from a small real run, it is one self-contained page (no
// script, no outside reference) with the summary, four charts with both modes, and
// every inserted text escaped; degenerate documents (one mode, no work, no data) still
// render; long series are thinned to MAX_POINTS keeping their peaks. Then, when a
// Chromium is installed (CI installs Debian's), the page is opened headless: every
// chart renders with lines, no console or page error, and a screenshot goes to
// out/report.png.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { param } from '../../../sim/run/params.js';
import type { RunResult } from '../../../sim/run/recorder.js';
import { CHARTS, downsampleMax, esc, fmtTick, MAX_POINTS, MODE_COLOURS, renderReport, timeWindow } from '../../../sim/report/html.js';
import { runScenario, type ResultDoc } from '../../../sim/run/runner.js';
import { A, B, tinyHerd } from '../run/tiny_herd.js';
import componentRestart from '../../../scenarios/component_restart.js';

const NASTY = `<b>"tiny" & 'herd'</b>`;

const tiny = tinyHerd(`tiny ${NASTY}`, { label: param.enum(NASTY, [NASTY, 'plain'], 'a text parameter (escaping)') });

const doc = runScenario(tiny, { seed: 7 });
const html = renderReport(doc);

/** The `<svg class="chart">` elements, by data-chart name. */
function charts(page: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of page.matchAll(/<svg class="chart" data-chart="([^"]+)"[\s\S]*?<\/svg>/g)) out.set(m[1] as string, m[0]);
  return out;
}

function pathPoints(svg: string): number[] {
  return [...svg.matchAll(/<path class="line" d="([^"]*)"/g)].map((m) => ((m[1] as string).match(/[ML]/g) ?? []).length);
}

test('the run behind the report has both modes, DOWNs and work', () => {
  assert.equal(
    doc.runs.map((r) => r.mode),
    ['vanilla', 'zen'],
  );
  for (const r of doc.runs) {
    assert.is(r.downs.delivered, 200, `${r.mode} DOWNs`);
    assert.ok(r.series.workLatencyMs.length > 0, `${r.mode} work`);
  }
});

test('one HTML document, self-contained: no script, no outside reference', () => {
  assert.ok(html.startsWith('<!doctype html>'));
  assert.ok(html.trimEnd().endsWith('</html>'));
  assert.not.match(html, /<script/i);
  assert.not.match(html, /<link/i);
  assert.not.match(html, /<img/i);
  assert.not.match(html, /@import|url\(/i);
  assert.not.match(html, /(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
  assert.not.match(html, /https?:\/\//i, 'no http(s) address anywhere');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

test('title, seed, traceHash, parameters and configuration', () => {
  assert.match(html, new RegExp(`traceHash <code>${doc.traceHash}</code>`));
  assert.match(html, /seed <b>7<\/b>/);
  assert.match(html, /<details class="settings">/);
  for (const key of ['targets', 'mode', 'label']) assert.match(html, new RegExp(`<th>${key}</th>`));
  for (const key of Object.keys(doc.config.cost)) assert.ok(html.includes(`<th>${key}</th>`), `cost.${key} listed`);
  for (const key of Object.keys(doc.config.net)) assert.ok(html.includes(`<th>${key}</th>`), `net.${key} listed`);
  assert.ok(Object.keys(doc.config.zen).length > 0);
  for (const key of Object.keys(doc.config.zen)) assert.ok(html.includes(`<th>${esc(key)}</th>`), `zen.${key} listed`);
});

test('every inserted text is escaped', () => {
  assert.not.ok(html.includes(NASTY), 'raw markup from the scenario name or a parameter');
  assert.not.ok(html.includes('<b>"tiny"'));
  const escaped = '&lt;b&gt;&quot;tiny&quot; &amp; &#39;herd&#39;&lt;/b&gt;';
  assert.ok(html.includes(`<title>zensim: tiny ${escaped} (seed 7)</title>`));
  assert.ok(html.includes(`<td>${escaped}</td>`), 'the text parameter');
  assert.is(esc(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('the summary table has a column per mode and the terminal rows', () => {
  const table = html.match(/<table class="summary">[\s\S]*?<\/table>/)?.[0] ?? '';
  assert.ok(table !== '');
  assert.match(table, /vanilla[\s\S]*zen/);
  for (const label of ['DOWNs delivered / expected', 'work latency p50 / p99 / max', 'peak memory over baseline']) assert.ok(table.includes(label), label);
  assert.ok(table.includes('200 / 200'));
});

test('five charts, each with a title, axes, ticks and both modes', () => {
  const c = charts(html);
  assert.equal([...c.keys()], [...CHARTS]);
  for (const [name, svg] of c) {
    assert.match(svg, /<text class="ctitle"[^>]*>[^<]+<\/text>/, `${name} title`);
    assert.ok((svg.match(/class="tl"/g) ?? []).length >= 4, `${name} tick labels`);
    assert.ok((svg.match(/class="al"/g) ?? []).length === 2, `${name} axis labels`);
    assert.not.match(svg, /no data/, `${name} has data`);
    for (const mode of ['vanilla', 'zen'] as const) assert.ok(svg.includes(`stroke="${MODE_COLOURS[mode]}"`), `${name}: ${mode} line`);
    for (const n of pathPoints(svg)) assert.ok(n >= 1 && n <= MAX_POINTS, `${name}: ${n} points`);
  }
  const memory = c.get('memory') as string;
  for (const label of [`vanilla ${A}`, `vanilla ${B}`, `zen ${A}`, `zen ${B}`]) assert.ok(memory.includes(`>${label}<`), `memory legend ${label}`);
  assert.match(memory, /memory \(MiB\)/);
  const categories = c.get('memory-categories') as string;
  assert.match(categories, /Memory of a@h by category/);
  for (const mode of ['vanilla', 'zen']) {
    for (const part of ['processes', 'binary', 'ets', 'other system']) assert.ok(categories.includes(`>${mode} ${part}<`), `categories legend ${mode} ${part}`);
  }
  assert.match(c.get('work-latency') as string, /latency \(ms\)/);
  assert.match(c.get('downs') as string, /time since trigger \(ms\)/);
});

test('work latency spanning decades gets a log axis', () => {
  const d = structuredClone(doc);
  const v = d.runs[0] as RunResult;
  const z = d.runs[1] as RunResult;
  v.series.workLatencyMs = Array.from({ length: 5000 }, (_, i) => 1 + (i % 2000));
  z.series.workLatencyMs = Array.from({ length: 5000 }, (_, i) => 10 + (i % 20));
  const svg = charts(renderReport(d)).get('work-latency') as string;
  assert.match(svg, /latency \(ms\), log/);
  for (const t of ['>1<', '>10<', '>100<', '>1000<']) assert.ok(svg.includes(t), `decade tick ${t}`);
  for (const n of pathPoints(svg)) assert.ok(n <= MAX_POINTS);
});

/** The notes table's rows, as `mode|key|value` with the value's text unescaped. */
function noteRows(page: string): string[] {
  const table = page.match(/<table class="notes">[\s\S]*?<\/table>/)?.[0] ?? '';
  const unesc = (s: string) => s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e] as string);
  return [...table.matchAll(/<tr><td><span class="mode"[^>]*><i><\/i>(\w+)<\/span><\/td><th>([^<]*)<\/th><td>([^<]*)<\/td><\/tr>/g)].map((m) => `${m[1]}|${unesc(m[2] as string)}|${unesc(m[3] as string)}`);
}

test("the scenario's notes (run.note): per mode, each value in full and escaped; no section without notes", () => {
  assert.not.ok(html.includes('Scenario notes'), 'the tiny herd notes nothing');
  const d = structuredClone(doc);
  const long = Array.from({ length: 60 }, (_, i) => `T${i}`);
  (d.runs[0] as RunResult).notes = { lost: 'none' };
  (d.runs[1] as RunResult).notes = { [NASTY]: NASTY, targets: long, recoveryMs: null };
  const page = renderReport(d);
  assert.not.ok(page.includes(NASTY), 'escaped');
  assert.equal(noteRows(page), ['vanilla|lost|none', `zen|${NASTY}|${NASTY}`, `zen|targets|${JSON.stringify(long)}`, 'zen|recoveryMs|null']);
  assert.ok(page.indexOf('<h2>Scenario notes</h2>') > page.indexOf('<h2>Summary</h2>') && page.indexOf('<h2>Scenario notes</h2>') < page.indexOf('<h2>Charts</h2>'), 'under the summary, as the terminal prints them');
});

test('component_restart (the connector killed, b SIGKILLed): the report has the notes the terminal prints, the long one in full', () => {
  const d = runScenario(componentRestart as never, { params: { kill: 'connector', ending: 'node' } });
  // Vanilla's T3, a monitor of a pid of the dead b, fires :noconnection once b's host's EPMD
  // has refused the connection: two round trips (4 × 50 µs) after the monitor.

  const rows = noteRows(renderReport(d));
  assert.equal(rows, [
    'vanilla|downs|{"T1":[{"reason":":noconnection","msAfterKill":1536.002}],"T2":[{"reason":":noconnection","msAfterKill":1536.003}],"T3":[{"reason":":noconnection","msAfterKill":6500.204}]}',
    'vanilla|lost|none',
    'zen|downs|{"T1":[],"T2":[],"T3":[]}',
    'zen|lost|T1, T2, T3',
    'zen|compatibility|[":compatible / :compatible"]',
    'zen|recoveryMs|null',
  ]);
});

test('a single-mode document and a run without work render, saying "no data"', () => {
  const d = structuredClone(doc);
  d.runs = d.runs.filter((r) => r.mode === 'zen');
  const z = d.runs[0] as RunResult;
  z.work = null;
  z.series.workLatencyMs = [];
  const page = renderReport(d);
  const c = charts(page);
  assert.equal([...c.keys()], [...CHARTS]);
  assert.match(c.get('work-latency') as string, />no data</);
  assert.not.ok((c.get('downs') as string).includes(MODE_COLOURS.vanilla));
  assert.not.ok(page.includes('plain ERTS monitors'), 'no legend for the mode that did not run');
  assert.ok(renderReport(doc).includes('Vanilla (plain ERTS monitors) in'), 'both modes: both named');
  assert.match(page, /<table class="summary">/);

  const empty: ResultDoc = { ...structuredClone(doc), runs: [] };
  const c2 = charts(renderReport(empty));
  assert.is(c2.size, CHARTS.length);
  for (const svg of c2.values()) assert.match(svg, />no data</);

  const blank = structuredClone(doc);
  for (const r of blank.runs) {
    r.downs.timeline.counts = [];
    r.series = { bucketMs: 10, subscriberMailbox: [], memoryBytes: {}, memoryCategories: {}, workLatencyMs: [], workMessages: 0 };
    r.work = null;
  }
  const c3 = charts(renderReport(blank));
  for (const [name, svg] of c3) {
    assert.match(svg, />no data</, name);
    assert.match(svg, /vanilla: no data/, name);
  }
});

test('long series are thinned to MAX_POINTS per line, keeping the peaks', () => {
  const d = structuredClone(doc);
  const n = 200_000;
  for (const r of d.runs) {
    const s = Array.from({ length: n }, (_, i) => (i % 1000) + (r.mode === 'vanilla' ? 0 : 5));
    s[123_457] = 99_999;
    r.series.subscriberMailbox = s;
    r.series.memoryBytes = Object.fromEntries(Object.keys(r.series.memoryBytes).map((k) => [k, s.map((x) => x * 1024)]));
    r.series.workLatencyMs = s;
    r.downs.timeline.counts = s.slice(0, 50_000);
  }
  const page = renderReport(d);
  for (const [name, svg] of charts(page)) {
    for (const p of pathPoints(svg)) assert.ok(p <= MAX_POINTS + 1, `${name}: ${p} points`);
  }
  // The mailbox peak survives: the y axis reaches 100k.
  assert.match(charts(page).get('mailbox') as string, />100k</);
  const g = downsampleMax([1, 5, 2, 2, 9, 1, 0], 3);
  assert.equal(g, [
    { at: 1, from: 0, to: 3, y: 5 },
    { at: 4, from: 3, to: 6, y: 9 },
    { at: 6, from: 6, to: 7, y: 0 },
  ]);
  assert.is(downsampleMax([], 10).length, 0);
});

test('the time charts crop a long quiet tail and say so', () => {
  const d = structuredClone(doc);
  for (const r of d.runs) {
    const s = r.series.subscriberMailbox;
    while (s.length < 6000) s.push(0); // 60 s of nothing
    for (const k of Object.keys(r.series.memoryBytes)) {
      const m = r.series.memoryBytes[k] as number[];
      const last = m[m.length - 1] ?? 0;
      while (m.length < 6000) m.push(last);
    }
  }
  const w = timeWindow(d.runs);
  assert.ok(w.shownMs < w.totalMs / 4, `${w.shownMs} of ${w.totalMs}`);
  assert.match(renderReport(d), /the time charts show the first/);
  assert.is(fmtTick(2500), '2500');
  assert.is(fmtTick(25_000), '25k');
  assert.is(fmtTick(0.001), '0.001');
});

// ---- in a real browser ------------------------------------------------------------------

const CHROMIUM = '/usr/bin/chromium';
const OUT = fileURLToPath(new URL('../../../out/', import.meta.url));

test('headless Chromium renders every chart with no error (screenshot: out/report.png)', async () => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI !== undefined && process.env.CI !== '') assert.unreachable(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
    console.log(`\n  note: ${CHROMIUM} not found, browser check skipped (apt-get install -y chromium to run it)`);
    return;
  }
  mkdirSync(OUT, { recursive: true });
  const file = `${OUT}report.html`;
  writeFileSync(file, html);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const seen = await page.evaluate(`[...document.querySelectorAll('svg.chart')].map((el) => {
      const r = el.getBoundingClientRect();
      const lines = [...el.querySelectorAll('path.line, polyline')].map((p) => {
        const b = p.getBBox();
        const pts = p.tagName === 'path' ? (p.getAttribute('d') || '').split(/[ML]/).filter(Boolean).length : p.points.numberOfItems;
        return { pts, w: b.width, h: b.height, len: p.getTotalLength() };
      });
      return { name: el.dataset.chart, w: r.width, h: r.height, lines };
    })`);
    const list = seen as { name: string; w: number; h: number; lines: { pts: number; w: number; h: number; len: number }[] }[];
    assert.equal(
      list.map((c) => c.name),
      [...CHARTS],
    );
    for (const c of list) {
      assert.ok(c.w > 100 && c.h > 50, `${c.name}: ${c.w}×${c.h}`);
      assert.ok(c.lines.length >= 2, `${c.name}: ${c.lines.length} lines`);
      for (const l of c.lines) assert.ok(l.pts >= 1 && l.len > 0, `${c.name}: a line with ${l.pts} points, length ${l.len}`);
    }
    const details = await page.evaluate(`document.querySelector('details.settings') !== null`);
    assert.ok(details);
    await page.screenshot({ path: `${OUT}report.png`, fullPage: true });
    assert.equal(problems, []);
  } finally {
    await browser.close();
  }
});

test.run();
