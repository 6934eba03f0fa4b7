#!/bin/sh
# usage: run.sh NAME RUNS driver-args...   -> results/NAME_rN.json
name=$1; runs=$2; shift 2
cd /work/realzm/timing
for r in $(seq 1 $runs); do
  echo "$(date +%T) $name run $r load: $(cut -d' ' -f1-3 /proc/loadavg) beams: $(pgrep -c beam.smp)"
  top -b -n 1 -d 1 | sed -n '8,11p' | awk '{print "     top:", $1, "ni", $4, "cpu", $9, $12}'
  elixir --name rta@127.0.0.1 --cookie rt --erl "-kernel inet_dist_use_interface {127,0,0,1} +S 2:2" -pa "/work/realzm/proj/_build/prod/lib/*/ebin" driver.exs --run $r --out results/${name}_r$r.json "$@" 2>/dev/null
  node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));const b=d.downs.bursts_gap20ms;console.log(d.ending,"nd",d.nodedown_seen_ms,"first",d.downs.first_ms,"last",d.downs.last_ms,"n",d.downs.total,"bursts",b.length,"w",JSON.stringify(d.work.p99),d.work.max,"mql",d.max_sub_mql,"load",d.loadavg_before_trigger)' results/${name}_r$r.json
  echo "   after: beams still running (not mine after exit): $(pgrep -c beam.smp)"
done
