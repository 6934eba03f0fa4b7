#!/bin/sh
D=/work/realzm/fail/drivers/cases.exs
for c in local_mid dispatcher_mid dispatcher_batch batcher_hold conn_presweep proxy_after_replace disp4 tables_a tables_b "plan dispatcher" "plan batcher" "localN 15" "localN 16" "localN 63" "localN 64" "proxyN 63" "proxyN 64" "intensity 3100,5000,6900,8800 0" "intensity 3000,5000,7000,9000 0" "intensity 3100,5000,6900,8800 300" "intensity 3100,5000,6900,8800 900"; do
  echo "=== $c"; ./run.sh $D $c | tail -3 | cut -c1-1500
done
