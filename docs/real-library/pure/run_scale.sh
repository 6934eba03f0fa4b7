#!/bin/sh
# runs scale.exs for each shape "N S T", one after another, under nice
for shape in "10 10 1" "1000 10 100" "1000 1000 1000" "20000 20 1000" "20000 1 20000" "20000 20000 1"; do
  set -- $shape
  nice -n 19 elixir --name rpa@127.0.0.1 --cookie oracle --erl "-kernel inet_dist_use_interface {127,0,0,1}" \
    -pa "/work/realzm/proj/_build/prod/lib/*/ebin" scale.exs $1 $2 $3 results/scale_n$1_s$2_t$3.json 2>&1 
done
