#!/bin/sh
D=/work/realzm/fail/drivers/cases.exs
for c in "localN 64" "proxyN 64" "dispatcher_stall 300" "dispatcher_stall 5000"; do
  echo "=== $c"; ./run.sh $D $c | tail -3 | cut -c1-1500
done
