#!/bin/sh
# runs amp.exs for every case, one after another, under nice; results/<mode>_n<N>_<reason>_<keep>_r<rep>.json
cd "$(dirname "$0")"
for rep in 1 2; do
  for c in "2000 bin100k" "2000 bin64" "2000 bin65" "2000 list10k" "2000 deep" "2000 rterr" \
           "250 bin100k" "250 list10k" "10000 bin64" "10000 bin65" "10000 rterr"; do
    set -- $c
    for mode in vanilla zen; do
      for keep in keep drop; do
        if [ "$1" != 2000 ] && [ $keep = drop ]; then continue; fi
        nice -n 5 elixir --name amp_a@127.0.0.1 --cookie amp --erl "-kernel inet_dist_use_interface {127,0,0,1}" \
          -pa "/work/realzm/proj/_build/prod/lib/*/ebin" amp.exs $mode $1 $2 $keep results/${mode}_n$1_$2_${keep}_r$rep.json 2>/dev/null
      done
    done
  done
done
