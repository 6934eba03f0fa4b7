// Phases of the nodedown path from the 5 ms probe: connector busy span, Local busy span before the first DOWN.
const fs = require('fs');
for (const f of process.argv.slice(2)) {
  const d = JSON.parse(fs.readFileSync(f));
  const rows = d.probe_5ms_t_local_disp_conn_sub || [];
  const busy = (i) => rows.filter((r) => r[i] && (r[i][1] === 'running' || r[i][1] === 'runnable' || r[i][0] > 0)).map((r) => r[0]);
  const c = busy(3), l = busy(1).filter((t) => t < (d.downs.first_ms ?? 1e9));
  const fmt = (a) => (a.length ? `${a[0]}..${a[a.length - 1]}` : '-');
  const b = d.downs.bursts_gap20ms;
  const gaps = b.slice(1, 6).map((x, i) => +(x[0] - b[i][0]).toFixed(1));
  const per = b.length > 2 ? ((b[b.length - 1][0] - b[1][0]) / (b.length - 2)).toFixed(2) : '-';
  console.log(f.replace(/.*\//, ''), 'nd', d.nodedown_seen_ms, 'conn', fmt(c), 'local', fmt(l), 'first', d.downs.first_ms, 'last', d.downs.last_ms,
    'bursts', b.length, 'sizes', b.slice(0, 3).map((x) => x[2]).join('/'), 'gaps', gaps.join(','), 'period', per,
    'work p99/max', d.work.p99, d.work.max, 'mql', d.max_sub_mql, 'est', d.monitor_to_established_ms, 'load', d.loadavg_before_trigger.split(' ')[0]);
}
