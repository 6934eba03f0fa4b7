// Summary of the realtiming measurements (real ZenMonitor 2.1.0 on this machine) beside zensim seed 1-3.
const fs = require('fs');
const dir = __dirname + '/results/';
const files = fs.readdirSync(dir).filter((f) => /_r\d+\.json$/.test(f));
const groups = {};
for (const f of files) (groups[f.replace(/_r\d+\.json$/, '')] ??= []).push(JSON.parse(fs.readFileSync(dir + f)));
const stat = (xs) => { const v = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b); return v.length ? { median: v[Math.floor((v.length - 1) / 2)], min: v[0], max: v[v.length - 1], runs: xs } : null; };
const medGap = (d) => { const b = d.downs.bursts_gap20ms; const g = b.slice(1).map((x, i) => x[0] - b[i][0]).slice(1).sort((a, c) => a - c); return g.length ? +g[Math.floor(g.length / 2)].toFixed(2) : null; };
const out = {};
for (const [k, runs] of Object.entries(groups).sort()) {
  runs.sort((a, b) => a.run - b.run);
  out[k] = {
    settings: { mode: runs[0].mode, targets: runs[0].targets, trigger: runs[0].trigger, sub: runs[0].sub, env_a: runs[0].env_a, env_b: runs[0].env_b },
    loadavg_before_trigger: runs.map((r) => r.loadavg_before_trigger.split(' ')[0]),
    nodedown_seen_ms: stat(runs.map((r) => r.nodedown_seen_ms)),
    first_down_ms: stat(runs.map((r) => r.downs.first_ms)),
    first_down_minus_nodedown_ms: stat(runs.map((r) => (r.nodedown_seen_ms == null ? null : +(r.downs.first_ms - r.nodedown_seen_ms).toFixed(3)))),
    last_down_ms: stat(runs.map((r) => r.downs.last_ms)),
    downs_total: stat(runs.map((r) => r.downs.total)),
    downs_by_1000ms: stat(runs.map((r) => r.downs.by_1000ms)),
    n_bursts_gap20ms: stat(runs.map((r) => r.downs.bursts_gap20ms.length)),
    first_burst_size: stat(runs.map((r) => r.downs.bursts_gap20ms[0]?.[2] ?? null)),
    median_inter_burst_ms: stat(runs.map(medGap)),
    work_latency_p99_ms: stat(runs.map((r) => r.work.p99)),
    work_latency_max_ms: stat(runs.map((r) => r.work.max)),
    max_subscriber_mql: stat(runs.map((r) => r.max_sub_mql)),
    monitor_loop_end_to_established_ms: stat(runs.map((r) => r.monitor_to_established_ms)),
    duplicate_refs: stat(runs.map((r) => r.downs.duplicate_refs)),
  };
}
fs.writeFileSync(dir + 'summary.json', JSON.stringify({ note: 'realtiming helper, not fixtures: real ZenMonitor 2.1.0, OTP 25.2.3, this 2-core machine shared with other jobs (load average 0.6-8 during the runs; see loadavg_before_trigger). Raw runs beside this file.', driver: '/work/realzm/timing/driver.exs', groups: out }, null, 1));
for (const [k, g] of Object.entries(out)) console.log(k.padEnd(34), 'first', g.first_down_ms?.median, `[${g.first_down_ms?.min}-${g.first_down_ms?.max}]`, 'last', g.last_down_ms?.median, `[${g.last_down_ms?.min}-${g.last_down_ms?.max}]`, 'gap', g.median_inter_burst_ms?.median, 'p99', g.work_latency_p99_ms?.median, 'max', g.work_latency_max_ms?.median, 'fb-nd', g.first_down_minus_nodedown_ms?.median, `[${g.first_down_minus_nodedown_ms?.min}-${g.first_down_minus_nodedown_ms?.max}]`, 'est', g.monitor_loop_end_to_established_ms?.median, 'load', g.loadavg_before_trigger.join('/'));
